/*
 * slots: PCI slot assignment (design §4).  Deterministic and stable: a
 * base device keeps its slot in every target, and appending a device
 * never moves another, because every pinned slot of every target is
 * reserved before anything is assigned and base devices are placed before
 * anything a target adds.
 */

#include <string.h>

#include "vmrun_impl.h"

#define NBUS	256

struct slotmap {
	uint32_t	 sm_used[NBUS];		/* bit S set: slot S is taken */
	unsigned	 sm_lo;			/* no bus below has a free slot */
};

static void
sm_take(struct slotmap *sm, const struct slot *sl)
{
	sm->sm_used[sl->s_bus] |= 1U << sl->s_slot;
}

/*
 * The lowest slot none of whose functions is taken, bus 0 first.  Slots
 * are only ever taken, so the search starts where the last one ended:
 * placing n devices is linear in n.
 */
static bool
sm_next(struct slotmap *sm, struct slot *sl)
{
	unsigned b, s;
	uint32_t free;

	for (b = sm->sm_lo; b < NBUS; b++) {
		if ((free = ~sm->sm_used[b]) == 0)
			continue;
		for (s = 0; !(free & (1U << s)); s++)
			;
		sm->sm_lo = b;
		sl->s_bus = b;
		sl->s_slot = s;
		sl->s_func = 0;
		sm_take(sm, sl);
		return (true);
	}
	sm->sm_lo = NBUS;
	return (false);
}

static bool
slot_eq(const struct slot *a, const struct slot *b)
{
	return (a->s_bus == b->s_bus && a->s_slot == b->s_slot &&
	    a->s_func == b->s_func);
}

static void
place(struct vctx *vc, struct slotmap *sm, struct dev *d)
{
	if (d->dv_pinned)
		return;
	if (sm_next(sm, &d->dv_slot))
		d->dv_slotok = true;
	else
		verr(vc, "no-slot", d->dv_path, "no free PCI slot is left");
}

/*
 * Who holds each bus:slot:function, for check_conflicts: the device's
 * index, valid where the stamp is the current check's.  One table for a
 * whole configuration, so each check is linear and clears nothing.
 */
struct holders {
	uint32_t	*ho_stamp;
	uint32_t	*ho_dev;
	uint32_t	 ho_now;
};
#define NADDR	(NBUS * 32 * 8)

/*
 * A device at function N > 0 of a slot whose function 0 is empty: bhyve
 * accepts it, but guests probe function 0 first and skip the slot
 * (bhyve.md §4).  A warning; ho holds this configuration's devices.
 */
static void
check_function0(struct vctx *vc, const struct holders *ho,
    const struct vmrun_vm *vm)
{
	const struct dev *a;
	size_t i, k;

	for (i = 0; i < vm->vm_ndevs; i++) {
		a = &vm->vm_devs[i];
		if (!a->dv_slotok || a->dv_slot.s_func == 0)
			continue;
		/* The host bridge is at 0:0:0, the LPC bridge at its slot. */
		if ((a->dv_slot.s_bus == 0 && a->dv_slot.s_slot == 0) ||
		    (a->dv_slot.s_bus == vm->vm_lpc.s_bus &&
		    a->dv_slot.s_slot == vm->vm_lpc.s_slot &&
		    vm->vm_lpc.s_func == 0))
			continue;
		k = (a->dv_slot.s_bus * 32 + a->dv_slot.s_slot) * 8;
		if (ho->ho_stamp[k] != ho->ho_now)
			vwarn(vc, "no-function-0", vpath(vc, a->dv_path,
			    "slot"), "no device is at %u:%u:0: guests probe "
			    "function 0 of a slot first and will not see "
			    "this device at %u:%u:%u", a->dv_slot.s_bus,
			    a->dv_slot.s_slot, a->dv_slot.s_bus,
			    a->dv_slot.s_slot, a->dv_slot.s_func);
	}
}

/* Two devices of one resolved configuration on one slot is an error. */
static void
check_conflicts(struct vctx *vc, struct holders *ho, struct vmrun_vm *vm)
{
	struct dev *a, *b;
	size_t i, k;

	ho->ho_now++;
	for (i = 0; i < vm->vm_ndevs; i++) {
		a = &vm->vm_devs[i];
		if (!a->dv_slotok)
			continue;
		if (a->dv_slot.s_bus > 0)
			vm->vm_nomptable = true;	/* design §4.5 */
		k = (a->dv_slot.s_bus * 32 + a->dv_slot.s_slot) * 8 +
		    a->dv_slot.s_func;
		if (ho->ho_stamp[k] != ho->ho_now) {
			ho->ho_stamp[k] = ho->ho_now;
			ho->ho_dev[k] = (uint32_t)i;
			continue;
		}
		b = &vm->vm_devs[ho->ho_dev[k]];
		verr(vc, "slot-conflict", vpath(vc, a->dv_path, "slot"),
		    "slot %u:%u:%u is also pinned by %s", a->dv_slot.s_bus,
		    a->dv_slot.s_slot, a->dv_slot.s_func, b->dv_path);
	}
	check_function0(vc, ho, vm);
}

static void
reserve_pins(struct vctx *vc, struct slotmap *sm, struct vmrun_vm *vm,
    const struct slot *lpc)
{
	static const struct slot hb = { 0, 0, 0 };
	struct dev *d;
	size_t i;

	for (i = 0; i < vm->vm_ndevs; i++) {
		d = &vm->vm_devs[i];
		if (!d->dv_pinned)
			continue;
		if (slot_eq(&d->dv_slot, &hb))
			verr(vc, "slot-conflict", vpath(vc, d->dv_path, "slot"),
			    "0:0:0 is reserved for the host bridge");
		else if (slot_eq(&d->dv_slot, lpc))
			verr(vc, "slot-conflict", vpath(vc, d->dv_path, "slot"),
			    "%u:%u:%u is reserved for the LPC bridge "
			    "(lpc_slot)", lpc->s_bus, lpc->s_slot, lpc->s_func);
		sm_take(sm, &d->dv_slot);
	}
}

void
slots_assign(struct vctx *vc, struct vmrun_config *cf)
{
	struct slotmap global, basemap, sm;
	struct holders ho;
	struct slot *basesl;
	struct vmrun_vm *base, *vm;
	struct dev *d;
	size_t i, t, nbase;

	if ((base = cf->cf_base) == NULL)
		return;
	/* Zeroed, and touched only where devices are. */
	ho.ho_now = 0;
	ho.ho_stamp = xcalloc(NADDR, sizeof(*ho.ho_stamp));
	ho.ho_dev = xcalloc(NADDR, sizeof(*ho.ho_dev));
	if (ho.ho_stamp == NULL || ho.ho_dev == NULL) {
		xfree(ho.ho_stamp);
		xfree(ho.ho_dev);
		vc->vc_nomem = true;
		return;
	}
	memset(&global, 0, sizeof(global));
	sm_take(&global, &(struct slot){ 0, 0, 0 });
	sm_take(&global, &base->vm_lpc);
	reserve_pins(vc, &global, base, &base->vm_lpc);
	for (t = 0; t < cf->cf_ntargets; t++)
		if (cf->cf_targets[t] != NULL)
			reserve_pins(vc, &global, cf->cf_targets[t],
			    &base->vm_lpc);

	/* Base devices first: their slots hold in every target. */
	for (i = nbase = 0; i < base->vm_ndevs; i++)
		if (base->vm_devs[i].dv_origin == DO_BASE)
			nbase++;
	basesl = pool_alloc(vc->vc_pool, (nbase + 1) * sizeof(*basesl));
	if (basesl == NULL) {
		vc->vc_nomem = true;
		goto out;
	}
	basemap = global;
	for (i = 0; i < base->vm_ndevs; i++) {
		d = &base->vm_devs[i];
		if (d->dv_origin != DO_BASE)
			continue;
		place(vc, &basemap, d);
		if (d->dv_baseidx >= 0 && (size_t)d->dv_baseidx < nbase)
			basesl[d->dv_baseidx] = d->dv_slot;
	}
	sm = basemap;
	for (i = 0; i < base->vm_ndevs; i++)
		if (base->vm_devs[i].dv_origin != DO_BASE)
			place(vc, &sm, &base->vm_devs[i]);
	check_conflicts(vc, &ho, base);

	for (t = 0; t < cf->cf_ntargets; t++) {
		if ((vm = cf->cf_targets[t]) == NULL)
			continue;
		sm = basemap;
		for (i = 0; i < vm->vm_ndevs; i++) {
			d = &vm->vm_devs[i];
			if (d->dv_origin == DO_BASE && !d->dv_pinned &&
			    d->dv_baseidx >= 0 && (size_t)d->dv_baseidx < nbase) {
				d->dv_slot = basesl[d->dv_baseidx];
				d->dv_slotok = true;
			}
		}
		/* Then graphic, the seed, then what the target adds. */
		for (i = 0; i < vm->vm_ndevs; i++)
			if (vm->vm_devs[i].dv_origin == DO_GRAPHIC)
				place(vc, &sm, &vm->vm_devs[i]);
		for (i = 0; i < vm->vm_ndevs; i++)
			if (vm->vm_devs[i].dv_origin == DO_SEED)
				place(vc, &sm, &vm->vm_devs[i]);
		for (i = 0; i < vm->vm_ndevs; i++)
			if (vm->vm_devs[i].dv_origin == DO_TARGET)
				place(vc, &sm, &vm->vm_devs[i]);
		check_conflicts(vc, &ho, vm);
	}
out:
	xfree(ho.ho_stamp);
	xfree(ho.ho_dev);
}

/*
 * taps: the tap interfaces a VM owns (design §12.5).  At the first start
 * that uses one, vmrun makes the tap when it is missing (the device has
 * a bridge, or its fix is selected), describes it, adds it to its bridge,
 * sets its VLAN and brings it up -- each step through platform.h (ioctl,
 * netlink; no program is run) and recorded as a run resource of the
 * supervision (RL_VM), so that the end, or a start that fails half-way,
 * undoes exactly what was done, newest first.  What a tap that was
 * there already had (MTU, description, up) is recorded before anything
 * changes it, and given back.  Guest reboots keep it all.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "vmrun_impl.h"
#include "supervise.h"
#include "platform.h"

/* What one resource undoes: the tap, and its bridge and VLAN. */
struct tapres {
	char		 tr_tap[PLAT_IFNAME_MAX];
	char		 tr_br[PLAT_IFNAME_MAX];
	int		 tr_vlan;
	struct plat_ifinfo tr_was;	/* a tap that existed, as it was */
};

/* A tap vmrun made: destroyed. */
static bool
undo_tap(struct vmrun_sup *su, void *arg)
{
	struct tapres *tr = arg;

	(void)su;
	return (plat_get()->po_if_destroy(tr->tr_tap) == 0);
}

/* A tap that existed: its MTU, description and up state given back. */
static bool
undo_restore(struct vmrun_sup *su, void *arg)
{
	const struct plat_ops *po = plat_get();
	struct tapres *tr = arg;
	struct plat_ifinfo now;
	bool ok;

	(void)su;
	if (po->po_if_info(tr->tr_tap, &now) != 0)
		return (false);
	ok = true;
	if (now.pi_mtu != tr->tr_was.pi_mtu && tr->tr_was.pi_mtu > 0)
		ok = po->po_if_mtu(tr->tr_tap, tr->tr_was.pi_mtu) == 0;
	if (strcmp(now.pi_descr, tr->tr_was.pi_descr) != 0)
		ok = po->po_if_descr(tr->tr_tap, tr->tr_was.pi_descr) == 0 &&
		    ok;
	if (now.pi_up != tr->tr_was.pi_up)
		ok = po->po_if_up(tr->tr_tap, tr->tr_was.pi_up) == 0 && ok;
	return (ok);
}

/* The membership vmrun added: removed (from that bridge only). */
static bool
undo_member(struct vmrun_sup *su, void *arg)
{
	struct tapres *tr = arg;

	(void)su;
	return (plat_get()->po_br_del(tr->tr_br, tr->tr_tap) == 0);
}

static bool
undo_vlan(struct vmrun_sup *su, void *arg)
{
	struct tapres *tr = arg;

	(void)su;
	return (plat_get()->po_br_pvid(tr->tr_br, tr->tr_tap, tr->tr_vlan,
	    false) == 0);
}

/* Has this supervision made or taken tap already (an earlier run)? */
static bool
taps_owned(const struct vmrun_sup *su, const char *tap)
{
	const struct resource *r;
	size_t i;

	for (i = 0; i < su->su_nres; i++) {
		r = &su->su_res[i];
		if ((r->rs_undo == undo_tap || r->rs_undo == undo_restore) &&
		    strcmp(((struct tapres *)r->rs_arg)->tr_tap, tap) == 0)
			return (true);
	}
	return (false);
}

/* One device's tap being set up: what the steps share. */
struct tapjob {
	struct vmrun_sup *tj_su;
	const struct plat_ops *tj_po;
	const struct dev *tj_dev;
	const char	*tj_tap;
	const char	*tj_br;		/* or NULL */
	struct vmrun_diags *tj_ds;
	struct pool	*tj_pool;
};

/* A step failed with errno e: the error, and vmrun's status for it. */
static int
tap_failed(struct tapjob *tj, const char *what, int e)
{
	diag_addg(tj->tj_ds, VMRUN_ERROR, "tap-setup-failed",
	    dev_group(tj->tj_dev, tj->tj_pool), pool_printf(tj->tj_pool,
	    "%s.name", tj->tj_dev->dv_path), NULL, "cannot %s: %s", what,
	    strerror(e));
	return (69);
}

/*
 * Record what was just done (name, action, undo), for the end: 0, or
 * 70 when it could not be recorded (it has been undone then).
 */
static int
tap_record(struct tapjob *tj, const char *name, const char *action,
    res_undo_fn *undo, const struct tapres *tr)
{
	struct tapres *copy;

	if ((copy = xmalloc(sizeof(*copy))) == NULL) {
		undo(tj->tj_su, (void *)(uintptr_t)tr);
		return (70);
	}
	*copy = *tr;
	return (res_add(tj->tj_su, RL_VM, name, action, undo, copy,
	    xfree) == 0 ? 0 : 70);
}

/* Make the tap (absent), or record how it was: 0 or vmrun's status. */
static int
tap_take(struct tapjob *tj, struct tapres *tr, bool absent)
{
	int e;

	if (absent) {
		if ((e = tj->tj_po->po_tap_create(tj->tj_tap)) != 0)
			return (tap_failed(tj, pool_printf(tj->tj_pool,
			    "create tap interface %s", tj->tj_tap), e));
		diag_addg(tj->tj_ds, VMRUN_WARNING, "fixed",
		    dev_group(tj->tj_dev, tj->tj_pool), pool_printf(
		    tj->tj_pool, "%s.name", tj->tj_dev->dv_path), NULL,
		    "created tap interface %s", tj->tj_tap);
		return (tap_record(tj, tj->tj_tap, "destroy", undo_tap, tr));
	}
	if ((e = tj->tj_po->po_if_info(tj->tj_tap, &tr->tr_was)) != 0)
		return (tap_failed(tj, pool_printf(tj->tj_pool, "read the "
		    "settings of tap interface %s", tj->tj_tap), e));
	return (tap_record(tj, tj->tj_tap, "restore", undo_restore, tr));
}

/* Into the bridge, its VLAN set, up: 0 or vmrun's status. */
static int
tap_bridge(struct tapjob *tj, struct tapres *tr)
{
	long long vlan;
	int e, rc;

	/*
	 * A member already (Linux says so; FreeBSD answers EEXIST): not
	 * vmrun's membership, never removed by it.
	 */
	if (strcmp(tr->tr_was.pi_master, tj->tj_br) != 0 &&
	    (e = tj->tj_po->po_br_add(tj->tj_br, tj->tj_tap)) != EEXIST) {
		if (e != 0)
			return (tap_failed(tj, pool_printf(tj->tj_pool,
			    "add %s to bridge %s", tj->tj_tap, tj->tj_br), e));
		if ((rc = tap_record(tj, pool_printf(tj->tj_pool,
		    "%s member %s", tj->tj_br, tj->tj_tap), "remove",
		    undo_member, tr)) != 0)
			return (rc);
	}
	if (jint(tj->tj_dev->dv_obj, "vlan", &vlan)) {
		tr->tr_vlan = (int)vlan;
		if ((e = tj->tj_po->po_br_pvid(tj->tj_br, tj->tj_tap,
		    tr->tr_vlan, true)) != 0)
			return (tap_failed(tj, pool_printf(tj->tj_pool,
			    "set VLAN %d of %s on bridge %s", tr->tr_vlan,
			    tj->tj_tap, tj->tj_br), e));
		if ((rc = tap_record(tj, pool_printf(tj->tj_pool,
		    "%s member %s vlan %d", tj->tj_br, tj->tj_tap,
		    tr->tr_vlan), "remove", undo_vlan, tr)) != 0)
			return (rc);
	}
	if ((e = tj->tj_po->po_if_up(tj->tj_tap, true)) != 0)
		return (tap_failed(tj, pool_printf(tj->tj_pool,
		    "bring tap interface %s up", tj->tj_tap), e));
	return (0);
}

/*
 * One device's tap: 0 or vmrun's status.  vmrun makes a missing tap of
 * a device with a bridge or a fix, and describes (and bridges) the tap
 * of a device with a bridge or a description; a tap it has dealt with
 * at an earlier start of this supervision is left as it is.
 */
static int
tap_setup(struct tapjob *tj, bool fix)
{
	struct tapres tr;
	const char *descr;
	char slot[16];
	bool absent;
	int e, rc;

	descr = jstr(tj->tj_dev->dv_obj, "descr");
	tj->tj_br = jstr(tj->tj_dev->dv_obj, "bridge");
	if ((tj->tj_br == NULL && descr == NULL && !fix) ||
	    taps_owned(tj->tj_su, tj->tj_tap))
		return (0);
	absent = tj->tj_po->po_if_state(tj->tj_tap) == PLAT_IF_ABSENT;
	if (tj->tj_br == NULL && (absent ? !fix : descr == NULL))
		return (0);	/* the checks said so; or nothing to do */
	memset(&tr, 0, sizeof(tr));
	snprintf(tr.tr_tap, sizeof(tr.tr_tap), "%s", tj->tj_tap);
	if (tj->tj_br != NULL)
		snprintf(tr.tr_br, sizeof(tr.tr_br), "%s", tj->tj_br);
	if ((rc = tap_take(tj, &tr, absent)) != 0)
		return (rc);
	if (descr == NULL) {
		slot_fmt(&tj->tj_dev->dv_slot, slot);
		descr = pool_printf(tj->tj_pool, "vmrun/%s/%s",
		    tj->tj_su->su_name, slot);
	}
	if (descr == NULL)
		return (70);
	if ((e = tj->tj_po->po_if_descr(tj->tj_tap, descr)) != 0)
		return (tap_failed(tj, pool_printf(tj->tj_pool, "set the "
		    "description of %s", tj->tj_tap), e));
	if (tj->tj_br == NULL)
		return (0);
	return (tap_bridge(tj, &tr));
}

/*
 * The taps of vm's devices, each set up at the first start that uses it
 * and kept to the end of the supervision: 0, or vmrun's exit status with
 * the problem in ds (what was done so far stays recorded: the end undoes
 * it).
 */
int
taps_setup(struct vmrun_sup *su, const struct vmrun_vm *vm,
    struct vmrun_diags *ds)
{
	struct tapjob tj;
	size_t i;
	int rc;
	bool all;

	all = su->su_opts->op_checks >= 0 &&
	    (su->su_opts->op_checks & VMRUN_CHECK_FIX_ALL);
	memset(&tj, 0, sizeof(tj));
	tj.tj_su = su;
	tj.tj_po = plat_get();
	tj.tj_ds = ds;
	rc = 0;
	for (i = 0; i < vm->vm_ndevs && rc == 0; i++) {
		tj.tj_dev = &vm->vm_devs[i];
		if ((tj.tj_tap = net_tapname(tj.tj_dev)) == NULL)
			continue;
		if (tj.tj_pool == NULL && (tj.tj_pool = pool_new()) == NULL)
			return (70);
		rc = tap_setup(&tj, all || tj.tj_dev->dv_fix);
	}
	pool_free(tj.tj_pool);
	return (rc);
}

/*
 * rules: what no key table can check alone -- rules that span settings
 * and devices of one resolved configuration (design §2.1, §2.5, §2.6):
 * loader or bootrom, one stdio user, one captured port, distinct
 * bootindex values and console sockets, ...
 */

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "vmrun_impl.h"

/* A bootindex of the VM: its value and the JSON path that sets it. */
struct bootidx {
	long long	 bi_val;
	const char	*bi_path;
};

/*
 * Collect every bootindex (an ahci controller has one per port) and check
 * that they are distinct and usable (design §2.5): they need UEFI firmware
 * with the QEMU fw_cfg interface, which they select unless told otherwise.
 */
static void
check_bootindex(struct vctx *vc, struct vmrun_vm *vm)
{
	struct bootidx *bv;
	const struct dev *d;
	jv_t *port;
	const char *pp;
	size_t i, j, k, n, cap;
	long long v;

	for (i = cap = 0; i < vm->vm_ndevs; i++)
		cap += 1 + jv_size(jv_get(vm->vm_devs[i].dv_obj,
		    "ports"));
	if ((bv = pool_alloc(vc->vc_pool, (cap + 1) * sizeof(*bv))) == NULL) {
		vc->vc_nomem = true;
		return;
	}
	for (i = n = 0; i < vm->vm_ndevs; i++) {
		d = &vm->vm_devs[i];
		if (d->dv_type == NULL)
			continue;
		if (d->dv_type == &devtype_ahci) {
			pp = vpath(vc, d->dv_path, "ports");
			jv_array_foreach(jv_get(d->dv_obj, "ports"),
			    k, port)
				if (jv_is_obj(port) &&
				    jint(port, "bootindex", &v)) {
					bv[n].bi_val = v;
					bv[n++].bi_path = vpath(vc, vpathi(vc, pp,
					    k), "bootindex");
				}
		} else if (d->dv_obj != NULL &&
		    jint(d->dv_obj, "bootindex", &v)) {
			bv[n].bi_val = v;
			bv[n++].bi_path = vpath(vc, d->dv_path, "bootindex");
		}
	}
	for (i = 0; i < n; i++) {
		if (vm->vm_loader != NULL)
			verr(vc, "conflict", bv[i].bi_path, "bootindex needs "
			    "UEFI firmware (bootrom), not a loader");
		else if (vm->vm_fwcfg == FWCFG_BHYVE)
			verr(vc, "conflict", bv[i].bi_path, "bootindex only "
			    "works with \"fwcfg\": \"qemu\"");
		for (j = 0; j < i; j++)
			if (bv[j].bi_val == bv[i].bi_val)
				verr(vc, "duplicate", bv[i].bi_path, "bootindex "
				    "%lld is already used by %s", bv[i].bi_val,
				    bv[j].bi_path);
	}
	if (n > 0 && vm->vm_loader == NULL && vm->vm_fwcfg == FWCFG_DEFAULT)
		vm->vm_fwcfg = FWCFG_QEMU;
}

/* A console socket of the VM: its path and the device that names it. */
struct sockref {
	const char	*sr_file;
	const char	*sr_path;	/* JSON path of the port */
	const char	*sr_dev;	/* JSON path of the device */
};

/* Two console ports, of one device or two, may not share a socket. */
static void
check_console_paths(struct vctx *vc, struct vmrun_vm *vm)
{
	struct sockref *sv;
	const struct dev *d;
	jv_t *port;
	size_t i, j, k, n, cap;

	for (i = cap = 0; i < vm->vm_ndevs; i++)
		if (vm->vm_devs[i].dv_type == &devtype_virtio_console)
			cap += jv_size(jv_get(
			    vm->vm_devs[i].dv_obj, "ports"));
	if ((sv = pool_alloc(vc->vc_pool, (cap + 1) * sizeof(*sv))) == NULL) {
		vc->vc_nomem = true;
		return;
	}
	for (i = n = 0; i < vm->vm_ndevs; i++) {
		d = &vm->vm_devs[i];
		if (d->dv_type != &devtype_virtio_console)
			continue;
		jv_array_foreach(jv_get(d->dv_obj, "ports"), k,
		    port) {
			if ((sv[n].sr_file = console_port_path(port)) == NULL)
				continue;
			sv[n].sr_path = vpathi(vc, vpath(vc, d->dv_path,
			    "ports"), k);
			sv[n++].sr_dev = d->dv_path;
		}
	}
	/* Each duplicate names the first port with its socket. */
	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++)
			if (strcmp(sv[i].sr_file, sv[j].sr_file) == 0) {
				verr(vc, "duplicate", sv[i].sr_path, "socket %s "
				    "is already used by %s", sv[i].sr_file,
				    sv[j].sr_path);
				break;
			}
}

/* Rules that span settings (design §2.1, §2.5, §2.6). */
void
rules_check(struct vctx *vc, struct vmrun_vm *vm, jv_t *top,
    jv_t *overlay, const char *tname)
{
	static const char *const coms[] = { "com1", "com2", "com3", "com4" };
	const char *stdio_user, *fbuf_user;
	struct dev *d, *e;
	size_t i, j;

#define KP(key)	config_keypath(vc, overlay, tname, (key))
	if (vm->vm_loader != NULL) {
		if (jv_get(top, "bootrom") != NULL)
			verr(vc, "conflict", KP("bootrom"), "a VM booted by a "
			    "loader has no bootrom; remove one of them");
		if (jv_get(top, "varfile") != NULL)
			verr(vc, "conflict", KP("varfile"), "a varfile needs "
			    "UEFI firmware (bootrom), not a loader");
		if (jv_get(top, "fwcfg") != NULL)
			verr(vc, "conflict", KP("fwcfg"), "fwcfg needs UEFI "
			    "firmware (bootrom), not a loader");
	}
	if (vm->vm_varfile_template != NULL && vm->vm_varfile == NULL)
		verr(vc, "missing-key", KP("varfile_template"),
		    "varfile_template needs varfile (the copy to create)");

	/* vmrun captures one COM port: it has one console ring. */
	for (i = 0; i < VMRUN_NCOM; i++)
		if (vm->vm_com[i] != NULL &&
		    strcmp(vm->vm_com[i], "capture") == 0 &&
		    (int)i != vm->vm_capture)
			verr(vc, "capture-twice", KP(coms[i]), "%s is captured "
			    "already; vmrun captures one COM port",
			    coms[vm->vm_capture]);
	if (vm->vm_capture < 0 && (jv_get(top, "console_log") != NULL ||
	    jv_get(top, "console_log_size") != NULL ||
	    jv_get(top, "console_ring") != NULL))
		verr(vc, "missing-key", KP(jv_get(top, "console_log") !=
		    NULL ? "console_log" : jv_get(top,
		    "console_log_size") != NULL ? "console_log_size" :
		    "console_ring"), "the console settings need a COM port "
		    "set to \"capture\"");

	/* At most one stdio user: bhyve fails the second (bhyve.md §6.1). */
	stdio_user = NULL;
	for (i = 0; i < VMRUN_NCOM; i++) {
		if (vm->vm_com[i] == NULL || !is_stdio_backend(vm->vm_com[i]))
			continue;
		if (stdio_user != NULL)
			verr(vc, "stdio-twice", KP(coms[i]), "%s already uses "
			    "stdio; only one device can", stdio_user);
		else
			stdio_user = coms[i];
	}
	for (i = 0; i < vm->vm_ndevs; i++) {
		d = &vm->vm_devs[i];
		if (!d->dv_stdio)
			continue;
		if (stdio_user != NULL)
			verr(vc, "stdio-twice", vpath(vc, d->dv_path,
			    "backend"), "%s already uses stdio; only one "
			    "device can", stdio_user);
		else
			stdio_user = d->dv_path;
	}

	fbuf_user = NULL;
	for (i = 0; i < vm->vm_ndevs; i++) {
		d = &vm->vm_devs[i];
		if (d->dv_type == &devtype_passthru)
			vm->vm_wire = true;
		if (d->dv_type == &devtype_fbuf) {
			if (fbuf_user != NULL)
				verr(vc, "fbuf-twice", d->dv_path, "%s already "
				    "is a framebuffer; bhyve allows one",
				    fbuf_user);
			else
				fbuf_user = d->dv_path;
		}
		for (j = 0; j < i && d->dv_id != NULL; j++) {
			e = &vm->vm_devs[j];
			if (e->dv_id != NULL && strcmp(e->dv_id, d->dv_id) == 0)
				verr(vc, "duplicate-id", vpath(vc, d->dv_path,
				    "id"), "id \"%s\" is already used by %s",
				    d->dv_id, e->dv_path);
		}
	}

	/* Console socket paths are distinct across the whole VM. */
	check_console_paths(vc, vm);

	/* bootindex: distinct, and only with the QEMU fw_cfg interface. */
	check_bootindex(vc, vm);
#undef KP
}


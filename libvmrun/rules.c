/*
 * rules: what no key table can check alone -- rules that span settings
 * and devices of one resolved configuration (design §2.1, §2.5, §2.6):
 * loader or bootrom, one stdio user, one captured port, distinct
 * bootindex values and console sockets, ...
 */

#include <limits.h>
#include <stdint.h>
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

/*
 * What two devices cannot share (design §2.5): a tap interface (bhyve
 * opens it exclusively), a disk image unless every use is read-only, a
 * TCP address one of them listens on (the framebuffer's VNC server, a
 * COM port or uart with a "tcp=" backend).  One pass with a hash: the
 * number of devices is the user's to choose.
 */
enum usekind {
	UK_TAP,
	UK_DISK,
	UK_TCP
};

struct use {
	enum usekind	 u_kind;
	const void	*u_key;
	size_t		 u_klen;
	const char	*u_what;	/* for messages */
	const char	*u_path;	/* JSON path of the setting */
	bool		 u_ro;
};

struct uses {
	struct vctx	*us_vc;
	struct hmap	 us_map;
	bool		 us_nomem;
};

static bool
use_eq(const void *a, const void *b)
{
	const struct use *x = a, *y = b;

	return (x->u_kind == y->u_kind && x->u_klen == y->u_klen &&
	    memcmp(x->u_key, y->u_key, x->u_klen) == 0);
}

static void
use_add(struct uses *us, enum usekind kind, const void *key, size_t klen,
    const char *what, const char *path, bool ro)
{
	struct vctx *vc;
	struct use u, *first, *nu;
	uint32_t h;

	vc = us->us_vc;
	u.u_kind = kind;
	u.u_key = key;
	u.u_klen = klen;
	h = hash_more(hash_more(0, &u.u_kind, sizeof(u.u_kind)), key, klen);
	if ((first = hmap_find(&us->us_map, h, use_eq, &u)) != NULL) {
		if (kind == UK_TAP)
			verr(vc, "duplicate", path, "tap interface %s is "
			    "already used by %s; a tap serves one device",
			    what, first->u_path);
		else if (kind == UK_TCP)
			verr(vc, "duplicate", path, "TCP address %s is "
			    "already used by %s", what, first->u_path);
		else if (!ro || !first->u_ro)
			verr(vc, "duplicate", path, "disk %s is already used "
			    "by %s; a disk used twice must be \"ro\" in "
			    "every use", what, first->u_path);
		/* A read-write use is the one later uses are told of. */
		if (kind == UK_DISK && first->u_ro && !ro) {
			first->u_path = path;
			first->u_ro = false;
		}
		return;
	}
	if ((nu = pool_alloc(vc->vc_pool, sizeof(*nu))) == NULL ||
	    !hmap_add(&us->us_map, h, nu)) {
		us->us_nomem = true;
		return;
	}
	nu->u_kind = kind;
	nu->u_key = key;
	nu->u_klen = klen;
	nu->u_what = what;
	nu->u_path = path;
	nu->u_ro = ro;
}

/* A serial backend "tcp=ADDR:PORT" (COM port or uart). */
static void
use_serial(struct uses *us, const char *backend, const char *path)
{
	struct tcpaddr *ta;

	if (backend == NULL || strncmp(backend, "tcp=", 4) != 0)
		return;
	if ((ta = pool_alloc(us->us_vc->vc_pool, sizeof(*ta))) == NULL) {
		us->us_nomem = true;
		return;
	}
	if (hostport_parse(backend + 4, true, ta))
		use_add(us, UK_TCP, ta, sizeof(*ta), backend + 4, path, false);
}

static void
use_fbuf(struct uses *us, const struct dev *d)
{
	struct tcpaddr *ta;
	const char *host;
	long long port;

	if ((host = jstr(d->dv_obj, "host")) == NULL)
		host = "127.0.0.1";
	if (!jint(d->dv_obj, "port", &port))
		port = 5900;
	if ((ta = pool_alloc(us->us_vc->vc_pool, sizeof(*ta))) == NULL) {
		us->us_nomem = true;
		return;
	}
	if (port >= 1 && port <= 65535 && tcpaddr_make(host, (long)port, ta))
		use_add(us, UK_TCP, ta, sizeof(*ta), pool_printf(
		    us->us_vc->vc_pool, strchr(host, ':') != NULL ?
		    "[%s]:%lld" : "%s:%lld", host, port), d->dv_path, false);
}

static void
use_disk(struct uses *us, jv_t *obj, const char *base, bool cd)
{
	const char *path;

	if ((path = jstr(obj, "path")) == NULL || *path == '\0')
		return;
	/* A CD is read-only to the guest: bhyve's ATAPI has no writes. */
	use_add(us, UK_DISK, path, strlen(path), path, vpath(us->us_vc, base,
	    "path"), cd || jbool(obj, "ro", false));
}

static void
use_dev(struct uses *us, const struct dev *d)
{
	const char *name, *type, *pp;
	jv_t *port;
	size_t k;

	if (d->dv_type == &devtype_virtio_net || d->dv_type == &devtype_e1000) {
		name = jstr(d->dv_obj, "name");
		type = jstr(d->dv_obj, "type");
		if (name != NULL && match_tapname(name) && (type == NULL ||
		    strcmp(type, "tap") == 0))
			use_add(us, UK_TAP, name, strlen(name), name,
			    vpath(us->us_vc, d->dv_path, "name"), false);
	} else if (d->dv_type == &devtype_virtio_blk ||
	    d->dv_type == &devtype_ahci_hd || d->dv_type == &devtype_nvme)
		use_disk(us, d->dv_obj, d->dv_path, false);
	else if (d->dv_type == &devtype_ahci_cd)
		use_disk(us, d->dv_obj, d->dv_path, true);
	else if (d->dv_type == &devtype_ahci) {
		pp = vpath(us->us_vc, d->dv_path, "ports");
		jv_array_foreach(jv_get(d->dv_obj, "ports"), k, port)
			if (jv_is_obj(port))
				use_disk(us, port, vpathi(us->us_vc, pp, k),
				    jstr(port, "type") != NULL &&
				    strcmp(jstr(port, "type"), "cd") == 0);
	} else if (d->dv_type == &devtype_uart)
		use_serial(us, jstr(d->dv_obj, "backend"), vpath(us->us_vc,
		    d->dv_path, "backend"));
	else if (d->dv_type == &devtype_fbuf)
		use_fbuf(us, d);
}

static void
check_shared(struct vctx *vc, struct vmrun_vm *vm, jv_t *overlay,
    const char *tname)
{
	static const char *const coms[] = { "com1", "com2", "com3", "com4" };
	const struct dev *d;
	struct uses us;
	size_t i, fbuf;

	fbuf = 0;
	memset(&us, 0, sizeof(us));
	us.us_vc = vc;
	for (i = 0; i < VMRUN_NCOM; i++)
		use_serial(&us, vm->vm_com[i], config_keypath(vc, overlay,
		    tname, coms[i]));
	for (i = 0; i < vm->vm_ndevs; i++) {
		d = &vm->vm_devs[i];
		if (d->dv_type == NULL || d->dv_obj == NULL)
			continue;
		/* A second framebuffer is an error of its own (fbuf-twice). */
		if (d->dv_type == &devtype_fbuf && fbuf++ > 0)
			continue;
		use_dev(&us, d);
	}
	if (us.us_nomem)
		vc->vc_nomem = true;
	hmap_free(&us.us_map);
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

	/* Taps, writable disks and listening addresses: one user each. */
	check_shared(vc, vm, overlay, tname);
#undef KP
}


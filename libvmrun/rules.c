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
 * number of devices is the user's to choose.  Paths and "ro" are looked
 * up only for a use met twice, so a VM without one pays little.
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
	const char	*u_path;	/* JSON path, or NULL: made from ... */
	const struct dev *u_dev;	/* ... the device, */
	jv_t		*u_obj;		/* the object with the key, */
	const char	*u_keyname;	/* its key (NULL: the device itself) */
	long		 u_port;	/* and the ahci port, or -1 */
	bool		 u_cd;		/* read-only to the guest anyway */
};

struct uses {
	struct vctx	*us_vc;
	struct hmap	 us_map;	/* empty until USES_SCAN uses */
	struct use	*us_v;
	size_t		 us_n;
	size_t		 us_cap;
};

/*
 * Up to this many uses are compared one by one (a VM has a handful, and
 * hashing the first one costs more than that); past it, a hash: each use
 * costs at most USES_SCAN comparisons, so the pass stays linear.
 */
#define USES_SCAN	8

static bool
use_eq(const void *a, const void *b)
{
	const struct use *x = a, *y = b;

	return (x->u_kind == y->u_kind && x->u_klen == y->u_klen &&
	    memcmp(x->u_key, y->u_key, x->u_klen) == 0);
}

static const char *
use_path(struct vctx *vc, struct use *u)
{
	const char *p;

	if (u->u_path != NULL)
		return (u->u_path);
	if (u->u_dev == NULL)		/* a COM port's is always set */
		return ("");
	p = u->u_dev->dv_path;
	if (u->u_port >= 0)
		p = vpathi(vc, vpath(vc, p, "ports"), (size_t)u->u_port);
	if (u->u_keyname != NULL)
		p = vpath(vc, p, u->u_keyname);
	return (u->u_path = p);
}

static bool
use_ro(const struct use *u)
{
	return (u->u_cd || jbool(u->u_obj, "ro", false));
}

static uint32_t
use_hash(const struct use *u)
{
	/* Keys of different kinds rarely collide: use_eq tells them apart. */
	return (hash_more(0, u->u_key, u->u_klen));
}

/* The use recorded with the key of u, or NULL. */
static struct use *
use_find(struct uses *us, const struct use *u)
{
	size_t i;

	if (us->us_map.h_cap != 0)
		return (hmap_find(&us->us_map, use_hash(u), use_eq, u));
	for (i = 0; i < us->us_n; i++)
		if (use_eq(&us->us_v[i], u))
			return (&us->us_v[i]);
	return (NULL);
}

/* Record u; at USES_SCAN uses, put them all in a hash. */
static void
use_keep(struct uses *us, const struct use *u)
{
	struct vctx *vc;
	uint32_t *hv;
	void **vv;
	size_t i, cap;

	vc = us->us_vc;
	us->us_v[us->us_n++] = *u;
	if (us->us_map.h_cap != 0) {
		(void)hmap_add(&us->us_map, use_hash(u),
		    &us->us_v[us->us_n - 1]);
		return;
	}
	if (us->us_n < USES_SCAN)
		return;
	/* Room for every use the VM can have: the map never grows. */
	for (cap = 16; cap < 2 * (us->us_cap + 1); cap *= 2)
		;
	hv = pool_alloc(vc->vc_pool, cap * sizeof(*hv));
	vv = pool_alloc(vc->vc_pool, cap * sizeof(*vv));
	if (hv == NULL || vv == NULL) {
		vc->vc_nomem = true;
		return;
	}
	hmap_init_in(&us->us_map, hv, vv, cap);
	for (i = 0; i < us->us_n; i++)
		(void)hmap_add(&us->us_map, use_hash(&us->us_v[i]),
		    &us->us_v[i]);
}

/* Record use u (its fields set), or report it if its key is taken. */
static void
use_add(struct uses *us, struct use *u)
{
	struct vctx *vc;
	struct use *first;

	vc = us->us_vc;
	if (us->us_n == us->us_cap)
		return;
	if ((first = use_find(us, u)) == NULL) {
		use_keep(us, u);
		return;
	}
	if (u->u_kind == UK_TAP)
		verr(vc, "duplicate", use_path(vc, u), "tap interface %s is "
		    "already used by %s; a tap serves one device", u->u_what,
		    use_path(vc, first));
	else if (u->u_kind == UK_TCP)
		verr(vc, "duplicate", use_path(vc, u), "TCP address %s is "
		    "already used by %s", u->u_what, use_path(vc, first));
	else if (!use_ro(u) || !use_ro(first)) {
		verr(vc, "duplicate", use_path(vc, u), "disk %s is already "
		    "used by %s; a disk used twice must be \"ro\" in every "
		    "use", u->u_what, use_path(vc, first));
		/* A read-write use is the one later uses are told of. */
		if (use_ro(first))
			*first = *u;
	}
}

/* The address of a serial backend "tcp=ADDR:PORT", or NULL. */
static const char *
tcp_backend(const char *s)
{
	return (s != NULL && s[0] == 't' && s[1] == 'c' && s[2] == 'p' &&
	    s[3] == '=' ? s + 4 : NULL);
}

/* A serial backend listening on TCP (COM port or uart). */
static void
use_serial(struct uses *us, struct use *u, const char *backend)
{
	struct tcpaddr *ta;

	if ((backend = tcp_backend(backend)) == NULL)
		return;
	if ((ta = pool_alloc(us->us_vc->vc_pool, sizeof(*ta))) == NULL)
		return;
	if (!hostport_parse(backend, true, ta))
		return;
	u->u_kind = UK_TCP;
	u->u_key = ta;
	u->u_klen = sizeof(*ta);
	u->u_what = backend;
	use_add(us, u);
}

static void
use_fbuf(struct uses *us, struct use *u)
{
	struct tcpaddr *ta;
	const char *host;
	long long port;

	if ((host = jstr(u->u_obj, "host")) == NULL)
		host = "127.0.0.1";
	if (!jint(u->u_obj, "port", &port))
		port = 5900;
	if (port < 1 || port > 65535 ||
	    (ta = pool_alloc(us->us_vc->vc_pool, sizeof(*ta))) == NULL ||
	    !tcpaddr_make(host, (long)port, ta))
		return;
	u->u_kind = UK_TCP;
	u->u_key = ta;
	u->u_klen = sizeof(*ta);
	u->u_what = pool_printf(us->us_vc->vc_pool, strchr(host, ':') !=
	    NULL ? "[%s]:%lld" : "%s:%lld", host, port);
	use_add(us, u);
}

static void
use_disk(struct uses *us, struct use *u, bool cd)
{
	const char *path;

	if ((path = jstr(u->u_obj, "path")) == NULL || *path == '\0')
		return;
	u->u_kind = UK_DISK;
	u->u_key = u->u_what = path;
	u->u_klen = strlen(path);
	u->u_keyname = "path";
	/* A CD is read-only to the guest: bhyve's ATAPI has no writes. */
	u->u_cd = cd;
	use_add(us, u);
}

static void
use_dev(struct uses *us, const struct dev *d)
{
	const struct devtype *dt;
	const char *name, *type;
	struct use u;
	jv_t *port;
	size_t k;

	memset(&u, 0, sizeof(u));
	u.u_dev = d;
	u.u_obj = d->dv_obj;
	u.u_port = -1;
	dt = d->dv_type;
	if (dt == &devtype_virtio_net || dt == &devtype_e1000) {
		name = jstr(d->dv_obj, "name");
		type = jstr(d->dv_obj, "type");
		if (name == NULL || !match_tapname(name) || (type != NULL &&
		    strcmp(type, "tap") != 0))
			return;
		u.u_kind = UK_TAP;
		u.u_key = u.u_what = name;
		u.u_klen = strlen(name);
		u.u_keyname = "name";
		use_add(us, &u);
	} else if (dt == &devtype_virtio_blk || dt == &devtype_ahci_hd ||
	    dt == &devtype_nvme || dt == &devtype_ahci_cd)
		use_disk(us, &u, dt == &devtype_ahci_cd);
	else if (dt == &devtype_ahci) {
		jv_array_foreach(jv_get(d->dv_obj, "ports"), k, port) {
			if (!jv_is_obj(port))
				continue;
			u.u_obj = port;
			u.u_port = (long)k;
			type = jstr(port, "type");
			use_disk(us, &u, type != NULL && strcmp(type, "cd") == 0);
		}
	} else if (dt == &devtype_uart) {
		u.u_keyname = "backend";
		use_serial(us, &u, jstr(d->dv_obj, "backend"));
	} else if (dt == &devtype_fbuf)
		use_fbuf(us, &u);
}

static void
check_shared(struct vctx *vc, struct vmrun_vm *vm, jv_t *overlay,
    const char *tname)
{
	static const char *const coms[] = { "com1", "com2", "com3", "com4" };
	const struct dev *d;
	struct uses us;
	struct use u;
	size_t i, fbuf;

	/* One use a COM port or device, one an ahci port; never more. */
	us.us_cap = VMRUN_NCOM + vm->vm_ndevs;
	for (i = 0; i < vm->vm_ndevs; i++)
		if (vm->vm_devs[i].dv_type == &devtype_ahci)
			us.us_cap += jv_size(jv_get(vm->vm_devs[i].dv_obj,
			    "ports"));
	us.us_vc = vc;
	us.us_n = 0;
	memset(&us.us_map, 0, sizeof(us.us_map));
	if ((us.us_v = pool_alloc(vc->vc_pool, us.us_cap *
	    sizeof(*us.us_v))) == NULL) {
		vc->vc_nomem = true;
		return;
	}
	for (i = 0; i < VMRUN_NCOM; i++) {
		memset(&u, 0, sizeof(u));
		u.u_port = -1;
		if (tcp_backend(vm->vm_com[i]) != NULL) {
			u.u_path = config_keypath(vc, overlay, tname, coms[i]);
			use_serial(&us, &u, vm->vm_com[i]);
		}
	}
	for (i = fbuf = 0; i < vm->vm_ndevs; i++) {
		d = &vm->vm_devs[i];
		if (d->dv_type == NULL || d->dv_obj == NULL)
			continue;
		/* A second framebuffer is an error of its own (fbuf-twice). */
		if (d->dv_type == &devtype_fbuf && fbuf++ > 0)
			continue;
		use_dev(&us, d);
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
		/* bhyve's TPM is found through ACPI tables the firmware has. */
		if (vm->vm_tpm != NULL)
			verr(vc, "conflict", KP("tpm"), "a TPM needs UEFI "
			    "firmware (bootrom), not a loader");
	}
	loader_rules(vc, vm, KP("loader"));
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

	/* Pins, NUMA domains (design §12.3). */
	cpu_rules(vc, vm, top, overlay, tname);
#undef KP
}


/*
 * check: the host checks of design §6 -- everything a VM needs from the
 * host, found before anything starts and reported all at once, under the
 * device that needs it, with the fix where one is known.  The host is
 * asked through platform.h, so tests can put a fake host in place.
 */

#include <sys/types.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmrun_impl.h"
#include "supervise.h"
#include "platform.h"

#define DEFAULT_BOOTROM	"/usr/local/share/uefi-firmware/BHYVE_UEFI.fd"

struct hctx {
	struct vmrun_diags *hc_ds;
	const struct vmrun_vm *hc_vm;
	const struct vmrun_opts *hc_opts;
	const struct plat_ops *hc_plat;
	struct pool	*hc_pool;
	unsigned	 hc_flags;
	const char	*hc_group;	/* of the device being checked */
	bool		 hc_devfix;	/* the device says "fix": true */
	size_t		 hc_nproblems;	/* found by this call */
};

enum filekind {
	FK_ANY,
	FK_REG,
	FK_DIR
};

static void
problem(struct hctx *hc, const char *code, const char *path, const char *fix,
    const char *fmt, ...) __attribute__((__format__(__printf__, 5, 6)));

static void
problem(struct hctx *hc, const char *code, const char *path, const char *fix,
    const char *fmt, ...)
{
	va_list ap;
	char buf[1024];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* Counted here: the list keeps one of identical diagnostics. */
	hc->hc_nproblems++;
	diag_addg(hc->hc_ds, VMRUN_ERROR, code, hc->hc_group, path, fix, "%s",
	    buf);
}

static void
note(struct hctx *hc, const char *code, const char *path, const char *fmt,
    ...) __attribute__((__format__(__printf__, 4, 5)));

static void
note(struct hctx *hc, const char *code, const char *path, const char *fmt,
    ...)
{
	va_list ap;
	char buf[1024];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	diag_addg(hc->hc_ds, VMRUN_WARNING, code, hc->hc_group, path, NULL,
	    "%s", buf);
}

/* May the fix of the current device be applied? */
static bool
may_fix(const struct hctx *hc)
{
	return ((hc->hc_flags & VMRUN_CHECK_FIX_ALL) ||
	    ((hc->hc_flags & VMRUN_CHECK_FIX) && hc->hc_devfix));
}

static const char *
jp(struct hctx *hc, const char *base, const char *key)
{
	const char *p;

	p = pool_printf(hc->hc_pool, "%s.%s", base, key);
	return (p != NULL ? p : base);
}

/*
 * A file the VM uses: it exists, is of the right kind, and is writable
 * when bhyve needs to write it -- bhyve silently falls back to read-only
 * otherwise (bhyve.md §5.1).
 */
static void
need_file(struct hctx *hc, const char *path, const char *file,
    enum filekind kind, bool writable, const char *fix)
{
	struct stat sb;

	if (file == NULL)
		return;
	if (stat(file, &sb) != 0) {
		/* Missing, or there but out of reach (EACCES, ELOOP...). */
		if (errno == ENOENT || errno == ENOTDIR)
			problem(hc, "file-missing", path, fix, "%s: %s", file,
			    strerror(errno));
		else
			problem(hc, "file-inaccessible", path, NULL, "%s: %s",
			    file, strerror(errno));
		return;
	}
	if (kind == FK_REG && !S_ISREG(sb.st_mode)) {
		problem(hc, "not-a-file", path, NULL, "%s: not a regular file",
		    file);
		return;
	}
	if (kind == FK_DIR && !S_ISDIR(sb.st_mode)) {
		problem(hc, "not-a-directory", path, NULL, "%s: not a "
		    "directory", file);
		return;
	}
	if (writable && access(file, W_OK) != 0)
		problem(hc, "file-not-writable", path, NULL, "%s: not "
		    "writable (%s); bhyve would quietly use it read-only",
		    file, strerror(errno));
}

/* /dev/nmdm* is made on first open by the nmdm module (bhyve.md §11). */
static void
need_tty(struct hctx *hc, const char *path, const char *backend)
{
	int r;

	if (backend == NULL || strncmp(backend, "/dev/", 5) != 0)
		return;
	if (strncmp(backend, "/dev/nmdm", 9) == 0) {
		r = hc->hc_plat->po_module("nmdm");
		if (r == 0)
			problem(hc, "module-missing", path, "kldload nmdm",
			    "%s needs the nmdm kernel module, which is not "
			    "loaded", backend);
		return;
	}
	need_file(hc, path, backend, FK_ANY, false, NULL);
}

static void
check_net(struct hctx *hc, const struct dev *d)
{
	const char *name, *path, *type;
	char fix[96];
	int st, e;

	name = jstr(d->dv_obj, "name");
	type = jstr(d->dv_obj, "type");
	if (name == NULL || !match_tapname(name) ||
	    (type != NULL && strcmp(type, "tap") != 0))
		return;
	path = jp(hc, d->dv_path, "name");
	st = hc->hc_plat->po_if_state(name);
	if (st == PLAT_IF_ABSENT && may_fix(hc)) {
		if ((e = hc->hc_plat->po_tap_create(name)) == 0) {
			note(hc, "fixed", path, "created tap interface %s",
			    name);
			st = hc->hc_plat->po_if_state(name);
		} else
			problem(hc, "fix-failed", path, NULL, "cannot create "
			    "tap interface %s: %s", name, strerror(e));
	}
	switch (st) {
	case PLAT_IF_ABSENT:
		snprintf(fix, sizeof(fix), "ifconfig %s create   (or %s)", name,
		    hc->hc_devfix ? "run with --fix" : "set \"fix\": true on "
		    "this device");
		problem(hc, "tap-missing", path, fix, "tap interface %s does "
		    "not exist", name);
		break;
	case PLAT_IF_BUSY:
		problem(hc, "tap-busy", path, NULL, "tap interface %s is "
		    "open in another process (another VM?)", name);
		break;
	case PLAT_IF_NOTTAP:
		problem(hc, "tap-invalid", path, NULL, "interface %s exists "
		    "but is not a tap interface", name);
		break;
	case PLAT_IF_FREE:
		break;
	default:
		if (st < 0)
			note(hc, "check-failed", path, "cannot check interface "
			    "%s: %s", name, strerror(-st));
		break;
	}
}

static void
check_disk(struct hctx *hc, json_t *obj, const char *base, bool cd)
{
	need_file(hc, jp(hc, base, "path"), jstr(obj, "path"), FK_ANY,
	    !cd && !jbool(obj, "ro", false), NULL);
}

static void
check_block(struct hctx *hc, const struct dev *d)
{
	json_t *port;
	size_t i;

	if (d->dv_type == &devtype_ahci) {
		json_array_foreach(json_object_get(d->dv_obj, "ports"), i,
		    port) {
			check_disk(hc, port, vpathi(&(struct vctx){ NULL,
			    hc->hc_pool, NULL, false }, jp(hc, d->dv_path,
			    "ports"), i), jstr(port, "type") != NULL &&
			    strcmp(jstr(port, "type"), "cd") == 0);
		}
		return;
	}
	if (d->dv_type == &devtype_nvme && jstr(d->dv_obj, "path") == NULL)
		return;		/* a RAM disk */
	check_disk(hc, d->dv_obj, d->dv_path, d->dv_type == &devtype_ahci_cd);
}

static void
check_9p(struct hctx *hc, const struct dev *d)
{
	need_file(hc, jp(hc, d->dv_path, "path"), jstr(d->dv_obj, "path"),
	    FK_DIR, false, NULL);
}

static void
check_devpath(struct hctx *hc, const struct dev *d)
{
	need_file(hc, jp(hc, d->dv_path, "path"), jstr(d->dv_obj, "path"),
	    FK_ANY, false, NULL);
}

static void
check_scsi(struct hctx *hc, const struct dev *d)
{
	const char *dev;

	if ((dev = jstr(d->dv_obj, "dev")) == NULL)
		dev = "/dev/cam/ctl";
	need_file(hc, jp(hc, d->dv_path, "dev"), dev, FK_ANY, false, NULL);
}

static void
check_hda(struct hctx *hc, const struct dev *d)
{
	need_file(hc, jp(hc, d->dv_path, "play"), jstr(d->dv_obj, "play"),
	    FK_ANY, true, NULL);
	need_file(hc, jp(hc, d->dv_path, "rec"), jstr(d->dv_obj, "rec"),
	    FK_ANY, false, NULL);
}

static void
check_uart(struct hctx *hc, const struct dev *d)
{
	need_tty(hc, jp(hc, d->dv_path, "backend"), jstr(d->dv_obj,
	    "backend"));
}

/* Console sockets: absent or stale are fine; live or not a socket is not. */
static void
check_console(struct hctx *hc, const struct dev *d)
{
	struct stat sb;
	json_t *port;
	const char *file, *path;
	size_t i;

	json_array_foreach(json_object_get(d->dv_obj, "ports"), i, port) {
		file = console_port_path(port);
		if (file == NULL || lstat(file, &sb) != 0)
			continue;
		path = vpathi(&(struct vctx){ NULL, hc->hc_pool, NULL,
		    false }, jp(hc, d->dv_path, "ports"), i);
		if (!S_ISSOCK(sb.st_mode)) {
			problem(hc, "socket-not-socket", path, NULL, "%s "
			    "exists and is not a socket; vmrun never removes "
			    "it", file);
			continue;
		}
		if (unix_socket_live(file))
			problem(hc, "socket-in-use", path, NULL, "%s is a "
			    "socket in use by another program", file);
	}
}

static bool
parse_hex(const char *s, unsigned long *vp)
{
	char *end;

	if (s == NULL)
		return (false);
	errno = 0;
	*vp = strtoul(s, &end, 16);
	return (*end == '\0' && errno == 0);
}

static void
check_passthru(struct hctx *hc, const struct dev *d)
{
	struct slot sl;
	json_t *lk;
	unsigned long v, dv;
	char drv[32];
	int r;

	need_file(hc, jp(hc, d->dv_path, "rom"), jstr(d->dv_obj, "rom"),
	    FK_REG, false, NULL);
	if ((lk = json_object_get(d->dv_obj, "lookup")) != NULL) {
		if (!parse_hex(jstr(lk, "vendor"), &v) ||
		    !parse_hex(jstr(lk, "device"), &dv))
			return;
		r = hc->hc_plat->po_pci_lookup(v, dv, &sl.s_bus, &sl.s_slot,
		    &sl.s_func);
		if (r == ENOENT)
			problem(hc, "pci-missing", jp(hc, d->dv_path, "lookup"),
			    NULL, "no PCI device of the host has vendor %s and "
			    "device %s", jstr(lk, "vendor"), jstr(lk, "device"));
		else if (r != 0)
			problem(hc, "passthru-lookup", jp(hc, d->dv_path,
			    "lookup"), "give the host address as \"src\" "
			    "instead", "this host cannot look up PCI devices");
		if (r != 0)
			return;
	} else if (jstr(d->dv_obj, "src") == NULL ||
	    !slot_parse(jstr(d->dv_obj, "src"), &sl))
		return;
	r = hc->hc_plat->po_ppt(sl.s_bus, sl.s_slot, sl.s_func, drv,
	    sizeof(drv));
	if (r == -ENOENT)
		problem(hc, "pci-missing", jp(hc, d->dv_path, "src"), NULL,
		    "the host has no PCI device %u/%u/%u", sl.s_bus, sl.s_slot,
		    sl.s_func);
	else if (r == 0)
		problem(hc, "ppt-not-bound", jp(hc, d->dv_path, "src"),
		    "add the device to pptdevs in /boot/loader.conf and "
		    "reboot", "host PCI device %u/%u/%u is bound to %s, not "
		    "ppt", sl.s_bus, sl.s_slot, sl.s_func, drv);
}

/* What each device needs from the host (design §6), by device type. */
static const struct {
	const struct devtype *hk_type;
	void	(*hk_check)(struct hctx *, const struct dev *);
} host_checks[] = {
	{ &devtype_virtio_net, check_net },
	{ &devtype_e1000, check_net },
	{ &devtype_virtio_blk, check_block },
	{ &devtype_ahci_hd, check_block },
	{ &devtype_ahci_cd, check_block },
	{ &devtype_ahci, check_block },
	{ &devtype_nvme, check_block },
	{ &devtype_virtio_9p, check_9p },
	{ &devtype_virtio_input, check_devpath },
	{ &devtype_virtio_scsi, check_scsi },
	{ &devtype_virtio_console, check_console },
	{ &devtype_passthru, check_passthru },
	{ &devtype_hda, check_hda },
	{ &devtype_uart, check_uart },
};

static void
check_lpc(struct hctx *hc, const struct vmrun_vm *vm)
{
	static const char *const coms[] = { "com1", "com2", "com3", "com4" };
	struct stat sb;
	size_t i;

	for (i = 0; i < VMRUN_NCOM; i++) {
		if (vm->vm_com[i] == NULL)
			continue;
		hc->hc_group = pool_printf(hc->hc_pool, "lpc %s", coms[i]);
		need_tty(hc, coms[i], vm->vm_com[i]);
	}
	hc->hc_group = "lpc bootrom";
	if (vm->vm_bootrom != NULL)
		need_file(hc, "bootrom", vm->vm_bootrom, FK_REG, false,
		    strcmp(vm->vm_bootrom, DEFAULT_BOOTROM) == 0 ?
		    "pkg install edk2-bhyve" : NULL);
	if (vm->vm_varfile == NULL)
		return;
	if (stat(vm->vm_varfile, &sb) != 0 && vm->vm_varfile_template != NULL)
		need_file(hc, "varfile_template", vm->vm_varfile_template,
		    FK_REG, false, NULL);
	else
		need_file(hc, "varfile", vm->vm_varfile, FK_REG, true, NULL);
}

/* Is the per-VM lock (a pid file) held by a live vmrun?  Its pid, or 0. */
static long
lock_holder(const char *path)
{
	char buf[32];
	ssize_t n;
	int fd;
	long pid;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return (0);
	if (flock(fd, LOCK_SH | LOCK_NB) == 0 || errno != EWOULDBLOCK) {
		close(fd);
		return (0);
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	pid = strtol(buf, NULL, 10);
	return (pid > 0 ? pid : -1);
}

static void
check_vm(struct hctx *hc, const struct vmrun_vm *vm)
{
	const struct vmrun_opts *o;
	char path[PATH_MAX], lock[PATH_MAX], fix[320];
	struct stat sb;
	long pid;
	pid_t bpid;
	int r;
	unsigned n;
	bool exists;

	hc->hc_group = "vm";
	o = hc->hc_opts;
	r = hc->hc_plat->po_module("vmm");
	if (r == 0)
		problem(hc, "module-missing", "", "kldload vmm", "the vmm "
		    "kernel module (the hypervisor) is not loaded");
	n = vm->vm_sockets * vm->vm_cores * vm->vm_threads;
	r = hc->hc_plat->po_maxcpu();
	if (r > 0 && n > (unsigned)r)
		problem(hc, "too-many-cpus", "cpu", "lower cpu, or raise "
		    "hw.vmm.maxcpu in /boot/loader.conf", "%u vCPUs, but the "
		    "host allows %d (hw.vmm.maxcpu)", n, r);
	if (vm->vm_loader != NULL) {
		need_tty(hc, "loader.console", vm->vm_loader->ld_console);
		need_file(hc, "loader.disk", vm->vm_loader->ld_disk, FK_ANY,
		    true, NULL);
		need_file(hc, "loader.host_dir", vm->vm_loader->ld_host_dir,
		    FK_DIR, false, NULL);
		need_file(hc, "loader.loader", vm->vm_loader->ld_loader,
		    FK_REG, false, NULL);
	}
	if (!(hc->hc_flags & VMRUN_CHECK_STATE))
		return;
	snprintf(path, sizeof(path), "%s/%s", o != NULL &&
	    o->op_vmm_dir != NULL ? o->op_vmm_dir : "/dev/vmm", vm->vm_name);
	bpid = 0;
	exists = lstat(path, &sb) == 0;
	if (o != NULL && o->op_lockfile != NULL)
		snprintf(lock, sizeof(lock), "%s", o->op_lockfile);
	else
		snprintf(lock, sizeof(lock), "/var/run/vmrun/%s.pid",
		    vm->vm_name);
	/* A running VM is never to be destroyed: no such advice for it. */
	if ((pid = lock_holder(lock)) != 0)
		problem(hc, "vm-supervised", "", NULL, "VM %s is supervised "
		    "by vmrun (pid %ld, lock %s)", vm->vm_name, pid, lock);
	else if (exists && ((bpid = pidfile_live(o != NULL ? o->op_pidfile :
	    NULL)) != 0 || plat_bhyve_running(vm->vm_name)))
		problem(hc, "vm-busy", "", NULL, "VM %s is running (%s)",
		    vm->vm_name, bpid != 0 ? "its bhyve is alive" :
		    "a bhyve process has its name");
	else if (exists) {
		snprintf(fix, sizeof(fix), "bhyvectl --destroy --vm=%s, or "
		    "start with --force", vm->vm_name);
		problem(hc, "vm-exists", "", fix, "VM %s already exists (%s), "
		    "left behind by an earlier run", vm->vm_name, path);
	}
}

size_t
vmrun_vm_check(const struct vmrun_vm *vm, const struct vmrun_opts *o,
    unsigned flags, struct vmrun_diags *ds)
{
	struct hctx hc;
	const struct dev *d;
	size_t i, k, errs;

	if (vm == NULL || ds == NULL)
		return (0);
	memset(&hc, 0, sizeof(hc));
	hc.hc_ds = ds;
	hc.hc_vm = vm;
	hc.hc_opts = o;
	hc.hc_plat = plat_get();
	hc.hc_flags = flags;
	if ((hc.hc_pool = pool_new()) == NULL)
		return (1);
	check_vm(&hc, vm);
	for (i = 0; i < vm->vm_npci; i++) {
		if ((d = vm->vm_pci[i].pe_dev) == NULL || d->dv_type == NULL)
			continue;
		for (k = 0; k < sizeof(host_checks) / sizeof(host_checks[0]);
		    k++) {
			if (host_checks[k].hk_type != d->dv_type)
				continue;
			hc.hc_group = dev_group(d, hc.hc_pool);
			hc.hc_devfix = d->dv_fix;
			host_checks[k].hk_check(&hc, d);
		}
	}
	check_lpc(&hc, vm);
	errs = hc.hc_nproblems;
	pool_free(hc.hc_pool);
	return (errs);
}

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
/* Where bhyve finds a keyboard layout "-K NAME" (bhyve.md §2.1). */
#define KBDLAYOUT_DIR	"/usr/share/bhyve/kbdlayout"

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
		host_need_tty(hc, coms[i], vm->vm_com[i]);
	}
	hc->hc_group = "lpc bootrom";
	if (vm->vm_bootrom != NULL)
		host_need_file(hc, "bootrom", vm->vm_bootrom, FK_REG, false,
		    strcmp(vm->vm_bootrom, DEFAULT_BOOTROM) == 0 ?
		    "pkg install edk2-bhyve" : NULL);
	if (vm->vm_varfile == NULL)
		return;
	if (stat(vm->vm_varfile, &sb) != 0 && vm->vm_varfile_template != NULL)
		host_need_file(hc, "varfile_template", vm->vm_varfile_template,
		    FK_REG, false, NULL);
	else
		host_need_file(hc, "varfile", vm->vm_varfile, FK_REG, true,
		    NULL);
}

/*
 * Is the per-VM lock (a pid file) held by a live vmrun?  Its pid, 0 when
 * not held, or -1 when held by one that has not written its pid yet.
 */
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

/*
 * grub-bhyve (design §12.1): the program that will run, and every path
 * of a given device.map (grub skips one it cannot open without a word;
 * the default map's are the devices', checked with them).
 */
static void
check_grub(struct hctx *hc, const struct loader *ld)
{
	const char *prog, *key;
	size_t i;

	host_need_tty(hc, "loader.console", ld->ld_console);
	key = "loader.loader";
	if (hc->hc_opts != NULL &&
	    hc->hc_opts->op_prog[VMRUN_PROG_GRUB_BHYVE] != NULL) {
		prog = hc->hc_opts->op_prog[VMRUN_PROG_GRUB_BHYVE];
		key = "loader";
	} else if ((prog = ld->ld_loader) == NULL) {
		prog = DEFAULT_GRUB_BHYVE;
		key = "loader";
	}
	host_need_file(hc, key, prog, FK_REG, false,
	    strcmp(prog, DEFAULT_GRUB_BHYVE) == 0 ?
	    "pkg install grub2-bhyve" : NULL);
	for (i = 0; i < ld->ld_nmap; i++)
		host_need_file(hc, host_jp(hc, "loader.device_map",
		    ld->ld_map[i].kv_key), ld->ld_map[i].kv_val, FK_ANY, false,
		    NULL);
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
	/*
	 * Not a problem: bhyve loads vmm itself (libvmmapi's vm_create
	 * asks the kernel for the module before it creates the VM).
	 */
	r = hc->hc_plat->po_module("vmm");
	if (r == 0)
		diag_addg(hc->hc_ds, VMRUN_WARNING, "module-missing",
		    hc->hc_group, "", "kldload vmm", "the vmm kernel module "
		    "(the hypervisor) is not loaded; bhyve loads it when the "
		    "VM starts");
	n = vm->vm_sockets * vm->vm_cores * vm->vm_threads;
	r = hc->hc_plat->po_maxcpu();
	if (r > 0 && n > (unsigned)r)
		host_problem(hc, "too-many-cpus", "cpu", "lower cpu, or raise "
		    "hw.vmm.maxcpu in /boot/loader.conf", "%u vCPUs, but the "
		    "host allows %d (hw.vmm.maxcpu)", n, r);
	if (vm->vm_loader != NULL && vm->vm_loader->ld_grub)
		check_grub(hc, vm->vm_loader);
	else if (vm->vm_loader != NULL) {
		host_need_tty(hc, "loader.console", vm->vm_loader->ld_console);
		host_need_file(hc, "loader.disk", vm->vm_loader->ld_disk,
		    FK_ANY,
		    true, NULL);
		host_need_file(hc, "loader.host_dir",
		    vm->vm_loader->ld_host_dir,
		    FK_DIR, false, NULL);
		host_need_file(hc, "loader.loader", vm->vm_loader->ld_loader,
		    FK_REG, false, NULL);
	}
	if (!(hc->hc_flags & VMRUN_CHECK_STATE))
		return;
	snprintf(path, sizeof(path), "%s/%s", o != NULL &&
	    o->op_vmm_dir != NULL ? o->op_vmm_dir : "/dev/vmm", vm->vm_name);
	exists = lstat(path, &sb) == 0;
	if (o != NULL && o->op_lockfile != NULL)
		snprintf(lock, sizeof(lock), "%s", o->op_lockfile);
	else
		snprintf(lock, sizeof(lock), "/var/run/vmrun/%s.pid",
		    vm->vm_name);
	/* A running VM is never to be destroyed: no such advice for it. */
	if ((pid = lock_holder(lock)) > 0)
		host_problem(hc, "vm-supervised", "", NULL,
		    "VM %s is supervised "
		    "by vmrun (pid %ld, lock %s)", vm->vm_name, pid, lock);
	else if (pid < 0)	/* its holder is starting */
		host_problem(hc, "vm-supervised", "", NULL, "VM %s is "
		    "supervised by vmrun (lock %s, its pid not written yet)",
		    vm->vm_name, lock);
	else if (exists && (bpid = vm_bhyve_alive(o != NULL ? o->op_pidfile :
	    NULL, vm->vm_name, fix, sizeof(fix))) != 0)
		host_problem(hc, "vm-busy", "", fix, "VM %s is running (bhyve "
		    "pid %ld)", vm->vm_name, (long)bpid);
	else if (exists) {
		snprintf(fix, sizeof(fix), "bhyvectl --destroy --vm=%s, or "
		    "start with --force", vm->vm_name);
		host_problem(hc, "vm-exists", "", fix,
		    "VM %s already exists (%s), "
		    "left behind by an earlier run", vm->vm_name, path);
	}
}

/*
 * design §12.3: each pinned host CPU exists, and so does the keyboard
 * layout (bhyve reads it from /usr/share/bhyve/kbdlayout).
 */
static void
check_cpu_host(struct hctx *hc, const struct vmrun_vm *vm)
{
	jv_t *pin;
	size_t i;
	int n;

	hc->hc_group = "vm";
	/* Asked only of a VM with pins: a start asks nothing it need not. */
	n = vm->vm_npin > 0 ? hc->hc_plat->po_ncpu() : PLAT_NA;
	pin = jv_get(jv_get(vm->vm_top, "cpu"), "pin");
	for (i = 0; n > 0 && i < vm->vm_npin; i++)
		if (vm->vm_pin[i] >= n)
			host_problem(hc, "host-cpu-missing", jv_is_arr(pin) ?
			    host_jpi(hc, "cpu", "pin", i) : pool_printf(
			    hc->hc_pool, "cpu.pin.%zu", i), NULL, "vCPU %zu is "
			    "pinned to host CPU %d, but the host has %d CPU%s "
			    "(0 to %d)", i, vm->vm_pin[i], n, n == 1 ? "" : "s",
			    n - 1);
	if (vm->vm_kbdlayout != NULL)
		host_need_file(hc, "keyboard_layout", pool_cat(hc->hc_pool,
		    KBDLAYOUT_DIR "/", vm->vm_kbdlayout, (char *)NULL), FK_REG,
		    false, NULL);
}

size_t
vmrun_vm_check(const struct vmrun_vm *vm, const struct vmrun_opts *o,
    unsigned flags, struct vmrun_diags *ds)
{
	struct hctx hc;
	const struct dev *d;
	size_t i, errs;

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
	check_cpu_host(&hc, vm);
	if (flags & VMRUN_CHECK_BHYVE)
		probe_check(&hc, vm);
	/* What each device needs is in its row of the device table. */
	for (i = 0; i < vm->vm_npci; i++) {
		if ((d = vm->vm_pci[i].pe_dev) == NULL || d->dv_type == NULL ||
		    d->dv_type->dt_host == NULL)
			continue;
		hc.hc_group = dev_group(d, hc.hc_pool);
		hc.hc_devfix = d->dv_fix;
		d->dv_type->dt_host(&hc, d);
	}
	check_lpc(&hc, vm);
	tpm_host(&hc, vm, o != NULL && o->op_prog[VMRUN_PROG_SWTPM] != NULL ?
	    o->op_prog[VMRUN_PROG_SWTPM] : DEFAULT_SWTPM);
	errs = hc.hc_nproblems;
	pool_free(hc.hc_pool);
	return (errs);
}

/*
 * render_loader: a resolved target -> its loader's argument vector:
 * bhyveload (design §5.2) or grub-bhyve (§12.1).  Both are given bhyve's
 * memory and wiring (bhyve.md §9.3), and a console on "capture" the
 * captured COM port's terminal, so that the boot menu is on the console
 * vmrun keeps.
 */

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "vmrun_impl.h"

#define DEFAULT_BHYVELOAD	"/usr/sbin/bhyveload"
#define DEFAULT_GRUB_BHYVE	"/usr/local/sbin/grub-bhyve"

static void
bhyveload_argv(struct av *av, const struct vmrun_vm *vm, const char *prog,
    const char *cons)
{
	const struct loader *ld;
	size_t i;

	ld = vm->vm_loader;
	av_add(av, prog != NULL ? prog : DEFAULT_BHYVELOAD);
	av_add(av, "-m");
	av_add(av, mem_str(av->av_pool, vm->vm_mem));
	if (vm->vm_wire)
		av_add(av, "-S");
	av_add(av, "-c");
	av_add(av, cons);
	av_add(av, "-d");
	av_add(av, ld->ld_disk);
	for (i = 0; i < ld->ld_nenv; i++) {
		av_add(av, "-e");
		av_add(av, pool_printf(av->av_pool, "%s=%s",
		    ld->ld_env[i].kv_key, ld->ld_env[i].kv_val));
	}
	if (ld->ld_host_dir != NULL) {
		av_add(av, "-h");
		av_add(av, ld->ld_host_dir);
	}
	if (ld->ld_loader != NULL) {
		av_add(av, "-l");
		av_add(av, ld->ld_loader);
	}
}

/*
 * grub-bhyve -m MAP -r ROOT [-d DIR] [-g CONFIG] [-c TTY] -M MEM [-S]:
 * with "commands", the grub.cfg vmrun writes beside the map, read from
 * the host.  grub-bhyve's console is stdio unless -c names a tty.
 */
static void
grub_argv(struct av *av, const struct vmrun_vm *vm, const char *prog,
    const char *rundir, const char *cons)
{
	const struct loader *ld;
	const struct kv *map;
	size_t n;

	ld = vm->vm_loader;
	if (!grub_map(vm, av->av_pool, &map, &n))
		av->av_nomem = true;
	av_add(av, prog != NULL ? prog : ld->ld_loader != NULL ?
	    ld->ld_loader : DEFAULT_GRUB_BHYVE);
	av_add(av, "-m");
	av_add(av, pool_printf(av->av_pool, "%s/%s.device.map", rundir,
	    vm->vm_name));
	av_add(av, "-r");
	av_add(av, grub_root(ld, map, n));
	if (ld->ld_ncmds > 0) {
		av_add(av, "-d");
		av_add(av, rundir);
		av_add(av, "-g");
		av_add(av, pool_printf(av->av_pool, "%s.grub.cfg",
		    vm->vm_name));
	}
	if (ld->ld_dir != NULL) {
		av_add(av, "-d");
		av_add(av, ld->ld_dir);
	}
	if (ld->ld_config != NULL) {
		av_add(av, "-g");
		av_add(av, ld->ld_config);
	}
	if (strcmp(cons, "stdio") != 0) {
		av_add(av, "-c");
		av_add(av, cons);
	}
	av_add(av, "-M");
	av_add(av, mem_str(av->av_pool, vm->vm_mem));
	if (vm->vm_wire)
		av_add(av, "-S");
}

int
vmrun_vm_loader_program(const struct vmrun_vm *vm)
{
	if (vm == NULL || vm->vm_loader == NULL)
		return (-1);
	return (vm->vm_loader->ld_grub ? VMRUN_PROG_GRUB_BHYVE :
	    VMRUN_PROG_BHYVELOAD);
}

enum vmrun_status
vmrun_vm_loader_argv_run(const struct vmrun_vm *vm, const char *prog,
    const char *rundir, const char *tty, char ***argvp)
{
	char dir[PATH_MAX];
	const struct loader *ld;
	const char *cons;
	enum vmrun_status st;
	struct av av;

	if (argvp == NULL)
		return (VMRUN_ERR_ARG);
	*argvp = NULL;
	if (vm == NULL || (tty != NULL && *tty == '\0') ||
	    (rundir != NULL && *rundir == '\0'))
		return (VMRUN_ERR_ARG);
	if ((ld = vm->vm_loader) == NULL)
		return (VMRUN_OK);
	if (ld->ld_grub && rundir == NULL &&
	    (rundir = dirs_run(dir, sizeof(dir))) == NULL)
		return (VMRUN_ERR_HOST);
	memset(&av, 0, sizeof(av));
	if ((av.av_pool = pool_new()) == NULL)
		return (VMRUN_ERR_NOMEM);
	cons = ld->ld_console;
	if (strcmp(cons, "capture") == 0)
		cons = tty != NULL ? tty : CAPTURE_PLACEHOLDER;
	if (ld->ld_grub)
		grub_argv(&av, vm, prog, rundir, cons);
	else
		bhyveload_argv(&av, vm, prog, cons);
	av_add(&av, vm->vm_name);
	st = av_export(&av, argvp);
	pool_free(av.av_pool);
	return (st);
}

enum vmrun_status
vmrun_vm_loader_argv(const struct vmrun_vm *vm, const char *prog,
    char ***argvp)
{
	return (vmrun_vm_loader_argv_run(vm, prog, NULL, NULL, argvp));
}

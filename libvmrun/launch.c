/*
 * launch: the programs a run starts -- the loader, bhyve, the
 * post_start_script hook (design §7.1 steps 5 to 7) and bhyvectl -- from
 * their argv to a running child, never waiting for one; and the quoting
 * of a failed program's last messages.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmrun_impl.h"
#include "supervise.h"

const char *
sup_prog(const struct vmrun_sup *su, enum vmrun_program p)
{
	static const char *const defs[VMRUN_NPROG] = { DEFAULT_BHYVE,
	    DEFAULT_BHYVECTL, DEFAULT_BHYVELOAD, DEFAULT_GRUB_BHYVE,
	    DEFAULT_SWTPM };

	return (su->su_opts->op_prog[p] != NULL ? su->su_opts->op_prog[p] :
	    defs[p]);
}

/*
 * Start the hook, in its own process group, stdin from /dev/null, its
 * output on vmrun's stderr.  One that cannot be executed has ended at
 * once (c_exec_errno); the caller reports it.
 */
void
launch_hook(struct vmrun_sup *su, const struct vmrun_vm *vm)
{
	size_t i;

	su->su_hook_argv = NULL;
	if (vm->vm_npost == 0)
		return;
	su->su_hook_argv = pool_alloc(vm->vm_pool, (vm->vm_npost + 1) *
	    sizeof(char *));
	if (su->su_hook_argv == NULL)
		return;
	for (i = 0; i < vm->vm_npost; i++)
		su->su_hook_argv[i] = (char *)(uintptr_t)vm->vm_post[i];
	if (spawn(&su->su_hook, su->su_hook_argv, SP_OWNPGRP | SP_NULLSTDIN |
	    SP_STDOUT_ERR | SP_STDERR_ERR, su->su_opts->op_errfd) != 0) {
		diag_add(su->su_diags, VMRUN_WARNING, "hook-failed", "", NULL,
		    "cannot start post_start_script: %s", strerror(errno));
		return;
	}
	if (su->su_hook.c_exec_errno != 0) {
		diag_add(su->su_diags, VMRUN_WARNING, "hook-failed", "", NULL,
		    "cannot execute post_start_script %s: %s",
		    su->su_hook_argv[0], strerror(su->su_hook.c_exec_errno));
		return;
	}
	su->su_hook_pgid = su->su_hook.c_pid;
}

/*
 * Start bhyvectl ACTION --vm=NAME, its output copied to vmrun's stderr,
 * with CTL_TIMEOUT to end.  0, or -1 with a warning.
 */
int
launch_ctl(struct vmrun_sup *su, struct ctl *ct, const char *action)
{
	char *argv[4], vmarg[300];

	snprintf(vmarg, sizeof(vmarg), "--vm=%s", su->su_name);
	argv[0] = (char *)(uintptr_t)sup_prog(su, VMRUN_PROG_BHYVECTL);
	argv[1] = (char *)(uintptr_t)action;
	argv[2] = vmarg;
	argv[3] = NULL;
	ct->ct_action = action;
	ct->ct_deadline = mono_now() + CTL_TIMEOUT;
	if (spawn(&ct->ct_c, argv, SP_NULLSTDIN | SP_STDOUT_ERR | SP_PIPEERR,
	    su->su_opts->op_errfd) != 0 || ct->ct_c.c_exec_errno != 0) {
		diag_add(su->su_diags, VMRUN_WARNING, "bhyvectl-failed", "",
		    NULL, "cannot run %s: %s", argv[0],
		    strerror(ct->ct_c.c_exec_errno != 0 ?
		    ct->ct_c.c_exec_errno : errno));
		ct->ct_c.c_running = false;
		ct->ct_c.c_exit = -1;
		return (-1);
	}
	return (0);
}

/*
 * "bhyve exited with status 4 (error)" plus the quoted lines: an error,
 * or a warning when the guest restarts all the same (--reboot-on 4).
 */
void
quote_failure(struct vmrun_sup *su, enum vmrun_severity sev,
    const char *code, const char *who, const char *what)
{
	char text[TAIL_LINES * (TAIL_LINELEN + 8)];
	char msg[sizeof(text) + 256];
	const char *then;

	then = sev == VMRUN_WARNING ? "; the guest is restarted" : "";
	if (tail_text(&su->su_tail, text, sizeof(text)) > 0) {
		snprintf(msg, sizeof(msg), "%s %s%s; its last messages:\n%s",
		    who, what, then, text);
		diag_add_lines(su->su_diags, sev, code, msg);
	} else
		diag_add(su->su_diags, sev, code, "", NULL, "%s %s%s", who,
		    what, then);
}

bool
uses_stdio(const struct vmrun_vm *vm)
{
	size_t i;

	for (i = 0; i < VMRUN_NCOM; i++)
		if (vm->vm_com[i] != NULL && is_stdio_backend(vm->vm_com[i]))
			return (true);
	for (i = 0; i < vm->vm_ndevs; i++)
		if (vm->vm_devs[i].dv_stdio)
			return (true);
	return (false);
}

/*
 * Write text to RUNDIR/NAME.SUFFIX, a file of vmrun's own: made anew
 * (never through a link, never over a file that is there: that may be
 * the user's), 0600, and recorded as a resource of this boot.  0, or an
 * exit status with the problem in the diagnostics.
 */
static int
run_file(struct vmrun_sup *su, const char *rundir, const char *suffix,
    const char *text)
{
	char path[PATH_MAX];
	struct stat sb;
	size_t len, off;
	ssize_t w;
	int fd, rc;

	if (snprintf(path, sizeof(path), "%s/%s.%s", rundir, su->su_name,
	    suffix) >= (int)sizeof(path)) {
		diag_add(su->su_diags, VMRUN_ERROR, "dir-failed", "", NULL,
		    "the %s file's path is too long", suffix);
		return (69);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0 || fstat(fd, &sb) != 0) {
		rc = errno == EEXIST || errno == ELOOP || errno == EMLINK ?
		    69 : 71;
		diag_add(su->su_diags, VMRUN_ERROR, "file-failed", "",
		    errno == EEXIST ? "remove it if no vmrun uses it" : NULL,
		    "cannot make %s: %s", path, nofollow_error(path, errno));
		if (fd >= 0)
			close(fd);
		return (rc);
	}
	if (res_add_file(su, RL_BOOT, path, &sb) != 0) {	/* removed */
		close(fd);
		diag_add(su->su_diags, VMRUN_ERROR, "no-memory", "", NULL,
		    "out of memory");
		return (71);
	}
	len = strlen(text);
	for (off = 0; off < len; off += (size_t)w)
		if ((w = write(fd, text + off, len - off)) <= 0)
			break;
	if (off < len || close(fd) != 0) {
		diag_add(su->su_diags, VMRUN_ERROR, "file-failed", "", NULL,
		    "cannot write %s: %s", path, strerror(errno));
		if (off < len)
			close(fd);
		return (71);
	}
	return (0);
}

/*
 * grub-bhyve's files for this boot (design §12.1): the device.map and,
 * with "commands", the grub.cfg, in the run directory (*dirp).
 */
static int
grub_files(struct vmrun_sup *su, const struct vmrun_vm *vm,
    const char **dirp)
{
	struct pool *p;
	const char *text;
	int rc;

	if ((*dirp = sup_rundir(su, su->su_diags, &rc)) == NULL)
		return (rc);
	rc = 71;
	text = NULL;
	if ((p = pool_new()) != NULL &&
	    (text = grub_map_text(vm, p)) != NULL)
		rc = run_file(su, *dirp, "device.map", text);
	if (rc == 0 && vm->vm_loader->ld_ncmds > 0)
		rc = (text = grub_cfg_text(vm->vm_loader, p)) == NULL ? 71 :
		    run_file(su, *dirp, "grub.cfg", text);
	if (p == NULL || text == NULL)
		diag_add(su->su_diags, VMRUN_ERROR, "no-memory", "", NULL,
		    "out of memory");
	pool_free(p);
	return (rc);
}

/*
 * Start the loader (design §7.1 step 5) if there is one: 0 with *argvp
 * its argv (new, or NULL when there is no loader), or an exit status.
 * A loader on "capture" gets the captured port's terminal; one on
 * anything but stdio its own process group, as bhyve.
 */
int
launch_loader(struct vmrun_sup *su, const struct vmrun_vm *vm, char ***argvp)
{
	const char *dir, *tty;
	char **argv;
	unsigned fl;
	int prog, rc;

	*argvp = NULL;
	if ((prog = vmrun_vm_loader_program(vm)) < 0)
		return (0);
	dir = NULL;
	if (prog == VMRUN_PROG_GRUB_BHYVE &&
	    (rc = grub_files(su, vm, &dir)) != 0)
		return (rc);
	tty = NULL;
	if (strcmp(vm->vm_loader->ld_console, "capture") == 0) {
		if (su->su_con.co_master < 0)
			return (71);
		tty = su->su_con.co_path;
	}
	if (vmrun_vm_loader_argv_run(vm, prog == VMRUN_PROG_GRUB_BHYVE ?
	    su->su_opts->op_prog[prog] : sup_prog(su, prog), dir, tty,
	    &argv) != VMRUN_OK)
		return (71);
	memset(&su->su_tail, 0, sizeof(su->su_tail));
	fl = SP_PIPEERR;
	if (strcmp(vm->vm_loader->ld_console, "stdio") != 0)
		fl |= SP_OWNPGRP | SP_NULLSTDIN;
	if (spawn(&su->su_child, argv, fl, su->su_opts->op_errfd) != 0) {
		diag_add(su->su_diags, VMRUN_ERROR, "fork-failed", "", NULL,
		    "cannot start %s: %s", argv[0], strerror(errno));
		vmrun_argv_free(argv);
		return (71);
	}
	su->su_isbhyve = false;
	*argvp = argv;
	if (su->su_child.c_exec_errno != 0) {
		diag_add(su->su_diags, VMRUN_ERROR, "loader-exec", "", NULL,
		    "cannot execute %s: %s", argv[0],
		    strerror(su->su_child.c_exec_errno));
		return (69);
	}
	return (0);
}

/*
 * Start bhyve (design §7.1 step 6): 0 with *argvp its argv (new), or an
 * exit status.
 */
int
launch_bhyve(struct vmrun_sup *su, const struct vmrun_vm *vm, char ***argvp)
{
	char **argv;
	enum vmrun_status st;
	unsigned fl;

	*argvp = NULL;
	/* The captured port gets the terminal end of vmrun's pty. */
	if (vm->vm_capture >= 0 && su->su_con.co_master < 0)
		return (71);
	/* swtpm's socket is in the run directory the sidecar was given. */
	st = vmrun_vm_bhyve_argv_run(vm, sup_prog(su, VMRUN_PROG_BHYVE),
	    (const char *const *)su->su_opts->op_extra, vm->vm_capture >= 0 ?
	    su->su_con.co_path : NULL, su->su_rundir, su->su_diags, &argv);
	if (st == VMRUN_ERR_HOST)
		return (69);
	if (st != VMRUN_OK)
		return (71);
	memset(&su->su_tail, 0, sizeof(su->su_tail));
	/*
	 * SIGPIPE ignored, so bhyve survives vmrun's death.  A VM on stdio
	 * keeps vmrun's process group: it owns the terminal (raw mode) and
	 * Ctrl-C reaches the guest.  Otherwise its own group, so Ctrl-C
	 * reaches only vmrun, which stops the VM gracefully.
	 */
	fl = SP_PIPEERR | SP_IGNPIPE;
	if (!uses_stdio(vm))
		fl |= SP_OWNPGRP | SP_NULLSTDIN;
	if (spawn(&su->su_child, argv, fl, su->su_opts->op_errfd) != 0) {
		diag_add(su->su_diags, VMRUN_ERROR, "fork-failed", "", NULL,
		    "cannot start %s: %s", argv[0], strerror(errno));
		vmrun_argv_free(argv);
		return (71);
	}
	if (su->su_child.c_exec_errno != 0) {
		diag_add(su->su_diags, VMRUN_ERROR, "bhyve-exec", "", NULL,
		    "cannot execute %s: %s", argv[0],
		    strerror(su->su_child.c_exec_errno));
		vmrun_argv_free(argv);
		return (69);
	}
	su->su_isbhyve = true;
	*argvp = argv;
	return (0);
}

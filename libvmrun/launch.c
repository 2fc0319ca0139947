/*
 * launch: the programs a run starts -- the loader, bhyve and the
 * post_start_script hook (design §7.1 steps 5 to 7) -- and the quoting of
 * a failed program's last messages.
 */

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmrun_impl.h"
#include "supervise.h"

static void
hook_event(struct vmrun_sup *su)
{
	struct vmrun_event ev;

	sup_event_init(&ev, VMRUN_EV_HOOK);
	ev.ev_pid = (long)su->su_hook.c_pid;
	ev.ev_argv = (const char *const *)su->su_hook_argv;
	if (su->su_hook.c_exec_errno != 0)
		ev.ev_status = 127;
	else if (WIFEXITED(su->su_hook.c_status))
		ev.ev_status = WEXITSTATUS(su->su_hook.c_status);
	else if (WIFSIGNALED(su->su_hook.c_status))
		ev.ev_signal = WTERMSIG(su->su_hook.c_status);
	sup_event(su, &ev);
	su->su_hook_running = false;
}

void
hook_poll(struct vmrun_sup *su)
{
	if (su->su_hook_running && child_reap(&su->su_hook))
		hook_event(su);
}

/*
 * When the VM ends, the hook's process group goes (design §7.1 step 6):
 * SIGTERM, SIGKILL after 5 s.  That includes what the hook left running
 * in its group after it exited itself.  The group's id cannot name
 * another group while any member lives.
 */
void
hook_end(struct vmrun_sup *su)
{
	double deadline;
	pid_t pg;

	if ((pg = su->su_hook_pgid) <= 0)
		return;
	su->su_hook_pgid = 0;
	if (killpg(pg, 0) == 0) {
		killpg(pg, SIGTERM);
		deadline = mono_now() + HOOK_GRACE;
		while (mono_now() < deadline) {
			if (su->su_hook_running && child_reap(&su->su_hook))
				hook_event(su);
			if (killpg(pg, 0) != 0)
				break;
			usleep(20000);
		}
		if (killpg(pg, 0) == 0)
			killpg(pg, SIGKILL);
	}
	if (su->su_hook_running) {
		while (!child_reap(&su->su_hook))
			usleep(10000);
		hook_event(su);
	}
}

void
hook_start(struct vmrun_sup *su, const struct vmrun_vm *vm)
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
	/* Its own process group, stdin from /dev/null, output on stderr. */
	if (spawn(&su->su_hook, su->su_hook_argv, SP_OWNPGRP | SP_NULLSTDIN |
	    SP_STDOUT_ERR | SP_STDERR_ERR, su->su_opts->op_errfd) != 0) {
		diag_add(su->su_diags, VMRUN_WARNING, "hook-failed", "", NULL,
		    "cannot start post_start_script: %s", strerror(errno));
		return;
	}
	su->su_hook_running = true;
	su->su_hook_pgid = su->su_hook.c_pid;
	if (su->su_hook.c_exec_errno != 0) {
		diag_add(su->su_diags, VMRUN_WARNING, "hook-failed", "", NULL,
		    "cannot execute post_start_script %s: %s",
		    su->su_hook_argv[0], strerror(su->su_hook.c_exec_errno));
		hook_event(su);
	}
}

/* "bhyve exited with status 4 (error)" plus the quoted lines. */
void
quote_failure(struct vmrun_sup *su, const char *code, const char *who,
    const char *what)
{
	char text[TAIL_LINES * (TAIL_LINELEN + 8)];
	char msg[sizeof(text) + 256];

	if (tail_text(&su->su_tail, text, sizeof(text)) > 0) {
		snprintf(msg, sizeof(msg), "%s %s; its last messages:\n%s",
		    who, what, text);
		diag_add_lines(su->su_diags, code, msg);
	} else
		diag_add(su->su_diags, VMRUN_ERROR, code, "", NULL,
		    "%s %s", who, what);
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

/* The loader (design §7.1 step 5): 0, or an exit status and a reason. */
int
run_loader(struct vmrun_sup *su, const struct vmrun_vm *vm,
    const char **reason)
{
	struct vmrun_event ev;
	char **argv, what[64];
	enum vmrun_status st;
	unsigned fl;
	int rc;

	if ((st = vmrun_vm_loader_argv(vm, sup_prog(su, VMRUN_PROG_BHYVELOAD),
	    &argv)) != VMRUN_OK) {
		*reason = "loader-failed";
		return (71);
	}
	if (argv == NULL)
		return (0);
	memset(&su->su_tail, 0, sizeof(su->su_tail));
	fl = SP_PIPEERR;
	if (strcmp(vm->vm_loader->ld_console, "stdio") != 0)
		fl |= SP_OWNPGRP | SP_NULLSTDIN;
	if (spawn(&su->su_child, argv, fl, su->su_opts->op_errfd) != 0) {
		diag_add(su->su_diags, VMRUN_ERROR, "fork-failed", "", NULL,
		    "cannot start %s: %s", argv[0], strerror(errno));
		vmrun_argv_free(argv);
		*reason = "loader-failed";
		return (71);
	}
	sup_event_init(&ev, VMRUN_EV_LOADER);
	ev.ev_target = vm->vm_target;
	ev.ev_run = su->su_run;
	ev.ev_argv = (const char *const *)argv;
	rc = 0;
	if (su->su_child.c_exec_errno != 0) {
		diag_add(su->su_diags, VMRUN_ERROR, "loader-exec", "", NULL,
		    "cannot execute %s: %s", argv[0],
		    strerror(su->su_child.c_exec_errno));
		*reason = "loader-failed";
		rc = 69;
	} else {
		su->su_running = true;
		su->su_phase = 0;
		wait_child(su, false);
		ev.ev_pid = (long)su->su_child.c_pid;
		if (WIFEXITED(su->su_child.c_status))
			ev.ev_status = WEXITSTATUS(su->su_child.c_status);
		else
			ev.ev_signal = WTERMSIG(su->su_child.c_status);
		if (su->su_stop) {
			*reason = "stopped";
			rc = 1;
		} else if (ev.ev_status != 0) {
			if (ev.ev_status > 0)
				snprintf(what, sizeof(what), "exited with "
				    "status %d", ev.ev_status);
			else
				snprintf(what, sizeof(what), "was killed by "
				    "%s", event_signame(ev.ev_signal));
			quote_failure(su, "loader-failed", argv[0], what);
			*reason = "loader-failed";
			rc = 4;
		}
	}
	sup_event(su, &ev);
	vmrun_argv_free(argv);
	return (rc);
}

/* Start bhyve (design §7.1 step 6): 0, or an exit status. */
int
start_bhyve(struct vmrun_sup *su, const struct vmrun_vm *vm)
{
	struct vmrun_event ev;
	char **argv;
	enum vmrun_status st;
	unsigned fl;

	st = vmrun_vm_bhyve_argv(vm, sup_prog(su, VMRUN_PROG_BHYVE),
	    (const char *const *)su->su_opts->op_extra, su->su_diags, &argv);
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
	su->su_running = true;
	su->su_phase = 0;
	su->su_signalled = false;
	pidfile_fill(su, su->su_child.c_pid);
	sup_event_init(&ev, VMRUN_EV_START);
	ev.ev_target = vm->vm_target;
	ev.ev_run = su->su_run;
	ev.ev_pid = (long)su->su_child.c_pid;
	ev.ev_argv = (const char *const *)argv;
	sup_event(su, &ev);
	vmrun_argv_free(argv);
	return (0);
}

/*
 * supervise: run bhyve, restart it on the statuses configured, stop it
 * gracefully then forcefully, and clean up after it (design §7).
 *
 * Signal handlers only record (vmrun_sup_signal) and wake the loop
 * through a self-pipe; the loop (loop.c) acts, and sleeps in one poll(2)
 * on the pipe, the children's stderr and their process descriptors,
 * timing out only when a deadline is armed.  This file is the order of
 * things in a run; control.c and policy.c say what to do when.
 */

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmrun_impl.h"
#include "supervise.h"
#include "platform.h"

enum vmrun_status
vmrun_sup_new(const struct vmrun_config *cf, const char *target,
    const struct vmrun_opts *o, struct vmrun_sup **sup)
{
	struct vmrun_sup *su;
	const struct vmrun_vm *vm;
	enum vmrun_status st;
	size_t i;
	int fl;

	if (sup == NULL)
		return (VMRUN_ERR_ARG);
	*sup = NULL;
	if (cf == NULL)
		return (VMRUN_ERR_ARG);
	if ((st = vmrun_config_resolve(cf, target, &vm)) != VMRUN_OK)
		return (st);
	if ((su = xcalloc(1, sizeof(*su))) == NULL)
		return (VMRUN_ERR_NOMEM);
	su->su_cf = cf;
	su->su_name = vmrun_config_name(cf);
	su->su_wake[0] = su->su_wake[1] = -1;
	su->su_pidfd = -1;
	su->su_srv.cs_fd = -1;
	su->su_con.co_master = su->su_con.co_slave = su->su_con.co_logfd = -1;
	for (i = 0; i < SRV_CLIENTS; i++)
		su->su_srv.cs_cl[i].cl_fd = -1;
	if ((su->su_opts = opts_dup(o)) == NULL ||
	    (su->su_target = xstrdup(target != NULL ? target : "default")) ==
	    NULL)
		goto nomem;
	if (pipe(su->su_wake) != 0) {
		su->su_wake[0] = su->su_wake[1] = -1;
		vmrun_sup_free(su);
		return (VMRUN_ERR_NOMEM);
	}
	for (i = 0; i < 2; i++) {
		fcntl(su->su_wake[i], F_SETFD, FD_CLOEXEC);
		fl = fcntl(su->su_wake[i], F_GETFL);
		fcntl(su->su_wake[i], F_SETFL, fl | O_NONBLOCK);
	}
	*sup = su;
	return (VMRUN_OK);
nomem:
	vmrun_sup_free(su);
	return (VMRUN_ERR_NOMEM);
}

void
vmrun_sup_free(struct vmrun_sup *su)
{
	if (su == NULL)
		return;
	ctlsrv_close(su);
	console_close(su);
	lock_release(su);
	pidfile_drop(su);
	if (su->su_wake[0] >= 0)
		close(su->su_wake[0]);
	if (su->su_wake[1] >= 0)
		close(su->su_wake[1]);
	vmrun_opts_free(su->su_opts);
	xfree(su->su_target);
	xfree(su->su_restarts);
	xfree(su->su_next);
	xfree(su->su_restart_to);
	reload_settle(su);
	xfree(su->su_cf_old);
	vmrun_config_free(su->su_cf_own);
	xfree(su);
}

void
vmrun_sup_set_callback(struct vmrun_sup *su, vmrun_event_fn *fn, void *arg)
{
	if (su == NULL)
		return;
	su->su_cb = fn;
	su->su_cbarg = arg;
}

/* Async-signal-safe: count, wake the loop. */
void
vmrun_sup_signal(struct vmrun_sup *su, int signo)
{
	int e, i;

	if (su == NULL)
		return;
	e = errno;
	if ((i = policy_stopsig(signo)) >= 0)
		su->su_nsig[i]++;
	else if (signo == SIGUSR1)
		su->su_nreset++;
	else if (signo != SIGCHLD) {	/* SIGCHLD: only a wake */
		errno = e;
		return;
	}
	if (su->su_wake[1] >= 0 && write(su->su_wake[1], "", 1) < 0) {
		/* Full pipe: the loop is awake already. */
	}
	errno = e;
}

/* Conditions the loop runs until. */
static bool
main_ended(struct vmrun_sup *su, void *arg)
{
	(void)arg;
	return (!su->su_child.c_running);
}

static bool
ctl_over(struct vmrun_sup *su, void *arg)
{
	(void)su;
	return (!((struct ctl *)arg)->ct_c.c_running);
}

static bool
quiet(struct vmrun_sup *su, void *arg)
{
	(void)arg;
	return (su->su_hook_end == HE_NONE && ctl_idle(su));
}

static void
cleanup_event(struct vmrun_sup *su, const char *resource, const char *action,
    bool ok)
{
	struct vmrun_event ev;

	sup_event_init(&ev, VMRUN_EV_CLEANUP);
	ev.ev_resource = resource;
	ev.ev_action = action;
	ev.ev_ok = ok;
	sup_event(su, &ev);
}

/* bhyvectl --destroy, reported as a cleanup event. */
static void
destroy(struct vmrun_sup *su)
{
	char path[PATH_MAX];
	struct ctl *ct;
	bool ok;

	ok = false;
	if ((ct = ctl_start(su, "--destroy", true)) != NULL) {
		loop_until(su, ctl_over, ct);
		ok = ct->ct_c.c_exit == 0;
		ct->ct_held = false;
	}
	ok = ok && !vm_node_exists(su, su->su_name);
	su->su_destroy_failed = !ok;
	cleanup_event(su, vm_node_path(su, su->su_name, path, sizeof(path)),
	    "destroy", ok);
}

/*
 * After every run (design §7.1 step 8), bhyve started or not: the hook's
 * processes end and every bhyvectl is over, then the sockets, the VM and
 * the pid file go.
 */
static void
after_exit(struct vmrun_sup *su, const struct vmrun_vm *vm)
{
	hook_end_begin(su);
	loop_until(su, quiet, NULL);
	(void)console_sockets(su, vm, false, su->su_diags, cleanup_event);
	if (vm_node_exists(su, su->su_name))
		destroy(su);
	pidfile_drop(su);
}

/* A child starts with no stop step taken. */
static void
phase_reset(struct vmrun_sup *su)
{
	su->su_phase = PH_NONE;
	su->su_phase_end = 0;
	su->su_signalled = false;
}

/* How the loader ended, as a failure message says it. */
static void
loader_failure(struct vmrun_sup *su, const char *prog)
{
	char what[64];

	if (su->su_child.c_exit > 0)
		snprintf(what, sizeof(what), "exited with status %d",
		    su->su_child.c_exit);
	else if (su->su_child.c_sig != 0)
		snprintf(what, sizeof(what), "was killed by %s",
		    event_signame(su->su_child.c_sig));
	else
		snprintf(what, sizeof(what), "ended; how is unknown");
	quote_failure(su, VMRUN_ERROR, "loader-failed", prog, what);
}

/* The loader (design §7.1 step 5): 0, or an exit status and a reason. */
static int
run_loader(struct vmrun_sup *su, const struct vmrun_vm *vm,
    const char **reason)
{
	struct vmrun_event ev;
	char **argv;
	int rc;

	phase_reset(su);
	if ((rc = launch_loader(su, vm, &argv)) != 0)
		*reason = "loader-failed";
	if (argv == NULL)
		return (rc);
	sup_event_init(&ev, VMRUN_EV_LOADER);
	ev.ev_target = vm->vm_target;
	ev.ev_run = su->su_run;
	ev.ev_argv = (const char *const *)argv;
	if (rc == 0) {		/* not: it could not be executed */
		loop_until(su, main_ended, NULL);
		ev.ev_pid = (long)su->su_child.c_pid;
		ev.ev_status = su->su_child.c_exit;
		ev.ev_signal = su->su_child.c_sig;
		if (su->su_stop) {
			*reason = "stopped";
			rc = 1;
		} else if (ev.ev_status != 0) {
			loader_failure(su, argv[0]);
			*reason = "loader-failed";
			rc = 4;
		}
	}
	sup_event(su, &ev);
	vmrun_argv_free(argv);
	return (rc);
}

/* Start bhyve and the hook, and tell of it: 0, or an exit status. */
static int
start_bhyve(struct vmrun_sup *su, const struct vmrun_vm *vm)
{
	struct vmrun_event ev;
	char **argv;
	int rc;

	phase_reset(su);
	if ((rc = launch_bhyve(su, vm, &argv)) != 0)
		return (rc);
	pidfile_fill(su, su->su_child.c_pid);
	sup_event_init(&ev, VMRUN_EV_START);
	ev.ev_target = vm->vm_target;
	ev.ev_run = su->su_run;
	ev.ev_pid = (long)su->su_child.c_pid;
	ev.ev_argv = (const char *const *)argv;
	sup_event(su, &ev);
	vmrun_argv_free(argv);
	launch_hook(su, vm);
	if (su->su_hook_argv != NULL && su->su_hook.c_exec_errno != 0)
		hook_ended(su);
	return (0);
}

/*
 * The target of the next run: want (a restart request's), else a
 * next-target request, else the configuration's next_target, else the
 * same (design §3).  Requests are used once.  Borrowed from the
 * configuration.
 */
static const char *
next_target(struct vmrun_sup *su, const struct vmrun_vm *vm, const char *want)
{
	const struct vmrun_vm *nv;
	const char *t;

	t = want != NULL ? want : su->su_next != NULL ? su->su_next :
	    vm->vm_next_target != NULL ? vm->vm_next_target : vm->vm_target;
	if (vmrun_config_resolve(su->su_cf, t, &nv) == VMRUN_OK)
		t = vmrun_vm_target(nv);
	else
		t = vm->vm_target;	/* checked when asked: cannot be */
	xfree(su->su_next);
	xfree(su->su_restart_to);
	su->su_next = su->su_restart_to = NULL;
	su->su_restart = false;
	return (t);
}

/*
 * bhyve failed: how, and its last lines; an error, or a warning when
 * the guest restarts all the same (e.g. 4 in --reboot-on).
 */
static void
bhyve_failure(struct vmrun_sup *su, const struct outcome *oc, bool restarts)
{
	const char *sn;
	char what[96];

	sn = event_signame(oc->oc_sig);
	if (oc->oc_sig != 0)
		snprintf(what, sizeof(what), "was killed by %s",
		    sn != NULL ? sn : "a signal");
	else if (oc->oc_exit > 4)
		snprintf(what, sizeof(what), "exited with status %d "
		    "(unexpected; reported as 4)", oc->oc_exit);
	else if (oc->oc_exit == 4)
		snprintf(what, sizeof(what), "exited with status 4 (error)");
	else
		snprintf(what, sizeof(what), "ended, but its exit status was "
		    "taken by another wait");
	quote_failure(su, restarts ? VMRUN_WARNING : VMRUN_ERROR,
	    "bhyve-failed", "bhyve", what);
}

/*
 * After bhyve's end: the exit event, then the decision (design §7.2).
 * Returns -1 to restart (with *nextp set), else vmrun's exit status.
 */
static int
decide(struct vmrun_sup *su, const struct vmrun_vm *vm, const char **nextp,
    const char **reason)
{
	struct vmrun_event ev;
	struct outcome oc;
	double now, *v;
	bool quote;
	int rc;

	memset(&oc, 0, sizeof(oc));
	oc.oc_restart = su->su_restart;
	oc.oc_exit = su->su_child.c_exit;
	oc.oc_sig = su->su_child.c_sig;
	oc.oc_stop = su->su_stop;
	oc.oc_signalled = su->su_signalled;
	oc.oc_reboot_on = su->su_opts->op_reboot_on_set ?
	    su->su_opts->op_reboot_on : vm->vm_reboot_on;
	oc.oc_no_reboot = su->su_opts->op_no_reboot;
	oc.oc_max_reboots = su->su_opts->op_reboot_count >= 0 ?
	    su->su_opts->op_reboot_count : vm->vm_max_reboots;
	oc.oc_reboots = su->su_reboots;

	sup_event_init(&ev, VMRUN_EV_EXIT);
	ev.ev_target = vm->vm_target;
	ev.ev_run = su->su_run;
	ev.ev_status = oc.oc_exit;
	ev.ev_signal = oc.oc_sig;
	ev.ev_meaning = policy_meaning(&oc);
	su->su_exited = true;
	su->su_last_exit = oc.oc_exit;
	su->su_last_sig = oc.oc_sig;
	su->su_last_meaning = ev.ev_meaning;
	sup_event(su, &ev);

	rc = policy_decide(&oc, reason, &quote);
	now = mono_now();
	su->su_nrestarts = policy_restarts_keep(su->su_restarts,
	    su->su_nrestarts, now, vm->vm_rl_count, vm->vm_rl_seconds);
	if (rc < 0 && !oc.oc_restart && !policy_restart_ok(su->su_restarts,
	    su->su_nrestarts, now, vm->vm_rl_count, vm->vm_rl_seconds)) {
		*reason = "restart-limit";
		rc = 76;
	}
	if (quote)
		bhyve_failure(su, &oc, rc < 0);
	if (rc == 76)
		diag_add(su->su_diags, VMRUN_ERROR, "restart-limit", "", NULL,
		    "restart limit exceeded: more than %lld restarts within "
		    "%lld seconds (restart_limit); bhyve last exited with "
		    "status %d", vm->vm_rl_count, vm->vm_rl_seconds,
		    oc.oc_exit);
	if (rc >= 0)
		return (rc);
	if (!oc.oc_restart) {		/* asked for: no crash-loop guard */
		/*
		 * Room by doubling: the times kept come and go with the
		 * pace of restarts, and a realloc at each would move the
		 * array about the heap.
		 */
		v = su->su_restarts;
		if (su->su_nrestarts == su->su_restarts_cap &&
		    (v = xrealloc(v, 2 * (su->su_restarts_cap + 4) *
		    sizeof(*v))) != NULL) {
			su->su_restarts = v;
			su->su_restarts_cap = 2 * (su->su_restarts_cap + 4);
		}
		if (su->su_nrestarts < su->su_restarts_cap)
			su->su_restarts[su->su_nrestarts++] = now;
	}
	/* The backoff: after a run that was not a guest reboot, doubling. */
	su->su_delay = 0;
	if (oc.oc_restart || oc.oc_exit == 0)
		su->su_nfailed = 0;
	else if ((su->su_delay = policy_backoff(vm->vm_rl_backoff,
	    su->su_nfailed)) > 0 && su->su_nfailed < 64)
		su->su_nfailed++;
	*nextp = next_target(su, vm, oc.oc_restart ? su->su_restart_to :
	    NULL);
	return (-1);
}

/* The VM node left by an earlier run (design §7.1 step 3): 0 or 75. */
static int
stale(struct vmrun_sup *su, const struct vmrun_vm *vm)
{
	int rc;

	if ((rc = stale_vm(su, vm, su->su_diags)) != 1)
		return (rc);
	destroy(su);
	if (vm_node_exists(su, su->su_name)) {
		diag_add(su->su_diags, VMRUN_ERROR, "vm-exists", "", NULL,
		    "VM %s could not be destroyed", su->su_name);
		return (75);
	}
	return (0);
}

/* The backoff before a restart has passed, or a stop cut it short. */
static bool
backoff_over(struct vmrun_sup *su, void *arg)
{
	(void)arg;
	return (su->su_backoff_end == 0 || stop_pending(su));
}

/* One run: steps 2 to 8 of design §7.1.  Returns -1 to go on. */
static int
one_run(struct vmrun_sup *su, const struct vmrun_vm *vm, const char **nextp,
    const char **reason)
{
	int rc;

	su->su_state = SS_STARTING;
	su->su_vm = vm;
	if (stop_pending(su)) {
		control_requests(su);
		*reason = "stopped";
		return (1);
	}
	*reason = "start-failed";
	/* design §7.1 step 2: the host checks, again before every start. */
	if (su->su_opts->op_checks >= 0 && vmrun_vm_check(vm, su->su_opts,
	    (unsigned)su->su_opts->op_checks, su->su_diags) > 0)
		return (69);
	if ((rc = stale(su, vm)) != 0 ||
	    (rc = console_sockets(su, vm, true, su->su_diags,
	    cleanup_event)) != 0 ||
	    (rc = varfile_copy(su, vm, su->su_diags)) != 0)
		return (rc);
	if ((rc = console_open(su, vm, su->su_diags)) != 0)
		return (rc);
	if ((rc = pidfile_prepare(su, su->su_diags)) != 0) {
		pidfile_drop(su);
		return (rc);
	}
	if ((rc = run_loader(su, vm, reason)) != 0) {
		after_exit(su, vm);
		return (rc);
	}
	if (stop_pending(su)) {
		control_requests(su);
		after_exit(su, vm);
		*reason = "stopped";
		return (1);
	}
	*reason = "start-failed";
	if ((rc = start_bhyve(su, vm)) != 0) {
		after_exit(su, vm);
		return (rc);
	}
	su->su_state = SS_RUNNING;
	loop_until(su, main_ended, NULL);
	rc = decide(su, vm, nextp, reason);
	su->su_state = rc < 0 ? SS_RESTARTING : SS_STOPPING;
	after_exit(su, vm);
	return (rc);
}

/*
 * A child's end must reach our wait: SIGCHLD ignored (or SA_NOCLDWAIT)
 * would have the kernel reap it, and a power-off would read as status 0
 * -- a reboot.
 */
static void
sigchld_default(void)
{
	struct sigaction sa;

	if (sigaction(SIGCHLD, NULL, &sa) == 0 &&
	    (sa.sa_handler == SIG_IGN || (sa.sa_flags & SA_NOCLDWAIT))) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		sigemptyset(&sa.sa_mask);
		(void)sigaction(SIGCHLD, &sa, NULL);
	}
}

/*
 * The lock, taken before vmrun_sup_run, for a caller that makes what
 * only a supervisor holding it may make (vmrun's --events file): 0, or
 * 71 or 75 as vmrun_sup_run would end with, explained in ds.
 */
int
vmrun_sup_lock(struct vmrun_sup *su, struct vmrun_diags *ds)
{
	if (su == NULL)
		return (70);
	if (su->su_lock != NULL)
		return (0);
	return (lock_take(su, ds));
}

int
vmrun_sup_run(struct vmrun_sup *su, struct vmrun_diags *ds)
{
	struct vmrun_event ev;
	const struct vmrun_vm *vm;
	const char *target, *next, *reason;
	int rc;

	if (su == NULL)
		return (70);
	/*
	 * Once only: the lock, the pid files, the counters and the stop
	 * requests are this run's, and its end released them.
	 */
	if (su->su_used) {
		diag_add(ds, VMRUN_ERROR, "already-run", "", NULL,
		    "this supervisor has run already; make a new one");
		return (70);
	}
	su->su_used = true;
	su->su_diags = ds;
	su->su_started_ms = event_now_ms();
	sigchld_default();
	if ((rc = vmrun_sup_lock(su, ds)) != 0)
		return (rc);
	if ((rc = ctlsrv_open(su, ds)) != 0) {
		lock_release(su);
		return (rc);
	}
	/* What the hook leaves running comes back to us, to end. */
	(void)plat_subreaper();
	target = su->su_target;
	for (;;) {
		if (vmrun_config_resolve(su->su_cf, target, &vm) != VMRUN_OK) {
			diag_add(ds, VMRUN_ERROR, "unknown-target", "", NULL,
			    "no target named \"%s\"", target);
			rc = 70;
			reason = "start-failed";
			break;
		}
		reload_settle(su);	/* no run uses a replaced config now */
		su->su_run++;
		next = NULL;
		if ((rc = one_run(su, vm, &next, &reason)) >= 0)
			break;
		su->su_reboots++;
		sup_event_init(&ev, VMRUN_EV_RESTART);
		ev.ev_from = vm->vm_target;
		ev.ev_to = next;
		ev.ev_reboots = (int)su->su_reboots;
		ev.ev_delay = su->su_delay;
		sup_event(su, &ev);
		target = next;
		if (su->su_delay > 0) {
			/* A timer in the loop: a stop ends the wait at once. */
			su->su_backoff_end = mono_now() + su->su_delay;
			loop_until(su, backoff_over, NULL);
			su->su_backoff_end = 0;
		}
	}
	sup_event_init(&ev, VMRUN_EV_END);
	ev.ev_exit_status = rc;
	ev.ev_reason = reason;
	sup_event(su, &ev);
	su->su_state = SS_STOPPING;
	ctlsrv_close(su);
	console_close(su);
	lock_release(su);
	return (rc);
}

/*
 * supervise: run bhyve, restart it on the statuses configured, stop it
 * gracefully then forcefully, and clean up after it (design §7).
 *
 * Signal handlers only record (vmrun_sup_signal, supnew.c) and wake the
 * loop through a self-pipe; vmrun_sup_dispatch acts on what the supervisor's
 * one descriptor reported (loop.c), then takes the steps of the runs
 * that what happened allows, and returns without waiting.  This file is
 * the order of things in a run, as steps (enum sup_step) each waiting
 * for one thing; control.c and policy.c say what to do when.
 */

#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmrun_impl.h"
#include "supervise.h"
#include "platform.h"

/* The hook's processes have ended, every bhyvectl and the sidecar. */
static bool
quiet(const struct vmrun_sup *su)
{
	return (su->su_hook_end == HE_NONE && ctl_idle(su) &&
	    !su->su_tpm.sc_c.c_running);
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

static void	sup_after(struct vmrun_sup *, int);
static void	sup_bhyve(struct vmrun_sup *);
static void	sup_prepare(struct vmrun_sup *);

/* bhyvectl --destroy, reported as a cleanup event once it is over. */
static void
destroy_begin(struct vmrun_sup *su, enum sup_step step)
{
	su->su_wait_ct = ctl_start(su, "--destroy", true);
	su->su_step = step;
}

static void
destroy_end(struct vmrun_sup *su)
{
	char path[PATH_MAX];
	struct ctl *ct;
	bool ok;

	ok = false;
	if ((ct = su->su_wait_ct) != NULL) {
		ok = ct->ct_c.c_exit == 0;
		ct->ct_held = false;
		su->su_wait_ct = NULL;
	}
	ok = ok && !vm_node_exists(su, su->su_name);
	su->su_destroy_failed = !ok;
	cleanup_event(su, vm_node_path(su, su->su_name, path, sizeof(path)),
	    "destroy", ok);
}

/*
 * vmrun ends with status rc (design §8.1): the end event, and what it
 * held goes.  Every child it started has been reaped by now.
 */
static void
sup_end(struct vmrun_sup *su, int rc)
{
	struct vmrun_event ev;

	res_undo(su, RL_VM, true);
	sup_event_init(&ev, VMRUN_EV_END);
	ev.ev_exit_status = rc;
	ev.ev_reason = su->su_reason;
	sup_event(su, &ev);
	su->su_state = SS_STOPPING;
	ctlsrv_close(su);
	console_close(su);
	lock_release(su);
	su->su_exit = rc;
	su->su_step = STEP_ENDED;
}

/*
 * A run is over with rc: vmrun ends (rc >= 0), or the guest restarts
 * with the target decide chose.
 */
static void
sup_over(struct vmrun_sup *su, int rc)
{
	struct vmrun_event ev;

	if (rc >= 0) {
		sup_end(su, rc);
		return;
	}
	su->su_reboots++;
	sup_event_init(&ev, VMRUN_EV_RESTART);
	ev.ev_from = su->su_vm->vm_target;
	ev.ev_to = su->su_then;
	ev.ev_reboots = (int)su->su_reboots;
	ev.ev_delay = su->su_delay;
	sup_event(su, &ev);
	su->su_cur = su->su_then;
	su->su_step = STEP_RUN;
	if (su->su_delay > 0) {
		/* A timer on the descriptor: a stop ends the wait at once. */
		su->su_backoff_end = mono_now() + su->su_delay;
		su->su_step = STEP_BACKOFF;
	}
}

/* The backoff before a restart has passed, or a stop cut it short. */
static void
backoff_end(struct vmrun_sup *su)
{
	su->su_backoff_end = 0;
	su->su_step = STEP_RUN;
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

/* The loader event; ended: with how it ended.  Frees argv. */
static void
loader_event(struct vmrun_sup *su, char **argv, bool ended)
{
	struct vmrun_event ev;

	sup_event_init(&ev, VMRUN_EV_LOADER);
	ev.ev_target = su->su_vm->vm_target;
	ev.ev_run = su->su_run;
	ev.ev_argv = (const char *const *)argv;
	if (ended) {
		ev.ev_pid = (long)su->su_child.c_pid;
		ev.ev_status = su->su_child.c_exit;
		ev.ev_signal = su->su_child.c_sig;
	}
	sup_event(su, &ev);
	vmrun_argv_free(argv);
}

/* After the loader (or none): bhyve, or what follows a run that failed. */
static void
loader_over(struct vmrun_sup *su, int rc)
{
	if (rc != 0)
		sup_after(su, rc);
	else
		sup_bhyve(su);
}

/* The loader (design §7.1 step 5) starts, or bhyve when there is none. */
static void
loader_begin(struct vmrun_sup *su)
{
	char **argv;
	int rc;

	phase_reset(su);
	if ((rc = launch_loader(su, su->su_vm, &argv)) != 0)
		su->su_reason = "loader-failed";
	if (argv != NULL && rc == 0) {
		su->su_loader_argv = argv;
		su->su_step = STEP_LOADER;
		return;
	}
	if (argv != NULL)	/* it could not be executed */
		loader_event(su, argv, false);
	loader_over(su, rc);
}

/* The loader has ended. */
static void
loader_end(struct vmrun_sup *su)
{
	char **argv;
	int rc;

	argv = su->su_loader_argv;
	su->su_loader_argv = NULL;
	rc = 0;
	if (su->su_stop) {
		su->su_reason = "stopped";
		rc = 1;
	} else if (su->su_child.c_exit != 0) {
		loader_failure(su, argv[0]);
		su->su_reason = "loader-failed";
		rc = 4;
	}
	loader_event(su, argv, true);
	loader_over(su, rc);
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
	else if (oc->oc_sidecar && oc->oc_exit == 1) {
		quote_failure(su, VMRUN_ERROR, "sidecar-failed", "bhyve",
		    "exited with status 1 after swtpm, its TPM, had ended "
		    "(reported as 4, an error, not a power-off)");
		return;
	} else if (oc->oc_exit > 4)
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
	oc.oc_sidecar = su->su_tpm.sc_failed;

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

/* bhyve starts, unless a stop came first. */
static void
sup_bhyve(struct vmrun_sup *su)
{
	int rc;

	if (stop_pending(su)) {
		control_requests(su);
		su->su_reason = "stopped";
		sup_after(su, 1);
		return;
	}
	su->su_reason = "start-failed";
	/* swtpm first, on the socket bhyve then connects to: no wait. */
	if ((rc = sidecar_start(su, su->su_vm)) != 0 ||
	    (rc = start_bhyve(su, su->su_vm)) != 0) {
		sup_after(su, rc);
		return;
	}
	su->su_state = SS_RUNNING;
	su->su_step = STEP_BHYVE;
}

/* bhyve has ended: the decision, then what follows every run. */
static void
bhyve_end(struct vmrun_sup *su)
{
	const char *next;
	int rc;

	next = NULL;
	rc = decide(su, su->su_vm, &next, &su->su_reason);
	su->su_then = next;
	su->su_state = rc < 0 ? SS_RESTARTING : SS_STOPPING;
	sup_after(su, rc);
}

/*
 * After every run (design §7.1 step 8), bhyve started or not: the hook's
 * processes and the sidecar end and every bhyvectl is over, then the sockets, the VM and
 * the pid file go.
 */
static void
sup_after(struct vmrun_sup *su, int rc)
{
	su->su_exit = rc;
	hook_end_begin(su);
	sidecar_stop(su);
	su->su_step = STEP_QUIET;
}

/* The run resources of the boot (bhyve's pid file...) go first. */
static void
after_quiet(struct vmrun_sup *su)
{
	res_undo(su, RL_BOOT, true);
	(void)console_sockets(su, su->su_vm, false, su->su_diags,
	    cleanup_event);
	if (vm_node_exists(su, su->su_name)) {
		destroy_begin(su, STEP_DESTROY);
		return;
	}
	sup_over(su, su->su_exit);
}

static void
after_destroy(struct vmrun_sup *su)
{
	destroy_end(su);
	sup_over(su, su->su_exit);
}

/* A run begins: steps 2 and 3 of design §7.1. */
static void
run_begin(struct vmrun_sup *su)
{
	const struct vmrun_vm *vm;
	int rc;

	if (vmrun_config_resolve(su->su_cf, su->su_cur, &vm) != VMRUN_OK) {
		diag_add(su->su_diags, VMRUN_ERROR, "unknown-target", "",
		    NULL, "no target named \"%s\"", su->su_cur);
		su->su_reason = "start-failed";
		sup_end(su, 70);
		return;
	}
	reload_settle(su);	/* no run uses a replaced config now */
	su->su_run++;
	su->su_then = NULL;
	su->su_state = SS_STARTING;
	su->su_vm = vm;
	if (stop_pending(su)) {
		control_requests(su);
		su->su_reason = "stopped";
		sup_end(su, 1);
		return;
	}
	su->su_reason = "start-failed";
	/* design §7.1 step 2: the host checks, again before every start. */
	if (su->su_opts->op_checks >= 0 && vmrun_vm_check(vm, su->su_opts,
	    (unsigned)su->su_opts->op_checks | VMRUN_CHECK_BHYVE |
	    CHECK_ATSTART, su->su_diags) > 0) {
		sup_end(su, 69);
		return;
	}
	/* The VM node left by an earlier run (step 3). */
	if ((rc = stale_vm(su, vm, su->su_diags)) == 1) {
		destroy_begin(su, STEP_STALE);
		return;
	}
	if (rc != 0)
		sup_end(su, rc);
	else
		sup_prepare(su);
}

/* The stale VM's destroy is over: 0, or 75 when it is still there. */
static void
stale_end(struct vmrun_sup *su)
{
	destroy_end(su);
	if (vm_node_exists(su, su->su_name)) {
		diag_add(su->su_diags, VMRUN_ERROR, "vm-exists", "", NULL,
		    "VM %s could not be destroyed", su->su_name);
		sup_end(su, 75);
		return;
	}
	sup_prepare(su);
}

/* bhyve's pid file, made by pidfile_prepare: removed after the boot. */
static bool
undo_pidfile(struct vmrun_sup *su, void *arg)
{
	(void)arg;
	return (pidfile_drop(su));
}

/* Record bhyve's pid file as a run resource of the boot: 0 or 70. */
static int
pidfile_record(struct vmrun_sup *su)
{
	if (su->su_pidfd < 0 || res_find(su, &su->su_pidfd) != NULL)
		return (0);
	return (res_add(su, RL_BOOT, su->su_opts->op_pidfile, "remove",
	    undo_pidfile, &su->su_pidfd, NULL) == 0 ? 0 : 70);
}

/*
 * Taps, sockets, varfile, disks to create, console and pid file, the
 * cloud-init seed, then the loader (step 4).
 */
static void
sup_prepare(struct vmrun_sup *su)
{
	const struct vmrun_vm *vm;
	int rc;

	vm = su->su_vm;
	if ((rc = taps_setup(su, vm, su->su_diags)) != 0 ||
	    (rc = console_sockets(su, vm, true, su->su_diags,
	    cleanup_event)) != 0 ||
	    (rc = varfile_copy(su, vm, su->su_diags)) != 0 ||
	    (rc = disks_create(vm, su->su_diags)) != 0 ||
	    (rc = console_open(su, vm, su->su_diags)) != 0) {
		sup_end(su, rc);
		return;
	}
	if ((rc = pidfile_prepare(su, su->su_diags)) != 0 ||
	    (rc = pidfile_record(su)) != 0) {
		(void)pidfile_drop(su);
		sup_end(su, rc);
		return;
	}
	/* The cloud-init seed, made current before the loader (§12.6). */
	if ((rc = seed_begin(su, vm)) == 1) {
		phase_reset(su);
		su->su_step = STEP_SEED;
		return;
	}
	if (rc != 0)
		sup_after(su, rc);
	else
		loader_begin(su);
}

/* makefs has ended: the loader, or the end of a run that failed. */
static void
seed_done(struct vmrun_sup *su)
{
	int rc;

	rc = seed_end(su, su->su_vm);
	if (su->su_stop) {
		su->su_reason = "stopped";
		rc = 1;
	}
	if (rc != 0)
		sup_after(su, rc);
	else
		loader_begin(su);
}

/*
 * The steps: what each waits for (NULL: nothing), and what is done once
 * it has happened.
 */
struct step {
	bool		(*sp_waits)(struct vmrun_sup *);
	void		(*sp_next)(struct vmrun_sup *);
};

static bool
child_runs(struct vmrun_sup *su)
{
	return (su->su_child.c_running);
}

static bool
ctl_runs(struct vmrun_sup *su)
{
	return (su->su_wait_ct != NULL && su->su_wait_ct->ct_c.c_running);
}

static bool
not_quiet(struct vmrun_sup *su)
{
	return (!quiet(su));
}

static bool
backoff_runs(struct vmrun_sup *su)
{
	return (su->su_backoff_end != 0 && !stop_pending(su));
}

static const struct step steps[] = {
	[STEP_NONE] =		{ NULL, NULL },
	[STEP_RUN] =		{ NULL, run_begin },
	[STEP_STALE] =		{ ctl_runs, stale_end },
	[STEP_SEED] =		{ child_runs, seed_done },
	[STEP_LOADER] =		{ child_runs, loader_end },
	[STEP_BHYVE] =		{ child_runs, bhyve_end },
	[STEP_QUIET] =		{ not_quiet, after_quiet },
	[STEP_DESTROY] =	{ ctl_runs, after_destroy },
	[STEP_BACKOFF] =	{ backoff_runs, backoff_end },
	[STEP_ENDED] =		{ NULL, NULL }
};

/*
 * Act on what happened, then take every step that needs no more waiting:
 * -1 while the VM is supervised, else vmrun's exit status.  The
 * multiplexer is armed again for what may happen next.
 */
int
sup_dispatch(struct vmrun_sup *su)
{
	const struct step *sp;

	if (su->su_step == STEP_ENDED)
		return (su->su_exit);
	loop_serve(su);
	for (;;) {
		control_requests(su);
		if (control_deadline(su) > 0)
			control_timers(su, mono_now());
		hook_end_check(su);
		sp = &steps[su->su_step];
		if (sp->sp_next == NULL)
			break;
		if (sp->sp_waits != NULL && sp->sp_waits(su))
			break;
		sp->sp_next(su);
	}
	if (su->su_step == STEP_ENDED)
		return (su->su_exit);
	loop_arm(su);
	return (-1);
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

/*
 * Begin supervising: the lock, the control socket, the first run.
 * Returns 0, or vmrun's exit status when it could not begin (the
 * supervisor has then ended with it).
 */
int
sup_begin(struct vmrun_sup *su, struct vmrun_diags *ds)
{
	int rc;

	su->su_used = true;
	su->su_diags = ds;
	su->su_started_ms = event_now_ms();
	sigchld_default();
	if ((rc = vmrun_sup_lock(su, ds)) != 0 ||
	    (rc = ctlsrv_open(su, ds)) != 0) {
		lock_release(su);
		su->su_exit = rc;
		su->su_step = STEP_ENDED;
		return (rc);
	}
	/* What the hook leaves running comes back to us, to end. */
	(void)plat_subreaper();
	su->su_cur = su->su_target;
	su->su_step = STEP_RUN;
	return (0);
}

int
vmrun_sup_run(struct vmrun_sup *su, struct vmrun_diags *ds)
{
	struct pollfd pfd;
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
	if ((rc = sup_begin(su, ds)) != 0)
		return (rc);
	pfd.fd = plat_mux_fd(su->su_mux);
	pfd.events = POLLIN;
	while ((rc = sup_dispatch(su)) < 0)
		(void)poll(&pfd, 1, -1);
	return (rc);
}

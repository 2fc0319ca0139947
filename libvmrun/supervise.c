/*
 * supervise: run bhyve, restart it on the statuses configured, stop it
 * gracefully then forcefully, and clean up after it (design §7).
 *
 * Signal handlers only record (vmrun_sup_signal) and wake the loop
 * through a self-pipe; the loop acts.  Children are reaped with waitpid
 * and WNOHANG on a short tick, so no SIGCHLD handler is needed and the
 * library installs no handler of its own.  Every wait has a bound.
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

/* design §7.2: what each bhyve exit status means. */
static const char *const meanings[] = {
	"reboot", "poweroff", "halt", "triple-fault", "error"
};

const char *
sup_prog(const struct vmrun_sup *su, enum vmrun_program p)
{
	static const char *const defs[] = { DEFAULT_BHYVE, DEFAULT_BHYVECTL,
	    DEFAULT_BHYVELOAD };

	return (su->su_opts->op_prog[p] != NULL ? su->su_opts->op_prog[p] :
	    defs[p]);
}

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
	lock_release(su);
	pidfile_drop(su);
	if (su->su_wake[0] >= 0)
		close(su->su_wake[0]);
	if (su->su_wake[1] >= 0)
		close(su->su_wake[1]);
	vmrun_opts_free(su->su_opts);
	xfree(su->su_target);
	xfree(su->su_restarts);
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

/* Async-signal-safe: count, remember, wake the loop. */
void
vmrun_sup_signal(struct vmrun_sup *su, int signo)
{
	int e;

	if (su == NULL)
		return;
	e = errno;
	switch (signo) {
	case SIGTERM:
	case SIGINT:
	case SIGHUP:
	case SIGQUIT:	/* would otherwise end vmrun and leave bhyve */
	case SIGUSR2:
	case SIGALRM:
		su->su_lastsig = signo;
		su->su_nstop++;
		break;
	case SIGUSR1:
		su->su_nreset++;
		break;
	default:
		return;
	}
	if (su->su_wake[1] >= 0 && write(su->su_wake[1], "", 1) < 0) {
		/* Full pipe: the loop is awake already. */
	}
	errno = e;
}

void
sup_event(struct vmrun_sup *su, struct vmrun_event *ev)
{
	static const char *const names[] = { "loader", "start", "hook",
	    "exit", "restart", "stop-requested", "escalate", "cleanup",
	    "end" };

	ev->ev_name = names[ev->ev_type];
	ev->ev_time_ms = event_now_ms();
	ev->ev_vm = su->su_name;
	if (su->su_cb != NULL)
		su->su_cb(ev, su->su_cbarg);
}

void
sup_event_init(struct vmrun_event *ev, enum vmrun_event_type t)
{
	memset(ev, 0, sizeof(*ev));
	ev->ev_type = t;
	ev->ev_pid = -1;
	ev->ev_status = -1;
}

/* After every exit (design §7.1 step 8). */
static void
after_exit(struct vmrun_sup *su, const struct vmrun_vm *vm)
{
	hook_end(su);
	(void)console_sockets(su, vm, false, su->su_diags);
	if (vm_node_exists(su, su->su_name))
		vm_destroy(su, su->su_name);
	pidfile_drop(su);
}

/* Is a restart now within the crash-loop limit?  Records it if so. */
static bool
restart_allowed(struct vmrun_sup *su, const struct vmrun_vm *vm)
{
	double now, *v;
	size_t i, n;

	now = mono_now();
	for (i = n = 0; i < su->su_nrestarts; i++)
		if (now - su->su_restarts[i] < (double)vm->vm_rl_seconds)
			n++;
	if ((long long)n >= vm->vm_rl_count)
		return (false);
	v = xrealloc(su->su_restarts, (su->su_nrestarts + 1) * sizeof(*v));
	if (v != NULL) {
		su->su_restarts = v;
		su->su_restarts[su->su_nrestarts++] = now;
	}
	return (true);
}

/*
 * After bhyve's exit: the exit event, then the decision (design §7.2).
 * Returns -1 to restart (with *nextp set), else vmrun's exit status.
 */
static int
decide(struct vmrun_sup *su, const struct vmrun_vm *vm, const char **nextp,
    const char **reason)
{
	struct vmrun_event ev;
	const bool *ron;
	long long max;
	char what[96];
	int st, sig, mapped;

	sup_event_init(&ev, VMRUN_EV_EXIT);
	ev.ev_target = vm->vm_target;
	ev.ev_run = su->su_run;
	st = su->su_child.c_status;
	if (WIFSIGNALED(st)) {
		sig = WTERMSIG(st);
		ev.ev_signal = sig;
		ev.ev_meaning = "signal";
		sup_event(su, &ev);
		if (su->su_stop || su->su_signalled) {
			*reason = "stopped";
			return (1);
		}
		snprintf(what, sizeof(what), "was killed by %s",
		    event_signame(sig) != NULL ? event_signame(sig) : "a signal");
		quote_failure(su, "bhyve-failed", "bhyve", what);
		*reason = "signal";
		return (128 + sig);
	}
	st = WEXITSTATUS(st);
	ev.ev_status = st;
	ev.ev_meaning = st <= 4 ? meanings[st] : "unknown";
	sup_event(su, &ev);
	mapped = st <= 4 ? st : 4;
	if (st == 4 || st > 4) {
		if (st > 4)
			snprintf(what, sizeof(what), "exited with status %d "
			    "(unexpected; reported as 4)", st);
		else
			snprintf(what, sizeof(what), "exited with status 4 "
			    "(error)");
		if (!su->su_stop)
			quote_failure(su, "bhyve-failed", "bhyve", what);
	}
	if (su->su_stop) {
		*reason = "stopped";
		return (mapped);
	}
	ron = su->su_opts->op_reboot_on_set ? su->su_opts->op_reboot_on :
	    vm->vm_reboot_on;
	if (!ron[st]) {
		*reason = st <= 4 && st > 0 ? meanings[st] : "error";
		if (st == 0)
			*reason = "no-reboot";
		return (mapped);
	}
	max = su->su_opts->op_reboot_count >= 0 ?
	    su->su_opts->op_reboot_count : vm->vm_max_reboots;
	if (su->su_opts->op_no_reboot) {
		*reason = "no-reboot";
		return (mapped);
	}
	if (max >= 0 && su->su_reboots >= max) {
		*reason = "reboot-limit";
		return (mapped);
	}
	if (!restart_allowed(su, vm)) {
		diag_add(su->su_diags, VMRUN_ERROR, "restart-limit", "", NULL,
		    "restart limit exceeded: more than %lld restarts within "
		    "%lld seconds (restart_limit); bhyve last exited with "
		    "status %d", vm->vm_rl_count, vm->vm_rl_seconds, st);
		*reason = "restart-limit";
		return (76);
	}
	*nextp = vm->vm_next_target != NULL ? vm->vm_next_target :
	    vm->vm_target;
	return (-1);
}

/* One run: steps 2 to 8 of design §7.1.  Returns -1 to go on. */
static int
one_run(struct vmrun_sup *su, const struct vmrun_vm *vm, const char **nextp,
    const char **reason)
{
	int rc;

	if (stop_pending(su)) {
		handle_requests(su, false);
		*reason = "stopped";
		return (1);
	}
	*reason = "start-failed";
	/* design §7.1 step 2: the host checks, again before every start. */
	if (su->su_opts->op_checks >= 0 && vmrun_vm_check(vm, su->su_opts,
	    (unsigned)su->su_opts->op_checks, su->su_diags) > 0)
		return (69);
	if ((rc = stale_vm(su, vm, su->su_diags)) != 0 ||
	    (rc = console_sockets(su, vm, true, su->su_diags)) != 0 ||
	    (rc = varfile_copy(su, vm, su->su_diags)) != 0)
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
		handle_requests(su, false);
		after_exit(su, vm);
		*reason = "stopped";
		return (1);
	}
	*reason = "start-failed";
	if ((rc = start_bhyve(su, vm)) != 0) {
		after_exit(su, vm);
		return (rc);
	}
	hook_start(su, vm);
	wait_child(su, true);
	rc = decide(su, vm, nextp, reason);
	after_exit(su, vm);
	return (rc);
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
	su->su_diags = ds;
	if ((rc = lock_take(su, ds)) != 0)
		return (rc);
	target = su->su_target;
	for (;;) {
		if (vmrun_config_resolve(su->su_cf, target, &vm) != VMRUN_OK) {
			diag_add(ds, VMRUN_ERROR, "unknown-target", "", NULL,
			    "no target named \"%s\"", target);
			rc = 70;
			reason = "start-failed";
			break;
		}
		su->su_run++;
		next = NULL;
		if ((rc = one_run(su, vm, &next, &reason)) >= 0)
			break;
		su->su_reboots++;
		sup_event_init(&ev, VMRUN_EV_RESTART);
		ev.ev_from = vm->vm_target;
		ev.ev_to = next;
		ev.ev_reboots = (int)su->su_reboots;
		sup_event(su, &ev);
		target = next;
	}
	sup_event_init(&ev, VMRUN_EV_END);
	ev.ev_exit_status = rc;
	ev.ev_reason = reason;
	sup_event(su, &ev);
	lock_release(su);
	return (rc);
}

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

#define DEFAULT_BHYVE		"/usr/sbin/bhyve"
#define DEFAULT_BHYVECTL	"/usr/sbin/bhyvectl"
#define DEFAULT_BHYVELOAD	"/usr/sbin/bhyveload"
#define KILL_GRACE	10.0	/* design §7.3: SIGKILL 10 s after power-off */
#define HOOK_GRACE	5.0	/* design §7.1: hook SIGKILL after 5 s */
#define CTL_TIMEOUT	30.0	/* bhyvectl gets this long, then SIGKILL */
#define TICK_MS		100

/* design §7.2: what each bhyve exit status means. */
static const char *const meanings[] = {
	"reboot", "poweroff", "halt", "triple-fault", "error"
};

static const char *
prog(const struct vmrun_sup *su, enum vmrun_program p)
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
	struct vmrun_opts *c;
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
	if ((su->su_opts = c = vmrun_opts_new()) == NULL ||
	    (su->su_target = xstrdup(target != NULL ? target : "default")) ==
	    NULL)
		goto nomem;
	if (o != NULL) {
		for (i = 0; i < 3; i++)
			if (vmrun_opts_set_program(c, (enum vmrun_program)i,
			    o->op_prog[i]) != VMRUN_OK)
				goto nomem;
		if (vmrun_opts_set_vmm_dir(c, o->op_vmm_dir) != VMRUN_OK ||
		    vmrun_opts_set_pidfile(c, o->op_pidfile) != VMRUN_OK ||
		    vmrun_opts_set_lockfile(c, o->op_lockfile) != VMRUN_OK ||
		    vmrun_opts_set_extra_args(c,
		    (const char *const *)o->op_extra) != VMRUN_OK)
			goto nomem;
		c->op_errfd = o->op_errfd;
		c->op_logfd = o->op_logfd;
		c->op_stop_timeout = o->op_stop_timeout;
		memcpy(c->op_reboot_on, o->op_reboot_on,
		    sizeof(c->op_reboot_on));
		c->op_reboot_on_set = o->op_reboot_on_set;
		c->op_reboot_count = o->op_reboot_count;
		c->op_no_reboot = o->op_no_reboot;
		c->op_force = o->op_force;
		c->op_checks = o->op_checks;
	}
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

static void
event_init(struct vmrun_event *ev, enum vmrun_event_type t)
{
	memset(ev, 0, sizeof(*ev));
	ev->ev_type = t;
	ev->ev_pid = -1;
	ev->ev_status = -1;
}

/*
 * Run bhyvectl ACTION --vm=NAME and wait for it (bounded).  Returns its
 * exit status, or -1 when it could not run or was killed.
 */
int
sup_ctl(struct vmrun_sup *su, const char *action, const char *name)
{
	struct child c;
	char *argv[4], vmarg[300];
	double deadline;

	snprintf(vmarg, sizeof(vmarg), "--vm=%s", name);
	argv[0] = (char *)(uintptr_t)prog(su, VMRUN_PROG_BHYVECTL);
	argv[1] = (char *)(uintptr_t)action;
	argv[2] = vmarg;
	argv[3] = NULL;
	if (spawn(&c, argv, SP_NULLSTDIN | SP_STDOUT_ERR | SP_PIPEERR,
	    su->su_opts->op_errfd) != 0 || c.c_exec_errno != 0) {
		diag_add(su->su_diags, VMRUN_WARNING, "bhyvectl-failed", "",
		    NULL, "cannot run %s: %s", argv[0],
		    strerror(c.c_exec_errno != 0 ? c.c_exec_errno : errno));
		return (-1);
	}
	deadline = mono_now() + CTL_TIMEOUT;
	while (!child_reap(&c)) {
		child_pump(&c, NULL, su->su_opts->op_errfd,
		    su->su_opts->op_logfd);
		if (mono_now() > deadline) {
			kill(c.c_pid, SIGKILL);
			while (!child_reap(&c))
				usleep(10000);
			break;
		}
		usleep(10000);
	}
	while (!child_pump(&c, NULL, su->su_opts->op_errfd,
	    su->su_opts->op_logfd))
		;
	if (WIFEXITED(c.c_status))
		return (WEXITSTATUS(c.c_status));
	return (-1);
}

static void
escalate(struct vmrun_sup *su, const char *step)
{
	struct vmrun_event ev;

	event_init(&ev, VMRUN_EV_ESCALATE);
	ev.ev_step = step;
	sup_event(su, &ev);
}

/* Forced power-off: bhyvectl, then SIGKILL after KILL_GRACE. */
static void
force_poweroff(struct vmrun_sup *su, bool isbhyve)
{
	su->su_phase = 2;
	su->su_kill_at = mono_now() + KILL_GRACE;
	if (!isbhyve)
		return;
	escalate(su, "force-poweroff");
	if (sup_ctl(su, "--force-poweroff", su->su_name) != 0)
		diag_add(su->su_diags, VMRUN_WARNING, "bhyvectl-failed", "",
		    NULL, "bhyvectl --force-poweroff --vm=%s failed; SIGKILL "
		    "follows in %.0f seconds", su->su_name, KILL_GRACE);
}

static void
kill_child(struct vmrun_sup *su)
{
	su->su_phase = 3;
	escalate(su, "kill");
	su->su_signalled = true;
	kill(su->su_child.c_pid, SIGKILL);
}

/* Act on the signals recorded since the last look (design §7.3). */
static void
handle_requests(struct vmrun_sup *su, bool isbhyve)
{
	struct vmrun_event ev;
	int n;

	n = su->su_nstop;
	while (su->su_stops_seen < n) {
		su->su_stops_seen++;
		event_init(&ev, VMRUN_EV_STOP_REQUESTED);
		ev.ev_signal = su->su_lastsig;
		sup_event(su, &ev);
		if (!su->su_stop) {
			su->su_stop = true;
			if (!su->su_running)
				continue;
			/* SIGTERM is bhyve's ACPI power button (bhyve.md §8.2). */
			su->su_phase = 1;
			su->su_signalled = true;
			su->su_poweroff_at = mono_now() +
			    su->su_opts->op_stop_timeout;
			kill(su->su_child.c_pid, SIGTERM);
		} else if (su->su_running && su->su_phase < 2)
			force_poweroff(su, isbhyve);	/* skip ahead */
		else if (su->su_running && su->su_phase == 2)
			kill_child(su);
	}
	n = su->su_nreset;
	while (su->su_resets_seen < n) {
		su->su_resets_seen++;
		if (su->su_running && isbhyve && !su->su_stop) {
			escalate(su, "force-reset");
			if (sup_ctl(su, "--force-reset", su->su_name) != 0)
				diag_add(su->su_diags, VMRUN_WARNING,
				    "bhyvectl-failed", "", NULL, "bhyvectl "
				    "--force-reset --vm=%s failed; the guest "
				    "was not reset", su->su_name);
		}
	}
}

static void
timers(struct vmrun_sup *su, bool isbhyve)
{
	double now;

	if (!su->su_running)
		return;
	now = mono_now();
	if (su->su_phase == 1 && now >= su->su_poweroff_at)
		force_poweroff(su, isbhyve);
	else if (su->su_phase == 2 && now >= su->su_kill_at)
		kill_child(su);
}

static void
hook_event(struct vmrun_sup *su)
{
	struct vmrun_event ev;

	event_init(&ev, VMRUN_EV_HOOK);
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

static void
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
static void
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

static void
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

/* Wait for the running child (bhyve or the loader), acting on signals. */
static void
wait_child(struct vmrun_sup *su, bool isbhyve)
{
	struct pollfd pfd[2];
	char buf[64];
	double next, now;
	int timeout;

	for (;;) {
		handle_requests(su, isbhyve);
		timers(su, isbhyve);
		child_pump(&su->su_child, &su->su_tail, su->su_opts->op_errfd,
		    su->su_opts->op_logfd);
		if (isbhyve)
			hook_poll(su);
		if (child_reap(&su->su_child))
			break;
		timeout = TICK_MS;
		now = mono_now();
		next = su->su_phase == 1 ? su->su_poweroff_at :
		    su->su_phase == 2 ? su->su_kill_at : 0;
		if (next > 0 && (next - now) * 1000 < timeout)
			timeout = next > now ? (int)((next - now) * 1000) + 1 :
			    0;
		pfd[0].fd = su->su_wake[0];
		pfd[0].events = POLLIN;
		pfd[1].fd = su->su_child.c_errfd;
		pfd[1].events = POLLIN;
		(void)poll(pfd, su->su_child.c_errfd >= 0 ? 2 : 1, timeout);
		while (read(su->su_wake[0], buf, sizeof(buf)) > 0)
			;
	}
	su->su_running = false;
	/* What is left in the pipe; a grandchild may hold it open. */
	while (su->su_child.c_errfd >= 0 && !child_pump(&su->su_child,
	    &su->su_tail, su->su_opts->op_errfd, su->su_opts->op_logfd)) {
		pfd[0].fd = su->su_child.c_errfd;
		pfd[0].events = POLLIN;
		if (poll(pfd, 1, 0) <= 0)
			break;
	}
	if (su->su_child.c_errfd >= 0) {
		close(su->su_child.c_errfd);
		su->su_child.c_errfd = -1;
	}
	tail_flush(&su->su_tail);
}

static bool
stop_pending(struct vmrun_sup *su)
{
	return (su->su_stop || su->su_nstop > su->su_stops_seen);
}

/* "bhyve exited with status 4 (error)" plus the quoted lines. */
static void
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

static bool
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
static int
run_loader(struct vmrun_sup *su, const struct vmrun_vm *vm,
    const char **reason)
{
	struct vmrun_event ev;
	char **argv, what[64];
	enum vmrun_status st;
	unsigned fl;
	int rc;

	if ((st = vmrun_vm_loader_argv(vm, prog(su, VMRUN_PROG_BHYVELOAD),
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
	event_init(&ev, VMRUN_EV_LOADER);
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
static int
start_bhyve(struct vmrun_sup *su, const struct vmrun_vm *vm)
{
	struct vmrun_event ev;
	char **argv;
	enum vmrun_status st;
	unsigned fl;

	st = vmrun_vm_bhyve_argv(vm, prog(su, VMRUN_PROG_BHYVE),
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
	event_init(&ev, VMRUN_EV_START);
	ev.ev_target = vm->vm_target;
	ev.ev_run = su->su_run;
	ev.ev_pid = (long)su->su_child.c_pid;
	ev.ev_argv = (const char *const *)argv;
	sup_event(su, &ev);
	vmrun_argv_free(argv);
	return (0);
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

	event_init(&ev, VMRUN_EV_EXIT);
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
		event_init(&ev, VMRUN_EV_RESTART);
		ev.ev_from = vm->vm_target;
		ev.ev_to = next;
		ev.ev_reboots = (int)su->su_reboots;
		sup_event(su, &ev);
		target = next;
	}
	event_init(&ev, VMRUN_EV_END);
	ev.ev_exit_status = rc;
	ev.ev_reason = reason;
	sup_event(su, &ev);
	lock_release(su);
	return (rc);
}

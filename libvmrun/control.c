/*
 * control: waiting for a child (bhyve or the loader) while acting on the
 * signals recorded by vmrun_sup_signal -- the graceful stop, the stop
 * timer, the forced power-off and SIGKILL, the forced reset (design §7.3)
 * -- and running bhyvectl.
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
	argv[0] = (char *)(uintptr_t)sup_prog(su, VMRUN_PROG_BHYVECTL);
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

	sup_event_init(&ev, VMRUN_EV_ESCALATE);
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
void
handle_requests(struct vmrun_sup *su, bool isbhyve)
{
	struct vmrun_event ev;
	int n;

	n = su->su_nstop;
	while (su->su_stops_seen < n) {
		su->su_stops_seen++;
		sup_event_init(&ev, VMRUN_EV_STOP_REQUESTED);
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

/* Wait for the running child (bhyve or the loader), acting on signals. */
void
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

bool
stop_pending(struct vmrun_sup *su)
{
	return (su->su_stop || su->su_nstop > su->su_stops_seen);
}

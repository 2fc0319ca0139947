/*
 * control: what the supervisor does while it waits -- acts on the
 * signals vmrun_sup_signal recorded (a stop and its escalation, a reset;
 * design §7.3), on deadlines (the stop timer, SIGKILL after a forced
 * power-off, a bhyvectl that hangs), and ends the hook's processes when
 * the VM ends (§7.1 step 6).  Each is a state with a deadline that the
 * loop drives; nothing here waits.
 */

#include <sys/types.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "vmrun_impl.h"
#include "supervise.h"
#include "platform.h"

static void
escalate_event(struct vmrun_sup *su, const char *step)
{
	struct vmrun_event ev;

	sup_event_init(&ev, VMRUN_EV_ESCALATE);
	ev.ev_step = step;
	sup_event(su, &ev);
}

/*
 * Start bhyvectl ACTION.  With hold, the caller waits for its result
 * (ct_c.c_exit once it has ended) and clears ct_held; otherwise a
 * failure is a warning.  NULL only when CTL_MAX runs are going on.
 */
struct ctl *
ctl_start(struct vmrun_sup *su, const char *action, bool hold)
{
	struct ctl *ct;
	size_t i;

	for (i = 0; i < CTL_MAX; i++) {
		ct = &su->su_ctl[i];
		if (!ct->ct_c.c_running && !ct->ct_held)
			break;
	}
	if (i == CTL_MAX) {
		diag_add(su->su_diags, VMRUN_WARNING, "bhyvectl-failed", "",
		    NULL, "bhyvectl %s --vm=%s not run: %d runs of bhyvectl "
		    "are not over yet", action, su->su_name, CTL_MAX);
		return (NULL);
	}
	ct->ct_held = hold;
	if (launch_ctl(su, ct, action) != 0)
		ctl_ended(su, ct);
	return (ct);
}

bool
ctl_idle(const struct vmrun_sup *su)
{
	size_t i;

	for (i = 0; i < CTL_MAX; i++)
		if (su->su_ctl[i].ct_c.c_running)
			return (false);
	return (true);
}

/* A bhyvectl run is over: warn of a failed escalation step. */
void
ctl_ended(struct vmrun_sup *su, struct ctl *ct)
{
	if (ct->ct_held || ct->ct_c.c_exit == 0)
		return;
	if (strcmp(ct->ct_action, "--force-poweroff") == 0)
		diag_add(su->su_diags, VMRUN_WARNING, "bhyvectl-failed", "",
		    NULL, "bhyvectl --force-poweroff --vm=%s failed; SIGKILL "
		    "follows in %.0f seconds", su->su_name, KILL_GRACE);
	else if (strcmp(ct->ct_action, "--force-reset") == 0)
		diag_add(su->su_diags, VMRUN_WARNING, "bhyvectl-failed", "",
		    NULL, "bhyvectl --force-reset --vm=%s failed; the guest "
		    "was not reset", su->su_name);
}

/* Enter a step of the stop (design §7.3) for the running child. */
static void
enter_phase(struct vmrun_sup *su, enum stop_phase ph)
{
	su->su_phase = ph;
	su->su_phase_end = 0;
	switch (ph) {
	case PH_TERM:
		/* SIGTERM is bhyve's ACPI power button (bhyve.md §8.2). */
		su->su_signalled = true;
		su->su_phase_end = mono_now() + su->su_opts->op_stop_timeout;
		child_kill(&su->su_child, SIGTERM);
		break;
	case PH_POWEROFF:
		su->su_phase_end = mono_now() + KILL_GRACE;
		if (!su->su_isbhyve)
			break;		/* a loader has no VM to power off */
		escalate_event(su, "force-poweroff");
		(void)ctl_start(su, "--force-poweroff", false);
		break;
	case PH_KILL:
		escalate_event(su, "kill");
		su->su_signalled = true;
		child_kill(&su->su_child, SIGKILL);
		break;
	case PH_NONE:
		break;
	}
}

bool
bhyve_running(const struct vmrun_sup *su)
{
	return (su->su_child.c_running && su->su_isbhyve);
}

/* A stop was asked for: by signal sig, or on the control socket (0). */
static void
stop_event(struct vmrun_sup *su, int sig)
{
	struct vmrun_event ev;

	sup_event_init(&ev, VMRUN_EV_STOP_REQUESTED);
	ev.ev_signal = sig;
	sup_event(su, &ev);
}

/*
 * A stop request (design §7.3): from signal sig, or from the control
 * socket (sig 0).  The first one presses the power button, or with
 * force powers the VM off at once (a loader is killed); another one
 * skips ahead a step when skip says so, and otherwise leaves the stop
 * to its timer.
 */
void
control_stop(struct vmrun_sup *su, int sig, bool force, bool skip)
{
	enum stop_phase next;

	stop_event(su, sig);
	if (!su->su_child.c_running) {
		su->su_stop = true;
		return;
	}
	if (su->su_phase == PH_KILL)
		return;
	if (force) {
		next = policy_escalate(su->su_phase);
		if (next < PH_POWEROFF)
			next = su->su_isbhyve ? PH_POWEROFF : PH_KILL;
	} else if (su->su_stop && skip)
		next = policy_escalate(su->su_phase);
	else if (su->su_phase == PH_NONE)
		next = PH_TERM;
	else {
		/*
		 * A stop runs already (its timer decides), or a restart's
		 * power button is pressed already.
		 */
		su->su_stop = true;
		return;
	}
	su->su_stop = true;
	enter_phase(su, next);
}

/*
 * bhyvectl ACTION for the running VM (--force-reset, --force-poweroff),
 * as an escalation step; the restart policy then applies to bhyve's
 * exit.  False when no bhyve runs.
 */
bool
control_bhyve(struct vmrun_sup *su, const char *action)
{
	if (!bhyve_running(su))
		return (false);
	escalate_event(su, action + 2);
	(void)ctl_start(su, action, false);
	return (true);
}

/* The supervisor's state as vmrun_sup_state and the status request give it. */
enum vmrun_sup_state
control_state(const struct vmrun_sup *su)
{
	static const enum vmrun_sup_state map[] = {
		[SS_STARTING] = VMRUN_SUP_STARTING,
		[SS_RUNNING] = VMRUN_SUP_RUNNING,
		[SS_RESTARTING] = VMRUN_SUP_RESTARTING,
		[SS_STOPPING] = VMRUN_SUP_STOPPING
	};

	if (su == NULL || su->su_step == STEP_ENDED)
		return (VMRUN_SUP_ENDED);
	if (su->su_stop)
		return (VMRUN_SUP_STOPPING);
	if (su->su_restart)
		return (VMRUN_SUP_RESTARTING);
	return (map[su->su_state]);
}

/*
 * A reset or power-off asked for (the control socket, vmrun_sup_reset,
 * vmrun_sup_poweroff): refused while a stop is under way.
 */
enum vmrun_status
control_force(struct vmrun_sup *su, const char *action)
{
	if (su->su_stop)
		return (VMRUN_ERR_STOPPING);
	return (control_bhyve(su, action) ? VMRUN_OK : VMRUN_ERR_NOTRUNNING);
}

/* The target of the next run (NULL: as the configuration says). */
enum vmrun_status
control_next(struct vmrun_sup *su, const char *target)
{
	char *t;

	t = NULL;
	if (target != NULL && (t = xstrdup(target)) == NULL)
		return (VMRUN_ERR_NOMEM);
	xfree(su->su_next);
	su->su_next = t;
	return (VMRUN_OK);
}

/*
 * Stop the running VM gracefully and start it again, into target (NULL:
 * the next target as a reboot would have it).  Refused while a stop is
 * under way or no bhyve runs.  Its power-off is asked for, as a stop's
 * is: the events say so before bhyve's exit does.
 */
enum vmrun_status
control_restart(struct vmrun_sup *su, const char *target)
{
	char *t;

	if (su->su_stop)
		return (VMRUN_ERR_STOPPING);
	if (!bhyve_running(su))
		return (VMRUN_ERR_NOTRUNNING);
	t = NULL;
	if (target != NULL && (t = xstrdup(target)) == NULL)
		return (VMRUN_ERR_NOMEM);
	xfree(su->su_restart_to);
	su->su_restart_to = t;
	stop_event(su, 0);
	if (!su->su_restart) {
		su->su_restart = true;
		enter_phase(su, PH_TERM);
	}
	return (VMRUN_OK);
}

/* Act on the signals recorded since the last look (design §7.3). */
void
control_requests(struct vmrun_sup *su)
{
	int i, n;

	for (i = 0; i < NSTOPSIG; i++) {
		n = su->su_nsig[i];
		while (su->su_sigseen[i] < n) {
			su->su_sigseen[i]++;
			control_stop(su, policy_stopsig_signo(i), false,
			    policy_stopsig_skips(i));
		}
	}
	n = su->su_nreset;
	while (su->su_resets_seen < n) {
		su->su_resets_seen++;
		if (!su->su_stop)
			(void)control_bhyve(su, "--force-reset");
	}
}

bool
stop_pending(struct vmrun_sup *su)
{
	int i;

	for (i = 0; i < NSTOPSIG; i++)
		if (su->su_nsig[i] > su->su_sigseen[i])
			return (true);
	return (su->su_stop);
}

static void
hook_end_finish(struct vmrun_sup *su)
{
	pid_t pg;

	pg = su->su_hook_pgid;
	/* While the hook's zombie still holds its ids. */
	(void)plat_reap_hook_orphans(pg);
	child_reap(&su->su_hook);
	/* The group's zombies that came to us when the leader went. */
	(void)plat_pgrp_live(pg);
	su->su_hook_pgid = 0;
	su->su_hook_end = HE_NONE;
	su->su_hook_deadline = 0;
}

/*
 * The hook's descendants come to us, the reaper, when their parent
 * ends (a daemonizing hook's child): reap those that have ended, and
 * only those, never a child of the program that embeds the library.
 * Asked when a signal woke the loop, SIGCHLD among them.
 */
void
hook_orphans(struct vmrun_sup *su)
{
	if (su->su_hook_pgid > 0)
		(void)plat_reap_hook_orphans(su->su_hook_pgid);
}

/* How many of the hook's processes live; unknown: the leader alone. */
static int
hook_live(struct vmrun_sup *su)
{
	int n;

	if ((n = plat_pgrp_live(su->su_hook_pgid)) < 0)
		n = su->su_hook.c_running ? 1 : 0;
	return (n);
}

/*
 * The VM has ended: so does what the hook started, its process group
 * (design §7.1 step 6): SIGTERM, SIGKILL after HOOK_GRACE.  The group's
 * leader, the hook, is kept unreaped until then, so the group's id
 * cannot have gone to another group.
 */
void
hook_end_begin(struct vmrun_sup *su)
{
	if (su->su_hook_pgid <= 0)
		return;
	if (hook_live(su) == 0) {
		hook_end_finish(su);
		return;
	}
	plat_hook_kill(su->su_hook_pgid, SIGTERM);
	su->su_hook_end = HE_TERM;
	su->su_hook_deadline = mono_now() + HOOK_GRACE;
}

/* After anything happened while the hook's processes end. */
void
hook_end_check(struct vmrun_sup *su)
{
	if (su->su_hook_end != HE_NONE && hook_live(su) == 0)
		hook_end_finish(su);
}

/* The hook has ended (it may have been started in vain). */
void
hook_ended(struct vmrun_sup *su)
{
	struct vmrun_event ev;

	sup_event_init(&ev, VMRUN_EV_HOOK);
	ev.ev_pid = (long)su->su_hook.c_pid;
	ev.ev_argv = (const char *const *)su->su_hook_argv;
	if (su->su_hook.c_exec_errno != 0)
		ev.ev_status = 127;
	else if (su->su_hook.c_sig != 0)
		ev.ev_signal = su->su_hook.c_sig;
	else
		ev.ev_status = su->su_hook.c_exit;
	sup_event(su, &ev);
}

/* The deadlines that have come (now: the monotonic clock). */
void
control_timers(struct vmrun_sup *su, double now)
{
	struct ctl *ct;
	size_t i;

	if (su->su_child.c_running && su->su_phase_end > 0 &&
	    now >= su->su_phase_end)
		enter_phase(su, policy_escalate(su->su_phase));
	for (i = 0; i < CTL_MAX; i++) {
		ct = &su->su_ctl[i];
		if (ct->ct_c.c_running && ct->ct_deadline > 0 &&
		    now >= ct->ct_deadline) {
			child_kill(&ct->ct_c, SIGKILL);
			ct->ct_deadline = 0;
		}
	}
	if (su->su_backoff_end > 0 && now >= su->su_backoff_end)
		su->su_backoff_end = 0;
	sidecar_timers(su, now);
	if (su->su_hook_end != HE_NONE && now >= su->su_hook_deadline) {
		if (su->su_hook_end == HE_TERM) {
			plat_hook_kill(su->su_hook_pgid, SIGKILL);
			su->su_hook_end = HE_KILL;
			su->su_hook_deadline = now + HOOK_GRACE;
		} else {
			diag_add(su->su_diags, VMRUN_WARNING, "hook-failed",
			    "", NULL, "processes of post_start_script (group "
			    "%ld) outlived SIGKILL by %.0f seconds",
			    (long)su->su_hook_pgid, HOOK_GRACE);
			hook_end_finish(su);
		}
	}
}

/* The nearest armed deadline, or 0 when none is: the loop then sleeps. */
double
control_deadline(const struct vmrun_sup *su)
{
	double d;
	size_t i;

	d = 0;
	if (su->su_child.c_running && su->su_phase_end > 0)
		d = su->su_phase_end;
	for (i = 0; i < CTL_MAX; i++)
		if (su->su_ctl[i].ct_c.c_running &&
		    su->su_ctl[i].ct_deadline > 0 &&
		    (d == 0 || su->su_ctl[i].ct_deadline < d))
			d = su->su_ctl[i].ct_deadline;
	if (su->su_hook_end != HE_NONE && (d == 0 || su->su_hook_deadline < d))
		d = su->su_hook_deadline;
	if (su->su_backoff_end > 0 && (d == 0 || su->su_backoff_end < d))
		d = su->su_backoff_end;
	if (sidecar_deadline(su) > 0 && (d == 0 || sidecar_deadline(su) < d))
		d = sidecar_deadline(su);
	return (d);
}

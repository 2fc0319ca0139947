/*
 * policy: what the supervisor decides, as pure functions of what
 * happened -- the meaning of bhyve's end and whether the guest restarts
 * (design §7.2), the crash-loop guard, the steps of a stop (§7.3).
 * Nothing here runs, waits, or reports.
 */

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "vmrun_impl.h"
#include "supervise.h"

/* design §7.2: what each bhyve exit status means. */
static const char *const meanings[] = {
	"reboot", "poweroff", "halt", "triple-fault", "error"
};

/* An outcome whose status another wait took: neither exit nor signal. */
static bool
lost(const struct outcome *oc)
{
	return (oc->oc_exit < 0 && oc->oc_sig == 0);
}

/* exit.meaning of design §7.4. */
const char *
policy_meaning(const struct outcome *oc)
{
	if (oc->oc_sig != 0)
		return ("signal");
	/* bhyve's "is swtpm running?": no power-off (design §12.2). */
	if (oc->oc_sidecar && oc->oc_exit == 1)
		return ("error");
	if (lost(oc) || oc->oc_exit > 4)
		return ("unknown");
	return (meanings[oc->oc_exit]);
}

/*
 * After bhyve's end: -1 when the guest may restart (the crash-loop guard
 * is the caller's next question), else vmrun's exit status.  *reason is
 * end.reason; *quote says that bhyve failed and its last lines go with
 * the message.
 */
int
policy_decide(const struct outcome *oc, const char **reason, bool *quote)
{
	int st, mapped;

	*quote = false;
	if (oc->oc_restart && !oc->oc_stop) {
		*reason = NULL;		/* asked for: whatever bhyve did */
		return (-1);
	}
	if (oc->oc_sig != 0) {
		if (oc->oc_stop || oc->oc_signalled) {
			*reason = "stopped";
			return (1);
		}
		*quote = true;
		*reason = "signal";
		return (128 + oc->oc_sig);
	}
	if (lost(oc)) {
		*quote = true;
		*reason = "error";
		return (70);
	}
	st = oc->oc_exit;
	mapped = st <= 4 ? st : 4;
	*quote = st >= 4 && !oc->oc_stop;
	if (oc->oc_stop) {
		*reason = "stopped";
		return (mapped);
	}
	/*
	 * bhyve exits 1 when the sidecar behind its TPM has gone: an
	 * error, however reboot_on reads 1 (design §12.2).
	 */
	if (oc->oc_sidecar && st == 1) {
		*quote = true;
		*reason = "sidecar-failed";
		return (4);
	}
	if (!oc->oc_reboot_on[st]) {
		*reason = st == 0 ? "no-reboot" : st <= 4 ? meanings[st] :
		    "error";
		return (mapped);
	}
	if (oc->oc_no_reboot) {
		*reason = "no-reboot";
		return (mapped);
	}
	if (oc->oc_max_reboots >= 0 && oc->oc_reboots >= oc->oc_max_reboots) {
		*reason = "reboot-limit";
		return (mapped);
	}
	*reason = NULL;
	return (-1);
}

/*
 * The crash-loop guard: may a restart happen at now, given the times of
 * the earlier ones?  More than count restarts within seconds may not.
 */
bool
policy_restart_ok(const double *times, size_t n, double now, long long count,
    long long seconds)
{
	size_t i, recent;

	for (i = recent = 0; i < n; i++)
		if (now - times[i] < (double)seconds)
			recent++;
	return ((long long)recent < count);
}

/*
 * What the crash-loop guard keeps of the times of earlier restarts
 * (oldest first, the monotonic clock) before it is asked at now: not the
 * ones seconds or more before now, which never count again, nor more than
 * the count latest, as more cannot change its answer.  Without this every
 * reboot of a guest's life stayed in memory.  Moves the kept ones to the
 * front of times; returns how many there are.  (A next target with a
 * wider restart_limit starts from what this one kept.)
 */
size_t
policy_restarts_keep(double *times, size_t n, double now, long long count,
    long long seconds)
{
	size_t from;

	for (from = 0; from < n && now - times[from] >= (double)seconds;
	    from++)
		;
	if (count >= 0 && n - from > (unsigned long long)count)
		from = n - (size_t)count;
	if (from > 0)
		memmove(times, times + from, (n - from) * sizeof(*times));
	return (n - from);
}

/*
 * The pause, in seconds, before a restart after a run that did not end
 * in a guest reboot, when n such restarts came just before it (each
 * after such a run): backoff, doubled n times, at most max(60, backoff).
 * 0 without a backoff.
 */
double
policy_backoff(long long backoff, unsigned n)
{
	double d, cap;

	if (backoff <= 0)
		return (0);
	cap = backoff > 60 ? (double)backoff : 60;
	for (d = (double)backoff; n > 0 && d < cap; n--)
		d *= 2;
	return (d < cap ? d : cap);
}

/*
 * The step after phase, on a second stop signal or when the phase's time
 * is up: SIGTERM, then the forced power-off, then SIGKILL.
 */
enum stop_phase
policy_escalate(enum stop_phase phase)
{
	switch (phase) {
	case PH_NONE:
		return (PH_TERM);
	case PH_TERM:
		return (PH_POWEROFF);
	default:
		return (PH_KILL);
	}
}

/*
 * design §7.3: the signals that request a stop, and whether one that
 * comes while a stop is under way skips ahead a step.  Only SIGINT does
 * (an interactive Ctrl-C twice): at host shutdown init and daemon(8)
 * each send SIGTERM at once, and that must never become a forced
 * power-off; the stop timer decides.  SIGQUIT, SIGUSR2 and SIGALRM would
 * end the program and leave bhyve running: they stop like SIGTERM.
 * SIGINT is the last row, so that a SIGTERM and a SIGINT seen in one
 * look count the SIGINT as the second signal.
 */
static const struct {
	int	 ss_sig;
	bool	 ss_skips;
} stopsigs[NSTOPSIG] = {
	{ SIGTERM, false },
	{ SIGHUP, false },
	{ SIGQUIT, false },
	{ SIGUSR2, false },
	{ SIGALRM, false },
	{ SIGINT, true }
};

/* The row of stop signal sig, or -1.  Async-signal-safe. */
int
policy_stopsig(int sig)
{
	int i;

	for (i = 0; i < NSTOPSIG; i++)
		if (stopsigs[i].ss_sig == sig)
			return (i);
	return (-1);
}

/* The signal of row i. */
int
policy_stopsig_signo(int i)
{
	return (stopsigs[i].ss_sig);
}

/* Does the signal of row i, while a stop is under way, skip ahead? */
bool
policy_stopsig_skips(int i)
{
	return (stopsigs[i].ss_skips);
}

/*
 * event: the events of design §7.4.  The library hands events to a
 * callback as structs; vmrun_event_json gives every caller the same text.
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vmrun_impl.h"
#include "supervise.h"

/* Stamp ev and hand it to the caller's callback. */
void
sup_event(struct vmrun_sup *su, struct vmrun_event *ev)
{
	static const char *const names[] = { "loader", "start", "hook",
	    "exit", "restart", "stop-requested", "escalate", "cleanup",
	    "end", "sidecar" };

	ev->ev_name = names[ev->ev_type];
	ev->ev_time_ms = event_now_ms();
	ev->ev_vm = su->su_name;
	if (su->su_cb != NULL)
		su->su_cb(ev, su->su_cbarg);
	if (su->su_tap != NULL)		/* the control socket's subscribers */
		su->su_tap(su, ev);
}

/* ms since the epoch as "2026-11-26T14:00:00.123Z". */
void
event_time(long long ms, char *buf, size_t len)
{
	struct tm tm;
	time_t sec;

	sec = (time_t)(ms / 1000);
	if (gmtime_r(&sec, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

void
sup_event_init(struct vmrun_event *ev, enum vmrun_event_type t)
{
	memset(ev, 0, sizeof(*ev));
	ev->ev_type = t;
	ev->ev_pid = -1;
	ev->ev_status = -1;
}

long long
event_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return (0);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Signals by name, as events write them ("SIGTERM"). */
const char *
event_signame(int sig)
{
	static const struct {
		int		 sn_sig;
		const char	*sn_name;
	} names[] = {
		{ SIGHUP, "SIGHUP" }, { SIGINT, "SIGINT" },
		{ SIGQUIT, "SIGQUIT" }, { SIGILL, "SIGILL" },
		{ SIGTRAP, "SIGTRAP" }, { SIGABRT, "SIGABRT" },
		{ SIGBUS, "SIGBUS" }, { SIGFPE, "SIGFPE" },
		{ SIGKILL, "SIGKILL" }, { SIGUSR1, "SIGUSR1" },
		{ SIGSEGV, "SIGSEGV" }, { SIGUSR2, "SIGUSR2" },
		{ SIGPIPE, "SIGPIPE" }, { SIGALRM, "SIGALRM" },
		{ SIGTERM, "SIGTERM" }, { SIGCHLD, "SIGCHLD" },
		{ SIGCONT, "SIGCONT" }, { SIGSTOP, "SIGSTOP" },
		{ SIGTSTP, "SIGTSTP" }, { SIGTTIN, "SIGTTIN" },
		{ SIGTTOU, "SIGTTOU" }, { SIGXCPU, "SIGXCPU" },
		{ SIGXFSZ, "SIGXFSZ" }, { SIGSYS, "SIGSYS" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].sn_sig == sig)
			return (names[i].sn_name);
	return (NULL);
}

static jw_t *
str_or_null(const char *s)
{
	return (s != NULL ? jw_text(s) : jw_null());
}

/* A signal by name ("SIGTERM", "SIG33"), or null: new reference. */
jw_t *
sig_or_null(int sig)
{
	const char *n;
	char buf[16];

	if (sig <= 0)
		return (jw_null());
	if ((n = event_signame(sig)) == NULL) {
		snprintf(buf, sizeof(buf), "SIG%d", sig);
		return (jw_string(buf));
	}
	return (jw_string(n));
}

static jw_t *
status_or_null(int st)
{
	return (st >= 0 ? jw_integer(st) : jw_null());
}

/* An argv, the VNC password masked (the real one is in ps(1)). */
static jw_t *
argv_json(const char *const *v)
{
	jw_t *a;
	size_t i;

	if (v == NULL)
		return (jw_null());
	if ((a = jw_array()) == NULL)
		return (NULL);
	for (i = 0; v[i] != NULL; i++)
		if (jw_array_append_new(a, jw_masked(v[i])) != 0) {
			jw_decref(a);
			return (NULL);
		}
	return (a);
}

static int
put(jw_t *o, const char *k, jw_t *v)
{
	return (v == NULL ? -1 : jw_object_set_new(o, k, v));
}

char *
vmrun_event_json(const struct vmrun_event *ev)
{
	jw_t *o;
	char tbuf[96], *s;
	int bad;

	if (ev == NULL || ev->ev_name == NULL || (o = jw_object()) == NULL)
		return (NULL);
	event_time(ev->ev_time_ms, tbuf, sizeof(tbuf));
	bad = put(o, "time", jw_string(tbuf));
	bad |= put(o, "vm", str_or_null(ev->ev_vm));
	bad |= put(o, "event", jw_string(ev->ev_name));
	switch (ev->ev_type) {
	case VMRUN_EV_LOADER:
		bad |= put(o, "target", str_or_null(ev->ev_target));
		bad |= put(o, "run", jw_integer(ev->ev_run));
		bad |= put(o, "pid", ev->ev_pid > 0 ?
		    jw_integer(ev->ev_pid) : jw_null());
		bad |= put(o, "argv", argv_json(ev->ev_argv));
		bad |= put(o, "status", status_or_null(ev->ev_status));
		bad |= put(o, "signal", sig_or_null(ev->ev_signal));
		break;
	case VMRUN_EV_START:
		bad |= put(o, "target", str_or_null(ev->ev_target));
		bad |= put(o, "run", jw_integer(ev->ev_run));
		bad |= put(o, "pid", jw_integer(ev->ev_pid));
		bad |= put(o, "argv", argv_json(ev->ev_argv));
		break;
	case VMRUN_EV_HOOK:
		bad |= put(o, "pid", jw_integer(ev->ev_pid));
		bad |= put(o, "argv", argv_json(ev->ev_argv));
		bad |= put(o, "status", status_or_null(ev->ev_status));
		bad |= put(o, "signal", sig_or_null(ev->ev_signal));
		break;
	case VMRUN_EV_EXIT:
		bad |= put(o, "target", str_or_null(ev->ev_target));
		bad |= put(o, "run", jw_integer(ev->ev_run));
		bad |= put(o, "status", status_or_null(ev->ev_status));
		bad |= put(o, "signal", sig_or_null(ev->ev_signal));
		bad |= put(o, "meaning", str_or_null(ev->ev_meaning));
		break;
	case VMRUN_EV_RESTART:
		bad |= put(o, "from", str_or_null(ev->ev_from));
		bad |= put(o, "to", str_or_null(ev->ev_to));
		bad |= put(o, "reboots", jw_integer(ev->ev_reboots));
		bad |= put(o, "delay", jw_real(ev->ev_delay));
		break;
	case VMRUN_EV_STOP_REQUESTED:
		bad |= put(o, "signal", sig_or_null(ev->ev_signal));
		break;
	case VMRUN_EV_ESCALATE:
		bad |= put(o, "step", str_or_null(ev->ev_step));
		break;
	case VMRUN_EV_CLEANUP:
		bad |= put(o, "resource", str_or_null(ev->ev_resource));
		bad |= put(o, "action", str_or_null(ev->ev_action));
		bad |= put(o, "ok", jw_boolean(ev->ev_ok));
		break;
	case VMRUN_EV_END:
		bad |= put(o, "exit_status", jw_integer(ev->ev_exit_status));
		bad |= put(o, "reason", str_or_null(ev->ev_reason));
		break;
	case VMRUN_EV_SIDECAR:
		bad |= put(o, "sidecar", str_or_null(ev->ev_sidecar));
		bad |= put(o, "target", str_or_null(ev->ev_target));
		bad |= put(o, "run", jw_integer(ev->ev_run));
		bad |= put(o, "pid", jw_integer(ev->ev_pid));
		bad |= put(o, "status", status_or_null(ev->ev_status));
		bad |= put(o, "signal", sig_or_null(ev->ev_signal));
		break;
	}
	s = bad ? NULL : jw_dumps(o, JW_COMPACT);
	jw_decref(o);
	return (s);
}

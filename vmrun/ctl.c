/*
 * ctl.c: vmrun ctl and vmrun status -- ask a running vmrun through its
 * control socket (vmrun(8) CONTROL) and print the answer, as text or as
 * the JSON line itself.
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "vmrun.h"
#include "cmd.h"

#define ANSWER_MS	10000	/* how long an answer may take */

static const struct {
	const char	*rq_name;
	int		 rq_args;	/* 0: none, 1: one, 2: zero or one */
} reqs[] = {
	{ "status", 0 }, { "stop", 2 }, { "reset", 0 }, { "poweroff", 0 },
	{ "next-target", 2 }, { "restart", 2 }, { "subscribe", 0 },
	{ "console-tail", 2 }, { "reload", 0 },
};

/* An error answer's exit status (sysexits). */
static int
error_status(const char *code)
{
	if (strcmp(code, "not-running") == 0 ||
	    strcmp(code, "stopping") == 0 || strcmp(code, "no-console") == 0 ||
	    strcmp(code, "no-config-file") == 0)
		return (EX_UNAVAILABLE);
	if (strcmp(code, "cannot-read") == 0)
		return (EX_NOINPUT);
	if (strcmp(code, "too-many-clients") == 0 ||
	    strcmp(code, "console-busy") == 0)
		return (EX_TEMPFAIL);
	return (EX_DATAERR);
}

static void
print_line(const char *line, bool json)
{
	char *t;

	if (json)
		printf("%s\n", line);
	else if ((t = vmrun_ctl_text(line)) != NULL) {
		fputs(t, stdout);
		free(t);
	}
	fflush(stdout);
}

static int
ctl_usage(const char *verb)
{
	if (strcmp(verb, "status") == 0)
		fprintf(stderr, "usage: vmrun status [--json] NAME|SOCKET\n");
	else
		fprintf(stderr, "usage: vmrun ctl [--json] NAME|SOCKET "
		    "REQUEST [ARG]\n  requests: status, stop [force] [--wait "
		    "[SEC]], reset, poweroff,\n  next-target [TARGET], "
		    "restart [TARGET], subscribe, console-tail [LINES],\n"
		    "  reload\n");
	return (EX_USAGE);
}

/*
 * Connect to the vmrun of VM name (or at socket name): EX_OK with *ccp
 * and *pathp (new: free it), or an exit status, said.
 */
int
ctl_connect(const char *name, struct vmrun_ctl **ccp, char **pathp)
{
	if ((*pathp = vmrun_ctl_path(name)) == NULL) {
		warnx_("out of memory");
		return (EX_OSERR);
	}
	if (vmrun_ctl_open(*pathp, ccp) != VMRUN_OK) {
		warnx_("%s: cannot reach vmrun at %s: %s", name, *pathp,
		    strerror(errno));
		free(*pathp);
		*pathp = NULL;
		return (EX_UNAVAILABLE);
	}
	return (EX_OK);
}

/* Ask, print the answer, and for subscribe every event until the end. */
static int
ask(const char *name, const char *req, const char *arg, bool json)
{
	struct vmrun_ctl *cc;
	char *path, *line, code[64];
	int rc, r;

	if ((rc = ctl_connect(name, &cc, &path)) != EX_OK)
		return (rc);
	rc = EX_PROTOCOL;
	line = NULL;
	if (vmrun_ctl_send(cc, req, arg) != VMRUN_OK)
		warnx_("%s: cannot send to %s: %s", name, path,
		    strerror(errno));
	else if (vmrun_ctl_recv(cc, ANSWER_MS, &line) != VMRUN_OK ||
	    line == NULL)
		warnx_("%s: no answer from %s%s%s", name, path,
		    line == NULL && errno != 0 ? ": " : "",
		    line == NULL && errno != 0 ? strerror(errno) : "");
	else if ((r = vmrun_ctl_result(line, code, sizeof(code))) < 0)
		warnx_("%s: %s does not speak the control protocol", name,
		    path);
	else {
		print_line(line, json);
		rc = r == 1 ? EX_OK : error_status(code);
	}
	while (rc == EX_OK && strcmp(req, "subscribe") == 0) {
		free(line);
		line = NULL;
		if (vmrun_ctl_recv(cc, -1, &line) != VMRUN_OK) {
			warnx_("%s: %s: %s", name, path, strerror(errno));
			rc = EX_PROTOCOL;
		} else if (line == NULL)
			break;		/* vmrun has ended */
		else
			print_line(line, json);
	}
	free(line);
	vmrun_ctl_close(cc);
	free(path);
	return (rc);
}

/* Milliseconds of the monotonic clock, for deadlines. */
long long
mono_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/*
 * One line while waiting for the end: 1 when it is the end event (said,
 * *rcp its status), 0 to read on, -1 when *rcp ends the wait.
 */
static int
wait_line(const char *name, const char *line, bool json, int *rcp)
{
	json_t *o;
	const char *ev, *reason;
	char code[64];
	int r;

	if ((r = vmrun_ctl_result(line, code, sizeof(code))) == 1)
		return (0);		/* the answer to subscribe or stop */
	if (r == 0) {
		/* Stopping already: the end is still to wait for. */
		if (strcmp(code, "stopping") == 0)
			return (0);
		print_line(line, json);
		*rcp = error_status(code);
		return (-1);
	}
	if ((o = json_loads(line, 0, NULL)) == NULL ||
	    (ev = json_string_value(json_object_get(o, "event"))) == NULL) {
		json_decref(o);
		warnx_("%s: the answer is not the control protocol", name);
		*rcp = EX_PROTOCOL;
		return (-1);
	}
	if (strcmp(ev, "end") != 0) {
		json_decref(o);
		return (0);
	}
	if (json)
		print_line(line, true);
	else {
		reason = json_string_value(json_object_get(o, "reason"));
		fputs("ended: ", stdout);
		vis_fputs(reason != NULL ? reason : "-", stdout);
		printf(", exit status %lld\n", (long long)json_integer_value(
		    json_object_get(o, "exit_status")));
	}
	json_decref(o);
	*rcp = EX_OK;
	return (1);
}

/*
 * stop --wait: subscribe, then stop, on one connection, and read the
 * events until the end one (EX_OK) or until sec (< 0: no limit) passed
 * (EX_TEMPFAIL).  The VM keeps stopping when the wait gives up.
 */
static int
stop_wait(const char *name, bool force, double sec, bool json)
{
	struct vmrun_ctl *cc;
	char *path, *line;
	long long end, left;
	int rc;

	if ((rc = ctl_connect(name, &cc, &path)) != EX_OK)
		return (rc);
	end = sec >= 0 ? mono_ms() + (long long)(sec * 1000) : -1;
	line = NULL;
	if (vmrun_ctl_send(cc, "subscribe", NULL) != VMRUN_OK ||
	    vmrun_ctl_send(cc, "stop", force ? "force" : NULL) != VMRUN_OK) {
		warnx_("%s: cannot send to %s: %s", name, path,
		    strerror(errno));
		rc = EX_PROTOCOL;
		goto out;
	}
	for (;;) {
		left = end < 0 ? -1 : end - mono_ms();
		if (end >= 0 && left < 0)
			left = 0;
		free(line);
		line = NULL;
		if (vmrun_ctl_recv(cc, (int)left, &line) != VMRUN_OK) {
			if (errno == ETIMEDOUT) {
				warnx_("%s: still running after %g seconds",
				    name, sec);
				rc = EX_TEMPFAIL;
			} else {
				warnx_("%s: %s: %s", name, path,
				    strerror(errno));
				rc = EX_PROTOCOL;
			}
			break;
		}
		if (line == NULL) {
			/* Closed before an end event came. */
			warnx_("%s: vmrun closed the connection before the "
			    "end", name);
			rc = EX_PROTOCOL;
			break;
		}
		if (wait_line(name, line, json, &rc) != 0)
			break;
	}
out:
	free(line);
	vmrun_ctl_close(cc);
	free(path);
	return (rc);
}

/* "stop [force] [--wait [SEC]]": EX_OK, the wait or not, or EX_USAGE. */
static int
stop_args(int n, char *argv[], bool *forcep, double *secp, bool *waitp)
{
	char *end;
	int i;

	*forcep = *waitp = false;
	*secp = -1;
	for (i = 0; i < n; i++) {
		if (strcmp(argv[i], "force") == 0 && !*forcep)
			*forcep = true;
		else if (strcmp(argv[i], "--wait") == 0 && !*waitp)
			*waitp = true;
		else if (*waitp && *secp < 0 && i > 0 &&
		    strcmp(argv[i - 1], "--wait") == 0) {
			errno = 0;
			*secp = strtod(argv[i], &end);
			if (((argv[i][0] < '0' || argv[i][0] > '9') &&
			    argv[i][0] != '.') || *end != '\0' || errno != 0 ||
			    !(*secp >= 0) || *secp > 1e6) {
				warnx_("ctl: --wait takes seconds, 0 to "
				    "1000000");
				return (EX_USAGE);
			}
		} else {
			warnx_("ctl: stop takes only \"force\" and --wait "
			    "[SEC]");
			return (EX_USAGE);
		}
	}
	return (EX_OK);
}

/*
 * The options of a subcommand, --json and --help, up to its first
 * operand (optind then): -1 to go on, or the exit status, usage(verb)
 * said.
 */
int
ctl_options(int argc, char *argv[], const char *verb, bool *jsonp,
    int (*usage)(const char *))
{
	static const struct option lopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	*jsonp = false;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", lopts, NULL)) != -1) {
		if (ch == 'j')
			*jsonp = true;
		else if (ch == 'h') {
			(void)usage(verb);
			return (EX_OK);
		} else {
			warnx_("%s: unknown option %s", verb, argv[optind - 1]);
			return (usage(verb));
		}
	}
	return (-1);
}

int
cmd_ctl(int argc, char *argv[])
{
	const char *verb, *req;
	size_t i;
	double sec;
	bool json, force, wait;
	int n, rc;

	verb = argv[0];
	if ((rc = ctl_options(argc, argv, verb, &json, ctl_usage)) >= 0)
		return (rc);
	argc -= optind;
	argv += optind;
	if (strcmp(verb, "status") == 0) {
		if (argc != 1 || argv[0][0] == '\0')
			return (ctl_usage(verb));
		return (ask(argv[0], "status", NULL, json));
	}
	if (argc < 2 || argv[0][0] == '\0')
		return (ctl_usage(verb));
	req = argv[1];
	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]) &&
	    strcmp(reqs[i].rq_name, req) != 0; i++)
		;
	n = argc - 2;
	if (i == sizeof(reqs) / sizeof(reqs[0])) {
		warnx_("ctl: no request %s", req);
		return (ctl_usage(verb));
	}
	if (strcmp(req, "stop") == 0) {
		if ((rc = stop_args(n, argv + 2, &force, &sec, &wait)) != EX_OK)
			return (rc);
		if (wait)
			return (stop_wait(argv[0], force, sec, json));
		return (ask(argv[0], req, force ? "force" : NULL, json));
	}
	if (n > 1 || (n == 1 && reqs[i].rq_args == 0)) {
		warnx_("ctl: %s takes %s", req, reqs[i].rq_args == 0 ?
		    "no argument" : "one argument at most");
		return (EX_USAGE);
	}
	if (strcmp(req, "console-tail") == 0 && n == 1 &&
	    (strspn(argv[2], "0123456789") != strlen(argv[2]) ||
	    strlen(argv[2]) > 6 || atoi(argv[2]) < 1)) {
		warnx_("ctl: console-tail takes a number of lines, 1 to "
		    "100000");
		return (EX_USAGE);
	}
	return (ask(argv[0], req, n == 1 ? argv[2] : NULL, json));
}

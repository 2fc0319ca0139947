/*
 * run.c: vmrun without -d -- supervise the VM through libvmrun, with
 * signals wired to the supervisor and events written as JSON lines.
 */

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmrun.h"
#include "cmd.h"

static struct vmrun_sup *g_sup;		/* for the signal handler */

struct outputs {
	int		 o_events;	/* --events, or -1 */
	int		 o_log;		/* --log, or -1 */
	const struct vmrun_diags *o_diags;
	bool		 o_started;	/* bhyve started at least once */
	size_t		 o_printed;	/* diagnostics printed so far */
	const char	*o_name;
	const char	*o_events_path;
	bool		 o_events_failed;
};

/* Handlers only record (design §7.3); the supervisor's loop acts. */
static void
on_signal(int sig)
{
	vmrun_sup_signal(g_sup, sig);
}

/*
 * SIGCHLD only wakes the supervisor: what the hook left running comes
 * back to vmrun (a subreaper) and is seen to end this way.  Whatever
 * vmrun inherited -- SIGCHLD ignored, signals blocked -- it starts with
 * its own handlers and an empty mask, or a power-off would read as a
 * reboot and SIGTERM would never arrive.
 */
static int
install_handlers(void)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT,
	    SIGUSR2, SIGALRM, SIGUSR1, SIGCHLD };
	struct sigaction sa;
	sigset_t none;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&sa.sa_mask, sigs[i]);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_NOCLDSTOP;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL) != 0)
			return (-1);
	/* A closed events pipe must not kill the supervisor. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&none);
	return (sigprocmask(SIG_SETMASK, &none, NULL));
}

static void
write_line(int fd, const char *s)
{
	size_t n;
	char *line;

	n = strlen(s);
	if ((line = malloc(n + 2)) == NULL)
		return;
	memcpy(line, s, n);
	line[n++] = '\n';
	line[n] = '\0';
	/* One write per line: O_APPEND keeps concurrent lines whole. */
	while (write(fd, line, n) < 0 && errno == EINTR)
		;
	free(line);
}

static void	print_runtime(struct outputs *);

static void
on_event(const struct vmrun_event *ev, void *arg)
{
	struct outputs *out;
	char *s;

	out = arg;
	if (ev->ev_type == VMRUN_EV_START)
		out->o_started = true;
	/* Messages as they come, not when the VM ends. */
	print_runtime(out);
	if (out->o_events < 0)
		return;
	if ((s = vmrun_event_json(ev)) == NULL) {
		if (!out->o_events_failed)
			warnx_("%s: cannot format an event: out of memory",
			    out->o_events_path);
		out->o_events_failed = true;
		return;
	}
	write_line(out->o_events, s);
	free(s);
}

/* New messages as "vmrun: NAME: message", on stderr and in the log. */
static void
print_runtime(struct outputs *out)
{
	const struct vmrun_diag *d;
	const char *name;
	char buf[8192];
	size_t i;
	int n, logfd;

	if (out->o_diags == NULL)
		return;
	name = out->o_name;
	logfd = out->o_log;
	for (i = out->o_printed; i < vmrun_diags_count(out->o_diags); i++) {
		out->o_printed = i + 1;
		d = vmrun_diags_get(out->o_diags, i);
		/* Host problems are printed grouped when the run ends. */
		if (is_host_code(vmrun_diag_code(d)))
			continue;
		if (strcmp(vmrun_diag_code(d), "fixed") == 0)
			/* A host fix applied at start, with its device. */
			n = snprintf(buf, sizeof(buf), "vmrun: %s: %s: fixed: "
			    "%s\n", name, vmrun_diag_group(d),
			    vmrun_diag_message(d));
		else
			n = snprintf(buf, sizeof(buf), "vmrun: %s: %s%s%s%s\n",
			    name, vmrun_diag_severity(d) == VMRUN_WARNING ?
			    "warning: " : "", vmrun_diag_message(d),
			    vmrun_diag_fix(d) != NULL ? "\n  fix: " : "",
			    vmrun_diag_fix(d) != NULL ? vmrun_diag_fix(d) : "");
		if (n < 0)
			continue;
		if ((size_t)n >= sizeof(buf))
			n = sizeof(buf) - 1;
		vis_fputs(buf, stderr);
		if (logfd >= 0 && write(logfd, buf, (size_t)n) < 0) {
			/* The log is best effort; stderr has it. */
		}
	}
}

static bool
want_host(const struct vmrun_diag *d)
{
	return (is_host_code(vmrun_diag_code(d)));
}

static int
open_append(const char *path, const char *what)
{
	int fd;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		warnx_("%s %s: %s", what, path, strerror(errno));
	return (fd);
}

int
cmd_run(const struct options *o, const struct vmrun_config *cf,
    const struct vmrun_vm *vm)
{
	struct outputs out;
	struct vmrun_opts *op;
	struct vmrun_diags *ds;
	struct vmrun_sup *sup;
	enum vmrun_status st;
	sigset_t all, old;
	int rc;

	memset(&out, 0, sizeof(out));
	out.o_events = out.o_log = -1;
	out.o_events_path = o->events;
	out.o_name = vmrun_vm_name(vm);
	out.o_events_failed = false;
	op = NULL;
	ds = NULL;
	rc = EX_OSERR;
	if (o->log != NULL && (out.o_log = open_append(o->log, "log")) < 0)
		goto out;
	if ((op = vmrun_opts_new()) == NULL || (ds = vmrun_diags_new()) ==
	    NULL) {
		warnx_("out of memory");
		goto out;
	}
	if ((st = args_opts(o, out.o_log, op)) != VMRUN_OK) {
		warnx_("%s", vmrun_strstatus(st));
		rc = EX_OSERR;
		goto out;
	}
	out.o_diags = ds;
	st = vmrun_sup_new(cf, vmrun_vm_target(vm), op, &g_sup);
	if (st != VMRUN_OK) {
		warnx_("%s", vmrun_strstatus(st));
		rc = st == VMRUN_ERR_NOMEM ? EX_OSERR : EX_SOFTWARE;
		goto out;
	}
	vmrun_sup_set_callback(g_sup, on_event, &out);
	if (install_handlers() != 0) {
		warnx_("sigaction: %s", strerror(errno));
		rc = EX_OSERR;
		goto out;
	}
	/* The lock first: a VM another vmrun holds gets no events file. */
	if ((rc = vmrun_sup_lock(g_sup, ds)) == 0 && o->events != NULL &&
	    (out.o_events = open_append(o->events, "events file")) < 0) {
		rc = EX_OSERR;
		goto out;
	}
	if (rc == 0)
		rc = vmrun_sup_run(g_sup, ds);
	print_runtime(&out);
	report_grouped(ds, vmrun_vm_name(vm), out.o_started ?
	    "; the VM was not restarted" : "; the VM was not started",
	    want_host, out.o_log);
out:
	/* No handler may see the supervisor once it is freed. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	sup = g_sup;
	g_sup = NULL;
	sigprocmask(SIG_SETMASK, &old, NULL);
	vmrun_sup_free(sup);
	vmrun_diags_free(ds);
	vmrun_opts_free(op);
	if (out.o_events >= 0)
		close(out.o_events);
	if (out.o_log >= 0)
		close(out.o_log);
	return (rc);
}

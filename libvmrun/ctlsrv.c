/*
 * ctlsrv: the control socket of a running supervisor (vmrun(8) CONTROL):
 * one JSON object per line each way.  Requests act through control.c as
 * signals do; subscribers get the events as --events writes them.  Every
 * buffer is bounded and every descriptor non-blocking: a client may be
 * slow, silent or hostile, and never holds up the loop.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmrun_impl.h"
#include "supervise.h"

#define READS_PER_WAKE	16	/* then the others get their turn */

/* The requests, and the one member each may take besides "request". */
static const struct {
	const char	*rq_name;
	enum ctl_req	 rq_req;
	const char	*rq_member;
	unsigned	 rq_types;	/* of the member */
	bool		 rq_required;
} reqs[] = {
	{ "status", CR_STATUS, NULL, 0, false },
	{ "stop", CR_STOP, "force", T_BOOL, false },
	{ "reset", CR_RESET, NULL, 0, false },
	{ "poweroff", CR_POWEROFF, NULL, 0, false },
	{ "next-target", CR_NEXT_TARGET, "target", T_STR | T_NULL, true },
	{ "restart", CR_RESTART, "target", T_STR, false },
	{ "subscribe", CR_SUBSCRIBE, NULL, 0, false },
	{ "console", CR_CONSOLE, "write", T_BOOL, false },
	{ "console-tail", CR_CONSOLE_TAIL, "lines", T_INT, false },
};
#define NREQS	(sizeof(reqs) / sizeof(reqs[0]))

static unsigned
type_bit(const json_t *v)
{
	if (json_is_string(v))
		return (T_STR);
	if (json_is_boolean(v))
		return (T_BOOL);
	if (json_is_null(v))
		return (T_NULL);
	if (json_is_integer(v))
		return (T_INT);
	return (0);
}

/*
 * Parse one request line (without its newline).  NULL and *rq filled
 * (free it with ctl_req_free), or the error code, with msg saying why.
 */
const char *
ctl_parse(const char *line, size_t len, struct ctlreq *rq, char *msg,
    size_t msglen)
{
	json_error_t err;
	json_t *o, *v;
	const char *k, *name;
	size_t i;

	memset(rq, 0, sizeof(*rq));
	msg[0] = '\0';
	if ((o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &err)) ==
	    NULL) {
		snprintf(msg, msglen, "not JSON: %s", err.text);
		return ("bad-json");
	}
	rq->cr_json = o;
	if (!json_is_object(o)) {
		snprintf(msg, msglen, "a request is a JSON object");
		return ("bad-request");
	}
	v = json_object_get(o, "version");
	if (v != NULL && (!json_is_integer(v) ||
	    json_integer_value(v) != SRV_VERSION)) {
		snprintf(msg, msglen, "this vmrun speaks version %d",
		    SRV_VERSION);
		return ("bad-version");
	}
	if ((name = json_string_value(json_object_get(o, "request"))) ==
	    NULL) {
		snprintf(msg, msglen, "\"request\" (a string) is missing");
		return ("bad-request");
	}
	for (i = 0; i < NREQS && strcmp(reqs[i].rq_name, name) != 0; i++)
		;
	if (i == NREQS) {
		snprintf(msg, msglen, "no request \"%.64s\"", name);
		return ("unknown-request");
	}
	rq->cr_req = reqs[i].rq_req;
	json_object_foreach(o, k, v) {
		if (strcmp(k, "request") == 0 || strcmp(k, "version") == 0)
			continue;
		if (reqs[i].rq_member == NULL ||
		    strcmp(k, reqs[i].rq_member) != 0) {
			snprintf(msg, msglen, "%s takes no member \"%.64s\"",
			    name, k);
			return ("bad-request");
		}
		if (!(type_bit(v) & reqs[i].rq_types)) {
			snprintf(msg, msglen, "%s: \"%s\" is %s", name, k,
			    json_type_word(v));
			return ("bad-request");
		}
	}
	v = reqs[i].rq_member != NULL ?
	    json_object_get(o, reqs[i].rq_member) : NULL;
	if (reqs[i].rq_required && v == NULL) {
		snprintf(msg, msglen, "%s needs \"%s\"", name,
		    reqs[i].rq_member);
		return ("bad-request");
	}
	rq->cr_force = json_is_true(v);
	rq->cr_readonly = !json_is_true(v);
	rq->cr_target = json_string_value(v);
	if (json_is_integer(v)) {
		rq->cr_lines = json_integer_value(v);
		if (rq->cr_lines < 1 || rq->cr_lines > 100000) {
			snprintf(msg, msglen, "%s: \"%s\" is 1 to 100000", name,
			    reqs[i].rq_member);
			return ("bad-request");
		}
	}
	return (NULL);
}

void
ctl_req_free(struct ctlreq *rq)
{
	json_decref(rq->cr_json);
	rq->cr_json = NULL;
}

static void
client_drop(struct client *cl)
{
	if (cl->cl_fd >= 0)
		close(cl->cl_fd);
	xfree(cl->cl_in);
	xfree(cl->cl_out);
	memset(cl, 0, sizeof(*cl));
	cl->cl_fd = -1;
}

/* Write what is pending, as far as the client takes it now. */
static void
client_flush(struct client *cl)
{
	ssize_t n;

	while (cl->cl_fd >= 0 && cl->cl_outlen > 0) {
		n = send(cl->cl_fd, cl->cl_out, cl->cl_outlen, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			client_drop(cl);
			return;
		}
		memmove(cl->cl_out, cl->cl_out + n, cl->cl_outlen - (size_t)n);
		cl->cl_outlen -= (size_t)n;
	}
	if (cl->cl_fd >= 0 && cl->cl_closing && cl->cl_outlen == 0)
		client_drop(cl);
}

/*
 * Queue n bytes of s (and a newline with nl) and write them.  A client
 * that leaves more than SRV_OUTBUF unread is dropped, never waited for.
 */
static void
client_put_raw(struct client *cl, const char *s, size_t n, bool nl)
{
	size_t cap;
	char *p;

	n += nl;
	if (cl->cl_outlen + n > SRV_OUTBUF) {
		client_drop(cl);
		return;
	}
	if (cl->cl_outlen + n > cl->cl_outcap) {
		cap = cl->cl_outcap > 0 ? cl->cl_outcap : 1024;
		while (cap < cl->cl_outlen + n)
			cap *= 2;
		if ((p = xrealloc(cl->cl_out, cap)) == NULL) {
			client_drop(cl);
			return;
		}
		cl->cl_out = p;
		cl->cl_outcap = cap;
	}
	memcpy(cl->cl_out + cl->cl_outlen, s, n - nl);
	if (nl)
		cl->cl_out[cl->cl_outlen + n - 1] = '\n';
	cl->cl_outlen += n;
	client_flush(cl);
}

static void
client_put(struct client *cl, const char *s)
{
	client_put_raw(cl, s, strlen(s), true);
}

/* Send o (taken) as a line. */
static void
client_json(struct client *cl, json_t *o)
{
	char *s;

	s = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) :
	    NULL;
	json_decref(o);
	if (s == NULL) {
		client_drop(cl);
		return;
	}
	client_put(cl, s);
	free(s);
}

static json_t *
answer(bool ok, const char *request)
{
	json_t *o;

	if ((o = json_object()) == NULL)
		return (NULL);
	if (json_object_set_new(o, "version", json_integer(SRV_VERSION)) ||
	    json_object_set_new(o, "ok", json_boolean(ok)) ||
	    (request != NULL &&
	    json_object_set_new(o, "request", json_string(request)))) {
		json_decref(o);
		return (NULL);
	}
	return (o);
}

static void
reply_error(struct client *cl, const char *request, const char *code,
    const char *msg)
{
	json_t *o;

	if ((o = answer(false, request)) != NULL &&
	    (json_object_set_new(o, "error", json_string(code)) ||
	    json_object_set_new(o, "message", json_string(msg)))) {
		json_decref(o);
		o = NULL;
	}
	client_json(cl, o);
}

static json_t *
str_or_null(const char *s)
{
	return (s != NULL ? json_string(s) : json_null());
}

/* What the next run would be, as it stands: nothing is used up. */
static const char *
next_of(const struct vmrun_sup *su)
{
	if (su->su_restart && su->su_restart_to != NULL)
		return (su->su_restart_to);
	if (su->su_next != NULL)
		return (su->su_next);
	if (su->su_vm == NULL)
		return (su->su_target);
	return (vmrun_vm_next_target(su->su_vm) != NULL ?
	    vmrun_vm_next_target(su->su_vm) : vmrun_vm_target(su->su_vm));
}

static const char *
state_word(const struct vmrun_sup *su)
{
	static const char *const words[] = { "starting", "running",
	    "restarting", "stopping" };

	if (su->su_stop)
		return ("stopping");
	if (su->su_restart)
		return ("restarting");
	return (words[su->su_state]);
}

static void
reply_status(struct vmrun_sup *su, struct client *cl)
{
	json_t *o, *x;
	char t[64];
	int bad;

	if ((o = answer(true, "status")) == NULL) {
		client_drop(cl);
		return;
	}
	event_time(su->su_started_ms, t, sizeof(t));
	bad = json_object_set_new(o, "vm", json_string(su->su_name));
	bad |= json_object_set_new(o, "state", json_string(state_word(su)));
	bad |= json_object_set_new(o, "target", json_string(su->su_vm != NULL ?
	    vmrun_vm_target(su->su_vm) : su->su_target));
	bad |= json_object_set_new(o, "run", json_integer(su->su_run));
	bad |= json_object_set_new(o, "pid", bhyve_running(su) ?
	    json_integer(su->su_child.c_pid) : json_null());
	bad |= json_object_set_new(o, "reboots", json_integer(su->su_reboots));
	bad |= json_object_set_new(o, "started", json_string(t));
	x = json_null();
	if (su->su_exited && (x = json_object()) != NULL) {
		bad |= json_object_set_new(x, "status", su->su_last_exit >= 0 ?
		    json_integer(su->su_last_exit) : json_null());
		bad |= json_object_set_new(x, "signal",
		    sig_or_null(su->su_last_sig));
		bad |= json_object_set_new(x, "meaning",
		    json_string(su->su_last_meaning));
	}
	bad |= json_object_set_new(o, "last_exit", x);
	bad |= json_object_set_new(o, "next_target", str_or_null(next_of(su)));
	bad |= json_object_set_new(o, "control", json_string(su->su_srv.cs_path));
	bad |= json_object_set_new(o, "console", su->su_con.co_master >= 0 ?
	    json_string(su->su_con.co_path) : json_null());
	if (bad) {
		json_decref(o);
		o = NULL;
	}
	client_json(cl, o);
}

static bool
known_target(const struct vmrun_sup *su, const char *t)
{
	const struct vmrun_vm *vm;

	return (vmrun_config_resolve(su->su_cf, t, &vm) == VMRUN_OK);
}

static const char *
error_text(const char *code)
{
	static const struct {
		const char	*et_code;
		const char	*et_text;
	} texts[] = {
		{ "stopping", "the VM is stopping" },
		{ "not-running", "no bhyve runs now" },
		{ "no-console", "no COM port of this VM is captured" },
		{ "console-busy", "another client writes to the console; "
		    "attach to read only" },
	};
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (strcmp(texts[i].et_code, code) == 0)
			return (texts[i].et_text);
	return ("out of memory");
}

static bool
console_writer(const struct vmrun_sup *su)
{
	size_t i;

	for (i = 0; i < SRV_CLIENTS; i++)
		if (su->su_srv.cs_cl[i].cl_fd >= 0 &&
		    su->su_srv.cs_cl[i].cl_writer)
			return (true);
	return (false);
}

/* The console's last lines, as text that JSON can hold. */
static void
reply_tail(struct vmrun_sup *su, struct client *cl, size_t lines)
{
	struct strbuf sb;
	json_t *o;
	char *t;

	o = NULL;
	sb_init(&sb);
	if ((t = console_tail(&su->su_con, lines)) != NULL) {
		sb_add_utf8(&sb, t, strlen(t));
		xfree(t);
		if (!sb.sb_nomem && (o = answer(true, "console-tail")) != NULL &&
		    json_object_set_new(o, "text", json_stringn(sb.sb_buf ?
		    sb.sb_buf : "", sb.sb_len))) {
			json_decref(o);
			o = NULL;
		}
	}
	sb_free(&sb);
	client_json(cl, o);
}

/*
 * From now on the connection carries the console's bytes: first what
 * the ring holds (as much as a client may leave unread, half of it),
 * then what the guest writes; and, for the writer, the guest's input.
 */
static void
attach(struct vmrun_sup *su, struct client *cl, bool write)
{
	char *buf;
	size_t n;

	client_json(cl, answer(true, "console"));
	if (cl->cl_fd < 0)
		return;
	cl->cl_console = true;
	cl->cl_writer = write;
	cl->cl_sub = false;
	n = su->su_con.co_len < SRV_OUTBUF / 2 ? su->su_con.co_len :
	    SRV_OUTBUF / 2;
	if (n == 0)
		return;
	if ((buf = xmalloc(n)) == NULL) {
		client_drop(cl);
		return;
	}
	n = console_ring_copy(&su->su_con, buf, n);
	client_put_raw(cl, buf, n, false);
	xfree(buf);
}

/* What the guest wrote, to every attached client. */
static void
con_tap(struct vmrun_sup *su, const char *buf, size_t n)
{
	struct client *cl;
	size_t i;

	for (i = 0; i < SRV_CLIENTS; i++) {
		cl = &su->su_srv.cs_cl[i];
		if (cl->cl_fd >= 0 && cl->cl_console)
			client_put_raw(cl, buf, n, false);
	}
}

/* Act on one request line and answer it. */
static void
handle(struct vmrun_sup *su, struct client *cl, const char *line, size_t len)
{
	static const char *const names[] = { "status", "stop", "reset",
	    "poweroff", "next-target", "restart", "subscribe", "console",
	    "console-tail" };
	struct ctlreq rq;
	const char *code, *name;
	char msg[256], *t;
	json_t *o;

	if ((code = ctl_parse(line, len, &rq, msg, sizeof(msg))) != NULL) {
		reply_error(cl, NULL, code, msg);
		ctl_req_free(&rq);
		return;
	}
	name = names[rq.cr_req];
	code = NULL;
	if (rq.cr_target != NULL && !known_target(su, rq.cr_target)) {
		snprintf(msg, sizeof(msg), "no target named \"%.64s\"",
		    rq.cr_target);
		code = "unknown-target";
	}
	switch (code != NULL ? CR_STATUS : rq.cr_req) {
	case CR_STATUS:
		if (code == NULL)
			reply_status(su, cl);
		break;
	case CR_STOP:
		control_stop(su, 0, rq.cr_force);
		break;
	case CR_RESET:
	case CR_POWEROFF:
		if (su->su_stop || !control_bhyve(su, rq.cr_req == CR_RESET ?
		    "--force-reset" : "--force-poweroff"))
			code = su->su_stop ? "stopping" : "not-running";
		break;
	case CR_NEXT_TARGET:
		t = NULL;
		if (rq.cr_target != NULL && (t = xstrdup(rq.cr_target)) ==
		    NULL) {
			code = "no-memory";
			break;
		}
		xfree(su->su_next);
		su->su_next = t;
		break;
	case CR_RESTART:
		if (!control_restart(su, rq.cr_target))
			code = su->su_stop ? "stopping" : "not-running";
		break;
	case CR_SUBSCRIBE:
		cl->cl_sub = true;
		break;
	case CR_CONSOLE:
	case CR_CONSOLE_TAIL:
		if (su->su_con.co_master < 0)
			code = "no-console";
		else if (rq.cr_req == CR_CONSOLE && !rq.cr_readonly &&
		    console_writer(su))
			code = "console-busy";
		break;
	}
	if (code != NULL) {
		if (msg[0] == '\0' || strcmp(code, "unknown-target") != 0)
			snprintf(msg, sizeof(msg), "%s", error_text(code));
		reply_error(cl, name, code, msg);
	} else if (rq.cr_req == CR_CONSOLE_TAIL)
		reply_tail(su, cl, rq.cr_lines > 0 ? (size_t)rq.cr_lines : 20);
	else if (rq.cr_req == CR_CONSOLE)
		attach(su, cl, !rq.cr_readonly);
	else if (rq.cr_req != CR_STATUS) {
		o = answer(true, name);
		if (o != NULL && rq.cr_req == CR_NEXT_TARGET &&
		    json_object_set_new(o, "next_target",
		    str_or_null(next_of(su)))) {
			json_decref(o);
			o = NULL;
		}
		client_json(cl, o);
	}
	ctl_req_free(&rq);
}

/* Read what the client sent; act on each whole line. */
static void
client_read(struct vmrun_sup *su, struct client *cl)
{
	char *nl;
	size_t len;
	ssize_t n;
	int i;

	for (i = 0; i < READS_PER_WAKE && cl->cl_fd >= 0 && !cl->cl_closing;
	    i++) {
		n = read(cl->cl_fd, cl->cl_in + cl->cl_inlen, SRV_LINE -
		    cl->cl_inlen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {		/* gone; a partial line goes too */
			client_drop(cl);
			return;
		}
		if (cl->cl_console) {	/* input for the guest, or nothing */
			if (cl->cl_writer)
				console_write(su, cl->cl_in, (size_t)n);
			continue;
		}
		cl->cl_inlen += (size_t)n;
		while (cl->cl_fd >= 0 && !cl->cl_closing && !cl->cl_console &&
		    (nl = memchr(cl->cl_in, '\n', cl->cl_inlen)) != NULL) {
			len = (size_t)(nl - cl->cl_in);
			handle(su, cl, cl->cl_in, len);
			if (cl->cl_fd < 0)
				return;
			cl->cl_inlen -= len + 1;
			memmove(cl->cl_in, nl + 1, cl->cl_inlen);
		}
		if (cl->cl_console) {	/* what came after "console" */
			if (cl->cl_writer)
				console_write(su, cl->cl_in, cl->cl_inlen);
			cl->cl_inlen = 0;
		}
		if (cl->cl_fd >= 0 && cl->cl_inlen == SRV_LINE) {
			reply_error(cl, NULL, "line-too-long", "a request "
			    "line is at most 4096 bytes");
			cl->cl_inlen = 0;
			cl->cl_closing = true;
			client_flush(cl);
		}
	}
}

static void
accept_all(struct vmrun_sup *su)
{
	static const char busy[] = "{\"version\":1,\"ok\":false,"
	    "\"error\":\"too-many-clients\",\"message\":\"as many clients "
	    "as vmrun serves are connected\"}\n";
	struct client *cl;
	size_t i;
	int fd;

	for (;;) {
		if ((fd = accept(su->su_srv.cs_fd, NULL, NULL)) < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return;		/* EAGAIN: no more; EMFILE: later */
		}
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
		(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		for (i = 0; i < SRV_CLIENTS && su->su_srv.cs_cl[i].cl_fd >= 0;
		    i++)
			;
		if (i == SRV_CLIENTS) {
			/* Told at once; its socket buffer takes one line. */
			(void)send(fd, busy, strlen(busy), MSG_NOSIGNAL);
			close(fd);
			continue;
		}
		cl = &su->su_srv.cs_cl[i];
		if ((cl->cl_in = xmalloc(SRV_LINE)) == NULL) {
			close(fd);
			continue;
		}
		cl->cl_fd = fd;
	}
}

/* Every event, as a line, to every subscriber. */
static void
tap(struct vmrun_sup *su, const struct vmrun_event *ev)
{
	struct client *cl;
	char *s;
	size_t i;

	s = NULL;
	for (i = 0; i < SRV_CLIENTS; i++) {
		cl = &su->su_srv.cs_cl[i];
		if (cl->cl_fd < 0 || !cl->cl_sub || cl->cl_closing)
			continue;
		if (s == NULL && (s = vmrun_event_json(ev)) == NULL)
			return;
		client_put(cl, s);
	}
	xfree(s);
}

/* The descriptors to watch, into pfd (room for n); how many. */
int
ctlsrv_watch(struct vmrun_sup *su, struct pollfd *pfd, int n)
{
	struct client *cl;
	int i, k;

	k = 0;
	if (su->su_srv.cs_fd < 0 || n < 1)
		return (0);
	pfd[k].fd = su->su_srv.cs_fd;
	pfd[k].events = POLLIN;
	pfd[k++].revents = 0;
	for (i = 0; i < SRV_CLIENTS && k < n; i++) {
		cl = &su->su_srv.cs_cl[i];
		if (cl->cl_fd < 0)
			continue;
		pfd[k].fd = cl->cl_fd;
		pfd[k].events = (cl->cl_closing ? 0 : POLLIN) |
		    (cl->cl_outlen > 0 ? POLLOUT : 0);
		pfd[k++].revents = 0;
	}
	return (k);
}

/* Act on what poll reported for the descriptors of ctlsrv_watch. */
void
ctlsrv_serve(struct vmrun_sup *su, const struct pollfd *pfd, int n)
{
	struct client *cl;
	int i, k;

	if (n < 1)
		return;
	for (k = 1, i = 0; i < SRV_CLIENTS && k < n; i++) {
		cl = &su->su_srv.cs_cl[i];
		if (cl->cl_fd < 0 || cl->cl_fd != pfd[k].fd)
			continue;
		if (pfd[k].revents & POLLOUT)
			client_flush(cl);
		if (cl->cl_fd >= 0 && (pfd[k].revents & (POLLIN | POLLHUP |
		    POLLERR)))
			client_read(su, cl);
		if (cl->cl_fd >= 0 && cl->cl_closing &&
		    (pfd[k].revents & (POLLHUP | POLLERR)))
			client_drop(cl);
		k++;
	}
	if (pfd[0].revents & POLLIN)
		accept_all(su);
}

/*
 * The socket's path: --control, or NAME.sock beside the lock (-P), or
 * in /var/run/vmrun.  NULL: none.
 */
static char *
srv_path(struct vmrun_sup *su)
{
	const char *lock, *slash, *c;
	char buf[PATH_MAX];

	if ((c = su->su_opts->op_control) != NULL)
		return (xstrdup(c));
	lock = su->su_opts->op_lockfile;
	if (lock != NULL && (slash = strrchr(lock, '/')) != NULL)
		snprintf(buf, sizeof(buf), "%.*s/%s.sock", (int)(slash - lock),
		    lock, su->su_name);
	else if (lock != NULL)
		snprintf(buf, sizeof(buf), "%s.sock", su->su_name);
	else
		snprintf(buf, sizeof(buf), "%s/%s.sock", VMRUN_RUNDIR,
		    su->su_name);
	return (xstrdup(buf));
}

/* What is at path may be replaced: nothing, or a stale socket of ours. */
static int
srv_clear(const char *path, struct vmrun_diags *ds)
{
	struct stat sb;

	if (lstat(path, &sb) != 0)
		return (0);
	if (!S_ISSOCK(sb.st_mode)) {
		diag_add(ds, VMRUN_ERROR, "control-in-use", "", NULL,
		    "the control socket %s exists and is not a socket; vmrun "
		    "never removes it", path);
		return (69);
	}
	if (unix_socket_live(path)) {
		diag_add(ds, VMRUN_ERROR, "control-in-use", "", NULL,
		    "the control socket %s is in use by another program",
		    path);
		return (69);
	}
	if (sb.st_uid != geteuid()) {
		diag_add(ds, VMRUN_ERROR, "control-in-use", "", NULL,
		    "the control socket %s is a stale socket of another "
		    "user; vmrun does not remove it", path);
		return (69);
	}
	(void)unlink(path);
	return (0);
}

/*
 * Make the control socket (mode 0600, or 0660 for --control-group):
 * 0, 69 when its path is taken, 71 when the system refuses.
 */
int
ctlsrv_open(struct vmrun_sup *su, struct vmrun_diags *ds)
{
	struct ctlsrv *cs;
	struct sockaddr_un sun;
	struct group *gr;
	struct stat sb;
	mode_t mask;
	int rc, e;

	cs = &su->su_srv;
	if (su->su_opts->op_control != NULL &&
	    su->su_opts->op_control[0] == '\0')
		return (0);		/* --control '': none */
	if ((cs->cs_path = srv_path(su)) == NULL) {
		diag_add(ds, VMRUN_ERROR, "control-failed", "", NULL,
		    "out of memory");
		return (71);
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(cs->cs_path) >= sizeof(sun.sun_path)) {
		diag_add(ds, VMRUN_ERROR, "control-failed", "", NULL,
		    "the control socket path %s is longer than %zu bytes",
		    cs->cs_path, sizeof(sun.sun_path) - 1);
		return (69);
	}
	memcpy(sun.sun_path, cs->cs_path, strlen(cs->cs_path));
	gr = NULL;
	if (su->su_opts->op_control_group != NULL &&
	    (gr = getgrnam(su->su_opts->op_control_group)) == NULL) {
		diag_add(ds, VMRUN_ERROR, "control-failed", "", NULL,
		    "no group named %s for the control socket",
		    su->su_opts->op_control_group);
		return (69);
	}
	if ((rc = srv_clear(cs->cs_path, ds)) != 0)
		return (rc);
	if ((cs->cs_fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		goto fail;
	(void)fcntl(cs->cs_fd, F_SETFD, FD_CLOEXEC);
	(void)fcntl(cs->cs_fd, F_SETFL, fcntl(cs->cs_fd, F_GETFL) | O_NONBLOCK);
	/* 0600 from the start: never reachable by others, even briefly. */
	mask = umask(0177);
	rc = bind(cs->cs_fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(mask);
	if (rc != 0 || listen(cs->cs_fd, 16) != 0 ||
	    lstat(cs->cs_path, &sb) != 0)
		goto fail;
	cs->cs_dev = sb.st_dev;
	cs->cs_ino = sb.st_ino;
	if (gr != NULL && (chown(cs->cs_path, (uid_t)-1, gr->gr_gid) != 0 ||
	    chmod(cs->cs_path, 0660) != 0))
		goto fail;
	su->su_tap = tap;
	su->su_con_tap = con_tap;
	return (0);
fail:
	e = errno;
	diag_add(ds, VMRUN_ERROR, "control-failed", "", NULL,
	    "cannot make the control socket %s: %s", cs->cs_path, strerror(e));
	ctlsrv_close(su);
	return (71);
}

/* Clients get what is pending, as far as they take it now; then close. */
void
ctlsrv_close(struct vmrun_sup *su)
{
	struct ctlsrv *cs;
	struct stat sb;
	size_t i;

	cs = &su->su_srv;
	su->su_tap = NULL;
	su->su_con_tap = NULL;
	for (i = 0; i < SRV_CLIENTS; i++) {
		client_flush(&cs->cs_cl[i]);
		client_drop(&cs->cs_cl[i]);
	}
	if (cs->cs_fd >= 0) {
		close(cs->cs_fd);
		cs->cs_fd = -1;
		if (lstat(cs->cs_path, &sb) == 0 && sb.st_dev == cs->cs_dev &&
		    sb.st_ino == cs->cs_ino)
			(void)unlink(cs->cs_path);
	}
	xfree(cs->cs_path);
	cs->cs_path = NULL;
}

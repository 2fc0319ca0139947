/*
 * ctlreq: the requests of the control protocol (vmrun(8) CONTROL) --
 * parsed against a table, acted on through control.c as signals are,
 * and answered, one JSON object a line.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmrun_impl.h"
#include "supervise.h"

/* What a value is, for a message: "an array". */
static const char *
jw_type_word(const jw_t *j)
{
	switch (jw_typeof(j)) {
	case JW_OBJECT:
		return ("an object");
	case JW_ARRAY:
		return ("an array");
	case JW_STRING:
		return ("a string");
	case JW_INTEGER:
		return ("an integer");
	case JW_REAL:
		return ("a number with a fraction or exponent");
	case JW_TRUE:
	case JW_FALSE:
		return ("a boolean");
	case JW_NULL:
		return ("null");
	}
	return ("?");
}

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
	{ "reload", CR_RELOAD, NULL, 0, false },
};
#define NREQS	(sizeof(reqs) / sizeof(reqs[0]))

static unsigned
type_bit(const jw_t *v)
{
	if (jw_is_string(v))
		return (T_STR);
	if (jw_is_boolean(v))
		return (T_BOOL);
	if (jw_is_null(v))
		return (T_NULL);
	if (jw_is_integer(v))
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
	char why[200];
	jw_t *o, *v;
	const char *k, *name;
	size_t i;

	memset(rq, 0, sizeof(*rq));
	msg[0] = '\0';
	/* Any JSON value is JSON: one that is not an object is a request. */
	if ((o = jw_loads(line, len, why, sizeof(why))) == NULL) {
		snprintf(msg, msglen, "not JSON: %s", why);
		return ("bad-json");
	}
	rq->cr_json = o;
	if (!jw_is_object(o)) {
		snprintf(msg, msglen, "a request is a JSON object, not %s",
		    jw_type_word(o));
		return ("bad-request");
	}
	rq->cr_name = jw_string_value(jw_object_get(o, "request"));
	v = jw_object_get(o, "version");
	if (v != NULL && (!jw_is_integer(v) ||
	    jw_integer_value(v) != SRV_VERSION)) {
		snprintf(msg, msglen, "this vmrun speaks version %d",
		    SRV_VERSION);
		return ("bad-version");
	}
	if ((name = rq->cr_name) == NULL) {
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
	jw_object_foreach(o, k, v) {
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
			    jw_type_word(v));
			return ("bad-request");
		}
	}
	v = reqs[i].rq_member != NULL ?
	    jw_object_get(o, reqs[i].rq_member) : NULL;
	if (reqs[i].rq_required && v == NULL) {
		snprintf(msg, msglen, "%s needs \"%s\"", name,
		    reqs[i].rq_member);
		return ("bad-request");
	}
	rq->cr_force = jw_is_true(v);
	rq->cr_readonly = !jw_is_true(v);
	rq->cr_target = jw_string_value(v);
	if (jw_is_integer(v)) {
		rq->cr_lines = jw_integer_value(v);
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
	jw_decref(rq->cr_json);
	rq->cr_json = NULL;
}

static jw_t *
answer(bool ok, const char *request)
{
	jw_t *o;

	if ((o = jw_object()) == NULL)
		return (NULL);
	if (jw_object_set_new(o, "version", jw_integer(SRV_VERSION)) ||
	    jw_object_set_new(o, "ok", jw_boolean(ok)) ||
	    (request != NULL &&
	    jw_object_set_new(o, "request", jw_string(request)))) {
		jw_decref(o);
		return (NULL);
	}
	return (o);
}

void
ctlreq_error(struct client *cl, const char *request, const char *code,
    const char *msg)
{
	jw_t *o;

	if ((o = answer(false, request)) != NULL &&
	    (jw_object_set_new(o, "error", jw_string(code)) ||
	    jw_object_set_new(o, "message", jw_string(msg)))) {
		jw_decref(o);
		o = NULL;
	}
	client_json(cl, o);
}

static jw_t *
str_or_null(const char *s)
{
	return (s != NULL ? jw_string(s) : jw_null());
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
	static const char *const words[] = {
		[VMRUN_SUP_STARTING] = "starting",
		[VMRUN_SUP_RUNNING] = "running",
		[VMRUN_SUP_STOPPING] = "stopping",
		[VMRUN_SUP_RESTARTING] = "restarting",
		[VMRUN_SUP_ENDED] = "stopping"	/* bhyve ended: the stop ends */
	};

	return (words[control_state(su)]);
}

/* The error code of a request the supervisor refused, or NULL. */
static const char *
refusal(enum vmrun_status st)
{
	switch (st) {
	case VMRUN_OK:
		return (NULL);
	case VMRUN_ERR_STOPPING:
		return ("stopping");
	case VMRUN_ERR_NOTRUNNING:
		return ("not-running");
	default:
		return ("no-memory");
	}
}

static void
reply_status(struct vmrun_sup *su, struct client *cl)
{
	jw_t *o, *x;
	char t[64];
	int bad;

	if ((o = answer(true, "status")) == NULL) {
		client_drop(cl);
		return;
	}
	event_time(su->su_started_ms, t, sizeof(t));
	bad = jw_object_set_new(o, "vm", jw_string(su->su_name));
	bad |= jw_object_set_new(o, "state", jw_string(state_word(su)));
	bad |= jw_object_set_new(o, "target", jw_string(su->su_vm != NULL ?
	    vmrun_vm_target(su->su_vm) : su->su_target));
	bad |= jw_object_set_new(o, "run", jw_integer(su->su_run));
	bad |= jw_object_set_new(o, "pid", bhyve_running(su) ?
	    jw_integer(su->su_child.c_pid) : jw_null());
	bad |= jw_object_set_new(o, "reboots", jw_integer(su->su_reboots));
	bad |= jw_object_set_new(o, "started", jw_string(t));
	x = jw_null();
	if (su->su_exited && (x = jw_object()) != NULL) {
		bad |= jw_object_set_new(x, "status", su->su_last_exit >= 0 ?
		    jw_integer(su->su_last_exit) : jw_null());
		bad |= jw_object_set_new(x, "signal",
		    sig_or_null(su->su_last_sig));
		bad |= jw_object_set_new(x, "meaning",
		    jw_string(su->su_last_meaning));
	}
	bad |= jw_object_set_new(o, "last_exit", x);
	bad |= jw_object_set_new(o, "next_target", str_or_null(next_of(su)));
	bad |= jw_object_set_new(o, "control", jw_string(su->su_srv.cs_path));
	bad |= jw_object_set_new(o, "console", su->su_con.co_master >= 0 ?
	    jw_string(su->su_con.co_path) : jw_null());
	if (bad) {
		jw_decref(o);
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

/*
 * The console's last lines, as text that JSON can hold: what is not
 * UTF-8, and NUL, which a client need not take in a string, is U+FFFD.
 */
static void
reply_tail(struct vmrun_sup *su, struct client *cl, size_t lines)
{
	struct strbuf sb;
	jw_t *o;
	char *t, *p, *nul;
	size_t n;

	o = NULL;
	sb_init(&sb);
	if ((t = console_tail(&su->su_con, lines, &n)) != NULL) {
		for (p = t; (nul = memchr(p, '\0', n - (size_t)(p - t))) !=
		    NULL; p = nul + 1) {
			sb_add_utf8(&sb, p, (size_t)(nul - p));
			sb_add(&sb, "\xef\xbf\xbd");
		}
		sb_add_utf8(&sb, p, n - (size_t)(p - t));
		xfree(t);
		if (!sb.sb_nomem && (o = answer(true, "console-tail")) != NULL &&
		    jw_object_set_new(o, "text", jw_stringn(sb.sb_buf ?
		    sb.sb_buf : "", sb.sb_len))) {
			jw_decref(o);
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

/* Free the configurations replaced by reloads: no run uses them now. */
void
reload_settle(struct vmrun_sup *su)
{
	while (su->su_ncf_old > 0)
		vmrun_config_free(su->su_cf_old[--su->su_ncf_old]);
}

/* An error answer for reload carrying the diagnostics of ds. */
static jw_t *
reload_error(const char *request, const char *code, const char *msg,
    const struct vmrun_diags *ds)
{
	jw_t *o, *doc;
	char *s;
	int bad;

	if ((o = answer(false, request)) == NULL)
		return (NULL);
	bad = jw_object_set_new(o, "error", jw_string(code));
	bad |= jw_object_set_new(o, "message", jw_string(msg));
	doc = NULL;
	if (ds != NULL && (s = vmrun_diags_json(ds, NULL)) != NULL) {
		doc = jw_loads(s, strlen(s), NULL, 0);
		free(s);
	}
	if (doc != NULL)
		bad |= jw_object_set(o, "diagnostics",
		    jw_object_get(doc, "diagnostics"));
	jw_decref(doc);
	if (bad) {
		jw_decref(o);
		return (NULL);
	}
	return (o);
}

/*
 * Re-read the configuration file and make it the one the next start
 * uses: NULL, or an error answer (new) saying why the running one
 * stays.  The file is read only when it is a regular file, so that a
 * FIFO put in its place cannot block the loop.
 */
static jw_t *
reload(struct vmrun_sup *su, const char *request)
{
	struct vmrun_config *cf, **old;
	struct vmrun_diags *ds;
	const struct vmrun_vm *vm;
	const struct vmrun_diag *d;
	const char *file, *next;
	struct stat sb;
	char msg[512];
	jw_t *o;
	size_t i;

	if ((file = su->su_opts->op_config_file) == NULL)
		return (reload_error(request, "no-config-file", "the "
		    "configuration came from standard input: there is no "
		    "file to re-read", NULL));
	if (stat(file, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(msg, sizeof(msg), "%.400s: %s", file, stat(file,
		    &sb) != 0 ? strerror(errno) : "not a regular file");
		return (reload_error(request, "cannot-read", msg, NULL));
	}
	if ((ds = vmrun_diags_new()) == NULL)
		return (reload_error(request, "no-memory", "out of memory",
		    NULL));
	o = NULL;
	cf = NULL;
	if (vmrun_config_load_file(file, ds, &cf) != VMRUN_OK) {
		d = NULL;
		for (i = 0; i < vmrun_diags_count(ds) && d == NULL; i++)
			if (vmrun_diag_severity(vmrun_diags_get(ds, i)) ==
			    VMRUN_ERROR)
				d = vmrun_diags_get(ds, i);
		snprintf(msg, sizeof(msg), "%.300s is not valid%s%.150s; "
		    "the running configuration stays", file, d != NULL ?
		    ": " : "", d != NULL ? vmrun_diag_message(d) : "");
		o = reload_error(request, strcmp(vmrun_diags_count(ds) > 0 ?
		    vmrun_diag_code(vmrun_diags_get(ds, 0)) : "",
		    "cannot-read") == 0 ? "cannot-read" : "invalid-config",
		    msg, ds);
		goto out;
	}
	next = next_of(su);
	if (strcmp(vmrun_config_name(cf), su->su_name) != 0) {
		snprintf(msg, sizeof(msg), "%.300s names the VM \"%.64s\", "
		    "not \"%.64s\": a new name is a new VM; the running "
		    "configuration stays", file, vmrun_config_name(cf),
		    su->su_name);
		o = reload_error(request, "name-changed", msg, NULL);
	} else if (next != NULL && vmrun_config_resolve(cf, next, &vm) !=
	    VMRUN_OK) {
		snprintf(msg, sizeof(msg), "%.300s has no target \"%.64s\", "
		    "the next run's; the running configuration stays", file,
		    next);
		o = reload_error(request, "unknown-target", msg, NULL);
	} else if (su->su_cf_own != NULL && (old = xrealloc(su->su_cf_old,
	    (su->su_ncf_old + 1) * sizeof(*old))) == NULL)
		o = reload_error(request, "no-memory", "out of memory", NULL);
	else {
		/* The current run keeps the old one until it ends. */
		if (su->su_cf_own != NULL) {
			su->su_cf_old = old;
			su->su_cf_old[su->su_ncf_old++] = su->su_cf_own;
		}
		su->su_cf = su->su_cf_own = cf;
		su->su_name = vmrun_config_name(cf);
		cf = NULL;
	}
out:
	vmrun_config_free(cf);
	vmrun_diags_free(ds);
	return (o);
}

/* Act on one request line and answer it. */
void
ctlreq_handle(struct vmrun_sup *su, struct client *cl, const char *line,
    size_t len)
{
	static const char *const names[] = { "status", "stop", "reset",
	    "poweroff", "next-target", "restart", "subscribe", "console",
	    "console-tail", "reload" };
	struct ctlreq rq;
	const char *code, *name;
	char msg[256];
	jw_t *o;

	if ((code = ctl_parse(line, len, &rq, msg, sizeof(msg))) != NULL) {
		ctlreq_error(cl, rq.cr_name, code, msg);
		ctl_req_free(&rq);
		return;
	}
	name = names[rq.cr_req];
	code = NULL;
	/* reload, and restart before its target is looked up: the file. */
	if ((rq.cr_req == CR_RELOAD || (rq.cr_req == CR_RESTART &&
	    su->su_opts->op_config_file != NULL)) && !su->su_stop &&
	    (o = reload(su, name)) != NULL) {
		client_json(cl, o);
		ctl_req_free(&rq);
		return;
	}
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
		control_stop(su, 0, rq.cr_force, true);
		break;
	case CR_RESET:
	case CR_POWEROFF:
		code = refusal(control_force(su, rq.cr_req == CR_RESET ?
		    "--force-reset" : "--force-poweroff"));
		break;
	case CR_NEXT_TARGET:
		code = refusal(control_next(su, rq.cr_target));
		break;
	case CR_RESTART:
		code = refusal(control_restart(su, rq.cr_target));
		break;
	case CR_SUBSCRIBE:
		cl->cl_sub = true;
		break;
	case CR_RELOAD:
		if (su->su_stop)
			code = "stopping";
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
		ctlreq_error(cl, name, code, msg);
	} else if (rq.cr_req == CR_CONSOLE_TAIL)
		reply_tail(su, cl, rq.cr_lines > 0 ? (size_t)rq.cr_lines : 20);
	else if (rq.cr_req == CR_CONSOLE)
		attach(su, cl, !rq.cr_readonly);
	else if (rq.cr_req != CR_STATUS) {
		o = answer(true, name);
		if (o != NULL && rq.cr_req == CR_NEXT_TARGET &&
		    jw_object_set_new(o, "next_target",
		    str_or_null(next_of(su)))) {
			jw_decref(o);
			o = NULL;
		}
		client_json(cl, o);
	}
	ctl_req_free(&rq);
}


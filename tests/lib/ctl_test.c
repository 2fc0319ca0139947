/*
 * ctl_test: the control protocol (vmrun(8) CONTROL) -- the request
 * parser, the client's text and result of a line, and a server and its
 * clients over a real socket, the server driven step by step.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "vmrun_impl.h"
#include "supervise.h"
#include "testutil.h"

/* The error code ctl_parse gives line, or "ok". */
static const char *
parse(const char *line, struct ctlreq *rq)
{
	char msg[256];
	const char *code;

	code = ctl_parse(line, strlen(line), rq, msg, sizeof(msg));
	if (code != NULL)
		ATF_CHECK_MSG(msg[0] != '\0', "%s: no message", line);
	return (code != NULL ? code : "ok");
}

static void
expect_parse(const char *line, const char *want)
{
	struct ctlreq rq;

	ATF_CHECK_STREQ_MSG(want, parse(line, &rq), "%s", line);
	ctl_req_free(&rq);
}

ATF_TC_WITHOUT_HEAD(parse_requests);
ATF_TC_BODY(parse_requests, tc)
{
	struct ctlreq rq;

	ATF_REQUIRE_STREQ("ok", parse("{\"request\":\"status\"}", &rq));
	ATF_CHECK_EQ(CR_STATUS, rq.cr_req);
	ctl_req_free(&rq);
	ATF_REQUIRE_STREQ("ok", parse("{\"version\":1,\"request\":\"stop\","
	    "\"force\":true}", &rq));
	ATF_CHECK_EQ(CR_STOP, rq.cr_req);
	ATF_CHECK(rq.cr_force);
	ctl_req_free(&rq);
	ATF_REQUIRE_STREQ("ok", parse("{\"request\":\"next-target\","
	    "\"target\":\"install\"}", &rq));
	ATF_CHECK_EQ(CR_NEXT_TARGET, rq.cr_req);
	ATF_CHECK_STREQ("install", rq.cr_target);
	ctl_req_free(&rq);
	ATF_REQUIRE_STREQ("ok", parse("{\"request\":\"next-target\","
	    "\"target\":null}", &rq));
	ATF_CHECK(rq.cr_target == NULL);
	ctl_req_free(&rq);
	ATF_REQUIRE_STREQ("ok", parse("{\"request\":\"restart\"}", &rq));
	ATF_CHECK_EQ(CR_RESTART, rq.cr_req);
	ATF_CHECK(rq.cr_target == NULL);
	ctl_req_free(&rq);
	expect_parse("{\"request\":\"reset\"}", "ok");
	expect_parse("{\"request\":\"poweroff\"}", "ok");
	expect_parse("{\"request\":\"subscribe\"}", "ok");
}

ATF_TC_WITHOUT_HEAD(parse_errors);
ATF_TC_BODY(parse_errors, tc)
{
	expect_parse("", "bad-json");
	expect_parse("{\"request\":", "bad-json");
	expect_parse("{\"request\":\"status\",\"request\":\"stop\"}",
	    "bad-json");
	expect_parse("[\"status\"]", "bad-request");
	/* JSON that is not an object is a bad request, not bad JSON. */
	expect_parse("\"status\"", "bad-request");
	expect_parse("42", "bad-request");
	expect_parse("null", "bad-request");
	expect_parse("true", "bad-request");
	expect_parse("4 2", "bad-json");
	/* A NUL would cut the name short: "stop" is not what was sent. */
	expect_parse("{\"request\":\"stop\\u0000now\"}", "bad-json");
	expect_parse("{\"request\":\"status\",\"a\\u0000\":1}", "bad-json");
	expect_parse("{}", "bad-request");
	expect_parse("{\"request\":7}", "bad-request");
	expect_parse("{\"request\":\"reboot\"}", "unknown-request");
	expect_parse("{\"version\":2,\"request\":\"status\"}", "bad-version");
	expect_parse("{\"version\":\"1\",\"request\":\"status\"}",
	    "bad-version");
	expect_parse("{\"request\":\"status\",\"force\":true}", "bad-request");
	expect_parse("{\"request\":\"stop\",\"force\":1}", "bad-request");
	expect_parse("{\"request\":\"next-target\"}", "bad-request");
	expect_parse("{\"request\":\"restart\",\"target\":null}",
	    "bad-request");
	expect_parse("{\"request\":\"restart\",\"target\":[\"a\"]}",
	    "bad-request");
}

/*
 * What the guest writes, as the ring must give it back: printable bytes
 * and newlines, never NUL (a NUL in the ring was never written), from a
 * generator that repeats no pattern a misplaced copy could match.
 */
static char *
guest_text(size_t n)
{
	unsigned long x;
	char *t;
	size_t i;

	ATF_REQUIRE((t = malloc(n)) != NULL);
	x = 12345;
	for (i = 0; i < n; i++) {
		x = x * 1103515245UL + 12345UL;
		t[i] = (x >> 16) % 61 == 0 ? '\n' : 'a' + (x >> 16) % 26;
	}
	return (t);
}

/*
 * Feed a ring of cap bytes the guest's text in reads of the sizes plan
 * gives, in turn, until 3 * cap + 4096 bytes are written; after every
 * read, what a client would get -- the whole ring replayed, and the
 * console-tail of every line -- is exactly the last bytes written.
 */
static void
ring_feed(size_t cap, const size_t *plan, size_t nplan)
{
	struct console co;
	char *text, *out, *t;
	size_t end, total, want, n, i, maxn, tn;

	maxn = 0;
	for (i = 0; i < nplan; i++)
		maxn = plan[i] > maxn ? plan[i] : maxn;
	end = 3 * cap + 4096;
	text = guest_text(end + maxn);
	ATF_REQUIRE((out = malloc(cap)) != NULL);
	memset(&co, 0, sizeof(co));
	co.co_cap = cap;
	for (total = 0, i = 0; total < end; i++) {
		n = plan[i % nplan];
		console_ring_add(&co, text + total, n);
		total += n;
		want = total < cap ? total : cap;
		ATF_REQUIRE_EQ_MSG(want, co.co_len, "cap %zu, %zu bytes in "
		    "reads of %zu: %zu bytes held", cap, total, n, co.co_len);
		ATF_REQUIRE_MSG(co.co_size <= cap && co.co_len <= co.co_size,
		    "cap %zu: size %zu, len %zu", cap, co.co_size, co.co_len);
		ATF_REQUIRE_EQ(want, console_ring_copy(&co, out, want));
		ATF_REQUIRE_MSG(memcmp(out, text + total - want, want) == 0,
		    "cap %zu, %zu bytes in reads of %zu: the replay is not "
		    "the last %zu bytes written", cap, total, n, want);
		ATF_REQUIRE((t = console_tail(&co, 100000, &tn)) != NULL);
		ATF_REQUIRE_EQ_MSG(want, tn, "cap %zu, %zu bytes: "
		    "console-tail has %zu", cap, total, tn);
		ATF_REQUIRE_EQ(want, strlen(t));
		ATF_REQUIRE(memcmp(t, text + total - want, want) == 0);
		xfree(t);
	}
	xfree(co.co_ring);
	free(out);
	free(text);
}

/*
 * The ring grows from 4096 bytes, doubling, to its size: reads that end
 * exactly on each size it passes through, and across them, leave it in
 * order -- a read that fills it to its current size must not wrap it.
 */
ATF_TC_WITHOUT_HEAD(console_ring_growth);
ATF_TC_BODY(console_ring_growth, tc)
{
	static const size_t caps[] = { 4096, 4097, 6000, 8192, 8193, 12288,
	    16384, 20000, 32768 + 7 };
	size_t plans[][3] = {
		{ 4096, 0, 0 },		/* a page, a pause, a page */
		{ 2048, 0, 0 },
		{ 4095, 1, 0 },
		{ 1, 4095, 0 },
		{ 4097, 0, 0 },
		{ 3000, 0, 0 },
		{ 4096, 4096, 8192 },
		{ 0, 0, 0 },		/* the ring's size in one read */
		{ 0, 1, 0 },		/* one byte short of it, then one */
		{ 0, 0, 0 },		/* one byte more than it */
	};
	size_t i, j, n, np;

	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		for (j = 0; j < sizeof(plans) / sizeof(plans[0]); j++) {
			if (j == 7)
				plans[j][0] = caps[i];
			else if (j == 8)
				plans[j][0] = caps[i] - 1;
			else if (j == 9)
				plans[j][0] = caps[i] + 1;
			for (np = 0, n = 0; n < 3 && plans[j][n] != 0; n++)
				np++;
			ring_feed(caps[i], plans[j], np);
		}
}

/* The "request" an error answer carries: the request's, when readable. */
static void
expect_name(const char *line, const char *code, const char *want)
{
	struct ctlreq rq;

	ATF_CHECK_STREQ_MSG(code, parse(line, &rq), "%s", line);
	if (want == NULL)
		ATF_CHECK_MSG(rq.cr_name == NULL, "%s: request %s", line,
		    rq.cr_name);
	else
		ATF_CHECK_STREQ_MSG(want, rq.cr_name != NULL ? rq.cr_name :
		    "(none)", "%s", line);
	ctl_req_free(&rq);
}

ATF_TC_WITHOUT_HEAD(parse_error_names);
ATF_TC_BODY(parse_error_names, tc)
{
	expect_name("{\"request\":\"reboot\"}", "unknown-request", "reboot");
	expect_name("{\"version\":2,\"request\":\"status\"}", "bad-version",
	    "status");
	expect_name("{\"request\":\"stop\",\"force\":1}", "bad-request",
	    "stop");
	expect_name("{\"request\":\"next-target\"}", "bad-request",
	    "next-target");
	expect_name("{\"request\":\"console-tail\",\"lines\":0}",
	    "bad-request", "console-tail");
	expect_name("{\"request\":7}", "bad-request", NULL);
	expect_name("{}", "bad-request", NULL);
	expect_name("\"status\"", "bad-request", NULL);
	expect_name("{\"request\":", "bad-json", NULL);
}

ATF_TC_WITHOUT_HEAD(client_text);
ATF_TC_BODY(client_text, tc)
{
	char *t, code[32];

	t = vmrun_ctl_text("{\"version\":1,\"ok\":false,\"request\":\"reset\","
	    "\"error\":\"stopping\",\"message\":\"a \\u001b[2J b\"}");
	ATF_REQUIRE(t != NULL);
	ATF_CHECK_STREQ("error: stopping: a \\033[2J b\n", t);
	free(t);
	t = vmrun_ctl_text("{\"time\":\"T\",\"vm\":\"lt\",\"event\":\"exit\","
	    "\"status\":0,\"signal\":null}");
	ATF_REQUIRE(t != NULL);
	ATF_CHECK_STREQ("T exit status=0 signal=-\n", t);
	free(t);
	t = vmrun_ctl_text("{\"version\":1,\"ok\":true,\"request\":\"status\","
	    "\"vm\":\"lt\",\"state\":\"running\",\"last_exit\":{\"status\":1,"
	    "\"signal\":null,\"meaning\":\"poweroff\"}}");
	ATF_REQUIRE(t != NULL);
	ATF_CHECK(strstr(t, "vm           lt\n") != NULL);
	ATF_CHECK(strstr(t, "state        running\n") != NULL);
	ATF_CHECK(strstr(t, "last_exit    poweroff (status 1, signal -)\n") !=
	    NULL);
	free(t);
	ATF_CHECK(vmrun_ctl_text("not json") == NULL);

	ATF_CHECK_EQ(1, vmrun_ctl_result("{\"ok\":true}", code,
	    sizeof(code)));
	ATF_CHECK_EQ(0, vmrun_ctl_result("{\"ok\":false,\"error\":\"x-y\"}",
	    code, sizeof(code)));
	ATF_CHECK_STREQ("x-y", code);
	ATF_CHECK_EQ(-1, vmrun_ctl_result("{\"event\":\"end\",\"ok\":true}",
	    code, sizeof(code)));
	ATF_CHECK_EQ(-1, vmrun_ctl_result("[", code, sizeof(code)));
	t = vmrun_ctl_path("lt");
	ATF_CHECK_STREQ("/var/run/vmrun/lt.sock", t);
	free(t);
	t = vmrun_ctl_path("./x.sock");
	ATF_CHECK_STREQ("./x.sock", t);
	free(t);
	ATF_CHECK(vmrun_ctl_path("") == NULL);
}

/* A supervisor whose socket is served by step() alone. */
struct srv {
	struct vmrun_config *sv_cf;
	struct vmrun_opts *sv_op;
	struct vmrun_diags *sv_ds;
	struct vmrun_sup *sv_su;
	char		 sv_path[64];
};

/* The supervisor, its socket not made yet; group: --control-group. */
static void
srv_new(struct srv *sv, const char *group)
{
	static const char cfg[] = "{\"name\":\"lt\",\"cpu\":1,"
	    "\"mem\":\"256M\",\"targets\":{\"install\":{}}}";

	sv->sv_ds = vmrun_diags_new();
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_config_load(cfg, strlen(cfg),
	    sv->sv_ds, &sv->sv_cf));
	ATF_REQUIRE((sv->sv_op = vmrun_opts_new()) != NULL);
	snprintf(sv->sv_path, sizeof(sv->sv_path), "./lt.sock");
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_opts_set_control(sv->sv_op,
	    sv->sv_path));
	if (group != NULL)
		ATF_REQUIRE_EQ(VMRUN_OK, vmrun_opts_set_control_group(
		    sv->sv_op, group));
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_sup_new(sv->sv_cf, NULL, sv->sv_op,
	    &sv->sv_su));
}

static void
srv_start(struct srv *sv)
{
	srv_new(sv, NULL);
	ATF_REQUIRE_EQ(0, ctlsrv_open(sv->sv_su, sv->sv_ds));
}

/* One round of the server: what poll reports now, served. */
static void
step(struct srv *sv)
{
	struct pollfd pfd[1 + SRV_CLIENTS];
	int n;

	n = ctlsrv_watch(sv->sv_su, pfd, 1 + SRV_CLIENTS);
	ATF_REQUIRE(poll(pfd, (nfds_t)n, 100) >= 0);
	ctlsrv_serve(sv->sv_su, pfd, n);
}

static void
srv_stop(struct srv *sv)
{
	ctlsrv_close(sv->sv_su);
	ATF_CHECK_MSG(access(sv->sv_path, F_OK) != 0, "socket left behind");
	vmrun_sup_free(sv->sv_su);
	vmrun_opts_free(sv->sv_op);
	vmrun_config_free(sv->sv_cf);
	vmrun_diags_free(sv->sv_ds);
}

/* Send a request and serve until its answer is there. */
static char *
call(struct srv *sv, struct vmrun_ctl *cc, const char *req, const char *arg)
{
	char *line;
	int i;

	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_ctl_send(cc, req, arg));
	for (i = 0; i < 20; i++) {
		step(sv);
		if (vmrun_ctl_recv(cc, 0, &line) == VMRUN_OK)
			return (line);
		ATF_REQUIRE_EQ(ETIMEDOUT, errno);
	}
	atf_tc_fail("no answer to %s", req);
	return (NULL);
}

ATF_TC_WITHOUT_HEAD(server_client);
ATF_TC_BODY(server_client, tc)
{
	struct vmrun_ctl *cc, *more[SRV_CLIENTS + 1];
	struct srv sv;
	char *line, code[32];
	size_t i;

	srv_start(&sv);
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_ctl_open(sv.sv_path, &cc));
	line = call(&sv, cc, "status", NULL);
	ATF_CHECK_EQ(1, vmrun_ctl_result(line, code, sizeof(code)));
	ATF_CHECK(strstr(line, "\"vm\":\"lt\"") != NULL);
	ATF_CHECK(strstr(line, "\"state\":\"starting\"") != NULL);
	ATF_CHECK(strstr(line, "\"pid\":null") != NULL);
	free(line);

	/* Requests that need a running bhyve, and targets. */
	line = call(&sv, cc, "reset", NULL);
	ATF_CHECK_EQ(0, vmrun_ctl_result(line, code, sizeof(code)));
	ATF_CHECK_STREQ("not-running", code);
	free(line);
	line = call(&sv, cc, "next-target", "nope");
	ATF_CHECK_EQ(0, vmrun_ctl_result(line, code, sizeof(code)));
	ATF_CHECK_STREQ("unknown-target", code);
	free(line);
	line = call(&sv, cc, "next-target", "install");
	ATF_CHECK_EQ(1, vmrun_ctl_result(line, code, sizeof(code)));
	ATF_CHECK(strstr(line, "\"next_target\":\"install\"") != NULL);
	free(line);

	/* One client more than served is told so and closed. */
	for (i = 0; i < SRV_CLIENTS; i++) {
		ATF_REQUIRE_EQ(VMRUN_OK, vmrun_ctl_open(sv.sv_path, &more[i]));
		step(&sv);
	}
	for (i = 0; i < 5; i++)
		step(&sv);
	line = NULL;
	ATF_CHECK_EQ(VMRUN_OK, vmrun_ctl_recv(more[SRV_CLIENTS - 1], 1000,
	    &line));
	ATF_REQUIRE(line != NULL);
	ATF_CHECK_EQ(0, vmrun_ctl_result(line, code, sizeof(code)));
	ATF_CHECK_STREQ("too-many-clients", code);
	free(line);
	ATF_CHECK_EQ(VMRUN_OK, vmrun_ctl_recv(more[SRV_CLIENTS - 1], 1000,
	    &line));
	ATF_CHECK(line == NULL);	/* and closed */
	for (i = 0; i < SRV_CLIENTS; i++)
		vmrun_ctl_close(more[i]);

	/* The first one is served still; then a stop is recorded. */
	line = call(&sv, cc, "stop", NULL);
	ATF_CHECK_EQ(1, vmrun_ctl_result(line, code, sizeof(code)));
	free(line);
	ATF_CHECK(stop_pending(sv.sv_su));
	vmrun_ctl_close(cc);
	srv_stop(&sv);
}

/*
 * The socket's group is looked up with getgrnam_r: what the application
 * holds from getgrnam(3), whose result is static, stays as it was.
 */
ATF_TC_WITHOUT_HEAD(group_lookup);
ATF_TC_BODY(group_lookup, tc)
{
	struct srv sv;
	struct group *gr;
	struct stat sb;
	char mine[256], other[256];
	gid_t gid, ogid;
	int rc;

	/* The socket's group: any but the application's. */
	other[0] = '\0';
	ogid = 0;
	setgrent();
	while (other[0] == '\0' && (gr = getgrent()) != NULL)
		if (gr->gr_gid != getegid()) {
			snprintf(other, sizeof(other), "%s", gr->gr_name);
			ogid = gr->gr_gid;
		}
	endgrent();
	if (other[0] == '\0')
		atf_tc_skip("there is only one group");
	ATF_REQUIRE((gr = getgrgid(getegid())) != NULL);
	snprintf(mine, sizeof(mine), "%s", gr->gr_name);
	ATF_REQUIRE((gr = getgrnam(mine)) != NULL);
	gid = gr->gr_gid;

	srv_new(&sv, other);
	rc = ctlsrv_open(sv.sv_su, sv.sv_ds);
	ATF_CHECK_STREQ(mine, gr->gr_name);
	ATF_CHECK_EQ(gid, gr->gr_gid);
	/* Root makes it that group's; others may not be in the group. */
	if (rc == 0) {
		ATF_REQUIRE(stat(sv.sv_path, &sb) == 0);
		ATF_CHECK_EQ(ogid, sb.st_gid);
		ATF_CHECK_EQ(0660, sb.st_mode & 0777);
	} else {
		ATF_CHECK_EQ(71, rc);
		ATF_CHECK_MSG(geteuid() != 0, "root could not chown");
	}
	srv_stop(&sv);

	/* No such group: refused before the socket is made. */
	srv_new(&sv, "no-such-group");
	ATF_CHECK_EQ(69, ctlsrv_open(sv.sv_su, sv.sv_ds));
	ATF_REQUIRE_EQ(1, vmrun_diags_count(sv.sv_ds));
	ATF_CHECK_STREQ("no group named no-such-group for the control socket",
	    vmrun_diag_message(vmrun_diags_get(sv.sv_ds, 0)));
	srv_stop(&sv);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, parse_requests);
	ATF_TP_ADD_TC(tp, parse_errors);
	ATF_TP_ADD_TC(tp, parse_error_names);
	ATF_TP_ADD_TC(tp, console_ring_growth);
	ATF_TP_ADD_TC(tp, client_text);
	ATF_TP_ADD_TC(tp, server_client);
	ATF_TP_ADD_TC(tp, group_lookup);

	return (atf_no_error());
}

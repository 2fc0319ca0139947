/*
 * taps_test: the taps a VM owns (design §12.5) and the one list of run
 * resources (§12.9), through whole supervisions against the fake bhyve
 * and the fake host of fakehost.h: what a start does to taps and
 * bridges, in order; that it is done once per supervision, not per
 * boot; that a later target's new tap is set up at that run's start;
 * and that the end -- or a start failed at any step, each host change in
 * turn, then the steps after the taps -- leaves the host exactly as it
 * was, with one cleanup event per undone resource; bhyve's pid file is
 * one of the boot's.
 *
 * JSON texts are written with ' for " to keep them readable.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "vmrun.h"
#include "platform.h"
#include "testutil.h"
#include "fakehost.h"

/* Cleanup events of interfaces (not of the VM node, a path), in order. */
static char events[4096];
static int nstarts;

static void
on_event(const struct vmrun_event *ev, void *arg)
{
	size_t n;

	(void)arg;
	if (ev->ev_type == VMRUN_EV_START)
		nstarts++;
	if (ev->ev_type != VMRUN_EV_CLEANUP ||
	    strchr(ev->ev_resource, '/') != NULL)
		return;
	n = strlen(events);
	snprintf(events + n, sizeof(events) - n, "%s:%s:%d\n",
	    ev->ev_resource, ev->ev_action, ev->ev_ok);
}

/* How a supervision is run: its programs and pid file. */
struct how {
	const char	*h_bhyve;	/* NULL: the fake */
	const char	*h_pidfile;	/* -p, or NULL */
	const char	*h_target;
};

/*
 * Supervise json once, to its end, with the host checks and fixes of a
 * start: vmrun's exit status; the diagnostics' text in *text (new).
 */
/*
 * Where the system has no process descriptors (valgrind knows no
 * pidfd_open), a child's end is learnt from SIGCHLD, which the caller
 * forwards, as vmrun does.
 */
static struct vmrun_sup *running;

static void
on_sigchld(int signo)
{
	vmrun_sup_signal(running, signo);
}

static int
supervise(const atf_tc_t *tc, const char *json, const struct how *h,
    char **text)
{
	struct sigaction sa, osa;
	struct vmrun_config *cf;
	struct vmrun_diags *ds;
	struct vmrun_opts *op;
	struct vmrun_sup *su;
	char *p;
	int rc;

	(void)mkdir("vmm", 0755);
	ATF_REQUIRE_EQ(0, setenv("FAKE_VMM_DIR", "vmm", 1));
	events[0] = '\0';
	nstarts = 0;
	cf = load_ok(__FILE__, __LINE__, json, false);
	ATF_REQUIRE((ds = vmrun_diags_new()) != NULL);
	ATF_REQUIRE((op = vmrun_opts_new()) != NULL);
	p = fake_prog(tc, "fake", "bhyve");
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_opts_set_program(op,
	    VMRUN_PROG_BHYVE, h != NULL && h->h_bhyve != NULL ? h->h_bhyve :
	    p));
	free(p);
	p = fake_prog(tc, "fake", "bhyvectl");
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_opts_set_program(op,
	    VMRUN_PROG_BHYVECTL, p));
	free(p);
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_opts_set_vmm_dir(op, "vmm"));
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_opts_set_lockfile(op, "./vm.lock"));
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_opts_set_control(op, ""));
	if (h != NULL && h->h_pidfile != NULL)
		ATF_REQUIRE_EQ(VMRUN_OK, vmrun_opts_set_pidfile(op,
		    h->h_pidfile));
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_sup_new(cf, h != NULL ?
	    h->h_target : NULL, op, &su));
	vmrun_opts_free(op);
	vmrun_sup_set_callback(su, on_event, NULL);
	running = su;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigchld;
	sigemptyset(&sa.sa_mask);
	ATF_REQUIRE_EQ(0, sigaction(SIGCHLD, &sa, &osa));
	rc = vmrun_sup_run(su, ds);
	ATF_REQUIRE_EQ(0, sigaction(SIGCHLD, &osa, NULL));
	running = NULL;
	*text = diags_text(ds, DIAGS_MSGS);
	vmrun_sup_free(su);
	vmrun_config_free(cf);
	vmrun_diags_free(ds);
	return (rc);
}

/*
 * The host of these cases: bridge br0 (MTU 9000, VLAN filtering), and
 * tap4, which was there before: MTU 1400, down, described "mine".
 */
static void
host(void)
{
	setup();
	fake_br_add("br0", PLAT_BR_VLANFILTER);
	F.fk_ifinfo[0].pi_mtu = 9000;
	F.fk_ifinfo[0].pi_up = true;
	fake_if_add("tap4", PLAT_IF_FREE);
	F.fk_ifinfo[1].pi_mtu = 1400;
	snprintf(F.fk_ifinfo[1].pi_descr, sizeof(F.fk_ifinfo[1].pi_descr),
	    "mine");
}

/* tap3 made, described, bridged on VLAN 5; tap4 described and bridged. */
#define VM	"{'name':'vm','cpu':1,'mem':'256M','bootrom':'rom.fd'," \
		"'emulations':[{'device':'virtio-net','name':'tap3'," \
		"'bridge':'br0','vlan':5,'descr':'web'},{'device':'e1000'," \
		"'name':'tap4','bridge':'br0'}]"

/* What a start does, in order: each a host change (fk_netlog). */
#define START_OPS	"create tap3;descr tap3 web;addm br0 tap3;" \
			"untagged br0 tap3 5;up tap3;" \
			"descr tap4 vmrun/vm/0:2:0;addm br0 tap4;up tap4;"
#define NSTART_OPS	8
/* ... and the end, newest first. */
#define END_OPS		"deletem br0 tap4;mtu tap4 1400;descr tap4 mine;" \
			"down tap4;-untagged br0 tap3 5;deletem br0 tap3;" \
			"destroy tap3;"
#define END_EVENTS	"br0 member tap4:remove:1\ntap4:restore:1\n" \
			"br0 member tap3 vlan 5:remove:1\n" \
			"br0 member tap3:remove:1\ntap3:destroy:1\n"

ATF_TC_WITHOUT_HEAD(start_and_end);
ATF_TC_BODY(start_and_end, tc)
{
	char before[2048], *t;

	host();
	snprintf(before, sizeof(before), "%s", fake_net_state());
	ATF_CHECK_EQ(1, supervise(tc, VM "}", NULL, &t));
	ATF_CHECK_STREQ(F.fk_netlog, START_OPS END_OPS);
	ATF_CHECK_STREQ(events, END_EVENTS);
	ATF_CHECK_STREQ(fake_net_state(), before);
	ATF_CHECK_EQ(1, nstarts);
	free(t);
	teardown();
}

/*
 * Guest reboots keep the taps: set up at the first start only, undone at
 * the end only.  A later target's new tap is set up at that run's start.
 */
ATF_TC_WITHOUT_HEAD(kept_across_reboots);
ATF_TC_BODY(kept_across_reboots, tc)
{
	char before[2048], *t;

	host();
	fake_if_add("tap6", PLAT_IF_FREE);
	snprintf(before, sizeof(before), "%s", fake_net_state());
	ATF_REQUIRE_EQ(0, setenv("FAKE_BHYVE_STATUS", "0 0 1", 1));
	ATF_CHECK_EQ(1, supervise(tc, VM ",'next_target':'more',"
	    "'targets':{'more':{'emulations':[{'device':'virtio-net',"
	    "'name':'tap6','descr':'later'}]}}}", NULL, &t));
	ATF_CHECK_EQ_MSG(3, nstarts, "%s", t);
	ATF_CHECK_STREQ(F.fk_netlog, START_OPS "descr tap6 later;"
	    "descr tap6 ;" END_OPS);
	ATF_CHECK_STREQ(events, "tap6:restore:1\n" END_EVENTS);
	ATF_CHECK_STREQ(fake_net_state(), before);
	ATF_REQUIRE_EQ(0, unsetenv("FAKE_BHYVE_STATUS"));
	free(t);
	teardown();
}

/*
 * Fault injection: the start fails at each host change in turn; what
 * was done before it is undone, newest first, one cleanup event per
 * resource, and the host is as it was.  bhyve never starts.
 */
ATF_TC_WITHOUT_HEAD(fail_each_step);
ATF_TC_BODY(fail_each_step, tc)
{
	/* Resources recorded before change k failed (1-based). */
	static const int recorded[NSTART_OPS + 1] = { 0, 0, 1, 1, 2, 3, 4,
	    4, 5 };
	char before[2048], *t;
	const char *p;
	int k, n;

	for (k = 1; k <= NSTART_OPS; k++) {
		host();
		snprintf(before, sizeof(before), "%s", fake_net_state());
		F.fk_netfail = k;
		ATF_CHECK_EQ_MSG(69, supervise(tc, VM "}", NULL, &t),
		    "change %d", k);
		ATF_CHECK_MSG(strstr(t, "tap-setup-failed@") != NULL,
		    "change %d: %s", k, t);
		ATF_CHECK_MSG(strstr(t, "Input/output error") != NULL,
		    "change %d: %s", k, t);
		ATF_CHECK_EQ_MSG(0, nstarts, "change %d", k);
		ATF_CHECK_STREQ_MSG(fake_net_state(), before, "change %d",
		    k);
		for (n = 0, p = events; (p = strchr(p, '\n')) != NULL; p++)
			n++;
		ATF_CHECK_EQ_MSG(recorded[k], n, "change %d: %s", k, events);
		ATF_CHECK_MSG(strstr(events, ":0\n") == NULL, "change %d: %s",
		    k, events);
		free(t);
		teardown();
	}
}

/*
 * The steps after the taps fail: bhyve cannot be executed, the pid
 * file cannot be made.  Every tap resource is undone all the same.
 */
ATF_TC_WITHOUT_HEAD(fail_later_steps);
ATF_TC_BODY(fail_later_steps, tc)
{
	struct how h;
	char before[2048], *t;
	int rc;

	memset(&h, 0, sizeof(h));
	host();
	snprintf(before, sizeof(before), "%s", fake_net_state());
	h.h_bhyve = "./no-such-bhyve";
	/*
	 * 69, "cannot execute"; under valgrind, whose posix_spawn cannot
	 * tell an exec that failed, the child's exit 127 reads as bhyve's
	 * failure (4).  Either way no bhyve ran, and the taps are undone.
	 */
	rc = supervise(tc, VM "}", &h, &t);
	ATF_CHECK_MSG(rc == 69 || (rc == 4 && strstr(t, "status 127") !=
	    NULL), "%d: %s", rc, t);
	ATF_CHECK_STREQ(F.fk_netlog, START_OPS END_OPS);
	ATF_CHECK_STREQ(events, END_EVENTS);
	ATF_CHECK_STREQ(fake_net_state(), before);
	free(t);
	teardown();

	memset(&h, 0, sizeof(h));
	host();
	h.h_pidfile = "no-such-dir/bhyve.pid";
	ATF_CHECK(supervise(tc, VM "}", &h, &t) != 0);
	ATF_CHECK_EQ(0, nstarts);
	ATF_CHECK_STREQ(F.fk_netlog, START_OPS END_OPS);
	ATF_CHECK_STREQ(events, END_EVENTS);
	ATF_CHECK_STREQ(fake_net_state(), before);
	free(t);
	teardown();
}

/*
 * A failed undo is told (ok false) and the rest is still undone; a tap
 * another bridge took meanwhile is not taken from it.
 */
ATF_TC_WITHOUT_HEAD(undo_fails);
ATF_TC_BODY(undo_fails, tc)
{
	char *t;

	host();
	/* The first change of the end: removing tap4 from br0. */
	F.fk_netfail = NSTART_OPS + 1;
	ATF_CHECK_EQ(1, supervise(tc, VM "}", NULL, &t));
	ATF_CHECK_STREQ(events, "br0 member tap4:remove:0\n"
	    "tap4:restore:1\nbr0 member tap3 vlan 5:remove:1\n"
	    "br0 member tap3:remove:1\ntap3:destroy:1\n");
	free(t);
	teardown();
}

/*
 * A tap that is a member of its bridge already keeps that membership:
 * vmrun neither adds nor removes it, and gives back what it changed.
 */
ATF_TC_WITHOUT_HEAD(member_already);
ATF_TC_BODY(member_already, tc)
{
	char before[2048], *t;

	host();
	snprintf(F.fk_ifinfo[1].pi_master, sizeof(F.fk_ifinfo[1].pi_master),
	    "br0");
	snprintf(before, sizeof(before), "%s", fake_net_state());
	ATF_CHECK_EQ(1, supervise(tc, "{'name':'vm','cpu':1,'mem':'256M',"
	    "'bootrom':'rom.fd','emulations':[{'device':'e1000',"
	    "'name':'tap4','bridge':'br0'}]}", NULL, &t));
	ATF_CHECK_STREQ(F.fk_netlog, "descr tap4 vmrun/vm/0:1:0;up tap4;"
	    "descr tap4 mine;down tap4;");
	ATF_CHECK_STREQ(events, "tap4:restore:1\n");
	ATF_CHECK_STREQ(fake_net_state(), before);
	free(t);
	teardown();
}

/*
 * bhyve's pid file (-p) is a run resource of each boot: removed after
 * every bhyve run, with its cleanup event, after the boot's other
 * resources and before the taps, which outlive the boots.
 */
ATF_TC_WITHOUT_HEAD(pidfile_resource);
ATF_TC_BODY(pidfile_resource, tc)
{
	struct how h;
	char *t;

	memset(&h, 0, sizeof(h));
	host();
	h.h_pidfile = "bhyve.pid";
	ATF_REQUIRE_EQ(0, setenv("FAKE_BHYVE_STATUS", "0 1", 1));
	ATF_CHECK_EQ(1, supervise(tc, VM "}", &h, &t));
	ATF_CHECK_EQ(2, nstarts);
	ATF_CHECK_STREQ(events, "bhyve.pid:remove:1\nbhyve.pid:remove:1\n"
	    END_EVENTS);
	ATF_CHECK(!exists("bhyve.pid"));
	ATF_REQUIRE_EQ(0, unsetenv("FAKE_BHYVE_STATUS"));
	free(t);
	teardown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, start_and_end);
	ATF_TP_ADD_TC(tp, kept_across_reboots);
	ATF_TP_ADD_TC(tp, fail_each_step);
	ATF_TP_ADD_TC(tp, fail_later_steps);
	ATF_TP_ADD_TC(tp, undo_fails);
	ATF_TP_ADD_TC(tp, pidfile_resource);
	ATF_TP_ADD_TC(tp, member_already);

	return (atf_no_error());
}

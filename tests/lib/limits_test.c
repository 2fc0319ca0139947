/*
 * limits_test: the rctl limits of vmrun.json(5) "limits" -- the rules
 * written for a pid, and that every run adds them for its own bhyve
 * through the platform seam (a recording rctl in place of the system's;
 * the FreeBSD call itself is only compiled here).
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "testutil.h"
#include "vmrun_impl.h"
#include "platform.h"

#define LOAD(json)	load_ok(__FILE__, __LINE__, json, true)

/* Append s and a newline to buf (size len), as far as it goes. */
static void
addline(char *buf, size_t len, const char *s)
{
	size_t n;

	n = strlen(buf);
	snprintf(buf + n, len - n, "%s\n", s);
}

/* Every rule of vm for pid, one per line (new string). */
static char *
rules_of(const struct vmrun_vm *vm, pid_t pid)
{
	char buf[4096], rule[128];
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < VMRUN_NLIMITS; i++)
		if (limit_rule(vm, i, pid, rule, sizeof(rule))) {
			addline(buf, sizeof(buf), rule);
		}
	return (strdup(buf));
}

ATF_TC_WITHOUT_HEAD(rule_strings);
ATF_TC_BODY(rule_strings, tc)
{
	struct vmrun_config *cf;
	char *s;

	cf = LOAD("{'name':'vm','cpu':1,'mem':'1G','limits':{"
	    "'writeiops':7,'pcpu':150,'readbps':'10M','writebps':'512k',"
	    "'readiops':2000},'targets':{'t':{'limits':{'readbps':1}},"
	    "'none':{'limits':null}}}");
	/* In table order, whatever the order of the keys; sizes in full. */
	s = rules_of(resolve(cf, NULL), 4242);
	ATF_CHECK_STREQ("process:4242:pcpu:deny=150\n"
	    "process:4242:readbps:throttle=10485760\n"
	    "process:4242:writebps:throttle=524288\n"
	    "process:4242:readiops:throttle=2000\n"
	    "process:4242:writeiops:throttle=7\n", s);
	free(s);
	/* A target's limits replace the base's as a whole. */
	s = rules_of(resolve(cf, "t"), 17);
	ATF_CHECK_STREQ("process:17:readbps:throttle=1\n", s);
	free(s);
	s = rules_of(resolve(cf, "none"), 17);
	ATF_CHECK_STREQ("", s);
	free(s);
	ATF_CHECK(!limits_any(resolve(cf, "none")));
	ATF_CHECK(limits_any(resolve(cf, "t")));
	vmrun_config_free(cf);
	/* A buffer too small for the rule gives none, never a cut one. */
	cf = LOAD("{'name':'vm','cpu':1,'mem':'1G','limits':{'pcpu':5}}");
	{
		char small[16];

		ATF_CHECK(!limit_rule(resolve(cf, NULL), 0, 4242, small,
		    sizeof(small)));
	}
	vmrun_config_free(cf);
}

/* The rules the recording rctl was given, and its answer. */
static char	 added[4096];
static int	 add_err;
static pid_t	 started[8];
static size_t	 nstarted;

static int
rec_rctl_add(const char *rule)
{
	addline(added, sizeof(added), rule);
	return (add_err);
}

static void
on_event(const struct vmrun_event *ev, void *arg)
{
	(void)arg;
	if (ev->ev_type == VMRUN_EV_START && nstarted < 8)
		started[nstarted++] = (pid_t)ev->ev_pid;
}

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

/*
 * Run VM json under the fakes to its end, bhyve exiting with statuses
 * (FAKE_BHYVE_STATUS), with the recording rctl in place of the
 * system's: vmrun's exit status.
 */
static int
run_vm(const atf_tc_t *tc, const char *statuses, const char *json,
    struct vmrun_diags **dsp)
{
	struct sigaction sa, osa;
	struct plat_ops rec;
	struct vmrun_config *cf;
	struct vmrun_opts *op;
	struct vmrun_sup *su;
	char cwd[PATH_MAX], vmm[PATH_MAX + 8], *p;
	int rc;

	ATF_REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);
	snprintf(vmm, sizeof(vmm), "%s/vmm", cwd);
	(void)mkdir(vmm, 0755);
	ATF_REQUIRE_EQ(0, setenv("FAKE_DIR", cwd, 1));
	ATF_REQUIRE_EQ(0, setenv("FAKE_VMM_DIR", vmm, 1));
	cf = LOAD(json);
	ATF_REQUIRE((op = vmrun_opts_new()) != NULL);
	p = srcfile(tc, "../helpers/fake-bhyve");
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_opts_set_program(op, VMRUN_PROG_BHYVE,
	    p));
	free(p);
	p = srcfile(tc, "../helpers/fake-bhyvectl");
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_opts_set_program(op,
	    VMRUN_PROG_BHYVECTL, p));
	free(p);
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_opts_set_vmm_dir(op, vmm));
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_opts_set_lockfile(op, "./vm.lock"));
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_opts_set_control(op, ""));
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_opts_set_checks(op, -1));
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_sup_new(cf, NULL, op, &su));
	vmrun_opts_free(op);
	vmrun_sup_set_callback(su, on_event, NULL);
	*dsp = vmrun_diags_new();
	ATF_REQUIRE_EQ(0, setenv("FAKE_BHYVE_STATUS", statuses, 1));
	rec = plat_native;
	rec.po_rctl_add = rec_rctl_add;
	plat_set(&rec);
	running = su;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigchld;
	sigemptyset(&sa.sa_mask);
	ATF_REQUIRE_EQ(0, sigaction(SIGCHLD, &sa, &osa));
	rc = vmrun_sup_run(su, *dsp);
	ATF_REQUIRE_EQ(0, sigaction(SIGCHLD, &osa, NULL));
	running = NULL;
	plat_set(NULL);
	vmrun_sup_free(su);
	vmrun_config_free(cf);
	return (rc);
}

ATF_TC_WITHOUT_HEAD(added_each_run);
ATF_TC_BODY(added_each_run, tc)
{
	struct vmrun_diags *ds;
	char want[4096], line[256];
	size_t i;

	/* Two guest reboots, then a power-off: three runs, three bhyves. */
	ATF_CHECK_EQ(1, run_vm(tc, "0 0 1", "{'name':'lim','cpu':1,"
	    "'mem':'256M','limits':{'pcpu':50,'writebps':'1M'}}", &ds));
	ATF_REQUIRE_EQ(3, nstarted);
	want[0] = '\0';
	for (i = 0; i < nstarted; i++) {
		ATF_CHECK(started[i] > 0);
		snprintf(line, sizeof(line), "process:%ld:pcpu:deny=50\n"
		    "process:%ld:writebps:throttle=1048576",
		    (long)started[i], (long)started[i]);
		addline(want, sizeof(want), line);
	}
	ATF_CHECK_STREQ(want, added);
	ATF_CHECK_EQ(0, vmrun_diags_count(ds));
	vmrun_diags_free(ds);
}

/* A rule the system refuses: a warning, and bhyve runs all the same. */
ATF_TC_WITHOUT_HEAD(refused_warns);
ATF_TC_BODY(refused_warns, tc)
{
	struct vmrun_diags *ds;
	char *t;

	add_err = EPERM;
	ATF_CHECK_EQ(1, run_vm(tc, "1", "{'name':'lim','cpu':1,'mem':'256M',"
	    "'limits':{'readiops':9}}", &ds));
	ATF_REQUIRE_EQ(1, nstarted);
	t = diags_text(ds, DIAGS_MSGS);
	snprintf(added, sizeof(added), "W:limits-failed@limits.readiops: "
	    "cannot add the rctl rule process:%ld:readiops:throttle=9: %s; "
	    "bhyve runs without it", (long)started[0], strerror(EPERM));
	ATF_CHECK_STREQ(added, t);
	free(t);
	vmrun_diags_free(ds);
}

/* Without limits the seam is never asked. */
ATF_TC_WITHOUT_HEAD(none_no_call);
ATF_TC_BODY(none_no_call, tc)
{
	struct vmrun_diags *ds;

	ATF_CHECK_EQ(1, run_vm(tc, "1", "{'name':'lim','cpu':1,"
	    "'mem':'256M'}", &ds));
	ATF_CHECK_EQ(1, nstarted);
	ATF_CHECK_STREQ("", added);
	vmrun_diags_free(ds);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, rule_strings);
	ATF_TP_ADD_TC(tp, added_each_run);
	ATF_TP_ADD_TC(tp, refused_warns);
	ATF_TP_ADD_TC(tp, none_no_call);
	return (atf_no_error());
}

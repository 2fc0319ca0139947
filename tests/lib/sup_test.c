/*
 * sup_test: supervisors driven by the caller's loop -- many in one
 * process beside the caller's own children, requests as calls, status
 * as values -- against the fake bhyve of tests/helpers.
 */

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <atf-c.h>

#include "testutil.h"

#define NVM		20
#define NKIDS		4
#define BOUND_MS	60000	/* no case waits longer than this */

struct vm {
	struct vmrun_config *v_cf;
	struct vmrun_diags *v_ds;
	struct vmrun_sup *v_su;
	int		 v_rc;		/* dispatch's last answer */
	int		 v_neg;		/* times it answered -1 */
	int		 v_restarts;	/* restart events */
	int		 v_ends;	/* end events */
};

static void
on_event(const struct vmrun_event *ev, void *arg)
{
	struct vm *v;

	v = arg;
	if (ev->ev_type == VMRUN_EV_RESTART)
		v->v_restarts++;
	else if (ev->ev_type == VMRUN_EV_END)
		v->v_ends++;
}

/* The fakes' environment: VM device nodes in ./vmm. */
static void
fake_env(void)
{
	char cwd[1024], vmm[1100];

	ATF_REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);
	snprintf(vmm, sizeof(vmm), "%s/vmm", cwd);
	ATF_REQUIRE_EQ(0, setenv("FAKE_VMM_DIR", vmm, 1));
}

/* VM name under the fakes, its lock and control socket here. */
static void
vm_new(const atf_tc_t *tc, struct vm *v, const char *name)
{
	struct vmrun_opts *op;
	char cfg[256], path[64], *p;

	snprintf(cfg, sizeof(cfg), "{\"name\":\"%s\",\"cpu\":1,"
	    "\"mem\":\"256M\",\"targets\":{\"default\":{},\"other\":{}}}",
	    name);
	v->v_ds = vmrun_diags_new();
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_config_load(cfg, strlen(cfg),
	    v->v_ds, &v->v_cf));
	ATF_REQUIRE((op = vmrun_opts_new()) != NULL);
	p = fake_prog(tc, name, "bhyve");
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_opts_set_program(op,
	    VMRUN_PROG_BHYVE, p));
	free(p);
	p = fake_prog(tc, name, "bhyvectl");
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_opts_set_program(op,
	    VMRUN_PROG_BHYVECTL, p));
	free(p);
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_opts_set_vmm_dir(op,
	    getenv("FAKE_VMM_DIR")));
	snprintf(path, sizeof(path), "./%s.lock", name);
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_opts_set_lockfile(op, path));
	snprintf(path, sizeof(path), "./%s.sock", name);
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_opts_set_control(op, path));
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_opts_set_checks(op, -1));
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_sup_new(v->v_cf, NULL, op, &v->v_su));
	vmrun_opts_free(op);
	v->v_rc = -1;
	v->v_neg = v->v_restarts = v->v_ends = 0;
	vmrun_sup_set_callback(v->v_su, on_event, v);
}

static void
vm_free(struct vm *v)
{
	vmrun_sup_free(v->v_su);
	vmrun_config_free(v->v_cf);
	vmrun_diags_free(v->v_ds);
}

/* Tell how VM i ended. */
static void
why(const struct vm *v, int i)
{
	char *t;

	t = diags_text(vmrun_sup_diags(v->v_su), DIAGS_MSGS);
	fprintf(stderr, "VM %d ended with %d: %s\n", i, v->v_rc, t);
	free(t);
}

/*
 * One round of the caller's loop over n supervisors: poll their
 * descriptors (timeout_ms: the caller's own business, -1 none), then
 * dispatch those that are readable.  Returns how many have ended.
 */
static int
round_of(struct vm *v, int n, int timeout_ms)
{
	struct pollfd pfd[NVM];
	int i, ended;

	for (i = 0; i < n; i++) {
		pfd[i].fd = v[i].v_rc < 0 ? vmrun_sup_fd(v[i].v_su) : -1;
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
	}
	ATF_REQUIRE(poll(pfd, (nfds_t)n, timeout_ms) >= 0 || errno == EINTR);
	ended = 0;
	for (i = 0; i < n; i++) {
		if (v[i].v_rc < 0 && pfd[i].revents != 0 &&
		    (v[i].v_rc = vmrun_sup_dispatch(v[i].v_su)) < 0)
			v[i].v_neg++;
		if (v[i].v_rc >= 0)
			ended++;
	}
	return (ended);
}

/* The monotonic clock in milliseconds. */
static long long
now_ms(void)
{
	struct timespec ts;

	ATF_REQUIRE_EQ(0, clock_gettime(CLOCK_MONOTONIC, &ts));
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* A child of the caller's own: it exits with status code soon. */
static pid_t
own_child(int code)
{
	pid_t pid;

	ATF_REQUIRE((pid = fork()) >= 0);
	if (pid == 0) {
		usleep(20000);
		_exit(code);
	}
	return (pid);
}

/*
 * Where the system has no process descriptors (valgrind knows no
 * pidfd_open), a child's end is learnt from SIGCHLD, which a caller
 * forwards to its supervisors, as vmrun does; a wake only, it takes
 * no child of the caller's.
 */
static struct vm *forward_to;

static void
forward_sigchld(int signo)
{
	int i;

	for (i = 0; forward_to != NULL && i < NVM; i++)
		if (forward_to[i].v_su != NULL)
			vmrun_sup_signal(forward_to[i].v_su, signo);
}

ATF_TC_WITHOUT_HEAD(many_vms_and_own_children);
ATF_TC_BODY(many_vms_and_own_children, tc)
{
	struct sigaction sa;
	struct vm v[NVM];
	pid_t kid[NKIDS], r;
	char name[16];
	long long end_ms;
	int i, k, st, reaped, ended;

	fake_env();
	memset(v, 0, sizeof(v));
	forward_to = v;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forward_sigchld;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	ATF_REQUIRE_EQ(0, sigaction(SIGCHLD, &sa, NULL));
	/* Each VM reboots twice, then powers off: vmrun's status 1. */
	ATF_REQUIRE_EQ(0, setenv("FAKE_BHYVE_STATUS", "0 0 1", 1));
	ATF_REQUIRE_EQ(0, setenv("FAKE_BHYVE_RUNTIME", "0.2", 1));
	for (i = 0; i < NVM; i++) {
		snprintf(name, sizeof(name), "vm%02d", i);
		vm_new(tc, &v[i], name);
		ATF_REQUIRE_EQ(VMRUN_OK, vmrun_sup_start(v[i].v_su));
		ATF_CHECK(vmrun_sup_fd(v[i].v_su) >= 0);
	}
	for (k = 0; k < NKIDS; k++)
		kid[k] = own_child(40 + k);
	/*
	 * Meanwhile the caller's own children come and go; each is reaped
	 * by the caller, by pid, with its own status: no supervisor took
	 * it.  (The poll timeout is the caller's, for its children.)
	 */
	reaped = ended = 0;
	/* Bounded by the clock: under valgrind a round is far from 10 ms. */
	end_ms = now_ms() + BOUND_MS;
	while (ended < NVM && now_ms() < end_ms) {
		ended = round_of(v, NVM, 10);
		for (k = 0; k < NKIDS; k++) {
			if ((r = waitpid(kid[k], &st, WNOHANG)) == 0)
				continue;
			ATF_REQUIRE_EQ_MSG(kid[k], r, "child %d: %s", k,
			    strerror(errno));
			ATF_CHECK(WIFEXITED(st));
			ATF_CHECK_EQ(40 + k, WEXITSTATUS(st));
			reaped++;
			kid[k] = own_child(40 + k);
		}
	}
	forward_to = NULL;	/* the supervisors are freed below */
	ATF_REQUIRE_EQ_MSG(NVM, ended, "not every VM ended");
	ATF_CHECK(reaped > 0);
	for (i = 0; i < NVM; i++) {
		if (v[i].v_rc != 1)
			why(&v[i], i);
		ATF_CHECK_EQ_MSG(1, v[i].v_rc, "vm%02d ended with %d", i,
		    v[i].v_rc);
		ATF_CHECK_EQ(2, v[i].v_restarts);
		ATF_CHECK_EQ(1, v[i].v_ends);
		ATF_CHECK_EQ(2, vmrun_sup_reboots(v[i].v_su));
		ATF_CHECK_EQ(3, vmrun_sup_run_number(v[i].v_su));
		ATF_CHECK(v[i].v_neg > 0);
		ATF_CHECK_EQ(VMRUN_SUP_ENDED, vmrun_sup_state(v[i].v_su));
		ATF_CHECK_EQ(v[i].v_rc, vmrun_sup_dispatch(v[i].v_su));
		vm_free(&v[i]);
	}
	for (k = 0; k < NKIDS; k++) {
		ATF_CHECK_EQ(kid[k], waitpid(kid[k], &st, 0));
		ATF_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 40 + k);
	}
}

/* Dispatch v until cond holds, or fail after BOUND_MS. */
#define UNTIL(v, cond) do {						\
	int n_;								\
	for (n_ = 0; !(cond) && n_ < BOUND_MS / 10; n_++)		\
		(void)round_of((v), 1, 10);				\
	ATF_REQUIRE_MSG((cond), "never: %s", #cond);			\
} while (0)

/* The pid the fake bhyve of VM name wrote once its traps were set. */
static long
fake_pid(const char *name)
{
	char path[64];
	long pid;
	FILE *fp;

	snprintf(path, sizeof(path), "%s.d/bhyve.pid", name);
	if ((fp = fopen(path, "r")) == NULL)
		return (0);
	if (fscanf(fp, "%ld", &pid) != 1)
		pid = 0;
	fclose(fp);
	return (pid);
}

ATF_TC_WITHOUT_HEAD(requests_and_status);
ATF_TC_BODY(requests_and_status, tc)
{
	struct vm v;
	long pid;
	int st, sig;

	fake_env();
	ATF_REQUIRE_EQ(0, setenv("FAKE_BHYVE_RUNTIME", "forever", 1));
	vm_new(tc, &v, "sv");
	/* Before the start: nothing runs, nothing may be asked. */
	ATF_CHECK_EQ(VMRUN_SUP_STARTING, vmrun_sup_state(v.v_su));
	ATF_CHECK_STREQ("default", vmrun_sup_target(v.v_su));
	ATF_CHECK_EQ(0, vmrun_sup_run_number(v.v_su));
	ATF_CHECK_EQ(-1, vmrun_sup_pid(v.v_su));
	ATF_CHECK_EQ(0, vmrun_sup_last_exit(v.v_su, &st, &sig));
	ATF_CHECK_EQ(VMRUN_ERR_NOTRUNNING, vmrun_sup_stop(v.v_su, 0));
	ATF_CHECK_EQ(VMRUN_ERR_NOTRUNNING, vmrun_sup_restart(v.v_su, NULL));

	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_sup_start(v.v_su));
	ATF_CHECK_EQ(VMRUN_ERR_ARG, vmrun_sup_start(v.v_su));
	UNTIL(&v, vmrun_sup_state(v.v_su) == VMRUN_SUP_RUNNING);
	ATF_CHECK_EQ(1, vmrun_sup_run_number(v.v_su));
	ATF_REQUIRE((pid = vmrun_sup_pid(v.v_su)) > 0);
	ATF_CHECK_EQ(0, kill((pid_t)pid, 0));
	UNTIL(&v, fake_pid("sv") == pid);

	ATF_CHECK_EQ(VMRUN_ERR_NOTARGET, vmrun_sup_set_next_target(v.v_su,
	    "nope"));
	ATF_CHECK_EQ(VMRUN_ERR_NOTARGET, vmrun_sup_restart(v.v_su, "nope"));
	/* A restart into "other": SIGTERM, the fake powers off (1). */
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_sup_restart(v.v_su, "other"));
	ATF_CHECK_EQ(VMRUN_SUP_RESTARTING, vmrun_sup_state(v.v_su));
	UNTIL(&v, vmrun_sup_run_number(v.v_su) == 2 &&
	    vmrun_sup_state(v.v_su) == VMRUN_SUP_RUNNING);
	ATF_CHECK_STREQ("other", vmrun_sup_target(v.v_su));
	ATF_CHECK_EQ(1, vmrun_sup_reboots(v.v_su));
	ATF_CHECK(vmrun_sup_pid(v.v_su) > 0 && vmrun_sup_pid(v.v_su) != pid);
	pid = vmrun_sup_pid(v.v_su);
	UNTIL(&v, fake_pid("sv") == pid);
	ATF_REQUIRE_EQ(1, vmrun_sup_last_exit(v.v_su, &st, &sig));
	ATF_CHECK_EQ(1, st);
	ATF_CHECK_EQ(0, sig);
	ATF_CHECK_EQ(-1, v.v_rc);

	/* The next run's target, then a stop: the stop wins. */
	ATF_CHECK_EQ(VMRUN_OK, vmrun_sup_set_next_target(v.v_su, "default"));
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_sup_stop(v.v_su, 0));
	ATF_CHECK_EQ(VMRUN_SUP_STOPPING, vmrun_sup_state(v.v_su));
	ATF_CHECK_EQ(VMRUN_ERR_STOPPING, vmrun_sup_reset(v.v_su));
	ATF_CHECK_EQ(VMRUN_ERR_STOPPING, vmrun_sup_poweroff(v.v_su));
	ATF_CHECK_EQ(VMRUN_ERR_STOPPING, vmrun_sup_restart(v.v_su, NULL));
	UNTIL(&v, v.v_rc >= 0);
	ATF_CHECK_EQ(1, v.v_rc);
	ATF_CHECK(v.v_neg > 0);
	ATF_CHECK_EQ(VMRUN_SUP_ENDED, vmrun_sup_state(v.v_su));
	ATF_CHECK_EQ(2, vmrun_sup_run_number(v.v_su));
	ATF_CHECK_EQ(-1, vmrun_sup_pid(v.v_su));
	ATF_CHECK_EQ(1, vmrun_sup_dispatch(v.v_su));
	ATF_CHECK_EQ(VMRUN_ERR_NOTRUNNING, vmrun_sup_stop(v.v_su, 1));
	vm_free(&v);
}

/* A supervisor that cannot begin has ended: its descriptor says so. */
ATF_TC_WITHOUT_HEAD(start_fails_readable);
ATF_TC_BODY(start_fails_readable, tc)
{
	struct vm a, b;
	struct pollfd pfd;

	fake_env();
	ATF_REQUIRE_EQ(0, setenv("FAKE_BHYVE_RUNTIME", "forever", 1));
	vm_new(tc, &a, "same");
	vm_new(tc, &b, "same");
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_sup_start(a.v_su));
	/* The lock is a's: b ends at once with 75, and tells poll. */
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_sup_start(b.v_su));
	pfd.fd = vmrun_sup_fd(b.v_su);
	pfd.events = POLLIN;
	ATF_REQUIRE_EQ(1, poll(&pfd, 1, BOUND_MS));
	ATF_CHECK_EQ(75, vmrun_sup_dispatch(b.v_su));
	ATF_CHECK(vmrun_diags_errors(vmrun_sup_diags(b.v_su)) > 0);
	ATF_CHECK_EQ(VMRUN_OK, vmrun_sup_stop(a.v_su, 1));
	UNTIL(&a, a.v_rc >= 0);
	vm_free(&b);
	vm_free(&a);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, requests_and_status);
	ATF_TP_ADD_TC(tp, start_fails_readable);
	ATF_TP_ADD_TC(tp, many_vms_and_own_children);
	return (atf_no_error());
}

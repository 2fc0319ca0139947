/*
 * policy_test: the crash-loop guard's memory (policy.c).  The soak of
 * make bench found that every restart of a guest's life was kept; only
 * what can still change the guard's answer is kept now, and the answers
 * are the ones keeping everything gives.  And what bhyve's exit 1 means
 * once the swtpm behind its TPM has ended (design §12.2).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "vmrun_impl.h"
#include "supervise.h"

ATF_TC_WITHOUT_HEAD(keep_window);
ATF_TC_BODY(keep_window, tc)
{
	double t[] = { 1, 2, 50, 70, 75 };

	/* At 78 with 10 s: 70 and 75 may count again; 1 to 50 never. */
	ATF_REQUIRE_EQ(policy_restarts_keep(t, 5, 78, 10, 10), 2);
	ATF_CHECK(t[0] == 70 && t[1] == 75);
	/* Exactly seconds ago no longer counts (policy_restart_ok). */
	ATF_REQUIRE_EQ(policy_restarts_keep(t, 2, 80, 10, 10), 1);
	ATF_CHECK(t[0] == 75);
	ATF_CHECK_EQ(policy_restarts_keep(t, 1, 1000, 10, 10), 0);
	ATF_CHECK_EQ(policy_restarts_keep(NULL, 0, 1000, 10, 10), 0);
}

ATF_TC_WITHOUT_HEAD(keep_count);
ATF_TC_BODY(keep_count, tc)
{
	double t[] = { 10, 11, 12, 13, 14 };

	/* All within the window, but only the 3 latest can matter. */
	ATF_REQUIRE_EQ(policy_restarts_keep(t, 5, 15, 3, 60), 3);
	ATF_CHECK(t[0] == 12 && t[1] == 13 && t[2] == 14);
}

/* A fixed sequence of numbers, the same on every system. */
static unsigned
next(unsigned *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return (*x);
}

ATF_TC_WITHOUT_HEAD(same_answers);
ATF_TC_BODY(same_answers, tc)
{
	enum { N = 5000 };
	double *all, *kept, now;
	size_t nall, nkept, most;
	long long count, seconds;
	unsigned x;
	bool a, b;
	int i;

	/* Restarts at uneven paces: bursts, pauses, the same instant. */
	ATF_REQUIRE((all = malloc(N * sizeof(*all))) != NULL);
	ATF_REQUIRE((kept = malloc(N * sizeof(*kept))) != NULL);
	for (count = 1; count <= 12; count += 11)
		for (seconds = 1; seconds <= 60; seconds += 59) {
			x = 7;
			nall = nkept = most = 0;
			now = 0;
			for (i = 0; i < N; i++) {
				now += next(&x) % 8 == 0 ?
				    (double)(next(&x) % 200) / 2 :
				    (double)(next(&x) % 100) / 100;
				a = policy_restart_ok(all, nall, now, count,
				    seconds);
				nkept = policy_restarts_keep(kept, nkept, now,
				    count, seconds);
				b = policy_restart_ok(kept, nkept, now, count,
				    seconds);
				ATF_REQUIRE_EQ_MSG(a, b, "restart %d, count "
				    "%lld, seconds %lld", i, count, seconds);
				if (!a)
					continue;
				all[nall++] = now;
				kept[nkept++] = now;
				if (nkept > most)
					most = nkept;
			}
			/* At most count + 1 kept: the count, then one more. */
			ATF_CHECK_MSG(most <= (size_t)count + 1, "%zu kept",
			    most);
		}
	free(all);
	free(kept);
}

/* restart_limit.backoff: doubling per failed run in a row, capped. */
ATF_TC_WITHOUT_HEAD(backoff);
ATF_TC_BODY(backoff, tc)
{
	/* None: restart at once, however many failed. */
	ATF_CHECK(policy_backoff(0, 0) == 0);
	ATF_CHECK(policy_backoff(0, 9) == 0);
	/* 1 s: 1, 2, 4, 8, 16, 32, then 60 (max(60, 1)), and stays. */
	ATF_CHECK(policy_backoff(1, 0) == 1);
	ATF_CHECK(policy_backoff(1, 1) == 2);
	ATF_CHECK(policy_backoff(1, 5) == 32);
	ATF_CHECK(policy_backoff(1, 6) == 60);
	ATF_CHECK(policy_backoff(1, 63) == 60);
	ATF_CHECK(policy_backoff(1, 4000000000u) == 60);
	ATF_CHECK(policy_backoff(45, 0) == 45);
	ATF_CHECK(policy_backoff(45, 1) == 60);
	/* Above 60 the backoff itself is the cap: it never doubles. */
	ATF_CHECK(policy_backoff(100, 0) == 100);
	ATF_CHECK(policy_backoff(100, 3) == 100);
	ATF_CHECK(policy_backoff(86400, 1) == 86400);
}

/*
 * design §12.2: bhyve exits 1 ("is swtpm running?") once the swtpm
 * behind its TPM has ended; that is an error ending vmrun with status 4
 * and sidecar-failed, never a power-off, whatever reboot_on says.
 */
ATF_TC_WITHOUT_HEAD(sidecar_failed);
ATF_TC_BODY(sidecar_failed, tc)
{
	struct outcome oc;
	bool reboot_on[256], quote;
	const char *reason;

	memset(reboot_on, 0, sizeof(reboot_on));
	reboot_on[0] = true;
	memset(&oc, 0, sizeof(oc));
	oc.oc_reboot_on = reboot_on;
	oc.oc_max_reboots = -1;
	oc.oc_exit = 1;
	/* Without a failed sidecar, 1 is the guest's power-off. */
	ATF_CHECK_STREQ(policy_meaning(&oc), "poweroff");
	ATF_CHECK_EQ(policy_decide(&oc, &reason, &quote), 1);
	ATF_CHECK_STREQ(reason, "poweroff");
	ATF_CHECK(!quote);
	oc.oc_sidecar = true;
	ATF_CHECK_STREQ(policy_meaning(&oc), "error");
	ATF_CHECK_EQ(policy_decide(&oc, &reason, &quote), 4);
	ATF_CHECK_STREQ(reason, "sidecar-failed");
	ATF_CHECK(quote);
	/* Not a restart, even with 1 in reboot_on. */
	reboot_on[1] = true;
	ATF_CHECK_EQ(policy_decide(&oc, &reason, &quote), 4);
	ATF_CHECK_STREQ(reason, "sidecar-failed");
	/* A stop asked for stays a stop. */
	oc.oc_stop = true;
	ATF_CHECK_EQ(policy_decide(&oc, &reason, &quote), 1);
	ATF_CHECK_STREQ(reason, "stopped");
	oc.oc_stop = false;
	/* A guest reboot (0) is a reboot: the next run has a fresh swtpm. */
	oc.oc_exit = 0;
	ATF_CHECK_STREQ(policy_meaning(&oc), "reboot");
	ATF_CHECK_EQ(policy_decide(&oc, &reason, &quote), -1);
	/* Other statuses mean what they always do. */
	oc.oc_exit = 2;
	ATF_CHECK_STREQ(policy_meaning(&oc), "halt");
	ATF_CHECK_EQ(policy_decide(&oc, &reason, &quote), 2);
	ATF_CHECK_STREQ(reason, "halt");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, sidecar_failed);
	ATF_TP_ADD_TC(tp, keep_window);
	ATF_TP_ADD_TC(tp, keep_count);
	ATF_TP_ADD_TC(tp, same_answers);
	ATF_TP_ADD_TC(tp, backoff);
	return (atf_no_error());
}

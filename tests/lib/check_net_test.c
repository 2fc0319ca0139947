/*
 * check_net_test: the host checks of design §6 for tap interfaces:
 * missing, busy, not a tap, not checkable, and created by the fixes;
 * and of design §12.5 for a tap's bridge; each through the fake host of
 * fakehost.h.
 *
 * JSON texts are written with ' for " to keep them readable.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "vmrun.h"
#include "vmrun_impl.h"
#include "platform.h"
#include "testutil.h"
#include "fakehost.h"

ATF_TC_WITHOUT_HEAD(tap_missing);
ATF_TC_BODY(tap_missing, tc)
{
	struct run r;

	setup();
	CHECK(&r, "{" BASE ",'emulations':[{'device':'virtio-net',"
	    "'name':'tap3'}]}", 0);
	PROBLEMS(&r, 1);
	EXPECT(&r, "tap-missing", "emulations[0].name",
	    "pci 0:1:0 virtio-net tap3", "tap interface tap3 does not exist",
	    "ifconfig tap3 create   (or set \"fix\": true on this device)");
	ATF_CHECK_EQ(1, F.fk_nifq);
	ATF_CHECK_EQ(0, F.fk_ncreate);
	run_done(&r);

	/* e1000 and vmnet names too, at their own slots. */
	CHECK(&r, "{" BASE ",'emulations':[{'device':'virtio-rnd'},"
	    "{'device':'e1000','name':'tap7'},{'device':'virtio-net',"
	    "'name':'vmnet12','type':'tap'}]}", 0);
	PROBLEMS(&r, 2);
	EXPECT(&r, "tap-missing", "emulations[1].name",
	    "pci 0:2:0 e1000 tap7", "tap interface tap7 does not exist",
	    "ifconfig tap7 create   (or set \"fix\": true on this device)");
	EXPECT(&r, "tap-missing", "emulations[2].name",
	    "pci 0:3:0 virtio-net vmnet12",
	    "tap interface vmnet12 does not exist",
	    "ifconfig vmnet12 create   (or set \"fix\": true on this device)");
	run_done(&r);

	/* Backends that are no interface are not asked about. */
	F.fk_nifq = 0;
	CHECK(&r, "{" BASE ",'emulations':[{'device':'virtio-net',"
	    "'name':'slirp','type':'slirp'},{'device':'virtio-net',"
	    "'name':'netgraph','type':'netgraph','path':'vmbridge:',"
	    "'peerhook':'link0'},{'device':'virtio-net','name':'netmap:em0',"
	    "'type':'netmap'}]}", VMRUN_CHECK_FIX_ALL);
	PROBLEMS(&r, 0);
	ATF_CHECK_EQ(0, F.fk_nifq);
	ATF_CHECK_EQ(0, F.fk_ncreate);
	run_done(&r);
	teardown();
}

ATF_TC_WITHOUT_HEAD(tap_present);
ATF_TC_BODY(tap_present, tc)
{
	struct run r;

	setup();
	fake_if_add("tap3", PLAT_IF_FREE);
	CHECK(&r, "{" BASE ",'emulations':[{'device':'virtio-net',"
	    "'name':'tap3'}]}", VMRUN_CHECK_FIX_ALL);
	PROBLEMS(&r, 0);
	ATF_CHECK_EQ(0, F.fk_ncreate);
	run_done(&r);
	teardown();
}

ATF_TC_WITHOUT_HEAD(tap_busy_invalid);
ATF_TC_BODY(tap_busy_invalid, tc)
{
	struct run r;

	setup();
	fake_if_add("tap3", PLAT_IF_BUSY);
	fake_if_add("tap4", PLAT_IF_NOTTAP);
	CHECK(&r, "{" BASE ",'emulations':[{'device':'virtio-net',"
	    "'name':'tap3','fix':true},{'device':'virtio-net',"
	    "'name':'tap4','fix':true}]}", VMRUN_CHECK_FIX_ALL);
	PROBLEMS(&r, 2);
	EXPECT(&r, "tap-busy", "emulations[0].name",
	    "pci 0:1:0 virtio-net tap3", "tap interface tap3 is open in "
	    "another process (another VM?)", NULL);
	EXPECT(&r, "tap-invalid", "emulations[1].name",
	    "pci 0:2:0 virtio-net tap4", "interface tap4 exists but is not a "
	    "tap interface", NULL);
	/* Nothing to create: both exist. */
	ATF_CHECK_EQ(0, F.fk_ncreate);
	run_done(&r);
	teardown();
}

ATF_TC_WITHOUT_HEAD(tap_cannot_check);
ATF_TC_BODY(tap_cannot_check, tc)
{
	const struct vmrun_diag *d;
	struct run r;

	setup();
	fake_if_add("tap3", -EACCES);
	CHECK(&r, "{" BASE ",'emulations':[{'device':'virtio-net',"
	    "'name':'tap3'}]}", 0);
	/* A warning, not a problem: the start is not refused for it. */
	ATF_CHECK_EQ(0, r.r_nerr);
	ATF_REQUIRE_EQ_MSG(1, vmrun_diags_count(r.r_ds), "%s", r.r_text);
	ATF_REQUIRE((d = find(&r, "check-failed", "emulations[0].name")) !=
	    NULL);
	ATF_CHECK_EQ(VMRUN_WARNING, vmrun_diag_severity(d));
	ATF_CHECK_STREQ("pci 0:1:0 virtio-net tap3", vmrun_diag_group(d));
	ATF_CHECK_STREQ("cannot check interface tap3: Permission denied",
	    vmrun_diag_message(d));
	run_done(&r);
	teardown();
}

#define TAPFIX	"{" BASE ",'emulations':[{'device':'virtio-net'," \
		"'name':'tap3','fix':true},{'device':'virtio-net'," \
		"'name':'tap4'}]}"

ATF_TC_WITHOUT_HEAD(tap_fix_flags);
ATF_TC_BODY(tap_fix_flags, tc)
{
	const struct vmrun_diag *d;
	struct run r;

	setup();
	/*
	 * No flag: nothing created, even for "fix": true; the fix offered
	 * is what the device does not say yet.
	 */
	CHECK(&r, TAPFIX, 0);
	PROBLEMS(&r, 2);
	EXPECT(&r, "tap-missing", "emulations[0].name", NULL, NULL,
	    "ifconfig tap3 create   (or run with --fix)");
	EXPECT(&r, "tap-missing", "emulations[1].name", NULL, NULL,
	    "ifconfig tap4 create   (or set \"fix\": true on this device)");
	ATF_CHECK_EQ(0, F.fk_ncreate);
	run_done(&r);
	CHECK(&r, TAPFIX, VMRUN_CHECK_STATE);
	ATF_CHECK_EQ(2, ncode(&r, "tap-missing"));
	ATF_CHECK_EQ(0, F.fk_ncreate);
	run_done(&r);

	/* VMRUN_CHECK_FIX: only the device that says "fix": true. */
	CHECK(&r, TAPFIX, VMRUN_CHECK_FIX);
	ATF_CHECK_EQ(1, F.fk_ncreate);
	ATF_CHECK_STREQ("tap3", F.fk_created);
	ATF_CHECK_EQ(1, r.r_nerr);
	EXPECT(&r, "tap-missing", "emulations[1].name",
	    "pci 0:2:0 virtio-net tap4", NULL,
	    "ifconfig tap4 create   (or set \"fix\": true on this device)");
	/* What was done is said, as a warning that blocks nothing. */
	ATF_REQUIRE((d = find(&r, "fixed", "emulations[0].name")) != NULL);
	ATF_CHECK_EQ(VMRUN_WARNING, vmrun_diag_severity(d));
	ATF_CHECK_STREQ("pci 0:1:0 virtio-net tap3", vmrun_diag_group(d));
	ATF_CHECK_STREQ("created tap interface tap3", vmrun_diag_message(d));
	ATF_CHECK(vmrun_diag_fix(d) == NULL);
	ATF_CHECK_EQ(2, vmrun_diags_count(r.r_ds));
	run_done(&r);

	/* VMRUN_CHECK_FIX_ALL: every device (tap3 exists now). */
	CHECK(&r, TAPFIX, VMRUN_CHECK_FIX_ALL);
	ATF_CHECK_EQ(2, F.fk_ncreate);
	ATF_CHECK_STREQ("tap4", F.fk_created);
	ATF_CHECK_EQ(0, r.r_nerr);
	ATF_CHECK(find(&r, "fixed", "emulations[1].name") != NULL);
	ATF_CHECK_EQ(1, vmrun_diags_count(r.r_ds));
	run_done(&r);

	/* Again: both exist, nothing is created. */
	CHECK(&r, TAPFIX, VMRUN_CHECK_FIX_ALL);
	ATF_CHECK_EQ(2, F.fk_ncreate);
	PROBLEMS(&r, 0);
	run_done(&r);
	teardown();
}

/*
 * VMRUN_CHECK_PREVIEW (vmrun --check before a start, as rc.d does): what
 * the start would fix is a warning and changes nothing; the rest is still
 * a problem.
 */
ATF_TC_WITHOUT_HEAD(tap_fix_preview);
ATF_TC_BODY(tap_fix_preview, tc)
{
	struct run r;

	setup();
	CHECK(&r, TAPFIX, VMRUN_CHECK_STATE | VMRUN_CHECK_FIX |
	    VMRUN_CHECK_PREVIEW);
	ATF_CHECK_EQ(0, F.fk_ncreate);
	ATF_CHECK_EQ(1, r.r_nerr);
	ATF_CHECK_EQ(2, vmrun_diags_count(r.r_ds));
	EXPECT_WARNING(&r, "tap-missing", "emulations[0].name",
	    "pci 0:1:0 virtio-net tap3", "tap interface tap3 does not exist; "
	    "will be fixed at start", "ifconfig tap3 create");
	EXPECT(&r, "tap-missing", "emulations[1].name",
	    "pci 0:2:0 virtio-net tap4", "tap interface tap4 does not exist",
	    "ifconfig tap4 create   (or set \"fix\": true on this device)");
	ATF_CHECK_EQ(0, ncode(&r, "fixed"));
	run_done(&r);

	/* With every fix selected, nothing is a problem, nothing is made. */
	CHECK(&r, TAPFIX, VMRUN_CHECK_FIX_ALL | VMRUN_CHECK_PREVIEW);
	ATF_CHECK_EQ(0, F.fk_ncreate);
	ATF_CHECK_EQ(0, r.r_nerr);
	ATF_CHECK_EQ(2, ncode(&r, "tap-missing"));
	ATF_CHECK_EQ(0, vmrun_diags_errors(r.r_ds));
	run_done(&r);

	/* What a fix cannot mend stays a problem: a busy tap. */
	fake_if_add("tap3", PLAT_IF_BUSY);
	CHECK(&r, TAPFIX, VMRUN_CHECK_FIX | VMRUN_CHECK_PREVIEW);
	ATF_CHECK_EQ(2, r.r_nerr);
	EXPECT(&r, "tap-busy", "emulations[0].name", NULL, NULL, NULL);
	run_done(&r);
	teardown();
}

ATF_TC_WITHOUT_HEAD(tap_fix_fails);
ATF_TC_BODY(tap_fix_fails, tc)
{
	struct run r;

	setup();
	F.fk_create_err = EPERM;
	CHECK(&r, TAPFIX, VMRUN_CHECK_FIX);
	ATF_CHECK_EQ(1, F.fk_ncreate);
	/* The failed fix, and the problem it left (both devices). */
	PROBLEMS(&r, 3);
	EXPECT(&r, "fix-failed", "emulations[0].name",
	    "pci 0:1:0 virtio-net tap3", "cannot create tap interface tap3: "
	    "Operation not permitted", NULL);
	EXPECT(&r, "tap-missing", "emulations[0].name",
	    "pci 0:1:0 virtio-net tap3", NULL,
	    "ifconfig tap3 create   (or run with --fix)");
	EXPECT(&r, "tap-missing", "emulations[1].name", NULL, NULL,
	    "ifconfig tap4 create   (or set \"fix\": true on this device)");
	ATF_CHECK_EQ(0, ncode(&r, "fixed"));
	run_done(&r);
	teardown();
}

#define BRIDGED	"{" BASE ",'emulations':[{'device':'virtio-net'," \
		"'name':'tap3','bridge':'br0'},{'device':'e1000'," \
		"'name':'tap4','bridge':'br1','vlan':5},{'device':'virtio-net'," \
		"'name':'tap5','bridge':'eth0','vlan':6}]}"

/*
 * design §12.5: the bridge exists, is a bridge, and filters VLANs when
 * the device sets one -- every problem at once, under its device.
 */
ATF_TC_WITHOUT_HEAD(bridge_checks);
ATF_TC_BODY(bridge_checks, tc)
{
	struct run r;

	setup();
	fake_if_add("tap3", PLAT_IF_FREE);
	fake_if_add("tap4", PLAT_IF_FREE);
	fake_if_add("tap5", PLAT_IF_FREE);
	fake_br_add("br1", 0);
	fake_if_add("eth0", PLAT_IF_NOTTAP);
	CHECK(&r, BRIDGED, VMRUN_CHECK_FIX);
	PROBLEMS(&r, 3);
	EXPECT(&r, "bridge-missing", "emulations[0].bridge",
	    "pci 0:1:0 virtio-net tap3", "bridge br0 does not exist",
	    "ifconfig br0 create, or name an existing bridge");
	EXPECT(&r, "bridge-no-vlanfilter", "emulations[1].vlan",
	    "pci 0:2:0 e1000 tap4", "bridge br1 does not filter VLANs, "
	    "which \"vlan\" needs", "ifconfig br1 vlanfilter");
	EXPECT(&r, "bridge-invalid", "emulations[2].bridge",
	    "pci 0:3:0 virtio-net tap5", "interface eth0 exists but is not a "
	    "bridge", NULL);
	run_done(&r);

	/* In place: no problem, and a check changes nothing. */
	fake_br_add("br0", 0);
	fake_br_add("br1", PLAT_BR_VLANFILTER);
	CHECK(&r, "{" BASE ",'emulations':[{'device':'virtio-net',"
	    "'name':'tap3','bridge':'br0'},{'device':'e1000',"
	    "'name':'tap4','bridge':'br1','vlan':5}]}", VMRUN_CHECK_FIX);
	PROBLEMS(&r, 0);
	ATF_CHECK_STREQ("", F.fk_netlog);
	run_done(&r);
	teardown();
}

/*
 * A tap that is in another bridge, or holds an address a FreeBSD 15
 * bridge refuses (net.link.bridge.member_ifaddrs=0), cannot join.
 */
ATF_TC_WITHOUT_HEAD(bridge_tap_state);
ATF_TC_BODY(bridge_tap_state, tc)
{
	struct run r;

	setup();
	fake_br_add("br0", 0);
	fake_br_add("br9", 0);
	fake_if_add("tap3", PLAT_IF_FREE);
	snprintf(F.fk_ifinfo[2].pi_master, sizeof(F.fk_ifinfo[2].pi_master),
	    "br9");
	fake_if_add("tap4", PLAT_IF_FREE);
	snprintf(F.fk_ifaddr[3], sizeof(F.fk_ifaddr[3]), "192.0.2.7");
	CHECK(&r, "{" BASE ",'emulations':[{'device':'virtio-net',"
	    "'name':'tap3','bridge':'br0'},{'device':'virtio-net',"
	    "'name':'tap4','bridge':'br0'}]}", VMRUN_CHECK_FIX);
	PROBLEMS(&r, 2);
	EXPECT(&r, "tap-bridged", "emulations[0].bridge",
	    "pci 0:1:0 virtio-net tap3", "tap interface tap3 is a member of "
	    "bridge br9", NULL);
	EXPECT(&r, "tap-has-address", "emulations[1].bridge",
	    "pci 0:2:0 virtio-net tap4", "tap interface tap4 holds address "
	    "192.0.2.7 and cannot join bridge br0 "
	    "(net.link.bridge.member_ifaddrs=0)", "remove the address from "
	    "tap4, or sysctl net.link.bridge.member_ifaddrs=1");
	run_done(&r);
	teardown();
}

/*
 * A missing tap of a device with a bridge is made as "fix": true would:
 * a pre-check says it will be, a start's own check (CHECK_ATSTART)
 * leaves it to the start, which records it (taps.c); neither makes it.
 */
ATF_TC_WITHOUT_HEAD(bridge_tap_missing);
ATF_TC_BODY(bridge_tap_missing, tc)
{
	struct run r;

	setup();
	fake_br_add("br0", 0);
	CHECK(&r, "{" BASE ",'emulations':[{'device':'virtio-net',"
	    "'name':'tap3','bridge':'br0'}]}", VMRUN_CHECK_FIX |
	    VMRUN_CHECK_PREVIEW);
	ATF_CHECK_EQ(0, r.r_nerr);
	EXPECT_WARNING(&r, "tap-missing", "emulations[0].name",
	    "pci 0:1:0 virtio-net tap3", "tap interface tap3 does not exist; "
	    "will be fixed at start", "ifconfig tap3 create");
	run_done(&r);
	CHECK(&r, "{" BASE ",'emulations':[{'device':'virtio-net',"
	    "'name':'tap3','bridge':'br0'}]}", VMRUN_CHECK_FIX |
	    CHECK_ATSTART);
	PROBLEMS(&r, 0);
	ATF_CHECK_EQ(0, F.fk_ncreate);
	ATF_CHECK_STREQ("", F.fk_netlog);
	run_done(&r);
	teardown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, tap_missing);
	ATF_TP_ADD_TC(tp, tap_present);
	ATF_TP_ADD_TC(tp, tap_busy_invalid);
	ATF_TP_ADD_TC(tp, tap_cannot_check);
	ATF_TP_ADD_TC(tp, tap_fix_flags);
	ATF_TP_ADD_TC(tp, tap_fix_preview);
	ATF_TP_ADD_TC(tp, tap_fix_fails);
	ATF_TP_ADD_TC(tp, bridge_checks);
	ATF_TP_ADD_TC(tp, bridge_tap_state);
	ATF_TP_ADD_TC(tp, bridge_tap_missing);

	return (atf_no_error());
}

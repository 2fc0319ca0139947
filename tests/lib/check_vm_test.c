/*
 * check_vm_test: the host checks of design §6 for the VM as a whole: the
 * fake host itself, the vmm module, vCPUs, PCI passthru, a VM left
 * behind, running or supervised, every problem at once, and how the
 * problems are grouped.  Each runs through the fake host of fakehost.h.
 *
 * JSON texts are written with ' for " to keep them readable.
 */

#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "vmrun.h"
#include "platform.h"
#include "testutil.h"
#include "fakehost.h"

ATF_TC_WITHOUT_HEAD(fake_platform);
ATF_TC_BODY(fake_platform, tc)
{
	struct run r;

	/* The native host is in place until a test puts another. */
	ATF_CHECK(plat_get() == &plat_native);
	setup();
	/* A VM with nothing the host must provide: no problem, no change. */
	CHECK(&r, "{" BASE "}", VMRUN_CHECK_FIX_ALL);
	PROBLEMS(&r, 0);
	ATF_CHECK_EQ(0, r.r_nerr);
	ATF_CHECK_EQ(0, F.fk_ncreate);
	ATF_CHECK_EQ(0, F.fk_nifq);
	/* The vm checks asked the fake, not the real host. */
	ATF_CHECK_STREQ("vmm", F.fk_modules);
	run_done(&r);
	/* No VM or no list: nothing to do. */
	ATF_CHECK_EQ(0, vmrun_vm_check(NULL, NULL, 0, NULL));
	teardown();
}

ATF_TC_WITHOUT_HEAD(vmm_module);
ATF_TC_BODY(vmm_module, tc)
{
	struct run r;

	setup();
	/*
	 * bhyve loads vmm itself (libvmmapi's vm_create): without it a
	 * start still works, so it is a warning, never a problem.
	 */
	F.fk_vmm = 0;
	CHECK(&r, "{" BASE "}", 0);
	ATF_CHECK_EQ(0, r.r_nerr);
	ATF_CHECK_EQ(1, vmrun_diags_count(r.r_ds));
	EXPECT_WARNING(&r, "module-missing", "", "vm", "the vmm kernel module "
	    "(the hypervisor) is not loaded; bhyve loads it when the VM "
	    "starts", "kldload vmm");
	run_done(&r);
	CHECK(&r, "{" BASE "}", VMRUN_CHECK_STATE | VMRUN_CHECK_FIX);
	ATF_CHECK_EQ(0, r.r_nerr);
	ATF_CHECK_EQ(0, vmrun_diags_errors(r.r_ds));
	run_done(&r);
	F.fk_vmm = PLAT_NA;
	CHECK(&r, "{" BASE "}", 0);
	PROBLEMS(&r, 0);
	run_done(&r);
	teardown();
}

ATF_TC_WITHOUT_HEAD(max_cpus);
ATF_TC_BODY(max_cpus, tc)
{
	struct run r;

	setup();
	F.fk_maxcpu = 2;
	CHECK(&r, "{'name':'vm','cpu':4,'mem':'1G','bootrom':'rom.fd'}", 0);
	PROBLEMS(&r, 1);
	EXPECT(&r, "too-many-cpus", "cpu", "vm", "4 vCPUs, but the host "
	    "allows 2 (hw.vmm.maxcpu)", "lower cpu, or raise hw.vmm.maxcpu "
	    "in /boot/loader.conf");
	run_done(&r);
	/* The topology counts: 2 sockets x 2 cores x 2 threads. */
	F.fk_maxcpu = 7;
	CHECK(&r, "{'name':'vm','cpu':{'sockets':2,'cores':2,'threads':2},"
	    "'mem':'1G','bootrom':'rom.fd'}", 0);
	PROBLEMS(&r, 1);
	EXPECT(&r, "too-many-cpus", "cpu", "vm", "8 vCPUs, but the host "
	    "allows 7 (hw.vmm.maxcpu)", "lower cpu, or raise hw.vmm.maxcpu "
	    "in /boot/loader.conf");
	run_done(&r);
	/* As many as allowed, or the limit unknown. */
	F.fk_maxcpu = 8;
	CHECK(&r, "{'name':'vm','cpu':8,'mem':'1G','bootrom':'rom.fd'}", 0);
	PROBLEMS(&r, 0);
	run_done(&r);
	F.fk_maxcpu = PLAT_NA;
	CHECK(&r, "{'name':'vm','cpu':16,'mem':'1G','bootrom':'rom.fd'}", 0);
	PROBLEMS(&r, 0);
	run_done(&r);
	teardown();
}

/* design §12.8: rctl rules need resource accounting, on FreeBSD. */
ATF_TC_WITHOUT_HEAD(limits_racct);
ATF_TC_BODY(limits_racct, tc)
{
	struct run r;

	setup();
	F.fk_racct = 0;
	CHECK(&r, "{" BASE ",'limits':{'pcpu':50}}", 0);
	PROBLEMS(&r, 1);
	EXPECT(&r, "racct-disabled", "limits", "vm", "limits need resource "
	    "accounting, which is off (kern.racct.enable is not 1)", "add "
	    "kern.racct.enable=1 to /boot/loader.conf and reboot (a "
	    "boot-time tunable)");
	run_done(&r);
	/* Linux: no rctl at all. */
	F.fk_racct = PLAT_NA;
	CHECK(&r, "{" BASE ",'limits':{'readbps':'1M'}}", 0);
	PROBLEMS(&r, 1);
	EXPECT(&r, "limits-unsupported", "limits", "vm", "limits need "
	    "FreeBSD's rctl(8) resource limits, which this system does not "
	    "have", NULL);
	run_done(&r);
	/* Accounting on: no problem.  No limits: not even asked. */
	F.fk_racct = 1;
	CHECK(&r, "{" BASE ",'limits':{'writeiops':10}}", 0);
	PROBLEMS(&r, 0);
	run_done(&r);
	F.fk_racct = 0;
	F.fk_nracct = 0;
	CHECK(&r, "{" BASE "}", 0);
	PROBLEMS(&r, 0);
	ATF_CHECK_EQ(0, F.fk_nracct);
	run_done(&r);
	/* A limit a target sets is checked in that target. */
	F.fk_racct = 0;
	LOAD(&r, "{" BASE ",'targets':{'t':{'limits':{'pcpu':5}}}}", "t");
	check(&r, NULL, 0);
	PROBLEMS(&r, 1);
	EXPECT(&r, "racct-disabled", "limits", "vm", NULL, ANYFIX);
	run_done(&r);
	teardown();
}

#define PPT	"{" BASE ",'emulations':[{'device':'passthru','src':'2:0:1'}]}"

ATF_TC_WITHOUT_HEAD(passthru);
ATF_TC_BODY(passthru, tc)
{
	struct run r;

	setup();
	/* Bound to ppt: fine; the host address as given was asked. */
	CHECK(&r, PPT, 0);
	PROBLEMS(&r, 0);
	ATF_CHECK_EQ(1, F.fk_nppt);
	ATF_CHECK(F.fk_pptaddr[0] == 2 && F.fk_pptaddr[1] == 0 &&
	    F.fk_pptaddr[2] == 1);
	run_done(&r);
	/* Bound to another driver, named. */
	F.fk_ppt = 0;
	F.fk_drv = "ixl";
	CHECK(&r, PPT, 0);
	PROBLEMS(&r, 1);
	EXPECT(&r, "ppt-not-bound", "emulations[0].src",
	    "pci 0:1:0 passthru 2:0:1", "host PCI device 2/0/1 is bound to "
	    "ixl, not ppt", "add the device to pptdevs in /boot/loader.conf "
	    "and reboot");
	run_done(&r);
	/* No such device. */
	F.fk_ppt = -ENOENT;
	CHECK(&r, PPT, 0);
	PROBLEMS(&r, 1);
	EXPECT(&r, "pci-missing", "emulations[0].src", NULL,
	    "the host has no PCI device 2/0/1", NULL);
	run_done(&r);
	/* A host without ppt: not checked. */
	F.fk_ppt = PLAT_NA;
	CHECK(&r, PPT, 0);
	PROBLEMS(&r, 0);
	run_done(&r);
	/* The option ROM: a regular file. */
	F.fk_ppt = 1;
	ATF_REQUIRE(mkdir("romdir", 0755) == 0);
	CHECK(&r, "{" BASE ",'emulations':[{'device':'passthru',"
	    "'src':'2:0:1','rom':'gpu.rom'},{'device':'passthru',"
	    "'src':'2:0:2','rom':'romdir'}]}", 0);
	PROBLEMS(&r, 2);
	EXPECT(&r, "file-missing", "emulations[0].rom", NULL,
	    "gpu.rom: No such file or directory", NULL);
	EXPECT(&r, "not-a-file", "emulations[1].rom", NULL,
	    "romdir: not a regular file", NULL);
	run_done(&r);
	teardown();
}

#define LOOKUP	"{" BASE ",'emulations':[{'device':'passthru','lookup':" \
		"{'vendor':'0x15338086','device':'0x00008086'}}]}"

ATF_TC_WITHOUT_HEAD(passthru_lookup);
ATF_TC_BODY(passthru_lookup, tc)
{
	struct run r;
	char **av;
	size_t i;
	bool found;

	setup();
	/* Found: its address is checked, and is what bhyve is given. */
	F.fk_lookup = 0;
	F.fk_lookaddr[0] = 3;
	F.fk_lookaddr[1] = 0;
	F.fk_lookaddr[2] = 2;
	CHECK(&r, LOOKUP, 0);
	PROBLEMS(&r, 0);
	ATF_CHECK(F.fk_nlookup >= 1);
	ATF_CHECK_EQ(0x15338086UL, F.fk_lookids[0]);
	ATF_CHECK_EQ(0x8086UL, F.fk_lookids[1]);
	ATF_CHECK_EQ(1, F.fk_nppt);
	ATF_CHECK(F.fk_pptaddr[0] == 3 && F.fk_pptaddr[1] == 0 &&
	    F.fk_pptaddr[2] == 2);
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_vm_bhyve_argv(r.r_vm, NULL, NULL,
	    r.r_ds, &av));
	for (i = 0, found = false; av[i] != NULL; i++)
		if (strcmp(av[i], "0:1:0,passthru,3/0/2") == 0)
			found = true;
	ATF_CHECK_MSG(found, "no -s 0:1:0,passthru,3/0/2 in bhyve's argv");
	vmrun_argv_free(av);
	/* Bound elsewhere: the looked-up address in the message. */
	F.fk_ppt = 0;
	run_done(&r);
	CHECK(&r, LOOKUP, 0);
	PROBLEMS(&r, 1);
	ATF_CHECK(find(&r, "ppt-not-bound", "emulations[0].src") != NULL);
	ATF_CHECK_MSG(strstr(r.r_text, "host PCI device 3/0/2 is bound to em,"
	    " not ppt") != NULL, "%s", r.r_text);
	run_done(&r);

	/* Not found. */
	F.fk_ppt = 1;
	F.fk_nppt = 0;
	F.fk_lookup = ENOENT;
	CHECK(&r, LOOKUP, 0);
	PROBLEMS(&r, 1);
	EXPECT(&r, "pci-missing", "emulations[0].lookup",
	    NULL, "no PCI device of the host has vendor 0x15338086 and "
	    "device 0x00008086", NULL);
	ATF_CHECK_EQ(0, F.fk_nppt);
	run_done(&r);

	/* A host that cannot look up. */
	F.fk_lookup = ENOTSUP;
	CHECK(&r, LOOKUP, 0);
	PROBLEMS(&r, 1);
	EXPECT(&r, "passthru-lookup", "emulations[0].lookup", NULL,
	    "this host cannot look up PCI devices",
	    "give the host address as \"src\" instead");
	ATF_CHECK_EQ(0, F.fk_nppt);
	run_done(&r);
	teardown();
}

/* Options for the state checks: ./vmm for /dev/vmm, ./lock.pid. */
static struct vmrun_opts *
state_opts(void)
{
	struct vmrun_opts *o;

	ATF_REQUIRE((o = vmrun_opts_new()) != NULL);
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_opts_set_vmm_dir(o, "vmm"));
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_opts_set_lockfile(o, "lock.pid"));
	return (o);
}

ATF_TC_WITHOUT_HEAD(vm_exists);
ATF_TC_BODY(vm_exists, tc)
{
	struct vmrun_opts *o;
	struct run r;

	setup();
	o = state_opts();
	ATF_REQUIRE(mkdir("vmm", 0755) == 0);
	/* No VM node: fine. */
	LOAD(&r, "{" BASE "}", NULL);
	check(&r, o, VMRUN_CHECK_STATE);
	PROBLEMS(&r, 0);
	run_done(&r);
	/* A VM of that name, and only that name. */
	mkfile("vmm/vm", "", 0600);
	mkfile("vmm/other", "", 0600);
	LOAD(&r, "{" BASE "}", NULL);
	check(&r, o, VMRUN_CHECK_STATE);
	PROBLEMS(&r, 1);
	EXPECT(&r, "vm-exists", "", "vm", "VM vm already exists (vmm/vm), "
	    "left behind by an earlier run",
	    "bhyvectl --destroy --vm=vm, or start with --force");
	run_done(&r);
	/* Without VMRUN_CHECK_STATE (a start handles it itself): nothing. */
	LOAD(&r, "{" BASE "}", NULL);
	check(&r, o, VMRUN_CHECK_FIX);
	PROBLEMS(&r, 0);
	run_done(&r);
	vmrun_opts_free(o);
	teardown();
}

ATF_TC_WITHOUT_HEAD(vm_busy);
ATF_TC_BODY(vm_busy, tc)
{
	struct vmrun_opts *o;
	struct run r;
	char pid[32], msg[64], fix[128];

	setup();
	o = state_opts();
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_opts_set_pidfile(o, "bhyve.pid"));
	ATF_REQUIRE(mkdir("vmm", 0755) == 0);
	mkfile("vmm/vm", "", 0600);
	/* bhyve's pid file names a live process: running, not left over. */
	snprintf(pid, sizeof(pid), "%ld\n", (long)getppid());
	mkfile("bhyve.pid", pid, 0644);
	LOAD(&r, "{" BASE "}", NULL);
	check(&r, o, VMRUN_CHECK_STATE);
	PROBLEMS(&r, 1);
	/* Never advice to destroy a running VM: how to stop it. */
	snprintf(msg, sizeof(msg), "VM vm is running (bhyve pid %ld)",
	    (long)getppid());
	snprintf(fix, sizeof(fix), "stop the guest: kill %ld (its power "
	    "button), and start it again once bhyve has exited",
	    (long)getppid());
	EXPECT(&r, "vm-busy", "", "vm", msg, fix);
	run_done(&r);
	/* Without the VM node, the pid file alone means nothing. */
	unlink("vmm/vm");
	LOAD(&r, "{" BASE "}", NULL);
	check(&r, o, VMRUN_CHECK_STATE);
	PROBLEMS(&r, 0);
	run_done(&r);
	vmrun_opts_free(o);
	teardown();
}

ATF_TC_WITHOUT_HEAD(vm_supervised);
ATF_TC_BODY(vm_supervised, tc)
{
	struct vmrun_opts *o;
	struct run r;
	char msg[128];
	int fd;

	setup();
	o = state_opts();
	/* A lock file nobody holds: a leftover, fine. */
	snprintf(msg, sizeof(msg), "%ld\n", (long)getpid());
	mkfile("lock.pid", msg, 0644);
	LOAD(&r, "{" BASE "}", NULL);
	check(&r, o, VMRUN_CHECK_STATE);
	PROBLEMS(&r, 0);
	run_done(&r);
	/* Held (as pidfile(3) holds it): another vmrun supervises. */
	ATF_REQUIRE((fd = open("lock.pid", O_RDWR)) >= 0);
	ATF_REQUIRE(flock(fd, LOCK_EX | LOCK_NB) == 0);
	LOAD(&r, "{" BASE "}", NULL);
	check(&r, o, VMRUN_CHECK_STATE);
	PROBLEMS(&r, 1);
	snprintf(msg, sizeof(msg), "VM vm is supervised by vmrun (pid %ld, "
	    "lock lock.pid)", (long)getpid());
	EXPECT(&r, "vm-supervised", "", "vm", msg, NULL);
	run_done(&r);
	/* Only asked for with VMRUN_CHECK_STATE. */
	LOAD(&r, "{" BASE "}", NULL);
	check(&r, o, 0);
	PROBLEMS(&r, 0);
	run_done(&r);
	close(fd);
	vmrun_opts_free(o);
	teardown();
}

/* The seed example (design §6) with every other problem added. */
#define MANY	"{'name':'freebsd-test','cpu':4,'mem':'512M'," \
		"'com1':'/dev/nmdm0A','com2':'/dev/no-tty'," \
		"'bootrom':'BHYVE_UEFI.fd','emulations':[" \
		"{'device':'virtio-net','name':'tap3'}," \
		"{'device':'virtio-blk','path':'disk.img'}," \
		"{'device':'virtio-9p','sharename':'s','path':'nodir'}," \
		"{'device':'virtio-console','ports':['live.sock','file.sock']}," \
		"{'device':'passthru','src':'5:0:0'}]," \
		"'targets':{'install':{'emulations':[{'device':'ahci-cd'," \
		"'path':'FreeBSD-13.0-RELEASE-amd64-disc1.iso'}]}}}"

ATF_TC_WITHOUT_HEAD(all_at_once);
ATF_TC_BODY(all_at_once, tc)
{
	struct vmrun_opts *o;
	struct run r;
	int lfd, fd;

	setup();
	F.fk_vmm = 0;
	F.fk_nmdm = 0;
	F.fk_maxcpu = 2;
	F.fk_ppt = 0;
	o = state_opts();
	ATF_REQUIRE(mkdir("vmm", 0755) == 0);
	mkfile("vmm/freebsd-test", "", 0600);
	mkfile("lock.pid", "1\n", 0644);
	ATF_REQUIRE((fd = open("lock.pid", O_RDWR)) >= 0);
	ATF_REQUIRE(flock(fd, LOCK_EX | LOCK_NB) == 0);
	lfd = unix_socket("live.sock", true);
	mkfile("file.sock", "", 0644);
	LOAD(&r, MANY, "install");
	check(&r, o, VMRUN_CHECK_STATE);
	/*
	 * vm: cpus, supervised (which says more than that the VM exists);
	 * pci: tap, disk, 9p, two sockets, ppt, ISO; lpc: com1 module, com2
	 * missing, bootrom.  Besides: vmm is not loaded, a warning.
	 */
	ATF_CHECK_EQ(12, r.r_nerr);
	ATF_CHECK_EQ(13, vmrun_diags_count(r.r_ds));
	ATF_CHECK_EQ(1, ncode(&r, "tap-missing"));
	ATF_CHECK_EQ(5, ncode(&r, "file-missing"));
	ATF_CHECK_EQ(2, ncode(&r, "module-missing"));
	ATF_CHECK_EQ(1, ncode(&r, "too-many-cpus"));
	ATF_CHECK_EQ(0, ncode(&r, "vm-exists"));
	ATF_CHECK_EQ(1, ncode(&r, "vm-supervised"));
	ATF_CHECK_EQ(1, ncode(&r, "socket-in-use"));
	ATF_CHECK_EQ(1, ncode(&r, "socket-not-socket"));
	ATF_CHECK_EQ(1, ncode(&r, "ppt-not-bound"));
	run_done(&r);

	/* The same host, fixed: every problem gone. */
	F.fk_vmm = F.fk_nmdm = F.fk_ppt = 1;
	F.fk_maxcpu = 4;
	fake_if_add("tap3", PLAT_IF_FREE);
	close(fd);
	close(lfd);
	unlink("vmm/freebsd-test");
	unlink("file.sock");
	ATF_REQUIRE(mkdir("nodir", 0755) == 0);
	mkfile("disk.img", "", 0644);
	mkfile("FreeBSD-13.0-RELEASE-amd64-disc1.iso", "", 0444);
	mkfile("BHYVE_UEFI.fd", "", 0444);
	LOAD(&r, MANY, "install");
	check(&r, o, VMRUN_CHECK_STATE);
	/* /dev/no-tty is the one left: a /dev path this test cannot make. */
	PROBLEMS(&r, 1);
	EXPECT(&r, "file-missing", "com2", "lpc com2", NULL, NULL);
	run_done(&r);
	vmrun_opts_free(o);
	teardown();
}

ATF_TC_WITHOUT_HEAD(groups);
ATF_TC_BODY(groups, tc)
{
	struct vmrun_opts *o;
	struct run r;

	setup();
	F.fk_vmm = 0;
	o = state_opts();
	/*
	 * Groups are labels that carry what the command sorts by: "vm",
	 * "pci B:S:F" with the slot the device got (pinned or assigned,
	 * bus 1 included), and "lpc" with what it concerns.
	 */
	LOAD(&r, "{" BASE ",'com2':'/dev/no-tty','emulations':["
	    "{'device':'virtio-blk','path':'late.img','slot':'7'},"
	    "{'device':'virtio-blk','path':'early.img'},"
	    "{'device':'ahci-cd','path':'bus1.iso','slot':'1:0:0'},"
	    "{'device':'virtio-net','name':'tap9','slot':'3:2'}]}", NULL);
	check(&r, o, VMRUN_CHECK_STATE);
	ATF_CHECK_EQ(5, r.r_nerr);
	ATF_CHECK_EQ(6, vmrun_diags_count(r.r_ds));
	EXPECT_WARNING(&r, "module-missing", "", "vm", NULL, "kldload vmm");
	EXPECT(&r, "file-missing", "emulations[0].path",
	    "pci 0:7:0 virtio-blk late.img", NULL, NULL);
	EXPECT(&r, "file-missing", "emulations[1].path",
	    "pci 0:1:0 virtio-blk early.img", NULL, NULL);
	EXPECT(&r, "file-missing", "emulations[2].path",
	    "pci 1:0:0 ahci-cd bus1.iso", NULL, NULL);
	EXPECT(&r, "tap-missing", "emulations[3].name",
	    "pci 0:3:2 virtio-net tap9", NULL, ANYFIX);
	EXPECT(&r, "file-missing", "com2", "lpc com2", NULL, NULL);
	run_done(&r);
	/* A target's device is labelled by its own slot and path too. */
	LOAD(&r, "{" BASE ",'emulations':[{'device':'virtio-rnd'}],"
	    "'targets':{'t':{'emulations':[{'device':'virtio-blk',"
	    "'path':'t.img'}]}}}", "t");
	check(&r, o, 0);
	ATF_CHECK_EQ(1, r.r_nerr);
	ATF_CHECK_EQ(2, vmrun_diags_count(r.r_ds));
	EXPECT(&r, "file-missing", "targets.t.emulations[0].path",
	    "pci 0:2:0 virtio-blk t.img", NULL, NULL);
	run_done(&r);
	vmrun_opts_free(o);
	teardown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, fake_platform);
	ATF_TP_ADD_TC(tp, limits_racct);
	ATF_TP_ADD_TC(tp, vmm_module);
	ATF_TP_ADD_TC(tp, max_cpus);
	ATF_TP_ADD_TC(tp, passthru);
	ATF_TP_ADD_TC(tp, passthru_lookup);
	ATF_TP_ADD_TC(tp, vm_exists);
	ATF_TP_ADD_TC(tp, vm_busy);
	ATF_TP_ADD_TC(tp, vm_supervised);
	ATF_TP_ADD_TC(tp, all_at_once);
	ATF_TP_ADD_TC(tp, groups);

	return (atf_no_error());
}

/*
 * probe_test: what the installed bhyve supports (design §12.4) and the
 * host checks of design §12.3: the usage text and "-s help" parsers, the
 * feature table against an older and a newer bhyve (small scripts that
 * print what bhyve prints), bhyve asked once per process, the FreeBSD
 * version for what help cannot show, pinned host CPUs and the keyboard
 * layout.  Each runs through the fake host of fakehost.h.
 *
 * JSON texts are written with ' for " to keep them readable.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "vmrun_impl.h"
#include "platform.h"
#include "testutil.h"
#include "fakehost.h"

/* bhyve 14's usage text, in its form: -K in the lines, not in brackets. */
#define USAGE14							\
	"Usage: bhyve [-aCDeHhPSuWwxY]\n"				\
	"       [-c [[cpus=]numcpus][,sockets=n][,cores=n]]\n"		\
	"       [-l lpc] [-m mem] [-p vcpu:hostcpu] [-s pci] vmname\n"	\
	"       -A: create ACPI tables\n"					\
	"       -c: number of CPUs and/or topology specification\n"	\
	"       -h: help\n"						\
	"       -K: PS2 keyboard layout\n"				\
	"       -p: pin 'vcpu' to 'hostcpu'\n"				\
	"       -w: ignore unimplemented MSRs\n"				\
	"       -x: local APIC is in x2APIC mode\n"
#define USAGE15	USAGE14 "       -n: NUMA domain specification\n"

/* BASE without cpu and mem, for the cases that set them. */
#define NOCPU	"'name':'vm','bootrom':'rom.fd'"

/* A VM of 4 vCPUs with every setting of design §12.3. */
#define ALL	"{" NOCPU ",'cpu':{'sockets':1,'cores':4,'threads':1,"	\
	"'pin':[0,1]},'mem':'1G','x2apic':true,"			\
	"'ignore_unimplemented_msr':true,"				\
	"'domains':[{'size':'512M','cpus':'0-1'},"			\
	"{'size':'512M','cpus':'2-3'}],"				\
	"'smbios':{'system':{'family_name':'f'}}}"

/*
 * bhyve as a script: "-h" prints usage to stderr, "-s help" emuls to
 * stdout, each exit 0, and each call is a line in asked.log.
 */
static void
fake_bhyve(const char *usage, const char *emuls)
{
	FILE *fp;

	mkfile("usage.txt", usage, 0644);
	mkfile("emuls.txt", emuls, 0644);
	if ((fp = fopen("bhyve", "w")) == NULL)
		atf_tc_fail("bhyve: cannot write");
	fprintf(fp, "#!/bin/sh\necho \"$*\" >> asked.log\n"
	    "case \"$*\" in\n-h) cat usage.txt >&2 ;;\n"
	    "'-s help') cat emuls.txt ;;\n*) exit 1 ;;\nesac\nexit 0\n");
	if (fclose(fp) != 0 || chmod("bhyve", 0755) != 0)
		atf_tc_fail("bhyve: cannot write");
}

static struct vmrun_opts *
opts_bhyve(const char *path)
{
	struct vmrun_opts *o;

	ATF_REQUIRE((o = vmrun_opts_new()) != NULL);
	ATF_REQUIRE(vmrun_opts_set_program(o, VMRUN_PROG_BHYVE, path) ==
	    VMRUN_OK);
	return (o);
}

/* json checked with flags, bhyve at path: not a problem, not a warning. */
#define CLEAN(path, json, flags)	clean(__FILE__, __LINE__, path, json, \
	flags)

static void
clean(const char *file, size_t line, const char *path, const char *json,
    unsigned flags)
{
	struct vmrun_opts *o;
	struct run r;

	o = opts_bhyve(path);
	load(file, line, &r, json, NULL);
	check(&r, o, flags);
	PROBLEMS(&r, 0);
	run_done(&r);
	vmrun_opts_free(o);
}

/* How many lines a file has (0 when it does not exist). */
static int
lines(const char *path)
{
	FILE *fp;
	int c, n;

	if ((fp = fopen(path, "r")) == NULL)
		return (0);
	for (n = 0; (c = getc(fp)) != EOF; )
		n += c == '\n';
	fclose(fp);
	return (n);
}

ATF_TC_WITHOUT_HEAD(parse_usage);
ATF_TC_BODY(parse_usage, tc)
{
	bool opt[128];

	/* The per-option lines count; the synopsis in brackets does not. */
	ATF_CHECK_EQ(7, probe_parse_usage(USAGE14, opt));
	ATF_CHECK(opt['K'] && opt['p'] && opt['w'] && opt['x'] && opt['h']);
	ATF_CHECK(!opt['n'] && !opt['a'] && !opt['C'] && !opt['u']);
	ATF_CHECK_EQ(8, probe_parse_usage(USAGE15, opt));
	ATF_CHECK(opt['n']);
	/* Tabs lead a line as well; a word that is no option is nothing. */
	ATF_CHECK_EQ(1, probe_parse_usage("\t-M: monitor\n-: x\n-ab: y\n"
	    "text -n: z\n", opt));
	ATF_CHECK(opt['M'] && !opt['n'] && !opt['a']);
	/* A repeated line counts once; no text, no options. */
	ATF_CHECK_EQ(1, probe_parse_usage(" -x: a\n -x: b", opt));
	ATF_CHECK_EQ(0, probe_parse_usage("", opt));
	ATF_CHECK_EQ(0, probe_parse_usage(NULL, opt));
}

ATF_TC_WITHOUT_HEAD(parse_emuls);
ATF_TC_BODY(parse_emuls, tc)
{
	char buf[64];

	ATF_CHECK_EQ(3, probe_parse_emuls("ahci\n  nvme \nvirtio-blk\n"
	    "two words\n\n", buf, sizeof(buf)));
	ATF_CHECK_STREQ("\nahci\nnvme\nvirtio-blk\n", buf);
	/* What does not fit is left out, never cut. */
	ATF_CHECK_EQ(1, probe_parse_emuls("ahci\nvirtio-console\n", buf, 12));
	ATF_CHECK_STREQ("\nahci\n", buf);
	ATF_CHECK_EQ(0, probe_parse_emuls("", buf, sizeof(buf)));
	ATF_CHECK_STREQ("\n", buf);
}

ATF_TC_WITHOUT_HEAD(old_bhyve);
ATF_TC_BODY(old_bhyve, tc)
{
	struct vmrun_opts *o;
	struct run r;

	setup();
	(void)probe_reset();
	fake_bhyve(USAGE14, "hostbridge\nlpc\nvirtio-blk\n");
	o = opts_bhyve("./bhyve");
	LOAD(&r, ALL, NULL);
	check(&r, o, VMRUN_CHECK_BHYVE);
	PROBLEMS(&r, 1);
	EXPECT(&r, "bhyve-lacks", "domains", "vm", "this bhyve lacks NUMA "
	    "domains (-n): \"bhyve -h\" lists no -n; FreeBSD 15.0 is the "
	    "first release to have it", "upgrade the host to FreeBSD 15.0 "
	    "or later, or remove \"domains\"");
	run_done(&r);
	vmrun_opts_free(o);
	/* Without the flag, bhyve is not asked. */
	(void)probe_reset();
	CLEAN("./bhyve", ALL, 0);
	ATF_CHECK_EQ(0, probe_reset());
	teardown();
}

ATF_TC_WITHOUT_HEAD(new_bhyve_asked_once);
ATF_TC_BODY(new_bhyve_asked_once, tc)
{
	int i;

	setup();
	(void)probe_reset();
	fake_bhyve(USAGE15, "hostbridge\nlpc\n");
	for (i = 0; i < 3; i++)
		CLEAN("./bhyve", ALL, VMRUN_CHECK_BHYVE);
	/* Asked twice (-h, -s help) in all, for three checks. */
	ATF_CHECK_EQ(2, lines("asked.log"));
	ATF_CHECK_EQ(2, probe_reset());
	teardown();
}

ATF_TC_WITHOUT_HEAD(emulation_missing);
ATF_TC_BODY(emulation_missing, tc)
{
	struct vmrun_opts *o;
	struct run r;

	setup();
	(void)probe_reset();
	fake_bhyve(USAGE15, "hostbridge\nlpc\nvirtio-blk\n");
	o = opts_bhyve("./bhyve");
	mkfile("d.img", "", 0644);
	LOAD(&r, "{" BASE ",'emulations':[{'device':'virtio-blk','path':"
	    "'d.img'},{'device':'virtio-rnd'},{'device':'raw','value':"
	    "'virtio-new'}]}", NULL);
	check(&r, o, VMRUN_CHECK_BHYVE);
	/* raw is the escape hatch: its text is not looked at. */
	PROBLEMS(&r, 1);
	EXPECT(&r, "bhyve-lacks", "emulations[1]", "pci 0:2:0 virtio-rnd",
	    "this bhyve lacks the virtio-rnd emulation: \"bhyve -s help\" "
	    "does not list it", "use a newer bhyve, or another device");
	run_done(&r);
	vmrun_opts_free(o);
	teardown();
}

ATF_TC_WITHOUT_HEAD(bhyve_unusable);
ATF_TC_BODY(bhyve_unusable, tc)
{
	setup();
	/* A bhyve that cannot run, or fails its help, tells nothing. */
	(void)probe_reset();
	CLEAN("./no-such-bhyve", ALL, VMRUN_CHECK_BHYVE);
	(void)probe_reset();
	mkfile("bhyve", "#!/bin/sh\necho '       -A: acpi' >&2\nexit 1\n",
	    0755);
	CLEAN("./bhyve", ALL, VMRUN_CHECK_BHYVE);
	ATF_CHECK_EQ(2, probe_reset());
	teardown();
}

ATF_TC_WITHOUT_HEAD(hung_bhyve_bounded);
ATF_TC_BODY(hung_bhyve_bounded, tc)
{
	setup();
	/* A help that never ends is killed at its deadline: nothing learnt. */
	(void)probe_reset();
	mkfile("bhyve", "#!/bin/sh\necho '       -A: acpi' >&2\n"
	    "exec sleep 30\n", 0755);
	CLEAN("./bhyve", ALL, VMRUN_CHECK_BHYVE);
	ATF_CHECK_EQ(2, probe_reset());
	teardown();
}

ATF_TC_WITHOUT_HEAD(smbios_version);
ATF_TC_BODY(smbios_version, tc)
{
	struct vmrun_opts *o;
	struct run r;

	setup();
	(void)probe_reset();
	o = opts_bhyve("./no-such-bhyve");
	/* bhyve ignores unknown keys silently: a warning, not a problem. */
	F.fk_osreldate = 1302000;
	LOAD(&r, "{" BASE ",'smbios':{'bios':{'vendor':'v'}}}", NULL);
	check(&r, o, VMRUN_CHECK_BHYVE);
	ATF_CHECK_EQ(0, r.r_nerr);
	ATF_CHECK_EQ(1, vmrun_diags_count(r.r_ds));
	EXPECT_WARNING(&r, "bhyve-ignores", "smbios", "vm", "this host "
	    "(kern.osreldate 1302000) has no SMBIOS strings (bios.*, "
	    "system.*, board.*, chassis.*), which its bhyve ignores without a "
	    "word; FreeBSD 14.0 is the first release to have them",
	    "upgrade the host to FreeBSD 14.0 or later, or remove \"smbios\"");
	run_done(&r);
	vmrun_opts_free(o);
	/* 14.0 has them; a host that is not FreeBSD does not know. */
	F.fk_osreldate = 1400000;
	CLEAN("./no-such-bhyve", "{" BASE ",'smbios':{'bios':{'vendor':'v'}}}",
	    VMRUN_CHECK_BHYVE);
	F.fk_osreldate = PLAT_NA;
	CLEAN("./no-such-bhyve", "{" BASE ",'smbios':{'bios':{'vendor':'v'}}}",
	    VMRUN_CHECK_BHYVE);
	(void)probe_reset();
	teardown();
}

/* The TPM is not in bhyve's help: its rows go by the host's version. */
ATF_TC_WITHOUT_HEAD(tpm_version);
ATF_TC_BODY(tpm_version, tc)
{
	struct vmrun_opts *o;
	struct run r;

	setup();
	(void)probe_reset();
	o = opts_bhyve("./no-such-bhyve");
	ATF_REQUIRE(vmrun_opts_set_program(o, VMRUN_PROG_SWTPM, "/bin/sh") ==
	    VMRUN_OK);
	F.fk_osreldate = 1400000;
	LOAD(&r, "{" BASE ",'tpm':{'type':'passthru','path':'/dev/null'}}",
	    NULL);
	check(&r, o, VMRUN_CHECK_BHYVE);
	PROBLEMS(&r, 1);
	EXPECT(&r, "bhyve-lacks", "tpm", "vm", "this host (kern.osreldate "
	    "1400000) has no TPM passthru (-l tpm,passthru); FreeBSD 14.1 "
	    "is the first release to have it", "upgrade the host to FreeBSD "
	    "14.1 or later, or remove \"tpm\"");
	run_done(&r);
	F.fk_osreldate = 1401000;
	LOAD(&r, "{" BASE ",'tpm':{'type':'swtpm','state_dir':'tpm'}}", NULL);
	check(&r, o, VMRUN_CHECK_BHYVE);
	PROBLEMS(&r, 1);
	EXPECT(&r, "bhyve-lacks", "tpm", "vm", "this host (kern.osreldate "
	    "1401000) has no TPM emulation by swtpm (-l tpm,swtpm); FreeBSD "
	    "15.0 is the first release to have it", "upgrade the host to "
	    "FreeBSD 15.0 or later, or remove \"tpm\"");
	run_done(&r);
	/* Without VMRUN_CHECK_BHYVE (a dry run's checks) nothing is asked. */
	LOAD(&r, "{" BASE ",'tpm':{'type':'swtpm','state_dir':'tpm'}}", NULL);
	check(&r, o, 0);
	PROBLEMS(&r, 0);
	run_done(&r);
	F.fk_osreldate = 1500000;
	LOAD(&r, "{" BASE ",'tpm':{'type':'swtpm','state_dir':'tpm'}}", NULL);
	check(&r, o, VMRUN_CHECK_BHYVE);
	PROBLEMS(&r, 0);
	run_done(&r);
	F.fk_osreldate = PLAT_NA;
	vmrun_opts_free(o);
	(void)probe_reset();
	teardown();
}

/* A VM of 3 vCPUs; its pins follow. */
#define THREE	"{" NOCPU ",'mem':'1G','cpu':{'sockets':1,'cores':3,'threads':1,"

ATF_TC_WITHOUT_HEAD(host_cpus);
ATF_TC_BODY(host_cpus, tc)
{
	struct run r;

	setup();
	F.fk_ncpu = 4;
	CHECK(&r, THREE "'pin':[3,4]}}", 0);
	PROBLEMS(&r, 1);
	EXPECT(&r, "host-cpu-missing", "cpu.pin[1]", "vm", "vCPU 1 is pinned "
	    "to host CPU 4, but the host has 4 CPUs (0 to 3)", NULL);
	run_done(&r);
	CHECK(&r, THREE "'pin':{'2':7}}}", 0);
	PROBLEMS(&r, 1);
	EXPECT(&r, "host-cpu-missing", "cpu.pin.2", "vm", "vCPU 2 is pinned "
	    "to host CPU 7, but the host has 4 CPUs (0 to 3)", NULL);
	run_done(&r);
	/* A host that cannot tell is not a problem. */
	F.fk_ncpu = PLAT_NA;
	CLEAN("./no-such-bhyve", THREE "'pin':{'2':7}}}", 0);
	teardown();
}

ATF_TC_WITHOUT_HEAD(keyboard_layout);
ATF_TC_BODY(keyboard_layout, tc)
{
	struct run r;

	setup();
	CHECK(&r, "{" BASE ",'keyboard_layout':'no-such-layout.kbd'}", 0);
	PROBLEMS(&r, 1);
	EXPECT(&r, "file-missing", "keyboard_layout", "vm",
	    "/usr/share/bhyve/kbdlayout/no-such-layout.kbd: No such file or "
	    "directory", NULL);
	run_done(&r);
	teardown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, parse_usage);
	ATF_TP_ADD_TC(tp, parse_emuls);
	ATF_TP_ADD_TC(tp, old_bhyve);
	ATF_TP_ADD_TC(tp, new_bhyve_asked_once);
	ATF_TP_ADD_TC(tp, emulation_missing);
	ATF_TP_ADD_TC(tp, bhyve_unusable);
	ATF_TP_ADD_TC(tp, hung_bhyve_bounded);
	ATF_TP_ADD_TC(tp, smbios_version);
	ATF_TP_ADD_TC(tp, tpm_version);
	ATF_TP_ADD_TC(tp, host_cpus);
	ATF_TP_ADD_TC(tp, keyboard_layout);
	return (atf_no_error());
}

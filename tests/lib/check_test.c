/*
 * check_test: the host checks of design §6 (libvmrun/check.c), each one
 * through a fake host: a struct plat_ops with scripted answers that also
 * records what it was asked, put in place with plat_set and taken away
 * again at the end of every case.  Files and sockets are real, made in the
 * case's work directory (relative names, so messages are predictable and
 * socket paths short).
 *
 * JSON texts are written with ' for " to keep them readable.  BASE names
 * rom.fd as the bootrom, which setup() creates, so that a case sees only
 * the problems it made.
 */

#include <sys/types.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "vmrun.h"
#include "platform.h"
#include "testutil.h"

#define BASE	"'name':'vm','cpu':1,'mem':'1G','bootrom':'rom.fd'"
#define DEFROM	"/usr/local/share/uefi-firmware/BHYVE_UEFI.fd"
#define NOBODY	65534		/* nobody and nogroup on Debian and FreeBSD */

/* ------------------------------------------------------------------ */
/* The fake host */

struct fake {
	char	 fk_ifname[8][16];	/* interfaces that exist ... */
	int	 fk_ifstate[8];		/* ... and their state */
	size_t	 fk_nif;
	int	 fk_nifq;		/* if_state calls */
	int	 fk_create_err;		/* tap_create's answer */
	int	 fk_ncreate;
	char	 fk_created[16];
	int	 fk_vmm;		/* module answers */
	int	 fk_nmdm;
	char	 fk_modules[64];	/* names asked, blank-separated */
	int	 fk_maxcpu;
	int	 fk_ppt;		/* ppt answer, drv its driver */
	const char *fk_drv;
	int	 fk_nppt;
	unsigned fk_pptaddr[3];		/* last address asked */
	int	 fk_lookup;		/* pci_lookup answer, and address */
	unsigned fk_lookaddr[3];
	int	 fk_nlookup;
	unsigned long fk_lookids[2];	/* last ids asked */
};

static struct fake F;

static void
fake_if_add(const char *name, int state)
{
	size_t i;

	for (i = 0; i < F.fk_nif; i++)
		if (strcmp(F.fk_ifname[i], name) == 0)
			break;
	ATF_REQUIRE(i < sizeof(F.fk_ifstate) / sizeof(F.fk_ifstate[0]));
	snprintf(F.fk_ifname[i], sizeof(F.fk_ifname[i]), "%s", name);
	F.fk_ifstate[i] = state;
	if (i == F.fk_nif)
		F.fk_nif++;
}

static int
fake_if_state(const char *name)
{
	size_t i;

	F.fk_nifq++;
	for (i = 0; i < F.fk_nif; i++)
		if (strcmp(F.fk_ifname[i], name) == 0)
			return (F.fk_ifstate[i]);
	return (PLAT_IF_ABSENT);
}

static int
fake_tap_create(const char *name)
{
	F.fk_ncreate++;
	snprintf(F.fk_created, sizeof(F.fk_created), "%s", name);
	if (F.fk_create_err != 0)
		return (F.fk_create_err);
	fake_if_add(name, PLAT_IF_FREE);
	return (0);
}

static int
fake_module(const char *name)
{
	size_t n;

	n = strlen(F.fk_modules);
	snprintf(F.fk_modules + n, sizeof(F.fk_modules) - n, "%s%s",
	    n > 0 ? " " : "", name);
	if (strcmp(name, "vmm") == 0)
		return (F.fk_vmm);
	if (strcmp(name, "nmdm") == 0)
		return (F.fk_nmdm);
	return (PLAT_NA);
}

static int
fake_maxcpu(void)
{
	return (F.fk_maxcpu);
}

static int
fake_ppt(unsigned b, unsigned s, unsigned f, char *drv, size_t len)
{
	F.fk_nppt++;
	F.fk_pptaddr[0] = b;
	F.fk_pptaddr[1] = s;
	F.fk_pptaddr[2] = f;
	if (F.fk_ppt == 0)
		snprintf(drv, len, "%s", F.fk_drv);
	return (F.fk_ppt);
}

static int
fake_pci_lookup(unsigned long vendor, unsigned long device, unsigned *b,
    unsigned *s, unsigned *f)
{
	F.fk_nlookup++;
	F.fk_lookids[0] = vendor;
	F.fk_lookids[1] = device;
	if (F.fk_lookup == 0) {
		*b = F.fk_lookaddr[0];
		*s = F.fk_lookaddr[1];
		*f = F.fk_lookaddr[2];
	}
	return (F.fk_lookup);
}

static const struct plat_ops fake_ops = {
	fake_if_state, fake_tap_create, fake_module, fake_maxcpu, fake_ppt,
	fake_pci_lookup
};

/* A file with the given text and mode. */
static void
mkfile(const char *path, const char *text, mode_t mode)
{
	FILE *fp;

	if ((fp = fopen(path, "w")) == NULL)
		atf_tc_fail("%s: %s", path, strerror(errno));
	fputs(text, fp);
	if (fclose(fp) != 0 || chmod(path, mode) != 0)
		atf_tc_fail("%s: %s", path, strerror(errno));
}

/*
 * Every case starts here: a host where all is well (modules loaded, 16
 * vCPUs allowed, devices bound to ppt, no PCI lookup, no interfaces) and
 * the bootrom of BASE.
 */
static void
setup(void)
{
	memset(&F, 0, sizeof(F));
	F.fk_vmm = 1;
	F.fk_nmdm = 1;
	F.fk_maxcpu = 16;
	F.fk_ppt = 1;
	F.fk_drv = "em";
	F.fk_lookup = ENOTSUP;
	plat_set(&fake_ops);
	ATF_REQUIRE(plat_get() == &fake_ops);
	mkfile("rom.fd", "firmware", 0644);
}

/* ... and ends here: the native host back in place. */
static void
teardown(void)
{
	plat_set(NULL);
	ATF_CHECK(plat_get() == &plat_native);
}

/* ------------------------------------------------------------------ */
/* Running the checks */

struct run {
	struct vmrun_config *r_cf;
	const struct vmrun_vm *r_vm;
	struct vmrun_diags *r_ds;
	size_t	 r_nerr;		/* what vmrun_vm_check returned */
	char	*r_text;		/* diags_text */
};

/* Load json and resolve target; the checks are not run yet. */
static void
load(const char *file, size_t line, struct run *r, const char *json,
    const char *target)
{
	memset(r, 0, sizeof(*r));
	r->r_cf = load_ok(file, line, json, false);
	if ((r->r_ds = vmrun_diags_new()) == NULL)
		atf_tc_fail("out of memory");
	if (vmrun_config_resolve(r->r_cf, target, &r->r_vm) != VMRUN_OK)
		atf_tc_fail_requirement(file, line, "no target %s",
		    target != NULL ? target : "NULL");
}

/* Run the checks of a loaded configuration (again: diagnostics add up). */
static void
check(struct run *r, const struct vmrun_opts *o, unsigned flags)
{
	r->r_nerr = vmrun_vm_check(r->r_vm, o, flags, r->r_ds);
	free(r->r_text);
	r->r_text = diags_text(r->r_ds, DIAGS_FULL);
	/* The return value is the number of errors found. */
	ATF_CHECK_EQ_MSG(r->r_nerr, vmrun_diags_errors(r->r_ds),
	    "returned %zu, errors %zu:\n%s", r->r_nerr,
	    vmrun_diags_errors(r->r_ds), r->r_text);
}

static void
run_done(struct run *r)
{
	vmrun_diags_free(r->r_ds);
	vmrun_config_free(r->r_cf);
	free(r->r_text);
	memset(r, 0, sizeof(*r));
}

#define LOAD(r, json, target)	load(__FILE__, __LINE__, r, json, target)

/* Load, check with flags and no options. */
#define CHECK(r, json, flags)	do {					\
	LOAD(r, json, NULL);						\
	check(r, NULL, flags);						\
} while (0)

/* Exactly n errors, and n diagnostics in all (no warning either). */
#define PROBLEMS(r, n)	ATF_CHECK_MSG((r)->r_nerr == (size_t)(n) &&	\
	vmrun_diags_count((r)->r_ds) == (size_t)(n),			\
	"expected %d problems, got %zu errors:\n%s", (int)(n),		\
	(r)->r_nerr, (r)->r_text)

/* How many diagnostics have this code. */
static size_t
ncode(const struct run *r, const char *code)
{
	size_t i, n;

	for (i = n = 0; i < vmrun_diags_count(r->r_ds); i++)
		if (strcmp(vmrun_diag_code(vmrun_diags_get(r->r_ds, i)),
		    code) == 0)
			n++;
	return (n);
}

/* The diagnostic with this code and JSON path, or NULL. */
static const struct vmrun_diag *
find(const struct run *r, const char *code, const char *path)
{
	const struct vmrun_diag *d;
	size_t i;

	for (i = 0; i < vmrun_diags_count(r->r_ds); i++) {
		d = vmrun_diags_get(r->r_ds, i);
		if (strcmp(vmrun_diag_code(d), code) == 0 &&
		    strcmp(vmrun_diag_path(d), path) == 0)
			return (d);
	}
	return (NULL);
}

/* As the fix of expect(): whatever it is. */
static const char ANYFIX[] = "(any fix)";

/*
 * There is an error with this code and path, and its group, message and
 * fix are these (group or message NULL: not compared; fix NULL: it has
 * none, ANYFIX: not compared).
 */
static void
expect(const char *file, size_t line, const struct run *r, const char *code,
    const char *path, const char *group, const char *msg, const char *fix)
{
	const struct vmrun_diag *d;
	const char *f;

	if ((d = find(r, code, path)) == NULL) {
		atf_tc_fail_check(file, line, "no %s at \"%s\"; got:\n%s", code,
		    path, r->r_text);
		return;
	}
	if (vmrun_diag_severity(d) != VMRUN_ERROR)
		atf_tc_fail_check(file, line, "%s at %s is not an error", code,
		    path);
	if (group != NULL && strcmp(group, vmrun_diag_group(d)) != 0)
		atf_tc_fail_check(file, line, "%s: group \"%s\", expected "
		    "\"%s\"", code, vmrun_diag_group(d), group);
	if (msg != NULL && strcmp(msg, vmrun_diag_message(d)) != 0)
		atf_tc_fail_check(file, line, "%s: message \"%s\", expected "
		    "\"%s\"", code, vmrun_diag_message(d), msg);
	f = vmrun_diag_fix(d);
	if (fix == ANYFIX)
		return;
	if ((fix == NULL) != (f == NULL) || (fix != NULL &&
	    strcmp(fix, f) != 0))
		atf_tc_fail_check(file, line, "%s: fix \"%s\", expected \"%s\"",
		    code, f != NULL ? f : "(none)", fix != NULL ? fix :
		    "(none)");
}

#define EXPECT(r, code, path, group, msg, fix)				\
	expect(__FILE__, __LINE__, r, code, path, group, msg, fix)

static bool
exists(const char *path)
{
	struct stat sb;

	return (lstat(path, &sb) == 0);
}

/* ------------------------------------------------------------------ */

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

ATF_TC_WITHOUT_HEAD(disk_missing);
ATF_TC_BODY(disk_missing, tc)
{
	struct run r;

	setup();
	CHECK(&r, "{" BASE ",'emulations':[{'device':'virtio-blk',"
	    "'path':'disk.img'}]}", 0);
	PROBLEMS(&r, 1);
	EXPECT(&r, "file-missing", "emulations[0].path",
	    "pci 0:1:0 virtio-blk disk.img",
	    "disk.img: No such file or directory", NULL);
	run_done(&r);

	/* Every kind of disk; an nvme RAM disk has no file. */
	CHECK(&r, "{" BASE ",'emulations':[{'device':'ahci-hd',"
	    "'path':'hd.img'},{'device':'ahci-cd','path':'cd.iso'},"
	    "{'device':'nvme','path':'nvme.img'},{'device':'nvme','ram':64},"
	    "{'device':'ahci','ports':[{'type':'hd','path':'p0.img'},"
	    "{'type':'cd','path':'p1.iso'}]}]}", 0);
	PROBLEMS(&r, 5);
	EXPECT(&r, "file-missing", "emulations[0].path",
	    "pci 0:1:0 ahci-hd hd.img", "hd.img: No such file or directory",
	    NULL);
	EXPECT(&r, "file-missing", "emulations[1].path",
	    "pci 0:2:0 ahci-cd cd.iso", "cd.iso: No such file or directory",
	    NULL);
	EXPECT(&r, "file-missing", "emulations[2].path", NULL,
	    "nvme.img: No such file or directory", NULL);
	EXPECT(&r, "file-missing", "emulations[4].ports[0].path", NULL,
	    "p0.img: No such file or directory", NULL);
	EXPECT(&r, "file-missing", "emulations[4].ports[1].path", NULL,
	    "p1.iso: No such file or directory", NULL);
	run_done(&r);

	/* All there: no problem. */
	mkfile("hd.img", "", 0644);
	mkfile("cd.iso", "", 0444);
	mkfile("nvme.img", "", 0644);
	mkfile("p0.img", "", 0644);
	mkfile("p1.iso", "", 0444);
	CHECK(&r, "{" BASE ",'emulations':[{'device':'ahci-hd',"
	    "'path':'hd.img'},{'device':'ahci-cd','path':'cd.iso'},"
	    "{'device':'nvme','path':'nvme.img'},{'device':'nvme','ram':64},"
	    "{'device':'ahci','ports':[{'type':'hd','path':'p0.img'},"
	    "{'type':'cd','path':'p1.iso'}]}]}", 0);
	PROBLEMS(&r, 0);
	run_done(&r);
	teardown();
}

/*
 * Run the checks of r as nobody (when root: in a child that drops its
 * privileges, since root may write anything), with the work directory
 * searchable; returns the diagnostics, "code@path: message" a line (new
 * string).
 */
static char *
check_unprivileged(struct run *r)
{
	const struct vmrun_diag *d;
	char buf[4096];
	size_t i, len;
	ssize_t n;
	pid_t pid;
	int fds[2], st;

	if (geteuid() != 0) {
		check(r, NULL, 0);
		buf[0] = '\0';
		for (i = 0; i < vmrun_diags_count(r->r_ds); i++) {
			d = vmrun_diags_get(r->r_ds, i);
			len = strlen(buf);
			snprintf(buf + len, sizeof(buf) - len, "%s@%s: %s\n",
			    vmrun_diag_code(d), vmrun_diag_path(d),
			    vmrun_diag_message(d));
		}
		return (strdup(buf));
	}
	ATF_REQUIRE(chmod(".", 0711) == 0);
	ATF_REQUIRE(pipe(fds) == 0);
	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		close(fds[0]);
		if (setgroups(0, NULL) != 0 || setgid(NOBODY) != 0 ||
		    setuid(NOBODY) != 0)
			_exit(2);
		vmrun_vm_check(r->r_vm, NULL, 0, r->r_ds);
		for (i = 0; i < vmrun_diags_count(r->r_ds); i++) {
			d = vmrun_diags_get(r->r_ds, i);
			len = (size_t)snprintf(buf, sizeof(buf), "%s@%s: %s\n",
			    vmrun_diag_code(d), vmrun_diag_path(d),
			    vmrun_diag_message(d));
			if (write(fds[1], buf, len) != (ssize_t)len)
				_exit(3);
		}
		_exit(0);
	}
	close(fds[1]);
	len = 0;
	while (len < sizeof(buf) - 1 && (n = read(fds[0], buf + len,
	    sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fds[0]);
	ATF_REQUIRE(waitpid(pid, &st, 0) == pid);
	ATF_REQUIRE_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "unprivileged child failed (status %#x)", st);
	return (strdup(buf));
}

ATF_TC_WITHOUT_HEAD(not_writable);
ATF_TC_BODY(not_writable, tc)
{
	struct run r;
	char *got;

	setup();
	/*
	 * Read-only files: written ones are problems (bhyve would quietly
	 * use them read-only); "ro" disks and ISOs are never asked to be
	 * writable.
	 */
	mkfile("rw.img", "", 0444);
	mkfile("ro.img", "", 0444);
	mkfile("cd.iso", "", 0444);
	mkfile("p1.iso", "", 0444);
	mkfile("vars.fd", "", 0444);
	mkfile("play", "", 0444);
	mkfile("rec", "", 0444);
	ATF_REQUIRE(chmod("rom.fd", 0444) == 0);
	LOAD(&r, "{" BASE ",'varfile':'vars.fd','emulations':["
	    "{'device':'virtio-blk','path':'rw.img'},"
	    "{'device':'virtio-blk','path':'ro.img','ro':true},"
	    "{'device':'ahci-cd','path':'cd.iso'},"
	    "{'device':'ahci','ports':[{'type':'cd','path':'p1.iso'},"
	    "{'type':'hd','path':'ro.img','ro':true}]},"
	    "{'device':'hda','play':'play','rec':'rec'}]}", NULL);
	got = check_unprivileged(&r);
#define NW	": not writable (Permission denied); bhyve would quietly use " \
		"it read-only\n"
	ATF_CHECK_STREQ_MSG("file-not-writable@emulations[0].path: rw.img" NW
	    "file-not-writable@emulations[4].play: play" NW
	    "file-not-writable@varfile: vars.fd" NW, got,
	    "in vm, pci, lpc order of checking");
	free(got);
	run_done(&r);
	teardown();
}

ATF_TC_WITHOUT_HEAD(bootrom);
ATF_TC_BODY(bootrom, tc)
{
	struct run r;
	struct stat sb;

	setup();
	/* Not a regular file. */
	ATF_REQUIRE(mkdir("romdir", 0755) == 0);
	CHECK(&r, "{'name':'vm','cpu':1,'mem':'1G','bootrom':'romdir'}", 0);
	PROBLEMS(&r, 1);
	EXPECT(&r, "not-a-file", "bootrom", "lpc bootrom",
	    "romdir: not a regular file", NULL);
	run_done(&r);
	/* Missing, somewhere of the user's choosing: no fix known. */
	CHECK(&r, "{'name':'vm','cpu':1,'mem':'1G','bootrom':'my.fd'}", 0);
	PROBLEMS(&r, 1);
	EXPECT(&r, "file-missing", "bootrom", "lpc bootrom",
	    "my.fd: No such file or directory", NULL);
	run_done(&r);
	/* The default one: the package that has it. */
	CHECK(&r, "{'name':'vm','cpu':1,'mem':'1G'}", 0);
	if (stat(DEFROM, &sb) == 0)
		PROBLEMS(&r, 0);
	else {
		PROBLEMS(&r, 1);
		EXPECT(&r, "file-missing", "bootrom", "lpc bootrom",
		    DEFROM ": No such file or directory",
		    "pkg install edk2-bhyve");
	}
	run_done(&r);
	teardown();
}

ATF_TC_WITHOUT_HEAD(varfile);
ATF_TC_BODY(varfile, tc)
{
	struct run r;

	setup();
	/* Neither the varfile nor its template. */
	CHECK(&r, "{" BASE ",'varfile':'vars.fd',"
	    "'varfile_template':'tmpl.fd'}", 0);
	PROBLEMS(&r, 1);
	EXPECT(&r, "file-missing", "varfile_template", "lpc bootrom",
	    "tmpl.fd: No such file or directory", NULL);
	run_done(&r);
	/* The template is enough: vmrun copies it at start. */
	mkfile("tmpl.fd", "vars", 0444);
	CHECK(&r, "{" BASE ",'varfile':'vars.fd',"
	    "'varfile_template':'tmpl.fd'}", 0);
	PROBLEMS(&r, 0);
	/* ... and --check copies nothing. */
	ATF_CHECK(!exists("vars.fd"));
	run_done(&r);
	/* No template: the varfile itself. */
	CHECK(&r, "{" BASE ",'varfile':'vars.fd'}", 0);
	PROBLEMS(&r, 1);
	EXPECT(&r, "file-missing", "varfile", "lpc bootrom",
	    "vars.fd: No such file or directory", NULL);
	run_done(&r);
	/* A varfile that exists is used, template or not; a regular file. */
	ATF_REQUIRE(mkdir("vars.fd", 0755) == 0);
	CHECK(&r, "{" BASE ",'varfile':'vars.fd',"
	    "'varfile_template':'tmpl.fd'}", 0);
	PROBLEMS(&r, 1);
	EXPECT(&r, "not-a-file", "varfile", "lpc bootrom",
	    "vars.fd: not a regular file", NULL);
	run_done(&r);
	teardown();
}

ATF_TC_WITHOUT_HEAD(misc_paths);
ATF_TC_BODY(misc_paths, tc)
{
	struct run r;
	struct stat sb;

	setup();
	/* 9p needs a directory; virtio-input and virtio-scsi their device. */
	mkfile("notdir", "", 0644);
	CHECK(&r, "{" BASE ",'emulations':[{'device':'virtio-9p',"
	    "'sharename':'a','path':'nodir'},{'device':'virtio-9p',"
	    "'sharename':'b','path':'notdir'},{'device':'virtio-input',"
	    "'path':'/dev/input/no-such-event'},{'device':'virtio-scsi',"
	    "'dev':'/dev/cam/no-such-ctl'}]}", 0);
	PROBLEMS(&r, 4);
	EXPECT(&r, "file-missing", "emulations[0].path",
	    "pci 0:1:0 virtio-9p a", "nodir: No such file or directory",
	    NULL);
	EXPECT(&r, "not-a-directory", "emulations[1].path",
	    "pci 0:2:0 virtio-9p b", "notdir: not a directory", NULL);
	EXPECT(&r, "file-missing", "emulations[2].path", NULL,
	    "/dev/input/no-such-event: No such file or directory", NULL);
	EXPECT(&r, "file-missing", "emulations[3].dev", NULL,
	    "/dev/cam/no-such-ctl: No such file or directory", NULL);
	run_done(&r);

	/* Present: a directory, and devices (any kind of file will do). */
	ATF_REQUIRE(mkdir("share", 0755) == 0);
	CHECK(&r, "{" BASE ",'emulations':[{'device':'virtio-9p',"
	    "'sharename':'a','path':'share'},{'device':'virtio-input',"
	    "'path':'/dev/null'},{'device':'virtio-scsi','dev':'/dev/zero'}"
	    "]}", 0);
	PROBLEMS(&r, 0);
	run_done(&r);

	/* virtio-scsi without "dev": bhyve's default, /dev/cam/ctl. */
	CHECK(&r, "{" BASE ",'emulations':[{'device':'virtio-scsi'}]}", 0);
	if (stat("/dev/cam/ctl", &sb) == 0)
		PROBLEMS(&r, 0);
	else {
		PROBLEMS(&r, 1);
		EXPECT(&r, "file-missing", "emulations[0].dev", NULL,
		    "/dev/cam/ctl: No such file or directory", NULL);
	}
	run_done(&r);
	teardown();
}

ATF_TC_WITHOUT_HEAD(hda);
ATF_TC_BODY(hda, tc)
{
	struct run r;

	setup();
	CHECK(&r, "{" BASE ",'emulations':[{'device':'hda',"
	    "'play':'/dev/no-dsp0','rec':'/dev/no-dsp1'},{'device':'hda',"
	    "'rec':'/dev/null'}]}", 0);
	PROBLEMS(&r, 2);
	EXPECT(&r, "file-missing", "emulations[0].play", NULL,
	    "/dev/no-dsp0: No such file or directory", NULL);
	EXPECT(&r, "file-missing", "emulations[0].rec", NULL,
	    "/dev/no-dsp1: No such file or directory", NULL);
	run_done(&r);
	teardown();
}

ATF_TC_WITHOUT_HEAD(ttys);
ATF_TC_BODY(ttys, tc)
{
	struct run r;

	setup();
	/*
	 * nmdm devices are made when first opened: only the module is
	 * asked about.  Other terminals must exist; stdio and TCP are not
	 * files at all.
	 */
	F.fk_nmdm = 0;
	CHECK(&r, "{" BASE ",'com1':'/dev/nmdm0A','com2':'/dev/no-tty',"
	    "'com3':'/dev/null','com4':'stdio','emulations':["
	    "{'device':'uart','backend':'/dev/nmdm1A'},"
	    "{'device':'uart','backend':'/dev/no-tty2'},"
	    "{'device':'uart','backend':'tcp=127.0.0.1:7001'}]}", 0);
	PROBLEMS(&r, 4);
	EXPECT(&r, "module-missing", "com1", "lpc com1", "/dev/nmdm0A needs "
	    "the nmdm kernel module, which is not loaded", "kldload nmdm");
	EXPECT(&r, "file-missing", "com2", "lpc com2",
	    "/dev/no-tty: No such file or directory", NULL);
	EXPECT(&r, "module-missing", "emulations[0].backend", NULL,
	    "/dev/nmdm1A needs the nmdm kernel module, which is not loaded",
	    "kldload nmdm");
	EXPECT(&r, "file-missing", "emulations[1].backend", NULL,
	    "/dev/no-tty2: No such file or directory", NULL);
	run_done(&r);

	/* The module loaded, or no such thing on this host: no problem. */
	F.fk_nmdm = 1;
	CHECK(&r, "{" BASE ",'com1':'/dev/nmdm0A','emulations':["
	    "{'device':'uart','backend':'/dev/nmdm1A'}]}", 0);
	PROBLEMS(&r, 0);
	run_done(&r);
	F.fk_nmdm = PLAT_NA;
	F.fk_modules[0] = '\0';
	CHECK(&r, "{" BASE ",'com1':'/dev/nmdm0A','emulations':["
	    "{'device':'uart','backend':'/dev/nmdm1A'}]}", 0);
	PROBLEMS(&r, 0);
	ATF_CHECK_STREQ("vmm nmdm nmdm", F.fk_modules);
	run_done(&r);
	teardown();
}

ATF_TC_WITHOUT_HEAD(vmm_module);
ATF_TC_BODY(vmm_module, tc)
{
	struct run r;

	setup();
	F.fk_vmm = 0;
	CHECK(&r, "{" BASE "}", 0);
	PROBLEMS(&r, 1);
	EXPECT(&r, "module-missing", "", "vm", "the vmm kernel module (the "
	    "hypervisor) is not loaded", "kldload vmm");
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

/* A UNIX socket at path; listening or not; its descriptor. */
static int
unix_socket(const char *path, bool listening)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	ATF_REQUIRE((fd = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	ATF_REQUIRE_MSG(bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0,
	    "bind %s: %s", path, strerror(errno));
	if (listening)
		ATF_REQUIRE(listen(fd, 1) == 0);
	return (fd);
}

#define CONSOLE	"{" BASE ",'emulations':[{'device':'virtio-console'," \
		"'ports':['absent.sock','stale.sock',{'name':'agent'," \
		"'path':'live.sock'},'file.sock']}]}"

ATF_TC_WITHOUT_HEAD(console_sockets);
ATF_TC_BODY(console_sockets, tc)
{
	struct run r;
	char *text;
	int lfd, i;

	setup();
	/* A leftover nobody listens on, and a live listener. */
	close(unix_socket("stale.sock", false));
	lfd = unix_socket("live.sock", true);
	mkfile("file.sock", "keep", 0644);
	CHECK(&r, CONSOLE, VMRUN_CHECK_FIX_ALL);
	PROBLEMS(&r, 2);
	EXPECT(&r, "socket-in-use", "emulations[0].ports[2]",
	    "pci 0:1:0 virtio-console absent.sock", "live.sock is a socket in "
	    "use by another program", NULL);
	EXPECT(&r, "socket-not-socket", "emulations[0].ports[3]",
	    "pci 0:1:0 virtio-console absent.sock", "file.sock exists and is "
	    "not a socket; vmrun never removes it", NULL);
	/* The checks remove nothing, fixes or not. */
	ATF_CHECK(exists("stale.sock"));
	ATF_CHECK(exists("live.sock"));
	text = slurp("file.sock", NULL);
	ATF_CHECK_STREQ("keep", text);
	free(text);
	ATF_CHECK(!exists("absent.sock"));
	run_done(&r);

	/*
	 * A listener that never accepts: its backlog fills with the
	 * checks' connections, and then a connect(2) that waits for room
	 * would wait forever.  Each check still answers (SIGALRM: it hung).
	 */
	alarm(20);
	for (i = 0; i < 8; i++) {
		CHECK(&r, CONSOLE, 0);
		ATF_CHECK_EQ(1, ncode(&r, "socket-in-use"));
		run_done(&r);
	}
	alarm(0);

	/* The listener gone: a stale socket too, and fine. */
	close(lfd);
	unlink("file.sock");
	CHECK(&r, CONSOLE, 0);
	PROBLEMS(&r, 0);
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
	char pid[32];

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
	/* Never advice to destroy a running VM. */
	EXPECT(&r, "vm-busy", "", "vm", "VM vm is running (its bhyve is "
	    "alive)", NULL);
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

ATF_TC_WITHOUT_HEAD(loader_paths);
ATF_TC_BODY(loader_paths, tc)
{
	struct run r;

	setup();
	mkfile("notdir", "", 0644);
	ATF_REQUIRE(mkdir("userboot", 0755) == 0);
	F.fk_nmdm = 0;
	CHECK(&r, "{'name':'vm','cpu':1,'mem':'1G','loader':{'type':"
	    "'bhyveload','disk':'boot.img','host_dir':'notdir',"
	    "'loader':'userboot','console':'/dev/nmdm4A'}}", 0);
	PROBLEMS(&r, 4);
	EXPECT(&r, "module-missing", "loader.console", "vm", "/dev/nmdm4A "
	    "needs the nmdm kernel module, which is not loaded",
	    "kldload nmdm");
	EXPECT(&r, "file-missing", "loader.disk", "vm",
	    "boot.img: No such file or directory", NULL);
	EXPECT(&r, "not-a-directory", "loader.host_dir", "vm",
	    "notdir: not a directory", NULL);
	EXPECT(&r, "not-a-file", "loader.loader", "vm",
	    "userboot: not a regular file", NULL);
	run_done(&r);
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
	 * vm: vmm, cpus, supervised (which says more than that the VM
	 * exists); pci: tap, disk, 9p, two sockets, ppt, ISO; lpc: com1
	 * module, com2 missing, bootrom.
	 */
	PROBLEMS(&r, 13);
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
	PROBLEMS(&r, 6);
	EXPECT(&r, "module-missing", "", "vm", NULL, "kldload vmm");
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
	PROBLEMS(&r, 2);
	EXPECT(&r, "file-missing", "targets.t.emulations[0].path",
	    "pci 0:2:0 virtio-blk t.img", NULL, NULL);
	run_done(&r);
	vmrun_opts_free(o);
	teardown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, fake_platform);
	ATF_TP_ADD_TC(tp, tap_missing);
	ATF_TP_ADD_TC(tp, tap_present);
	ATF_TP_ADD_TC(tp, tap_busy_invalid);
	ATF_TP_ADD_TC(tp, tap_cannot_check);
	ATF_TP_ADD_TC(tp, tap_fix_flags);
	ATF_TP_ADD_TC(tp, tap_fix_fails);
	ATF_TP_ADD_TC(tp, disk_missing);
	ATF_TP_ADD_TC(tp, not_writable);
	ATF_TP_ADD_TC(tp, bootrom);
	ATF_TP_ADD_TC(tp, varfile);
	ATF_TP_ADD_TC(tp, misc_paths);
	ATF_TP_ADD_TC(tp, hda);
	ATF_TP_ADD_TC(tp, ttys);
	ATF_TP_ADD_TC(tp, vmm_module);
	ATF_TP_ADD_TC(tp, max_cpus);
	ATF_TP_ADD_TC(tp, passthru);
	ATF_TP_ADD_TC(tp, passthru_lookup);
	ATF_TP_ADD_TC(tp, console_sockets);
	ATF_TP_ADD_TC(tp, vm_exists);
	ATF_TP_ADD_TC(tp, vm_busy);
	ATF_TP_ADD_TC(tp, vm_supervised);
	ATF_TP_ADD_TC(tp, loader_paths);
	ATF_TP_ADD_TC(tp, all_at_once);
	ATF_TP_ADD_TC(tp, groups);
	return (atf_no_error());
}

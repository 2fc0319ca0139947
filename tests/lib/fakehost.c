/*
 * fakehost: the fake host of the check_*_test programs and the helpers
 * that run the checks against it (see fakehost.h).
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdarg.h>
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

/* ------------------------------------------------------------------ */
/* The fake host */

struct fake F;

void
fake_if_add(const char *name, int state)
{
	size_t i;

	for (i = 0; i < F.fk_nif; i++)
		if (strcmp(F.fk_ifname[i], name) == 0)
			break;
	ATF_REQUIRE(i < sizeof(F.fk_ifstate) / sizeof(F.fk_ifstate[0]));
	snprintf(F.fk_ifname[i], sizeof(F.fk_ifname[i]), "%s", name);
	F.fk_ifstate[i] = state;
	if (i == F.fk_nif) {
		memset(&F.fk_ifinfo[i], 0, sizeof(F.fk_ifinfo[i]));
		F.fk_ifinfo[i].pi_mtu = 1500;
		F.fk_pvid[i] = 0;
		F.fk_brstate[i] = -1;
		F.fk_ifaddr[i][0] = '\0';
		F.fk_nif++;
	}
}

static int
fake_if_find(const char *name)
{
	size_t i;

	for (i = 0; i < F.fk_nif; i++)
		if (strcmp(F.fk_ifname[i], name) == 0)
			return ((int)i);
	return (-1);
}

/* A bridge: an interface of state PLAT_IF_NOTTAP with PLAT_BR_* flags. */
void
fake_br_add(const char *name, int flags)
{
	int i;

	fake_if_add(name, PLAT_IF_NOTTAP);
	i = fake_if_find(name);
	F.fk_brstate[i] = flags;
}

/*
 * Every interface as it is now, "name mtu up descr master vlan;" in the
 * order they were made, for comparing the fake host before and after.
 */
const char *
fake_net_state(void)
{
	static char buf[2048];
	size_t i, n;

	buf[0] = '\0';
	for (i = n = 0; i < F.fk_nif && n < sizeof(buf); i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
		    "%s %d %d '%s' '%s' %d;", F.fk_ifname[i],
		    F.fk_ifinfo[i].pi_mtu, F.fk_ifinfo[i].pi_up,
		    F.fk_ifinfo[i].pi_descr, F.fk_ifinfo[i].pi_master,
		    F.fk_pvid[i]);
	return (buf);
}

/* A change to the host: logged, and failed when it is fk_netfail. */
static int
fake_netop(const char *fmt, ...)
{
	va_list ap;
	size_t n;

	n = strlen(F.fk_netlog);
	va_start(ap, fmt);
	vsnprintf(F.fk_netlog + n, sizeof(F.fk_netlog) - n, fmt, ap);
	va_end(ap);
	n = strlen(F.fk_netlog);
	snprintf(F.fk_netlog + n, sizeof(F.fk_netlog) - n, ";");
	return (++F.fk_netops == F.fk_netfail ? EIO : 0);
}

static int
fake_if_state(const char *name)
{
	int i;

	F.fk_nifq++;
	if ((i = fake_if_find(name)) >= 0)
		return (F.fk_ifstate[i]);
	return (PLAT_IF_ABSENT);
}

static int
fake_tap_create(const char *name)
{
	int e;

	F.fk_ncreate++;
	snprintf(F.fk_created, sizeof(F.fk_created), "%s", name);
	if (F.fk_create_err != 0)
		return (F.fk_create_err);
	if ((e = fake_netop("create %s", name)) != 0)
		return (e);
	fake_if_add(name, PLAT_IF_FREE);
	return (0);
}

static int
fake_if_info(const char *name, struct plat_ifinfo *pi)
{
	int i;

	if ((i = fake_if_find(name)) < 0)
		return (ENXIO);
	*pi = F.fk_ifinfo[i];
	return (0);
}

static int
fake_if_destroy(const char *name)
{
	int i, e;

	if ((i = fake_if_find(name)) < 0)
		return (ENXIO);
	if ((e = fake_netop("destroy %s", name)) != 0)
		return (e);
	F.fk_nif--;
	memmove(F.fk_ifname[i], F.fk_ifname[i + 1], (F.fk_nif - (size_t)i) *
	    sizeof(F.fk_ifname[0]));
	memmove(&F.fk_ifstate[i], &F.fk_ifstate[i + 1], (F.fk_nif -
	    (size_t)i) * sizeof(F.fk_ifstate[0]));
	memmove(&F.fk_ifinfo[i], &F.fk_ifinfo[i + 1], (F.fk_nif -
	    (size_t)i) * sizeof(F.fk_ifinfo[0]));
	memmove(&F.fk_pvid[i], &F.fk_pvid[i + 1], (F.fk_nif - (size_t)i) *
	    sizeof(F.fk_pvid[0]));
	memmove(&F.fk_brstate[i], &F.fk_brstate[i + 1], (F.fk_nif -
	    (size_t)i) * sizeof(F.fk_brstate[0]));
	memmove(F.fk_ifaddr[i], F.fk_ifaddr[i + 1], (F.fk_nif - (size_t)i) *
	    sizeof(F.fk_ifaddr[0]));
	return (0);
}

static int
fake_if_descr(const char *name, const char *descr)
{
	int i, e;

	if ((i = fake_if_find(name)) < 0)
		return (ENXIO);
	if ((e = fake_netop("descr %s %s", name, descr)) != 0)
		return (e);
	snprintf(F.fk_ifinfo[i].pi_descr, sizeof(F.fk_ifinfo[i].pi_descr),
	    "%s", descr);
	return (0);
}

static int
fake_if_up(const char *name, bool up)
{
	int i, e;

	if ((i = fake_if_find(name)) < 0)
		return (ENXIO);
	if ((e = fake_netop("%s %s", up ? "up" : "down", name)) != 0)
		return (e);
	F.fk_ifinfo[i].pi_up = up;
	return (0);
}

static int
fake_if_mtu(const char *name, int mtu)
{
	int i, e;

	if ((i = fake_if_find(name)) < 0)
		return (ENXIO);
	if ((e = fake_netop("mtu %s %d", name, mtu)) != 0)
		return (e);
	F.fk_ifinfo[i].pi_mtu = mtu;
	return (0);
}

/* As FreeBSD: a new member takes the bridge's MTU. */
static int
fake_br_add_member(const char *br, const char *name)
{
	int i, b, e;

	if ((i = fake_if_find(name)) < 0 || (b = fake_if_find(br)) < 0)
		return (ENXIO);
	if ((e = fake_netop("addm %s %s", br, name)) != 0)
		return (e);
	snprintf(F.fk_ifinfo[i].pi_master, sizeof(F.fk_ifinfo[i].pi_master),
	    "%s", br);
	F.fk_ifinfo[i].pi_mtu = F.fk_ifinfo[b].pi_mtu;
	return (0);
}

static int
fake_br_del(const char *br, const char *name)
{
	int i, e;

	if ((i = fake_if_find(name)) < 0)
		return (ENXIO);
	if (strcmp(F.fk_ifinfo[i].pi_master, br) != 0)
		return (ESRCH);
	if ((e = fake_netop("deletem %s %s", br, name)) != 0)
		return (e);
	F.fk_ifinfo[i].pi_master[0] = '\0';
	F.fk_pvid[i] = 0;
	return (0);
}

static int
fake_br_pvid(const char *br, const char *name, int vlan, bool set)
{
	int i, e;

	if ((i = fake_if_find(name)) < 0)
		return (ENXIO);
	if ((e = fake_netop("%s %s %s %d", set ? "untagged" : "-untagged",
	    br, name, vlan)) != 0)
		return (e);
	F.fk_pvid[i] = set ? vlan : 0;
	return (0);
}

static int
fake_br_state(const char *br)
{
	int i;

	if ((i = fake_if_find(br)) < 0)
		return (-ENOENT);
	return (F.fk_brstate[i] < 0 ? -ENOTTY : F.fk_brstate[i]);
}

static int
fake_br_ifaddr(const char *name, char *addr, size_t len)
{
	int i;

	if ((i = fake_if_find(name)) < 0 || F.fk_ifaddr[i][0] == '\0')
		return (0);
	snprintf(addr, len, "%s", F.fk_ifaddr[i]);
	return (1);
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

static int
fake_ncpu(void)
{
	return (F.fk_ncpu);
}

static int
fake_osreldate(void)
{
	return (F.fk_osreldate);
}

static const struct plat_ops fake_ops = {
	.po_if_state = fake_if_state,
	.po_tap_create = fake_tap_create,
	.po_if_info = fake_if_info,
	.po_if_destroy = fake_if_destroy,
	.po_if_descr = fake_if_descr,
	.po_if_up = fake_if_up,
	.po_if_mtu = fake_if_mtu,
	.po_br_add = fake_br_add_member,
	.po_br_del = fake_br_del,
	.po_br_pvid = fake_br_pvid,
	.po_br_state = fake_br_state,
	.po_br_ifaddr = fake_br_ifaddr,
	.po_module = fake_module,
	.po_maxcpu = fake_maxcpu,
	.po_ppt = fake_ppt,
	.po_pci_lookup = fake_pci_lookup,
	.po_ncpu = fake_ncpu,
	.po_osreldate = fake_osreldate,
};

/* A file with the given text and mode. */
void
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
void
setup(void)
{
	memset(&F, 0, sizeof(F));
	F.fk_vmm = 1;
	F.fk_nmdm = 1;
	F.fk_maxcpu = 16;
	F.fk_ncpu = 8;
	F.fk_osreldate = PLAT_NA;
	F.fk_ppt = 1;
	F.fk_drv = "em";
	F.fk_lookup = ENOTSUP;
	plat_set(&fake_ops);
	ATF_REQUIRE(plat_get() == &fake_ops);
	mkfile("rom.fd", "firmware", 0644);
}

/* ... and ends here: the native host back in place. */
void
teardown(void)
{
	plat_set(NULL);
	ATF_CHECK(plat_get() == &plat_native);
}

/* ------------------------------------------------------------------ */
/* Running the checks */

/* Load json and resolve target; the checks are not run yet. */
void
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
void
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

void
run_done(struct run *r)
{
	vmrun_diags_free(r->r_ds);
	vmrun_config_free(r->r_cf);
	free(r->r_text);
	memset(r, 0, sizeof(*r));
}

/* How many diagnostics have this code. */
size_t
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
const struct vmrun_diag *
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
const char ANYFIX[] = "(any fix)";

/*
 * There is an error with this code and path, and its group, message and
 * fix are these (group or message NULL: not compared; fix NULL: it has
 * none, ANYFIX: not compared).
 */
void
expect(const char *file, size_t line, const struct run *r, const char *code,
    const char *path, const char *group, const char *msg, const char *fix)
{
	expect_sev(file, line, r, VMRUN_ERROR, code, path, group, msg, fix);
}

void
expect_sev(const char *file, size_t line, const struct run *r,
    enum vmrun_severity sev, const char *code, const char *path,
    const char *group, const char *msg, const char *fix)
{
	const struct vmrun_diag *d;
	const char *f;

	if ((d = find(r, code, path)) == NULL) {
		atf_tc_fail_check(file, line, "no %s at \"%s\"; got:\n%s", code,
		    path, r->r_text);
		return;
	}
	if (vmrun_diag_severity(d) != sev)
		atf_tc_fail_check(file, line, "%s at %s is not %s", code,
		    path, sev == VMRUN_ERROR ? "an error" : "a warning");
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

bool
exists(const char *path)
{
	struct stat sb;

	return (lstat(path, &sb) == 0);
}

/* A UNIX socket at path; listening or not; its descriptor. */
int
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

/*
 * report.c: host problems as design §6 shows them -- grouped by what
 * they concern, the VM first, then PCI devices by slot, then LPC -- with
 * the fix under each problem.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmrun.h"
#include "cmd.h"

/* Codes of problems with the host (as opposed to runtime messages). */
bool
is_host_code(const char *code)
{
	static const char *const codes[] = {
		"file-missing", "file-inaccessible", "not-a-file",
		"not-a-directory",
		"file-not-writable", "tap-missing", "tap-busy", "tap-invalid",
		"fix-failed", "check-failed", "module-missing",
		"too-many-cpus", "vm-exists", "vm-supervised", "vm-busy",
		"socket-in-use", "socket-not-socket", "pci-missing",
		"ppt-not-bound", "passthru-lookup", NULL
	};
	size_t i;

	for (i = 0; codes[i] != NULL; i++)
		if (strcmp(code, codes[i]) == 0)
			return (true);
	return (false);
}

/* Sort key of a group: vm, then pci by bus:slot:function, then lpc. */
static void
group_key(const char *g, unsigned long *major, unsigned long *minor)
{
	unsigned b, s, f;

	*minor = 0;
	if (strcmp(g, "vm") == 0)
		*major = 0;
	else if (strncmp(g, "pci ", 4) == 0) {
		*major = 1;
		if (sscanf(g + 4, "%u:%u:%u", &b, &s, &f) == 3)
			*minor = (unsigned long)b << 16 | s << 8 | f;
		else
			*minor = 0xffffffUL;
	} else
		*major = 2;
}

struct gentry {
	const char	*ge_group;
	unsigned long	 ge_major;
	unsigned long	 ge_minor;
	size_t		 ge_first;	/* order of first appearance */
};

static int
gentry_cmp(const void *a, const void *b)
{
	const struct gentry *x = a, *y = b;

	if (x->ge_major != y->ge_major)
		return (x->ge_major < y->ge_major ? -1 : 1);
	if (x->ge_minor != y->ge_minor)
		return (x->ge_minor < y->ge_minor ? -1 : 1);
	return (x->ge_first < y->ge_first ? -1 : x->ge_first > y->ge_first);
}

static void
out(FILE *fp, int logfd, const char *fmt, ...)
    __attribute__((__format__(__printf__, 3, 4)));

static void
out(FILE *fp, int logfd, const char *fmt, ...)
{
	va_list ap;
	char raw[4096], buf[sizeof(raw) * 2];
	size_t n;

	va_start(ap, fmt);
	if (vsnprintf(raw, sizeof(raw), fmt, ap) < 0) {
		va_end(ap);
		return;
	}
	va_end(ap);
	n = vis_str(raw, buf, sizeof(buf));
	fputs(buf, fp);
	if (logfd >= 0 && write(logfd, buf, n) < 0) {
		/* The log is best effort. */
	}
}

/*
 * Print the diagnostics for which want() is true, grouped, under the
 * headline "vmrun: NAME: N problems<tail>".  Returns how many it printed.
 */
size_t
report_grouped(const struct vmrun_diags *ds, const char *name,
    const char *tail, bool (*want)(const struct vmrun_diag *), int logfd)
{
	const struct vmrun_diag *d;
	struct gentry *gv;
	size_t i, j, n, ng, nerr;
	const char *fix;

	n = vmrun_diags_count(ds);
	if ((gv = calloc(n + 1, sizeof(*gv))) == NULL)
		return (0);
	ng = nerr = 0;
	for (i = 0; i < n; i++) {
		d = vmrun_diags_get(ds, i);
		if (!want(d))
			continue;
		if (vmrun_diag_severity(d) == VMRUN_ERROR)
			nerr++;
		for (j = 0; j < ng; j++)
			if (strcmp(gv[j].ge_group, vmrun_diag_group(d)) == 0)
				break;
		if (j < ng)
			continue;
		gv[ng].ge_group = vmrun_diag_group(d);
		gv[ng].ge_first = i;
		group_key(gv[ng].ge_group, &gv[ng].ge_major, &gv[ng].ge_minor);
		ng++;
	}
	if (ng == 0) {
		free(gv);
		return (0);
	}
	qsort(gv, ng, sizeof(*gv), gentry_cmp);
	if (nerr == 0)
		out(stderr, logfd, "vmrun: %s: no problems\n", name);
	else
		out(stderr, logfd, "vmrun: %s: %zu problem%s%s\n", name, nerr,
		    nerr == 1 ? "" : "s", tail);
	for (j = 0; j < ng; j++) {
		out(stderr, logfd, "  %s\n", gv[j].ge_group);
		for (i = 0; i < n; i++) {
			d = vmrun_diags_get(ds, i);
			if (!want(d) || strcmp(vmrun_diag_group(d),
			    gv[j].ge_group) != 0)
				continue;
			out(stderr, logfd, "    %s%s\n",
			    vmrun_diag_severity(d) == VMRUN_ERROR ? "" :
			    strcmp(vmrun_diag_code(d), "fixed") == 0 ?
			    "fixed: " : "warning: ", vmrun_diag_message(d));
			if ((fix = vmrun_diag_fix(d)) != NULL)
				out(stderr, logfd, "      fix: %s\n", fix);
		}
	}
	free(gv);
	return (ng);
}

static bool
want_all(const struct vmrun_diag *d)
{
	(void)d;
	return (true);
}

/* vmrun --check [--fix] [--json] */
int
cmd_check(const struct options *o, const struct vmrun_config *cf,
    const struct vmrun_vm *vm, struct vmrun_diags *cfgds)
{
	struct vmrun_opts *op;
	struct vmrun_diags *ds;
	size_t nerr;
	char *s;
	int rc;

	(void)cf;
	op = vmrun_opts_new();
	/*
	 * With --json the configuration's warnings, not printed, go into
	 * the same document; as text they were printed already.
	 */
	ds = o->json ? cfgds : vmrun_diags_new();
	if (op == NULL || ds == NULL ||
	    (o->vmm_dir != NULL && vmrun_opts_set_vmm_dir(op, o->vmm_dir) !=
	    VMRUN_OK) || (o->lockfile != NULL &&
	    vmrun_opts_set_lockfile(op, o->lockfile) != VMRUN_OK) ||
	    /* bhyve's pid file tells a running VM from a leftover. */
	    (o->pidfile != NULL &&
	    vmrun_opts_set_pidfile(op, o->pidfile) != VMRUN_OK)) {
		warnx_("out of memory");
		vmrun_opts_free(op);
		if (ds != cfgds)
			vmrun_diags_free(ds);
		return (EX_OSERR);
	}
	/* --check alone changes nothing; with --fix it fixes, then checks. */
	nerr = vmrun_vm_check(vm, op, VMRUN_CHECK_STATE |
	    (o->fix ? VMRUN_CHECK_FIX_ALL : 0), ds);
	rc = nerr > 0 ? EX_UNAVAILABLE : EX_OK;
	if (o->json) {
		if ((s = vmrun_diags_json(ds, vmrun_vm_name(vm))) == NULL) {
			warnx_("out of memory");
			rc = EX_OSERR;
		} else {
			printf("%s\n", s);
			free(s);
		}
	} else
		report_grouped(ds, vmrun_vm_name(vm), "", want_all, -1);
	vmrun_opts_free(op);
	if (ds != cfgds)
		vmrun_diags_free(ds);
	return (rc);
}

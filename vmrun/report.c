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

/* One diagnostic to print: its group, and where it stands. */
struct dentry {
	const char	*de_group;
	size_t		 de_index;	/* in the list */
	size_t		 de_first;	/* its group's first diagnostic */
	unsigned long	 de_major;
	unsigned long	 de_minor;
};

static int
by_group_name(const void *a, const void *b)
{
	const struct dentry *x = a, *y = b;
	int c;

	if ((c = strcmp(x->de_group, y->de_group)) != 0)
		return (c);
	return (x->de_index < y->de_index ? -1 : x->de_index > y->de_index);
}

static int
by_group_order(const void *a, const void *b)
{
	const struct dentry *x = a, *y = b;

	if (x->de_major != y->de_major)
		return (x->de_major < y->de_major ? -1 : 1);
	if (x->de_minor != y->de_minor)
		return (x->de_minor < y->de_minor ? -1 : 1);
	if (x->de_first != y->de_first)
		return (x->de_first < y->de_first ? -1 : 1);
	return (x->de_index < y->de_index ? -1 : x->de_index > y->de_index);
}

/*
 * Print the diagnostics for which want() is true, grouped, under the
 * headline "vmrun: NAME: N problems<tail>".  Returns how many groups it
 * printed.  Two sorts, not a pass over the list for every group: a host
 * with thousands of devices has thousands of groups.
 */
size_t
report_grouped(const struct vmrun_diags *ds, const char *name,
    const char *tail, bool (*want)(const struct vmrun_diag *), int logfd)
{
	const struct vmrun_diag *d;
	struct dentry *dv;
	size_t i, j, n, nd, ng, nerr;
	const char *fix;

	n = vmrun_diags_count(ds);
	if ((dv = calloc(n + 1, sizeof(*dv))) == NULL)
		return (0);
	nd = nerr = 0;
	for (i = 0; i < n; i++) {
		d = vmrun_diags_get(ds, i);
		if (!want(d))
			continue;
		if (vmrun_diag_severity(d) == VMRUN_ERROR)
			nerr++;
		dv[nd].de_group = vmrun_diag_group(d);
		dv[nd++].de_index = i;
	}
	if (nd == 0) {
		free(dv);
		return (0);
	}
	/* Each group's members together, in list order: its first, key. */
	qsort(dv, nd, sizeof(*dv), by_group_name);
	for (i = ng = 0; i < nd; i = j, ng++) {
		for (j = i; j < nd && strcmp(dv[j].de_group,
		    dv[i].de_group) == 0; j++) {
			dv[j].de_first = dv[i].de_index;
			if (j == i)
				group_key(dv[i].de_group, &dv[i].de_major,
				    &dv[i].de_minor);
			else {
				dv[j].de_major = dv[i].de_major;
				dv[j].de_minor = dv[i].de_minor;
			}
		}
	}
	qsort(dv, nd, sizeof(*dv), by_group_order);
	if (nerr == 0)
		out(stderr, logfd, "vmrun: %s: no problems\n", name);
	else
		out(stderr, logfd, "vmrun: %s: %zu problem%s%s\n", name, nerr,
		    nerr == 1 ? "" : "s", tail);
	for (i = 0; i < nd; i++) {
		if (i == 0 || dv[i].de_first != dv[i - 1].de_first)
			out(stderr, logfd, "  %s\n", dv[i].de_group);
		d = vmrun_diags_get(ds, dv[i].de_index);
		out(stderr, logfd, "    %s%s\n",
		    vmrun_diag_severity(d) == VMRUN_ERROR ? "" :
		    strcmp(vmrun_diag_code(d), "fixed") == 0 ?
		    "fixed: " : "warning: ", vmrun_diag_message(d));
		if ((fix = vmrun_diag_fix(d)) != NULL)
			out(stderr, logfd, "      fix: %s\n", fix);
	}
	free(dv);
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
	    VMRUN_OK) ||
	    /* The bhyve asked what it supports (design §12.4). */
	    (o->bhyve != NULL && vmrun_opts_set_program(op, VMRUN_PROG_BHYVE,
	    o->bhyve) != VMRUN_OK) || (o->lockfile != NULL &&
	    vmrun_opts_set_lockfile(op, o->lockfile) != VMRUN_OK) ||
	    /* bhyve's pid file tells a running VM from a leftover. */
	    (o->pidfile != NULL &&
	    vmrun_opts_set_pidfile(op, o->pidfile) != VMRUN_OK) ||
	    /* The programs checked are the ones that would run. */
	    (o->grub_bhyve != NULL && vmrun_opts_set_program(op,
	    VMRUN_PROG_GRUB_BHYVE, o->grub_bhyve) != VMRUN_OK) ||
	    (o->swtpm != NULL && vmrun_opts_set_program(op,
	    VMRUN_PROG_SWTPM, o->swtpm) != VMRUN_OK)) {
		warnx_("out of memory");
		vmrun_opts_free(op);
		if (ds != cfgds)
			vmrun_diags_free(ds);
		return (EX_OSERR);
	}
	/*
	 * --check alone changes nothing, and a problem the start would fix
	 * ("fix": true) is only a warning; with --fix it fixes, then checks.
	 */
	nerr = vmrun_vm_check(vm, op, VMRUN_CHECK_STATE | VMRUN_CHECK_BHYVE |
	    (o->fix ? VMRUN_CHECK_FIX_ALL : VMRUN_CHECK_FIX |
	    VMRUN_CHECK_PREVIEW), ds);
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

/*
 * testutil: the helpers the atf-c programs of tests/lib share (see
 * testutil.h).  Every helper fails the running case when it cannot go on,
 * out of memory included.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "vmrun.h"
#include "testutil.h"

/* A copy of s with every ' turned into " (new string; the caller frees). */
char *
jq(const char *s)
{
	char *r, *p;

	if ((r = strdup(s)) == NULL)
		atf_tc_fail("out of memory");
	for (p = r; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	return (r);
}

/*
 * Every diagnostic of ds written as style says, "W:" in front of each
 * warning, separated by "\n"; "" for none (new string; the caller frees).
 */
char *
diags_text(const struct vmrun_diags *ds, enum diags_style style)
{
	const struct vmrun_diag *d;
	const char *fix;
	char *buf;
	size_t i, n, len;

	len = 64;
	for (i = 0; i < vmrun_diags_count(ds); i++) {
		d = vmrun_diags_get(ds, i);
		fix = vmrun_diag_fix(d);
		len += strlen(vmrun_diag_code(d)) + strlen(vmrun_diag_path(d)) +
		    strlen(vmrun_diag_group(d)) + strlen(vmrun_diag_message(d)) +
		    (fix != NULL ? strlen(fix) : 0) + 32;
	}
	if ((buf = malloc(len)) == NULL)
		atf_tc_fail("out of memory");
	buf[0] = '\0';
	for (i = 0; i < vmrun_diags_count(ds); i++) {
		d = vmrun_diags_get(ds, i);
		fix = vmrun_diag_fix(d);
		n = strlen(buf);
		snprintf(buf + n, len - n, "%s%s%s@%s", i > 0 ? "\n" : "",
		    vmrun_diag_severity(d) == VMRUN_WARNING ? "W:" : "",
		    vmrun_diag_code(d), vmrun_diag_path(d));
		n = strlen(buf);
		if (style == DIAGS_MSGS)
			snprintf(buf + n, len - n, ": %s",
			    vmrun_diag_message(d));
		else if (style == DIAGS_FULL)
			snprintf(buf + n, len - n, " [%s] %s (%s)",
			    vmrun_diag_group(d), vmrun_diag_message(d),
			    fix != NULL ? fix : "no fix");
	}
	return (buf);
}

/*
 * Load len bytes of text; the status it gives.  *cfp gets the
 * configuration (the caller frees it; a configuration with a status other
 * than VMRUN_OK fails the case), *dsp a new list with the diagnostics (the
 * caller frees it too).
 */
enum vmrun_status
load_raw(const char *text, size_t len, struct vmrun_config **cfp,
    struct vmrun_diags **dsp)
{
	enum vmrun_status st;

	if ((*dsp = vmrun_diags_new()) == NULL)
		atf_tc_fail("out of memory");
	st = vmrun_config_load(text, len, *dsp, cfp);
	if (st != VMRUN_OK && *cfp != NULL)
		atf_tc_fail("a configuration is returned with status %d", st);
	return (st);
}

/*
 * The configuration of json (with ' for "), which must load (and, when
 * quiet, without a single diagnostic, warnings included); otherwise the
 * case fails at file:line.  The caller frees the configuration.
 */
struct vmrun_config *
load_ok(const char *file, size_t line, const char *json, bool quiet)
{
	struct vmrun_config *cf;
	struct vmrun_diags *ds;
	enum vmrun_status st;
	char *text;

	text = jq(json);
	st = load_raw(text, strlen(text), &cf, &ds);
	if (st != VMRUN_OK)
		atf_tc_fail_requirement(file, line, "load: %s\n%s",
		    vmrun_strstatus(st), diags_text(ds, DIAGS_MSGS));
	if (quiet && vmrun_diags_count(ds) != 0)
		atf_tc_fail_requirement(file, line, "load: diagnostics for a "
		    "configuration that must have none\n%s",
		    diags_text(ds, DIAGS_MSGS));
	vmrun_diags_free(ds);
	free(text);
	return (cf);
}

/*
 * The diagnostics of json (with ' for "), written as style says (new
 * string; the caller frees).  A status other than want is a failed check
 * at file:line; the case goes on.
 */
char *
load_diags(const char *file, size_t line, const char *json,
    enum vmrun_status want, enum diags_style style)
{
	struct vmrun_config *cf;
	struct vmrun_diags *ds;
	enum vmrun_status st;
	char *text, *dt;

	text = jq(json);
	st = load_raw(text, strlen(text), &cf, &ds);
	dt = diags_text(ds, style);
	if (st != want)
		atf_tc_fail_check(file, line, "status \"%s\", not \"%s\"; "
		    "diagnostics:\n%s", vmrun_strstatus(st),
		    vmrun_strstatus(want), dt);
	vmrun_config_free(cf);
	vmrun_diags_free(ds);
	free(text);
	return (dt);
}

/*
 * The VM of a target of cf (NULL: the default one), which must exist.  It
 * belongs to cf: nothing to free.
 */
const struct vmrun_vm *
resolve(const struct vmrun_config *cf, const char *target)
{
	const struct vmrun_vm *vm;

	if (vmrun_config_resolve(cf, target, &vm) != VMRUN_OK)
		atf_tc_fail("no target %s", target != NULL ? target : "NULL");
	return (vm);
}

/*
 * An argument vector joined with blanks, "(null)" for a NULL one (new
 * string; the caller frees).
 */
char *
join(char **av)
{
	char *buf;
	size_t i, len;

	if (av == NULL) {
		if ((buf = strdup("(null)")) == NULL)
			atf_tc_fail("out of memory");
		return (buf);
	}
	for (i = len = 0; av[i] != NULL; i++)
		len += strlen(av[i]) + 1;
	if ((buf = malloc(len + 1)) == NULL)
		atf_tc_fail("out of memory");
	buf[0] = '\0';
	for (i = 0; av[i] != NULL; i++) {
		if (i > 0)
			strcat(buf, " ");
		strcat(buf, av[i]);
	}
	return (buf);
}

/*
 * The bhyve argv (program "bhyve") of a target of cf, joined with blanks
 * (new string; the caller frees).
 */
char *
argv_of(const struct vmrun_config *cf, const char *target)
{
	char **av, *buf;

	if (vmrun_vm_bhyve_argv(resolve(cf, target), "bhyve", NULL, NULL,
	    &av) != VMRUN_OK)
		atf_tc_fail("cannot render %s",
		    target != NULL ? target : "NULL");
	buf = join(av);
	vmrun_argv_free(av);
	return (buf);
}

/* srcdir/rel: a file of the source tree (new string; the caller frees). */
char *
srcfile(const atf_tc_t *tc, const char *rel)
{
	const char *dir;
	char *p;
	size_t len;

	dir = atf_tc_get_config_var(tc, "srcdir");
	len = strlen(dir) + strlen(rel) + 2;
	if ((p = malloc(len)) == NULL)
		atf_tc_fail("out of memory");
	snprintf(p, len, "%s/%s", dir, rel);
	return (p);
}

/*
 * Where the thing name of the suite's layout file (tests/layout) is:
 * vmrun, library, header, map, example, schema or source (new string;
 * the caller frees).  The source tree's layout names what the build
 * made, the installed suite's (written by make install) what was
 * installed, so one program tests either.  A relative path there is
 * relative to the suite's top, srcdir/..; a name the layout lacks fails
 * the case.
 */
char *
layout_path(const atf_tc_t *tc, const char *name)
{
	FILE *fp;
	char line[1024], *top, *file, *k, *v, *p;
	size_t len;

	top = srcfile(tc, "..");
	file = srcfile(tc, "../layout");
	if ((fp = fopen(file, "r")) == NULL)
		atf_tc_fail("%s: %s", file, strerror(errno));
	p = NULL;
	while (p == NULL && fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		k = line + strspn(line, " \t");
		v = k + strcspn(k, " \t");
		if (*k == '#' || *v == '\0' ||
		    strncmp(k, name, v - k) != 0 || name[v - k] != '\0')
			continue;
		v += strspn(v, " \t");
		len = strlen(top) + strlen(v) + 2;
		if ((p = malloc(len)) == NULL)
			atf_tc_fail("out of memory");
		if (*v == '/')
			snprintf(p, len, "%s", v);
		else
			snprintf(p, len, "%s/%s", top, v);
	}
	fclose(fp);
	if (p == NULL)
		atf_tc_fail("%s has no %s", file, name);
	free(file);
	free(top);
	return (p);
}

/*
 * The whole of a file, NUL-terminated (new string; the caller frees);
 * *lenp, unless lenp is NULL, gets its length.
 */
char *
slurp(const char *path, size_t *lenp)
{
	FILE *fp;
	char *buf;
	size_t len, n;

	if ((fp = fopen(path, "r")) == NULL)
		atf_tc_fail("%s: %s", path, strerror(errno));
	len = 0;
	if ((buf = malloc(1)) == NULL)
		atf_tc_fail("out of memory");
	for (;;) {
		if ((buf = realloc(buf, len + 4097)) == NULL)
			atf_tc_fail("out of memory");
		if ((n = fread(buf + len, 1, 4096, fp)) == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	fclose(fp);
	if (lenp != NULL)
		*lenp = len;
	return (buf);
}

/* The bhyve command of a target, joined (new string). */
char *
bhyve_of(const struct vmrun_vm *vm, const char *bhyve,
    const char *const *extra)
{
	struct vmrun_diags *ds;
	enum vmrun_status st;
	char **av, *s, *dt;

	if ((ds = vmrun_diags_new()) == NULL)
		atf_tc_fail("out of memory");
	st = vmrun_vm_bhyve_argv(vm, bhyve, extra, ds, &av);
	if (st != VMRUN_OK) {
		dt = diags_text(ds, DIAGS_MSGS);
		atf_tc_fail("render: %s\n%s", vmrun_strstatus(st), dt);
	}
	ATF_CHECK_EQ(0, vmrun_diags_count(ds));
	s = join(av);
	vmrun_argv_free(av);
	vmrun_diags_free(ds);
	return (s);
}

/* The bhyveload command of a target, joined (new string). */
char *
loader_of(const struct vmrun_vm *vm, const char *bhyveload)
{
	enum vmrun_status st;
	char **av, *s;

	st = vmrun_vm_loader_argv(vm, bhyveload, &av);
	if (st != VMRUN_OK)
		atf_tc_fail("render loader: %s", vmrun_strstatus(st));
	s = join(av);
	vmrun_argv_free(av);
	return (s);
}

/*
 * The bhyve command of a target of json (NULL: the default one) is
 * expected; otherwise a failed check at file:line.
 */
void
render_eq(const char *file, size_t line, const char *expected,
    const char *json, const char *target)
{
	struct vmrun_config *cf;
	char *got;

	cf = load_ok(file, line, json, false);
	got = bhyve_of(resolve(cf, target), NULL, NULL);
	if (strcmp(expected, got) != 0)
		atf_tc_fail_check(file, line, "\nexpected: %s\n     got: %s",
		    expected, got);
	free(got);
	vmrun_config_free(cf);
}

/*
 * ./NAME.PROG: the fake PROG with its state in ./NAME.d, so that VMs
 * running side by side keep theirs apart (new string: free it).
 */
char *
fake_prog(const atf_tc_t *tc, const char *name, const char *prog)
{
	char cwd[1024], rel[64], *fake, *path;
	FILE *fp;

	ATF_REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);
	snprintf(rel, sizeof(rel), "../helpers/fake-%s", prog);
	fake = srcfile(tc, rel);
	ATF_REQUIRE((path = malloc(PATH_MAX)) != NULL);
	snprintf(path, PATH_MAX, "%s/%s.%s", cwd, name, prog);
	ATF_REQUIRE((fp = fopen(path, "w")) != NULL);
	fprintf(fp, "#!/bin/sh\nmkdir -p '%s/%s.d'\n"
	    "FAKE_DIR='%s/%s.d' exec '%s' \"$@\"\n", cwd, name, cwd, name,
	    fake);
	ATF_REQUIRE_EQ(0, fclose(fp));
	ATF_REQUIRE_EQ(0, chmod(path, 0755));
	free(fake);
	return (path);
}

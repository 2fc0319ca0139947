/*
 * plan.c: the dry run -- the commands vmrun would execute, shell-quoted
 * so they can be pasted, or as JSON (design §8).
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jw.h"

#include "vmrun.h"
#include "cmd.h"

/* Can c stand in a word unquoted?  Letters, digits and _@%+=:,./- */
static bool
word_char(char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return (true);
	switch (c) {
	case '_': case '@': case '%': case '+': case '=': case ':':
	case ',': case '.': case '/': case '-':
		return (true);
	}
	return (false);
}

/*
 * Shell-quote word s into d, which has room for 4 * strlen(s) + 3 bytes
 * (no byte takes more than four, and the quotes three); returns the end.
 */
static char *
quote_word(char *d, const char *s)
{
	static const char oct[] = "01234567";
	const char *c;
	size_t n;

	/* Words of these characters need no quotes. */
	for (c = s; *c != '\0' && word_char(*c); c++)
		;
	if (*s != '\0' && *c == '\0') {
		n = (size_t)(c - s);
		memcpy(d, s, n);
		return (d + n);
	}
	/*
	 * A control character (ESC from a configuration) must not reach
	 * the terminal: $'...' quoting (sh(1), POSIX 2024) spells it.
	 */
	for (c = s; *c != '\0'; c++)
		if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f)
			break;
	if (*c != '\0') {
		*d++ = '$';
		*d++ = '\'';
		for (; *s != '\0'; s++)
			if (((unsigned char)*s < 0x20 && *s != '\t') ||
			    *s == 0x7f) {
				*d++ = '\\';
				*d++ = oct[(unsigned char)*s >> 6];
				*d++ = oct[((unsigned char)*s >> 3) & 7];
				*d++ = oct[(unsigned char)*s & 7];
			} else {
				if (*s == '\'' || *s == '\\')
					*d++ = '\\';
				*d++ = *s;
			}
		*d++ = '\'';
		return (d);
	}
	*d++ = '\'';
	for (; *s != '\0'; s++) {
		if (*s == '\'') {
			memcpy(d, "'\\''", 4);
			d += 4;
		} else
			*d++ = *s;
	}
	*d++ = '\'';
	return (d);
}

/* The command as one line that can be pasted, in one write. */
static int
print_argv(char **v)
{
	size_t i, n;
	char *line, *d;

	for (n = 1, i = 0; v[i] != NULL; i++)
		n += 4 * strlen(v[i]) + 4;
	if ((line = malloc(n)) == NULL) {
		warnx_("out of memory");
		return (-1);
	}
	for (d = line, i = 0; v[i] != NULL; i++) {
		if (i > 0)
			*d++ = ' ';
		d = quote_word(d, v[i]);
	}
	*d++ = '\n';
	fwrite(line, 1, (size_t)(d - line), stdout);
	free(line);
	return (0);
}

static jw_t *
argv_json(char **v)
{
	jw_t *a;
	size_t i;

	if (v == NULL)
		return (jw_null());
	a = jw_array();
	/* An argument that is not UTF-8 fails the document, not drops. */
	for (i = 0; a != NULL && v[i] != NULL; i++)
		if (jw_array_append_new(a, jw_string(v[i])) != 0) {
			warnx_("argument \"%s\" is not UTF-8: JSON cannot hold it",
			    v[i]);
			jw_decref(a);
			return (NULL);
		}
	return (a);
}

/* The warnings of ds, as the "diagnostics" of vmrun_diags_json. */
static jw_t *
warnings_json(const struct vmrun_diags *ds, const char *name)
{
	jw_t *d, *a;
	char *s;

	if ((s = vmrun_diags_json(ds, name)) == NULL)
		return (NULL);
	d = jw_loads(s, strlen(s), NULL, 0);
	free(s);
	a = jw_incref(jw_object_get(d, "diagnostics"));
	jw_decref(d);
	return (a);
}

static int
dry_run_json(const struct vmrun_vm *vm, const struct vmrun_diags *ds,
    char **loader, char **bhyve)
{
	jw_t *doc, *slots, *w, *jl, *jb;
	const char *id;
	size_t i;

	slots = jw_array();
	for (i = 0; slots != NULL && i < vmrun_vm_nslots(vm); i++) {
		id = vmrun_vm_slot_id(vm, i);
		jw_array_append_new(slots, jw_pack("{s:s, s:s, s:o}",
		    "slot", vmrun_vm_slot_addr(vm, i), "device",
		    vmrun_vm_slot_device(vm, i), "id",
		    id != NULL ? jw_string(id) : jw_null()));
	}
	jl = argv_json(loader);
	jb = argv_json(bhyve);
	if (jl == NULL || jb == NULL) {
		jw_decref(jl);
		jw_decref(jb);
		jw_decref(slots);
		return (EX_USAGE);	/* an argument after "--" */
	}
	doc = jw_pack("{s:s, s:o, s:o, s:o}", "target", vmrun_vm_target(vm),
	    "loader", jl, "bhyve", jb, "slots",
	    slots != NULL ? slots : jw_null());
	if (doc != NULL && ((w = warnings_json(ds, vmrun_vm_name(vm))) ==
	    NULL || jw_object_set_new(doc, "diagnostics", w) != 0)) {
		jw_decref(doc);
		doc = NULL;
	}
	return (print_doc(doc));
}

/*
 * The loader's command as the run would have it: its program, and for
 * grub-bhyve the run directory its files would be in (that of -P when
 * given, else the default).
 */
static enum vmrun_status
loader_argv(const struct options *o, const struct vmrun_vm *vm,
    char ***argvp)
{
	char dir[PATH_MAX];
	const char *rundir;

	if ((rundir = vmrun_run_dir(o->lockfile, dir, sizeof(dir))) == NULL)
		return (VMRUN_ERR_ARG);
	return (vmrun_vm_loader_argv_run(vm, vmrun_vm_loader_program(vm) ==
	    VMRUN_PROG_GRUB_BHYVE ? o->grub_bhyve : o->bhyveload, rundir,
	    NULL, argvp));
}

int
dry_run(const struct options *o, const struct vmrun_vm *vm,
    struct vmrun_diags *ds, const char *file)
{
	enum vmrun_status st;
	char **loader, **bhyve, dir[PATH_MAX];
	int rc;

	loader = bhyve = NULL;
	st = loader_argv(o, vm, &loader);
	if (st == VMRUN_OK)
		st = vmrun_vm_bhyve_argv_run(vm, o->bhyve,
		    (const char *const *)o->extra, NULL,
		    vmrun_run_dir(o->lockfile, dir, sizeof(dir)), ds, &bhyve);
	if (st == VMRUN_ERR_HOST) {
		if (o->json)
			print_diags_json(ds, vmrun_vm_name(vm));
		else
			print_diags(ds, file);
		vmrun_argv_free(loader);
		return (EX_UNAVAILABLE);
	}
	if (st != VMRUN_OK) {
		warnx_("%s", vmrun_strstatus(st));
		vmrun_argv_free(loader);
		return (EX_OSERR);
	}
	/* Shown, not run: the VNC password as "password=*". */
	(void)vmrun_argv_mask(bhyve);
	if (o->json)
		rc = dry_run_json(vm, ds, loader, bhyve);
	else {
		rc = EX_OK;
		if ((loader != NULL && print_argv(loader) != 0) ||
		    print_argv(bhyve) != 0)
			rc = EX_OSERR;
	}
	vmrun_argv_free(loader);
	vmrun_argv_free(bhyve);
	return (rc);
}

/*
 * vmrun(8): supervise one bhyve virtual machine.
 *
 * The command parses arguments, reads the configuration, calls libvmrun,
 * prints what it returns and maps results to the exit statuses of
 * vmrun(8).  All the work is in the library.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "vmrun.h"
#include "cmd.h"

void
warnx_(const char *fmt, ...)
{
	va_list ap;
	char buf[4096];

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fputs("vmrun: ", stderr);
	vis_fputs(buf, stderr);
	fputc('\n', stderr);
}

static void	print_diags_to(const struct vmrun_diags *, const char *, FILE *);

/* What "-c -" reads: standard input by name, its size unknown. */
#define STDIN_PATH	"/dev/stdin"

/*
 * Print diagnostics as "vmrun: FILE: PATH: message" lines: made in memory
 * and written at once, not a system call for every piece.
 */
void
print_diags(const struct vmrun_diags *ds, const char *file)
{
	FILE *fp, *mem;
	char *text;
	size_t len;

	if (vmrun_diags_count(ds) == 0)
		return;
	text = NULL;
	if ((mem = open_memstream(&text, &len)) != NULL)
		fp = mem;
	else
		fp = stderr;
	print_diags_to(ds, file, fp);
	if (mem != NULL && fclose(mem) == 0) {
		fwrite(text, 1, len, stderr);
		fflush(stderr);
	} else if (mem != NULL)
		print_diags_to(ds, file, stderr);
	free(text);
}

static void
print_diags_to(const struct vmrun_diags *ds, const char *file, FILE *fp)
{
	const struct vmrun_diag *d;
	const char *path, *fix, *msg;
	size_t i;

	for (i = 0; i < vmrun_diags_count(ds); i++) {
		d = vmrun_diags_get(ds, i);
		path = vmrun_diag_path(d);
		fputs("vmrun: ", fp);
		msg = vmrun_diag_message(d);
		/*
		 * No file: the messages name it (a file that cannot be
		 * read), standard input by the name vmrun opened it with.
		 */
		if (file == NULL && strncmp(msg, STDIN_PATH ": ",
		    sizeof(STDIN_PATH ": ") - 1) == 0) {
			fputs("<stdin>: ", fp);
			msg += sizeof(STDIN_PATH ": ") - 1;
		}
		if (file != NULL) {
			vis_fputs(file, fp);
			if (vmrun_diag_line(d) > 0)
				fprintf(fp, ":%d:%d", vmrun_diag_line(d),
				    vmrun_diag_column(d));
			if (*path != '\0') {
				fputs(": ", fp);
				vis_fputs(path, fp);
			}
			fputs(": ", fp);
		}
		fputs(vmrun_diag_severity(d) == VMRUN_WARNING ? "warning: " : "",
		    fp);
		vis_fputs(msg, fp);
		fputc('\n', fp);
		if ((fix = vmrun_diag_fix(d)) != NULL) {
			fputs("  fix: ", fp);
			vis_fputs(fix, fp);
			fputc('\n', fp);
		}
	}
}

int
print_diags_json(const struct vmrun_diags *ds, const char *vmname)
{
	char *s;

	if ((s = vmrun_diags_json(ds, vmname)) == NULL) {
		warnx_("out of memory");
		return (EX_OSERR);
	}
	printf("%s\n", s);
	free(s);
	return (EX_OK);
}

static int
load_config(const struct options *o, struct vmrun_diags *ds,
    struct vmrun_config **cfp, const char **filep)
{
	enum vmrun_status st;

	/* Standard input through its name: a pipe's size is not known. */
	*filep = strcmp(o->config, "-") == 0 ? "<stdin>" : o->config;
	st = vmrun_config_load_file(strcmp(o->config, "-") == 0 ?
	    STDIN_PATH : o->config, ds, cfp);
	switch (st) {
	case VMRUN_OK:
		return (EX_OK);
	case VMRUN_ERR_IO:
		return (EX_NOINPUT);
	case VMRUN_ERR_SYNTAX:
	case VMRUN_ERR_INVALID:
		return (EX_DATAERR);
	case VMRUN_ERR_NOMEM:
		return (EX_OSERR);
	default:
		return (EX_SOFTWARE);
	}
}

static int
unknown_target(const struct vmrun_config *cf, const char *file,
    const char *t)
{
	size_t i;

	fprintf(stderr, "vmrun: %s: no target named \"%s\" (targets:", file,
	    t);
	for (i = 0; i < vmrun_config_ntargets(cf); i++)
		fprintf(stderr, "%s %s", i > 0 ? "," : "",
		    vmrun_config_target(cf, i));
	fprintf(stderr, ")\n");
	return (EX_USAGE);
}

static int
run(const struct options *o)
{
	struct vmrun_diags *ds;
	struct vmrun_config *cf;
	const struct vmrun_vm *vm;
	enum vmrun_status st;
	const char *file;
	char *s;
	int rc;

	if ((ds = vmrun_diags_new()) == NULL) {
		warnx_("out of memory");
		return (EX_OSERR);
	}
	cf = NULL;
	file = o->config;
	rc = load_config(o, ds, &cf, &file);
	if (rc != EX_OK) {
		if (o->json && (rc == EX_DATAERR || rc == EX_NOINPUT))
			print_diags_json(ds, NULL);
		else
			print_diags(ds, rc == EX_NOINPUT ? NULL : file);
		goto out;
	}
	/* Warnings: on stderr, or in the JSON document under --json. */
	if (!o->json)
		print_diags(ds, file);
	st = vmrun_config_resolve(cf, o->target, &vm);
	if (st == VMRUN_ERR_NOTARGET) {
		rc = unknown_target(cf, file, o->target);
		goto out;
	}
	switch (o->mode) {
	case M_DRYRUN:
		rc = dry_run(o, vm, ds, file);
		break;
	case M_DEBUG:
		if ((s = vmrun_vm_json(vm)) == NULL) {
			warnx_("out of memory");
			rc = EX_OSERR;
			break;
		}
		printf("%s\n", s);
		free(s);
		break;
	case M_EMITCONFIG:
		st = vmrun_vm_bhyve_config(vm, ds, &s);
		if (st == VMRUN_ERR_UNSUPPORTED || st == VMRUN_ERR_HOST) {
			fprintf(stderr, "vmrun: %s: target %s cannot be written "
			    "as a bhyve_config file:\n", file,
			    vmrun_vm_target(vm));
			print_diags(ds, file);
			rc = st == VMRUN_ERR_HOST ? EX_UNAVAILABLE :
			    EX_DATAERR;
			break;
		}
		if (st != VMRUN_OK) {
			warnx_("%s", vmrun_strstatus(st));
			rc = EX_OSERR;
			break;
		}
		fputs(s, stdout);
		free(s);
		break;
	case M_CHECK:
		rc = cmd_check(o, cf, vm, ds);
		break;
	case M_RUN:
		rc = cmd_run(o, cf, vm);
		break;
	}
out:
	vmrun_config_free(cf);
	vmrun_diags_free(ds);
	return (rc);
}

int
main(int argc, char *argv[])
{
	struct options o;
	int rc;

	if (argc > 1 && (strcmp(argv[1], "ctl") == 0 ||
	    strcmp(argv[1], "status") == 0))
		return (cmd_ctl(argc - 1, argv + 1));
	if (argc > 1 && strcmp(argv[1], "console") == 0)
		return (cmd_console(argc - 1, argv + 1));
	if ((rc = args_parse(argc, argv, &o, stderr)) >= 0)
		return (rc);
	rc = run(&o);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		warnx_("standard output: %s", strerror(errno));
		if (rc == EX_OK)
			rc = EX_OSERR;
	}
	return (rc);
}

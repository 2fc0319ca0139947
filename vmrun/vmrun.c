/*
 * vmrun(8): supervise one bhyve virtual machine.
 *
 * The command parses arguments, reads the configuration, calls libvmrun,
 * prints what it returns and maps results to the exit statuses of
 * vmrun(8).  All the work is in the library.
 */

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmrun.h"
#include "cmd.h"

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
	char *s, dir[PATH_MAX];
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
	/* Before every mode, so that rc.d's check says what a start would. */
	if (o->no_stdio && (rc = nostdio_check(o, cf, vm, file)) != EX_OK)
		goto out;
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
		st = vmrun_vm_bhyve_config_run(vm, vmrun_run_dir(o->lockfile,
		    dir, sizeof(dir)), ds, &s);
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
	if (argc > 1 && strcmp(argv[1], "list") == 0)
		return (cmd_list(argc - 1, argv + 1));
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

/*
 * vmrun(8): supervise one bhyve virtual machine.
 *
 * The command parses arguments, reads the configuration, calls libvmrun,
 * prints what it returns and maps results to the exit statuses of
 * vmrun(8).  All the work is in the library.
 */

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "vmrun.h"
#include "cmd.h"

enum {
	O_JSON = 256, O_DEBUG, O_EMIT, O_CHECK, O_NOREQ, O_FIX, O_NOREBOOT,
	O_REBOOTON, O_REBOOTCOUNT, O_EVENTS, O_LOG, O_STOPTIMEOUT, O_BHYVE,
	O_BHYVECTL, O_BHYVELOAD, O_VMMDIR, O_CONTROL, O_CONTROLGROUP
};

/* The options table: also the source of the usage text. */
static const struct opttab {
	struct option	 ot_opt;
	int		 ot_short;
	const char	*ot_arg;
	const char	*ot_help;
} opttab[] = {
	{ { "config", required_argument, NULL, 'c' }, 'c', "FILE|-",
	    "configuration (- reads standard input)" },
	{ { "target", required_argument, NULL, 't' }, 't', "NAME",
	    "start with this target" },
	{ { "dry-run", no_argument, NULL, 'd' }, 'd', NULL,
	    "print the commands that would run" },
	{ { "json", no_argument, NULL, O_JSON }, 0, NULL,
	    "with -d or --check: print JSON" },
	{ { "debug", no_argument, NULL, O_DEBUG }, 0, NULL,
	    "print the resolved configuration" },
	{ { "emit-config", no_argument, NULL, O_EMIT }, 0, NULL,
	    "print the bhyve_config(5) form" },
	{ { "check", no_argument, NULL, O_CHECK }, 0, NULL,
	    "run the host checks only" },
	{ { "no-requirement-check", no_argument, NULL, O_NOREQ }, 0, NULL,
	    "skip host checks before starting" },
	{ { "fix", no_argument, NULL, O_FIX }, 0, NULL,
	    "apply known fixes for every device" },
	{ { "force", no_argument, NULL, 'f' }, 'f', NULL,
	    "destroy a stale VM of the same name" },
	{ { "no-reboot", no_argument, NULL, O_NOREBOOT }, 0, NULL,
	    "never restart the guest" },
	{ { "reboot-on", required_argument, NULL, O_REBOOTON }, 0, "LIST",
	    "exit statuses that restart the guest" },
	{ { "reboot-count", required_argument, NULL, O_REBOOTCOUNT }, 0, "N",
	    "at most N restarts" },
	{ { "pidfile", required_argument, NULL, 'p' }, 'p', "FILE",
	    "write bhyve's pid here" },
	{ { "supervisor-pidfile", required_argument, NULL, 'P' }, 'P', "FILE",
	    "supervisor pid file and per-VM lock" },
	{ { "events", required_argument, NULL, O_EVENTS }, 0, "FILE",
	    "append JSON-lines events" },
	{ { "log", required_argument, NULL, O_LOG }, 0, "FILE",
	    "also append bhyve's stderr here" },
	{ { "stop-timeout", required_argument, NULL, O_STOPTIMEOUT }, 0, "SEC",
	    "grace period before a forced power-off" },
	{ { "bhyve", required_argument, NULL, O_BHYVE }, 0, "PATH",
	    "bhyve program" },
	{ { "bhyvectl", required_argument, NULL, O_BHYVECTL }, 0, "PATH",
	    "bhyvectl program" },
	{ { "bhyveload", required_argument, NULL, O_BHYVELOAD }, 0, "PATH",
	    "bhyveload program" },
	{ { "vmm-dir", required_argument, NULL, O_VMMDIR }, 0, "DIR",
	    "where VM device nodes are looked for" },
	{ { "control", required_argument, NULL, O_CONTROL }, 0, "PATH",
	    "the control socket ('' for none)" },
	{ { "control-group", required_argument, NULL, O_CONTROLGROUP }, 0,
	    "GROUP", "a group that may use the control socket" },
	{ { "version", no_argument, NULL, 'V' }, 'V', NULL,
	    "print the version" },
	{ { "help", no_argument, NULL, 'h' }, 'h', NULL, "print this help" },
};
#define NOPTS	(sizeof(opttab) / sizeof(opttab[0]))

static void
usage(FILE *fp)
{
	char left[64];
	size_t i;

	fprintf(fp, "usage: vmrun -c FILE|- [-t TARGET] [options] "
	    "[-- BHYVE_ARGS...]\n"
	    "       vmrun ctl [--json] NAME|SOCKET REQUEST [ARG]\n"
	    "       vmrun status [--json] NAME|SOCKET\n"
	    "       vmrun console [--read-only] NAME|SOCKET\n");
	for (i = 0; i < NOPTS; i++) {
		if (opttab[i].ot_short != 0)
			snprintf(left, sizeof(left), "-%c, --%s%s%s",
			    opttab[i].ot_short, opttab[i].ot_opt.name,
			    opttab[i].ot_arg != NULL ? " " : "",
			    opttab[i].ot_arg != NULL ? opttab[i].ot_arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s",
			    opttab[i].ot_opt.name,
			    opttab[i].ot_arg != NULL ? " " : "",
			    opttab[i].ot_arg != NULL ? opttab[i].ot_arg : "");
		fprintf(fp, "  %-34s %s\n", left, opttab[i].ot_help);
	}
}

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

/*
 * Text for a terminal: what came from a configuration or a guest may
 * hold control characters (ESC sequences); all but newline and tab are
 * written as \ooo, as vis(3) does.
 */
static bool
vis_plain(char c)
{
	return (((unsigned char)c >= 0x20 || c == '\n' || c == '\t') &&
	    c != 0x7f);
}

void
vis_fputs(const char *s, FILE *fp)
{
	size_t n;

	/* Runs of plain text in one go: stderr is unbuffered. */
	while (*s != '\0') {
		for (n = 0; s[n] != '\0' && vis_plain(s[n]); n++)
			;
		if (n > 0)
			fwrite(s, 1, n, fp);
		s += n;
		if (*s != '\0')
			fprintf(fp, "\\%03o", (unsigned char)*s++);
	}
}

/* Into buf as vis_fputs writes it; returns its length. */
size_t
vis_str(const char *s, char *buf, size_t len)
{
	size_t n;

	for (n = 0; *s != '\0' && n + 5 < len; s++)
		if (!vis_plain(*s))
			n += (size_t)snprintf(buf + n, len - n, "\\%03o",
			    (unsigned char)*s);
		else
			buf[n++] = *s;
	buf[n] = '\0';
	return (n);
}

static int
usage_error(const char *fmt, const char *arg)
{
	fputs("vmrun: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nTry 'vmrun --help' for more information.\n", stderr);
	return (EX_USAGE);
}

/* How the user writes option ch: "-c" or "--events". */
static const char *
opt_name(int ch)
{
	static char buf[64];
	size_t i;

	for (i = 0; i < NOPTS; i++) {
		if (opttab[i].ot_opt.val != ch)
			continue;
		if (opttab[i].ot_short != 0)
			snprintf(buf, sizeof(buf), "-%c", opttab[i].ot_short);
		else
			snprintf(buf, sizeof(buf), "--%s",
			    opttab[i].ot_opt.name);
		return (buf);
	}
	return ("?");
}

static bool
parse_count(const char *s, long long *np)
{
	char *end;
	long long n;

	if (*s < '0' || *s > '9')
		return (false);
	errno = 0;
	n = strtoll(s, &end, 10);
	if (*end != '\0' || errno != 0 || n < 0)
		return (false);
	*np = n;
	return (true);
}

static bool
parse_seconds(const char *s, double *dp)
{
	char *end;
	double d;

	if ((*s < '0' || *s > '9') && *s != '.')
		return (false);
	errno = 0;
	d = strtod(s, &end);
	if (*end != '\0' || errno != 0 || !(d >= 0) || d > 1e9)
		return (false);
	*dp = d;
	return (true);
}

/* "0,3" or "" (never restart). */
static bool
parse_statuses(const char *s, struct options *o)
{
	char *end;
	long n;

	o->nreboot_on = 0;
	while (*s != '\0') {
		if (*s < '0' || *s > '9' || o->nreboot_on == 256)
			return (false);
		n = strtol(s, &end, 10);
		if (n > 255 || (*end != ',' && *end != '\0'))
			return (false);
		o->reboot_on[o->nreboot_on++] = (int)n;
		s = *end == ',' ? end + 1 : end;
		if (*end == ',' && *s == '\0')
			return (false);
	}
	o->reboot_on_set = true;
	return (true);
}

static void
set_mode(struct options *o, enum mode m)
{
	if (o->mode != m)
		o->nmodes++;
	o->mode = m;
}

/* Parse the command line; returns -1 to go on, or an exit status. */
/*
 * What getopt_long refused, said of the option the user wrote: a long
 * option by its name ("--json=1": takes no value), a short one by its
 * letter.
 */
static int
bad_option(const char *arg, const char *sopts)
{
	char name[64];
	size_t i, n;

	if (arg != NULL && strncmp(arg, "--", 2) == 0) {
		n = strcspn(arg + 2, "=");
		snprintf(name, sizeof(name), "%.*s", (int)(n < 60 ? n : 60),
		    arg + 2);
		for (i = 0; i < NOPTS; i++) {
			if (strcmp(opttab[i].ot_opt.name, name) != 0)
				continue;
			if (opttab[i].ot_opt.has_arg == no_argument)
				return (usage_error("option --%s takes no "
				    "value", name));
			return (usage_error("option --%s needs an argument",
			    name));
		}
		return (usage_error("unknown option --%s", name));
	}
	if (optopt > 0 && optopt < 256 && optopt != ':' &&
	    strchr(sopts, optopt) != NULL)
		return (usage_error("option -%s needs an argument",
		    (char[2]){ (char)optopt, '\0' }));
	if (optopt > 0 && optopt < 256)
		return (usage_error("unknown option -%s",
		    (char[2]){ (char)optopt, '\0' }));
	return (usage_error("unknown option %s", arg != NULL ? arg : ""));
}

static int
parse_args(int argc, char *argv[], struct options *o)
{
	struct option lopts[NOPTS + 1];
	char sopts[64];
	size_t i, n;
	int ch;

	memset(lopts, 0, sizeof(lopts));
	/*
	 * "+": stop at the first non-option, so that a stray word before
	 * "--" is an error rather than quietly handed to bhyve.
	 */
	n = 0;
	sopts[n++] = '+';
	for (i = 0; i < NOPTS; i++) {
		lopts[i] = opttab[i].ot_opt;
		if (opttab[i].ot_short == 0)
			continue;
		sopts[n++] = (char)opttab[i].ot_short;
		if (opttab[i].ot_opt.has_arg == required_argument)
			sopts[n++] = ':';
	}
	sopts[n] = '\0';
	opterr = 0;
	while ((ch = getopt_long(argc, argv, sopts, lopts, NULL)) != -1) {
		/* A path or name is never empty; --reboot-on "" means none. */
		if (optarg != NULL && *optarg == '\0' && ch != O_REBOOTON &&
		    ch != O_CONTROL)
			return (usage_error("option %s needs a non-empty "
			    "argument", opt_name(ch)));
		switch (ch) {
		case 'c':
			o->config = optarg;
			break;
		case 't':
			o->target = optarg;
			break;
		case 'd':
			set_mode(o, M_DRYRUN);
			break;
		case O_JSON:
			o->json = true;
			break;
		case O_DEBUG:
			set_mode(o, M_DEBUG);
			break;
		case O_EMIT:
			set_mode(o, M_EMITCONFIG);
			break;
		case O_CHECK:
			set_mode(o, M_CHECK);
			break;
		case O_BHYVE:
			o->bhyve = optarg;
			break;
		case O_BHYVECTL:
			o->bhyvectl = optarg;
			break;
		case O_BHYVELOAD:
			o->bhyveload = optarg;
			break;
		case O_VMMDIR:
			o->vmm_dir = optarg;
			break;
		case O_CONTROL:
			o->control = optarg;
			break;
		case O_CONTROLGROUP:
			o->control_group = optarg;
			break;
		case 'V':
			printf("vmrun %s\n", vmrun_version());
			return (EX_OK);
		case 'h':
			usage(stdout);
			return (EX_OK);
		case '?':
			return (bad_option(argv[optind - 1], sopts));
		case O_REBOOTCOUNT:
			if (!parse_count(optarg, &o->reboot_count))
				return (usage_error("--reboot-count takes a "
				    "whole number >= 0, not \"%s\"", optarg));
			break;
		case O_STOPTIMEOUT:
			o->stop_timeout_set = true;
			if (!parse_seconds(optarg, &o->stop_timeout))
				return (usage_error("--stop-timeout takes "
				    "seconds >= 0, not \"%s\"", optarg));
			break;
		case O_REBOOTON:
			if (!parse_statuses(optarg, o))
				return (usage_error("--reboot-on takes a "
				    "comma-separated list of exit statuses "
				    "0-255, not \"%s\"", optarg));
			break;
		case 'p':
			o->pidfile = optarg;
			break;
		case 'P':
			o->lockfile = optarg;
			break;
		case O_EVENTS:
			o->events = optarg;
			break;
		case O_LOG:
			o->log = optarg;
			break;
		case O_NOREBOOT:
			o->no_reboot = true;
			break;
		case 'f':
			o->force = true;
			break;
		case O_NOREQ:
			o->no_checks = true;
			break;
		case O_FIX:
			o->fix = true;
			break;
		default:
			break;
		}
	}
	o->extra = argv + optind;
	if (optind < argc && strcmp(argv[optind - 1], "--") != 0)
		return (usage_error("unexpected argument \"%s\" (bhyve "
		    "arguments go after --)", argv[optind]));
	if (o->config == NULL)
		return (usage_error("%sa configuration is required (-c FILE "
		    "or -c - for standard input)", ""));
	if (o->nmodes > 1)
		return (usage_error("%s-d, --debug, --emit-config and --check "
		    "exclude each other", ""));
	if (o->json && o->mode != M_DRYRUN && o->mode != M_CHECK)
		return (usage_error("%s--json goes with -d or --check", ""));
	if (o->mode == M_EMITCONFIG && *o->extra != NULL)
		return (usage_error("%sarguments after -- have no "
		    "bhyve_config form; --emit-config cannot include them", ""));
	if (o->bhyve == NULL)
		o->bhyve = getenv("VMRUN_BHYVE");
	if (o->bhyveload == NULL)
		o->bhyveload = getenv("VMRUN_BHYVELOAD");
	if (o->bhyvectl == NULL)
		o->bhyvectl = getenv("VMRUN_BHYVECTL");
	if (o->vmm_dir == NULL)
		o->vmm_dir = getenv("VMRUN_VMM_DIR");
	return (-1);
}

static void	print_diags_to(const struct vmrun_diags *, const char *, FILE *);

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
	const char *path, *fix;
	size_t i;

	for (i = 0; i < vmrun_diags_count(ds); i++) {
		d = vmrun_diags_get(ds, i);
		path = vmrun_diag_path(d);
		fputs("vmrun: ", fp);
		vis_fputs(file, fp);
		if (vmrun_diag_line(d) > 0)
			fprintf(fp, ":%d:%d", vmrun_diag_line(d),
			    vmrun_diag_column(d));
		if (*path != '\0') {
			fputs(": ", fp);
			vis_fputs(path, fp);
		}
		fprintf(fp, ": %s", vmrun_diag_severity(d) ==
		    VMRUN_WARNING ? "warning: " : "");
		vis_fputs(vmrun_diag_message(d), fp);
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
	    "/dev/stdin" : o->config, ds, cfp);
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
			print_diags(ds, file);
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
	memset(&o, 0, sizeof(o));
	o.mode = M_RUN;
	o.reboot_count = -1;
	if ((rc = parse_args(argc, argv, &o)) >= 0)
		return (rc);
	rc = run(&o);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		warnx_("standard output: %s", strerror(errno));
		if (rc == EX_OK)
			rc = EX_OSERR;
	}
	return (rc);
}

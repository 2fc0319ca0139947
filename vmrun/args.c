/*
 * args.c: vmrun's command line -- the options table, which is also the
 * help text, and the parser that turns argv into a struct options.
 * Nothing here starts or opens anything, so that the parser can be
 * called again and again (tests/fuzz/opts_fuzz.c does).
 */

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmrun.h"
#include "cmd.h"

enum {
	O_JSON = 256, O_DEBUG, O_EMIT, O_CHECK, O_NOREQ, O_FIX, O_NOREBOOT,
	O_REBOOTON, O_REBOOTCOUNT, O_EVENTS, O_LOG, O_STOPTIMEOUT, O_BHYVE,
	O_BHYVECTL, O_BHYVELOAD, O_GRUBBHYVE, O_VMMDIR, O_CONTROL, O_CONTROLGROUP,
	O_NOSTDIO, O_SWTPM
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
	{ { "no-stdio", no_argument, NULL, O_NOSTDIO }, 0, NULL,
	    "refuse a console on stdio (no terminal)" },
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
	{ { "grub-bhyve", required_argument, NULL, O_GRUBBHYVE }, 0, "PATH",
	    "grub-bhyve program" },
	{ { "swtpm", required_argument, NULL, O_SWTPM }, 0, "PATH",
	    "swtpm program (a TPM of type swtpm)" },
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
	    "       vmrun console [--read-only] NAME|SOCKET\n"
	    "       vmrun list [--json] [DIRECTORY]\n");
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

static int
usage_error(FILE *errfp, const char *fmt, const char *arg)
{
	char buf[1024];

	/* A word of the command line may hold an ESC: it is escaped. */
	(void)snprintf(buf, sizeof(buf), fmt, arg);
	fputs("vmrun: ", errfp);
	vis_fputs(buf, errfp);
	fputs("\nTry 'vmrun --help' for more information.\n", errfp);
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

/*
 * What getopt_long refused in word, said of the option the user wrote:
 * a long option by its name or the one it abbreviates ("--json=1":
 * takes no value), a short one by its letter.
 */
static int
bad_option(const char *word, FILE *errfp)
{
	const struct opttab *ot;
	char name[64];
	size_t i, n, nfound;

	if (strncmp(word, "--", 2) == 0) {
		n = strcspn(word + 2, "=");
		snprintf(name, sizeof(name), "%.*s", (int)(n < 60 ? n : 60),
		    word + 2);
		ot = NULL;
		nfound = 0;
		for (i = 0; i < NOPTS && n > 0; i++) {
			if (strncmp(opttab[i].ot_opt.name, word + 2, n) != 0)
				continue;
			ot = &opttab[i];
			/* A whole name wins over the longer ones it begins. */
			if (ot->ot_opt.name[n] == '\0') {
				nfound = 1;
				break;
			}
			nfound++;
		}
		if (nfound > 1)
			return (usage_error(errfp, "option --%s is ambiguous",
			    name));
		if (ot == NULL)
			return (usage_error(errfp, "unknown option --%s",
			    name));
		if (ot->ot_opt.has_arg == no_argument)
			return (usage_error(errfp, "option --%s takes no value",
			    ot->ot_opt.name));
		return (usage_error(errfp, "option --%s needs an argument",
		    ot->ot_opt.name));
	}
	/* A letter of the table is refused only when its argument is not. */
	for (i = 0; i < NOPTS; i++)
		if (opttab[i].ot_short != 0 && opttab[i].ot_short == optopt)
			return (usage_error(errfp, "option -%s needs an "
			    "argument", (char[2]){ (char)optopt, '\0' }));
	return (usage_error(errfp, "unknown option -%s",
	    (char[2]){ (char)optopt, '\0' }));
}

/*
 * Parse vmrun's command line into *o, which borrows argv's strings (and
 * the environment's, for the VMRUN_* defaults).  Returns -1 to go on, or
 * the exit status: EX_OK after --help or --version, printed on stdout;
 * EX_USAGE after a message on errfp.
 */
int
args_parse(int argc, char *argv[], struct options *o, FILE *errfp)
{
	struct option lopts[NOPTS + 1];
	char sopts[64];
	size_t i, n;
	int ch, word;

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
	memset(o, 0, sizeof(*o));
	o->mode = M_RUN;
	o->reboot_count = -1;
	/*
	 * optind 0 starts getopt_long afresh, state of an earlier parse
	 * included: glibc, musl and FreeBSD's libc all read it so.
	 */
	optind = 0;
	opterr = 0;
	for (;;) {
		/*
		 * The word getopt_long is about to read from: it moves optind
		 * past a word once done with it, so a message about this
		 * option is about argv[word], not argv[optind - 1] -- in
		 * "-xd" that is the word before.
		 */
		word = optind > 0 ? optind : 1;
		if ((ch = getopt_long(argc, argv, sopts, lopts, NULL)) == -1)
			break;
		/* A path or name is never empty; --reboot-on "" means none. */
		if (optarg != NULL && *optarg == '\0' && ch != O_REBOOTON &&
		    ch != O_CONTROL)
			return (usage_error(errfp, "option %s needs a "
			    "non-empty argument", opt_name(ch)));
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
		case O_GRUBBHYVE:
			o->grub_bhyve = optarg;
			break;
		case O_SWTPM:
			o->swtpm = optarg;
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
			return (bad_option(argv[word], errfp));
		case O_REBOOTCOUNT:
			if (!parse_count(optarg, &o->reboot_count))
				return (usage_error(errfp, "--reboot-count "
				    "takes a whole number >= 0, not \"%s\"",
				    optarg));
			break;
		case O_STOPTIMEOUT:
			o->stop_timeout_set = true;
			if (!parse_seconds(optarg, &o->stop_timeout))
				return (usage_error(errfp, "--stop-timeout "
				    "takes seconds >= 0, not \"%s\"", optarg));
			break;
		case O_REBOOTON:
			if (!parse_statuses(optarg, o))
				return (usage_error(errfp, "--reboot-on takes "
				    "a comma-separated list of exit statuses "
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
		case O_NOSTDIO:
			o->no_stdio = true;
			break;
		default:
			break;
		}
	}
	/*
	 * Words are left for bhyve only after a "--" that ended the options
	 * (getopt_long stepped over it last), not after one that was an
	 * option's value ("-c -- x").
	 */
	o->extra = argv + optind;
	if (optind < argc && (optind != word + 1 ||
	    strcmp(argv[word], "--") != 0))
		return (usage_error(errfp, "unexpected argument \"%s\" (bhyve "
		    "arguments go after --)", argv[optind]));
	if (o->config == NULL)
		return (usage_error(errfp, "%sa configuration is required "
		    "(-c FILE or -c - for standard input)", ""));
	if (o->nmodes > 1)
		return (usage_error(errfp, "%s-d, --debug, --emit-config and "
		    "--check exclude each other", ""));
	if (o->json && o->mode != M_DRYRUN && o->mode != M_CHECK)
		return (usage_error(errfp, "%s--json goes with -d or --check",
		    ""));
	if (o->mode == M_EMITCONFIG && *o->extra != NULL)
		return (usage_error(errfp, "%sarguments after -- have no "
		    "bhyve_config form; --emit-config cannot include them",
		    ""));
	if (o->bhyve == NULL)
		o->bhyve = getenv("VMRUN_BHYVE");
	if (o->bhyveload == NULL)
		o->bhyveload = getenv("VMRUN_BHYVELOAD");
	if (o->bhyvectl == NULL)
		o->bhyvectl = getenv("VMRUN_BHYVECTL");
	if (o->grub_bhyve == NULL)
		o->grub_bhyve = getenv("VMRUN_GRUB_BHYVE");
	if (o->swtpm == NULL)
		o->swtpm = getenv("VMRUN_SWTPM");
	if (o->vmm_dir == NULL)
		o->vmm_dir = getenv("VMRUN_VMM_DIR");
	return (-1);
}


/*
 * The supervisor's options as o asks: set in op (the caller's, from
 * vmrun_opts_new); logfd is where bhyve's stderr is copied, or -1.
 * Returns VMRUN_OK, or the status of the setter that refused.
 */
enum vmrun_status
args_opts(const struct options *o, int logfd, struct vmrun_opts *op)
{
	enum vmrun_status st;

	st = VMRUN_OK;
	if (o->bhyve != NULL)
		st = vmrun_opts_set_program(op, VMRUN_PROG_BHYVE, o->bhyve);
	if (st == VMRUN_OK && o->bhyvectl != NULL)
		st = vmrun_opts_set_program(op, VMRUN_PROG_BHYVECTL,
		    o->bhyvectl);
	if (st == VMRUN_OK && o->bhyveload != NULL)
		st = vmrun_opts_set_program(op, VMRUN_PROG_BHYVELOAD,
		    o->bhyveload);
	if (st == VMRUN_OK && o->grub_bhyve != NULL)
		st = vmrun_opts_set_program(op, VMRUN_PROG_GRUB_BHYVE,
		    o->grub_bhyve);
	if (st == VMRUN_OK && o->swtpm != NULL)
		st = vmrun_opts_set_program(op, VMRUN_PROG_SWTPM, o->swtpm);
	if (st == VMRUN_OK && o->vmm_dir != NULL)
		st = vmrun_opts_set_vmm_dir(op, o->vmm_dir);
	if (st == VMRUN_OK && o->control != NULL)
		st = vmrun_opts_set_control(op, o->control);
	if (st == VMRUN_OK && o->control_group != NULL)
		st = vmrun_opts_set_control_group(op, o->control_group);
	/* Standard input cannot be read again: no file to reload. */
	if (st == VMRUN_OK && o->config != NULL && strcmp(o->config, "-") != 0)
		st = vmrun_opts_set_config_file(op, o->config);
	if (st == VMRUN_OK && o->pidfile != NULL)
		st = vmrun_opts_set_pidfile(op, o->pidfile);
	if (st == VMRUN_OK && o->lockfile != NULL)
		st = vmrun_opts_set_lockfile(op, o->lockfile);
	if (st == VMRUN_OK)
		st = vmrun_opts_set_extra_args(op,
		    (const char *const *)o->extra);
	if (st == VMRUN_OK)
		st = vmrun_opts_set_output(op, 2, logfd);
	if (st == VMRUN_OK && o->stop_timeout_set)
		st = vmrun_opts_set_stop_timeout(op, o->stop_timeout);
	if (st == VMRUN_OK && o->reboot_on_set)
		st = vmrun_opts_set_reboot_on(op, o->reboot_on,
		    o->nreboot_on);
	if (st == VMRUN_OK && o->reboot_count >= 0)
		st = vmrun_opts_set_reboot_count(op, o->reboot_count);
	if (st == VMRUN_OK)
		st = vmrun_opts_set_no_reboot(op, o->no_reboot);
	if (st == VMRUN_OK)
		st = vmrun_opts_set_force(op, o->force);
	if (st == VMRUN_OK)
		st = vmrun_opts_set_checks(op, o->no_checks ? -1 :
		    VMRUN_CHECK_FIX | (o->fix ? VMRUN_CHECK_FIX_ALL : 0));
	return (st);
}

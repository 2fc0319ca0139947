/*
 * opts_fuzz: libFuzzer over vmrun's command line.  The input is argv
 * after "vmrun": words separated by NUL bytes, at most MAXWORDS of them.
 * It is parsed by args_parse, as main does, and what the parser accepts
 * is handed to the library with args_opts, as cmd_run does before it
 * supervises.  A finding is a crash, a sanitizer report or a leak, or
 * abort() here because the parser broke a promise:
 *
 *   - it returns -1 (go on), EX_OK (--help, --version) or EX_USAGE, and
 *     says something on its error stream exactly when it is EX_USAGE;
 *   - what it accepts has a configuration, at most one mode, --json only
 *     with -d or --check, numbers in their ranges, bhyve's arguments
 *     only after "--" -- and the library takes every value of it;
 *   - "-f" in front changes nothing but force: the same outcome, the same
 *     message, so that no message blames another word than the culprit.
 *
 * Each one found becomes a case in tests/lib/args_test.c.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmrun.h"
#include "cmd.h"

/* More words than any command line that means something needs. */
#define MAXWORDS	64

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct parse {
	struct options	 p_o;
	int		 p_rc;
	char		*p_msg;		/* what went to the error stream */
	size_t		 p_len;
};

/* Parse argv (argc words, argv[argc] NULL) into *p; false: no memory. */
static bool
parse(int argc, char **argv, struct parse *p)
{
	FILE *fp;

	p->p_msg = NULL;
	if ((fp = open_memstream(&p->p_msg, &p->p_len)) == NULL)
		return (false);
	p->p_rc = args_parse(argc, argv, &p->p_o, fp);
	if (fclose(fp) != 0) {
		free(p->p_msg);
		return (false);
	}
	return (true);
}

static bool
same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == b);
	return (strcmp(a, b) == 0);
}

static bool
same_argv(char *const *a, char *const *b)
{
	for (; *a != NULL && *b != NULL; a++, b++)
		if (strcmp(*a, *b) != 0)
			return (false);
	return (*a == NULL && *b == NULL);
}

/* Everything but force, which the second parse was given. */
static bool
same_options(const struct options *a, const struct options *b)
{
	return (same_str(a->config, b->config) &&
	    same_str(a->target, b->target) && a->mode == b->mode &&
	    a->nmodes == b->nmodes && a->json == b->json &&
	    same_str(a->bhyve, b->bhyve) &&
	    same_str(a->bhyvectl, b->bhyvectl) &&
	    same_str(a->bhyveload, b->bhyveload) &&
	    same_str(a->vmm_dir, b->vmm_dir) &&
	    same_str(a->control, b->control) &&
	    same_str(a->control_group, b->control_group) &&
	    same_argv(a->extra, b->extra) &&
	    same_str(a->pidfile, b->pidfile) &&
	    same_str(a->lockfile, b->lockfile) &&
	    same_str(a->events, b->events) && same_str(a->log, b->log) &&
	    a->stop_timeout_set == b->stop_timeout_set &&
	    a->stop_timeout == b->stop_timeout &&
	    a->reboot_on_set == b->reboot_on_set &&
	    a->nreboot_on == b->nreboot_on &&
	    memcmp(a->reboot_on, b->reboot_on, a->nreboot_on *
	    sizeof(a->reboot_on[0])) == 0 &&
	    a->reboot_count == b->reboot_count &&
	    a->no_reboot == b->no_reboot && a->no_checks == b->no_checks &&
	    a->fix == b->fix);
}

/* What an accepted command line promises; abort() if it does not hold. */
static void
check_accepted(int argc, char **argv, const struct options *o)
{
	struct vmrun_opts *op;
	char *const *e;
	size_t i;

	if (o->config == NULL || *o->config == '\0' || o->nmodes > 1 ||
	    (o->json && o->mode != M_DRYRUN && o->mode != M_CHECK) ||
	    o->reboot_count < -1 || !(o->stop_timeout >= 0) ||
	    o->stop_timeout > 1e9 || o->nreboot_on > 256)
		abort();
	for (i = 0; i < o->nreboot_on; i++)
		if (o->reboot_on[i] < 0 || o->reboot_on[i] > 255)
			abort();
	/*
	 * The extra arguments are argv's tail, after a "--" that ended the
	 * options: not one that was an option's value.
	 */
	e = o->extra;
	if (e < argv + 1 || e > argv + argc)
		abort();
	if (*e != NULL && (strcmp(e[-1], "--") != 0 || o->config == e[-1] ||
	    o->target == e[-1] || o->bhyve == e[-1] || o->bhyvectl == e[-1] ||
	    o->bhyveload == e[-1] || o->vmm_dir == e[-1] ||
	    o->control == e[-1] || o->control_group == e[-1] ||
	    o->pidfile == e[-1] || o->lockfile == e[-1] ||
	    o->events == e[-1] || o->log == e[-1]))
		abort();
	if ((op = vmrun_opts_new()) == NULL)
		return;
	if (args_opts(o, -1, op) != VMRUN_OK)
		abort();
	vmrun_opts_free(op);
}

static void
fuzz(int argc, char **argv)
{
	/* The same words with "-f" in front, the options borrowing both. */
	char *argv2[MAXWORDS + 3];
	struct parse a, b;
	int i;

	if (!parse(argc, argv, &a))
		return;
	if ((a.p_rc == EX_USAGE) != (a.p_len > 0) ||
	    (a.p_rc != -1 && a.p_rc != EX_OK && a.p_rc != EX_USAGE))
		abort();
	if (a.p_rc == -1)
		check_accepted(argc, argv, &a.p_o);

	argv2[0] = argv[0];
	argv2[1] = (char *)(uintptr_t)"-f";
	for (i = 1; i <= argc; i++)
		argv2[i + 1] = argv[i];
	if (parse(argc + 1, argv2, &b)) {
		if (a.p_rc != b.p_rc || a.p_len != b.p_len ||
		    (a.p_len > 0 && memcmp(a.p_msg, b.p_msg, a.p_len) != 0) ||
		    (a.p_rc == -1 && (!b.p_o.force ||
		    !same_options(&a.p_o, &b.p_o))))
			abort();
		free(b.p_msg);
	}
	free(a.p_msg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* "vmrun", the words, NULL. */
	char *argv[MAXWORDS + 2];
	const uint8_t *nul;
	size_t n;
	int argc, i;

	argv[0] = (char *)(uintptr_t)"vmrun";
	argc = 1;
	/* Each word a copy of its own, so that reading past it is seen. */
	while (size > 0) {
		nul = memchr(data, '\0', size);
		n = nul != NULL ? (size_t)(nul - data) : size;
		if (argc > MAXWORDS || (argv[argc] = malloc(n + 1)) == NULL)
			break;
		memcpy(argv[argc], data, n);
		argv[argc++][n] = '\0';
		if (nul == NULL)
			break;
		data += n + 1;
		size -= n + 1;
	}
	argv[argc] = NULL;
	fuzz(argc, argv);
	for (i = 1; i < argc; i++)
		free(argv[i]);
	return (0);
}

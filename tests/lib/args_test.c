/*
 * args_test: vmrun's command-line parser (vmrun/args.c) called directly,
 * its messages read from a memory stream.  The exit statuses and the
 * texts of whole runs are in tests/cli/options_test.sh; here are the
 * cases that need many parses in one process or words a shell test
 * writes badly, among them what tests/fuzz/opts_fuzz found.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "vmrun.h"
#include "cmd.h"

#define MAXWORDS	16

/* One parse: the words the options borrow, and what was said. */
struct parse {
	char		 p_buf[256];
	char		*p_argv[MAXWORDS + 2];
	struct options	 p_o;
	int		 p_rc;
	char		 p_msg[256];	/* the first line said, or "" */
};

/* Parse "vmrun WORDS", the words split at spaces. */
static void
parse(struct parse *p, const char *words)
{
	FILE *fp;
	char *msg, *w;
	size_t len;
	int argc;

	if (strlen(words) >= sizeof(p->p_buf))
		atf_tc_fail("%s: too long", words);
	strcpy(p->p_buf, words);
	p->p_argv[0] = (char *)(uintptr_t)"vmrun";
	argc = 1;
	for (w = strtok(p->p_buf, " "); w != NULL; w = strtok(NULL, " ")) {
		if (argc > MAXWORDS)
			atf_tc_fail("%s: too many words", words);
		p->p_argv[argc++] = w;
	}
	p->p_argv[argc] = NULL;
	msg = NULL;
	if ((fp = open_memstream(&msg, &len)) == NULL)
		atf_tc_fail("open_memstream");
	p->p_rc = args_parse(argc, p->p_argv, &p->p_o, fp);
	if (fclose(fp) != 0)
		atf_tc_fail("fclose");
	snprintf(p->p_msg, sizeof(p->p_msg), "%.*s",
	    (int)strcspn(msg, "\n"), msg);
	free(msg);
}

/* words are refused (EX_USAGE) with the message "vmrun: " msg. */
static void
refused(const char *words, const char *msg)
{
	struct parse p;
	char want[256];

	parse(&p, words);
	snprintf(want, sizeof(want), "vmrun: %s", msg);
	ATF_CHECK_EQ_MSG(p.p_rc, EX_USAGE, "%s: exit %d", words, p.p_rc);
	ATF_CHECK_STREQ_MSG(want, p.p_msg, "%s", words);
}

ATF_TC_WITHOUT_HEAD(unknown_letter_named);
ATF_TC_BODY(unknown_letter_named, tc)
{
	/*
	 * Found by opts_fuzz: a bad first letter of a word was blamed on
	 * the word before ("unknown option vmrun", then "unknown option
	 * -f" with -f in front); the word is the one being read.
	 */
	refused("-\377x", "unknown option -\377");
	refused("-f -\377x", "unknown option -\377");
	refused("--json -xd", "unknown option -x");
	refused("--reboot-count=5 -xq", "unknown option -x");
	refused("-dx", "unknown option -x");
	refused("-c vm.json -d -x", "unknown option -x");
}

ATF_TC_WITHOUT_HEAD(letter_needs_argument);
ATF_TC_BODY(letter_needs_argument, tc)
{
	refused("-c", "option -c needs an argument");
	refused("-c vm.json -dt", "option -t needs an argument");
	/* "+" leads getopt's option string but is no option. */
	refused("-+", "unknown option -+");
	refused("-c vm.json -d+", "unknown option -+");
}

ATF_TC_WITHOUT_HEAD(long_option_named);
ATF_TC_BODY(long_option_named, tc)
{
	refused("-c vm.json --frob=2", "unknown option --frob");
	refused("-c vm.json --json=1", "option --json takes no value");
	refused("-c vm.json --events", "option --events needs an argument");
	/* An abbreviation is named by the option it stands for. */
	refused("-c vm.json --conf", "option --config needs an argument");
	refused("-c vm.json --dry=1", "option --dry-run takes no value");
	/* A whole name is no abbreviation of the longer ones. */
	refused("-c vm.json --control", "option --control needs an argument");
	refused("-c vm.json --co=1", "option --co is ambiguous");
}

ATF_TC_WITHOUT_HEAD(dashdash_as_value);
ATF_TC_BODY(dashdash_as_value, tc)
{
	struct parse p;

	/* "--" as -c's value ends nothing: "x" is still a stray word. */
	refused("-c -- x -d", "unexpected argument \"x\" (bhyve arguments "
	    "go after --)");
	refused("-c vm.json -t -- x", "unexpected argument \"x\" (bhyve "
	    "arguments go after --)");
	parse(&p, "-c vm.json -t --");
	ATF_CHECK_EQ(p.p_rc, -1);
	ATF_CHECK_STREQ(p.p_o.target, "--");
	ATF_CHECK(p.p_o.extra[0] == NULL);
	parse(&p, "-c vm.json -d -- -o x");
	ATF_CHECK_EQ(p.p_rc, -1);
	ATF_CHECK_STREQ(p.p_o.extra[0], "-o");
	ATF_CHECK_STREQ(p.p_o.extra[1], "x");
	ATF_CHECK(p.p_o.extra[2] == NULL);
}

ATF_TC_WITHOUT_HEAD(parse_again);
ATF_TC_BODY(parse_again, tc)
{
	struct parse p;

	/* Every parse starts afresh, even after one that stopped halfway. */
	refused("-c a -dx --bogus", "unknown option -x");
	parse(&p, "-c b --reboot-on 0,3 -t t");
	ATF_CHECK_EQ(p.p_rc, -1);
	ATF_CHECK_STREQ(p.p_msg, "");
	ATF_CHECK_STREQ(p.p_o.config, "b");
	ATF_CHECK_STREQ(p.p_o.target, "t");
	ATF_CHECK_EQ(p.p_o.mode, M_RUN);
	ATF_CHECK_EQ(p.p_o.nmodes, 0);
	ATF_CHECK_EQ(p.p_o.nreboot_on, 2);
	ATF_CHECK_EQ(p.p_o.reboot_count, -1);
	ATF_CHECK(!p.p_o.force);
	refused("-d -d --debug", "a configuration is required (-c FILE or "
	    "-c - for standard input)");
}

ATF_TC_WITHOUT_HEAD(opts_accepted);
ATF_TC_BODY(opts_accepted, tc)
{
	struct vmrun_opts *op;
	struct parse p;

	/* What the parser takes, the library takes. */
	parse(&p, "-c vm.json --stop-timeout 1e9 --reboot-count 0 "
	    "--reboot-on= --control= -f --fix -- -S");
	ATF_REQUIRE_EQ_MSG(p.p_rc, -1, "%s", p.p_msg);
	ATF_REQUIRE((op = vmrun_opts_new()) != NULL);
	ATF_CHECK_EQ(args_opts(&p.p_o, -1, op), VMRUN_OK);
	vmrun_opts_free(op);
	refused("-c vm.json --stop-timeout 1e10", "--stop-timeout takes "
	    "seconds >= 0, not \"1e10\"");
	refused("-c vm.json --reboot-on 256", "--reboot-on takes a "
	    "comma-separated list of exit statuses 0-255, not \"256\"");
	refused("-c vm.json --reboot-count -1", "--reboot-count takes a "
	    "whole number >= 0, not \"-1\"");
}

/*
 * A word of the command line reaches the terminal in a message: its
 * control characters are escaped as \ooo, like every other message's.
 */
ATF_TC_WITHOUT_HEAD(control_chars_escaped);
ATF_TC_BODY(control_chars_escaped, tc)
{
	refused("--\033[2Jx", "unknown option --\\033[2Jx");
	refused("--json=\033]0;t\007", "option --json takes no value");
	refused("-\033", "unknown option -\\033");
	refused("--con\rx", "unknown option --con\\015x");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, unknown_letter_named);
	ATF_TP_ADD_TC(tp, letter_needs_argument);
	ATF_TP_ADD_TC(tp, long_option_named);
	ATF_TP_ADD_TC(tp, dashdash_as_value);
	ATF_TP_ADD_TC(tp, parse_again);
	ATF_TP_ADD_TC(tp, opts_accepted);
	ATF_TP_ADD_TC(tp, control_chars_escaped);
	return (atf_no_error());
}

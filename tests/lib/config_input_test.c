/*
 * config_input_test: the configuration document (design §2): syntax
 * errors with line and column, characters no setting may hold, and the
 * limits on size and nesting.
 *
 * JSON texts are written with ' for " to keep them readable.
 */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "vmrun_impl.h"
#include "testutil.h"
#include "cfgtext.h"

ATF_TC_WITHOUT_HEAD(syntax_errors);
ATF_TC_BODY(syntax_errors, tc)
{
	static const struct {
		const char	*json;
		const char	*code;
		int		 line;
		int		 col;
	} cases[] = {
		{ "{'name':'vm','cpu':1,'mem':'1G','mem':'2G'}",
		    "duplicate-key", 1, 37 },
		{ "{'name':'vm',\n 'cpu':1,\n   'cpu':2, 'mem':'1G'}",
		    "duplicate-key", 3, 8 },
		{ "{'name':'vm','cpu':1,'mem':'1G','emulations':[\n"
		    "{'device':'virtio-rnd','device':'virtio-rnd'}]}",
		    "duplicate-key", 2, 31 },
		{ "{'name':'vm',\n'cpu':}", "syntax", 2, 7 },
		{ "{'name':'vm','cpu':1,'mem':'1G'", "syntax", 1, 31 },
		{ "", "empty", 0, 0 },
		{ " \n\t", "empty", 0, 0 },
		{ "{'name':'vm'} x", "syntax", 1, 15 },
	};
	struct vmrun_config *cf;
	struct vmrun_diags *ds;
	const struct vmrun_diag *d;
	enum vmrun_status st;
	char *text;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		text = jq(cases[i].json);
		st = load_raw(text, strlen(text), &cf, &ds);
		ATF_CHECK_EQ_MSG(VMRUN_ERR_SYNTAX, st, "case %zu", i);
		ATF_REQUIRE_EQ_MSG(1, vmrun_diags_count(ds), "case %zu", i);
		d = vmrun_diags_get(ds, 0);
		ATF_CHECK_EQ(VMRUN_ERROR, vmrun_diag_severity(d));
		ATF_CHECK_STREQ_MSG(cases[i].code, vmrun_diag_code(d),
		    "case %zu", i);
		ATF_CHECK_STREQ_MSG("", vmrun_diag_path(d), "case %zu", i);
		ATF_CHECK_EQ_MSG(cases[i].line, vmrun_diag_line(d),
		    "case %zu: line %d", i, vmrun_diag_line(d));
		ATF_CHECK_EQ_MSG(cases[i].col, vmrun_diag_column(d),
		    "case %zu: column %d", i, vmrun_diag_column(d));
		vmrun_diags_free(ds);
		free(text);
	}
}

ATF_TC_WITHOUT_HEAD(bad_characters);
ATF_TC_BODY(bad_characters, tc)
{
	BADMSG("bad-character@bootrom: contains a NUL character",
	    "{" BASE ",'bootrom':'/a\\u0000b'}");
	BADMSG("bad-character@bootrom: contains a newline or carriage return",
	    "{" BASE ",'bootrom':'/a\\nb'}");
	BAD("bad-character@bootrom", "{" BASE ",'bootrom':'/a\\rb'}");
	BAD("bad-character@name", "{'name':'v\\nm','cpu':1,'mem':'1G'}");
	/* Anywhere in the tree, once, with its path. */
	BAD("bad-character@emulations[0].path",
	    "{" BASE ",'emulations':[{'device':'virtio-blk',"
	    "'path':'/d\\r\\n'}]}");
	BAD("bad-character@emulations[0].ports[1]",
	    "{" BASE ",'emulations':[{'device':'virtio-console',"
	    "'ports':['/s1','/s\\u00002']}]}");
	BAD("bad-character@loader.env.k",
	    "{" BASE ",'loader':{'type':'bhyveload','disk':'/d',"
	    "'env':{'k':'a\\nb'}}}");
	BAD("bad-character@extra_options[0]",
	    "{" BASE ",'extra_options':['-o\\na=b']}");
	BAD("bad-character@targets.t.com1",
	    "{" BASE ",'targets':{'t':{'com1':'/dev/nmdm0A\\n'}}}");
	/* Other control characters and non-ASCII text pass. */
	GOOD("", "{" BASE ",'bootrom':'/a\\tb/\\u00e9'}");
}

/* A configuration padded with blanks to exactly len bytes (new string). */
static char *
padded(size_t len)
{
	const char *cfg = "{\"name\":\"vm\",\"cpu\":1,\"mem\":\"1G\"}";
	char *s;

	if ((s = malloc(len + 1)) == NULL)
		atf_tc_fail("out of memory");
	memset(s, ' ', len);
	memcpy(s, cfg, strlen(cfg));
	s[len] = '\0';
	return (s);
}

ATF_TC_WITHOUT_HEAD(input_size_limit);
ATF_TC_BODY(input_size_limit, tc)
{
	struct vmrun_config *cf;
	struct vmrun_diags *ds;
	const struct vmrun_diag *d;
	char *s;

	/* Exactly 1 MiB is accepted. */
	s = padded(1024 * 1024);
	ATF_CHECK_EQ(VMRUN_OK, load_raw(s, 1024 * 1024, &cf, &ds));
	ATF_CHECK_EQ(0, vmrun_diags_count(ds));
	ATF_CHECK_STREQ("vm", vmrun_config_name(cf));
	vmrun_config_free(cf);
	vmrun_diags_free(ds);
	free(s);

	/* One byte more is refused before parsing. */
	s = padded(1024 * 1024 + 1);
	ATF_CHECK_EQ(VMRUN_ERR_SYNTAX, load_raw(s, 1024 * 1024 + 1, &cf,
	    &ds));
	ATF_REQUIRE_EQ(1, vmrun_diags_count(ds));
	d = vmrun_diags_get(ds, 0);
	ATF_CHECK_STREQ("too-large", vmrun_diag_code(d));
	ATF_CHECK_STREQ("configuration is 1048577 bytes; the limit is "
	    "1048576 (1 MiB)", vmrun_diag_message(d));
	vmrun_config_free(cf);
	vmrun_diags_free(ds);
	free(s);
}

/* {"name":...,"x": then n nested arrays (new string). */
static char *
nested(size_t n, bool instring)
{
	char *s;
	size_t k, len;

	len = 64 + 2 * n;
	if ((s = malloc(len)) == NULL)
		atf_tc_fail("out of memory");
	k = (size_t)snprintf(s, len, "{\"name\":\"vm\",\"cpu\":1,"
	    "\"mem\":\"1G\",\"bootrom\":%s", instring ? "\"" : "");
	/* Not strcat per bracket: quadratic, minutes under valgrind. */
	memset(s + k, '[', n);
	k += n;
	if (!instring) {
		memset(s + k, ']', n);
		k += n;
	}
	snprintf(s + k, len - k, "%s", instring ? "\"}" : "}");
	return (s);
}

ATF_TC_WITHOUT_HEAD(nesting_limit);
ATF_TC_BODY(nesting_limit, tc)
{
	struct vmrun_config *cf;
	struct vmrun_diags *ds;
	const struct vmrun_diag *d;
	char *s;

	/* The object and 31 arrays: 32 levels, parsed (then a type error). */
	s = nested(31, false);
	ATF_CHECK_EQ(VMRUN_ERR_INVALID, load_raw(s, strlen(s), &cf, &ds));
	ATF_REQUIRE_EQ(1, vmrun_diags_count(ds));
	ATF_CHECK_STREQ("wrong-type", vmrun_diag_code(vmrun_diags_get(ds,
	    0)));
	vmrun_diags_free(ds);
	free(s);

	/* 33 levels: refused, at the bracket that is one too deep. */
	s = nested(32, false);
	ATF_CHECK_EQ(VMRUN_ERR_SYNTAX, load_raw(s, strlen(s), &cf, &ds));
	ATF_REQUIRE_EQ(1, vmrun_diags_count(ds));
	d = vmrun_diags_get(ds, 0);
	ATF_CHECK_STREQ("too-deep", vmrun_diag_code(d));
	ATF_CHECK_STREQ("nested more than 32 levels deep",
	    vmrun_diag_message(d));
	ATF_CHECK_EQ(1, vmrun_diag_line(d));
	ATF_CHECK_EQ(42 + 32, vmrun_diag_column(d));
	vmrun_diags_free(ds);
	free(s);

	/* Far deeper: still one clear error, no crash. */
	s = nested(100000, false);
	ATF_CHECK_EQ(VMRUN_ERR_SYNTAX, load_raw(s, strlen(s), &cf, &ds));
	ATF_CHECK_EQ(1, vmrun_diags_count(ds));
	vmrun_diags_free(ds);
	free(s);

	/* Brackets inside a string do not count. */
	s = nested(40, true);
	ATF_CHECK_EQ(VMRUN_OK, load_raw(s, strlen(s), &cf, &ds));
	ATF_CHECK_EQ(0, vmrun_diags_count(ds));
	vmrun_config_free(cf);
	vmrun_diags_free(ds);
	free(s);
}

ATF_TC_WITHOUT_HEAD(not_an_object);
ATF_TC_BODY(not_an_object, tc)
{
	struct vmrun_config *cf;
	struct vmrun_diags *ds;

	ATF_CHECK_EQ(VMRUN_ERR_INVALID, load_raw("[]", 2, &cf, &ds));
	ATF_REQUIRE_EQ(1, vmrun_diags_count(ds));
	ATF_CHECK_STREQ("wrong-type", vmrun_diag_code(vmrun_diags_get(ds,
	    0)));
	ATF_CHECK_STREQ("a configuration is a JSON object, not an array",
	    vmrun_diag_message(vmrun_diags_get(ds, 0)));
	vmrun_diags_free(ds);
	ATF_CHECK_EQ(VMRUN_ERR_INVALID, load_raw("\"vm\"", 4, &cf, &ds));
	ATF_CHECK_EQ(1, vmrun_diags_count(ds));
	vmrun_diags_free(ds);
	/* The length counts, not a NUL terminator. */
	ATF_CHECK_EQ(VMRUN_ERR_SYNTAX, load_raw("{\"name\"", 7, &cf, &ds));
	vmrun_diags_free(ds);
	ATF_CHECK_EQ(VMRUN_ERR_INVALID, load_raw("{}garbage", 2, &cf, &ds));
	ATF_CHECK_EQ(3, vmrun_diags_count(ds));
	vmrun_diags_free(ds);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, syntax_errors);
	ATF_TP_ADD_TC(tp, bad_characters);
	ATF_TP_ADD_TC(tp, input_size_limit);
	ATF_TP_ADD_TC(tp, nesting_limit);
	ATF_TP_ADD_TC(tp, not_an_object);

	return (atf_no_error());
}

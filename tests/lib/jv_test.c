/*
 * jv_test: the JSON reader and tree of jv.c -- what it accepts, what it
 * makes of it, and where and how it refuses the rest.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>
/* jansson: a second writer to hold jw.c's text against. */
#include <jansson.h>

#include "vmrun_impl.h"

struct rd_result {
	enum vmrun_status st;
	jv_t		*v;
	bool		 ctl;		/* a string holds NUL, CR or LF */
	char		 diag[512];	/* "code@path L:C message" */
};

/* Read n bytes of text into pl; the diagnostic, if any, as a line. */
static void
rd(struct pool *pl, const char *text, size_t n, struct rd_result *r)
{
	struct vmrun_diags *ds;
	const struct vmrun_diag *d;

	ATF_REQUIRE((ds = vmrun_diags_new()) != NULL);
	r->v = NULL;
	r->ctl = false;
	r->st = jv_read(text, n, pl, ds, &r->v, &r->ctl);
	r->diag[0] = '\0';
	if (vmrun_diags_count(ds) > 0) {
		ATF_REQUIRE_EQ(1, vmrun_diags_count(ds));
		d = vmrun_diags_get(ds, 0);
		snprintf(r->diag, sizeof(r->diag), "%s@%s %d:%d %s",
		    vmrun_diag_code(d), vmrun_diag_path(d), vmrun_diag_line(d),
		    vmrun_diag_column(d), vmrun_diag_message(d));
	}
	vmrun_diags_free(ds);
}

static jv_t *
ok(struct pool *pl, const char *text)
{
	struct rd_result r;

	rd(pl, text, strlen(text), &r);
	ATF_REQUIRE_EQ_MSG(VMRUN_OK, r.st, "%s: %s", text, r.diag);
	ATF_REQUIRE(r.v != NULL);
	return (r.v);
}

/* text is refused with exactly this diagnostic. */
#define BAD(expected, text) do {					\
	struct rd_result r_;						\
	rd(pl, text, sizeof(text) - 1, &r_);				\
	ATF_CHECK_EQ_MSG(VMRUN_ERR_SYNTAX, r_.st, "%s", text);		\
	ATF_CHECK_STREQ_MSG(expected, r_.diag, "%s", text);		\
} while (0)

ATF_TC_WITHOUT_HEAD(values);
ATF_TC_BODY(values, tc)
{
	struct pool *pl;
	jv_t *v, *e;
	const char *k;
	size_t i;

	ATF_REQUIRE((pl = pool_new()) != NULL);
	v = ok(pl, " {\"a\": [1, -2, 0, -0, 1.5e3, true, false, null],\n"
	    "\"b\": {\"c\": \"d\"}, \"\": \"empty key\"} ");
	ATF_REQUIRE(jv_is_obj(v));
	ATF_CHECK_EQ(3, jv_size(v));
	/* Members in document order. */
	ATF_CHECK_STREQ("a", jv_key(v, 0));
	ATF_CHECK_STREQ("b", jv_key(v, 1));
	ATF_CHECK_STREQ("", jv_key(v, 2));
	ATF_CHECK(jv_key(v, 3) == NULL);
	ATF_CHECK_STREQ("empty key", jv_str(jv_get(v, "")));
	e = jv_get(v, "a");
	ATF_REQUIRE(jv_is_arr(e));
	ATF_CHECK_EQ(8, jv_size(e));
	ATF_CHECK_EQ(1, jv_int(jv_at(e, 0)));
	ATF_CHECK_EQ(-2, jv_int(jv_at(e, 1)));
	ATF_CHECK(jv_is_int(jv_at(e, 3)) && jv_int(jv_at(e, 3)) == 0);
	ATF_CHECK(jv_is(jv_at(e, 4), JV_REAL));
	ATF_CHECK_STREQ("1.5e3", jv_at(e, 4)->j_u.ju_str);
	ATF_CHECK(jv_is_true(jv_at(e, 5)));
	ATF_CHECK(jv_is_false(jv_at(e, 6)));
	ATF_CHECK(jv_is_null(jv_at(e, 7)));
	ATF_CHECK(jv_at(e, 8) == NULL);
	ATF_CHECK_STREQ("d", jv_str(jv_get(jv_get(v, "b"), "c")));
	/* Lookups on what is not an object or an array find nothing. */
	ATF_CHECK(jv_get(e, "x") == NULL);
	ATF_CHECK(jv_at(v, 0) == NULL);
	ATF_CHECK(jv_get(NULL, "x") == NULL);
	ATF_CHECK(jv_str(jv_at(e, 0)) == NULL);
	ATF_CHECK_EQ(0, jv_int(jv_get(v, "b")));
	i = 0;
	jv_object_foreach(v, i, k, e)
		;
	ATF_CHECK_EQ(3, i);
	/* Any value at the top; the caller decides what it wants. */
	ATF_CHECK_EQ(42, jv_int(ok(pl, "42")));
	ATF_CHECK(jv_is_null(ok(pl, "null")));
	ATF_CHECK_EQ(LLONG_MAX, jv_int(ok(pl, "9223372036854775807")));
	ATF_CHECK_EQ(LLONG_MIN, jv_int(ok(pl, "-9223372036854775808")));
	ATF_CHECK_STREQ("-0.0", ok(pl, "-0.0")->j_u.ju_str);
	ATF_CHECK(jv_is_arr(ok(pl, "[]")) && jv_size(ok(pl, "[]")) == 0);
	ATF_CHECK(jv_is_obj(ok(pl, "{}")));
	/* An empty object has no members to look through (found by fuzzing). */
	ATF_CHECK(jv_get(ok(pl, "{}"), "a") == NULL);
	ATF_CHECK(jv_key(ok(pl, "{}"), 0) == NULL);
	pool_free(pl);
}

ATF_TC_WITHOUT_HEAD(strings);
ATF_TC_BODY(strings, tc)
{
	struct pool *pl;
	jv_t *v;

	ATF_REQUIRE((pl = pool_new()) != NULL);
	v = ok(pl, "\"a\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00e9\\u20ac"
	    "\\ud83d\\ude00z\"");
	ATF_CHECK_STREQ("a\"\\/\b\f\n\r\tA\xc3\xa9\xe2\x82\xac"
	    "\xf0\x9f\x98\x80z", jv_str(v));
	ATF_CHECK_EQ(strlen(jv_str(v)), jv_len(v));
	/* UTF-8 as it is. */
	ATF_CHECK_STREQ("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
	    jv_str(ok(pl, "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"")));
	/* A NUL in a value is kept, and counted: the checks refuse it. */
	v = ok(pl, "\"a\\u0000b\"");
	ATF_CHECK_EQ(3, jv_len(v));
	ATF_CHECK_EQ(0, memcmp(jv_str(v), "a\0b", 4));
	pool_free(pl);
}

/* A position is that of the last character of the offending token. */
/* Does text, read without error, hold a string with NUL, CR or LF? */
static bool
has_ctl(struct pool *pl, const char *text)
{
	struct rd_result r;

	rd(pl, text, strlen(text), &r);
	ATF_REQUIRE_EQ_MSG(VMRUN_OK, r.st, "%s: %s", text, r.diag);
	return (r.ctl);
}

/*
 * The reader says whether a string or key holds NUL, CR or LF, so that
 * the configuration's strings need a search only when one does.
 */
ATF_TC_WITHOUT_HEAD(control_flag);
ATF_TC_BODY(control_flag, tc)
{
	struct pool *pl;

	ATF_REQUIRE((pl = pool_new()) != NULL);
	ATF_CHECK(has_ctl(pl, "{\"a\": \"x\\ny\"}"));
	ATF_CHECK(has_ctl(pl, "{\"a\": [\"x\", \"\\r\"]}"));
	ATF_CHECK(has_ctl(pl, "{\"a\\nb\": 1}"));
	ATF_CHECK(has_ctl(pl, "[\"\\u0000\"]"));
	ATF_CHECK(has_ctl(pl, "[\"\\u000a\"]"));
	ATF_CHECK(has_ctl(pl, "[\"\\u000D\"]"));
	ATF_CHECK(has_ctl(pl, "\"\\n\""));
	/* Other escapes and control characters are not among them. */
	ATF_CHECK(!has_ctl(pl, "{\"a\": \"\\t\\b\\f\\/\\\\\\\"\"}"));
	ATF_CHECK(!has_ctl(pl, "[\"\\u0001\\u000b\\u000c\\u00e9\"]"));
	ATF_CHECK(!has_ctl(pl, "{\"a\": [1, true, null, {\"b\": \"c\"}]}"));
	pool_free(pl);
}

ATF_TC_WITHOUT_HEAD(syntax_errors);
ATF_TC_BODY(syntax_errors, tc)
{
	struct pool *pl;

	ATF_REQUIRE((pl = pool_new()) != NULL);
	BAD("syntax@ 1:8 ',' or '}' expected near 'x'", "{\"a\":1 x}");
	BAD("syntax@ 2:1 a string (a key) expected near '}'",
	    "{\"a\":1,\n}");
	BAD("syntax@ 1:2 a string (a key) or '}' expected near 'a'",
	    "{a:1}");
	BAD("syntax@ 1:6 ':' expected near '1'", "{\"a\" 1}");
	BAD("syntax@ 1:4 a value expected near ']'", "[1,]");
	BAD("syntax@ 1:5 ',' or ']' expected at the end of input", "[1, 2");
	BAD("syntax@ 1:5 end of input expected near 'x'", "[1] x");
	BAD("syntax@ 1:4 end of input expected near '{'", "{} {}");
	BAD("syntax@ 1:3 a value expected near 'tru'", "tru");
	BAD("syntax@ 1:5 a value expected near 'truex'", "truex");
	BAD("syntax@ 1:2 a value expected near '01'", "01");
	BAD("syntax@ 1:2 a value expected near '1.'", "1.");
	BAD("syntax@ 1:3 a value expected near '1e+'", "1e+");
	BAD("syntax@ 1:1 a value expected near '-'", "-");
	BAD("syntax@ 1:2 a value expected near '+1'", "+1");
	BAD("syntax@ 1:2 a value expected near '.5'", ".5");
	BAD("syntax@ 1:4 a value expected near '0x10'", "0x10");
	BAD("syntax@ 1:5 a value expected near ''abc''", "'abc'");
	BAD("syntax@ 1:4 unterminated string near '\"abc'", "\"abc");
	BAD("syntax@ 1:3 invalid escape near '\\x'", "\"\\x\"");
	BAD("syntax@ 1:3 \\u needs four hex digits near '\\u12g4'",
	    "\"\\u12g4\"");
	BAD("syntax@ 1:7 lone surrogate '\\udc00'", "\"\\udc00\"");
	BAD("syntax@ 1:7 lone surrogate '\\ud800'", "\"\\ud800x\"");
	BAD("syntax@ 1:7 lone surrogate '\\ud800'", "\"\\ud800\\u0041\"");
	BAD("syntax@ 1:3 control character 0x0a in a string (write it as "
	    "\\u000a)", "\"a\nb\"");
	BAD("syntax@ 1:3 control character 0x09 in a string (write it as "
	    "\\u0009)", "\"a\tb\"");
	/* Bytes that are not UTF-8: stray, overlong, surrogate, too big. */
	BAD("syntax@ 1:3 byte 0x80 is not UTF-8", "\"a\x80\"");
	BAD("syntax@ 1:2 byte 0xc0 is not UTF-8", "\"\xc0\xaf\"");
	BAD("syntax@ 1:2 byte 0xe0 is not UTF-8", "\"\xe0\x80\xaf\"");
	BAD("syntax@ 1:2 byte 0xed is not UTF-8", "\"\xed\xa0\x80\"");
	BAD("syntax@ 1:2 byte 0xf4 is not UTF-8", "\"\xf4\x90\x80\x80\"");
	BAD("syntax@ 1:2 byte 0xe2 is not UTF-8", "\"\xe2\x82\"");
	/* A long token is cut before a character, never inside one. */
	BAD("syntax@ 1:23 a value expected near 'x\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9'",
	    "[x\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "]");
	/* A column counts characters, not bytes. */
	BAD("syntax@ 1:6 ',' or ']' expected near 'x'", "[\"\xc3\xa9\" x]");
	BAD("syntax@ 1:10 a key cannot hold a NUL character (\\u0000) near "
	    "'\"a\\u0000\"'", "{\"a\\u0000\":1}");
	/* Too big for 64 bits: the path of the value, as well. */
	BAD("syntax@a[1].b 1:32 too big integer near '9223372036854775808'",
	    "{\"a\":[0,{\"b\":9223372036854775808}]}");
	BAD("syntax@ 1:20 too big negative integer near "
	    "'-9223372036854775809'", "-9223372036854775809");
	pool_free(pl);
}

ATF_TC_WITHOUT_HEAD(duplicates);
ATF_TC_BODY(duplicates, tc)
{
	struct pool *pl;
	struct rd_result r;
	char text[8192];
	size_t n, i;

	ATF_REQUIRE((pl = pool_new()) != NULL);
	BAD("duplicate-key@ 1:22 duplicate object key near '\"a\"'",
	    "{\"a\":1,\"b\":{\"a\":2},\"a\":3}");
	BAD("duplicate-key@ 1:21 duplicate object key near '\"a\"'",
	    "{\"a\":1,\"b\":{\"a\":2,\"a\":3}}");
	/* An escaped key is the same key. */
	BAD("duplicate-key@ 1:23 duplicate object key near '\"\\u0061\"'",
	    "{\"a\":1, \"b\":2, \"\\u0061\":3}");
	/*
	 * A large object checks through its hash set: every key distinct,
	 * then one that repeats the first, the middle or the last.
	 */
	for (i = 0; i < 3; i++) {
		n = (size_t)snprintf(text, sizeof(text), "{");
		for (size_t k = 0; k < 300; k++)
			n += (size_t)snprintf(text + n, sizeof(text) - n,
			    "\"k%zu\":%zu,", k, k);
		text[n - 1] = '}';
		rd(pl, text, n, &r);
		ATF_REQUIRE_EQ_MSG(VMRUN_OK, r.st, "%s", r.diag);
		ATF_CHECK_EQ(300, jv_size(r.v));
		ATF_CHECK_EQ(299, jv_int(jv_get(r.v, "k299")));
		ATF_CHECK_EQ(150, jv_int(jv_get(r.v, "k150")));
		text[n - 1] = ',';
		n += (size_t)snprintf(text + n, sizeof(text) - n,
		    "\"k%d\":0}", i == 0 ? 0 : i == 1 ? 150 : 299);
		rd(pl, text, n, &r);
		ATF_CHECK_EQ(VMRUN_ERR_SYNTAX, r.st);
		ATF_CHECK_MSG(strncmp(r.diag, "duplicate-key@ 1:", 17) == 0,
		    "%s", r.diag);
	}
	pool_free(pl);
}

ATF_TC_WITHOUT_HEAD(depth);
ATF_TC_BODY(depth, tc)
{
	struct pool *pl;
	struct rd_result r;
	char text[256];
	int i;

	ATF_REQUIRE((pl = pool_new()) != NULL);
	/* VMRUN_MAX_DEPTH levels are fine; one more is refused there. */
	for (i = 0; i < VMRUN_MAX_DEPTH; i++)
		text[i] = '[';
	for (i = 0; i < VMRUN_MAX_DEPTH; i++)
		text[VMRUN_MAX_DEPTH + i] = ']';
	rd(pl, text, 2 * VMRUN_MAX_DEPTH, &r);
	ATF_CHECK_EQ_MSG(VMRUN_OK, r.st, "%s", r.diag);
	for (i = 0; i <= VMRUN_MAX_DEPTH; i++)
		text[i] = i % 2 ? '[' : '{';
	text[0] = '[';
	rd(pl, text, VMRUN_MAX_DEPTH + 1, &r);
	ATF_CHECK_EQ(VMRUN_ERR_SYNTAX, r.st);
	/* Its position is the bracket that goes too deep. */
	for (i = 0; i <= VMRUN_MAX_DEPTH; i++)
		text[i] = '[';
	rd(pl, text, VMRUN_MAX_DEPTH + 1, &r);
	ATF_CHECK_STREQ("too-deep@ 1:33 nested more than 32 levels deep",
	    r.diag);
	pool_free(pl);
}

/* Every prefix of a valid text is refused, none crashes. */
ATF_TC_WITHOUT_HEAD(truncated);
ATF_TC_BODY(truncated, tc)
{
	static const char text[] = "{\"a\":[1,-2.5e3,true,null,\"\\u00e9"
	    "\\ud83d\\ude00\xc3\xa9\"],\"b\":{\"c\":{}}}";
	struct pool *pl;
	struct rd_result r;
	size_t n;

	ATF_REQUIRE((pl = pool_new()) != NULL);
	for (n = 1; n < sizeof(text) - 1; n++) {
		rd(pl, text, n, &r);
		ATF_CHECK_EQ_MSG(VMRUN_ERR_SYNTAX, r.st, "%zu bytes", n);
	}
	rd(pl, text, sizeof(text) - 1, &r);
	ATF_CHECK_EQ_MSG(VMRUN_OK, r.st, "%s", r.diag);
	pool_free(pl);
}

ATF_TC_WITHOUT_HEAD(build_and_convert);
ATF_TC_BODY(build_and_convert, tc)
{
	struct pool *pl;
	jv_t *base, *o;
	jw_t *j;
	char *s;

	ATF_REQUIRE((pl = pool_new()) != NULL);
	base = ok(pl, "{\"a\":1,\"b\":[true,null,\"x\"],\"c\":{\"d\":2.50}}");
	ATF_REQUIRE((o = jv_obj_new(pl, 3)) != NULL);
	ATF_CHECK(jv_obj_set(o, "b", jv_get(base, "b")));
	ATF_CHECK(jv_obj_set(o, "a", jv_get(base, "a")));
	ATF_CHECK(jv_obj_set(o, "c", jv_get(base, "c")));
	/* Full: a new key is refused, an existing one is replaced. */
	ATF_CHECK(!jv_obj_set(o, "z", jv_get(base, "a")));
	ATF_CHECK(jv_obj_set(o, "a", jv_at(jv_get(base, "b"), 2)));
	ATF_CHECK_STREQ("x", jv_str(jv_get(o, "a")));
	jv_obj_del(o, "c");
	jv_obj_del(o, "nothing");
	ATF_CHECK_EQ(2, jv_size(o));
	ATF_CHECK_STREQ("b", jv_key(o, 0));
	ATF_REQUIRE((j = jw_from_jv(base)) != NULL);
	ATF_REQUIRE((s = jw_dumps(j, JW_COMPACT)) !=
	    NULL);
	ATF_CHECK_STREQ("{\"a\":1,\"b\":[true,null,\"x\"],\"c\":{\"d\":2.5}}",
	    s);
	free(s);
	jw_decref(j);
	pool_free(pl);
}

/*
 * The same document built with jw.c and with jansson, from one list of
 * steps: their text must be the same in every form vmrun writes.
 */
static const char *const texts[] = {
	"", "plain", "quote \" and backslash \\ and slash /",
	"\b\f\n\r\t", "\x01\x02\x1f\x7f", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	"\xe2\x80\xa8 line separator",
};

static void
both_add(jw_t *w, json_t *j, const char *key, jw_t *wv, json_t *jv)
{
	ATF_REQUIRE(wv != NULL && jv != NULL);
	if (jw_is_array(w)) {
		ATF_REQUIRE_EQ(0, jw_array_append_new(w, wv));
		ATF_REQUIRE_EQ(0, json_array_append_new(j, jv));
	} else {
		ATF_REQUIRE_EQ(0, jw_object_set_new(w, key, wv));
		ATF_REQUIRE_EQ(0, json_object_set_new(j, key, jv));
	}
}

static void
both_fill(jw_t *w, json_t *j, int depth)
{
	static const long long ints[] = { 0, -1, 42, LLONG_MAX, LLONG_MIN };
	static const double reals[] = { 1.0, 0.1, 2.5, -0.0, 1e300, 1e-7,
	    123456789.0 };
	char key[32];
	size_t i;
	jw_t *wc;
	json_t *jc;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		snprintf(key, sizeof(key), "s%zu", i);
		both_add(w, j, key, jw_string(texts[i]), json_string(texts[i]));
	}
	both_add(w, j, "nul", jw_stringn("a\0b", 3), json_stringn("a\0b", 3));
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		snprintf(key, sizeof(key), "i%zu", i);
		both_add(w, j, key, jw_integer(ints[i]), json_integer(ints[i]));
	}
	for (i = 0; i < sizeof(reals) / sizeof(reals[0]); i++) {
		snprintf(key, sizeof(key), "r%zu", i);
		both_add(w, j, key, jw_real(reals[i]), json_real(reals[i]));
	}
	both_add(w, j, "t", jw_true(), json_true());
	both_add(w, j, "f", jw_false(), json_false());
	both_add(w, j, "n", jw_null(), json_null());
	both_add(w, j, "eo", jw_object(), json_object());
	both_add(w, j, "ea", jw_array(), json_array());
	both_add(w, j, "k\n\"\\", jw_integer(1), json_integer(1));
	if (depth == 0)
		return;
	wc = depth % 2 ? jw_array() : jw_object();
	jc = depth % 2 ? json_array() : json_object();
	both_fill(wc, jc, depth - 1);
	both_add(w, j, "inner", wc, jc);
}

ATF_TC_WITHOUT_HEAD(writer_text);
ATF_TC_BODY(writer_text, tc)
{
	static const struct {
		int	 jw;
		size_t	 jansson;
	} forms[] = {
		{ JW_COMPACT, JSON_COMPACT },
		{ JW_INDENT(2), JSON_INDENT(2) },
		{ JW_INDENT(4), JSON_INDENT(4) },
		{ 0, 0 },
	};
	jw_t *w;
	json_t *j;
	char *ws, *js;
	size_t i;

	ATF_REQUIRE((w = jw_object()) != NULL && (j = json_object()) != NULL);
	both_fill(w, j, 3);
	/* Set again: the member keeps its place, takes the new value. */
	both_add(w, j, "s1", jw_string("again"), json_string("again"));
	ATF_REQUIRE_EQ(0, jw_object_del(w, "s0"));
	ATF_REQUIRE_EQ(0, json_object_del(j, "s0"));
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		ws = jw_dumps(w, forms[i].jw);
		js = json_dumps(j, forms[i].jansson | JSON_PRESERVE_ORDER);
		ATF_REQUIRE(ws != NULL && js != NULL);
		ATF_CHECK_STREQ_MSG(js, ws, "form %zu", i);
		free(ws);
		free(js);
	}
	/* Only an object or an array, unless any value is asked for. */
	ATF_CHECK(jw_dumps(jw_object_get(w, "i1"), JW_COMPACT) == NULL);
	ATF_REQUIRE((ws = jw_dumps(jw_object_get(w, "s4"), JW_ENCODE_ANY)) !=
	    NULL);
	ATF_CHECK_STREQ("\"\\u0001\\u0002\\u001F\x7f\"", ws);
	free(ws);
	jw_decref(w);
	json_decref(j);
}

ATF_TC_WITHOUT_HEAD(writer_values);
ATF_TC_BODY(writer_values, tc)
{
	jw_t *o, *v, *p, *q;
	const char *k;
	char *s, msg[100];
	size_t n;

	/* Not UTF-8: refused, or made U+FFFD by jw_text. */
	ATF_CHECK(jw_string("\xc3") == NULL);
	ATF_CHECK(jw_string("\xed\xa0\x80") == NULL);
	ATF_CHECK(jw_string("\xc0\xaf") == NULL);
	ATF_REQUIRE((v = jw_text("a\xff" "b\xc3")) != NULL);
	ATF_CHECK_STREQ("a\xef\xbf\xbd" "b\xef\xbf\xbd", jw_string_value(v));
	jw_decref(v);
	/* A failing call takes its value all the same (ASan sees leaks). */
	ATF_REQUIRE((o = jw_object()) != NULL);
	ATF_CHECK_EQ(-1, jw_object_set_new(o, "\xff", jw_integer(1)));
	ATF_CHECK_EQ(-1, jw_object_set_new(o, "k", NULL));
	ATF_CHECK_EQ(-1, jw_array_append_new(o, jw_integer(1)));
	ATF_CHECK(jw_pack("{s:s, s:o}", "a", NULL, "b", jw_integer(2)) ==
	    NULL);
	ATF_REQUIRE((p = jw_pack("{s:s, s:i, s:I, s:b, s:O}", "s", "x", "i",
	    -3, "I", (long long)1 << 40, "b", 1, "O", o)) != NULL);
	ATF_REQUIRE((s = jw_dumps(p, JW_COMPACT)) != NULL);
	ATF_CHECK_STREQ("{\"s\":\"x\",\"i\":-3,\"I\":1099511627776,\"b\":true,"
	    "\"O\":{}}", s);
	free(s);
	/* A value in itself is refused. */
	ATF_CHECK_EQ(-1, jw_object_update(o, p));
	ATF_REQUIRE((q = jw_pack("{s:i, s:i}", "z", 1, "s", 2)) != NULL);
	ATF_CHECK_EQ(0, jw_object_update(q, p));
	ATF_CHECK(jw_is_true(jw_object_get(q, "b")));
	n = 0;
	jw_object_foreach(q, k, v) {
		ATF_CHECK_STREQ(n == 0 ? "z" : n == 1 ? "s" : "i", k);
		if (n > 0)
			ATF_CHECK(jw_equal(v, jw_object_get(p, k)));
		if (++n == 3)
			break;
	}
	ATF_CHECK(jw_object_iter(q, 5, &k, &v) && !jw_object_iter(q, 6, &k,
	    &v));
	jw_decref(q);
	/* Read back: the same values, a NUL refused, an error said. */
	ATF_REQUIRE((s = jw_dumps(p, JW_INDENT(2))) != NULL);
	ATF_REQUIRE((v = jw_loads(s, strlen(s), NULL, 0)) != NULL);
	ATF_CHECK(jw_equal(v, p));
	jw_decref(v);
	free(s);
	ATF_CHECK(jw_loads("[\"a\\u0000\"]", 11, msg, sizeof(msg)) == NULL);
	ATF_CHECK(jw_loads("{\"a\":", 5, msg, sizeof(msg)) == NULL);
	ATF_CHECK(msg[0] != '\0');
	jw_decref(p);
	jw_decref(o);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, values);
	ATF_TP_ADD_TC(tp, strings);
	ATF_TP_ADD_TC(tp, control_flag);
	ATF_TP_ADD_TC(tp, syntax_errors);
	ATF_TP_ADD_TC(tp, duplicates);
	ATF_TP_ADD_TC(tp, depth);
	ATF_TP_ADD_TC(tp, truncated);
	ATF_TP_ADD_TC(tp, build_and_convert);
	ATF_TP_ADD_TC(tp, writer_text);
	ATF_TP_ADD_TC(tp, writer_values);
	return (atf_no_error());
}

/*
 * values_test: the scalar value kinds of the configuration language
 * (design §2): slots, memory sizes, names, addresses, the edit distance
 * behind "did you mean", and the '%' escaping of rendered values
 * (design §5.1, bhyve.md §7.4).
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "vmrun_impl.h"

#define SENTINEL	12345u

/* "B:S:F" of a parsed slot, or "reject" when slot_parse refuses it. */
static const char *
parse_str(const char *s, char *buf, size_t len)
{
	struct slot sl;

	sl.s_bus = sl.s_slot = sl.s_func = SENTINEL;
	if (!slot_parse(s, &sl)) {
		/* A refused slot leaves the result untouched. */
		if (sl.s_bus != SENTINEL || sl.s_slot != SENTINEL ||
		    sl.s_func != SENTINEL)
			snprintf(buf, len, "reject-but-modified");
		else
			snprintf(buf, len, "reject");
		return (buf);
	}
	snprintf(buf, len, "%u:%u:%u", sl.s_bus, sl.s_slot, sl.s_func);
	return (buf);
}

#define SLOT_EQ(expected, input) do {					\
	char buf_[64];							\
	ATF_CHECK_STREQ_MSG(expected, parse_str(input, buf_,		\
	    sizeof(buf_)), "slot_parse(\"%s\")", input);		\
} while (0)

ATF_TC_WITHOUT_HEAD(slot_parse_forms);
ATF_TC_BODY(slot_parse_forms, tc)
{
	SLOT_EQ("0:5:0", "5");
	SLOT_EQ("0:5:3", "5:3");
	SLOT_EQ("2:5:3", "2:5:3");
	SLOT_EQ("0:0:0", "0");
	SLOT_EQ("0:0:0", "0:0");
	SLOT_EQ("0:0:0", "0:0:0");
	SLOT_EQ("0:31:0", "31");
	SLOT_EQ("0:31:7", "31:7");
	SLOT_EQ("255:31:7", "255:31:7");
	SLOT_EQ("1:0:0", "1:0:0");
}

ATF_TC_WITHOUT_HEAD(slot_parse_ranges);
ATF_TC_BODY(slot_parse_ranges, tc)
{
	/* bus 0-255, slot 0-31, function 0-7 (design §2.2) */
	SLOT_EQ("reject", "32");
	SLOT_EQ("reject", "32:0");
	SLOT_EQ("reject", "0:8");
	SLOT_EQ("0:0:7", "0:7");
	SLOT_EQ("reject", "256:0:0");
	SLOT_EQ("255:0:0", "255:0:0");
	SLOT_EQ("reject", "1:32:0");
	SLOT_EQ("reject", "1:0:8");
	SLOT_EQ("reject", "1000:0:0");
	SLOT_EQ("reject", "99999999999");
}

ATF_TC_WITHOUT_HEAD(slot_parse_rejects);
ATF_TC_BODY(slot_parse_rejects, tc)
{
	/* bhyve's sscanf would take these (bhyve.md §4.1); vmrun does not. */
	SLOT_EQ("reject", "0x1f");
	SLOT_EQ("reject", "3x");
	SLOT_EQ("reject", "-1");
	SLOT_EQ("reject", "+1");
	SLOT_EQ("reject", "1:2:3:4");
	SLOT_EQ("reject", "");
	SLOT_EQ("reject", " 1");
	SLOT_EQ("reject", "1 ");
	SLOT_EQ("reject", "1:");
	SLOT_EQ("reject", ":1");
	SLOT_EQ("reject", "1::2");
	SLOT_EQ("reject", "::");
	SLOT_EQ("reject", "a");
	SLOT_EQ("reject", "1.2");
	SLOT_EQ("reject", "1/2/3");
}

ATF_TC_WITHOUT_HEAD(slot_str_full_form);
ATF_TC_BODY(slot_str_full_form, tc)
{
	struct pool *p;
	struct slot sl;

	ATF_REQUIRE((p = pool_new()) != NULL);
	sl = (struct slot){ 0, 1, 0 };
	ATF_CHECK_STREQ("0:1:0", slot_str(p, &sl));
	sl = (struct slot){ 255, 31, 7 };
	ATF_CHECK_STREQ("255:31:7", slot_str(p, &sl));
	sl = (struct slot){ 0, 0, 0 };
	ATF_CHECK_STREQ("0:0:0", slot_str(p, &sl));
	/* The short forms are always written in full (design §5.1). */
	ATF_REQUIRE(slot_parse("7", &sl));
	ATF_CHECK_STREQ("0:7:0", slot_str(p, &sl));
	pool_free(p);
}

/*
 * A jansson value as the configuration reader makes it: its text read
 * back into the tree the checks take.  The tree lives until exit.
 */
static jv_t *
jv_of(jw_t *j)
{
	static struct pool *pl;
	struct vmrun_diags *ds;
	jv_t *v;
	char *s;

	if (j == NULL)
		return (NULL);
	if (pl == NULL)
		ATF_REQUIRE((pl = pool_new()) != NULL);
	ATF_REQUIRE((s = jw_dumps(j, JW_ENCODE_ANY)) != NULL);
	ATF_REQUIRE((ds = vmrun_diags_new()) != NULL);
	ATF_REQUIRE_EQ(VMRUN_OK, jv_read(s, strlen(s), pl, ds, &v, NULL));
	vmrun_diags_free(ds);
	free(s);
	jw_decref(j);
	return (v);
}

/* mem_parse of a JSON value: "reject" or the byte count in decimal. */
static const char *
mem_of(jv_t *v, char *buf, size_t len)
{
	uint64_t b;

	b = 777;
	if (v == NULL)
		snprintf(buf, len, "no-json");
	else if (!mem_parse(v, &b))
		snprintf(buf, len, b == 777 ? "reject" : "reject-but-set");
	else
		snprintf(buf, len, "%llu", (unsigned long long)b);
	return (buf);
}

#define MEM_EQ(expected, jvalue) do {					\
	char buf_[64];							\
	ATF_CHECK_STREQ_MSG(expected, mem_of(jv_of(jvalue), buf_,		\
	    sizeof(buf_)), "mem_parse(%s)", #jvalue);			\
} while (0)

ATF_TC_WITHOUT_HEAD(mem_parse_units);
ATF_TC_BODY(mem_parse_units, tc)
{
	MEM_EQ("1024", jw_string("1k"));
	MEM_EQ("1024", jw_string("1K"));
	MEM_EQ("1048576", jw_string("1024K"));
	MEM_EQ("536870912", jw_string("512M"));
	MEM_EQ("536870912", jw_string("512m"));
	MEM_EQ("1610612736", jw_string("1536M"));
	MEM_EQ("2147483648", jw_string("2G"));
	MEM_EQ("2147483648", jw_string("2g"));
	MEM_EQ("1099511627776", jw_string("1T"));
	MEM_EQ("1099511627776", jw_string("1t"));
	MEM_EQ("0", jw_string("0M"));
	/* An integer is a number of bytes. */
	MEM_EQ("1073741824", jw_integer(1073741824));
	MEM_EQ("1", jw_integer(1));
	MEM_EQ("0", jw_integer(0));
}

ATF_TC_WITHOUT_HEAD(mem_parse_rejects);
ATF_TC_BODY(mem_parse_rejects, tc)
{
	MEM_EQ("reject", jw_string("512"));
	MEM_EQ("reject", jw_string("M"));
	MEM_EQ("reject", jw_string(""));
	MEM_EQ("reject", jw_string("1.5G"));
	MEM_EQ("reject", jw_string("1P"));
	MEM_EQ("reject", jw_string("1GB"));
	MEM_EQ("reject", jw_string("1 G"));
	MEM_EQ("reject", jw_string(" 1G"));
	MEM_EQ("reject", jw_string("-1G"));
	MEM_EQ("reject", jw_string("+1G"));
	MEM_EQ("reject", jw_string("0x10M"));
	MEM_EQ("reject", jw_integer(-1));
	MEM_EQ("reject", jw_real(1.0));
	MEM_EQ("reject", jw_true());
	MEM_EQ("reject", jw_null());
}

ATF_TC_WITHOUT_HEAD(mem_parse_overflow);
ATF_TC_BODY(mem_parse_overflow, tc)
{
	/* 2^24 T = 2^64 bytes: one past what 64 bits hold. */
	MEM_EQ("reject", jw_string("16777216T"));
	MEM_EQ("18446742974197923840", jw_string("16777215T"));
	/* UINT64_MAX / 2^30 = 17179869183.99... */
	MEM_EQ("18446744072635809792", jw_string("17179869183G"));
	MEM_EQ("reject", jw_string("17179869184G"));
	MEM_EQ("reject", jw_string("18014398509481984K"));
	MEM_EQ("18446744073709550592", jw_string("18014398509481983K"));
	/* More digits than 64 bits hold, before any unit. */
	MEM_EQ("reject", jw_string("99999999999999999999K"));
	MEM_EQ("reject", jw_string(
	    "100000000000000000000000000000000000000M"));
}

ATF_TC_WITHOUT_HEAD(mem_str_largest_unit);
ATF_TC_BODY(mem_str_largest_unit, tc)
{
	struct pool *p;

	ATF_REQUIRE((p = pool_new()) != NULL);
	ATF_CHECK_STREQ("1M", mem_str(p, 1ULL << 20));
	ATF_CHECK_STREQ("512M", mem_str(p, 512ULL << 20));
	ATF_CHECK_STREQ("1536M", mem_str(p, 1536ULL << 20));
	ATF_CHECK_STREQ("1G", mem_str(p, 1024ULL << 20));
	ATF_CHECK_STREQ("2G", mem_str(p, 2ULL << 30));
	ATF_CHECK_STREQ("3G", mem_str(p, 3072ULL << 20));
	ATF_CHECK_STREQ("1536G", mem_str(p, 1536ULL << 30));
	ATF_CHECK_STREQ("1T", mem_str(p, 1ULL << 40));
	ATF_CHECK_STREQ("1T", mem_str(p, 1024ULL << 30));
	ATF_CHECK_STREQ("16T", mem_str(p, 16ULL << 40));
	ATF_CHECK_STREQ("1025M", mem_str(p, 1025ULL << 20));
	pool_free(p);
}

/* A size written in the config comes back in its largest exact unit. */
ATF_TC_WITHOUT_HEAD(mem_round_trip);
ATF_TC_BODY(mem_round_trip, tc)
{
	static const struct {
		const char	*in;
		const char	*out;
	} cases[] = {
		{ "1536M", "1536M" }, { "2G", "2G" }, { "1T", "1T" },
		{ "2048M", "2G" }, { "1048576K", "1G" }, { "1024G", "1T" },
		{ "512m", "512M" }, { "3g", "3G" }, { "1024K", "1M" },
	};
	struct pool *p;
	jv_t *v;
	uint64_t b;
	size_t i;

	ATF_REQUIRE((p = pool_new()) != NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ATF_REQUIRE((v = jv_of(jw_string(cases[i].in))) != NULL);
		ATF_CHECK_MSG(mem_parse(v, &b), "mem_parse(%s)", cases[i].in);
		ATF_CHECK_STREQ_MSG(cases[i].out, mem_str(p, b), "%s",
		    cases[i].in);
	}
	pool_free(p);
}

#define TAP_OK(s)	ATF_CHECK_MSG(match_tapname(s), "\"%s\" refused", s)
#define TAP_BAD(s)	ATF_CHECK_MSG(!match_tapname(s), "\"%s\" taken", s)

ATF_TC_WITHOUT_HEAD(match_tapname_rule);
ATF_TC_BODY(match_tapname_rule, tc)
{
	/* design §2.5: ^(tap|vmnet)[0-9]+$ */
	TAP_OK("tap0");
	TAP_OK("tap3");
	TAP_OK("tap123");
	TAP_OK("vmnet0");
	TAP_OK("vmnet42");
	TAP_BAD("tap");
	TAP_BAD("vmnet");
	TAP_BAD("");
	TAP_BAD("tap-1");
	TAP_BAD("tap0a");
	TAP_BAD("tap0 ");
	TAP_BAD(" tap0");
	TAP_BAD("TAP0");
	TAP_BAD("tun0");
	TAP_BAD("xtap0");
	TAP_BAD("vmnet0.1");
	TAP_BAD("tap/0");
	TAP_BAD("tapvmnet0");
}

#define ID_OK(s, max)	ATF_CHECK_MSG(match_idname(s, max), \
			    "\"%s\" (max %d) refused", s, max)
#define ID_BAD(s, max)	ATF_CHECK_MSG(!match_idname(s, max), \
			    "\"%s\" (max %d) taken", s, max)

ATF_TC_WITHOUT_HEAD(match_idname_rule);
ATF_TC_BODY(match_idname_rule, tc)
{
	char s64[65], s65[66];

	memset(s64, 'a', 64);
	s64[64] = '\0';
	memset(s65, 'b', 65);
	s65[65] = '\0';
	/* ^[A-Za-z0-9_.-]{1,max}$ */
	ID_OK("a", 64);
	ID_OK("A-b_c.9", 64);
	ID_OK("-", 64);
	ID_OK(".", 64);
	ID_OK(s64, 64);
	ID_BAD(s65, 64);
	ID_BAD("", 64);
	ID_BAD("a b", 64);
	ID_BAD("a/b", 64);
	ID_BAD("a,b", 64);
	ID_BAD("a:b", 64);
	ID_BAD("a%b", 64);
	ID_BAD("\xc3\xa9", 64);
	ID_OK("abc", 3);
	ID_BAD("abcd", 3);
	ID_OK("a", 1);
	ID_BAD("ab", 1);
}

#define HP(expected, s, v6) ATF_CHECK_MSG(hostport_parse(s, v6, NULL) == \
	(expected), "hostport_parse(\"%s\", %d) != %d", s, v6, expected)

/* Equal listening addresses compare equal whatever their spelling. */
ATF_TC_WITHOUT_HEAD(tcpaddr_values);
ATF_TC_BODY(tcpaddr_values, tc)
{
	struct tcpaddr a, b;

	ATF_REQUIRE(hostport_parse("[::1]:4000", true, &a));
	ATF_REQUIRE(hostport_parse("[0:0::0:1]:4000", true, &b));
	ATF_CHECK(memcmp(&a, &b, sizeof(a)) == 0);
	ATF_REQUIRE(tcpaddr_make("0::1", 4000, &b));
	ATF_CHECK(memcmp(&a, &b, sizeof(a)) == 0);
	ATF_REQUIRE(hostport_parse("127.0.0.1:5900", false, &a));
	ATF_REQUIRE(tcpaddr_make("127.0.0.1", 5900, &b));
	ATF_CHECK(memcmp(&a, &b, sizeof(a)) == 0);
	ATF_REQUIRE(tcpaddr_make("127.0.0.1", 5901, &b));
	ATF_CHECK(memcmp(&a, &b, sizeof(a)) != 0);
	ATF_REQUIRE(tcpaddr_make("127.0.0.2", 5900, &b));
	ATF_CHECK(memcmp(&a, &b, sizeof(a)) != 0);
	/* ::ffff:127.0.0.1 is an IPv6 socket, another listener. */
	ATF_REQUIRE(tcpaddr_make("::ffff:127.0.0.1", 5900, &b));
	ATF_CHECK(memcmp(&a, &b, sizeof(a)) != 0);
	ATF_CHECK(!tcpaddr_make("localhost", 5900, &b));
	ATF_CHECK_EQ(19, sizeof(struct tcpaddr));
}

ATF_TC_WITHOUT_HEAD(hostport_parse_forms);
ATF_TC_BODY(hostport_parse_forms, tc)
{
	HP(true, "127.0.0.1:5900", false);
	HP(true, "127.0.0.1:5900", true);
	HP(true, "0.0.0.0:1", false);
	HP(true, "10.1.2.3:65535", false);
	HP(true, "[::1]:5900", true);
	HP(true, "[fe80::1]:22", true);
	HP(true, "[2001:db8::42]:65535", true);
	/* IPv6 only in brackets, and only when allowed. */
	HP(false, "[::1]:5900", false);
	HP(false, "::1:5900", true);
	HP(false, "[127.0.0.1]:80", true);
	HP(false, "[]:80", true);
	HP(false, "[::1]5900", true);
	HP(false, "[::1]:", true);
	HP(false, "[::1", true);
	/* Numeric addresses only (bhyve.md §6.1), ports 1-65535. */
	HP(false, "localhost:80", true);
	HP(false, "127.0.0.1", true);
	HP(false, "127.0.0.1:", true);
	HP(false, ":80", true);
	HP(false, "127.0.0.1:0", true);
	HP(false, "127.0.0.1:65536", true);
	HP(false, "127.0.0.1:-1", true);
	HP(false, "127.0.0.1:+80", true);
	HP(false, "127.0.0.1:80x", true);
	HP(false, "127.0.0.1:999999", true);
	HP(false, "256.0.0.1:80", true);
	HP(false, "1.2.3:80", true);
	HP(false, "", true);
}

#define ED(expected, a, b) do {						\
	ATF_CHECK_EQ_MSG((size_t)(expected), edit_distance(a, b),	\
	    "edit_distance(\"%s\", \"%s\") = %zu", a, b,		\
	    edit_distance(a, b));					\
	ATF_CHECK_EQ_MSG((size_t)(expected), edit_distance(b, a),	\
	    "edit_distance(\"%s\", \"%s\") = %zu", b, a,		\
	    edit_distance(b, a));					\
} while (0)

ATF_TC_WITHOUT_HEAD(edit_distance_levenshtein);
ATF_TC_BODY(edit_distance_levenshtein, tc)
{
	char longa[71], longb[81];

	ED(0, "", "");
	ED(0, "name", "name");
	ED(3, "abc", "");
	ED(3, "kitten", "sitting");
	ED(1, "nmae", "name");		/* a transposition is one step */
	ED(1, "mme", "mem");
	ED(2, "nmea", "name");
	ED(1, "nam", "name");
	ED(1, "nxme", "name");
	ED(1, "names", "name");
	ED(2, "flaw", "lawn");
	ED(2, "pth", "path2");
	ED(1, "virtio-blc", "virtio-blk");
	ED(12, "yield_on_hlt", "");
	ED(4, "abcd", "wxyz");
	/* Longer than the 64-character table: the longer length. */
	memset(longa, 'a', 70);
	longa[70] = '\0';
	memset(longb, 'a', 80);
	longb[80] = '\0';
	ED(70, longa, "a");
	ED(80, longa, longb);
}

#define ESC(expected, in) do {						\
	const char *r_ = escape_value(p, in);				\
	ATF_CHECK_MSG(r_ != NULL, "escape_value(%s) is NULL", #in);	\
	if (r_ != NULL)							\
		ATF_CHECK_STREQ_MSG(expected, r_, "escape_value(%s)",	\
		    #in);						\
} while (0)

ATF_TC_WITHOUT_HEAD(escape_value_percent);
ATF_TC_BODY(escape_value_percent, tc)
{
	struct pool *p;

	ATF_REQUIRE((p = pool_new()) != NULL);
	/* No '%': verbatim, backslashes and all (bhyve.md §7.4). */
	ESC("/vm/disk.img", "/vm/disk.img");
	ESC("", "");
	ESC("a\\b", "a\\b");
	ESC("\\\\", "\\\\");
	ESC("/a,b=c", "/a,b=c");
	/* With '%': every '\' and '%' gets a '\' in front. */
	ESC("\\%", "%");
	ESC("\\%\\%", "%%");
	ESC("/zvol/\\%(name)", "/zvol/%(name)");
	ESC("a\\\\b\\%c", "a\\b%c");
	ESC("\\\\\\%", "\\%");
	ESC("\\\\\\\\\\%", "\\\\%");
	ESC("100\\% done\\\\", "100% done\\");
	ATF_CHECK(escape_value(p, NULL) == NULL);
	pool_free(p);
}

/*
 * The value checks of values.c report through a validation context: run
 * one on a JSON value and return "ok" or the codes it reported.
 */
static const char *
check_of(void (*fn)(struct vctx *, jv_t *, const char *), jv_t *v,
    char *buf, size_t len)
{
	struct vctx vc;
	const struct vmrun_diag *d;
	size_t i, n;

	memset(&vc, 0, sizeof(vc));
	vc.vc_diags = vmrun_diags_new();
	vc.vc_pool = pool_new();
	if (vc.vc_diags == NULL || vc.vc_pool == NULL || v == NULL) {
		snprintf(buf, len, "setup failed");
		goto out;
	}
	fn(&vc, v, "k");
	buf[0] = '\0';
	for (i = 0; i < vmrun_diags_count(vc.vc_diags); i++) {
		d = vmrun_diags_get(vc.vc_diags, i);
		n = strlen(buf);
		snprintf(buf + n, len - n, "%s%s%s@%s", i > 0 ? " " : "",
		    vmrun_diag_severity(d) == VMRUN_WARNING ? "W:" : "",
		    vmrun_diag_code(d), vmrun_diag_path(d));
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "ok");
out:
	vmrun_diags_free(vc.vc_diags);
	pool_free(vc.vc_pool);
	return (buf);
}

#define CHK(expected, fn, jvalue) do {					\
	char buf_[256];							\
	ATF_CHECK_STREQ_MSG(expected, check_of(fn, jv_of(jvalue), buf_,	\
	    sizeof(buf_)), "%s(%s)", #fn, #jvalue);			\
} while (0)

ATF_TC_WITHOUT_HEAD(check_mem_rules);
ATF_TC_BODY(check_mem_rules, tc)
{
	/* design §2.4: a whole number of MiB, at least 1 MiB. */
	CHK("ok", check_mem, jw_string("1M"));
	CHK("ok", check_mem, jw_string("1024K"));
	CHK("ok", check_mem, jw_integer(1048576));
	CHK("ok", check_mem, jw_string("1024T"));
	CHK("bad-size@k", check_mem, jw_string("1023K"));
	CHK("bad-size@k", check_mem, jw_string("1025K"));
	CHK("bad-size@k", check_mem, jw_integer(1048575));
	CHK("bad-size@k", check_mem, jw_integer(1048577));
	CHK("bad-size@k", check_mem, jw_integer(0));
	CHK("bad-size@k", check_mem, jw_integer(-1048576));
	CHK("bad-size@k", check_mem, jw_string("0G"));
	CHK("bad-size@k", check_mem, jw_string("1025T"));
	CHK("bad-size@k", check_mem, jw_string("16777216T"));
	CHK("bad-size@k", check_mem, jw_string("2 G"));
}

ATF_TC_WITHOUT_HEAD(check_vmname_rule);
ATF_TC_BODY(check_vmname_rule, tc)
{
	/* design §2.1: ^[A-Za-z0-9][A-Za-z0-9._-]{0,30}$ */
	CHK("ok", check_vmname, jw_string("freebsd-test"));
	CHK("ok", check_vmname, jw_string("a"));
	CHK("ok", check_vmname, jw_string("9.x_y-z"));
	CHK("ok", check_vmname, jw_string(
	    "abcdefghijklmnopqrstuvwxyz01234"));
	CHK("bad-name@k", check_vmname, jw_string(
	    "abcdefghijklmnopqrstuvwxyz012345"));
	CHK("bad-name@k", check_vmname, jw_string("-vm"));
	CHK("bad-name@k", check_vmname, jw_string(".vm"));
	CHK("bad-name@k", check_vmname, jw_string("_vm"));
	CHK("bad-name@k", check_vmname, jw_string("vm 1"));
	CHK("bad-name@k", check_vmname, jw_string("vm/1"));
	CHK("bad-name@k", check_vmname, jw_string("vm%1"));
}

ATF_TC_WITHOUT_HEAD(check_uuid_rule);
ATF_TC_BODY(check_uuid_rule, tc)
{
	CHK("ok", check_uuid, jw_string(
	    "12345678-9abc-DEF0-1234-56789abcdef0"));
	CHK("bad-uuid@k", check_uuid, jw_string(
	    "12345678-9abc-def0-1234-56789abcdef"));
	CHK("bad-uuid@k", check_uuid, jw_string(
	    "12345678-9abc-def0-1234-56789abcdef01"));
	CHK("bad-uuid@k", check_uuid, jw_string(
	    "123456789-abc-def0-1234-56789abcdef0"));
	CHK("bad-uuid@k", check_uuid, jw_string(
	    "12345678-9abc-def0-1234-56789abcdeg0"));
	CHK("bad-uuid@k", check_uuid, jw_string(
	    "{2345678-9abc-def0-1234-56789abcdef0"));
}

ATF_TC_WITHOUT_HEAD(check_gdb_forms);
ATF_TC_BODY(check_gdb_forms, tc)
{
	/* [w][ADDR:]PORT or an integer port (design §2.1). */
	CHK("ok", check_gdb, jw_integer(1234));
	CHK("ok", check_gdb, jw_integer(65535));
	CHK("out-of-range@k", check_gdb, jw_integer(0));
	CHK("out-of-range@k", check_gdb, jw_integer(65536));
	CHK("ok", check_gdb, jw_string("1234"));
	CHK("ok", check_gdb, jw_string("w1234"));
	CHK("ok", check_gdb, jw_string("127.0.0.1:1234"));
	CHK("ok", check_gdb, jw_string("w127.0.0.1:1234"));
	CHK("ok", check_gdb, jw_string("localhost:1234"));
	CHK("ok", check_gdb, jw_string("[::1]:1234"));
	CHK("ok", check_gdb, jw_string("::1:1234"));
	CHK("bad-gdb@k", check_gdb, jw_string("w"));
	CHK("bad-gdb@k", check_gdb, jw_string("x1234"));
	CHK("bad-gdb@k", check_gdb, jw_string(":1234"));
	CHK("bad-gdb@k", check_gdb, jw_string("example.org:1234"));
	CHK("bad-gdb@k", check_gdb, jw_string("127.0.0.1:0"));
	CHK("bad-gdb@k", check_gdb, jw_string("127.0.0.1:"));
	CHK("bad-gdb@k", check_gdb, jw_string("ww1234"));
}

ATF_TC_WITHOUT_HEAD(check_tty_backend_forms);
ATF_TC_BODY(check_tty_backend_forms, tc)
{
	CHK("ok", check_tty_backend, jw_string("stdio"));
	CHK("ok", check_tty_backend, jw_string("/dev/nmdm0A"));
	CHK("ok", check_tty_backend, jw_string("tcp=127.0.0.1:4444"));
	CHK("ok", check_tty_backend, jw_string("tcp=[::1]:4444"));
	CHK("bad-backend@k", check_tty_backend, jw_string("/dev/"));
	CHK("bad-backend@k", check_tty_backend, jw_string("nmdm0A"));
	CHK("bad-backend@k", check_tty_backend, jw_string("STDIO"));
	CHK("bad-backend@k", check_tty_backend, jw_string("tcp=4444"));
	CHK("bad-backend@k", check_tty_backend,
	    jw_string("tcp=localhost:4444"));
	CHK("bad-backend@k", check_tty_backend, jw_string("tcp=::1:4444"));
	CHK("bad-backend@k", check_tty_backend, jw_string("/tmp/x"));
}

ATF_TC_WITHOUT_HEAD(check_mac_unicast);
ATF_TC_BODY(check_mac_unicast, tc)
{
	CHK("ok", check_mac, jw_string("02:00:00:00:00:01"));
	CHK("ok", check_mac, jw_string("58:9c:FC:0a:1b:2c"));
	CHK("bad-mac@k", check_mac, jw_string("00:00:00:00:00:00"));
	CHK("bad-mac@k", check_mac, jw_string("01:00:5e:00:00:01"));
	CHK("bad-mac@k", check_mac, jw_string("ff:ff:ff:ff:ff:ff"));
	CHK("bad-mac@k", check_mac, jw_string("02:00:00:00:00"));
	CHK("bad-mac@k", check_mac, jw_string("02-00-00-00-00-01"));
	CHK("bad-mac@k", check_mac, jw_string("02:00:00:00:00:0g"));
	CHK("bad-mac@k", check_mac, jw_string("2:0:0:0:0:1"));
}

ATF_TC_WITHOUT_HEAD(check_cpu_forms);
ATF_TC_BODY(check_cpu_forms, tc)
{
	CHK("ok", check_cpu, jw_integer(1));
	CHK("ok", check_cpu, jw_integer(1024));
	CHK("out-of-range@k", check_cpu, jw_integer(0));
	CHK("out-of-range@k", check_cpu, jw_integer(1025));
	CHK("out-of-range@k", check_cpu, jw_integer(-4));
	CHK("ok", check_cpu, jw_pack("{s:i, s:i, s:i}", "sockets", 2,
	    "cores", 4, "threads", 2));
	CHK("ok", check_cpu, jw_pack("{s:i, s:i, s:i}", "sockets", 4,
	    "cores", 16, "threads", 16));
	CHK("out-of-range@k", check_cpu, jw_pack("{s:i, s:i, s:i}",
	    "sockets", 4, "cores", 16, "threads", 17));
	CHK("missing-key@k.threads", check_cpu, jw_pack("{s:i, s:i}",
	    "sockets", 1, "cores", 1));
	CHK("out-of-range@k.cores", check_cpu, jw_pack("{s:i, s:i, s:i}",
	    "sockets", 1, "cores", 0, "threads", 1));
	CHK("wrong-type@k.sockets", check_cpu, jw_pack("{s:s, s:i, s:i}",
	    "sockets", "1", "cores", 1, "threads", 1));
	CHK("unknown-key@k.cpus", check_cpu, jw_pack("{s:i, s:i, s:i, s:i}",
	    "sockets", 1, "cores", 1, "threads", 1, "cpus", 1));
}

ATF_TC_WITHOUT_HEAD(check_ser_length);
ATF_TC_BODY(check_ser_length, tc)
{
	CHK("ok", check_ser, jw_string("12345678901234567890"));
	CHK("too-long@k", check_ser, jw_string("123456789012345678901"));
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, slot_parse_forms);
	ATF_TP_ADD_TC(tp, slot_parse_ranges);
	ATF_TP_ADD_TC(tp, slot_parse_rejects);
	ATF_TP_ADD_TC(tp, slot_str_full_form);
	ATF_TP_ADD_TC(tp, mem_parse_units);
	ATF_TP_ADD_TC(tp, mem_parse_rejects);
	ATF_TP_ADD_TC(tp, mem_parse_overflow);
	ATF_TP_ADD_TC(tp, mem_str_largest_unit);
	ATF_TP_ADD_TC(tp, mem_round_trip);
	ATF_TP_ADD_TC(tp, match_tapname_rule);
	ATF_TP_ADD_TC(tp, match_idname_rule);
	ATF_TP_ADD_TC(tp, hostport_parse_forms);
	ATF_TP_ADD_TC(tp, tcpaddr_values);
	ATF_TP_ADD_TC(tp, edit_distance_levenshtein);
	ATF_TP_ADD_TC(tp, escape_value_percent);
	ATF_TP_ADD_TC(tp, check_mem_rules);
	ATF_TP_ADD_TC(tp, check_vmname_rule);
	ATF_TP_ADD_TC(tp, check_uuid_rule);
	ATF_TP_ADD_TC(tp, check_gdb_forms);
	ATF_TP_ADD_TC(tp, check_tty_backend_forms);
	ATF_TP_ADD_TC(tp, check_mac_unicast);
	ATF_TP_ADD_TC(tp, check_cpu_forms);
	ATF_TP_ADD_TC(tp, check_ser_length);

	return (atf_no_error());
}

/*
 * schema_tables_test: vmrun.schema.json, the JSON Schema editors use,
 * against the key tables vmrun checks a configuration with.  Every object
 * the schema closes (additionalProperties false) has the keys of its
 * table, each with the table's JSON types, required when the table
 * requires it, and with the table's integer range; every device type has
 * its branch; a target overlay takes every top-level key a target may
 * set.  A key added to a table and not to the schema, or the other way
 * round, fails here.  What the key checks add beyond types and ranges
 * (patterns, enums) is tested against the data cases by cli/schema_test.
 */

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>
#include <jansson.h>

#include "vmrun_impl.h"
#include "testutil.h"

/* The objects of the schema that have a key table, and their tables. */
static const struct {
	const char		*ptr;	/* JSON pointer in the schema */
	const struct key	*a;
	const struct key	*b;
} objects[] = {
	{ "", top_keys, NULL },
	{ "/$defs/cpu-topology", cpu_keys, NULL },
	{ "/$defs/loader-bhyveload", loader_keys, NULL },
	{ "/$defs/loader-grub", grub_keys, NULL },
	{ "/$defs/tpm", tpm_keys, NULL },
	{ "/$defs/restart-limit", restart_limit_keys, NULL },
	{ "/$defs/graphic", fbuf_keys, graphic_keys },
	{ "/$defs/ahci-port", ahci_port_keys, NULL },
	{ "/$defs/console-port", console_port_keys, NULL },
	{ "/$defs/pci-lookup", lookup_keys, NULL },
	{ "/$defs/domain", domain_keys, NULL },
	{ "/$defs/smbios", smbios_keys, NULL },
	{ "/$defs/smbios-bios", smbios_bios_keys, NULL },
	{ "/$defs/smbios-system", smbios_system_keys, NULL },
	{ "/$defs/smbios-board", smbios_board_keys, NULL },
	{ "/$defs/smbios-chassis", smbios_chassis_keys, NULL },
};
#define NOBJECTS	(sizeof(objects) / sizeof(objects[0]))

/* References nest a few levels; more is a loop. */
#define MAX_DEPTH	16

static json_t *
schema_load(const atf_tc_t *tc)
{
	json_error_t e;
	json_t *root;
	char *path;

	path = layout_path(tc, "schema");
	if ((root = json_load_file(path, JSON_REJECT_DUPLICATES, &e)) ==
	    NULL)
		atf_tc_fail("%s:%d:%d: %s", path, e.line, e.column, e.text);
	free(path);
	ATF_REQUIRE(json_is_object(root));
	return (root);
}

/* The value at JSON pointer ptr ("" or "/a/b", RFC 6901), or NULL. */
static json_t *
pointer(json_t *root, const char *ptr)
{
	char tok[128];
	const char *p;
	json_t *v;
	size_t n;

	v = root;
	for (p = ptr; v != NULL && *p == '/';) {
		p++;
		for (n = 0; *p != '\0' && *p != '/' && n < sizeof(tok) - 1;
		    p++) {
			if (p[0] == '~' && (p[1] == '0' || p[1] == '1')) {
				tok[n++] = p[1] == '0' ? '~' : '/';
				p++;
			} else
				tok[n++] = *p;
		}
		tok[n] = '\0';
		v = json_object_get(v, tok);
	}
	return (*p == '\0' ? v : NULL);
}

/* The schema a "$ref" of s names ("#/..."); NULL when s has none. */
static json_t *
deref(json_t *root, json_t *s)
{
	const char *ref;
	json_t *t;

	if ((ref = json_string_value(json_object_get(s, "$ref"))) == NULL)
		return (NULL);
	if (ref[0] != '#' || (t = pointer(root, ref + 1)) == NULL)
		atf_tc_fail("cannot resolve \"$ref\": \"%s\"", ref);
	return (t);
}

/* The text of string v, for a message; never NULL. */
static const char *
str_of(json_t *v)
{
	return (json_is_string(v) ? json_string_value(v) : "(none)");
}

static unsigned
value_type(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		return (T_STR);
	case JSON_INTEGER:
		return (T_INT);
	case JSON_REAL:
		return (T_REAL);
	case JSON_TRUE:
	case JSON_FALSE:
		return (T_BOOL);
	case JSON_NULL:
		return (T_NULL);
	case JSON_ARRAY:
		return (T_ARR);
	default:
		return (T_OBJ);
	}
}

static unsigned
type_word(const char *w)
{
	static const struct {
		const char	*word;
		unsigned	 bit;
	} words[] = {
		{ "string", T_STR }, { "integer", T_INT },
		{ "number", T_INT | T_REAL }, { "boolean", T_BOOL },
		{ "null", T_NULL }, { "array", T_ARR }, { "object", T_OBJ },
	};
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(words[i].word, w) == 0)
			return (words[i].bit);
	atf_tc_fail("unknown type \"%s\"", w);
	return (0);
}

/*
 * The JSON types (T_ bits) schema s admits: its "type", or else those of
 * what its "$ref" names, of its "const" or "enum" values, or of the
 * alternatives of its "anyOf" or "oneOf".
 */
static unsigned
types_of(json_t *root, json_t *s, int depth)
{
	json_t *t, *e;
	unsigned bits;
	size_t i;

	ATF_REQUIRE_MSG(depth < MAX_DEPTH, "\"$ref\" loop");
	bits = 0;
	if ((t = json_object_get(s, "type")) != NULL) {
		if (json_is_string(t))
			return (type_word(str_of(t)));
		json_array_foreach(t, i, e)
			bits |= type_word(str_of(e));
		return (bits);
	}
	if ((t = deref(root, s)) != NULL)
		return (types_of(root, t, depth + 1));
	if ((t = json_object_get(s, "const")) != NULL)
		return (value_type(t));
	if ((t = json_object_get(s, "enum")) != NULL) {
		json_array_foreach(t, i, e)
			bits |= value_type(e);
		return (bits);
	}
	if ((t = json_object_get(s, "anyOf")) == NULL)
		t = json_object_get(s, "oneOf");
	json_array_foreach(t, i, e)
		bits |= types_of(root, e, depth + 1);
	return (bits);
}

struct bounds {
	bool		hasmin;
	bool		hasmax;
	long long	min;
	long long	max;
};

/*
 * The bounds of the integers schema s admits, from the schema that says
 * "integer" (s, what its "$ref" names, or one of its alternatives).
 * False when s admits no integer.
 */
static bool
int_bounds(json_t *root, json_t *s, struct bounds *b, int depth)
{
	json_t *t, *e, *lo, *hi;
	size_t i;

	ATF_REQUIRE_MSG(depth < MAX_DEPTH, "\"$ref\" loop");
	if (json_object_get(s, "type") != NULL) {
		if (!(types_of(root, s, depth) & T_INT))
			return (false);
		lo = json_object_get(s, "minimum");
		hi = json_object_get(s, "maximum");
		b->hasmin = json_is_integer(lo);
		b->hasmax = json_is_integer(hi);
		b->min = b->hasmin ? (long long)json_integer_value(lo) : 0;
		b->max = b->hasmax ? (long long)json_integer_value(hi) : 0;
		return (true);
	}
	if ((t = deref(root, s)) != NULL)
		return (int_bounds(root, t, b, depth + 1));
	if ((t = json_object_get(s, "anyOf")) == NULL)
		t = json_object_get(s, "oneOf");
	json_array_foreach(t, i, e)
		if (int_bounds(root, e, b, depth + 1))
			return (true);
	return (false);
}

static bool
in_array(json_t *arr, const char *name)
{
	json_t *e;
	size_t i;

	json_array_foreach(arr, i, e)
		if (json_is_string(e) && strcmp(json_string_value(e), name) ==
		    0)
			return (true);
	return (false);
}

/* Row k against property prop of the object at ptr; extra: more types. */
static void
check_row(json_t *root, const char *ptr, json_t *obj, const struct key *k,
    unsigned extra)
{
	struct bounds b;
	json_t *prop;
	unsigned want, got;

	prop = json_object_get(json_object_get(obj, "properties"), k->k_name);
	if (prop == NULL) {
		ATF_CHECK_MSG(false, "%s: \"%s\" is in the key table, not in "
		    "the schema", ptr, k->k_name);
		return;
	}
	want = k->k_types | extra;
	got = types_of(root, prop, 0);
	ATF_CHECK_MSG(want == got, "%s: \"%s\": the table's types are %#x, "
	    "the schema's %#x", ptr, k->k_name, want, got);
	ATF_CHECK_MSG(!(k->k_flags & K_REQ) == !in_array(json_object_get(obj,
	    "required"), k->k_name), "%s: \"%s\" is required in one and not "
	    "in the other", ptr, k->k_name);
	if (!(k->k_flags & K_RANGE))
		return;
	memset(&b, 0, sizeof(b));
	if (!int_bounds(root, prop, &b, 0)) {
		ATF_CHECK_MSG(false, "%s: \"%s\": no integer in the schema",
		    ptr, k->k_name);
		return;
	}
	ATF_CHECK_MSG(b.hasmin && b.min == k->k_min, "%s: \"%s\": minimum "
	    "%lld in the table, %s%lld in the schema", ptr, k->k_name,
	    k->k_min, b.hasmin ? "" : "none, ", b.min);
	if (k->k_max == LLONG_MAX)
		ATF_CHECK_MSG(!b.hasmax, "%s: \"%s\": no maximum in the "
		    "table, %lld in the schema", ptr, k->k_name, b.max);
	else
		ATF_CHECK_MSG(b.hasmax && b.max == k->k_max, "%s: \"%s\": "
		    "maximum %lld in the table, %s%lld in the schema", ptr,
		    k->k_name, k->k_max, b.hasmax ? "" : "none, ", b.max);
}

static const struct key *
find2(const struct key *a, const struct key *b, const char *name)
{
	const struct key *k;

	if ((k = schema_find(a, name)) == NULL)
		k = schema_find(b, name);
	return (k);
}

/* The closed object at ptr has exactly the keys of tables a and b. */
static void
check_object(json_t *root, const char *ptr, const struct key *a,
    const struct key *b)
{
	const struct key *tabs[2], *k;
	json_t *obj, *v;
	const char *name;
	size_t i, t;

	obj = pointer(root, ptr);
	ATF_REQUIRE_MSG(json_is_object(obj), "%s: not in the schema", ptr);
	ATF_CHECK_MSG(json_is_false(json_object_get(obj,
	    "additionalProperties")), "%s: unknown keys are errors, but "
	    "\"additionalProperties\" is not false", ptr);
	tabs[0] = a;
	tabs[1] = b;
	for (t = 0; t < 2; t++)
		for (k = tabs[t]; k != NULL && k->k_name != NULL; k++)
			check_row(root, ptr, obj, k, 0);
	json_object_foreach(json_object_get(obj, "properties"), name, v)
		ATF_CHECK_MSG(find2(a, b, name) != NULL, "%s: \"%s\" is in "
		    "the schema, not in the key table", ptr, name);
	json_array_foreach(json_object_get(obj, "required"), i, v)
		ATF_CHECK_MSG(json_is_string(v) && find2(a, b,
		    json_string_value(v)) != NULL, "%s: required \"%s\" is "
		    "not in the key table", ptr, str_of(v));
}

ATF_TC(objects);
ATF_TC_HEAD(objects, tc)
{
	atf_tc_set_md_var(tc, "descr", "the top level and each nested "
	    "object of the schema have the keys, types, required keys and "
	    "ranges of their key tables");
}
ATF_TC_BODY(objects, tc)
{
	json_t *root;
	size_t i;

	root = schema_load(tc);
	for (i = 0; i < NOBJECTS; i++)
		check_object(root, objects[i].ptr, objects[i].a, objects[i].b);
	json_decref(root);
}

ATF_TC(devices);
ATF_TC_HEAD(devices, tc)
{
	atf_tc_set_md_var(tc, "descr", "every device type, in table order, "
	    "is a value of \"device\" with a branch that has the common "
	    "keys and the type's keys; no other");
}
ATF_TC_BODY(devices, tc)
{
	const struct devtype *dt;
	json_t *root, *names, *branches, *br, *c;
	const char *name;
	char ptr[128], ref[128];
	size_t i;

	root = schema_load(tc);
	names = pointer(root, "/$defs/device/properties/device/enum");
	branches = pointer(root, "/$defs/device/allOf");
	ATF_REQUIRE(json_is_array(names) && json_is_array(branches));
	for (i = 0; (dt = devtype_at(i)) != NULL; i++) {
		ATF_CHECK_STREQ_MSG(dt->dt_name, str_of(json_array_get(names,
		    i)), "device enum [%zu]", i);
		ATF_REQUIRE((size_t)snprintf(ptr, sizeof(ptr),
		    "/$defs/device-%s", dt->dt_name) < sizeof(ptr));
		check_object(root, ptr, dev_common_keys, dt->dt_keys);
		c = pointer(root, ptr);
		ATF_CHECK_STREQ_MSG(dt->dt_name, str_of(pointer(c,
		    "/properties/device/const")), "%s", ptr);
		br = json_array_get(branches, i);
		ATF_CHECK_STREQ_MSG(dt->dt_name, str_of(pointer(br,
		    "/if/properties/device/const")), "device allOf [%zu]", i);
		ATF_REQUIRE((size_t)snprintf(ref, sizeof(ref), "#%s", ptr) <
		    sizeof(ref));
		ATF_CHECK_STREQ_MSG(ref, str_of(pointer(br, "/then/$ref")),
		    "device allOf [%zu]", i);
	}
	ATF_CHECK_EQ_MSG(i, json_array_size(names), "%zu device types, %zu "
	    "names in the schema", i, json_array_size(names));
	ATF_CHECK_EQ_MSG(i, json_array_size(branches), "%zu device types, "
	    "%zu branches in the schema", i, json_array_size(branches));
	json_object_foreach(json_object_get(root, "$defs"), name, c)
		if (strncmp(name, "device-", 7) == 0 &&
		    strcmp(name, "device-slot") != 0)
			ATF_CHECK_MSG(devtype_find(name + 7) != NULL, "$defs "
			    "\"%s\": no such device type", name);
	json_decref(root);
}

ATF_TC(targets);
ATF_TC_HEAD(targets, tc)
{
	atf_tc_set_md_var(tc, "descr", "a target overlay takes every "
	    "top-level key but the fixed ones, each with its types and null "
	    "where a target may remove it, and \"remove\"");
}
ATF_TC_BODY(targets, tc)
{
	const struct key *k;
	struct key row;
	json_t *root, *obj, *props, *v;
	const char *name;
	unsigned null;

	root = schema_load(tc);
	obj = pointer(root, "/$defs/target");
	ATF_REQUIRE(json_is_object(obj));
	props = json_object_get(obj, "properties");
	ATF_CHECK(json_is_false(json_object_get(obj,
	    "additionalProperties")));
	ATF_CHECK_MSG(json_object_get(obj, "required") == NULL, "an overlay "
	    "requires no key");
	for (k = top_keys; k->k_name != NULL; k++) {
		if (target_is_fixed(k->k_name)) {
			ATF_CHECK_MSG(json_object_get(props, k->k_name) ==
			    NULL, "a target cannot set \"%s\"", k->k_name);
			continue;
		}
		/*
		 * target.c: null removes a key, but for the required ones
		 * and emulations, which a target appends to.
		 */
		null = (k->k_flags & K_REQ) || strcmp(k->k_name,
		    "emulations") == 0 ? 0 : T_NULL;
		/* As the table's row, but that an overlay requires nothing. */
		row = *k;
		row.k_flags &= ~K_REQ;
		check_row(root, "/$defs/target", obj, &row, null);
	}
	v = json_object_get(props, "remove");
	ATF_CHECK_MSG(v != NULL && types_of(root, v, 0) == T_ARR, "\"remove\" "
	    "is an array");
	json_object_foreach(props, name, v)
		ATF_CHECK_MSG(strcmp(name, "remove") == 0 ||
		    (schema_find(top_keys, name) != NULL &&
		    !target_is_fixed(name)),
		    "/$defs/target: \"%s\" is not a key a target can set",
		    name);
	json_decref(root);
}

ATF_TC(closed_objects);
ATF_TC_HEAD(closed_objects, tc)
{
	atf_tc_set_md_var(tc, "descr", "every object the schema closes is "
	    "one this program compares with a key table");
}
ATF_TC_BODY(closed_objects, tc)
{
	json_t *root, *v;
	const char *name;
	char ptr[128];
	size_t i;
	bool known;

	root = schema_load(tc);
	json_object_foreach(json_object_get(root, "$defs"), name, v) {
		if (!json_is_false(json_object_get(v, "additionalProperties")))
			continue;
		if ((size_t)snprintf(ptr, sizeof(ptr), "/$defs/%s", name) >=
		    sizeof(ptr))
			atf_tc_fail("$defs \"%s\": name too long", name);
		known = strcmp(name, "target") == 0 ||
		    (strncmp(name, "device-", 7) == 0 &&
		    devtype_find(name + 7) != NULL);
		for (i = 0; i < NOBJECTS && !known; i++)
			known = strcmp(objects[i].ptr, ptr) == 0;
		ATF_CHECK_MSG(known, "%s: a closed object with no key table "
		    "in this test", ptr);
	}
	json_decref(root);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, objects);
	ATF_TP_ADD_TC(tp, devices);
	ATF_TP_ADD_TC(tp, targets);
	ATF_TP_ADD_TC(tp, closed_objects);

	return (atf_no_error());
}

#! /usr/bin/env atf-sh
#
# vmrun.schema.json, the JSON Schema of the configuration language for
# editors, against the configurations vmrun's own tests hold: every pass
# case and the example validate; every fail case that tests what a schema
# can say is rejected, and the others are listed as beyond it with the
# reason (tests/data/schema-fail-cases).  That the schema has the keys,
# types and ranges of vmrun's key tables is lib/schema_tables_test.
#
# The checks are Python's jsonschema (Debian python3-jsonschema,
# FreeBSD py-jsonschema), run by tests/helpers/schema-check.  make check
# installs it (tools/deps.sh); the installed suite skips these cases
# where it is missing.

. "$(atf_get_srcdir)/layout.subr"

# atf_check runs programs, not shell functions: every body calls setup,
# which sets SCHEMA, DATA and CHECK.
setup()
{
	SCHEMA=$(layout schema) || atf_fail "the layout names no schema"
	[ -r "$SCHEMA" ] || atf_fail "$SCHEMA is missing"
	DATA="$(atf_get_srcdir)/../data"
	CHECK="$(atf_get_srcdir)/../helpers/schema-check"
	if ! python3 -c 'from jsonschema import Draft202012Validator' \
	    >/dev/null 2>&1; then
		layout source >/dev/null || atf_skip "python3 with" \
		    "jsonschema 4 or later is not installed"
		atf_fail "python3 with jsonschema 4 or later is not" \
		    "installed: run make deps"
	fi
}

atf_test_case meta
meta_head()
{
	atf_set descr "the schema is a valid draft 2020-12 schema with" \
	    "\$schema, \$id, title and description"
}
meta_body()
{
	setup
	atf_check -s exit:0 -o empty -e empty python3 "$CHECK" meta "$SCHEMA"
}

atf_test_case pass_cases
pass_cases_head()
{
	atf_set descr "every tests/data/pass-*.json and the example" \
	    "configurations (windows11.json beside it) validate"
}
pass_cases_body()
{
	local example

	setup
	example=$(layout example) || atf_fail "the layout names no example"
	atf_check -s exit:0 -o empty -e empty python3 "$CHECK" pass \
	    "$SCHEMA" "$(dirname "$example")"/*.json "$DATA"/pass-*.json
}

atf_test_case fail_cases
fail_cases_head()
{
	atf_set descr "every tests/data/fail-*.json is listed in" \
	    "schema-fail-cases; the schema rejects those listed reject," \
	    "and accepts those listed beyond it"
}
fail_cases_body()
{
	setup
	atf_check -s exit:0 -o empty -e empty python3 "$CHECK" fail \
	    "$SCHEMA" "$DATA/schema-fail-cases" "$DATA"
}

atf_init_test_cases()
{
	atf_add_test_case meta
	atf_add_test_case pass_cases
	atf_add_test_case fail_cases
}

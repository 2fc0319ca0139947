#! /usr/bin/env atf-sh
#
# libvmrun in a caller's program: it defines no name but vmrun_*, so a
# program that also uses a JSON library -- json-c or jansson, whose
# functions share names (json_object_get, json_object_iter_next) -- links
# libvmrun static or shared and gets each library's own functions.  The
# programs are built here, with the header and the libraries of the
# layout (the build tree's, or the installed ones).

. "$(atf_get_srcdir)/layout.subr"

# The names of the global symbols a library defines that are not
# vmrun_*: none is allowed.  The version script's node (VMRUN_0, an
# absolute symbol) is not a function; nm -D may add the version
# (vmrun_version@@VMRUN_0).
foreign()
{
	awk 'NF >= 2 && $(NF - 1) != "A" { sub(/@.*/, "", $NF) }
	    NF >= 2 && $(NF - 1) != "A" && $NF !~ /^vmrun_/ { print $NF }'
}

atf_test_case exports
exports_head()
{
	atf_set descr "nm of libvmrun.a and libvmrun.so: every global symbol" \
	    "they define is one of vmrun.h's vmrun_* functions"
	atf_set require.progs nm
}
exports_body()
{
	local a so

	a=$(layout archive) || atf_fail "no archive in the layout"
	so=$(layout library) || atf_fail "no library in the layout"
	nm -g --defined-only "$a" > a.nm || atf_fail "nm $a failed"
	grep -q ' vmrun_config_load$' a.nm || atf_fail "nm read nothing: $a"
	foreign < a.nm > a.bad
	[ ! -s a.bad ] || atf_fail "libvmrun.a defines $(wc -l < a.bad)" \
	    "names not vmrun_*: $(head -n 20 a.bad | tr '\n' ' ')"
	nm -D --defined-only "$so" > so.nm || atf_fail "nm -D $so failed"
	grep -q ' vmrun_config_load\(@.*\)\{0,1\}$' so.nm || atf_fail "nm read nothing: $so"
	foreign < so.nm > so.bad
	[ ! -s so.bad ] || atf_fail "libvmrun.so defines names not vmrun_*:" \
	    "$(head -n 20 so.bad | tr '\n' ' ')"
}

# The part of both programs that uses libvmrun: a configuration loaded
# and resolved, its plan as JSON (vmrun_vm_json), an answer of the
# control protocol read (vmrun_ctl_result).  Each program then reads the
# plan with its own JSON library.
write_common()
{
	cat > common.h <<'EOC'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmrun.h>

static const char cfg[] = "{\"name\": \"linked\", \"cpu\": 2, \"mem\": \"1G\"}";

/* The plan of cfg as JSON (new), or NULL after saying why. */
static char *
plan(void)
{
	struct vmrun_diags *ds;
	struct vmrun_config *cf;
	const struct vmrun_vm *vm;
	char code[32], *s;

	s = NULL;
	if ((ds = vmrun_diags_new()) == NULL ||
	    vmrun_config_load(cfg, strlen(cfg), ds, &cf) != VMRUN_OK)
		fprintf(stderr, "vmrun_config_load failed\n");
	else if (vmrun_config_resolve(cf, NULL, &vm) != VMRUN_OK ||
	    (s = vmrun_vm_json(vm)) == NULL)
		fprintf(stderr, "no plan\n");
	else if (vmrun_ctl_result("{\"ok\":false,\"error\":\"unknown-target\"}",
	    code, sizeof(code)) != 0 || strcmp(code, "unknown-target") != 0) {
		fprintf(stderr, "vmrun_ctl_result misread an answer\n");
		free(s);
		s = NULL;
	}
	if (s != NULL)
		vmrun_config_free(cf);
	vmrun_diags_free(ds);
	return (s);
}
EOC
}

write_jsonc()
{
	write_common
	cat > prog.c <<'EOC'
#include <json.h>

#include "common.h"

int
main(void)
{
	struct json_object *doc, *held, *v;
	struct json_object_iterator it, end;
	char *s;
	int n;

	if ((s = plan()) == NULL)
		return (1);
	if ((doc = json_tokener_parse(s)) == NULL) {
		fprintf(stderr, "json-c cannot read the plan: %s\n", s);
		return (1);
	}
	/* json-c's json_object_get: one more reference, the same object. */
	held = json_object_get(doc);
	n = 0;
	it = json_object_iter_begin(doc);
	end = json_object_iter_end(doc);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it))
		n++;
	if (held != doc || n < 5 ||
	    !json_object_object_get_ex(doc, "cpu", &v) ||
	    !json_object_object_get_ex(v, "threads", &v)) {
		fprintf(stderr, "json-c: not the plan: %s\n", s);
		return (1);
	}
	printf("%s threads=%d\n", json_object_get_string(
	    json_object_object_get(doc, "name")), json_object_get_int(v));
	json_object_put(held);
	json_object_put(doc);
	free(s);
	return (0);
}
EOC
}

write_jansson()
{
	write_common
	cat > prog.c <<'EOC'
#include <jansson.h>

#include "common.h"

int
main(void)
{
	json_t *doc, *v;
	json_error_t err;
	char *s;

	if ((s = plan()) == NULL)
		return (1);
	if ((doc = json_loads(s, 0, &err)) == NULL) {
		fprintf(stderr, "jansson cannot read the plan: %s\n", err.text);
		return (1);
	}
	/* jansson's json_object_get: a member. */
	v = json_object_get(json_object_get(doc, "cpu"), "threads");
	if (!json_is_integer(v)) {
		fprintf(stderr, "jansson: not the plan: %s\n", s);
		return (1);
	}
	printf("%s threads=%d\n", json_string_value(json_object_get(doc,
	    "name")), (int)json_integer_value(v));
	json_decref(doc);
	free(s);
	return (0);
}
EOC
}

# build_and_run PKG: prog.c with the JSON library PKG (pkg-config's
# name), linked with libvmrun.a, then with libvmrun.so; each prints the
# VM's name and threads as its JSON library read them.
build_and_run()
{
	local cc san jflags jlibs plat a so

	cc=${CC:-cc}
	a=$(layout archive) || atf_fail "no archive in the layout"
	so=$(layout library) || atf_fail "no library in the layout"
	jflags=$(pkg-config --cflags "$1") && jlibs=$(pkg-config --libs "$1") ||
	    atf_fail "pkg-config does not know $1: install it to run this test"
	# Built as the library was: with the sanitizers it carries.
	san=$(san_flags "$so")
	# What vmrun.pc's Libs.private names: FreeBSD's libutil.
	plat=
	[ "$(uname -s)" != FreeBSD ] || plat=-lutil
	# shellcheck disable=SC2086 # flags, split
	atf_check -o ignore -e ignore "$cc" $san -std=c11 -o prog-static \
	    -I"$(dirname "$(layout header)")" $jflags prog.c "$a" $jlibs $plat
	# shellcheck disable=SC2086
	atf_check -o ignore -e ignore "$cc" $san -std=c11 -o prog-shared \
	    -I"$(dirname "$(layout header)")" $jflags prog.c "$so" \
	    -Wl,-rpath,"$(dirname "$so")" $jlibs
	atf_check -o inline:'linked threads=2\n' ./prog-static
	atf_check -o inline:'linked threads=2\n' ./prog-shared
}

atf_test_case with_jsonc
with_jsonc_head()
{
	atf_set descr "a program using json-c links libvmrun static and" \
	    "shared, and both libraries work: json-c's json_object_get," \
	    "json_object_iter_next are json-c's"
	atf_set require.progs "cc pkg-config nm"
}
with_jsonc_body()
{
	write_jsonc
	build_and_run json-c
}

atf_test_case with_jansson
with_jansson_head()
{
	atf_set descr "a program using jansson links libvmrun static and" \
	    "shared, and both libraries work: jansson's json_object_get is" \
	    "jansson's"
	atf_set require.progs "cc pkg-config nm"
}
with_jansson_body()
{
	write_jansson
	build_and_run jansson
}

atf_init_test_cases()
{
	atf_add_test_case exports
	atf_add_test_case with_jsonc
	atf_add_test_case with_jansson
}

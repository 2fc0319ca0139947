/*
 * api_test: the public contract of libvmrun (design §9, include/vmrun.h):
 * argument handling, loading from files, targets, the JSON outputs, the
 * exported symbols of the shared library, and allocation failure.
 *
 * JSON texts are written with ' for " to keep them readable.
 */

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "vmrun_impl.h"
#include "testutil.h"

#define BASE	"'name':'vm','cpu':1,'mem':'1G'"

/* A configuration that must load (warnings allowed). */
#define LOAD(json)	load_ok(__FILE__, __LINE__, json, false)

/*
 * A new temporary file (in $TMPDIR, the work directory under kyua) with
 * the given text followed by pad blanks; returns its path (new string).
 */
static char *
tempfile(const char *text, size_t pad)
{
	const char *dir;
	char *path;
	FILE *fp;
	size_t len, i;
	int fd;

	if ((dir = getenv("TMPDIR")) == NULL || *dir == '\0')
		dir = "/tmp";
	len = strlen(dir) + 32;
	if ((path = malloc(len)) == NULL)
		atf_tc_fail("out of memory");
	snprintf(path, len, "%s/vmrun-api.XXXXXX", dir);
	if ((fd = mkstemp(path)) == -1 || (fp = fdopen(fd, "w")) == NULL)
		atf_tc_fail("%s: %s", path, strerror(errno));
	fputs(text, fp);
	for (i = 0; i < pad; i++)
		fputc(' ', fp);
	if (fclose(fp) != 0)
		atf_tc_fail("%s: %s", path, strerror(errno));
	return (path);
}

ATF_TC_WITHOUT_HEAD(version_and_status);
ATF_TC_BODY(version_and_status, tc)
{
	ATF_CHECK_STREQ("0.1.0", VMRUN_VERSION);
	ATF_CHECK_STREQ(VMRUN_VERSION, vmrun_version());
	ATF_CHECK_STREQ("success", vmrun_strstatus(VMRUN_OK));
	ATF_CHECK_STREQ("out of memory", vmrun_strstatus(VMRUN_ERR_NOMEM));
	ATF_CHECK_STREQ("cannot read the configuration",
	    vmrun_strstatus(VMRUN_ERR_IO));
	ATF_CHECK_STREQ("syntax error", vmrun_strstatus(VMRUN_ERR_SYNTAX));
	ATF_CHECK_STREQ("invalid configuration",
	    vmrun_strstatus(VMRUN_ERR_INVALID));
	ATF_CHECK_STREQ("no such target", vmrun_strstatus(VMRUN_ERR_NOTARGET));
	ATF_CHECK_STREQ("not expressible",
	    vmrun_strstatus(VMRUN_ERR_UNSUPPORTED));
	ATF_CHECK_STREQ("the host cannot answer",
	    vmrun_strstatus(VMRUN_ERR_HOST));
	ATF_CHECK_STREQ("invalid argument", vmrun_strstatus(VMRUN_ERR_ARG));
	ATF_CHECK_STREQ("unknown status",
	    vmrun_strstatus((enum vmrun_status)(VMRUN_ERR_ARG + 1)));
	ATF_CHECK_STREQ("unknown status",
	    vmrun_strstatus((enum vmrun_status)-1));
}

ATF_TC_WITHOUT_HEAD(null_arguments);
ATF_TC_BODY(null_arguments, tc)
{
	struct vmrun_config *cf;
	const struct vmrun_vm *vm;
	struct vmrun_diags *ds;
	char **av, *text, *json;
	const char *cfgtext = "{\"name\":\"vm\",\"cpu\":1,\"mem\":\"1G\"}";

	ATF_REQUIRE((ds = vmrun_diags_new()) != NULL);
	/* Every output pointer is cleared, every status is ARG. */
	cf = (struct vmrun_config *)&cf;
	ATF_CHECK_EQ(VMRUN_ERR_ARG, vmrun_config_load(NULL, 5, ds, &cf));
	ATF_CHECK(cf == NULL);
	cf = (struct vmrun_config *)&cf;
	ATF_CHECK_EQ(VMRUN_ERR_ARG, vmrun_config_load(cfgtext,
	    strlen(cfgtext), NULL, &cf));
	ATF_CHECK(cf == NULL);
	ATF_CHECK_EQ(VMRUN_ERR_ARG, vmrun_config_load(cfgtext,
	    strlen(cfgtext), ds, NULL));
	cf = (struct vmrun_config *)&cf;
	ATF_CHECK_EQ(VMRUN_ERR_ARG, vmrun_config_load_file(NULL, ds, &cf));
	ATF_CHECK(cf == NULL);
	cf = (struct vmrun_config *)&cf;
	ATF_CHECK_EQ(VMRUN_ERR_ARG, vmrun_config_load_file("/nonexistent",
	    NULL, &cf));
	ATF_CHECK(cf == NULL);
	ATF_CHECK_EQ(VMRUN_ERR_ARG, vmrun_config_load_file("/nonexistent",
	    ds, NULL));
	vm = (const struct vmrun_vm *)&vm;
	ATF_CHECK_EQ(VMRUN_ERR_ARG, vmrun_config_resolve(NULL, NULL, &vm));
	ATF_CHECK(vm == NULL);
	av = (char **)&av;
	ATF_CHECK_EQ(VMRUN_ERR_ARG, vmrun_vm_bhyve_argv(NULL, NULL, NULL, ds,
	    &av));
	ATF_CHECK(av == NULL);
	av = (char **)&av;
	ATF_CHECK_EQ(VMRUN_ERR_ARG, vmrun_vm_loader_argv(NULL, NULL, &av));
	ATF_CHECK(av == NULL);
	text = (char *)&text;
	ATF_CHECK_EQ(VMRUN_ERR_ARG, vmrun_vm_bhyve_config(NULL, ds, &text));
	ATF_CHECK(text == NULL);
	/* The argument errors leave no diagnostics behind. */
	ATF_CHECK_EQ(0, vmrun_diags_count(ds));

	/* With a real configuration, a NULL result pointer. */
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_config_load(cfgtext, strlen(cfgtext),
	    ds, &cf));
	ATF_CHECK_EQ(VMRUN_ERR_ARG, vmrun_config_resolve(cf, NULL, NULL));
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_config_resolve(cf, NULL, &vm));
	ATF_CHECK_EQ(VMRUN_ERR_ARG, vmrun_vm_bhyve_argv(vm, NULL, NULL, ds,
	    NULL));
	ATF_CHECK_EQ(VMRUN_ERR_ARG, vmrun_vm_loader_argv(vm, NULL, NULL));
	ATF_CHECK_EQ(VMRUN_ERR_ARG, vmrun_vm_bhyve_config(vm, ds, NULL));
	ATF_CHECK_EQ(0, vmrun_diags_count(ds));
	vmrun_config_free(cf);

	/* Getters answer NULL or 0 for NULL. */
	ATF_CHECK(vmrun_config_name(NULL) == NULL);
	ATF_CHECK_EQ(0, vmrun_config_ntargets(NULL));
	ATF_CHECK(vmrun_config_target(NULL, 0) == NULL);
	ATF_CHECK(vmrun_vm_name(NULL) == NULL);
	ATF_CHECK(vmrun_vm_target(NULL) == NULL);
	ATF_CHECK(vmrun_vm_next_target(NULL) == NULL);
	ATF_CHECK_EQ(0, vmrun_vm_nslots(NULL));
	ATF_CHECK(vmrun_vm_slot_addr(NULL, 0) == NULL);
	ATF_CHECK(vmrun_vm_slot_device(NULL, 0) == NULL);
	ATF_CHECK(vmrun_vm_slot_id(NULL, 0) == NULL);
	ATF_CHECK(vmrun_vm_json(NULL) == NULL);
	ATF_CHECK_EQ(0, vmrun_diags_count(NULL));
	ATF_CHECK_EQ(0, vmrun_diags_errors(NULL));
	ATF_CHECK(vmrun_diags_get(NULL, 0) == NULL);
	ATF_CHECK(vmrun_diags_get(ds, 0) == NULL);
	/* A diagnostic that vmrun_diags_get did not find. */
	ATF_CHECK(vmrun_diag_code(NULL) == NULL);
	ATF_CHECK(vmrun_diag_group(NULL) == NULL);
	ATF_CHECK(vmrun_diag_path(NULL) == NULL);
	ATF_CHECK(vmrun_diag_message(NULL) == NULL);
	ATF_CHECK(vmrun_diag_fix(NULL) == NULL);
	ATF_CHECK_EQ(0, vmrun_diag_line(NULL));
	ATF_CHECK_EQ(0, vmrun_diag_column(NULL));
	ATF_CHECK_EQ(VMRUN_ERROR, vmrun_diag_severity(NULL));
	/* No list: an empty report. */
	json = vmrun_diags_json(NULL, NULL);
	ATF_REQUIRE(json != NULL);
	ATF_CHECK_STREQ("{\"vm\":null,\"ok\":true,\"diagnostics\":[]}", json);
	free(json);
	/* Freeing NULL is a no-op. */
	vmrun_config_free(NULL);
	vmrun_diags_free(NULL);
	vmrun_argv_free(NULL);
	vmrun_diags_free(ds);

	/* No bytes at all is an empty document, not an argument error. */
	ATF_REQUIRE((ds = vmrun_diags_new()) != NULL);
	ATF_CHECK_EQ(VMRUN_ERR_SYNTAX, vmrun_config_load(NULL, 0, ds, &cf));
	ATF_CHECK(cf == NULL);
	ATF_CHECK_EQ(1, vmrun_diags_count(ds));
	vmrun_diags_free(ds);
}

ATF_TC_WITHOUT_HEAD(load_file);
ATF_TC_BODY(load_file, tc)
{
	struct vmrun_config *cf;
	struct vmrun_diags *ds;
	const struct vmrun_diag *d;
	const char *cfgtext = "{\"name\":\"vm\",\"cpu\":1,\"mem\":\"1G\"}";
	char *path, *dir;

	/* A missing file: VMRUN_ERR_IO with the reason. */
	ATF_REQUIRE((ds = vmrun_diags_new()) != NULL);
	cf = (struct vmrun_config *)&cf;
	ATF_CHECK_EQ(VMRUN_ERR_IO, vmrun_config_load_file(
	    "/nonexistent/vm.json", ds, &cf));
	ATF_CHECK(cf == NULL);
	ATF_REQUIRE_EQ(1, vmrun_diags_count(ds));
	d = vmrun_diags_get(ds, 0);
	ATF_CHECK_EQ(VMRUN_ERROR, vmrun_diag_severity(d));
	ATF_CHECK_STREQ("cannot-read", vmrun_diag_code(d));
	ATF_CHECK_STREQ(strerror(ENOENT), vmrun_diag_message(d));
	ATF_CHECK_STREQ("", vmrun_diag_path(d));
	ATF_CHECK_EQ(1, vmrun_diags_errors(ds));
	vmrun_diags_free(ds);

	/* A directory opens but cannot be read. */
	dir = srcfile(tc, "");
	ATF_REQUIRE((ds = vmrun_diags_new()) != NULL);
	ATF_CHECK_EQ(VMRUN_ERR_IO, vmrun_config_load_file(dir, ds, &cf));
	ATF_CHECK(cf == NULL);
	ATF_CHECK_EQ(1, vmrun_diags_count(ds));
	ATF_CHECK_STREQ("cannot-read", vmrun_diag_code(vmrun_diags_get(ds,
	    0)));
	vmrun_diags_free(ds);
	free(dir);

	/* The seed example. */
	path = srcfile(tc, "../../examples/freebsd-test.json");
	ATF_REQUIRE((ds = vmrun_diags_new()) != NULL);
	ATF_CHECK_EQ(VMRUN_OK, vmrun_config_load_file(path, ds, &cf));
	ATF_CHECK_EQ(0, vmrun_diags_count(ds));
	ATF_CHECK_STREQ("freebsd-test", vmrun_config_name(cf));
	vmrun_config_free(cf);
	vmrun_diags_free(ds);
	free(path);

	/* Exactly 1 MiB is read whole. */
	path = tempfile(cfgtext, 1024 * 1024 - strlen(cfgtext));
	ATF_REQUIRE((ds = vmrun_diags_new()) != NULL);
	ATF_CHECK_EQ(VMRUN_OK, vmrun_config_load_file(path, ds, &cf));
	ATF_CHECK_STREQ("vm", vmrun_config_name(cf));
	vmrun_config_free(cf);
	vmrun_diags_free(ds);
	unlink(path);
	free(path);

	/* A file over 1 MiB is refused as such, not truncated. */
	path = tempfile(cfgtext, 1024 * 1024 - strlen(cfgtext) + 1);
	ATF_REQUIRE((ds = vmrun_diags_new()) != NULL);
	ATF_CHECK_EQ(VMRUN_ERR_SYNTAX, vmrun_config_load_file(path, ds, &cf));
	ATF_CHECK(cf == NULL);
	ATF_REQUIRE_EQ(1, vmrun_diags_count(ds));
	ATF_CHECK_STREQ("too-large", vmrun_diag_code(vmrun_diags_get(ds, 0)));
	vmrun_diags_free(ds);
	unlink(path);
	free(path);

	/* An empty file: a syntax error at 1:1. */
	path = tempfile("", 0);
	ATF_REQUIRE((ds = vmrun_diags_new()) != NULL);
	ATF_CHECK_EQ(VMRUN_ERR_SYNTAX, vmrun_config_load_file(path, ds, &cf));
	ATF_REQUIRE_EQ(1, vmrun_diags_count(ds));
	ATF_CHECK_STREQ("syntax", vmrun_diag_code(vmrun_diags_get(ds, 0)));
	ATF_CHECK_EQ(1, vmrun_diag_line(vmrun_diags_get(ds, 0)));
	ATF_CHECK_EQ(1, vmrun_diag_column(vmrun_diags_get(ds, 0)));
	vmrun_diags_free(ds);
	unlink(path);
	free(path);
}

ATF_TC_WITHOUT_HEAD(target_listing);
ATF_TC_BODY(target_listing, tc)
{
	struct vmrun_config *cf;
	const struct vmrun_vm *vm, *vm2;

	cf = LOAD("{" BASE "}");
	ATF_CHECK_EQ(1, vmrun_config_ntargets(cf));
	ATF_CHECK_STREQ("default", vmrun_config_target(cf, 0));
	ATF_CHECK(vmrun_config_target(cf, 1) == NULL);
	vmrun_config_free(cf);

	/* Index 0 is "default", the others in the order written. */
	cf = LOAD("{" BASE ",'targets':{'zeta':{},'alpha':{},"
	    "'mid':{'mem':'2G'}}}");
	ATF_CHECK_STREQ("vm", vmrun_config_name(cf));
	ATF_REQUIRE_EQ(4, vmrun_config_ntargets(cf));
	ATF_CHECK_STREQ("default", vmrun_config_target(cf, 0));
	ATF_CHECK_STREQ("zeta", vmrun_config_target(cf, 1));
	ATF_CHECK_STREQ("alpha", vmrun_config_target(cf, 2));
	ATF_CHECK_STREQ("mid", vmrun_config_target(cf, 3));
	ATF_CHECK(vmrun_config_target(cf, 4) == NULL);
	ATF_CHECK(vmrun_config_target(cf, (size_t)-1) == NULL);
	/* NULL and "default" are the base configuration. */
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_config_resolve(cf, NULL, &vm));
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_config_resolve(cf, "default", &vm2));
	ATF_CHECK(vm == vm2);
	ATF_CHECK_STREQ("default", vmrun_vm_target(vm));
	ATF_CHECK_STREQ("vm", vmrun_vm_name(vm));
	ATF_CHECK_EQ(1ULL << 30, vm->vm_mem);
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_config_resolve(cf, "mid", &vm2));
	ATF_CHECK_STREQ("mid", vmrun_vm_target(vm2));
	ATF_CHECK_STREQ("vm", vmrun_vm_name(vm2));
	ATF_CHECK_EQ(2ULL << 30, vm2->vm_mem);
	/* An unknown name. */
	vm = (const struct vmrun_vm *)&vm;
	ATF_CHECK_EQ(VMRUN_ERR_NOTARGET, vmrun_config_resolve(cf, "nope",
	    &vm));
	ATF_CHECK(vm == NULL);
	ATF_CHECK_EQ(VMRUN_ERR_NOTARGET, vmrun_config_resolve(cf, "", &vm));
	ATF_CHECK_EQ(VMRUN_ERR_NOTARGET, vmrun_config_resolve(cf, "Zeta",
	    &vm));
	vmrun_config_free(cf);
}

ATF_TC_WITHOUT_HEAD(default_target_replaces_base);
ATF_TC_BODY(default_target_replaces_base, tc)
{
	struct vmrun_config *cf;
	const struct vmrun_vm *vm, *vm2;

	/* A target literally named "default" is what "default" means. */
	cf = LOAD("{" BASE ",'targets':{'a':{},'default':{'mem':'3G'},"
	    "'b':{}}}");
	ATF_REQUIRE_EQ(3, vmrun_config_ntargets(cf));
	ATF_CHECK_STREQ("default", vmrun_config_target(cf, 0));
	ATF_CHECK_STREQ("a", vmrun_config_target(cf, 1));
	ATF_CHECK_STREQ("b", vmrun_config_target(cf, 2));
	ATF_CHECK(vmrun_config_target(cf, 3) == NULL);
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_config_resolve(cf, "default", &vm));
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_config_resolve(cf, NULL, &vm2));
	ATF_CHECK(vm == vm2);
	ATF_CHECK_STREQ("default", vmrun_vm_target(vm));
	ATF_CHECK_EQ(3ULL << 30, vm->vm_mem);
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_config_resolve(cf, "a", &vm2));
	ATF_CHECK_EQ(1ULL << 30, vm2->vm_mem);
	vmrun_config_free(cf);

	/* ... and next_target "default" names it. */
	cf = LOAD("{" BASE ",'targets':{'default':{'next_target':'x'},"
	    "'x':{'next_target':'default'}}}");
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_config_resolve(cf, NULL, &vm));
	ATF_CHECK_STREQ("x", vmrun_vm_next_target(vm));
	vmrun_config_free(cf);
}

ATF_TC_WITHOUT_HEAD(slot_map);
ATF_TC_BODY(slot_map, tc)
{
	struct vmrun_config *cf;
	const struct vmrun_vm *vm;

	cf = LOAD("{" BASE ",'emulations':[{'device':'virtio-net',"
	    "'name':'tap0','id':'net'},{'device':'virtio-blk','path':'/d',"
	    "'slot':'5'}]}");
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_config_resolve(cf, NULL, &vm));
	ATF_REQUIRE_EQ(4, vmrun_vm_nslots(vm));
	ATF_CHECK_STREQ("0:0:0", vmrun_vm_slot_addr(vm, 0));
	ATF_CHECK_STREQ("hostbridge", vmrun_vm_slot_device(vm, 0));
	ATF_CHECK(vmrun_vm_slot_id(vm, 0) == NULL);
	ATF_CHECK_STREQ("0:1:0", vmrun_vm_slot_addr(vm, 1));
	ATF_CHECK_STREQ("virtio-net", vmrun_vm_slot_device(vm, 1));
	ATF_CHECK_STREQ("net", vmrun_vm_slot_id(vm, 1));
	ATF_CHECK_STREQ("0:5:0", vmrun_vm_slot_addr(vm, 2));
	ATF_CHECK_STREQ("virtio-blk", vmrun_vm_slot_device(vm, 2));
	ATF_CHECK(vmrun_vm_slot_id(vm, 2) == NULL);
	ATF_CHECK_STREQ("0:31:0", vmrun_vm_slot_addr(vm, 3));
	ATF_CHECK_STREQ("lpc", vmrun_vm_slot_device(vm, 3));
	ATF_CHECK(vmrun_vm_slot_addr(vm, 4) == NULL);
	ATF_CHECK(vmrun_vm_slot_device(vm, 4) == NULL);
	ATF_CHECK(vmrun_vm_slot_id(vm, 4) == NULL);
	vmrun_config_free(cf);
}

/* The names of an object's keys in order, joined with ','. */
static void
keys_of(json_t *o, char *buf, size_t len)
{
	const char *k;
	json_t *v;
	size_t n;

	buf[0] = '\0';
	json_object_foreach(o, k, v) {
		n = strlen(buf);
		snprintf(buf + n, len - n, "%s%s", n > 0 ? "," : "", k);
	}
}

ATF_TC_WITHOUT_HEAD(diags_json_shape);
ATF_TC_BODY(diags_json_shape, tc)
{
	struct vmrun_config *cf;
	struct vmrun_diags *ds;
	const struct vmrun_vm *vm;
	json_error_t jerr;
	json_t *doc, *arr, *e;
	char *text, *s, **av, keys[256];

	/* An error and a warning. */
	text = jq("{" BASE ",'nmae':1,'graphic':{'vga':'on'}}");
	ATF_REQUIRE((ds = vmrun_diags_new()) != NULL);
	ATF_CHECK_EQ(VMRUN_ERR_INVALID, vmrun_config_load(text, strlen(text),
	    ds, &cf));
	ATF_REQUIRE((s = vmrun_diags_json(ds, "vm")) != NULL);
	doc = json_loads(s, 0, &jerr);
	ATF_REQUIRE_MSG(doc != NULL, "%s: %s", s, jerr.text);
	ATF_CHECK(strchr(s, '\n') == NULL);
	keys_of(doc, keys, sizeof(keys));
	ATF_CHECK_STREQ("vm,ok,diagnostics", keys);
	ATF_CHECK_STREQ("vm", json_string_value(json_object_get(doc, "vm")));
	ATF_CHECK(json_is_false(json_object_get(doc, "ok")));
	arr = json_object_get(doc, "diagnostics");
	ATF_REQUIRE(json_is_array(arr));
	ATF_REQUIRE_EQ(2, json_array_size(arr));
	e = json_array_get(arr, 0);
	keys_of(e, keys, sizeof(keys));
	ATF_CHECK_STREQ("severity,code,group,path,message,fix", keys);
	ATF_CHECK_STREQ("error", json_string_value(json_object_get(e,
	    "severity")));
	ATF_CHECK_STREQ("unknown-key", json_string_value(json_object_get(e,
	    "code")));
	ATF_CHECK_STREQ("vm", json_string_value(json_object_get(e, "group")));
	ATF_CHECK_STREQ("nmae", json_string_value(json_object_get(e, "path")));
	ATF_CHECK_STREQ("unknown key; did you mean \"name\"?",
	    json_string_value(json_object_get(e, "message")));
	ATF_CHECK(json_is_null(json_object_get(e, "fix")));
	e = json_array_get(arr, 1);
	ATF_CHECK_STREQ("warning", json_string_value(json_object_get(e,
	    "severity")));
	ATF_CHECK_STREQ("vga-on", json_string_value(json_object_get(e,
	    "code")));
	ATF_CHECK_STREQ("graphic.vga", json_string_value(json_object_get(e,
	    "path")));
	json_decref(doc);
	free(s);
	/* No VM name: null. */
	ATF_REQUIRE((s = vmrun_diags_json(ds, NULL)) != NULL);
	ATF_REQUIRE((doc = json_loads(s, 0, &jerr)) != NULL);
	ATF_CHECK(json_is_null(json_object_get(doc, "vm")));
	json_decref(doc);
	free(s);
	vmrun_diags_free(ds);
	free(text);

	/* Warnings only: ok; a fix is a string. */
	text = jq("{" BASE ",'graphic':{'vga':'on'},'emulations':["
	    "{'device':'passthru','lookup':{'vendor':'0x15338086',"
	    "'device':'0x00008086'}}]}");
	ATF_REQUIRE((ds = vmrun_diags_new()) != NULL);
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_config_load(text, strlen(text), ds,
	    &cf));
	ATF_REQUIRE((s = vmrun_diags_json(ds, "vm")) != NULL);
	ATF_REQUIRE((doc = json_loads(s, 0, &jerr)) != NULL);
	ATF_CHECK(json_is_true(json_object_get(doc, "ok")));
	ATF_CHECK_EQ(1, json_array_size(json_object_get(doc,
	    "diagnostics")));
	json_decref(doc);
	free(s);
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_config_resolve(cf, NULL, &vm));
	ATF_CHECK_EQ(VMRUN_ERR_HOST, vmrun_vm_bhyve_argv(vm, NULL, NULL, ds,
	    &av));
	ATF_REQUIRE((s = vmrun_diags_json(ds, "vm")) != NULL);
	ATF_REQUIRE((doc = json_loads(s, 0, &jerr)) != NULL);
	ATF_CHECK(json_is_false(json_object_get(doc, "ok")));
	arr = json_object_get(doc, "diagnostics");
	ATF_REQUIRE_EQ(2, json_array_size(arr));
	e = json_array_get(arr, 1);
	ATF_CHECK_STREQ("passthru-lookup", json_string_value(
	    json_object_get(e, "code")));
	ATF_CHECK_STREQ("give the host address as \"src\" instead",
	    json_string_value(json_object_get(e, "fix")));
	json_decref(doc);
	free(s);
	vmrun_config_free(cf);
	vmrun_diags_free(ds);
	free(text);

	/* A syntax error also carries line and column. */
	ATF_REQUIRE((ds = vmrun_diags_new()) != NULL);
	ATF_CHECK_EQ(VMRUN_ERR_SYNTAX, vmrun_config_load("{\n  x", 5, ds,
	    &cf));
	ATF_REQUIRE((s = vmrun_diags_json(ds, NULL)) != NULL);
	ATF_REQUIRE((doc = json_loads(s, 0, &jerr)) != NULL);
	e = json_array_get(json_object_get(doc, "diagnostics"), 0);
	keys_of(e, keys, sizeof(keys));
	ATF_CHECK_STREQ("severity,code,group,path,message,fix,line,column",
	    keys);
	ATF_CHECK_EQ(2, json_integer_value(json_object_get(e, "line")));
	ATF_CHECK_EQ(3, json_integer_value(json_object_get(e, "column")));
	ATF_CHECK_STREQ("syntax", json_string_value(json_object_get(e,
	    "code")));
	json_decref(doc);
	free(s);
	vmrun_diags_free(ds);

	/* An empty list. */
	ATF_REQUIRE((ds = vmrun_diags_new()) != NULL);
	ATF_REQUIRE((s = vmrun_diags_json(ds, "x")) != NULL);
	ATF_CHECK_STREQ("{\"vm\":\"x\",\"ok\":true,\"diagnostics\":[]}", s);
	free(s);
	vmrun_diags_free(ds);

	/* A list that lost a diagnostic to memory cannot say "ok". */
	ATF_REQUIRE((ds = vmrun_diags_new()) != NULL);
	alloc_fail_after(0);
	diag_add(ds, VMRUN_ERROR, "x", "p", NULL, "lost");
	alloc_fail_after(-1);
	ATF_CHECK_EQ(0, vmrun_diags_count(ds));
	ATF_CHECK(vmrun_diags_json(ds, "x") == NULL);
	vmrun_diags_free(ds);
}

ATF_TC(vm_json_parses);
ATF_TC_HEAD(vm_json_parses, tc)
{
	atf_tc_set_md_var(tc, "descr", "vmrun_vm_json of the seed example "
	    "is JSON with the resolved settings");
}
ATF_TC_BODY(vm_json_parses, tc)
{
	struct vmrun_config *cf;
	struct vmrun_diags *ds;
	const struct vmrun_vm *vm;
	json_error_t jerr;
	json_t *doc, *devs, *d;
	char *path, *s;
	static const char *const slots[][3] = {
		{ "0:0:0", "hostbridge", NULL },
		{ "0:1:0", "virtio-net", "emulations[0]" },
		{ "0:2:0", "virtio-blk", "emulations[1]" },
		{ "0:3:0", "ahci-cd", "targets.install.emulations[0]" },
		{ "0:31:0", "lpc", NULL },
	};
	size_t i;

	path = srcfile(tc, "../../examples/freebsd-test.json");
	ATF_REQUIRE((ds = vmrun_diags_new()) != NULL);
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_config_load_file(path, ds, &cf));
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_config_resolve(cf, "install", &vm));
	ATF_REQUIRE((s = vmrun_vm_json(vm)) != NULL);
	doc = json_loads(s, 0, &jerr);
	ATF_REQUIRE_MSG(doc != NULL, "%s", jerr.text);
	ATF_CHECK_STREQ("freebsd-test", json_string_value(json_object_get(doc,
	    "name")));
	ATF_CHECK_STREQ("install", json_string_value(json_object_get(doc,
	    "target")));
	ATF_CHECK_STREQ("default", json_string_value(json_object_get(doc,
	    "next_target")));
	ATF_CHECK_EQ(2, json_integer_value(json_object_get(json_object_get(
	    doc, "cpu"), "cpus")));
	ATF_CHECK_EQ(2, json_integer_value(json_object_get(json_object_get(
	    doc, "cpu"), "threads")));
	ATF_CHECK_STREQ("512M", json_string_value(json_object_get(doc,
	    "mem")));
	ATF_CHECK_STREQ("stdio", json_string_value(json_object_get(doc,
	    "com1")));
	ATF_CHECK(json_is_null(json_object_get(doc, "com2")));
	ATF_CHECK(json_is_null(json_object_get(doc, "loader")));
	ATF_CHECK(json_is_true(json_object_get(doc, "generate_acpi")));
	ATF_CHECK(json_is_false(json_object_get(doc, "wire_guest_mem")));
	ATF_CHECK(json_is_null(json_object_get(doc, "max_reboots")));
	ATF_CHECK_EQ(10, json_integer_value(json_object_get(json_object_get(
	    doc, "restart_limit"), "count")));
	ATF_CHECK_EQ(1, json_array_size(json_object_get(doc, "reboot_on")));
	ATF_CHECK_EQ(0, json_integer_value(json_array_get(json_object_get(doc,
	    "reboot_on"), 0)));
	devs = json_object_get(doc, "devices");
	ATF_REQUIRE_EQ(5, json_array_size(devs));
	for (i = 0; i < 5; i++) {
		d = json_array_get(devs, i);
		ATF_CHECK_STREQ(slots[i][0], json_string_value(
		    json_object_get(d, "slot")));
		ATF_CHECK_STREQ(slots[i][1], json_string_value(
		    json_object_get(d, "device")));
		if (slots[i][2] != NULL)
			ATF_CHECK_STREQ(slots[i][2], json_string_value(
			    json_object_get(d, "source")));
	}
	ATF_CHECK_STREQ("FreeBSD-13.0-RELEASE-amd64-disc1.iso",
	    json_string_value(json_object_get(json_array_get(devs, 3),
	    "path")));
	json_decref(doc);
	free(s);

	/* The base has no next_target and no CD. */
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_config_resolve(cf, NULL, &vm));
	ATF_REQUIRE((s = vmrun_vm_json(vm)) != NULL);
	ATF_REQUIRE((doc = json_loads(s, 0, &jerr)) != NULL);
	ATF_CHECK_STREQ("default", json_string_value(json_object_get(doc,
	    "target")));
	ATF_CHECK(json_is_null(json_object_get(doc, "next_target")));
	ATF_CHECK_EQ(4, json_array_size(json_object_get(doc, "devices")));
	json_decref(doc);
	free(s);
	vmrun_config_free(cf);
	vmrun_diags_free(ds);
	free(path);

	/* A loader, extra_options and post_start_script. */
	cf = LOAD("{" BASE ",'loader':{'type':'bhyveload','disk':'/d',"
	    "'env':{'a':'1','b':'2'}},'extra_options':'-w  -x',"
	    "'post_start_script':['/bin/echo','a b'],'reboot_on':[3,0],"
	    "'max_reboots':2}");
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_config_resolve(cf, NULL, &vm));
	ATF_REQUIRE((s = vmrun_vm_json(vm)) != NULL);
	ATF_REQUIRE((doc = json_loads(s, 0, &jerr)) != NULL);
	d = json_object_get(doc, "loader");
	ATF_CHECK_STREQ("bhyveload", json_string_value(json_object_get(d,
	    "type")));
	ATF_CHECK_STREQ("/d", json_string_value(json_object_get(d, "disk")));
	ATF_CHECK_STREQ("stdio", json_string_value(json_object_get(d,
	    "console")));
	ATF_CHECK_STREQ("2", json_string_value(json_object_get(
	    json_object_get(d, "env"), "b")));
	ATF_CHECK(json_is_null(json_object_get(d, "host_dir")));
	ATF_CHECK(json_is_null(json_object_get(doc, "bootrom")));
	ATF_CHECK_EQ(2, json_array_size(json_object_get(doc,
	    "extra_options")));
	ATF_CHECK_STREQ("-x", json_string_value(json_array_get(
	    json_object_get(doc, "extra_options"), 1)));
	ATF_CHECK_STREQ("a b", json_string_value(json_array_get(
	    json_object_get(doc, "post_start_script"), 1)));
	ATF_CHECK_EQ(3, json_integer_value(json_array_get(json_object_get(doc,
	    "reboot_on"), 1)));
	ATF_CHECK_EQ(2, json_integer_value(json_object_get(doc,
	    "max_reboots")));
	json_decref(doc);
	free(s);
	vmrun_config_free(cf);
}

/* The names in the global: section of the version script. */
static size_t
map_names(const char *text, char names[][64], size_t max)
{
	const char *p, *g, *l;
	size_t n, k;

	n = 0;
	if ((g = strstr(text, "global:")) == NULL)
		return (0);
	l = strstr(g, "local:");
	for (p = g + 7; *p != '\0' && (l == NULL || p < l);) {
		while (*p != '\0' && isspace((unsigned char)*p))
			p++;
		for (k = 0; (isalnum((unsigned char)p[k]) || p[k] == '_') &&
		    k < 63; k++)
			;
		if (k > 0 && p[k] == ';' && n < max) {
			memcpy(names[n], p, k);
			names[n++][k] = '\0';
		}
		while (*p != '\0' && *p != '\n')
			p++;
	}
	return (n);
}

/* The vmrun_* functions a header declares (comments skipped). */
static size_t
header_names(const char *text, char names[][64], size_t max)
{
	const char *p, *e, *ls;
	size_t n, k, j;
	bool dup;

	n = 0;
	for (p = text; *p != '\0'; p++) {
		if (p[0] == '/' && p[1] == '*') {
			if ((e = strstr(p + 2, "*/")) == NULL)
				break;
			p = e + 1;
			continue;
		}
		if (strncmp(p, "vmrun_", 6) != 0 || (p > text &&
		    (isalnum((unsigned char)p[-1]) || p[-1] == '_')))
			continue;
		for (k = 0; isalnum((unsigned char)p[k]) || p[k] == '_'; k++)
			;
		for (e = p + k; *e == ' ' || *e == '\t'; e++)
			;
		/* A function type (typedef) is not a function. */
		for (ls = p; ls > text && ls[-1] != '\n'; ls--)
			;
		if (strncmp(ls, "typedef", 7) == 0) {
			p += k - 1;
			continue;
		}
		if (*e == '(' && k < 64 && n < max) {
			dup = false;
			for (j = 0; j < n; j++)
				if (strncmp(names[j], p, k) == 0 &&
				    names[j][k] == '\0')
					dup = true;
			if (!dup) {
				memcpy(names[n], p, k);
				names[n++][k] = '\0';
			}
		}
		p += k - 1;
	}
	return (n);
}

static bool
in_list(const char *name, char names[][64], size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return (true);
	return (false);
}

ATF_TC_WITHOUT_HEAD(header_matches_map);
ATF_TC_BODY(header_matches_map, tc)
{
	static char mapn[128][64], hdrn[128][64];
	char *path, *text;
	size_t nm, nh, i;

	path = srcfile(tc, "../../libvmrun/libvmrun.map");
	text = slurp(path, NULL);
	nm = map_names(text, mapn, 128);
	free(text);
	free(path);
	path = srcfile(tc, "../../include/vmrun.h");
	text = slurp(path, NULL);
	nh = header_names(text, hdrn, 128);
	free(text);
	free(path);

	/* The parsers found what they should. */
	ATF_CHECK(nm >= 30);
	ATF_CHECK(in_list("vmrun_config_load", mapn, nm));
	ATF_CHECK(in_list("vmrun_config_load", hdrn, nh));
	ATF_CHECK(!in_list("vmrun_status", hdrn, nh));
	ATF_CHECK(!in_list("vmrun_diags", hdrn, nh));
	for (i = 0; i < nh; i++)
		ATF_CHECK_MSG(in_list(hdrn[i], mapn, nm), "%s is declared in "
		    "vmrun.h but not exported by libvmrun.map", hdrn[i]);
	for (i = 0; i < nm; i++)
		ATF_CHECK_MSG(in_list(mapn[i], hdrn, nh), "%s is exported by "
		    "libvmrun.map but not declared in vmrun.h", mapn[i]);
	ATF_CHECK_EQ(nm, nh);
}

ATF_TC_WITHOUT_HEAD(exported_symbols);
ATF_TC_BODY(exported_symbols, tc)
{
	static const char *const internal[] = {
		"pool_new", "pool_free", "xmalloc", "xfree", "alloc_fail_after",
		"alloc_failures",
		"slot_parse", "mem_parse", "load_json", "escape_value",
		"edit_distance", "diag_add", "schema_check", "config_build",
		"target_resolve", "slots_assign", "pci_list", "devtype_find",
		"top_keys", "devtype_virtio_blk", "sb_add",
	};
	static char mapn[128][64];
	const char *(*version)(void);
	char *path, *text;
	void *h, *sym;
	size_t nm, i;

	path = srcfile(tc, "../../libvmrun/libvmrun.map");
	text = slurp(path, NULL);
	nm = map_names(text, mapn, 128);
	free(text);
	free(path);
	ATF_REQUIRE(nm >= 30);

	path = srcfile(tc, "../../libvmrun.so.0");
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	ATF_REQUIRE_MSG(h != NULL, "dlopen %s: %s", path, dlerror());
	for (i = 0; i < nm; i++)
		ATF_CHECK_MSG(dlsym(h, mapn[i]) != NULL, "%s is not exported",
		    mapn[i]);
	for (i = 0; i < sizeof(internal) / sizeof(internal[0]); i++)
		ATF_CHECK_MSG(dlsym(h, internal[i]) == NULL, "internal %s is "
		    "exported", internal[i]);
	/* It is the shared library's function, and it works. */
	sym = dlsym(h, "vmrun_version");
	ATF_REQUIRE(sym != NULL);
	ATF_CHECK(sym != (void *)vmrun_version);
	memcpy(&version, &sym, sizeof(version));
	ATF_CHECK_STREQ(VMRUN_VERSION, version());
	dlclose(h);
	free(path);
}

/*
 * The outputs of the whole plan path for one configuration: every
 * target's bhyve and loader commands, bhyve_config text and JSON, and the
 * diagnostics as JSON.  Returns the first status that is not VMRUN_OK (or
 * VMRUN_ERR_NOMEM for a NULL result); *outp gets the text (malloc'd by the
 * test, not the library) when every step succeeded.
 */
static void
out_add(char **outp, size_t *lenp, const char *s)
{
	size_t n;

	n = strlen(s);
	if ((*outp = realloc(*outp, *lenp + n + 2)) == NULL)
		atf_tc_fail("out of memory");
	memcpy(*outp + *lenp, s, n);
	(*outp)[*lenp + n] = '\n';
	*lenp += n + 1;
	(*outp)[*lenp] = '\0';
}

static void
out_argv(char **outp, size_t *lenp, char **av)
{
	size_t i;

	if (av == NULL) {
		out_add(outp, lenp, "(no argv)");
		return;
	}
	for (i = 0; av[i] != NULL; i++)
		out_add(outp, lenp, av[i]);
}

#define OK_OR_NOMEM(st, what) do {					\
	if ((st) != VMRUN_OK && (st) != VMRUN_ERR_NOMEM)		\
		atf_tc_fail("%s: status %d (%s)", what, (int)(st),	\
		    vmrun_strstatus(st));				\
} while (0)

static enum vmrun_status
plan_all(const char *buf, size_t len, enum vmrun_status loadok, char **outp)
{
	struct vmrun_diags *ds;
	struct vmrun_config *cf;
	const struct vmrun_vm *vm;
	enum vmrun_status st;
	char **av, *s;
	size_t i, olen;

	*outp = NULL;
	olen = 0;
	out_add(outp, &olen, "begin");
	if ((ds = vmrun_diags_new()) == NULL)
		return (VMRUN_ERR_NOMEM);
	st = vmrun_config_load(buf, len, ds, &cf);
	if (st != loadok)
		OK_OR_NOMEM(st, "load");
	if (st == loadok && st != VMRUN_OK) {
		/* An invalid configuration: its diagnostics are the output. */
		if ((s = vmrun_diags_json(ds, NULL)) == NULL) {
			st = VMRUN_ERR_NOMEM;
			goto out;
		}
		out_add(outp, &olen, s);
		free(s);
		st = VMRUN_OK;
		goto out;
	}
	if (st != VMRUN_OK)
		goto out;
	for (i = 0; i < vmrun_config_ntargets(cf); i++) {
		out_add(outp, &olen, vmrun_config_target(cf, i));
		st = vmrun_config_resolve(cf, vmrun_config_target(cf, i), &vm);
		if (st != VMRUN_OK)
			atf_tc_fail("resolve %s: %s", vmrun_config_target(cf,
			    i), vmrun_strstatus(st));
		st = vmrun_vm_bhyve_argv(vm, NULL, NULL, ds, &av);
		OK_OR_NOMEM(st, "bhyve argv");
		if (st != VMRUN_OK)
			goto out;
		out_argv(outp, &olen, av);
		vmrun_argv_free(av);
		st = vmrun_vm_loader_argv(vm, "bhyveload", &av);
		OK_OR_NOMEM(st, "loader argv");
		if (st != VMRUN_OK)
			goto out;
		out_argv(outp, &olen, av);
		vmrun_argv_free(av);
		st = vmrun_vm_bhyve_config(vm, ds, &s);
		if (st == VMRUN_ERR_UNSUPPORTED)
			out_add(outp, &olen, "(unsupported)");
		else {
			OK_OR_NOMEM(st, "bhyve_config");
			if (st != VMRUN_OK)
				goto out;
			out_add(outp, &olen, s);
			free(s);
		}
		if ((s = vmrun_vm_json(vm)) == NULL) {
			st = VMRUN_ERR_NOMEM;
			goto out;
		}
		out_add(outp, &olen, s);
		free(s);
	}
	if ((s = vmrun_diags_json(ds, vmrun_config_name(cf))) == NULL) {
		st = VMRUN_ERR_NOMEM;
		goto out;
	}
	out_add(outp, &olen, s);
	free(s);
	st = VMRUN_OK;
out:
	vmrun_config_free(cf);
	vmrun_diags_free(ds);
	return (st);
}

/*
 * Fail allocation n, for n = 0, 1, 2, ...: every run ends in success or
 * VMRUN_ERR_NOMEM, and a success gives exactly the output of a run without
 * failures.  The loop ends with the first run in which no allocation was
 * made to fail.  Returns the number of runs.
 */
static long
alloc_loop(const char *buf, size_t len, enum vmrun_status loadok)
{
	enum vmrun_status st;
	char *ref, *out;
	void *probe;
	long n;
	bool injected;

	alloc_fail_after(-1);
	ATF_REQUIRE_EQ(VMRUN_OK, plan_all(buf, len, loadok, &ref));
	json_set_alloc_funcs(xmalloc, xfree);
	for (n = 0; n < 1000000; n++) {
		alloc_fail_after(n);
		st = plan_all(buf, len, loadok, &out);
		/* Once the nth allocation failed, every later one fails. */
		probe = xmalloc(1);
		injected = probe == NULL;
		xfree(probe);
		alloc_fail_after(-1);
		if (st != VMRUN_OK && st != VMRUN_ERR_NOMEM)
			atf_tc_fail("allocation %ld failed: status %d", n,
			    (int)st);
		if (st == VMRUN_OK && strcmp(ref, out) != 0)
			atf_tc_fail("allocation %ld failed, yet success with "
			    "other output:\n%s\ninstead of\n%s", n, out, ref);
		free(out);
		if (!injected) {
			ATF_CHECK_EQ_MSG(VMRUN_OK, st, "no failure, yet %s",
			    vmrun_strstatus(st));
			break;
		}
	}
	json_set_alloc_funcs(malloc, free);
	free(ref);
	ATF_CHECK(n > 10);
	printf("%ld allocations\n", n);
	return (n);
}

ATF_TC(alloc_failure_seed);
ATF_TC_HEAD(alloc_failure_seed, tc)
{
	atf_tc_set_md_var(tc, "descr", "Each allocation of loading and "
	    "rendering the seed example fails in turn: out of memory is "
	    "reported, never a crash or a wrong result");
	atf_tc_set_md_var(tc, "timeout", "600");
}
ATF_TC_BODY(alloc_failure_seed, tc)
{
	char *path, *buf;
	size_t len;

	path = srcfile(tc, "../../examples/freebsd-test.json");
	buf = slurp(path, &len);
	alloc_loop(buf, len, VMRUN_OK);
	free(buf);
	free(path);
}

ATF_TC(alloc_failure_rich);
ATF_TC_HEAD(alloc_failure_rich, tc)
{
	atf_tc_set_md_var(tc, "descr", "The same for a configuration using "
	    "most features, and for an invalid one");
	atf_tc_set_md_var(tc, "timeout", "600");
}
ATF_TC_BODY(alloc_failure_rich, tc)
{
	char *text;

	text = jq("{'name':'rich','cpu':{'sockets':1,'cores':2,'threads':2},"
	    "'mem':'1536M','com1':'/dev/nmdm0A','com2':'/dev/a,b',"
	    "'bootrom':'/fw/C%.fd','varfile':'/vm/v=1.fd',"
	    "'uuid':'01234567-89ab-cdef-0123-456789abcdef','gdb':'w1234',"
	    "'extra_options':'-w -x','post_start_script':['/bin/true','a'],"
	    "'reboot_on':[0,3],'max_reboots':5,"
	    "'restart_limit':{'count':3,'seconds':10},"
	    "'graphic':{'host':'::1','width':1024,'height':768,'vga':'on'},"
	    "'emulations':[{'device':'virtio-net','name':'tap0','id':'net',"
	    "'mac':'02:00:00:00:00:01'},{'device':'virtio-blk','path':"
	    "'/vm/a,b.img'},{'device':'ahci','ports':["
	    "{'type':'hd','path':'/a'},{'type':'cd','path':'/b%'}]},"
	    "{'device':'nvme','ram':64,'eui64':'0xAB'},{'device':'virtio-9p',"
	    "'sharename':'s=1','path':'/x'},{'device':'virtio-console',"
	    "'ports':['/s1',{'name':'n','path':'/s2'}]},{'device':'passthru',"
	    "'src':'2:0:0','slot':'1:0:0'},{'device':'raw','value':'xhci',"
	    "'id':'raw'}],'next_target':'boot','targets':{"
	    "'boot':{'loader':{'type':'bhyveload','disk':'/d','env':"
	    "{'a':'1'}},'bootrom':null,'varfile':null,'remove':['raw'],"
	    "'extra_options':null,'emulations':[{'device':'virtio-blk',"
	    "'id':'net','path':'/n'}]},"
	    "'default':{'mem':'2G','next_target':'boot','emulations':["
	    "{'device':'ahci-hd','path':'/h','bootindex':1}]}}}");
	alloc_loop(text, strlen(text), VMRUN_OK);
	free(text);

	text = jq("{'name':'-bad','cpu':0,'mem':'1.5G','nmae':1,"
	    "'com1':'stdio','com2':'stdio','emulations':[{'device':"
	    "'virtio-blk'},{'device':'virtio-rnd','slot':'0:0:0'}],"
	    "'targets':{'t':{'remove':['zz'],'name':'x'}}}");
	alloc_loop(text, strlen(text), VMRUN_ERR_INVALID);
	free(text);
}

/*
 * Load, resolve every target of, and render one input; whatever it is,
 * the result is a status of the contract and, on success, a complete
 * plan.  Under the sanitizer build this also catches leaks and overruns.
 */
static void
mutant_check(const char *buf, size_t len)
{
	struct vmrun_diags *ds;
	struct vmrun_config *cf;
	const struct vmrun_vm *vm;
	enum vmrun_status st;
	char **av, *text;
	size_t t;

	ds = vmrun_diags_new();
	ATF_REQUIRE(ds != NULL);
	st = vmrun_config_load(buf, len, ds, &cf);
	ATF_REQUIRE_MSG(st == VMRUN_OK || st == VMRUN_ERR_SYNTAX ||
	    st == VMRUN_ERR_INVALID, "status %d", (int)st);
	if (st != VMRUN_OK) {
		ATF_REQUIRE(vmrun_diags_errors(ds) > 0);
		ATF_REQUIRE(cf == NULL);
	}
	for (t = 0; cf != NULL && t < vmrun_config_ntargets(cf); t++) {
		ATF_REQUIRE(vmrun_config_resolve(cf,
		    vmrun_config_target(cf, t), &vm) == VMRUN_OK);
		st = vmrun_vm_bhyve_argv(vm, NULL, NULL, ds, &av);
		ATF_REQUIRE(st == VMRUN_OK || st == VMRUN_ERR_HOST);
		vmrun_argv_free(av);
		st = vmrun_vm_loader_argv(vm, NULL, &av);
		ATF_REQUIRE(st == VMRUN_OK);
		vmrun_argv_free(av);
		st = vmrun_vm_bhyve_config(vm, ds, &text);
		free(text);
		text = vmrun_vm_json(vm);
		ATF_REQUIRE(text != NULL);
		free(text);
	}
	text = vmrun_diags_json(ds, NULL);
	ATF_REQUIRE(text != NULL);
	free(text);
	vmrun_config_free(cf);
	vmrun_diags_free(ds);
}

ATF_TC(mutated_inputs);
ATF_TC_HEAD(mutated_inputs, tc)
{
	atf_tc_set_md_var(tc, "descr", "Every prefix of the seed example, "
	    "and the seed with each byte deleted or replaced by a JSON "
	    "delimiter, a NUL, a comma or a %%: never a crash, always a "
	    "status of the contract");
	atf_tc_set_md_var(tc, "timeout", "600");
}
ATF_TC_BODY(mutated_inputs, tc)
{
	static const char repl[] = "{}[],:\"\\%\0\n9-";
	char *path, *buf, *m;
	size_t len, i, j, n;

	path = srcfile(tc, "../../examples/freebsd-test.json");
	buf = slurp(path, &len);
	ATF_REQUIRE((m = malloc(len + 1)) != NULL);
	n = 0;
	for (i = 0; i <= len; i++) {
		mutant_check(buf, i);			/* truncated */
		if (i == len)
			break;
		memcpy(m, buf, i);			/* byte i deleted */
		memcpy(m + i, buf + i + 1, len - i - 1);
		mutant_check(m, len - 1);
		memcpy(m, buf, len);			/* byte i replaced */
		for (j = 0; j < sizeof(repl) - 1; j++) {
			m[i] = repl[j];
			mutant_check(m, len);
			n++;
		}
	}
	printf("%zu inputs\n", n + 2 * len + 1);
	free(m);
	free(buf);
	free(path);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, version_and_status);
	ATF_TP_ADD_TC(tp, null_arguments);
	ATF_TP_ADD_TC(tp, load_file);
	ATF_TP_ADD_TC(tp, target_listing);
	ATF_TP_ADD_TC(tp, default_target_replaces_base);
	ATF_TP_ADD_TC(tp, slot_map);
	ATF_TP_ADD_TC(tp, diags_json_shape);
	ATF_TP_ADD_TC(tp, vm_json_parses);
	ATF_TP_ADD_TC(tp, header_matches_map);
	ATF_TP_ADD_TC(tp, exported_symbols);
	ATF_TP_ADD_TC(tp, alloc_failure_seed);
	ATF_TP_ADD_TC(tp, alloc_failure_rich);
	ATF_TP_ADD_TC(tp, mutated_inputs);

	return (atf_no_error());
}

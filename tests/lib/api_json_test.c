/*
 * api_json_test: the JSON outputs of libvmrun's public contract (design
 * §9, include/vmrun.h): the diagnostics' shape, and a VM as JSON, read
 * back by jansson.  api_test checks the rest of the contract.
 *
 * JSON texts are written with ' for " to keep them readable.
 */

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>
/* jansson, not the library's own reader, reads what the library wrote. */
#include <jansson.h>

#include "vmrun_impl.h"
#include "testutil.h"
#include "cfgtext.h"

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

	path = layout_path(tc, "example");
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

/*
 * A supervisor runs once: its lock, pid files and requests belong to
 * that run.  The first run here ends at once (a stop asked before it);
 * the second is refused with 70 and says why, having started nothing.
 */
ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, diags_json_shape);
	ATF_TP_ADD_TC(tp, vm_json_parses);
	return (atf_no_error());
}

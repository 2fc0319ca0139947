/*
 * api_test: the public contract of libvmrun (design §9, include/vmrun.h):
 * argument handling, loading from files, targets and the slot map.
 * api_json_test checks the JSON outputs, api_symbols_test the exported
 * symbols of the shared library, api_alloc_test allocation failure and
 * mutated inputs.
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
	ATF_CHECK_STREQ("the VM is not running",
	    vmrun_strstatus(VMRUN_ERR_NOTRUNNING));
	ATF_CHECK_STREQ("the VM is stopping",
	    vmrun_strstatus(VMRUN_ERR_STOPPING));
	ATF_CHECK_STREQ("unknown status",
	    vmrun_strstatus((enum vmrun_status)(VMRUN_ERR_STOPPING + 1)));
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

/* How many diagnostics of ds have this code. */
static size_t
ncode_of(const struct vmrun_diags *ds, const char *code)
{
	size_t i, n;

	for (i = n = 0; i < vmrun_diags_count(ds); i++)
		if (strcmp(vmrun_diag_code(vmrun_diags_get(ds, i)), code) == 0)
			n++;
	return (n);
}

ATF_TC_WITHOUT_HEAD(load_file);
ATF_TC_BODY(load_file, tc)
{
	struct vmrun_config *cf;
	struct vmrun_diags *ds;
	const struct vmrun_diag *d;
	const char *cfgtext = "{\"name\":\"vm\",\"cpu\":1,\"mem\":\"1G\"}";
	char *path, *dir, msg[256];

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
	/* The message names the file: a caller may load several. */
	snprintf(msg, sizeof(msg), "/nonexistent/vm.json: %s",
	    strerror(ENOENT));
	ATF_CHECK_STREQ(msg, vmrun_diag_message(d));
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
	snprintf(msg, sizeof(msg), "%s: ", dir);
	ATF_CHECK_MSG(strncmp(msg, vmrun_diag_message(vmrun_diags_get(ds, 0)),
	    strlen(msg)) == 0, "%s", vmrun_diag_message(vmrun_diags_get(ds,
	    0)));
	vmrun_diags_free(ds);
	free(dir);

	/* The seed example. */
	path = layout_path(tc, "example");
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
	ATF_CHECK_STREQ("empty", vmrun_diag_code(vmrun_diags_get(ds, 0)));
	ATF_CHECK_EQ(0, vmrun_diag_line(vmrun_diags_get(ds, 0)));
	ATF_CHECK_EQ(0, vmrun_diag_column(vmrun_diags_get(ds, 0)));
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

ATF_TC_WITHOUT_HEAD(sup_runs_once);
ATF_TC_BODY(sup_runs_once, tc)
{
	static const char cfg[] = "{\"name\":\"once\",\"cpu\":1,"
	    "\"mem\":\"256M\"}";
	struct vmrun_config *cf;
	struct vmrun_opts *op;
	struct vmrun_diags *ds;
	struct vmrun_sup *su;
	size_t n;

	ATF_REQUIRE((ds = vmrun_diags_new()) != NULL);
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_config_load(cfg, strlen(cfg), ds,
	    &cf));
	ATF_REQUIRE((op = vmrun_opts_new()) != NULL);
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_opts_set_lockfile(op, "./once.pid"));
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_opts_set_control(op, ""));
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_opts_set_program(op,
	    VMRUN_PROG_BHYVE, "./no-bhyve"));
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_sup_new(cf, NULL, op, &su));
	vmrun_sup_signal(su, SIGTERM);
	ATF_CHECK_EQ(1, vmrun_sup_run(su, ds));
	ATF_CHECK_EQ(0, ncode_of(ds, "already-run"));
	n = vmrun_diags_count(ds);
	ATF_CHECK_EQ(70, vmrun_sup_run(su, ds));
	ATF_CHECK_EQ(n + 1, vmrun_diags_count(ds));
	ATF_CHECK_EQ(1, ncode_of(ds, "already-run"));
	/* Nothing was taken: the lock of the first run stays released. */
	ATF_CHECK(access("once.pid", F_OK) != 0);
	vmrun_sup_free(su);
	vmrun_opts_free(op);
	vmrun_config_free(cf);
	vmrun_diags_free(ds);
}

/*
 * vmrun_sup_lock takes the VM's lock ahead of the run: a second
 * supervisor of the VM is refused with 75 until the first one is freed.
 */
ATF_TC_WITHOUT_HEAD(sup_lock);
ATF_TC_BODY(sup_lock, tc)
{
	static const char cfg[] = "{\"name\":\"lt\",\"cpu\":1,\"mem\":\"256M\"}";
	struct vmrun_config *cf;
	struct vmrun_diags *ds;
	struct vmrun_opts *op;
	struct vmrun_sup *a, *b;

	ATF_REQUIRE((ds = vmrun_diags_new()) != NULL);
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_config_load(cfg, strlen(cfg), ds, &cf));
	ATF_REQUIRE((op = vmrun_opts_new()) != NULL);
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_opts_set_lockfile(op, "./lt.pid"));
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_sup_new(cf, NULL, op, &a));
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_sup_new(cf, NULL, op, &b));
	ATF_CHECK_EQ(70, vmrun_sup_lock(NULL, ds));
	ATF_CHECK_EQ(0, vmrun_sup_lock(a, ds));
	ATF_CHECK_MSG(access("./lt.pid", F_OK) == 0, "no lock file");
	ATF_CHECK_EQ(0, vmrun_sup_lock(a, ds));		/* held already */
	ATF_CHECK_EQ(0, vmrun_diags_count(ds));
	ATF_CHECK_EQ(75, vmrun_sup_lock(b, ds));
	ATF_REQUIRE_EQ(1, vmrun_diags_count(ds));
	ATF_CHECK_STREQ("vm-supervised", vmrun_diag_code(vmrun_diags_get(ds,
	    0)));
	vmrun_sup_free(a);
	ATF_CHECK_MSG(access("./lt.pid", F_OK) != 0, "the lock was left");
	ATF_CHECK_EQ(0, vmrun_sup_lock(b, ds));
	vmrun_sup_free(b);
	vmrun_opts_free(op);
	vmrun_config_free(cf);
	vmrun_diags_free(ds);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, version_and_status);
	ATF_TP_ADD_TC(tp, null_arguments);
	ATF_TP_ADD_TC(tp, load_file);
	ATF_TP_ADD_TC(tp, sup_runs_once);
	ATF_TP_ADD_TC(tp, target_listing);
	ATF_TP_ADD_TC(tp, default_target_replaces_base);
	ATF_TP_ADD_TC(tp, slot_map);
	ATF_TP_ADD_TC(tp, sup_lock);

	return (atf_no_error());
}

/*
 * api_alloc_test: libvmrun under stress (design §9): every allocation of
 * loading and rendering fails in turn, and mutated inputs are loaded and
 * rendered; the result is always a status of the contract, never a crash
 * or a wrong result.
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

	path = layout_path(tc, "example");
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
	    "'grub':{'loader':{'type':'grub','device_map':{'hd0':'/a'},"
	    "'commands':['boot']},'bootrom':null,'varfile':null},"
	    "'grub2':{'loader':{'type':'grub','root':'hd0,gpt2','console':"
	    "'/dev/nmdm0A'},'bootrom':null,'varfile':null},"
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

	path = layout_path(tc, "example");
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
	ATF_TP_ADD_TC(tp, alloc_failure_seed);
	ATF_TP_ADD_TC(tp, alloc_failure_rich);
	ATF_TP_ADD_TC(tp, mutated_inputs);

	return (atf_no_error());
}

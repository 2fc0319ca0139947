/*
 * config_targets_test: targets (design §3), validated at load time:
 * next_target, overlays on the base configuration, removing and
 * replacing devices, and the keys a target cannot change.
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

ATF_TC_WITHOUT_HEAD(next_target_exists);
ATF_TC_BODY(next_target_exists, tc)
{
	struct vmrun_config *cf;

	BADMSG("unknown-target@next_target: no target is named \"install\"",
	    "{" BASE ",'next_target':'install'}");
	BADMSG("unknown-target@targets.a.next_target: no target is named "
	    "\"c\"", "{" BASE ",'targets':{'a':{'next_target':'c'},"
	    "'b':{'next_target':'a'}}}");

	/* "default" always exists; next_target is not inherited (§3). */
	cf = LOAD("{" BASE ",'next_target':'install','targets':{"
	    "'install':{'next_target':'default'},'rescue':{},"
	    "'loop':{'next_target':'loop'}}}");
	ATF_CHECK_STREQ("install", vmrun_vm_next_target(resolve(cf, NULL)));
	ATF_CHECK_STREQ("default",
	    vmrun_vm_next_target(resolve(cf, "install")));
	ATF_CHECK(vmrun_vm_next_target(resolve(cf, "rescue")) == NULL);
	ATF_CHECK_STREQ("loop", vmrun_vm_next_target(resolve(cf, "loop")));
	vmrun_config_free(cf);
}

ATF_TC_WITHOUT_HEAD(target_overlays);
ATF_TC_BODY(target_overlays, tc)
{
	struct vmrun_config *cf;
	const struct vmrun_vm *vm;

	cf = LOAD("{" BASE ",'com1':'stdio','graphic':{},'uuid':"
	    "'01234567-89ab-cdef-0123-456789abcdef','utc_clock':false,"
	    "'extra_options':['-w'],'emulations':["
	    "{'device':'virtio-rnd','id':'r'}],'targets':{"
	    "'bare':{'graphic':null,'com1':null,'extra_options':null,"
	    "'utc_clock':null,'mem':'2G'},"
	    "'other':{'com2':'/dev/nmdm0A','cpu':2}}}");
	/* null removes an optional key; defaults then apply. */
	ARGV_EQ("bhyve -A -H -c cpus=1,sockets=1,cores=1,threads=1 -m 1G "
	    "-U 01234567-89ab-cdef-0123-456789abcdef -s 0:0:0,hostbridge "
	    "-s 0:1:0,virtio-rnd -s 0:2:0,fbuf,tcp=127.0.0.1:5900 "
	    "-s 0:3:0,xhci,tablet -s 0:31:0,lpc -l com1,stdio " ROM " -w vm",
	    cf, NULL);
	ARGV_EQ("bhyve -A -H -u -c cpus=1,sockets=1,cores=1,threads=1 -m 2G "
	    "-U 01234567-89ab-cdef-0123-456789abcdef -s 0:0:0,hostbridge "
	    "-s 0:1:0,virtio-rnd -s 0:31:0,lpc " ROM " vm", cf, "bare");
	/* Each target starts from the base, not from another target. */
	ARGV_EQ("bhyve -A -H -c cpus=2,sockets=1,cores=1,threads=2 -m 1G "
	    "-U 01234567-89ab-cdef-0123-456789abcdef -s 0:0:0,hostbridge "
	    "-s 0:1:0,virtio-rnd -s 0:2:0,fbuf,tcp=127.0.0.1:5900 "
	    "-s 0:3:0,xhci,tablet -s 0:31:0,lpc -l com1,stdio "
	    "-l com2,/dev/nmdm0A " ROM " -w vm", cf, "other");
	vm = resolve(cf, "bare");
	ATF_CHECK_STREQ("bare", vmrun_vm_target(vm));
	ATF_CHECK(vm->vm_graphic == NULL);
	ATF_CHECK(vm->vm_com[0] == NULL);
	vmrun_config_free(cf);

	/* cpu and mem cannot be removed: one error each, at the target. */
	BADMSG("required@targets.t.cpu: \"cpu\" is required and cannot be "
	    "removed\nrequired@targets.t.mem: \"mem\" is required and cannot "
	    "be removed", "{" BASE ",'targets':{'t':{'cpu':null,'mem':null}}}");
	/* null for a key the base does not set is harmless. */
	GOOD("", "{" BASE ",'targets':{'t':{'graphic':null,'loader':null}}}");
}

ATF_TC_WITHOUT_HEAD(target_remove_replace);
ATF_TC_BODY(target_remove_replace, tc)
{
	BADMSG("unknown-id@targets.t.remove[1]: no device of the base "
	    "configuration has id \"q\"", "{" BASE ",'emulations':["
	    "{'device':'virtio-rnd','id':'r'}],'targets':{'t':"
	    "{'remove':['r','q']}}}");
	BADMSG("conflict@targets.t.emulations[1]: this target both removes "
	    "and replaces device \"r\"", "{" BASE ",'emulations':["
	    "{'device':'virtio-rnd','id':'r'}],'targets':{'t':{'remove':['r'],"
	    "'emulations':[{'device':'virtio-rnd','id':'s'},"
	    "{'device':'virtio-blk','path':'/x','id':'r'}]}}}");
	BADMSG("wrong-type@targets.t.remove: expected an array of device ids, "
	    "not a string", "{" BASE ",'emulations':[{'device':'virtio-rnd',"
	    "'id':'r'}],'targets':{'t':{'remove':'r'}}}");
	BAD("wrong-type@targets.t.remove[0]", "{" BASE ",'targets':{'t':"
	    "{'remove':[1]}}}");
	BAD("wrong-type@targets.t.emulations", "{" BASE ",'targets':{'t':"
	    "{'emulations':{}}}}");
	/* Removing in one target and replacing in another is fine. */
	GOOD("", "{" BASE ",'emulations':[{'device':'virtio-rnd','id':'r'}],"
	    "'targets':{'a':{'remove':['r']},'b':{'emulations':["
	    "{'device':'virtio-rnd','id':'r'}]}}}");
	/* A replacement is validated under its own path. */
	BAD("missing-key@targets.t.emulations[0].path",
	    "{" BASE ",'emulations':[{'device':'virtio-rnd','id':'r'}],"
	    "'targets':{'t':{'emulations':[{'device':'virtio-blk',"
	    "'id':'r'}]}}}");
}

ATF_TC_WITHOUT_HEAD(target_fixed_keys);
ATF_TC_BODY(target_fixed_keys, tc)
{
	BADMSG("not-in-target@targets.t.name: a target cannot change "
	    "\"name\"", "{" BASE ",'targets':{'t':{'name':'other'}}}");
	BAD("not-in-target@targets.t.uuid", "{" BASE ",'targets':{'t':"
	    "{'uuid':'01234567-89ab-cdef-0123-456789abcdef'}}}");
	BAD("not-in-target@targets.t.hostbridge", "{" BASE ",'targets':{'t':"
	    "{'hostbridge':'amd_hostbridge'}}}");
	BAD("not-in-target@targets.t.lpc_slot", "{" BASE ",'targets':{'t':"
	    "{'lpc_slot':'0:30:0'}}}");
	BAD("not-in-target@targets.t.targets", "{" BASE ",'targets':{'t':"
	    "{'targets':{}}}}");
	BAD("not-in-target@targets.t.name\nnot-in-target@targets.t.uuid",
	    "{" BASE ",'targets':{'t':{'name':null,'uuid':null}}}");
	BAD("bad-name@targets[\"a.b\"]", "{" BASE ",'targets':{'a.b':{}}}");
	BAD("wrong-type@targets.t", "{" BASE ",'targets':{'t':[]}}");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, next_target_exists);
	ATF_TP_ADD_TC(tp, target_overlays);
	ATF_TP_ADD_TC(tp, target_remove_replace);
	ATF_TP_ADD_TC(tp, target_fixed_keys);

	return (atf_no_error());
}

/*
 * config_test: validation of a configuration (design §2, §3): every
 * problem is reported, all in one run, each with its stable code and
 * the JSON path of the setting.  This program covers the top-level keys
 * and the diagnostics as a whole; config_input_test the document itself,
 * config_targets_test the targets (validated at load time),
 * config_devices_test the devices.
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

ATF_TC_WITHOUT_HEAD(required_keys);
ATF_TC_BODY(required_keys, tc)
{
	BAD("missing-key@name\nmissing-key@cpu\nmissing-key@mem", "{}");
	BAD("missing-key@mem", "{'name':'vm','cpu':1}");
	BADMSG("missing-key@cpu: required key is missing",
	    "{'name':'vm','mem':'1G'}");
	GOOD("", "{" BASE "}");
}

ATF_TC_WITHOUT_HEAD(top_level_types);
ATF_TC_BODY(top_level_types, tc)
{
	BADMSG("wrong-type@name: expected a string, not an integer",
	    "{'name':5,'cpu':1,'mem':'1G'}");
	BADMSG("empty@name: must not be empty",
	    "{'name':'','cpu':1,'mem':'1G'}");
	BADMSG("wrong-type@cpu: expected an integer or an object, not a "
	    "string", "{'name':'vm','cpu':'2','mem':'1G'}");
	BADMSG("wrong-type@cpu: expected an integer or an object, not a "
	    "number with a fraction or exponent",
	    "{'name':'vm','cpu':1.0,'mem':'1G'}");
	BADMSG("wrong-type@mem: expected a string or an integer, not a "
	    "boolean", "{'name':'vm','cpu':1,'mem':true}");
	BAD("wrong-type@mem", "{'name':'vm','cpu':1,'mem':1e9}");
	BAD("wrong-type@bootrom", "{" BASE ",'bootrom':1}");
	BAD("empty@bootrom", "{" BASE ",'bootrom':''}");
	BAD("wrong-type@varfile", "{" BASE ",'varfile':[]}");
	BAD("wrong-type@varfile_template", "{" BASE ",'varfile':'/v',"
	    "'varfile_template':{}}");
	BAD("wrong-type@fwcfg", "{" BASE ",'fwcfg':true}");
	BAD("wrong-type@loader", "{" BASE ",'loader':'bhyveload'}");
	BAD("wrong-type@com1", "{" BASE ",'com1':1}");
	BAD("wrong-type@com4", "{" BASE ",'com4':null}");
	BAD("wrong-type@emulations", "{" BASE ",'emulations':{}}");
	BAD("wrong-type@graphic", "{" BASE ",'graphic':[]}");
	BAD("wrong-type@hostbridge", "{" BASE ",'hostbridge':0}");
	BAD("wrong-type@lpc_slot", "{" BASE ",'lpc_slot':31}");
	BAD("wrong-type@uuid", "{" BASE ",'uuid':1}");
	BAD("wrong-type@gdb", "{" BASE ",'gdb':true}");
	BADMSG("wrong-type@generate_acpi: expected a boolean, not a string",
	    "{" BASE ",'generate_acpi':'yes'}");
	BAD("wrong-type@power_off_destroy_vm",
	    "{" BASE ",'power_off_destroy_vm':1}");
	BAD("wrong-type@yield_on_hlt", "{" BASE ",'yield_on_hlt':null}");
	BAD("wrong-type@exit_on_pause", "{" BASE ",'exit_on_pause':'true'}");
	BAD("wrong-type@wire_guest_mem", "{" BASE ",'wire_guest_mem':0}");
	BAD("wrong-type@force_msi", "{" BASE ",'force_msi':[]}");
	BAD("wrong-type@disable_mptable_gen",
	    "{" BASE ",'disable_mptable_gen':{}}");
	BAD("wrong-type@utc_clock", "{" BASE ",'utc_clock':'false'}");
	BADMSG("wrong-type@extra_options: expected a string or an array, not "
	    "an integer", "{" BASE ",'extra_options':1}");
	BAD("wrong-type@post_start_script",
	    "{" BASE ",'post_start_script':{}}");
	BAD("wrong-type@reboot_on", "{" BASE ",'reboot_on':0}");
	BAD("wrong-type@max_reboots", "{" BASE ",'max_reboots':'3'}");
	BAD("wrong-type@max_reboots", "{" BASE ",'max_reboots':1.5}");
	BAD("wrong-type@restart_limit", "{" BASE ",'restart_limit':10}");
	BAD("wrong-type@next_target", "{" BASE ",'next_target':1}");
	BAD("wrong-type@targets", "{" BASE ",'targets':[]}");
}

ATF_TC_WITHOUT_HEAD(top_level_values);
ATF_TC_BODY(top_level_values, tc)
{
	BAD("bad-name@name", "{'name':'-vm','cpu':1,'mem':'1G'}");
	BAD("bad-name@name", "{'name':'a23456789012345678901234567890123',"
	    "'cpu':1,'mem':'1G'}");
	BADMSG("bad-value@fwcfg: \"uefi\": expected \"bhyve\" or \"qemu\"",
	    "{" BASE ",'fwcfg':'uefi'}");
	BAD("bad-backend@com1", "{" BASE ",'com1':'/dev/'}");
	BAD("bad-backend@com2", "{" BASE ",'com2':'tcp=localhost:4444'}");
	BAD("bad-backend@com3", "{" BASE ",'com3':'ttyu0'}");
	BAD("empty@com4", "{" BASE ",'com4':''}");
	BAD("bad-value@hostbridge", "{" BASE ",'hostbridge':'intel'}");
	BADMSG("bad-slot@lpc_slot: \"0x1f\" is not a PCI slot: expected "
	    "B:S:F, S:F or S in decimal (bus 0-255, slot 0-31, function 0-7)",
	    "{" BASE ",'lpc_slot':'0x1f'}");
	BADMSG("bad-slot@lpc_slot: the LPC bridge must be on bus 0",
	    "{" BASE ",'lpc_slot':'1:0:0'}");
	BAD("slot-conflict@lpc_slot", "{" BASE ",'lpc_slot':'0:0:0'}");
	BAD("bad-uuid@uuid", "{" BASE ",'uuid':'1234'}");
	BAD("out-of-range@gdb", "{" BASE ",'gdb':0}");
	BAD("bad-gdb@gdb", "{" BASE ",'gdb':'host:1234'}");
	BADMSG("empty@extra_options: must contain a word",
	    "{" BASE ",'extra_options':' \\t '}");
	BAD("wrong-type@extra_options[1]",
	    "{" BASE ",'extra_options':['-w',2]}");
	BAD("empty@extra_options[0]", "{" BASE ",'extra_options':['']}");
	BADMSG("empty@post_start_script: must name a program",
	    "{" BASE ",'post_start_script':[]}");
	BAD("empty@post_start_script", "{" BASE ",'post_start_script':''}");
	BADMSG("out-of-range@reboot_on[1]: 256 is not an exit status: "
	    "expected 0 to 255", "{" BASE ",'reboot_on':[0,256]}");
	BAD("out-of-range@reboot_on[0]", "{" BASE ",'reboot_on':[-1]}");
	BAD("wrong-type@reboot_on[0]", "{" BASE ",'reboot_on':['0']}");
	BADMSG("out-of-range@max_reboots: -1 is too small: the minimum is 0",
	    "{" BASE ",'max_reboots':-1}");
	BADMSG("out-of-range@restart_limit.count: 0 is out of range: "
	    "expected 1 to 2147483647",
	    "{" BASE ",'restart_limit':{'count':0,'seconds':60}}");
	BAD("missing-key@restart_limit.seconds",
	    "{" BASE ",'restart_limit':{'count':3}}");
	BAD("unknown-key@restart_limit.minutes",
	    "{" BASE ",'restart_limit':{'count':3,'seconds':1,'minutes':1}}");
	/* Not a target name, so no such target either. */
	BAD("bad-name@next_target\nunknown-target@next_target",
	    "{" BASE ",'next_target':'a.b'}");
	BAD("bad-name@targets[\"a b\"]", "{" BASE ",'targets':{'a b':{}}}");
	BAD("wrong-type@targets.t", "{" BASE ",'targets':{'t':true}}");
	/* Values at the edge of their ranges are fine. */
	GOOD("", "{" BASE ",'max_reboots':0,'reboot_on':[0,255],"
	    "'restart_limit':{'count':1,'seconds':1},'gdb':65535,"
	    "'lpc_slot':'0:31:7','extra_options':'-w','uuid':"
	    "'01234567-89ab-cdef-0123-456789ABCDEF'}");
}

ATF_TC_WITHOUT_HEAD(unknown_key_hint);
ATF_TC_BODY(unknown_key_hint, tc)
{
	BADMSG("unknown-key@nmae: unknown key; did you mean \"name\"?",
	    "{" BASE ",'nmae':'x'}");
	BADMSG("unknown-key@bootrmo: unknown key; did you mean \"bootrom\"?",
	    "{" BASE ",'bootrmo':'/x'}");
	BADMSG("unknown-key@memory: unknown key", "{" BASE ",'memory':'1G'}");
	BADMSG("unknown-key@xyzzy: unknown key", "{" BASE ",'xyzzy':1}");
	/* In a device, its own keys and the common ones are known. */
	BADMSG("unknown-key@emulations[0].pth: unknown key; did you mean "
	    "\"path\"?", "{" BASE ",'emulations':[{'device':'virtio-blk',"
	    "'path':'/d','pth':'/d'}]}");
	BADMSG("unknown-key@emulations[0].solt: unknown key; did you mean "
	    "\"slot\"?", "{" BASE ",'emulations':[{'device':'virtio-rnd',"
	    "'solt':'3'}]}");
	BADMSG("unknown-device@emulations[0].device: unknown device "
	    "\"virtio-blc\"; did you mean \"virtio-blk\"?",
	    "{" BASE ",'emulations':[{'device':'virtio-blc','path':'/d'}]}");
	BADMSG("unknown-device@emulations[0].device: unknown device "
	    "\"floppy\"", "{" BASE ",'emulations':[{'device':'floppy'}]}");
	/* In a target overlay the path names the target. */
	BADMSG("unknown-key@targets.t.utc_clok: unknown key; did you mean "
	    "\"utc_clock\"?", "{" BASE ",'targets':{'t':{'utc_clok':true}}}");
	/* Several unknown keys: each one reported. */
	BAD("unknown-key@a\nunknown-key@b", "{" BASE ",'a':1,'b':2}");
}

ATF_TC_WITHOUT_HEAD(cpu_forms);
ATF_TC_BODY(cpu_forms, tc)
{
	struct vmrun_config *cf;
	const struct vmrun_vm *vm;

	/* design §2.3: N is one socket, one core, N threads. */
	cf = LOAD("{'name':'vm','cpu':4,'mem':'1G'}");
	vm = resolve(cf, NULL);
	ATF_CHECK_EQ(1, vm->vm_sockets);
	ATF_CHECK_EQ(1, vm->vm_cores);
	ATF_CHECK_EQ(4, vm->vm_threads);
	ARGV_EQ("bhyve -A -H -u -c cpus=4,sockets=1,cores=1,threads=4 -m 1G "
	    "-s 0:0:0,hostbridge -s 0:31:0,lpc " ROM " vm", cf, NULL);
	vmrun_config_free(cf);

	cf = LOAD("{'name':'vm','cpu':{'sockets':2,'cores':3,'threads':2},"
	    "'mem':'1G','targets':{'one':{'cpu':1}}}");
	vm = resolve(cf, NULL);
	ATF_CHECK_EQ(2, vm->vm_sockets);
	ATF_CHECK_EQ(3, vm->vm_cores);
	ATF_CHECK_EQ(2, vm->vm_threads);
	ARGV_EQ("bhyve -A -H -u -c cpus=12,sockets=2,cores=3,threads=2 "
	    "-m 1G -s 0:0:0,hostbridge -s 0:31:0,lpc " ROM " vm", cf, NULL);
	ARGV_EQ("bhyve -A -H -u -c cpus=1,sockets=1,cores=1,threads=1 "
	    "-m 1G -s 0:0:0,hostbridge -s 0:31:0,lpc " ROM " vm", cf, "one");
	vmrun_config_free(cf);

	BADMSG("out-of-range@cpu: 0 vCPUs: expected 1 to 1024",
	    "{'name':'vm','cpu':0,'mem':'1G'}");
	BAD("out-of-range@cpu", "{'name':'vm','cpu':1025,'mem':'1G'}");
	BAD("missing-key@cpu.cores\nmissing-key@cpu.threads",
	    "{'name':'vm','cpu':{'sockets':1},'mem':'1G'}");
	BAD("out-of-range@cpu.threads",
	    "{'name':'vm','cpu':{'sockets':1,'cores':1,'threads':0},"
	    "'mem':'1G'}");
	BAD("wrong-type@cpu.sockets",
	    "{'name':'vm','cpu':{'sockets':'1','cores':1,'threads':1},"
	    "'mem':'1G'}");
	BADMSG("out-of-range@cpu: 8 sockets x 16 cores x 16 threads is 2048 "
	    "vCPUs: the limit is 1024",
	    "{'name':'vm','cpu':{'sockets':8,'cores':16,'threads':16},"
	    "'mem':'1G'}");
	BAD("out-of-range@targets.t.cpu",
	    "{" BASE ",'targets':{'t':{'cpu':2048}}}");
}

ATF_TC_WITHOUT_HEAD(mem_rules);
ATF_TC_BODY(mem_rules, tc)
{
	struct vmrun_config *cf;

	cf = LOAD("{'name':'vm','cpu':1,'mem':1610612736,"
	    "'targets':{'k':{'mem':'1048576K'},'m':{'mem':'1M'}}}");
	ATF_CHECK_EQ(1610612736ULL, resolve(cf, NULL)->vm_mem);
	ATF_CHECK_EQ(1ULL << 30, resolve(cf, "k")->vm_mem);
	ATF_CHECK_EQ(1ULL << 20, resolve(cf, "m")->vm_mem);
	ARGV_EQ("bhyve -A -H -u -c cpus=1,sockets=1,cores=1,threads=1 "
	    "-m 1536M -s 0:0:0,hostbridge -s 0:31:0,lpc " ROM " vm", cf, NULL);
	ARGV_EQ("bhyve -A -H -u -c cpus=1,sockets=1,cores=1,threads=1 "
	    "-m 1G -s 0:0:0,hostbridge -s 0:31:0,lpc " ROM " vm", cf, "k");
	vmrun_config_free(cf);

	BADMSG("bad-size@mem: memory must be a whole number of MiB",
	    "{'name':'vm','cpu':1,'mem':'1536K'}");
	BADMSG("bad-size@mem: memory must be at least 1 MiB",
	    "{'name':'vm','cpu':1,'mem':'512K'}");
	BAD("bad-size@mem", "{'name':'vm','cpu':1,'mem':0}");
	BAD("bad-size@mem", "{'name':'vm','cpu':1,'mem':1048577}");
	BADMSG("bad-size@mem: \"1.5G\" is not a size: expected a number "
	    "followed by K, M, G or T (e.g. \"512M\")",
	    "{'name':'vm','cpu':1,'mem':'1.5G'}");
	BAD("bad-size@mem", "{'name':'vm','cpu':1,'mem':'512'}");
	BADMSG("bad-size@mem: a size in bytes cannot be negative",
	    "{'name':'vm','cpu':1,'mem':-1048576}");
	BAD("bad-size@mem", "{'name':'vm','cpu':1,'mem':'99999999999999T'}");
	BAD("bad-size@targets.t.mem", "{" BASE ",'targets':{'t':"
	    "{'mem':'100K'}}}");
}

ATF_TC_WITHOUT_HEAD(stdio_once);
ATF_TC_BODY(stdio_once, tc)
{
	BADMSG("stdio-twice@com2: com1 already uses stdio; only one device "
	    "can", "{" BASE ",'com1':'stdio','com2':'stdio'}");
	BADMSG("stdio-twice@emulations[1].backend: com3 already uses stdio; "
	    "only one device can", "{" BASE ",'com3':'stdio','emulations':["
	    "{'device':'uart','backend':'/dev/nmdm1A'},"
	    "{'device':'uart','backend':'stdio'}]}");
	BAD("stdio-twice@emulations[1].backend",
	    "{" BASE ",'emulations':[{'device':'uart','backend':'stdio'},"
	    "{'device':'uart','backend':'stdio'}]}");
	/* A target that adds a second stdio user. */
	BAD("stdio-twice@targets.t.com2",
	    "{" BASE ",'com1':'stdio','targets':{'t':{'com2':'stdio'}}}");
	/* The loader's console runs before bhyve and does not count. */
	GOOD("", "{" BASE ",'com1':'stdio','loader':{'type':'bhyveload',"
	    "'disk':'/d','console':'stdio'}}");
	/* A target may move stdio from one port to another. */
	GOOD("", "{" BASE ",'com1':'stdio','targets':{'t':{'com1':null,"
	    "'com2':'stdio'}}}");
}

ATF_TC_WITHOUT_HEAD(loader_vs_bootrom);
ATF_TC_BODY(loader_vs_bootrom, tc)
{
	struct vmrun_config *cf;
	char **av;

	/* No loader, no bootrom: the default firmware. */
	cf = LOAD("{" BASE "}");
	ATF_CHECK_STREQ("/usr/local/share/uefi-firmware/BHYVE_UEFI.fd",
	    resolve(cf, NULL)->vm_bootrom);
	vmrun_config_free(cf);

	/* A loader: no bootrom at all, and no -l bootrom. */
	cf = LOAD("{" BASE ",'loader':{'type':'bhyveload','disk':'/d'},"
	    "'targets':{'uefi':{'loader':null,'bootrom':'/fw.fd'}}}");
	ATF_CHECK(resolve(cf, NULL)->vm_bootrom == NULL);
	ARGV_EQ("bhyve -A -H -u -c cpus=1,sockets=1,cores=1,threads=1 -m 1G "
	    "-s 0:0:0,hostbridge -s 0:31:0,lpc vm", cf, NULL);
	ATF_CHECK_EQ(VMRUN_OK, vmrun_vm_loader_argv(resolve(cf, NULL), NULL,
	    &av));
	ATF_CHECK(av != NULL);
	vmrun_argv_free(av);
	ARGV_EQ("bhyve -A -H -u -c cpus=1,sockets=1,cores=1,threads=1 -m 1G "
	    "-s 0:0:0,hostbridge -s 0:31:0,lpc -l bootrom,/fw.fd vm", cf,
	    "uefi");
	ATF_CHECK_EQ(VMRUN_OK, vmrun_vm_loader_argv(resolve(cf, "uefi"), NULL,
	    &av));
	ATF_CHECK(av == NULL);
	vmrun_config_free(cf);

	BADMSG("conflict@bootrom: a VM booted by a loader has no bootrom; "
	    "remove one of them", "{" BASE ",'bootrom':'/fw.fd',"
	    "'loader':{'type':'bhyveload','disk':'/d'}}");
	BAD("conflict@varfile", "{" BASE ",'varfile':'/v.fd',"
	    "'loader':{'type':'bhyveload','disk':'/d'}}");
	BAD("conflict@fwcfg", "{" BASE ",'fwcfg':'qemu',"
	    "'loader':{'type':'bhyveload','disk':'/d'}}");
	BAD("conflict@emulations[0].bootindex", "{" BASE ",'loader':"
	    "{'type':'bhyveload','disk':'/d'},'emulations':[{'device':"
	    "'virtio-blk','path':'/d','bootindex':0}]}");
	/* A target that switches to a loader must drop the bootrom. */
	BAD("conflict@bootrom", "{" BASE ",'bootrom':'/fw.fd','targets':{"
	    "'l':{'loader':{'type':'bhyveload','disk':'/d'}}}}");
	GOOD("", "{" BASE ",'bootrom':'/fw.fd','targets':{'l':{'loader':"
	    "{'type':'bhyveload','disk':'/d'},'bootrom':null}}}");
	/* The loader object itself. */
	BAD("missing-key@loader.type\nmissing-key@loader.disk",
	    "{" BASE ",'loader':{}}");
	BADMSG("bad-value@loader.type: \"grub2\": expected \"bhyveload\" or "
	    "\"grub\"", "{" BASE ",'loader':{'type':'grub2','disk':'/d'}}");
	/* grub has keys of its own, and bhyveload's are not among them. */
	BADMSG("unknown-key@loader.disk: a key of loader type \"bhyveload\", "
	    "not of \"grub\"", "{" BASE ",'loader':{'type':'grub',"
	    "'disk':'/d'}}");
	BADMSG("unknown-key@loader.root: a key of loader type \"grub\", not "
	    "of \"bhyveload\"", "{" BASE ",'loader':{'type':'bhyveload',"
	    "'disk':'/d','root':'hd0'}}");
	BAD("bad-backend@loader.console", "{" BASE ",'loader':"
	    "{'type':'bhyveload','disk':'/d','console':'tty0'}}");
	BAD("bad-value@loader.env[\"a=b\"]\nwrong-type@loader.env.n",
	    "{" BASE ",'loader':{'type':'bhyveload','disk':'/d',"
	    "'env':{'a=b':'c','n':1}}}");
	BAD("unknown-key@loader.kernel", "{" BASE ",'loader':"
	    "{'type':'bhyveload','disk':'/d','kernel':'/k'}}");
	BADMSG("missing-key@varfile_template: varfile_template needs varfile "
	    "(the copy to create)", "{" BASE ",'varfile_template':'/t.fd'}");
	BAD("conflict@emulations[0].bootindex", "{" BASE ",'fwcfg':'bhyve',"
	    "'emulations':[{'device':'virtio-blk','path':'/d',"
	    "'bootindex':1}]}");
}

ATF_TC_WITHOUT_HEAD(diag_groups);
ATF_TC_BODY(diag_groups, tc)
{
	struct vmrun_config *cf;
	struct vmrun_diags *ds;
	char *text;
	size_t i;
	static const char *const groups[] = {
		"lpc com1",
		"vm",
		"pci 0:1:0 virtio-net tap0",
		"pci 0:2:0 virtio-blk /d",
		"lpc bootrom",
	};

	text = jq("{" BASE ",'com1':'/dev/','varfile_template':'/t',"
	    "'emulations':[{'device':'virtio-net','name':'tap0',"
	    "'mac':'ff:ff:ff:ff:ff:ff'},{'device':'virtio-blk','path':'/d',"
	    "'ser':'123456789012345678901'}],'max_reboots':-1}");
	ATF_CHECK_EQ(VMRUN_ERR_INVALID, load_raw(text, strlen(text), &cf,
	    &ds));
	ATF_REQUIRE_EQ(5, vmrun_diags_count(ds));
	for (i = 0; i < 5; i++)
		ATF_CHECK_STREQ(groups[i],
		    vmrun_diag_group(vmrun_diags_get(ds, i)));
	vmrun_diags_free(ds);
	free(text);
}

ATF_TC_WITHOUT_HEAD(all_errors_in_one_run);
ATF_TC_BODY(all_errors_in_one_run, tc)
{
	struct vmrun_config *cf;
	struct vmrun_diags *ds;
	char *text, *dt;

	text = jq("{'name':'-bad','cpu':0,'mem':'1.5G','nmae':1,"
	    "'com1':'stdio','com2':'stdio','uuid':'x',"
	    "'emulations':[{'device':'virtio-blk'},"
	    "{'device':'virtio-net','name':'tap0','mac':'01:00:00:00:00:00'},"
	    "{'device':'virtio-rnd','slot':'0:0:0'},"
	    "{'device':'virtio-rnd','id':'r'}],"
	    "'next_target':'nope',"
	    "'targets':{'t':{'mem':'1K','remove':['zz','r'],"
	    "'name':'x'}}}");
	ATF_CHECK_EQ(VMRUN_ERR_INVALID, load_raw(text, strlen(text), &cf,
	    &ds));
	dt = diags_text(ds, DIAGS_CODES);
	ATF_CHECK_STREQ("unknown-key@nmae\n"
	    "bad-name@name\n"
	    "out-of-range@cpu\n"
	    "bad-size@mem\n"
	    "bad-uuid@uuid\n"
	    "missing-key@emulations[0].path\n"
	    "bad-mac@emulations[1].mac\n"
	    "stdio-twice@com2\n"
	    "not-in-target@targets.t.name\n"
	    "unknown-id@targets.t.remove[0]\n"
	    "bad-size@targets.t.mem\n"
	    "unknown-target@next_target\n"
	    "slot-conflict@emulations[2].slot", dt);
	ATF_CHECK_EQ(13, vmrun_diags_count(ds));
	ATF_CHECK_EQ(13, vmrun_diags_errors(ds));
	free(dt);
	vmrun_diags_free(ds);
	free(text);
}

ATF_TC_WITHOUT_HEAD(warnings_do_not_fail);
ATF_TC_BODY(warnings_do_not_fail, tc)
{
	struct vmrun_config *cf;
	struct vmrun_diags *ds;
	const struct vmrun_diag *d;
	char *text;

	text = jq("{" BASE ",'emulations':[{'device':'fbuf','vga':'on'}]}");
	ATF_CHECK_EQ(VMRUN_OK, load_raw(text, strlen(text), &cf, &ds));
	ATF_CHECK(cf != NULL);
	ATF_REQUIRE_EQ(1, vmrun_diags_count(ds));
	ATF_CHECK_EQ(0, vmrun_diags_errors(ds));
	d = vmrun_diags_get(ds, 0);
	ATF_CHECK_EQ(VMRUN_WARNING, vmrun_diag_severity(d));
	ATF_CHECK_STREQ("vga-on", vmrun_diag_code(d));
	ATF_CHECK_STREQ("emulations[0].vga", vmrun_diag_path(d));
	ATF_CHECK_STREQ("pci 0:1:0 fbuf 127.0.0.1:5900", vmrun_diag_group(d));
	vmrun_config_free(cf);
	vmrun_diags_free(ds);
	free(text);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, required_keys);
	ATF_TP_ADD_TC(tp, top_level_types);
	ATF_TP_ADD_TC(tp, top_level_values);
	ATF_TP_ADD_TC(tp, unknown_key_hint);
	ATF_TP_ADD_TC(tp, cpu_forms);
	ATF_TP_ADD_TC(tp, mem_rules);
	ATF_TP_ADD_TC(tp, stdio_once);
	ATF_TP_ADD_TC(tp, loader_vs_bootrom);
	ATF_TP_ADD_TC(tp, diag_groups);
	ATF_TP_ADD_TC(tp, all_errors_in_one_run);
	ATF_TP_ADD_TC(tp, warnings_do_not_fail);

	return (atf_no_error());
}

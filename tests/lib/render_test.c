/*
 * render_test: the bhyve and bhyveload command lines (design §5.1, §5.2):
 * the seed example, COM ports, the boot ROM, the TPM, flags and their order,
 * argv[0] and extra arguments.  render_devices_test covers the devices,
 * render_safety_test commas and '%' in values, render_config_test the
 * bhyve_config(5) text (§5.3).  Whole argument vectors are compared,
 * joined with blanks, against the expected command.
 *
 * JSON texts are written with ' for " to keep them readable.
 */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "vmrun.h"
#include "vmrun_impl.h"
#include "testutil.h"
#include "cfgtext.h"

ATF_TC_WITHOUT_HEAD(seed_example);
ATF_TC_BODY(seed_example, tc)
{
	struct vmrun_config *cf;
	struct vmrun_diags *ds;
	char *path, *got;

	/* examples/freebsd-test.json, exactly as vmrun -d prints it. */
	path = layout_path(tc, "example");
	ATF_REQUIRE((ds = vmrun_diags_new()) != NULL);
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_config_load_file(path, ds, &cf));
	ATF_CHECK_EQ(0, vmrun_diags_count(ds));
	got = bhyve_of(resolve(cf, NULL), NULL, NULL);
	ATF_CHECK_STREQ("/usr/sbin/bhyve -A -H -u -c cpus=2,sockets=1,"
	    "cores=1,threads=2 -m 512M -s 0:0:0,hostbridge "
	    "-s 0:1:0,virtio-net,tap3 -s 0:2:0,virtio-blk,disk.img "
	    "-s 0:31:0,lpc -l com1,stdio " ROM " freebsd-test", got);
	free(got);
	got = bhyve_of(resolve(cf, "install"), NULL, NULL);
	ATF_CHECK_STREQ("/usr/sbin/bhyve -A -H -u -c cpus=2,sockets=1,"
	    "cores=1,threads=2 -m 512M -s 0:0:0,hostbridge "
	    "-s 0:1:0,virtio-net,tap3 -s 0:2:0,virtio-blk,disk.img "
	    "-s 0:3:0,ahci-cd,FreeBSD-13.0-RELEASE-amd64-disc1.iso "
	    "-s 0:31:0,lpc -l com1,stdio " ROM " freebsd-test", got);
	free(got);
	got = loader_of(resolve(cf, "install"), NULL);
	ATF_CHECK_STREQ("(null)", got);
	free(got);
	vmrun_config_free(cf);
	vmrun_diags_free(ds);
	free(path);
}

ATF_TC_WITHOUT_HEAD(com_ports);
ATF_TC_BODY(com_ports, tc)
{
	/* com1..com4 in order, whatever the order of the keys. */
	RENDER_EQ(HDR "-s 0:31:0,lpc -l com1,stdio -l com2,/dev/nmdm2A "
	    "-l com3,tcp=127.0.0.1:4444 -l com4,tcp=[::1]:4445 " ROM " vm",
	    "{" BASE ",'com4':'tcp=[::1]:4445','com3':'tcp=127.0.0.1:4444',"
	    "'com2':'/dev/nmdm2A','com1':'stdio'}", NULL);
	/* A comma: -o lpc.comN.path instead of -l, in the same place. */
	RENDER_EQ(HDR "-s 0:31:0,lpc -l com1,stdio "
	    "-o lpc.com2.path=/dev/nmdm,2A -l com3,/dev/nmdm3A " ROM " vm",
	    "{" BASE ",'com1':'stdio','com2':'/dev/nmdm,2A',"
	    "'com3':'/dev/nmdm3A'}", NULL);
}

ATF_TC_WITHOUT_HEAD(bootrom_forms);
ATF_TC_BODY(bootrom_forms, tc)
{
	RENDER_EQ(HDR "-s 0:31:0,lpc -l bootrom,/fw/CODE.fd,/vm/VARS.fd vm",
	    "{" BASE ",'bootrom':'/fw/CODE.fd','varfile':'/vm/VARS.fd',"
	    "'varfile_template':'/fw/VARS.fd'}", NULL);
	/* A comma in either, or an '=' in VARS: the -o form. */
	RENDER_EQ(HDR "-s 0:31:0,lpc -o lpc.bootrom=/fw/a,b.fd vm",
	    "{" BASE ",'bootrom':'/fw/a,b.fd'}", NULL);
	RENDER_EQ(HDR "-s 0:31:0,lpc -o lpc.bootrom=/fw/a,b.fd "
	    "-o lpc.bootvars=/vm/VARS.fd vm",
	    "{" BASE ",'bootrom':'/fw/a,b.fd','varfile':'/vm/VARS.fd'}",
	    NULL);
	RENDER_EQ(HDR "-s 0:31:0,lpc -o lpc.bootrom=/fw/CODE.fd "
	    "-o lpc.bootvars=/vm/v,1.fd vm",
	    "{" BASE ",'bootrom':'/fw/CODE.fd','varfile':'/vm/v,1.fd'}", NULL);
	RENDER_EQ(HDR "-s 0:31:0,lpc -o lpc.bootrom=/fw/CODE.fd "
	    "-o lpc.bootvars=/vm/v=1.fd vm",
	    "{" BASE ",'bootrom':'/fw/CODE.fd','varfile':'/vm/v=1.fd'}", NULL);
	/* The ROM is the first token: an '=' there is harmless. */
	RENDER_EQ(HDR "-s 0:31:0,lpc -l bootrom,/fw/a=b.fd vm",
	    "{" BASE ",'bootrom':'/fw/a=b.fd'}", NULL);
	/* The -o form keeps fwcfg=qemu. */
	RENDER_EQ(HDR "-s 0:1:0,virtio-blk,/d,bootindex=0 -s 0:31:0,lpc "
	    "-o lpc.bootrom=/fw/CODE.fd -o lpc.bootvars=/vm/v,1.fd "
	    "-o lpc.fwcfg=qemu vm",
	    "{" BASE ",'bootrom':'/fw/CODE.fd','varfile':'/vm/v,1.fd',"
	    "'emulations':[{'device':'virtio-blk','path':'/d',"
	    "'bootindex':0}]}", NULL);
}

ATF_TC_WITHOUT_HEAD(fwcfg_qemu);
ATF_TC_BODY(fwcfg_qemu, tc)
{
	/* design §2.1: "qemu" when any device has a bootindex. */
	RENDER_EQ(HDR "-s 0:1:0,virtio-blk,/d,bootindex=1 -s 0:31:0,lpc "
	    ROM ",fwcfg=qemu vm", "{" BASE ",'emulations':[{'device':"
	    "'virtio-blk','path':'/d','bootindex':1}]}", NULL);
	RENDER_EQ(HDR "-s 0:1:0,ahci,hd:/a,cd:/b,bootindex=2 -s 0:31:0,lpc "
	    "-l bootrom,/fw/C.fd,/vm/V.fd,fwcfg=qemu vm",
	    "{" BASE ",'bootrom':'/fw/C.fd','varfile':'/vm/V.fd',"
	    "'emulations':[{'device':'ahci','ports':[{'type':'hd',"
	    "'path':'/a'},{'type':'cd','path':'/b','bootindex':2}]}]}",
	    NULL);
	RENDER_EQ(HDR TAILQ, "{" BASE ",'fwcfg':'qemu'}", NULL);
	/* "bhyve" is bhyve's own default: nothing to add. */
	RENDER_EQ(HDR TAIL, "{" BASE ",'fwcfg':'bhyve'}", NULL);
	/* Per target: only the target with the bootindex. */
	RENDER_EQ(HDR TAIL, "{" BASE ",'targets':{'t':{'emulations':["
	    "{'device':'virtio-blk','path':'/d','bootindex':0}]}}}", NULL);
	RENDER_EQ(HDR "-s 0:1:0,virtio-blk,/d,bootindex=0 " TAILQ,
	    "{" BASE ",'targets':{'t':{'emulations':["
	    "{'device':'virtio-blk','path':'/d','bootindex':0}]}}}", "t");
}

ATF_TC_WITHOUT_HEAD(flags_order);
ATF_TC_BODY(flags_order, tc)
{
	/* -A -D -H -P -S -W -Y -u, whatever the order of the keys. */
	RENDER_EQ("/usr/sbin/bhyve -A -D -H -P -S -W -Y -u -c cpus=1,"
	    "sockets=1,cores=1,threads=1 -m 1G -s 0:0:0,hostbridge " TAIL,
	    "{" BASE ",'utc_clock':true,'disable_mptable_gen':true,"
	    "'force_msi':true,'wire_guest_mem':true,'exit_on_pause':true,"
	    "'yield_on_hlt':true,'power_off_destroy_vm':true,"
	    "'generate_acpi':true}", NULL);
	RENDER_EQ("/usr/sbin/bhyve -c cpus=1,sockets=1,cores=1,threads=1 "
	    "-m 1G -s 0:0:0,hostbridge " TAIL,
	    "{" BASE ",'generate_acpi':false,'yield_on_hlt':false,"
	    "'utc_clock':false,'power_off_destroy_vm':false,"
	    "'exit_on_pause':false,'wire_guest_mem':false,'force_msi':false,"
	    "'disable_mptable_gen':false}", NULL);
	RENDER_EQ("/usr/sbin/bhyve -D -W -c cpus=1,sockets=1,cores=1,"
	    "threads=1 -m 1G -s 0:0:0,hostbridge " TAIL,
	    "{" BASE ",'generate_acpi':false,'yield_on_hlt':false,"
	    "'utc_clock':false,'power_off_destroy_vm':true,"
	    "'force_msi':true}", NULL);
	/* -G and -U after -m, before the devices. */
	RENDER_EQ("/usr/sbin/bhyve -A -H -u -c cpus=1,sockets=1,cores=1,"
	    "threads=1 -m 1G -G w127.0.0.1:1234 "
	    "-U 01234567-89ab-cdef-0123-456789abcdef -s 0:0:0,hostbridge "
	    TAIL, "{" BASE ",'uuid':'01234567-89ab-cdef-0123-456789abcdef',"
	    "'gdb':'w127.0.0.1:1234'}", NULL);
	RENDER_EQ("/usr/sbin/bhyve -A -H -u -c cpus=1,sockets=1,cores=1,"
	    "threads=1 -m 1G -G 1234 -s 0:0:0,hostbridge " TAIL,
	    "{" BASE ",'gdb':1234}", NULL);
	/* bhyve splits at the last ':' and wants no brackets. */
	RENDER_EQ("/usr/sbin/bhyve -A -H -u -c cpus=1,sockets=1,cores=1,"
	    "threads=1 -m 1G -G w::1:1234 -s 0:0:0,hostbridge " TAIL,
	    "{" BASE ",'gdb':'w[::1]:1234'}", NULL);
	/* amd_hostbridge and a moved LPC bridge. */
	RENDER_EQ("/usr/sbin/bhyve -A -H -u -c cpus=1,sockets=1,cores=1,"
	    "threads=1 -m 1G -s 0:0:0,amd_hostbridge -s 0:1:0,lpc "
	    "-s 0:2:0,virtio-rnd " ROM " vm",
	    "{" BASE ",'hostbridge':'amd_hostbridge','lpc_slot':'1',"
	    "'emulations':[{'device':'virtio-rnd'}]}", NULL);
	/* Devices sorted by bus:slot:function, pins included. */
	RENDER_EQ(HDR "-s 0:1:0,virtio-blk,/b -s 0:2:0,virtio-blk,/c "
	    "-s 0:5:1,virtio-rnd -s 0:5:2,virtio-blk,/a " TAIL,
	    "{" BASE ",'emulations':[{'device':'virtio-blk','path':'/a',"
	    "'slot':'5:2'},{'device':'virtio-blk','path':'/b'},"
	    "{'device':'virtio-rnd','slot':'0:5:1'},"
	    "{'device':'virtio-blk','path':'/c'}]}", NULL);
}

ATF_TC_WITHOUT_HEAD(argv0_and_extra);
ATF_TC_BODY(argv0_and_extra, tc)
{
	static const char *const extra[] = { "-o", "x=y z", "-w", NULL };
	static const char *const none[] = { NULL };
	struct vmrun_config *cf;
	const struct vmrun_vm *vm;
	char **av, *s;
	size_t n;

	cf = LOAD("{" BASE ",'extra_options':' -o  config.dump=1\\t-x ',"
	    "'targets':{'arr':{'extra_options':['-o','a=b c']}}}");
	vm = resolve(cf, NULL);
	/* extra_options, then the caller's extra arguments, then NAME. */
	s = bhyve_of(vm, "/opt/bhyve", extra);
	ATF_CHECK_STREQ("/opt/bhyve -A -H -u -c cpus=1,sockets=1,cores=1,"
	    "threads=1 -m 1G -s 0:0:0,hostbridge " "-s 0:31:0,lpc " ROM
	    " -o config.dump=1 -x -o x=y z -w vm", s);
	free(s);
	s = bhyve_of(vm, NULL, none);
	ATF_CHECK_STREQ(HDR "-s 0:31:0,lpc " ROM " -o config.dump=1 -x vm",
	    s);
	free(s);
	/* An array keeps its elements whole. */
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_vm_bhyve_argv(resolve(cf, "arr"), NULL,
	    extra, NULL, &av));
	for (n = 0; av[n] != NULL; n++)
		;
	ATF_REQUIRE(n > 6);
	ATF_CHECK_STREQ("-o", av[n - 6]);
	ATF_CHECK_STREQ("a=b c", av[n - 5]);
	ATF_CHECK_STREQ("-o", av[n - 4]);
	ATF_CHECK_STREQ("x=y z", av[n - 3]);
	ATF_CHECK_STREQ("-w", av[n - 2]);
	ATF_CHECK_STREQ("vm", av[n - 1]);
	vmrun_argv_free(av);
	vmrun_config_free(cf);
}

ATF_TC_WITHOUT_HEAD(bhyveload_argv);
ATF_TC_BODY(bhyveload_argv, tc)
{
	struct vmrun_config *cf;
	const struct vmrun_vm *vm;
	char **bav, **lav, *s;

	cf = LOAD("{'name':'fbsd','cpu':2,'mem':'1536M','loader':{"
	    "'type':'bhyveload','disk':'/vm/fbsd.img','console':"
	    "'/dev/nmdm0A','env':{'boot_verbose':'YES','vfs.root':'x y'},"
	    "'host_dir':'/vm/boot','loader':'/boot/userboot.so'},"
	    "'emulations':[{'device':'virtio-blk','path':'/vm/fbsd.img'}],"
	    "'targets':{'pt':{'emulations':[{'device':'passthru',"
	    "'src':'3:0:0'}],'loader':{'type':'bhyveload',"
	    "'disk':'/vm/%x.img'}},'uefi':{'loader':null}}}");
	vm = resolve(cf, NULL);
	s = loader_of(vm, NULL);
	ATF_CHECK_STREQ("/usr/sbin/bhyveload -m 1536M -c /dev/nmdm0A "
	    "-d /vm/fbsd.img -e boot_verbose=YES -e vfs.root=x y "
	    "-h /vm/boot -l /boot/userboot.so fbsd", s);
	free(s);
	s = loader_of(vm, "/opt/bhyveload");
	ATF_CHECK(strncmp(s, "/opt/bhyveload -m 1536M ", 24) == 0);
	free(s);

	/* -m (and -S) equal to bhyve's (design §5.2). */
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_vm_bhyve_argv(vm, NULL, NULL, NULL,
	    &bav));
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_vm_loader_argv(vm, NULL, &lav));
	ATF_CHECK_STREQ("-m", bav[6]);
	ATF_CHECK_STREQ("-m", lav[1]);
	ATF_CHECK_STREQ(bav[7], lav[2]);
	vmrun_argv_free(bav);
	vmrun_argv_free(lav);

	/* passthru: -S on both; default console stdio; no % escaping. */
	vm = resolve(cf, "pt");
	s = loader_of(vm, NULL);
	ATF_CHECK_STREQ("/usr/sbin/bhyveload -m 1536M -S -c stdio "
	    "-d /vm/%x.img fbsd", s);
	free(s);
	s = bhyve_of(vm, NULL, NULL);
	ATF_CHECK_STREQ("/usr/sbin/bhyve -A -H -S -u -c cpus=2,sockets=1,"
	    "cores=1,threads=2 -m 1536M -s 0:0:0,hostbridge "
	    "-s 0:1:0,virtio-blk,/vm/fbsd.img -s 0:2:0,passthru,3/0/0 "
	    "-s 0:31:0,lpc fbsd", s);
	free(s);

	/* No loader: VMRUN_OK and no vector. */
	lav = (char **)&lav;
	ATF_CHECK_EQ(VMRUN_OK, vmrun_vm_loader_argv(resolve(cf, "uefi"), NULL,
	    &lav));
	ATF_CHECK(lav == NULL);
	vmrun_config_free(cf);
}

/*
 * grub-bhyve (design §12.1): -m the run directory's device.map, -r the
 * root, -M and -S as bhyve's, -c for a console other than stdio (the
 * captured port's terminal for "capture"); with commands, the grub.cfg
 * beside the map, from the host.  The program: the one given, else the
 * configuration's "loader", else the default.
 */
ATF_TC_WITHOUT_HEAD(grub_argv);
ATF_TC_BODY(grub_argv, tc)
{
	struct vmrun_config *cf;
	const struct vmrun_vm *vm;
	char **av, *s;

	cf = LOAD("{'name':'lx','cpu':1,'mem':'2G','wire_guest_mem':true,"
	    "'com1':'capture','loader':{'type':'grub','console':'capture',"
	    "'directory':'/boot/grub2','config':'x.cfg'},'emulations':["
	    "{'device':'ahci-cd','path':'/i.iso'}],'targets':{'cmds':{"
	    "'loader':{'type':'grub','commands':['boot'],'loader':'/g'}},"
	    "'bl':{'loader':{'type':'bhyveload','disk':'/d',"
	    "'console':'capture'}}}}");
	vm = resolve(cf, NULL);
	ATF_CHECK_EQ(VMRUN_PROG_GRUB_BHYVE, vmrun_vm_loader_program(vm));
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_vm_loader_argv_run(vm, NULL, "/run/v",
	    "/dev/pts/7", &av));
	s = join(av);
	ATF_CHECK_STREQ("/usr/local/sbin/grub-bhyve -m /run/v/lx.device.map "
	    "-r cd0 -d /boot/grub2 -g x.cfg -c /dev/pts/7 -M 2G -S lx", s);
	free(s);
	vmrun_argv_free(av);
	s = loader_of(vm, "/opt/grub-bhyve");
	ATF_CHECK(strstr(s, "/opt/grub-bhyve -m ") == s);
	ATF_CHECK(strstr(s, " -c /dev/pts/N ") != NULL);
	free(s);

	vm = resolve(cf, "cmds");
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_vm_loader_argv_run(vm, NULL, "/run/v",
	    NULL, &av));
	s = join(av);
	ATF_CHECK_STREQ("/g -m /run/v/lx.device.map -r host -d /run/v "
	    "-g lx.grub.cfg -M 2G -S lx", s);
	free(s);
	vmrun_argv_free(av);

	vm = resolve(cf, "bl");
	ATF_CHECK_EQ(VMRUN_PROG_BHYVELOAD, vmrun_vm_loader_program(vm));
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_vm_loader_argv_run(vm, NULL, NULL,
	    "/dev/pts/7", &av));
	s = join(av);
	ATF_CHECK_STREQ("/usr/sbin/bhyveload -m 2G -S -c /dev/pts/7 -d /d lx",
	    s);
	free(s);
	vmrun_argv_free(av);

	ATF_CHECK_EQ(VMRUN_ERR_ARG, vmrun_vm_loader_argv_run(vm, NULL, "",
	    NULL, &av));
	ATF_CHECK_EQ(VMRUN_ERR_ARG, vmrun_vm_loader_argv_run(vm, NULL, NULL,
	    "", &av));
	ATF_CHECK_EQ(-1, vmrun_vm_loader_program(NULL));
	vmrun_config_free(cf);
}

/*
 * A rendered vector is one allocation (argv_pack): the pointers, then
 * the strings, each element pointing into it, so vmrun_argv_free is one
 * free (the leak checks of CI see the rest).
 */
ATF_TC_WITHOUT_HEAD(argv_one_block);
ATF_TC_BODY(argv_one_block, tc)
{
	const char *in[] = { "/usr/sbin/bhyve", "", "-s", "0:1:0,x y" };
	char **v, *lo, *hi;
	size_t i, n;

	n = sizeof(in) / sizeof(in[0]);
	ATF_REQUIRE((v = argv_pack(in, n)) != NULL);
	lo = (char *)(v + n + 1);
	hi = lo;
	for (i = 0; i < n; i++)
		hi += strlen(in[i]) + 1;
	for (i = 0; i < n; i++) {
		ATF_CHECK_STREQ(in[i], v[i]);
		ATF_CHECK(v[i] != in[i]);
		ATF_CHECK(v[i] >= lo && v[i] + strlen(v[i]) < hi);
	}
	ATF_CHECK(v[n] == NULL);
	vmrun_argv_free(v);
	ATF_REQUIRE((v = argv_pack(in, 0)) != NULL);
	ATF_CHECK(v[0] == NULL);
	vmrun_argv_free(v);
	vmrun_argv_free(NULL);
}

/* The captured port's terminal, joined; NULL when status is not want. */
static char *
tty_of(const struct vmrun_vm *vm, const char *tty, enum vmrun_status want)
{
	enum vmrun_status st;
	char **av, *s;

	st = vmrun_vm_bhyve_argv_tty(vm, NULL, NULL, tty, NULL, &av);
	ATF_CHECK_EQ_MSG(want, st, "tty \"%s\": %s", tty == NULL ? "(null)" :
	    tty, vmrun_strstatus(st));
	if (st != VMRUN_OK) {
		ATF_CHECK(av == NULL);
		return (NULL);
	}
	s = join(av);
	vmrun_argv_free(av);
	return (s);
}

/*
 * A captured COM port renders in bhyve's own form, "-l comN,TTY": with
 * the terminal the caller gives, else the placeholder /dev/pts/N (what
 * vmrun -d prints), never the word "capture", which bhyve would take
 * for a device path.
 */
ATF_TC_WITHOUT_HEAD(capture_tty);
ATF_TC_BODY(capture_tty, tc)
{
	struct vmrun_config *cf;
	const struct vmrun_vm *vm;
	char *got;

	cf = LOAD("{" BASE ",'com3':'capture','com1':'/dev/nmdm1A'}");
	vm = resolve(cf, NULL);
	ATF_CHECK_EQ(3, vmrun_vm_capture(vm));
	got = bhyve_of(vm, NULL, NULL);
	ATF_CHECK_STREQ(HDR "-s 0:31:0,lpc -l com1,/dev/nmdm1A "
	    "-l com3,/dev/pts/N " ROM " vm", got);
	free(got);
	got = tty_of(vm, NULL, VMRUN_OK);
	ATF_CHECK_STREQ(HDR "-s 0:31:0,lpc -l com1,/dev/nmdm1A "
	    "-l com3,/dev/pts/N " ROM " vm", got);
	free(got);
	got = tty_of(vm, "/dev/pts/7", VMRUN_OK);
	ATF_CHECK_STREQ(HDR "-s 0:31:0,lpc -l com1,/dev/nmdm1A "
	    "-l com3,/dev/pts/7 " ROM " vm", got);
	free(got);
	/* The caller's path gets the care of any backend: comma and '%'. */
	got = tty_of(vm, "/tmp/a,b%1", VMRUN_OK);
	ATF_CHECK_STREQ(HDR "-s 0:31:0,lpc -l com1,/dev/nmdm1A "
	    "-o lpc.com3.path=/tmp/a,b\\%1 " ROM " vm", got);
	free(got);
	/* No backend at all is no COM port bhyve can make. */
	ATF_CHECK(tty_of(vm, "", VMRUN_ERR_ARG) == NULL);
	vmrun_config_free(cf);

	/* A target that captures nothing ignores tty. */
	cf = LOAD("{" BASE ",'com1':'stdio'}");
	vm = resolve(cf, NULL);
	ATF_CHECK_EQ(0, vmrun_vm_capture(vm));
	got = tty_of(vm, "/dev/pts/7", VMRUN_OK);
	ATF_CHECK_STREQ(HDR "-s 0:31:0,lpc -l com1,stdio " ROM " vm", got);
	free(got);
	vmrun_config_free(cf);
	ATF_CHECK_EQ(0, vmrun_vm_capture(NULL));
}

/*
 * vmrun_argv_mask hides fbuf's password, in place, in both of bhyve's
 * forms, and nothing else: a path that merely holds "password=" is not
 * an option.
 */
ATF_TC_WITHOUT_HEAD(argv_mask);
ATF_TC_BODY(argv_mask, tc)
{
	static const struct {
		const char	*in;
		const char	*out;
		size_t		 n;
	} words[] = {
		{ "0:5:0,fbuf,tcp=127.0.0.1:5900,password=s3cret,wait",
		    "0:5:0,fbuf,tcp=127.0.0.1:5900,password=*,wait", 1 },
		{ "0:5:0,fbuf,password=a,password=bb",
		    "0:5:0,fbuf,password=*,password=*", 2 },
		{ "0:5:0,fbuf,tcp=127.0.0.1:5900,password=",
		    "0:5:0,fbuf,tcp=127.0.0.1:5900,password=", 0 },
		{ "pci.0.5.0.password=a,b=c", "pci.0.5.0.password=*", 1 },
		{ "password=x", "password=*", 1 },
		{ "pci.0.5.0.password=", "pci.0.5.0.password=", 0 },
		{ "pci.0.5.0.mypassword=x", "pci.0.5.0.mypassword=x", 0 },
		{ "pci.0.3.0.path=/vm/a,password=b",
		    "pci.0.3.0.path=/vm/a,password=b", 0 },
		{ "0:3:0,virtio-blk,/vm/password=b",
		    "0:3:0,virtio-blk,/vm/password=b", 0 },
		{ "0:3:0,virtio-blk,/vm/x.password=b",
		    "0:3:0,virtio-blk,/vm/x.password=b", 0 },
		{ "password", "password", 0 },
		{ "", "", 0 },
	};
	char *v[sizeof(words) / sizeof(words[0]) + 1];
	size_t i, n, want;

	for (want = i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		ATF_REQUIRE((v[i] = strdup(words[i].in)) != NULL);
		want += words[i].n;
		v[i + 1] = NULL;
		n = vmrun_argv_mask(v + i);
		ATF_CHECK_EQ_MSG(words[i].n, n, "%s: %zu masked", words[i].in,
		    n);
		ATF_CHECK_STREQ(words[i].out, v[i]);
	}
	/* A second pass finds the same passwords, and "*" stays "*". */
	ATF_CHECK_EQ(want, vmrun_argv_mask(v));
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		ATF_CHECK_STREQ(words[i].out, v[i]);
		free(v[i]);
	}
	ATF_CHECK_EQ(0, vmrun_argv_mask(NULL));
}

/*
 * A TPM after the boot ROM (design §12.3's order); swtpm's socket in the
 * run directory the caller gives, NAME.swtpm.sock, which must fit a UNIX
 * socket's path; vmrun_run_dir: the lock's directory.
 */
ATF_TC_WITHOUT_HEAD(tpm_socket);
ATF_TC_BODY(tpm_socket, tc)
{
	struct vmrun_config *cf;
	struct vmrun_diags *ds;
	char **argv, *got, buf[128], big[128];

	cf = load_ok(__FILE__, __LINE__, "{" BASE ",'com1':'stdio',"
	    "'tpm':{'type':'swtpm','state_dir':'/s'}}", true);
	ATF_REQUIRE((ds = vmrun_diags_new()) != NULL);
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_vm_bhyve_argv_run(resolve(cf, NULL),
	    NULL, NULL, NULL, "/r", ds, &argv));
	got = join(argv);
	ATF_CHECK_STREQ(HDR "-s 0:31:0,lpc -l com1,stdio " ROM
	    " -l tpm,swtpm,/r/vm.swtpm.sock vm", got);
	free(got);
	vmrun_argv_free(argv);
	/* 103 bytes fit; 104 would be cut short by bhyve: refused. */
	memset(big, 'd', sizeof(big));
	big[0] = '/';
	big[103 - strlen("/vm.swtpm.sock")] = '\0';
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_vm_bhyve_argv_run(resolve(cf, NULL),
	    NULL, NULL, NULL, big, ds, &argv));
	vmrun_argv_free(argv);
	ATF_CHECK_EQ(0, vmrun_diags_count(ds));
	strcat(big, "d");
	ATF_CHECK_EQ(VMRUN_ERR_HOST, vmrun_vm_bhyve_argv_run(resolve(cf,
	    NULL), NULL, NULL, NULL, big, ds, &argv));
	ATF_CHECK(argv == NULL);
	ATF_REQUIRE_EQ(1, vmrun_diags_count(ds));
	ATF_CHECK_STREQ("tpm-socket-long",
	    vmrun_diag_code(vmrun_diags_get(ds, 0)));
	ATF_CHECK_EQ(VMRUN_ERR_HOST, vmrun_vm_bhyve_config_run(resolve(cf,
	    NULL), big, ds, &got));
	vmrun_diags_free(ds);
	vmrun_config_free(cf);
	/* passthru: the device as given, version when given. */
	RENDER_EQ(HDR "-s 0:31:0,lpc " ROM
	    " -l tpm,passthru,/dev/tpm0,version=2.0 vm",
	    "{" BASE ",'tpm':{'type':'passthru','path':'/dev/tpm0',"
	    "'version':'2.0'}}", NULL);
	ATF_CHECK_STREQ("/run/x", vmrun_run_dir("/run/x/vm.pid", buf,
	    sizeof(buf)));
	ATF_CHECK_STREQ(".", vmrun_run_dir("vm.pid", buf, sizeof(buf)));
	ATF_CHECK_STREQ("/", vmrun_run_dir("/vm.pid", buf, sizeof(buf)));
	ATF_CHECK(vmrun_run_dir("/run/x/vm.pid", buf, 4) == NULL);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, tpm_socket);
	ATF_TP_ADD_TC(tp, seed_example);
	ATF_TP_ADD_TC(tp, com_ports);
	ATF_TP_ADD_TC(tp, bootrom_forms);
	ATF_TP_ADD_TC(tp, fwcfg_qemu);
	ATF_TP_ADD_TC(tp, flags_order);
	ATF_TP_ADD_TC(tp, argv0_and_extra);
	ATF_TP_ADD_TC(tp, bhyveload_argv);
	ATF_TP_ADD_TC(tp, argv_one_block);
	ATF_TP_ADD_TC(tp, capture_tty);
	ATF_TP_ADD_TC(tp, grub_argv);
	ATF_TP_ADD_TC(tp, argv_mask);

	return (atf_no_error());
}

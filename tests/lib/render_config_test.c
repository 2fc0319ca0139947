/*
 * render_config_test: the bhyve_config(5) text (design §5.3), and what
 * has no such form.
 *
 * JSON texts are written with ' for " to keep them readable.
 */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "vmrun.h"
#include "testutil.h"
#include "cfgtext.h"

/* The bhyve_config text of a target, or "status: diags" on failure. */
static char *
config_of(const struct vmrun_vm *vm)
{
	struct vmrun_diags *ds;
	enum vmrun_status st;
	char *text, *dt, *r;
	size_t len;

	if ((ds = vmrun_diags_new()) == NULL)
		atf_tc_fail("out of memory");
	text = (char *)&text;
	st = vmrun_vm_bhyve_config(vm, ds, &text);
	if (st == VMRUN_OK) {
		ATF_CHECK(text != NULL);
		ATF_CHECK_EQ(0, vmrun_diags_count(ds));
		vmrun_diags_free(ds);
		return (text);
	}
	ATF_CHECK(text == NULL);
	dt = diags_text(ds, DIAGS_MSGS);
	len = strlen(dt) + 64;
	if ((r = malloc(len)) == NULL)
		atf_tc_fail("out of memory");
	snprintf(r, len, "%s: %s", vmrun_strstatus(st), dt);
	free(dt);
	vmrun_diags_free(ds);
	return (r);
}

#define CONFIG_EQ(expected, cf, target) do {				\
	char *c_ = config_of(resolve(cf, target));			\
	ATF_CHECK_STREQ_MSG(expected, c_, "target %s", #target);	\
	free(c_);							\
} while (0)

ATF_TC_WITHOUT_HEAD(bhyve_config_text);
ATF_TC_BODY(bhyve_config_text, tc)
{
	struct vmrun_config *cf;

	cf = LOAD("{'name':'vm','cpu':{'sockets':1,'cores':2,'threads':2},"
	    "'mem':'2048M','com1':'stdio','com3':'/dev/nmdm,3A',"
	    "'bootrom':'/fw/C.fd','varfile':'/vm/V,1.fd',"
	    "'uuid':'01234567-89ab-cdef-0123-456789abcdef',"
	    "'gdb':'w127.0.0.1:1234','power_off_destroy_vm':true,"
	    "'utc_clock':false,'hostbridge':'amd_hostbridge',"
	    "'emulations':[{'device':'virtio-net','name':'tap0',"
	    "'mac':'02:00:00:00:00:01'},{'device':'virtio-blk',"
	    "'path':'/vm/a,b.img','ro':true,'bootindex':0},"
	    "{'device':'ahci-cd','path':'/iso/%(name).iso'},"
	    "{'device':'passthru','src':'2:0:1'}],"
	    "'graphic':{'port':5901}}");
	CONFIG_EQ("name=vm\n"
	    "cpus=4\nsockets=1\ncores=2\nthreads=2\n"
	    "memory.size=2G\n"
	    "acpi_tables=true\n"
	    "destroy_on_poweroff=true\n"
	    "x86.vmexit_on_hlt=true\n"
	    "memory.wired=true\n"
	    "uuid=01234567-89ab-cdef-0123-456789abcdef\n"
	    "gdb.wait=true\ngdb.address=127.0.0.1\ngdb.port=1234\n"
	    "pci.0.0.0.device=hostbridge\n"
	    "pci.0.0.0.pcireg.vendor=0x1022\n"
	    "pci.0.0.0.pcireg.device=0x7432\n"
	    "pci.0.1.0.device=virtio-net\n"
	    "pci.0.1.0.backend=tap0\n"
	    "pci.0.1.0.mac=02:00:00:00:00:01\n"
	    "pci.0.2.0.device=virtio-blk\n"
	    "pci.0.2.0.path=/vm/a,b.img\n"
	    "pci.0.2.0.ro=true\n"
	    "pci.0.2.0.bootindex=0\n"
	    "pci.0.3.0.device=ahci\n"
	    "pci.0.3.0.port.0.type=cd\n"
	    "pci.0.3.0.port.0.path=/iso/\\%(name).iso\n"
	    "pci.0.4.0.device=passthru\n"
	    "pci.0.4.0.bus=2\npci.0.4.0.slot=0\npci.0.4.0.func=1\n"
	    "pci.0.5.0.device=fbuf\n"
	    "pci.0.5.0.rfb=127.0.0.1:5901\n"
	    "pci.0.6.0.device=xhci\n"
	    "pci.0.6.0.slot.1.device=tablet\n"
	    "pci.0.31.0.device=lpc\n"
	    "lpc.com1.path=stdio\n"
	    "lpc.com3.path=/dev/nmdm,3A\n"
	    "lpc.bootrom=/fw/C.fd\n"
	    "lpc.bootvars=/vm/V,1.fd\n"
	    "lpc.fwcfg=qemu\n", cf, NULL);
	vmrun_config_free(cf);

	/* Everything off; a loader VM has no boot ROM keys. */
	cf = LOAD("{" BASE ",'generate_acpi':false,'yield_on_hlt':false,"
	    "'utc_clock':false,'gdb':5000,'loader':{'type':'bhyveload',"
	    "'disk':'/d'},'emulations':[{'device':'virtio-9p',"
	    "'sharename':'a=b','path':'/x','ro':true},"
	    "{'device':'virtio-console','ports':['/s']},"
	    "{'device':'nvme','ram':64,'eui64':16}]}");
	CONFIG_EQ("name=vm\n"
	    "cpus=1\nsockets=1\ncores=1\nthreads=1\n"
	    "memory.size=1G\n"
	    "gdb.port=5000\n"
	    "pci.0.0.0.device=hostbridge\n"
	    "pci.0.1.0.device=virtio-9p\n"
	    "pci.0.1.0.sharename=a=b\n"
	    "pci.0.1.0.path=/x\n"
	    "pci.0.1.0.ro=true\n"
	    "pci.0.2.0.device=virtio-console\n"
	    "pci.0.2.0.port.0.name=port1\n"
	    "pci.0.2.0.port.0.path=/s\n"
	    "pci.0.3.0.device=nvme\n"
	    "pci.0.3.0.ram=64\n"
	    "pci.0.3.0.eui64=0x10\n"
	    "pci.0.31.0.device=lpc\n", cf, NULL);
	vmrun_config_free(cf);

	/* gdb with an IPv6 address; a '%' escaped as on the command line. */
	cf = LOAD("{" BASE ",'gdb':'w[::1]:1234','com1':'/dev/nmdm%0A'}");
	CONFIG_EQ("name=vm\n"
	    "cpus=1\nsockets=1\ncores=1\nthreads=1\n"
	    "memory.size=1G\n"
	    "acpi_tables=true\n"
	    "x86.vmexit_on_hlt=true\n"
	    "rtc.use_localtime=false\n"
	    "gdb.wait=true\ngdb.address=::1\ngdb.port=1234\n"
	    "pci.0.0.0.device=hostbridge\n"
	    "pci.0.31.0.device=lpc\n"
	    "lpc.com1.path=/dev/nmdm\\%0A\n"
	    "lpc.bootrom=" ROMFILE "\n", cf, NULL);
	vmrun_config_free(cf);
}

ATF_TC_WITHOUT_HEAD(bhyve_config_refusals);
ATF_TC_BODY(bhyve_config_refusals, tc)
{
	struct vmrun_config *cf;
	char *text;

	cf = LOAD("{" BASE ",'emulations':[{'device':'virtio-rnd'},"
	    "{'device':'raw','value':'virtio-rnd','id':'r'}],"
	    "'targets':{'extra':{'extra_options':'-w','remove':['r']},"
	    "'both':{'extra_options':['-w']},"
	    "'none':{'remove':['r']},"
	    "'lookup':{'remove':['r'],'emulations':[{'device':'passthru',"
	    "'lookup':{'vendor':'0x15338086','device':'0x00008086'}}]}}}");
	CONFIG_EQ("not expressible: no-config-form@emulations[1]: a raw "
	    "device is a legacy option string and has no bhyve_config form",
	    cf, NULL);
	CONFIG_EQ("not expressible: no-config-form@extra_options: "
	    "extra_options are bhyve command-line arguments and have no "
	    "bhyve_config form", cf, "extra");
	CONFIG_EQ("not expressible: no-config-form@extra_options: "
	    "extra_options are bhyve command-line arguments and have no "
	    "bhyve_config form\nno-config-form@emulations[1]: a raw device "
	    "is a legacy option string and has no bhyve_config form",
	    cf, "both");
	CONFIG_EQ("the host cannot answer: passthru-lookup@targets.lookup."
	    "emulations[0]: passthru lookup cannot be resolved on this host",
	    cf, "lookup");
	CONFIG_EQ("name=vm\ncpus=1\nsockets=1\ncores=1\nthreads=1\n"
	    "memory.size=1G\nacpi_tables=true\nx86.vmexit_on_hlt=true\n"
	    "rtc.use_localtime=false\npci.0.0.0.device=hostbridge\n"
	    "pci.0.1.0.device=virtio-rnd\npci.0.31.0.device=lpc\n"
	    "lpc.bootrom=" ROMFILE "\n", cf, "none");
	/* diags may be NULL: the status alone. */
	text = (char *)&text;
	ATF_CHECK_EQ(VMRUN_ERR_UNSUPPORTED, vmrun_vm_bhyve_config(
	    resolve(cf, NULL), NULL, &text));
	ATF_CHECK(text == NULL);
	/* The command line can still say it. */
	text = bhyve_of(resolve(cf, "both"), "bhyve", NULL);
	ATF_CHECK_STREQ("bhyve -A -H -u -c cpus=1,sockets=1,cores=1,"
	    "threads=1 -m 1G -s 0:0:0,hostbridge -s 0:1:0,virtio-rnd "
	    "-s 0:2:0,virtio-rnd -s 0:31:0,lpc " ROM " -w vm", text);
	free(text);
	vmrun_config_free(cf);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, bhyve_config_text);
	ATF_TP_ADD_TC(tp, bhyve_config_refusals);

	return (atf_no_error());
}

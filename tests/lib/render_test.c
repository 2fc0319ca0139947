/*
 * render_test: the bhyve and bhyveload command lines (design §5.1, §5.2)
 * and the bhyve_config(5) text (§5.3).  Whole argument vectors are
 * compared, joined with blanks, against the expected command.
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

#define BASE	"'name':'vm','cpu':1,'mem':'1G'"
#define ROMFILE	"/usr/local/share/uefi-firmware/BHYVE_UEFI.fd"
#define ROM	"-l bootrom," ROMFILE
#define HDR	"/usr/sbin/bhyve -A -H -u -c cpus=1,sockets=1,cores=1," \
		"threads=1 -m 1G -s 0:0:0,hostbridge "
#define TAIL	"-s 0:31:0,lpc " ROM " vm"
#define TAILQ	"-s 0:31:0,lpc " ROM ",fwcfg=qemu vm"

/* A configuration that must load (warnings allowed). */
#define LOAD(json)	load_ok(__FILE__, __LINE__, json, false)

/* The bhyve command of a target, joined (new string). */
static char *
bhyve_of(const struct vmrun_vm *vm, const char *bhyve,
    const char *const *extra)
{
	struct vmrun_diags *ds;
	enum vmrun_status st;
	char **av, *s, *dt;

	if ((ds = vmrun_diags_new()) == NULL)
		atf_tc_fail("out of memory");
	st = vmrun_vm_bhyve_argv(vm, bhyve, extra, ds, &av);
	if (st != VMRUN_OK) {
		dt = diags_text(ds, DIAGS_MSGS);
		atf_tc_fail("render: %s\n%s", vmrun_strstatus(st), dt);
	}
	ATF_CHECK_EQ(0, vmrun_diags_count(ds));
	s = join(av);
	vmrun_argv_free(av);
	vmrun_diags_free(ds);
	return (s);
}

/* The bhyveload command of a target, joined (new string). */
static char *
loader_of(const struct vmrun_vm *vm, const char *bhyveload)
{
	enum vmrun_status st;
	char **av, *s;

	st = vmrun_vm_loader_argv(vm, bhyveload, &av);
	if (st != VMRUN_OK)
		atf_tc_fail("render loader: %s", vmrun_strstatus(st));
	s = join(av);
	vmrun_argv_free(av);
	return (s);
}

static void
render_eq(const char *file, size_t line, const char *expected,
    const char *json, const char *target)
{
	struct vmrun_config *cf;
	char *got;

	cf = load_ok(file, line, json, false);
	got = bhyve_of(resolve(cf, target), NULL, NULL);
	if (strcmp(expected, got) != 0)
		atf_tc_fail_check(file, line, "\nexpected: %s\n     got: %s",
		    expected, got);
	free(got);
	vmrun_config_free(cf);
}

/* The whole bhyve command of a configuration (target NULL: default). */
#define RENDER_EQ(expected, json, target) \
	render_eq(__FILE__, __LINE__, expected, json, target)

/* One device at 0:1:0: its -s (and -o) arguments between HDR and TAIL. */
#define DEV_EQ(expected, devjson) \
	RENDER_EQ(HDR expected " " TAIL, \
	    "{" BASE ",'emulations':[" devjson "]}", NULL)

/* The same for a device with a bootindex, which selects fwcfg=qemu. */
#define DEVQ_EQ(expected, devjson) \
	RENDER_EQ(HDR expected " " TAILQ, \
	    "{" BASE ",'emulations':[" devjson "]}", NULL)

ATF_TC_WITHOUT_HEAD(seed_example);
ATF_TC_BODY(seed_example, tc)
{
	struct vmrun_config *cf;
	struct vmrun_diags *ds;
	char *path, *got;

	/* examples/freebsd-test.json, exactly as vmrun -d prints it. */
	path = srcfile(tc, "../../examples/freebsd-test.json");
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

ATF_TC_WITHOUT_HEAD(net_devices);
ATF_TC_BODY(net_devices, tc)
{
	DEV_EQ("-s 0:1:0,virtio-net,tap0",
	    "{'device':'virtio-net','name':'tap0'}");
	DEV_EQ("-s 0:1:0,virtio-net,tap0,mac=02:00:00:00:00:01,mtu=9000",
	    "{'device':'virtio-net','mtu':9000,'name':'tap0',"
	    "'mac':'02:00:00:00:00:01'}");
	/* The original vmrun wrote mtu as a string. */
	DEV_EQ("-s 0:1:0,virtio-net,vmnet2,mtu=1500",
	    "{'device':'virtio-net','name':'vmnet2','mtu':'1500'}");
	DEV_EQ("-s 0:1:0,virtio-net,netgraph,path=vmbr:,peerhook=link2,"
	    "socket=vm0,hook=vmlink",
	    "{'device':'virtio-net','name':'netgraph','hook':'vmlink',"
	    "'socket':'vm0','peerhook':'link2','path':'vmbr:'}");
	DEV_EQ("-s 0:1:0,virtio-net,slirp,hostfwd=tcp::2222-:22,open",
	    "{'device':'virtio-net','name':'slirp','open':true,"
	    "'hostfwd':'tcp::2222-:22'}");
	DEV_EQ("-s 0:1:0,virtio-net,slirp",
	    "{'device':'virtio-net','name':'slirp','open':false}");
	DEV_EQ("-s 0:1:0,virtio-net,netmap:em0",
	    "{'device':'virtio-net','name':'netmap:em0'}");
	DEV_EQ("-s 0:1:0,e1000,vale0:1,mac=02:aa:bb:cc:dd:ee",
	    "{'device':'e1000','name':'vale0:1','mac':'02:aa:bb:cc:dd:ee'}");
	DEV_EQ("-s 0:1:0,e1000,tap7", "{'device':'e1000','name':'tap7',"
	    "'type':'tap'}");
}

ATF_TC_WITHOUT_HEAD(block_devices);
ATF_TC_BODY(block_devices, tc)
{
	DEV_EQ("-s 0:1:0,virtio-blk,/vm/d.img",
	    "{'device':'virtio-blk','path':'/vm/d.img'}");
	/* Every option, in the order of design §2.5, whatever the JSON. */
	DEVQ_EQ("-s 0:1:0,virtio-blk,/vm/d.img,ro,nocache,direct,nodelete,"
	    "sectorsize=512/4096,ser=SER01,bootindex=3",
	    "{'device':'virtio-blk','bootindex':3,'ser':'SER01',"
	    "'physical_sector_size':4096,'logical_sector_size':512,"
	    "'nodelete':true,'direct':true,'nocache':true,'ro':true,"
	    "'path':'/vm/d.img'}");
	DEV_EQ("-s 0:1:0,virtio-blk,/vm/d.img,sectorsize=4096",
	    "{'device':'virtio-blk','path':'/vm/d.img',"
	    "'logical_sector_size':4096,'ro':false}");
	DEVQ_EQ("-s 0:1:0,ahci-hd,/vm/h.img,nmrr=7200,ser=S2,rev=1.0,"
	    "model=Disk,ro,nocache,direct,nodelete,sectorsize=512/4096,"
	    "bootindex=0",
	    "{'device':'ahci-hd','path':'/vm/h.img','ro':true,'nocache':true,"
	    "'direct':true,'nodelete':true,'logical_sector_size':512,"
	    "'physical_sector_size':4096,'model':'Disk','rev':'1.0',"
	    "'ser':'S2','nmrr':7200,'bootindex':0}");
	DEV_EQ("-s 0:1:0,ahci-cd,/iso/install.iso,ro",
	    "{'device':'ahci-cd','path':'/iso/install.iso','ro':true}");
	DEV_EQ("-s 0:1:0,ahci,hd:/vm/a.img,ro,sectorsize=4096,cd:/iso/b.iso,"
	    "ser=CD1,hd:/vm/c.img",
	    "{'device':'ahci','ports':[{'type':'hd','path':'/vm/a.img',"
	    "'ro':true,'logical_sector_size':4096},{'type':'cd',"
	    "'path':'/iso/b.iso','ser':'CD1'},{'type':'hd',"
	    "'path':'/vm/c.img'}]}");
	DEV_EQ("-s 0:1:0,nvme,/vm/n.img,maxq=4,qsz=64,ioslots=8,sectsz=4096,"
	    "ser=NV1,eui64=0xabcdef0123456789,dsm=enable",
	    "{'device':'nvme','dsm':'enable','eui64':'0xABCDEF0123456789',"
	    "'ser':'NV1','sectsz':4096,'ioslots':8,'qsz':64,'maxq':4,"
	    "'path':'/vm/n.img'}");
	DEV_EQ("-s 0:1:0,nvme,ram=1024,eui64=0xff",
	    "{'device':'nvme','ram':1024,'eui64':255}");
	DEV_EQ("-s 0:1:0,nvme,ram=16,eui64=0x0",
	    "{'device':'nvme','ram':16,'eui64':'0x0'}");
	DEV_EQ("-s 0:1:0,virtio-scsi,/dev/cam/ctl",
	    "{'device':'virtio-scsi'}");
	DEV_EQ("-s 0:1:0,virtio-scsi,/dev/cam/ctl2.1,iid=3",
	    "{'device':'virtio-scsi','iid':3,'dev':'/dev/cam/ctl2.1'}");
}

ATF_TC_WITHOUT_HEAD(misc_devices);
ATF_TC_BODY(misc_devices, tc)
{
	DEV_EQ("-s 0:1:0,virtio-console,port1=/var/run/vm/c1,"
	    "org.qemu.guest_agent.0=/var/run/vm/qga,port3=/var/run/vm/c3",
	    "{'device':'virtio-console','ports':['/var/run/vm/c1',"
	    "{'name':'org.qemu.guest_agent.0','path':'/var/run/vm/qga'},"
	    "'/var/run/vm/c3']}");
	DEV_EQ("-s 0:1:0,virtio-rnd", "{'device':'virtio-rnd'}");
	DEV_EQ("-s 0:1:0,virtio-9p,share=/export/share",
	    "{'device':'virtio-9p','sharename':'share',"
	    "'path':'/export/share'}");
	DEV_EQ("-s 0:1:0,virtio-9p,share=/export/share,ro",
	    "{'device':'virtio-9p','ro':true,'sharename':'share',"
	    "'path':'/export/share'}");
	DEV_EQ("-s 0:1:0,virtio-input,/dev/input/event0",
	    "{'device':'virtio-input','path':'/dev/input/event0'}");
	DEV_EQ("-s 0:1:0,hda,play=/dev/dsp0,rec=/dev/dsp1",
	    "{'device':'hda','rec':'/dev/dsp1','play':'/dev/dsp0'}");
	DEV_EQ("-s 0:1:0,hda,rec=/dev/dsp1",
	    "{'device':'hda','rec':'/dev/dsp1'}");
	DEV_EQ("-s 0:1:0,uart,/dev/nmdm1A",
	    "{'device':'uart','backend':'/dev/nmdm1A'}");
	DEV_EQ("-s 0:1:0,uart,tcp=[::1]:4444",
	    "{'device':'uart','backend':'tcp=[::1]:4444'}");
	/* raw: the text after "slot," verbatim, commas and % included. */
	DEV_EQ("-s 0:1:0,virtio-blk,/a,b%(name)\\x",
	    "{'device':'raw','value':'virtio-blk,/a,b%(name)\\\\x'}");
}

ATF_TC_WITHOUT_HEAD(passthru_device);
ATF_TC_BODY(passthru_device, tc)
{
	struct vmrun_config *cf;
	struct vmrun_diags *ds;
	const struct vmrun_diag *d;
	char **av;

	/* Host B:S:F in bhyve's B/S/F form; -S is forced (design §2.1). */
	RENDER_EQ("/usr/sbin/bhyve -A -H -S -u -c cpus=1,sockets=1,cores=1,"
	    "threads=1 -m 1G -s 0:0:0,hostbridge -s 0:1:0,passthru,2/0/1 "
	    TAIL, "{" BASE ",'wire_guest_mem':false,'emulations':["
	    "{'device':'passthru','src':'2:0:1'}]}", NULL);
	RENDER_EQ("/usr/sbin/bhyve -A -H -S -u -c cpus=1,sockets=1,cores=1,"
	    "threads=1 -m 1G -s 0:0:0,hostbridge "
	    "-s 0:1:0,passthru,0/5/0,rom=/vm/gpu.rom " TAIL,
	    "{" BASE ",'emulations':[{'device':'passthru','src':'5',"
	    "'rom':'/vm/gpu.rom'}]}", NULL);

	/* lookup needs the host; where it cannot answer: a diagnostic. */
	cf = LOAD("{" BASE ",'emulations':[{'device':'passthru','lookup':"
	    "{'vendor':'0x15338086','device':'0x00008086'}}]}");
	ATF_REQUIRE((ds = vmrun_diags_new()) != NULL);
	av = (char **)&av;
	ATF_CHECK_EQ(VMRUN_ERR_HOST, vmrun_vm_bhyve_argv(resolve(cf, NULL),
	    NULL, NULL, ds, &av));
	ATF_CHECK(av == NULL);
	ATF_REQUIRE_EQ(1, vmrun_diags_count(ds));
	d = vmrun_diags_get(ds, 0);
	ATF_CHECK_STREQ("passthru-lookup", vmrun_diag_code(d));
	ATF_CHECK_STREQ("emulations[0].lookup", vmrun_diag_path(d));
	ATF_CHECK_STREQ("passthru device 0x15338086/0x00008086 cannot be "
	    "looked up on this host", vmrun_diag_message(d));
	ATF_CHECK(vmrun_diag_fix(d) != NULL);
	vmrun_diags_free(ds);
	/* diags may be NULL: the status alone. */
	ATF_CHECK_EQ(VMRUN_ERR_HOST, vmrun_vm_bhyve_argv(resolve(cf, NULL),
	    NULL, NULL, NULL, &av));
	ATF_CHECK(av == NULL);
	vmrun_config_free(cf);
}

ATF_TC_WITHOUT_HEAD(fbuf_device);
ATF_TC_BODY(fbuf_device, tc)
{
	DEV_EQ("-s 0:1:0,fbuf,tcp=127.0.0.1:5900", "{'device':'fbuf'}");
	DEV_EQ("-s 0:1:0,fbuf,tcp=0.0.0.0:5901,w=1920,h=1080,vga=off,"
	    "password=secret,wait",
	    "{'device':'fbuf','wait':true,'password':'secret','vga':'off',"
	    "'height':1080,'width':1920,'port':5901,'host':'0.0.0.0'}");
	/* IPv6 hosts in brackets. */
	DEV_EQ("-s 0:1:0,fbuf,tcp=[::1]:5900",
	    "{'device':'fbuf','host':'::1'}");
	DEV_EQ("-s 0:1:0,fbuf,tcp=[2001:db8::5]:5902,vga=io",
	    "{'device':'fbuf','host':'2001:db8::5','port':5902,'vga':'io'}");
	DEV_EQ("-s 0:1:0,xhci,tablet", "{'device':'xhci'}");
	/* graphic: fbuf, then the tablet, after the emulations. */
	RENDER_EQ(HDR "-s 0:1:0,virtio-rnd -s 0:2:0,fbuf,tcp=[::1]:5900,"
	    "w=800,h=600,wait -s 0:3:0,xhci,tablet " TAIL,
	    "{" BASE ",'graphic':{'host':'::1','width':800,'height':600,"
	    "'wait':true},'emulations':[{'device':'virtio-rnd'}]}", NULL);
	RENDER_EQ(HDR "-s 0:1:0,fbuf,tcp=127.0.0.1:5900 " TAIL,
	    "{" BASE ",'graphic':{'xhci_table':false}}", NULL);
}

ATF_TC_WITHOUT_HEAD(comma_safety);
ATF_TC_BODY(comma_safety, tc)
{
	/* design §5.1: -s B:S:F,DEVICE then one -o per option. */
	DEV_EQ("-s 0:1:0,virtio-blk -o pci.0.1.0.path=/vm/a,b",
	    "{'device':'virtio-blk','path':'/vm/a,b'}");
	DEVQ_EQ("-s 0:1:0,virtio-blk -o pci.0.1.0.path=/vm/a,ro "
	    "-o pci.0.1.0.nocache=true -o pci.0.1.0.sectorsize=512/4096 "
	    "-o pci.0.1.0.ser=S1 -o pci.0.1.0.bootindex=1",
	    "{'device':'virtio-blk','path':'/vm/a,ro','nocache':true,"
	    "'logical_sector_size':512,'physical_sector_size':4096,"
	    "'ser':'S1','bootindex':1}");
	/* A comma in any value, not only the path. */
	DEV_EQ("-s 0:1:0,virtio-blk -o pci.0.1.0.path=/vm/d.img "
	    "-o pci.0.1.0.ser=A,B",
	    "{'device':'virtio-blk','path':'/vm/d.img','ser':'A,B'}");
	/* ahci-cd is the ahci device with one CD port. */
	DEV_EQ("-s 0:1:0,ahci -o pci.0.1.0.port.0.type=cd "
	    "-o pci.0.1.0.port.0.path=/iso/a,b.iso",
	    "{'device':'ahci-cd','path':'/iso/a,b.iso'}");
	DEV_EQ("-s 0:1:0,ahci -o pci.0.1.0.port.0.type=hd "
	    "-o pci.0.1.0.port.0.path=/vm/h,1.img -o pci.0.1.0.port.0.ser=X "
	    "-o pci.0.1.0.port.0.ro=true",
	    "{'device':'ahci-hd','path':'/vm/h,1.img','ro':true,'ser':'X'}");
	DEV_EQ("-s 0:1:0,ahci -o pci.0.1.0.port.0.type=hd "
	    "-o pci.0.1.0.port.0.path=/vm/a.img -o pci.0.1.0.port.1.type=cd "
	    "-o pci.0.1.0.port.1.path=/iso/x,cd:y.iso",
	    "{'device':'ahci','ports':[{'type':'hd','path':'/vm/a.img'},"
	    "{'type':'cd','path':'/iso/x,cd:y.iso'}]}");
	DEV_EQ("-s 0:1:0,nvme -o pci.0.1.0.path=/vm/n,1 -o pci.0.1.0.maxq=2",
	    "{'device':'nvme','path':'/vm/n,1','maxq':2}");
	/* 9p: an '=' in the share name would end it. */
	DEV_EQ("-s 0:1:0,virtio-9p -o pci.0.1.0.sharename=a=b "
	    "-o pci.0.1.0.path=/export",
	    "{'device':'virtio-9p','sharename':'a=b','path':'/export'}");
	DEV_EQ("-s 0:1:0,virtio-9p -o pci.0.1.0.sharename=s "
	    "-o pci.0.1.0.path=/export/a,b -o pci.0.1.0.ro=true",
	    "{'device':'virtio-9p','sharename':'s','path':'/export/a,b',"
	    "'ro':true}");
	/* virtio-console: so would an '=' in a port name. */
	DEV_EQ("-s 0:1:0,virtio-console -o pci.0.1.0.port.0.name=port1 "
	    "-o pci.0.1.0.port.0.path=/s1 -o pci.0.1.0.port.1.name=a=b "
	    "-o pci.0.1.0.port.1.path=/s2",
	    "{'device':'virtio-console','ports':['/s1',{'name':'a=b',"
	    "'path':'/s2'}]}");
	DEV_EQ("-s 0:1:0,virtio-console -o pci.0.1.0.port.0.name=port1 "
	    "-o pci.0.1.0.port.0.path=/run/a,b",
	    "{'device':'virtio-console','ports':['/run/a,b']}");
	/* An '=' in a path is fine in the legacy form. */
	DEV_EQ("-s 0:1:0,virtio-9p,s=/export/a=b",
	    "{'device':'virtio-9p','sharename':'s','path':'/export/a=b'}");
	DEV_EQ("-s 0:1:0,virtio-blk,/vm/a=b",
	    "{'device':'virtio-blk','path':'/vm/a=b'}");
	DEV_EQ("-s 0:1:0,virtio-net -o pci.0.1.0.backend=slirp "
	    "-o pci.0.1.0.hostfwd=tcp::22-:22,x",
	    "{'device':'virtio-net','name':'slirp','hostfwd':'tcp::22-:22,x'}");
	DEV_EQ("-s 0:1:0,fbuf -o pci.0.1.0.rfb=127.0.0.1:5900 "
	    "-o pci.0.1.0.password=a,b -o pci.0.1.0.wait=true",
	    "{'device':'fbuf','password':'a,b','wait':true}");
	DEV_EQ("-s 0:1:0,hda -o pci.0.1.0.play=/dev/dsp,0",
	    "{'device':'hda','play':'/dev/dsp,0'}");
	DEV_EQ("-s 0:1:0,uart -o pci.0.1.0.path=/dev/nmdm,1A",
	    "{'device':'uart','backend':'/dev/nmdm,1A'}");
	DEV_EQ("-s 0:1:0,virtio-input -o pci.0.1.0.path=/dev/input/a,b",
	    "{'device':'virtio-input','path':'/dev/input/a,b'}");
	DEV_EQ("-s 0:1:0,virtio-scsi -o pci.0.1.0.dev=/dev/cam/a,b "
	    "-o pci.0.1.0.iid=1",
	    "{'device':'virtio-scsi','dev':'/dev/cam/a,b','iid':1}");
	RENDER_EQ("/usr/sbin/bhyve -A -H -S -u -c cpus=1,sockets=1,cores=1,"
	    "threads=1 -m 1G -s 0:0:0,hostbridge -s 0:1:0,passthru "
	    "-o pci.0.1.0.bus=2 -o pci.0.1.0.slot=0 -o pci.0.1.0.func=1 "
	    "-o pci.0.1.0.rom=/vm/a,b.rom " TAIL, "{" BASE ",'emulations':["
	    "{'device':'passthru','src':'2:0:1','rom':'/vm/a,b.rom'}]}", NULL);
	/* The -o form is per device: its neighbours stay legacy. */
	RENDER_EQ(HDR "-s 0:1:0,virtio-rnd -s 0:2:0,virtio-blk "
	    "-o pci.0.2.0.path=/a,b -s 0:3:0,virtio-blk,/c " TAIL,
	    "{" BASE ",'emulations':[{'device':'virtio-rnd'},"
	    "{'device':'virtio-blk','path':'/a,b'},"
	    "{'device':'virtio-blk','path':'/c'}]}", NULL);
	/* On another bus the -o keys name that bus. */
	RENDER_EQ("/usr/sbin/bhyve -A -H -Y -u -c cpus=1,sockets=1,cores=1,"
	    "threads=1 -m 1G -s 0:0:0,hostbridge " "-s 0:31:0,lpc "
	    "-s 3:4:5,virtio-blk -o pci.3.4.5.path=/a,b " ROM " vm",
	    "{" BASE ",'emulations':[{'device':'virtio-blk','path':'/a,b',"
	    "'slot':'3:4:5'}]}", NULL);
}

ATF_TC_WITHOUT_HEAD(percent_escaping);
ATF_TC_BODY(percent_escaping, tc)
{
	/* design §5.1: with a '%', every '\' and '%' gets a '\'. */
	DEV_EQ("-s 0:1:0,virtio-blk,/zvol/\\%(name)",
	    "{'device':'virtio-blk','path':'/zvol/%(name)'}");
	DEV_EQ("-s 0:1:0,virtio-blk,/a\\\\\\\\b\\%",
	    "{'device':'virtio-blk','path':'/a\\\\\\\\b%'}");
	/* Without '%' backslashes stay as they are. */
	DEV_EQ("-s 0:1:0,virtio-blk,/a\\\\b",
	    "{'device':'virtio-blk','path':'/a\\\\\\\\b'}");
	/* Each value on its own. */
	DEV_EQ("-s 0:1:0,virtio-blk,/a\\b,ser=\\%1",
	    "{'device':'virtio-blk','path':'/a\\\\b','ser':'%1'}");
	/* In the -o form too. */
	DEV_EQ("-s 0:1:0,virtio-blk -o pci.0.1.0.path=/a,\\%b\\\\",
	    "{'device':'virtio-blk','path':'/a,%b\\\\'}");
	DEV_EQ("-s 0:1:0,virtio-console,port1=/run/\\%c",
	    "{'device':'virtio-console','ports':['/run/%c']}");
	/* A console port or 9p share name is a value to bhyve too. */
	DEV_EQ("-s 0:1:0,virtio-console,a\\%b=/run/c",
	    "{'device':'virtio-console','ports':[{'name':'a%b',"
	    "'path':'/run/c'}]}");
	DEV_EQ("-s 0:1:0,virtio-9p,s\\%1=/x\\%",
	    "{'device':'virtio-9p','sharename':'s%1','path':'/x%'}");
	DEV_EQ("-s 0:1:0,virtio-console -o pci.0.1.0.port.0.name=a\\%b "
	    "-o pci.0.1.0.port.0.path=/run/c,d",
	    "{'device':'virtio-console','ports':[{'name':'a%b',"
	    "'path':'/run/c,d'}]}");
	DEV_EQ("-s 0:1:0,fbuf,tcp=127.0.0.1:5900,password=50\\%",
	    "{'device':'fbuf','password':'50%'}");
	/* COM ports and the boot ROM. */
	RENDER_EQ(HDR "-s 0:31:0,lpc -l com1,/dev/nmdm\\%0A "
	    "-l bootrom,/fw/\\%(name).fd,/vars/\\\\\\%.fd vm",
	    "{" BASE ",'com1':'/dev/nmdm%0A','bootrom':'/fw/%(name).fd',"
	    "'varfile':'/vars/\\\\%.fd'}", NULL);
	RENDER_EQ(HDR "-s 0:31:0,lpc -o lpc.com2.path=/dev/a,\\%b " ROM
	    " vm", "{" BASE ",'com2':'/dev/a,%b'}", NULL);
	/* Not in extra_options: they are bhyve arguments, not values. */
	RENDER_EQ(HDR TAIL, "{" BASE "}", NULL);
	RENDER_EQ(HDR "-s 0:31:0,lpc " ROM " -o x=%y\\ vm",
	    "{" BASE ",'extra_options':['-o','x=%y\\\\']}", NULL);
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
	ATF_TP_ADD_TC(tp, seed_example);
	ATF_TP_ADD_TC(tp, net_devices);
	ATF_TP_ADD_TC(tp, block_devices);
	ATF_TP_ADD_TC(tp, misc_devices);
	ATF_TP_ADD_TC(tp, passthru_device);
	ATF_TP_ADD_TC(tp, fbuf_device);
	ATF_TP_ADD_TC(tp, comma_safety);
	ATF_TP_ADD_TC(tp, percent_escaping);
	ATF_TP_ADD_TC(tp, com_ports);
	ATF_TP_ADD_TC(tp, bootrom_forms);
	ATF_TP_ADD_TC(tp, fwcfg_qemu);
	ATF_TP_ADD_TC(tp, flags_order);
	ATF_TP_ADD_TC(tp, argv0_and_extra);
	ATF_TP_ADD_TC(tp, bhyveload_argv);
	ATF_TP_ADD_TC(tp, bhyve_config_text);
	ATF_TP_ADD_TC(tp, bhyve_config_refusals);

	return (atf_no_error());
}

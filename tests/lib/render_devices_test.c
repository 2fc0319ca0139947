/*
 * render_devices_test: the -s arguments of each kind of device on the
 * bhyve command line (design §5.1).  Whole argument vectors are compared,
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
#include "testutil.h"
#include "cfgtext.h"

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

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, net_devices);
	ATF_TP_ADD_TC(tp, block_devices);
	ATF_TP_ADD_TC(tp, misc_devices);
	ATF_TP_ADD_TC(tp, passthru_device);
	ATF_TP_ADD_TC(tp, fbuf_device);

	return (atf_no_error());
}

/*
 * render_safety_test: values that bhyve would misread (design §5.1): a
 * comma, which would start another option, moves the value to -o; a '%'
 * is escaped.  Whole argument vectors are compared, joined with blanks,
 * against the expected command.
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
	DEV_EQ("-o pci.0.1.0.device=virtio-console -o pci.0.1.0.port.0.name=port1 "
	    "-o pci.0.1.0.port.0.path=/s1 -o pci.0.1.0.port.1.name=a=b "
	    "-o pci.0.1.0.port.1.path=/s2",
	    "{'device':'virtio-console','ports':['/s1',{'name':'a=b',"
	    "'path':'/s2'}]}");
	DEV_EQ("-o pci.0.1.0.device=virtio-console -o pci.0.1.0.port.0.name=port1 "
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
	DEV_EQ("-o pci.0.1.0.device=virtio-input -o pci.0.1.0.path=/dev/input/a,b",
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
	DEV_EQ("-o pci.0.1.0.device=virtio-console -o pci.0.1.0.port.0.name=a\\%b "
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

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, comma_safety);
	ATF_TP_ADD_TC(tp, percent_escaping);

	return (atf_no_error());
}

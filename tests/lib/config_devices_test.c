/*
 * config_devices_test: the rules for devices (design §2.4): ids, and
 * what each kind of device requires and refuses.
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

ATF_TC_WITHOUT_HEAD(duplicate_ids);
ATF_TC_BODY(duplicate_ids, tc)
{
	BADMSG("duplicate-id@emulations[2].id: id \"a\" is already used by "
	    "emulations[0]", "{" BASE ",'emulations':["
	    "{'device':'virtio-rnd','id':'a'},{'device':'virtio-rnd'},"
	    "{'device':'virtio-rnd','id':'a'}]}");
	BAD("duplicate-id@targets.t.emulations[1].id",
	    "{" BASE ",'targets':{'t':{'emulations':["
	    "{'device':'virtio-rnd','id':'n'},"
	    "{'device':'virtio-rnd','id':'n'}]}}}");
	BADMSG("bad-id@emulations[0].id: \"a b\" is not a valid id: use 1 to "
	    "64 letters, digits, '_', '.' or '-'",
	    "{" BASE ",'emulations':[{'device':'virtio-rnd','id':'a b'}]}");
	/* Same id in the base and a target: a replacement, not an error. */
	GOOD("", "{" BASE ",'emulations':[{'device':'virtio-rnd','id':'a'}],"
	    "'targets':{'t':{'emulations':[{'device':'virtio-rnd',"
	    "'id':'a'}]}}}");
}

ATF_TC_WITHOUT_HEAD(device_rules);
ATF_TC_BODY(device_rules, tc)
{
	BAD("wrong-type@emulations[0]", "{" BASE ",'emulations':[1]}");
	BAD("missing-key@emulations[0].device",
	    "{" BASE ",'emulations':[{}]}");
	BAD("missing-key@emulations[0].path",
	    "{" BASE ",'emulations':[{'device':'virtio-blk'}]}");
	BADMSG("bad-slot@emulations[0].slot: \"3x\" is not a PCI slot: "
	    "expected B:S:F, S:F or S in decimal (bus 0-255, slot 0-31, "
	    "function 0-7)", "{" BASE ",'emulations':[{'device':'virtio-rnd',"
	    "'slot':'3x'}]}");
	BAD("wrong-type@emulations[0].fix",
	    "{" BASE ",'emulations':[{'device':'virtio-rnd','fix':1}]}");
	BAD("bad-backend@emulations[0].name",
	    "{" BASE ",'emulations':[{'device':'virtio-net','name':'tap'}]}");
	BAD("bad-backend@emulations[0].name",
	    "{" BASE ",'emulations':[{'device':'e1000','name':'em0'}]}");
	BAD("bad-mac@emulations[0].mac",
	    "{" BASE ",'emulations':[{'device':'virtio-net','name':'tap0',"
	    "'mac':'01:00:00:00:00:01'}]}");
	BAD("out-of-range@emulations[0].mtu",
	    "{" BASE ",'emulations':[{'device':'virtio-net','name':'tap0',"
	    "'mtu':67}]}");
	BAD("unknown-key@emulations[0].mtu",
	    "{" BASE ",'emulations':[{'device':'e1000','name':'tap0',"
	    "'mtu':1500}]}");
	BAD("missing-key@emulations[0].path\n"
	    "missing-key@emulations[0].peerhook",
	    "{" BASE ",'emulations':[{'device':'virtio-net',"
	    "'name':'netgraph'}]}");
	BAD("not-applicable@emulations[0].hostfwd",
	    "{" BASE ",'emulations':[{'device':'virtio-net','name':'tap0',"
	    "'hostfwd':'tcp::22-:22'}]}");
	BAD("bad-value@emulations[0].logical_sector_size",
	    "{" BASE ",'emulations':[{'device':'virtio-blk','path':'/d',"
	    "'logical_sector_size':1000}]}");
	BAD("bad-value@emulations[0].physical_sector_size",
	    "{" BASE ",'emulations':[{'device':'virtio-blk','path':'/d',"
	    "'logical_sector_size':4096,'physical_sector_size':512}]}");
	BAD("missing-key@emulations[0].logical_sector_size",
	    "{" BASE ",'emulations':[{'device':'virtio-blk','path':'/d',"
	    "'physical_sector_size':4096}]}");
	BAD("too-long@emulations[0].ser",
	    "{" BASE ",'emulations':[{'device':'virtio-blk','path':'/d',"
	    "'ser':'123456789012345678901'}]}");
	BAD("out-of-range@emulations[0].ports",
	    "{" BASE ",'emulations':[{'device':'ahci','ports':[]}]}");
	BAD("bad-value@emulations[0].ports[1].type",
	    "{" BASE ",'emulations':[{'device':'ahci','ports':["
	    "{'type':'hd','path':'/a'},{'type':'dvd','path':'/b'}]}]}");
	BAD("conflict@emulations[0].ram",
	    "{" BASE ",'emulations':[{'device':'nvme','path':'/n','ram':1}]}");
	BAD("missing-key@emulations[0].path",
	    "{" BASE ",'emulations':[{'device':'nvme'}]}");
	BAD("bad-value@emulations[0].eui64",
	    "{" BASE ",'emulations':[{'device':'nvme','ram':1,"
	    "'eui64':'0x12345678901234567'}]}");
	BAD("bad-value@emulations[0].sectsz",
	    "{" BASE ",'emulations':[{'device':'nvme','ram':1,"
	    "'sectsz':1024}]}");
	BAD("duplicate@emulations[0].ports[1]",
	    "{" BASE ",'emulations':[{'device':'virtio-console','ports':["
	    "'/s1',{'name':'port1','path':'/s2'}]}]}");
	BAD("duplicate@emulations[1].ports[0]",
	    "{" BASE ",'emulations':[{'device':'virtio-console','ports':"
	    "['/s1']},{'device':'virtio-console','ports':['/s1']}]}");
	BAD("missing-key@emulations[0].src",
	    "{" BASE ",'emulations':[{'device':'passthru'}]}");
	BAD("bad-value@emulations[0].lookup.vendor",
	    "{" BASE ",'emulations':[{'device':'passthru','lookup':"
	    "{'vendor':'0x8086','device':'0x15338086'}}]}");
	BAD("missing-key@emulations[0].height",
	    "{" BASE ",'emulations':[{'device':'fbuf','width':1024}]}");
	BAD("out-of-range@emulations[0].width",
	    "{" BASE ",'emulations':[{'device':'fbuf','width':320,"
	    "'height':480}]}");
	BAD("bad-address@emulations[0].host",
	    "{" BASE ",'emulations':[{'device':'fbuf','host':'localhost'}]}");
	BAD("fbuf-twice@graphic",
	    "{" BASE ",'graphic':{},'emulations':[{'device':'fbuf'}]}");
	BAD("unknown-key@graphic.slot", "{" BASE ",'graphic':{'slot':'3'}}");
	BAD("missing-key@emulations[0].play",
	    "{" BASE ",'emulations':[{'device':'hda'}]}");
	BAD("missing-key@emulations[0].value",
	    "{" BASE ",'emulations':[{'device':'raw'}]}");
	BADMSG("duplicate@emulations[1].bootindex: bootindex 1 is already "
	    "used by emulations[0].bootindex", "{" BASE ",'emulations':["
	    "{'device':'virtio-blk','path':'/a','bootindex':1},"
	    "{'device':'ahci-hd','path':'/b','bootindex':1}]}");
	BAD("duplicate@emulations[0].ports[1].bootindex",
	    "{" BASE ",'emulations':[{'device':'ahci','ports':["
	    "{'type':'hd','path':'/a','bootindex':2},"
	    "{'type':'cd','path':'/b','bootindex':2}]}]}");
	GOOD("W:vga-on@graphic.vga", "{" BASE ",'graphic':{'vga':'on'}}");
	GOOD("", "{" BASE ",'emulations':[{'device':'virtio-net','name':"
	    "'netgraph','path':'vmbr:','peerhook':'link2'},"
	    "{'device':'virtio-net','name':'slirp','hostfwd':'tcp::22-:22',"
	    "'open':true},{'device':'e1000','name':'vale0:1'},"
	    "{'device':'virtio-net','name':'netmap:em0','mtu':'9000'}]}");
}

/*
 * One VM with n virtio-blk disks d0..d(n-1), then extra (JSON members of
 * emulations, with ' for "); a new string.
 */
static char *
many_disks(size_t n, const char *extra)
{
	char *s, *p;
	size_t i, len;

	len = 256 + n * 64 + strlen(extra);
	ATF_REQUIRE((s = malloc(len)) != NULL);
	p = s + snprintf(s, len, "{" BASE ",'emulations':[");
	for (i = 0; i < n; i++)
		p += snprintf(p, len - (size_t)(p - s), "{'device':"
		    "'virtio-blk','path':'/vm/d%zu.img'},", i);
	snprintf(p, len - (size_t)(p - s), "%s]}", extra);
	return (s);
}

/*
 * What two devices cannot share: a tap, a disk unless every use is "ro"
 * (a CD is), a TCP address listened on.  Few devices and many (past the
 * point where a hash takes over) give the same answers.
 */
ATF_TC_WITHOUT_HEAD(shared_resources);
ATF_TC_BODY(shared_resources, tc)
{
	static const size_t counts[] = { 1, 7, 8, 9, 300 };
	char *json, want[512];
	size_t i, n;

	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		n = counts[i];
		json = many_disks(n, "{'device':'ahci-hd','path':'/vm/d0.img',"
		    "'ro':true},{'device':'virtio-net','name':'tap1'},"
		    "{'device':'e1000','name':'tap1'},"
		    "{'device':'ahci-cd','path':'/iso/a.iso'},"
		    "{'device':'ahci','ports':[{'type':'cd',"
		    "'path':'/iso/a.iso'}]}");
		snprintf(want, sizeof(want), "duplicate@emulations[%zu].path: "
		    "disk /vm/d0.img is already used by emulations[0].path; a "
		    "disk used twice must be \"ro\" in every use\n"
		    "duplicate@emulations[%zu].name: tap interface tap1 is "
		    "already used by emulations[%zu].name; a tap serves one "
		    "device", n, n + 2, n + 1);
		BADMSG(want, json);
		free(json);
	}
	/* Read-only in every use: fine, and a ro use meets a writer. */
	GOOD("", "{" BASE ",'emulations':[{'device':'virtio-blk',"
	    "'path':'/d','ro':true},{'device':'ahci-hd','path':'/d',"
	    "'ro':true}]}");
	BADMSG("duplicate@emulations[1].path: disk /d is already used by "
	    "emulations[0].path; a disk used twice must be \"ro\" in every "
	    "use\nduplicate@emulations[2].path: disk /d is already used by "
	    "emulations[1].path; a disk used twice must be \"ro\" in every "
	    "use", "{" BASE ",'emulations':[{'device':'virtio-blk',"
	    "'path':'/d','ro':true},{'device':'nvme','path':'/d'},"
	    "{'device':'ahci-cd','path':'/d'}]}");
	/* TCP: COM ports, uart and the framebuffer's default address. */
	BADMSG("duplicate@emulations[0]: TCP address 127.0.0.1:5900 is "
	    "already used by com2\nduplicate@emulations[1].backend: TCP "
	    "address [0:0::1]:5901 is already used by com3",
	    "{" BASE ",'com2':'tcp=127.0.0.1:5900','com3':'tcp=[::1]:5901',"
	    "'emulations':[{'device':'fbuf'},{'device':'uart',"
	    "'backend':'tcp=[0:0::1]:5901'}]}");
	GOOD("", "{" BASE ",'com1':'tcp=127.0.0.1:5901',"
	    "'com2':'tcp=0.0.0.0:5900','emulations':[{'device':'fbuf'},"
	    "{'device':'virtio-net','name':'slirp'},"
	    "{'device':'virtio-net','name':'slirp'}]}");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, duplicate_ids);
	ATF_TP_ADD_TC(tp, device_rules);
	ATF_TP_ADD_TC(tp, shared_resources);

	return (atf_no_error());
}

/*
 * slots_test: PCI slot assignment (design §4), observed through the
 * public API: a configuration is loaded from a small JSON text and the
 * slot map of each target is compared with the expected one.
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
#define RND	"{'device':'virtio-rnd'}"

/* A configuration that must load without a single diagnostic. */
#define LOAD(json)	load_ok(__FILE__, __LINE__, json, true)
/* One that must load, warnings allowed. */
#define LOAD_WARNED(json)	load_ok(__FILE__, __LINE__, json, false)

/* An invalid configuration: its "code@path: message" lines. */
#define BAD_EQ(expected, json)						\
	DIAGS_EQ(expected, json, VMRUN_ERR_INVALID, DIAGS_MSGS)

/* The slot map of a target as "ADDR DEVICE[#ID], ..." (new string). */
static char *
slots_of(const struct vmrun_config *cf, const char *target)
{
	const struct vmrun_vm *vm;
	char *buf;
	size_t i, n, len;

	vm = resolve(cf, target);
	len = 64 * (vmrun_vm_nslots(vm) + 1);
	if ((buf = malloc(len)) == NULL)
		atf_tc_fail("out of memory");
	buf[0] = '\0';
	for (i = 0; i < vmrun_vm_nslots(vm); i++) {
		n = strlen(buf);
		snprintf(buf + n, len - n, "%s%s %s%s%s", i > 0 ? ", " : "",
		    vmrun_vm_slot_addr(vm, i), vmrun_vm_slot_device(vm, i),
		    vmrun_vm_slot_id(vm, i) != NULL ? "#" : "",
		    vmrun_vm_slot_id(vm, i) != NULL ?
		    vmrun_vm_slot_id(vm, i) : "");
	}
	return (buf);
}

#define SLOTS_EQ(expected, cf, target) do {				\
	char *s_ = slots_of(cf, target);				\
	ATF_CHECK_STREQ_MSG(expected, s_, "target %s", #target);	\
	free(s_);							\
} while (0)

#define HB	"0:0:0 hostbridge"
#define LPC	"0:31:0 lpc"

ATF_TC_WITHOUT_HEAD(sequential);
ATF_TC_BODY(sequential, tc)
{
	struct vmrun_config *cf;

	cf = LOAD("{" BASE "}");
	SLOTS_EQ(HB ", " LPC, cf, NULL);
	vmrun_config_free(cf);

	cf = LOAD("{" BASE ",'emulations':["
	    "{'device':'virtio-net','name':'tap0','id':'net'},"
	    "{'device':'virtio-blk','path':'/d.img'},"
	    "{'device':'virtio-rnd','id':'rnd'}]}");
	SLOTS_EQ(HB ", 0:1:0 virtio-net#net, 0:2:0 virtio-blk, "
	    "0:3:0 virtio-rnd#rnd, " LPC, cf, NULL);
	SLOTS_EQ(HB ", 0:1:0 virtio-net#net, 0:2:0 virtio-blk, "
	    "0:3:0 virtio-rnd#rnd, " LPC, cf, "default");
	vmrun_config_free(cf);
}

ATF_TC_WITHOUT_HEAD(pins_respected_and_skipped);
ATF_TC_BODY(pins_respected_and_skipped, tc)
{
	struct vmrun_config *cf;
	char *av;

	/* A later pin is reserved before earlier devices are placed. */
	cf = LOAD("{" BASE ",'emulations':["
	    "{'device':'virtio-rnd','id':'a'},"
	    "{'device':'virtio-rnd','id':'b'},"
	    "{'device':'virtio-rnd','id':'c','slot':'0:1:0'}]}");
	SLOTS_EQ(HB ", 0:1:0 virtio-rnd#c, 0:2:0 virtio-rnd#a, "
	    "0:3:0 virtio-rnd#b, " LPC, cf, NULL);
	vmrun_config_free(cf);

	/*
	 * All three slot forms; a pinned function > 0 takes the whole slot
	 * away from unpinned devices, which always get function 0.
	 */
	cf = LOAD_WARNED("{" BASE ",'emulations':["
	    "{'device':'virtio-rnd','id':'a'},"
	    "{'device':'virtio-rnd','id':'b','slot':'2'},"
	    "{'device':'virtio-rnd','id':'c'},"
	    "{'device':'virtio-rnd','id':'d','slot':'4:1'},"
	    "{'device':'virtio-rnd','id':'e'},"
	    "{'device':'virtio-rnd','id':'f','slot':'0:6:0'},"
	    "{'device':'virtio-rnd','id':'g'}]}");
	SLOTS_EQ(HB ", 0:1:0 virtio-rnd#a, 0:2:0 virtio-rnd#b, "
	    "0:3:0 virtio-rnd#c, 0:4:1 virtio-rnd#d, 0:5:0 virtio-rnd#e, "
	    "0:6:0 virtio-rnd#f, 0:7:0 virtio-rnd#g, " LPC, cf, NULL);
	vmrun_config_free(cf);

	/* Pins are sorted into place; the slot next to a pin is free. */
	cf = LOAD_WARNED("{" BASE ",'emulations':["
	    "{'device':'virtio-rnd','id':'a','slot':'9'},"
	    "{'device':'virtio-rnd','id':'b','slot':'0:1:2'},"
	    "{'device':'virtio-rnd','id':'c'}]}");
	SLOTS_EQ(HB ", 0:1:2 virtio-rnd#b, 0:2:0 virtio-rnd#c, "
	    "0:9:0 virtio-rnd#a, " LPC, cf, NULL);
	av = argv_of(cf, NULL);
	ATF_CHECK_STREQ("bhyve -A -H -u -c cpus=1,sockets=1,cores=1,"
	    "threads=1 -m 1G -s 0:0:0,hostbridge -s 0:1:2,virtio-rnd "
	    "-s 0:2:0,virtio-rnd -s 0:9:0,virtio-rnd -s 0:31:0,lpc "
	    "-l bootrom,/usr/local/share/uefi-firmware/BHYVE_UEFI.fd vm", av);
	free(av);
	vmrun_config_free(cf);

	/* A pin on bus 1 is kept, and bhyve gets -Y (design §4.5). */
	cf = LOAD("{" BASE ",'emulations':["
	    "{'device':'virtio-rnd','id':'a','slot':'1:0:0'},"
	    "{'device':'virtio-rnd','id':'b'}]}");
	SLOTS_EQ(HB ", 0:1:0 virtio-rnd#b, " LPC ", 1:0:0 virtio-rnd#a",
	    cf, NULL);
	av = argv_of(cf, NULL);
	ATF_CHECK_STREQ("bhyve -A -H -Y -u -c cpus=1,sockets=1,cores=1,"
	    "threads=1 -m 1G -s 0:0:0,hostbridge -s 0:1:0,virtio-rnd "
	    "-s 0:31:0,lpc -s 1:0:0,virtio-rnd "
	    "-l bootrom,/usr/local/share/uefi-firmware/BHYVE_UEFI.fd vm", av);
	free(av);
	vmrun_config_free(cf);

	/* Even when the configuration says otherwise. */
	cf = LOAD_WARNED("{" BASE ",'disable_mptable_gen':false,'emulations':["
	    "{'device':'virtio-rnd','slot':'255:31:7'}]}");
	SLOTS_EQ(HB ", " LPC ", 255:31:7 virtio-rnd", cf, NULL);
	av = argv_of(cf, NULL);
	ATF_CHECK(strncmp(av, "bhyve -A -H -Y -u -c ", 21) == 0);
	free(av);
	vmrun_config_free(cf);
}

ATF_TC_WITHOUT_HEAD(target_pins_reserved_in_base);
ATF_TC_BODY(target_pins_reserved_in_base, tc)
{
	struct vmrun_config *cf;

	/*
	 * Slot 1 is pinned only by target t, yet the base leaves it empty:
	 * otherwise the base devices would move in t.
	 */
	cf = LOAD_WARNED("{" BASE ",'emulations':["
	    "{'device':'virtio-rnd','id':'a'},"
	    "{'device':'virtio-rnd','id':'b'}],"
	    "'targets':{'t':{'emulations':["
	    "{'device':'virtio-blk','path':'/x','id':'x'},"
	    "{'device':'virtio-rnd','id':'c','slot':'0:1:0'}]},"
	    "'u':{'emulations':[{'device':'virtio-rnd','id':'d',"
	    "'slot':'3:1'}]}}}");
	SLOTS_EQ(HB ", 0:2:0 virtio-rnd#a, 0:4:0 virtio-rnd#b, " LPC, cf,
	    NULL);
	SLOTS_EQ(HB ", 0:1:0 virtio-rnd#c, 0:2:0 virtio-rnd#a, "
	    "0:4:0 virtio-rnd#b, 0:5:0 virtio-blk#x, " LPC, cf, "t");
	SLOTS_EQ(HB ", 0:2:0 virtio-rnd#a, 0:3:1 virtio-rnd#d, "
	    "0:4:0 virtio-rnd#b, " LPC, cf, "u");
	vmrun_config_free(cf);
}

ATF_TC_WITHOUT_HEAD(base_device_keeps_slot);
ATF_TC_BODY(base_device_keeps_slot, tc)
{
	struct vmrun_config *cf;

	cf = LOAD("{" BASE ",'emulations':["
	    "{'device':'virtio-net','name':'tap0','id':'net'},"
	    "{'device':'virtio-blk','path':'/d.img','id':'disk'},"
	    "{'device':'virtio-rnd'}],"
	    "'targets':{"
	    "'install':{'emulations':[{'device':'ahci-cd','path':'/i.iso',"
	    "'id':'cd'}],'mem':'2G'},"
	    "'vnc':{'graphic':{}},"
	    "'empty':{}}}");
	SLOTS_EQ(HB ", 0:1:0 virtio-net#net, 0:2:0 virtio-blk#disk, "
	    "0:3:0 virtio-rnd, " LPC, cf, NULL);
	SLOTS_EQ(HB ", 0:1:0 virtio-net#net, 0:2:0 virtio-blk#disk, "
	    "0:3:0 virtio-rnd, 0:4:0 ahci-cd#cd, " LPC, cf, "install");
	SLOTS_EQ(HB ", 0:1:0 virtio-net#net, 0:2:0 virtio-blk#disk, "
	    "0:3:0 virtio-rnd, 0:4:0 fbuf, 0:5:0 xhci, " LPC, cf, "vnc");
	SLOTS_EQ(HB ", 0:1:0 virtio-net#net, 0:2:0 virtio-blk#disk, "
	    "0:3:0 virtio-rnd, " LPC, cf, "empty");
	vmrun_config_free(cf);
}

ATF_TC_WITHOUT_HEAD(append_never_moves);
ATF_TC_BODY(append_never_moves, tc)
{
	struct vmrun_config *cf;

	cf = LOAD("{" BASE ",'emulations':["
	    "{'device':'virtio-rnd','id':'a'},"
	    "{'device':'virtio-rnd','id':'b','slot':'0:3:0'},"
	    "{'device':'virtio-rnd','id':'c'}],"
	    "'targets':{'t':{'emulations':[{'device':'virtio-rnd',"
	    "'id':'x'}]}}}");
	SLOTS_EQ(HB ", 0:1:0 virtio-rnd#a, 0:2:0 virtio-rnd#c, "
	    "0:3:0 virtio-rnd#b, " LPC, cf, NULL);
	SLOTS_EQ(HB ", 0:1:0 virtio-rnd#a, 0:2:0 virtio-rnd#c, "
	    "0:3:0 virtio-rnd#b, 0:4:0 virtio-rnd#x, " LPC, cf, "t");
	vmrun_config_free(cf);

	/* The same with a device appended to the base and to the target. */
	cf = LOAD("{" BASE ",'emulations':["
	    "{'device':'virtio-rnd','id':'a'},"
	    "{'device':'virtio-rnd','id':'b','slot':'0:3:0'},"
	    "{'device':'virtio-rnd','id':'c'},"
	    "{'device':'virtio-rnd','id':'d'}],"
	    "'targets':{'t':{'emulations':[{'device':'virtio-rnd','id':'x'},"
	    "{'device':'virtio-rnd','id':'y'}]}}}");
	SLOTS_EQ(HB ", 0:1:0 virtio-rnd#a, 0:2:0 virtio-rnd#c, "
	    "0:3:0 virtio-rnd#b, 0:4:0 virtio-rnd#d, " LPC, cf, NULL);
	SLOTS_EQ(HB ", 0:1:0 virtio-rnd#a, 0:2:0 virtio-rnd#c, "
	    "0:3:0 virtio-rnd#b, 0:4:0 virtio-rnd#d, 0:5:0 virtio-rnd#x, "
	    "0:6:0 virtio-rnd#y, " LPC, cf, "t");
	vmrun_config_free(cf);
}

ATF_TC_WITHOUT_HEAD(removed_slot_stays_unused);
ATF_TC_BODY(removed_slot_stays_unused, tc)
{
	struct vmrun_config *cf;

	cf = LOAD("{" BASE ",'emulations':["
	    "{'device':'virtio-net','name':'tap0','id':'a'},"
	    "{'device':'virtio-rnd','id':'b'},"
	    "{'device':'virtio-rnd','id':'c'}],"
	    "'targets':{'t':{'remove':['a'],'emulations':["
	    "{'device':'virtio-blk','path':'/x','id':'d'}]},"
	    "'u':{'remove':['a','c']}}}");
	SLOTS_EQ(HB ", 0:1:0 virtio-net#a, 0:2:0 virtio-rnd#b, "
	    "0:3:0 virtio-rnd#c, " LPC, cf, NULL);
	SLOTS_EQ(HB ", 0:2:0 virtio-rnd#b, 0:3:0 virtio-rnd#c, "
	    "0:4:0 virtio-blk#d, " LPC, cf, "t");
	SLOTS_EQ(HB ", 0:2:0 virtio-rnd#b, " LPC, cf, "u");
	vmrun_config_free(cf);
}

ATF_TC_WITHOUT_HEAD(replaced_keeps_slot);
ATF_TC_BODY(replaced_keeps_slot, tc)
{
	struct vmrun_config *cf;

	cf = LOAD("{" BASE ",'emulations':["
	    "{'device':'virtio-rnd','id':'a'},"
	    "{'device':'virtio-blk','path':'/old','id':'b'},"
	    "{'device':'virtio-rnd','id':'c'},"
	    "{'device':'virtio-rnd','id':'p','slot':'0:7:0'}],"
	    "'targets':{"
	    "'same':{'emulations':[{'device':'virtio-rnd','id':'x'},"
	    "{'device':'ahci-hd','path':'/new','id':'b'}]},"
	    "'pinned':{'emulations':[{'device':'nvme','path':'/n','id':'b',"
	    "'slot':'0:9:0'}]},"
	    "'pinrep':{'emulations':[{'device':'virtio-blk','path':'/q',"
	    "'id':'p'}]}}}");
	SLOTS_EQ(HB ", 0:1:0 virtio-rnd#a, 0:2:0 virtio-blk#b, "
	    "0:3:0 virtio-rnd#c, 0:7:0 virtio-rnd#p, " LPC, cf, NULL);
	/* Replaced in place, in the base slot; x is added after. */
	SLOTS_EQ(HB ", 0:1:0 virtio-rnd#a, 0:2:0 ahci-hd#b, "
	    "0:3:0 virtio-rnd#c, 0:4:0 virtio-rnd#x, 0:7:0 virtio-rnd#p, "
	    LPC, cf, "same");
	/* Its own pin wins; the base slot stays empty. */
	SLOTS_EQ(HB ", 0:1:0 virtio-rnd#a, 0:3:0 virtio-rnd#c, "
	    "0:7:0 virtio-rnd#p, 0:9:0 nvme#b, " LPC, cf, "pinned");
	/* The replacement of a pinned device keeps the pinned slot. */
	SLOTS_EQ(HB ", 0:1:0 virtio-rnd#a, 0:2:0 virtio-blk#b, "
	    "0:3:0 virtio-rnd#c, 0:7:0 virtio-blk#p, " LPC, cf, "pinrep");
	vmrun_config_free(cf);
}

/*
 * The cloud-init seed: after the base and graphic devices, before the
 * target's; the base devices keep their slots whatever a target does
 * with the seed.
 */
ATF_TC_WITHOUT_HEAD(seed_slot);
ATF_TC_BODY(seed_slot, tc)
{
	struct vmrun_config *cf;

	cf = LOAD("{" BASE ",'state_dir':'/st','graphic':{},"
	    "'cloud_init':{},'emulations':["
	    "{'device':'virtio-blk','path':'/d.img','id':'disk'}," RND "],"
	    "'targets':{'add':{'emulations':[" RND "]},"
	    "'plain':{'remove':['cloud-init'],'emulations':[" RND "]},"
	    "'own':{'cloud_init':{'user_data':'#!/bin/sh'},'remove':['disk'],"
	    "'emulations':[" RND "]},"
	    "'none':{'cloud_init':null,'graphic':null}}}");
#define SEED	"ahci-cd#cloud-init"
	SLOTS_EQ(HB ", 0:1:0 virtio-blk#disk, 0:2:0 virtio-rnd, "
	    "0:3:0 fbuf, 0:4:0 xhci, 0:5:0 " SEED ", " LPC, cf, NULL);
	SLOTS_EQ(HB ", 0:1:0 virtio-blk#disk, 0:2:0 virtio-rnd, "
	    "0:3:0 fbuf, 0:4:0 xhci, 0:5:0 " SEED ", 0:6:0 virtio-rnd, "
	    LPC, cf, "add");
	SLOTS_EQ(HB ", 0:1:0 virtio-blk#disk, 0:2:0 virtio-rnd, "
	    "0:3:0 fbuf, 0:4:0 xhci, 0:5:0 virtio-rnd, " LPC, cf, "plain");
	/* A removed base device's slot stays free; the seed does not move. */
	SLOTS_EQ(HB ", 0:2:0 virtio-rnd, 0:3:0 fbuf, 0:4:0 xhci, "
	    "0:5:0 " SEED ", 0:6:0 virtio-rnd, " LPC, cf, "own");
	SLOTS_EQ(HB ", 0:1:0 virtio-blk#disk, 0:2:0 virtio-rnd, " LPC, cf,
	    "none");
#undef SEED
	vmrun_config_free(cf);
	/* The seed's id is its own: no device may take it. */
	BAD_EQ("reserved-id@emulations[0].id: \"cloud-init\" is the id of "
	    "the cloud-init seed (cloud_init); choose another",
	    "{" BASE ",'emulations':[{'device':'virtio-rnd',"
	    "'id':'cloud-init'}]}");
	/* Removing a seed there is not is removing an unknown device. */
	BAD_EQ("unknown-id@targets.t.remove[0]: no device of the base "
	    "configuration has id \"cloud-init\"",
	    "{" BASE ",'targets':{'t':{'remove':['cloud-init']}}}");
}

ATF_TC_WITHOUT_HEAD(graphic_then_target_devices);
ATF_TC_BODY(graphic_then_target_devices, tc)
{
	struct vmrun_config *cf;

	cf = LOAD("{" BASE ",'graphic':{'port':5901},'emulations':["
	    "{'device':'virtio-rnd','id':'a'},"
	    "{'device':'virtio-rnd','id':'b'}],"
	    "'targets':{'t':{'emulations':[{'device':'virtio-rnd','id':'c'}]},"
	    "'nox':{'graphic':{'xhci_table':false},'emulations':["
	    "{'device':'virtio-rnd','id':'c'}]},"
	    "'nog':{'graphic':null,'emulations':["
	    "{'device':'virtio-rnd','id':'c'}]}}}");
	SLOTS_EQ(HB ", 0:1:0 virtio-rnd#a, 0:2:0 virtio-rnd#b, 0:3:0 fbuf, "
	    "0:4:0 xhci, " LPC, cf, NULL);
	SLOTS_EQ(HB ", 0:1:0 virtio-rnd#a, 0:2:0 virtio-rnd#b, 0:3:0 fbuf, "
	    "0:4:0 xhci, 0:5:0 virtio-rnd#c, " LPC, cf, "t");
	SLOTS_EQ(HB ", 0:1:0 virtio-rnd#a, 0:2:0 virtio-rnd#b, 0:3:0 fbuf, "
	    "0:4:0 virtio-rnd#c, " LPC, cf, "nox");
	SLOTS_EQ(HB ", 0:1:0 virtio-rnd#a, 0:2:0 virtio-rnd#b, "
	    "0:3:0 virtio-rnd#c, " LPC, cf, "nog");
	vmrun_config_free(cf);

	/* A graphic set only by a target still comes before its devices. */
	cf = LOAD("{" BASE ",'emulations':[{'device':'virtio-rnd','id':'a'}],"
	    "'targets':{'t':{'emulations':[{'device':'virtio-rnd','id':'c'}],"
	    "'graphic':{}}}}");
	SLOTS_EQ(HB ", 0:1:0 virtio-rnd#a, " LPC, cf, NULL);
	SLOTS_EQ(HB ", 0:1:0 virtio-rnd#a, 0:2:0 fbuf, 0:3:0 xhci, "
	    "0:4:0 virtio-rnd#c, " LPC, cf, "t");
	vmrun_config_free(cf);
}

/* A configuration with n virtio-rnd devices and an optional extra key. */
static char *
many_rnd(size_t n, const char *extra)
{
	char *s;
	size_t i, len;

	len = 128 + strlen(extra) + n * (sizeof(RND) + 1);
	if ((s = malloc(len)) == NULL)
		atf_tc_fail("out of memory");
	snprintf(s, len, "{" BASE "%s,'emulations':[", extra);
	for (i = 0; i < n; i++) {
		if (i > 0)
			strcat(s, ",");
		strcat(s, RND);
	}
	strcat(s, "]}");
	return (s);
}

/* The slot map expected for n unpinned devices with LPC at lpcslot. */
static char *
many_slots(size_t n, unsigned lpcslot)
{
	char *s;
	size_t i, len, k;
	unsigned bus, slot;
	bool lpcdone;

	len = 64 * (n + 3);
	if ((s = malloc(len)) == NULL)
		atf_tc_fail("out of memory");
	snprintf(s, len, HB);
	bus = 0;
	slot = 1;
	lpcdone = false;
	for (i = 0; i < n; i++) {
		if (bus == 0 && slot == lpcslot) {
			k = strlen(s);
			snprintf(s + k, len - k, ", 0:%u:0 lpc", lpcslot);
			lpcdone = true;
			slot++;
		}
		if (slot == 32) {
			if (!lpcdone) {
				k = strlen(s);
				snprintf(s + k, len - k, ", 0:%u:0 lpc",
				    lpcslot);
				lpcdone = true;
			}
			bus++;
			slot = 0;
		}
		k = strlen(s);
		snprintf(s + k, len - k, ", %u:%u:0 virtio-rnd", bus, slot);
		slot++;
	}
	if (!lpcdone) {
		k = strlen(s);
		snprintf(s + k, len - k, ", 0:%u:0 lpc", lpcslot);
	}
	return (s);
}

ATF_TC_WITHOUT_HEAD(bus0_full_spills);
ATF_TC_BODY(bus0_full_spills, tc)
{
	struct vmrun_config *cf;
	char *json, *exp, *got, *av;
	const char *tail;

	/* 30 devices fill bus 0 (slot 0 hostbridge, 31 lpc): no -Y. */
	json = many_rnd(30, "");
	cf = LOAD(json);
	exp = many_slots(30, 31);
	got = slots_of(cf, NULL);
	ATF_CHECK_STREQ(exp, got);
	ATF_CHECK(strstr(got, "0:30:0 virtio-rnd, 0:31:0 lpc") != NULL);
	av = argv_of(cf, NULL);
	ATF_CHECK(strncmp(av, "bhyve -A -H -u -c ", 18) == 0);
	ATF_CHECK(strstr(av, "-Y") == NULL);
	free(av);
	free(got);
	free(exp);
	free(json);
	vmrun_config_free(cf);

	/* The 31st goes to 1:0:0, the 32nd to 1:1:0, and -Y is added. */
	json = many_rnd(32, "");
	cf = LOAD(json);
	exp = many_slots(32, 31);
	got = slots_of(cf, NULL);
	ATF_CHECK_STREQ(exp, got);
	ATF_CHECK(strstr(got, "0:30:0 virtio-rnd, 0:31:0 lpc, "
	    "1:0:0 virtio-rnd, 1:1:0 virtio-rnd") != NULL);
	av = argv_of(cf, NULL);
	ATF_CHECK(strncmp(av, "bhyve -A -H -Y -u -c ", 21) == 0);
	tail = "-s 0:30:0,virtio-rnd -s 0:31:0,lpc -s 1:0:0,virtio-rnd "
	    "-s 1:1:0,virtio-rnd "
	    "-l bootrom,/usr/local/share/uefi-firmware/BHYVE_UEFI.fd vm";
	ATF_CHECK_MSG(strlen(av) > strlen(tail) &&
	    strcmp(av + strlen(av) - strlen(tail), tail) == 0, "%s", av);
	free(av);
	free(got);
	free(exp);
	free(json);
	vmrun_config_free(cf);

	/* With the LPC bridge moved, slot 31 takes a device. */
	json = many_rnd(30, ",'lpc_slot':'0:30:0'");
	cf = LOAD(json);
	exp = many_slots(30, 30);
	got = slots_of(cf, NULL);
	ATF_CHECK_STREQ(exp, got);
	ATF_CHECK(strstr(got, "0:29:0 virtio-rnd, 0:30:0 lpc, "
	    "0:31:0 virtio-rnd") != NULL);
	av = argv_of(cf, NULL);
	ATF_CHECK(strstr(av, "-Y") == NULL);
	ATF_CHECK(strstr(av, "-s 0:30:0,lpc -s 0:31:0,virtio-rnd -l ") !=
	    NULL);
	free(av);
	free(got);
	free(exp);
	free(json);
	vmrun_config_free(cf);

	/* A target that spills gets -Y; its base does not. */
	json = many_rnd(30, ",'targets':{'big':{'emulations':["
	    "{'device':'virtio-rnd','id':'extra'}]}}");
	cf = LOAD(json);
	got = slots_of(cf, "big");
	ATF_CHECK(strstr(got, "0:31:0 lpc, 1:0:0 virtio-rnd#extra") != NULL);
	free(got);
	av = argv_of(cf, "big");
	ATF_CHECK(strncmp(av, "bhyve -A -H -Y -u ", 18) == 0);
	free(av);
	av = argv_of(cf, NULL);
	ATF_CHECK(strncmp(av, "bhyve -A -H -u ", 15) == 0);
	free(av);
	free(json);
	vmrun_config_free(cf);
}

ATF_TC_WITHOUT_HEAD(pin_reserved_slot_is_error);
ATF_TC_BODY(pin_reserved_slot_is_error, tc)
{
	struct vmrun_config *cf;

	BAD_EQ("slot-conflict@emulations[1].slot: 0:0:0 is reserved for the "
	    "host bridge",
	    "{" BASE ",'emulations':[" RND ","
	    "{'device':'virtio-rnd','slot':'0:0:0'}]}");
	BAD_EQ("slot-conflict@emulations[0].slot: 0:0:0 is reserved for the "
	    "host bridge",
	    "{" BASE ",'emulations':[{'device':'virtio-rnd','slot':'0'}]}");
	BAD_EQ("slot-conflict@emulations[0].slot: 0:31:0 is reserved for "
	    "the LPC bridge (lpc_slot)",
	    "{" BASE ",'emulations':[{'device':'virtio-rnd','slot':'31'}]}");
	BAD_EQ("slot-conflict@emulations[0].slot: 0:30:0 is reserved for "
	    "the LPC bridge (lpc_slot)",
	    "{" BASE ",'lpc_slot':'30','emulations':["
	    "{'device':'virtio-rnd','slot':'0:30:0'}]}");
	BAD_EQ("slot-conflict@targets.t.emulations[0].slot: 0:0:0 is "
	    "reserved for the host bridge",
	    "{" BASE ",'targets':{'t':{'emulations':["
	    "{'device':'virtio-rnd','slot':'0:0'}]}}}");

	/* Other functions of those slots, and 0:31:0 once lpc moved: free. */
	cf = LOAD("{" BASE ",'lpc_slot':'0:30:0','emulations':["
	    "{'device':'virtio-rnd','slot':'0:31:0'},"
	    "{'device':'virtio-rnd','slot':'0:0:1'},"
	    "{'device':'virtio-rnd','slot':'0:30:1'}]}");
	SLOTS_EQ(HB ", 0:0:1 virtio-rnd, 0:30:0 lpc, 0:30:1 virtio-rnd, "
	    "0:31:0 virtio-rnd", cf, NULL);
	vmrun_config_free(cf);
}

/*
 * A device at function N > 0 of a slot whose function 0 is empty is a
 * warning: guests probe function 0 and skip the slot.  The host bridge
 * (0:0:0) and the LPC bridge fill function 0 of their slots.
 */
ATF_TC_WITHOUT_HEAD(function0_empty);
ATF_TC_BODY(function0_empty, tc)
{
	DIAGS_EQ("W:no-function-0@emulations[0].slot: no device is at "
	    "0:3:0: guests probe function 0 of a slot first and will not see "
	    "this device at 0:3:1\n"
	    "W:no-function-0@targets.t.emulations[0].slot: no device is at "
	    "2:7:0: guests probe function 0 of a slot first and will not see "
	    "this device at 2:7:5",
	    "{" BASE ",'emulations':["
	    "{'device':'virtio-rnd','slot':'3:1'},"
	    "{'device':'virtio-rnd','slot':'4:0'},"
	    "{'device':'virtio-rnd','slot':'4:7'},"
	    "{'device':'virtio-rnd','slot':'0:0:2'},"
	    "{'device':'virtio-rnd','slot':'0:31:6'}],"
	    "'targets':{'t':{'emulations':["
	    "{'device':'virtio-rnd','slot':'2:7:5'}]}}}",
	    VMRUN_OK, DIAGS_MSGS);
	/* Function 0 filled by a target's own device: no warning there. */
	DIAGS_EQ("", "{" BASE ",'targets':{'t':{'emulations':["
	    "{'device':'virtio-rnd','slot':'5:1'},"
	    "{'device':'virtio-rnd','slot':'5:0'}]}}}", VMRUN_OK, DIAGS_MSGS);
}

ATF_TC_WITHOUT_HEAD(two_pins_one_slot);
ATF_TC_BODY(two_pins_one_slot, tc)
{
	struct vmrun_config *cf;

	BAD_EQ("slot-conflict@emulations[2].slot: slot 0:5:0 is also pinned "
	    "by emulations[0]",
	    "{" BASE ",'emulations':["
	    "{'device':'virtio-rnd','slot':'0:5:0'}," RND ","
	    "{'device':'virtio-blk','path':'/x','slot':'5'}]}");
	/* A target device against a base device. */
	BAD_EQ("slot-conflict@targets.t.emulations[0].slot: slot 0:4:2 is "
	    "also pinned by emulations[1]",
	    "{" BASE ",'emulations':[" RND ","
	    "{'device':'virtio-rnd','slot':'4:2'},"
	    "{'device':'virtio-rnd','slot':'4:0'}],"
	    "'targets':{'t':{'emulations':["
	    "{'device':'virtio-rnd','slot':'0:4:2'}]}}}");
	/* Two devices of one target. */
	BAD_EQ("slot-conflict@targets.t.emulations[1].slot: slot 2:0:0 is "
	    "also pinned by targets.t.emulations[0]",
	    "{" BASE ",'targets':{'t':{'emulations':["
	    "{'device':'virtio-rnd','slot':'2:0:0'},"
	    "{'device':'virtio-rnd','slot':'2:0:0'}]}}}");

	/* Two targets may pin one slot: they never run together. */
	cf = LOAD("{" BASE ",'emulations':[" RND "],'targets':{"
	    "'t':{'emulations':[{'device':'virtio-rnd','id':'x','slot':'7'}]},"
	    "'u':{'emulations':[{'device':'virtio-blk','path':'/y','id':'y',"
	    "'slot':'7'}]}}}");
	SLOTS_EQ(HB ", 0:1:0 virtio-rnd, " LPC, cf, NULL);
	SLOTS_EQ(HB ", 0:1:0 virtio-rnd, 0:7:0 virtio-rnd#x, " LPC, cf, "t");
	SLOTS_EQ(HB ", 0:1:0 virtio-rnd, 0:7:0 virtio-blk#y, " LPC, cf, "u");
	vmrun_config_free(cf);

	/* A device that replaces a pinned one may pin the same slot. */
	cf = LOAD("{" BASE ",'emulations':[{'device':'virtio-rnd','id':'r',"
	    "'slot':'6'}],'targets':{'t':{'emulations':["
	    "{'device':'virtio-blk','path':'/z','id':'r','slot':'6'}]}}}");
	SLOTS_EQ(HB ", 0:6:0 virtio-blk#r, " LPC, cf, "t");
	vmrun_config_free(cf);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, sequential);
	ATF_TP_ADD_TC(tp, pins_respected_and_skipped);
	ATF_TP_ADD_TC(tp, target_pins_reserved_in_base);
	ATF_TP_ADD_TC(tp, base_device_keeps_slot);
	ATF_TP_ADD_TC(tp, append_never_moves);
	ATF_TP_ADD_TC(tp, removed_slot_stays_unused);
	ATF_TP_ADD_TC(tp, replaced_keeps_slot);
	ATF_TP_ADD_TC(tp, graphic_then_target_devices);
	ATF_TP_ADD_TC(tp, seed_slot);
	ATF_TP_ADD_TC(tp, bus0_full_spills);
	ATF_TP_ADD_TC(tp, pin_reserved_slot_is_error);
	ATF_TP_ADD_TC(tp, two_pins_one_slot);
	ATF_TP_ADD_TC(tp, function0_empty);

	return (atf_no_error());
}

/*
 * cfgtext: what the api, config and render programs share: the smallest
 * valid configuration (BASE, members of the top-level object, with ' for
 * "), the pieces of the bhyve command it renders to, and the checks that
 * compare against them.  Built on testutil.h.
 */

#ifndef CFGTEXT_H
#define CFGTEXT_H

#include <stdlib.h>

#include <atf-c.h>

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

/* The diagnostics ("code@path" lines) of an invalid configuration. */
#define BAD(expected, json)	\
	DIAGS_EQ(expected, json, VMRUN_ERR_INVALID, DIAGS_CODES)

/* The same with messages: "code@path: message" lines. */
#define BADMSG(expected, json)	\
	DIAGS_EQ(expected, json, VMRUN_ERR_INVALID, DIAGS_MSGS)

/* A valid configuration with exactly these warnings ("" for none). */
#define GOOD(expected, json)	\
	DIAGS_EQ(expected, json, VMRUN_OK, DIAGS_CODES)

/* The bhyve argv (program "bhyve") of a target, joined with blanks. */
#define ARGV_EQ(expected, cf, target) do {				\
	char *a_ = argv_of(cf, target);					\
	ATF_CHECK_STREQ_MSG(expected, a_, "target %s", #target);	\
	free(a_);							\
} while (0)

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

#endif /* !CFGTEXT_H */

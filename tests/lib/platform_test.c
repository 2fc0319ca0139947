/*
 * platform_test: the decisions behind the platform seam (platform.h)
 * that are made the same way on FreeBSD and Linux, tested here with the
 * answers FreeBSD gives, which this host cannot produce.
 */

#include <sys/types.h>

#include <stdbool.h>
#include <string.h>

#include <atf-c.h>

#include "platform.h"

/* bhyve's title, "bhyve: NAME", as KERN_PROC_ARGS or /proc gives it. */
ATF_TC_WITHOUT_HEAD(bhyve_title);
ATF_TC_BODY(bhyve_title, tc)
{
	static const char freebsd[] = "bhyve: vm1";	/* and its NUL */
	static const char linux_[] = "bhyve: vm1\0/bin/sh\0fake-bhyve\0vm1";

	ATF_CHECK(plat_bhyve_title(freebsd, sizeof(freebsd), "vm1"));
	/* Unterminated, as a read(2) of exactly its length leaves it. */
	ATF_CHECK(plat_bhyve_title(freebsd, strlen(freebsd), "vm1"));
	ATF_CHECK(plat_bhyve_title(linux_, sizeof(linux_), "vm1"));
	/* Another VM's, whose name starts or ends the same. */
	ATF_CHECK(!plat_bhyve_title(freebsd, sizeof(freebsd), "vm"));
	ATF_CHECK(!plat_bhyve_title(freebsd, sizeof(freebsd), "vm10"));
	ATF_CHECK(!plat_bhyve_title("bhyve: vm10", 12, "vm1"));
	/* Not a title: bhyve's own command line, a shorter buffer. */
	ATF_CHECK(!plat_bhyve_title("/usr/sbin/bhyve\0-c\0vm1", 23, "vm1"));
	ATF_CHECK(!plat_bhyve_title(freebsd, 5, "vm1"));
	ATF_CHECK(!plat_bhyve_title("", 0, "vm1"));
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, bhyve_title);
	return (atf_no_error());
}

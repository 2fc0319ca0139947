/*
 * platform_test: the decisions behind the platform seam (platform.h)
 * that are made the same way on FreeBSD and Linux, tested here with the
 * answers FreeBSD gives, which this host cannot produce.
 */

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "vmrun_impl.h"
#include "supervise.h"
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

/*
 * FreeBSD refuses a connection to a live listener whose queue is full
 * with ECONNREFUSED, as it refuses one to a socket nobody listens on.
 */
ATF_TC_WITHOUT_HEAD(socket_stale);
ATF_TC_BODY(socket_stale, tc)
{
	/* Refused, and no listener found: stale. */
	ATF_CHECK(plat_socket_stale(ECONNREFUSED, 0));
	/* Refused, but a listener holds it (a full queue), or no telling. */
	ATF_CHECK(!plat_socket_stale(ECONNREFUSED, 1));
	ATF_CHECK(!plat_socket_stale(ECONNREFUSED, -1));
	/* Connected, or pending, or the file is not ours to judge. */
	ATF_CHECK(!plat_socket_stale(0, 0));
	ATF_CHECK(!plat_socket_stale(EINPROGRESS, 0));
	ATF_CHECK(!plat_socket_stale(EAGAIN, 0));
	ATF_CHECK(!plat_socket_stale(EACCES, 0));
}

/* The path a listener was bound to, as net.local.stream.pcblist has it. */
ATF_TC_WITHOUT_HEAD(unix_path_match);
ATF_TC_BODY(unix_path_match, tc)
{
	ATF_CHECK_EQ(plat_unix_path_match("/var/run/vm/con.sock",
	    "/var/run/vm/con.sock"), 1);
	ATF_CHECK_EQ(plat_unix_path_match("/var/run/vm/con.sock",
	    "/var/run/vm/other.sock"), 0);
	ATF_CHECK_EQ(plat_unix_path_match("/var/run/a/con.sock",
	    "/var/run/b/con.sock"), 0);
	/* Bound relative to a directory we do not know: perhaps. */
	ATF_CHECK_EQ(plat_unix_path_match("con.sock", "/var/run/vm/con.sock"),
	    -1);
	ATF_CHECK_EQ(plat_unix_path_match("vm/con.sock",
	    "/var/run/vm/con.sock"), -1);
	ATF_CHECK_EQ(plat_unix_path_match("other.sock",
	    "/var/run/vm/con.sock"), 0);
	ATF_CHECK_EQ(plat_unix_path_match("", "/var/run/vm/"), 0);
}

/*
 * PROC_REAP_KILL of the hook's subtree reaches its group too: the group
 * is signalled again only when the subtree was not reached at all.
 */
ATF_TC_WITHOUT_HEAD(reapkill_once);
ATF_TC_BODY(reapkill_once, tc)
{
	ATF_CHECK(!plat_reapkill_fallback(0, 3));
	ATF_CHECK(!plat_reapkill_fallback(0, 0));
	/* ESRCH with none killed: nothing in the subtree; EINVAL: none. */
	ATF_CHECK(plat_reapkill_fallback(-1, 0));
	/* EPERM for one, others killed: signalled already. */
	ATF_CHECK(!plat_reapkill_fallback(-1, 2));
}

/*
 * Which zombie child is the hook's to reap: one from its subtree
 * (FreeBSD's pi_subtree) or group (Linux), never the hook itself, never
 * another's (the embedding program's children have their own).
 */
ATF_TC_WITHOUT_HEAD(orphan_of);
ATF_TC_BODY(orphan_of, tc)
{
	ATF_CHECK(plat_orphan_of(501, true, 500, 500));
	ATF_CHECK(!plat_orphan_of(501, false, 500, 500));	/* alive */
	ATF_CHECK(!plat_orphan_of(500, true, 500, 500));	/* the hook */
	ATF_CHECK(!plat_orphan_of(777, true, 777, 500));	/* another */
	ATF_CHECK(!plat_orphan_of(601, true, 600, 500));
	ATF_CHECK(!plat_orphan_of(501, true, 500, 0));	/* no hook */
}

/*
 * O_NOFOLLOW on a symbolic link: ELOOP on Linux, EMLINK on FreeBSD,
 * whose text ("Too many links") would mislead.
 */
ATF_TC_WITHOUT_HEAD(nofollow_symlink);
ATF_TC_BODY(nofollow_symlink, tc)
{
	char buf[256];

	ATF_REQUIRE(symlink("/nonexistent/target", "link") == 0);
	ATF_CHECK_STREQ(nofollow_error("link", EMLINK),
	    "it is a symbolic link");
	ATF_CHECK_STREQ(nofollow_error("link", ELOOP),
	    "it is a symbolic link");
	/* Not a link: the system's own words. */
	ATF_REQUIRE((fclose(fopen("file", "w"))) == 0);
	snprintf(buf, sizeof(buf), "%s", strerror(EMLINK));
	ATF_CHECK_STREQ(nofollow_error("file", EMLINK), buf);
	ATF_CHECK_STREQ(nofollow_error("link", EACCES), strerror(EACCES));
}

/*
 * A pid file that cannot be written is removed and its handle released
 * (FreeBSD's libutil closes it and keeps the handle, which nothing
 * could free after).  The write fails here for a file size limit of 0.
 */
ATF_TC_WITHOUT_HEAD(pidfile_write_fails);
ATF_TC_BODY(pidfile_write_fails, tc)
{
	struct rlimit rl, old;
	struct pidfh *pfh;
	struct stat sb;
	pid_t other;
	int r, e;

	ATF_REQUIRE((pfh = plat_pidfile_open("lock.pid", 0600, &other)) !=
	    NULL);
	signal(SIGXFSZ, SIG_IGN);
	ATF_REQUIRE(getrlimit(RLIMIT_FSIZE, &old) == 0);
	rl = old;
	rl.rlim_cur = 0;
	ATF_REQUIRE(setrlimit(RLIMIT_FSIZE, &rl) == 0);
	r = plat_pidfile_write(pfh);
	e = errno;
	/* Before any check: the result file must be written. */
	ATF_REQUIRE(setrlimit(RLIMIT_FSIZE, &old) == 0);
	ATF_CHECK_EQ(r, -1);
	ATF_CHECK_EQ(e, EFBIG);
	/* Gone with the handle (a leak or a double free: the sanitizers). */
	ATF_CHECK(lstat("lock.pid", &sb) != 0 && errno == ENOENT);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, bhyve_title);
	ATF_TP_ADD_TC(tp, socket_stale);
	ATF_TP_ADD_TC(tp, unix_path_match);
	ATF_TP_ADD_TC(tp, reapkill_once);
	ATF_TP_ADD_TC(tp, orphan_of);
	ATF_TP_ADD_TC(tp, nofollow_symlink);
	ATF_TP_ADD_TC(tp, pidfile_write_fails);
	return (atf_no_error());
}

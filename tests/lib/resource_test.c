/*
 * resource_test: where a VM's files live and what a run leaves behind
 * (dirs.c, resource.c).  The run and state directories are made with the
 * modes they must have and refused when another could change them; the
 * run resources are undone newest first, each told of once, boot ones
 * at every boot's end, the others only at the end, and one that cannot
 * be recorded is undone at once.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "vmrun_impl.h"
#include "supervise.h"
#include "testutil.h"

ATF_TC_WITHOUT_HEAD(run_default);
ATF_TC_BODY(run_default, tc)
{
	char b[64];

	ATF_CHECK_STREQ(dirs_run_for(0, "/run/user/0", b, sizeof(b)),
	    "/var/run/vmrun");
	ATF_CHECK_STREQ(dirs_run_for(1001, "/run/user/1001", b, sizeof(b)),
	    "/run/user/1001/vmrun");
	/* Only an absolute path counts, as the XDG spec says. */
	ATF_CHECK_STREQ(dirs_run_for(1001, "run", b, sizeof(b)),
	    "/tmp/vmrun-1001");
	ATF_CHECK_STREQ(dirs_run_for(1001, NULL, b, sizeof(b)),
	    "/tmp/vmrun-1001");
	ATF_CHECK(dirs_run_for(1001, "/a/very/long/runtime/directory/path",
	    b, 20) == NULL);
}

ATF_TC_WITHOUT_HEAD(state_default);
ATF_TC_BODY(state_default, tc)
{
	char b[64];

	ATF_CHECK_STREQ(dirs_state_for(NULL, "vm1", 0, "/x", "/root", b,
	    sizeof(b)), "/var/db/vmrun/vm1");
	ATF_CHECK_STREQ(dirs_state_for("/vms/one", "vm1", 0, NULL, NULL, b,
	    sizeof(b)), "/vms/one");
	ATF_CHECK_STREQ(dirs_state_for(NULL, "vm1", 1001, "/home/u/.st",
	    "/home/u", b, sizeof(b)), "/home/u/.st/vmrun/vm1");
	ATF_CHECK_STREQ(dirs_state_for(NULL, "vm1", 1001, "", "/home/u", b,
	    sizeof(b)), "/home/u/.local/state/vmrun/vm1");
	ATF_CHECK(dirs_state_for(NULL, "vm1", 1001, NULL, NULL, b,
	    sizeof(b)) == NULL);
}

static char *
made(const char *rel, enum dirs_kind kind, int want)
{
	struct vmrun_diags *ds;
	char *t;

	ATF_REQUIRE((ds = vmrun_diags_new()) != NULL);
	ATF_CHECK_EQ_MSG(dirs_make(rel, kind, "run directory", ds), want,
	    "%s", rel);
	t = diags_text(ds, DIAGS_MSGS);
	vmrun_diags_free(ds);
	return (t);
}

ATF_TC_WITHOUT_HEAD(make_modes);
ATF_TC_BODY(make_modes, tc)
{
	struct stat sb;
	char *t;

	umask(0);
	/* Missing parents are made too; the last has the kind's mode. */
	t = made("a/b/private", DK_PRIVATE, 0);
	ATF_CHECK_STREQ(t, "");
	free(t);
	ATF_REQUIRE(stat("a/b/private", &sb) == 0);
	ATF_CHECK_EQ(sb.st_mode & 07777, 0700);
	ATF_REQUIRE(stat("a/b", &sb) == 0);
	ATF_CHECK_EQ(sb.st_mode & 07777, 0700);
	t = made("shared", DK_SHARED, 0);
	free(t);
	ATF_REQUIRE(stat("shared", &sb) == 0);
	ATF_CHECK_EQ(sb.st_mode & 07777, 0755);
	/* There already and safe: used as it is, not changed. */
	ATF_REQUIRE(chmod("shared", 0700) == 0);
	t = made("shared", DK_SHARED, 0);
	free(t);
	ATF_REQUIRE(stat("shared", &sb) == 0);
	ATF_CHECK_EQ(sb.st_mode & 07777, 0700);
}

ATF_TC_WITHOUT_HEAD(make_unsafe);
ATF_TC_BODY(make_unsafe, tc)
{
	struct stat sb;
	char *t;

	ATF_REQUIRE(mkdir("open", 0700) == 0 && chmod("open", 0777) == 0);
	t = made("open", DK_SHARED, 69);
	ATF_CHECK_STREQ(t, "unsafe-dir@: the run directory open is unsafe: "
	    "others may write to it");
	free(t);
	/* Private: read access for the group is enough to refuse. */
	ATF_REQUIRE(chmod("open", 0750) == 0);
	t = made("open", DK_PRIVATE, 69);
	ATF_CHECK_STREQ(t, "unsafe-dir@: the run directory open is unsafe: "
	    "others may use it");
	free(t);
	ATF_REQUIRE(mkdir("real", 0700) == 0 && symlink("real", "link") == 0);
	t = made("link", DK_PRIVATE, 69);
	ATF_CHECK_STREQ(t, "unsafe-dir@: the run directory link is unsafe: "
	    "it is a symbolic link");
	free(t);
	ATF_REQUIRE(close(open("file", O_CREAT | O_WRONLY, 0600)) == 0);
	t = made("file", DK_PRIVATE, 69);
	ATF_CHECK_STREQ(t, "unsafe-dir@: the run directory file is unsafe: "
	    "it is not a directory");
	free(t);
	/* Nothing was changed to make it pass. */
	ATF_REQUIRE(stat("open", &sb) == 0);
	ATF_CHECK_EQ(sb.st_mode & 07777, 0750);
	ATF_REQUIRE(lstat("link", &sb) == 0);
	ATF_CHECK(S_ISLNK(sb.st_mode));
}

ATF_TC_WITHOUT_HEAD(unsafe_owner);
ATF_TC_BODY(unsafe_owner, tc)
{
	struct stat sb;

	memset(&sb, 0, sizeof(sb));
	sb.st_mode = S_IFDIR | 0700;
	sb.st_uid = 1001;
	ATF_CHECK_STREQ(dirs_unsafe(&sb, DK_PRIVATE, 0),
	    "it is owned by another user");
	ATF_CHECK(dirs_unsafe(&sb, DK_PRIVATE, 1001) == NULL);
	sb.st_mode = S_IFDIR | 0755;
	ATF_CHECK(dirs_unsafe(&sb, DK_SHARED, 1001) == NULL);
	ATF_CHECK(dirs_unsafe(&sb, DK_PRIVATE, 1001) != NULL);
}

/* The cleanup events, as "resource:action:ok" lines. */
static char events[1024];

static void
on_event(const struct vmrun_event *ev, void *arg)
{
	size_t n;

	(void)arg;
	if (ev->ev_type != VMRUN_EV_CLEANUP)
		return;
	n = strlen(events);
	snprintf(events + n, sizeof(events) - n, "%s:%s:%d\n",
	    ev->ev_resource, ev->ev_action, ev->ev_ok);
}

static char undone[256];

static bool
undo_rec(struct vmrun_sup *su, void *arg)
{
	size_t n;

	(void)su;
	n = strlen(undone);
	snprintf(undone + n, sizeof(undone) - n, "%s", (const char *)arg);
	return (strcmp(arg, "bad") != 0);
}

static struct vmrun_sup *
sup_lock(struct vmrun_config **cfp, const char *lock)
{
	struct vmrun_opts *o;
	struct vmrun_sup *su;

	*cfp = load_ok(__FILE__, __LINE__,
	    "{'name': 'r', 'cpu': 1, 'mem': '64M'}", true);
	ATF_REQUIRE((o = vmrun_opts_new()) != NULL);
	if (lock != NULL)
		ATF_REQUIRE(vmrun_opts_set_lockfile(o, lock) == VMRUN_OK);
	ATF_REQUIRE(vmrun_sup_new(*cfp, NULL, o, &su) == VMRUN_OK);
	vmrun_opts_free(o);
	vmrun_sup_set_callback(su, on_event, NULL);
	events[0] = undone[0] = '\0';
	return (su);
}

static struct vmrun_sup *
sup_of(struct vmrun_config **cfp)
{
	return (sup_lock(cfp, NULL));
}

/* The run directory is the lock's: used when safe, else exit 69. */
ATF_TC_WITHOUT_HEAD(rundir_of_lock);
ATF_TC_BODY(rundir_of_lock, tc)
{
	struct vmrun_config *cf;
	struct vmrun_diags *ds;
	struct vmrun_sup *su;
	char *t;
	int rc;

	ATF_REQUIRE(mkdir("safe", 0755) == 0 && mkdir("open", 0700) == 0 &&
	    chmod("open", 01777) == 0);
	ATF_REQUIRE((ds = vmrun_diags_new()) != NULL);
	su = sup_lock(&cf, "safe/r.pid");
	rc = -1;
	ATF_CHECK_STREQ(sup_rundir(su, ds, &rc), "safe");
	ATF_CHECK_EQ(rc, 0);
	vmrun_sup_free(su);
	vmrun_config_free(cf);
	su = sup_lock(&cf, "open/r.pid");
	ATF_CHECK(sup_rundir(su, ds, &rc) == NULL);
	ATF_CHECK_EQ(rc, 69);
	t = diags_text(ds, DIAGS_MSGS);
	ATF_CHECK_STREQ(t, "unsafe-dir@: the run directory open is unsafe: "
	    "others may write to it");
	free(t);
	vmrun_sup_free(su);
	vmrun_config_free(cf);
	vmrun_diags_free(ds);
}

ATF_TC_WITHOUT_HEAD(undo_order);
ATF_TC_BODY(undo_order, tc)
{
	struct vmrun_config *cf;
	struct vmrun_sup *su;

	su = sup_of(&cf);
	ATF_REQUIRE_EQ(res_add(su, RL_VM, "tap0", "destroy", undo_rec, "1",
	    NULL), 0);
	ATF_REQUIRE_EQ(res_add(su, RL_BOOT, "map", "remove", undo_rec, "2",
	    NULL), 0);
	ATF_REQUIRE_EQ(res_add(su, RL_VM, "br0", "remove", undo_rec, "bad",
	    NULL), 0);
	ATF_REQUIRE_EQ(res_add(su, RL_BOOT, "sock", "remove", undo_rec, "4",
	    NULL), 0);
	/* A boot's end: its own, newest first; the VM's stay. */
	res_undo(su, RL_BOOT, true);
	ATF_CHECK_STREQ(undone, "42");
	ATF_CHECK_STREQ(events, "sock:remove:1\nmap:remove:1\n");
	events[0] = undone[0] = '\0';
	res_undo(su, RL_BOOT, true);
	ATF_CHECK_STREQ(undone, "");
	/* The end: the rest, newest first, a failure said as one. */
	res_undo(su, RL_VM, true);
	ATF_CHECK_STREQ(undone, "bad1");
	ATF_CHECK_STREQ(events, "br0:remove:0\ntap0:destroy:1\n");
	events[0] = undone[0] = '\0';
	res_undo(su, RL_VM, true);
	ATF_CHECK_STREQ(undone, "");
	vmrun_sup_free(su);
	vmrun_config_free(cf);
}

ATF_TC_WITHOUT_HEAD(done_by_owner);
ATF_TC_BODY(done_by_owner, tc)
{
	struct vmrun_config *cf;
	struct vmrun_sup *su;
	static char a[] = "a", b[] = "b";

	su = sup_of(&cf);
	ATF_REQUIRE_EQ(res_add(su, RL_BOOT, "swtpm", "stop", undo_rec, a,
	    NULL), 0);
	ATF_REQUIRE_EQ(res_add(su, RL_BOOT, "sock", "remove", undo_rec, b,
	    NULL), 0);
	ATF_REQUIRE(res_find(su, b) != NULL);
	res_done(su, res_find(su, a), true);
	ATF_CHECK(res_find(su, a) == NULL);
	ATF_CHECK_STREQ(undone, "");	/* its owner undid it */
	ATF_CHECK_STREQ(events, "swtpm:stop:1\n");
	res_undo(su, RL_BOOT, true);
	ATF_CHECK_STREQ(undone, "b");
	/* What the supervisor still holds when freed is undone, untold. */
	events[0] = undone[0] = '\0';
	ATF_REQUIRE_EQ(res_add(su, RL_VM, "tap0", "destroy", undo_rec, a,
	    NULL), 0);
	vmrun_sup_free(su);
	ATF_CHECK_STREQ(undone, "a");
	ATF_CHECK_STREQ(events, "");
	vmrun_config_free(cf);
}

ATF_TC_WITHOUT_HEAD(add_nomem);
ATF_TC_BODY(add_nomem, tc)
{
	struct vmrun_config *cf;
	struct vmrun_sup *su;
	struct stat sb;
	int fd;

	su = sup_of(&cf);
	/* The first resource needs the list: its allocation fails. */
	alloc_fail_after(0);
	ATF_CHECK_EQ(res_add(su, RL_VM, "tap0", "destroy", undo_rec, "1",
	    NULL), ENOMEM);
	alloc_fail_after(-1);
	ATF_CHECK_STREQ(undone, "1");
	ATF_CHECK_STREQ(events, "tap0:destroy:1\n");
	/* A file: removed at once when it cannot be recorded. */
	events[0] = '\0';
	ATF_REQUIRE((fd = open("f", O_CREAT | O_EXCL | O_WRONLY, 0600)) >= 0);
	close(fd);
	ATF_REQUIRE(lstat("f", &sb) == 0);
	alloc_fail_after(0);
	ATF_CHECK_EQ(res_add_file(su, RL_BOOT, "f", &sb), ENOMEM);
	alloc_fail_after(-1);
	ATF_CHECK(access("f", F_OK) != 0);
	vmrun_sup_free(su);
	vmrun_config_free(cf);
}

ATF_TC_WITHOUT_HEAD(file_ours_only);
ATF_TC_BODY(file_ours_only, tc)
{
	struct vmrun_config *cf;
	struct vmrun_sup *su;
	struct stat sb;
	int fd;

	su = sup_of(&cf);
	ATF_REQUIRE((fd = open("m", O_CREAT | O_EXCL | O_WRONLY, 0600)) >= 0);
	close(fd);
	ATF_REQUIRE(lstat("m", &sb) == 0);
	ATF_REQUIRE_EQ(res_add_file(su, RL_BOOT, "m", &sb), 0);
	ATF_REQUIRE((fd = open("n", O_CREAT | O_EXCL | O_WRONLY, 0600)) >= 0);
	close(fd);
	ATF_REQUIRE(lstat("n", &sb) == 0);
	ATF_REQUIRE_EQ(res_add_file(su, RL_BOOT, "n", &sb), 0);
	/* Someone put another file in n's place: it is not vmrun's. */
	ATF_REQUIRE(unlink("n") == 0 && symlink("m", "n") == 0);
	res_undo(su, RL_BOOT, true);
	ATF_CHECK_STREQ(events, "n:remove:0\nm:remove:1\n");
	ATF_CHECK(access("m", F_OK) != 0);
	ATF_REQUIRE(lstat("n", &sb) == 0);
	ATF_CHECK(S_ISLNK(sb.st_mode));
	vmrun_sup_free(su);
	vmrun_config_free(cf);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, run_default);
	ATF_TP_ADD_TC(tp, state_default);
	ATF_TP_ADD_TC(tp, make_modes);
	ATF_TP_ADD_TC(tp, make_unsafe);
	ATF_TP_ADD_TC(tp, unsafe_owner);
	ATF_TP_ADD_TC(tp, rundir_of_lock);
	ATF_TP_ADD_TC(tp, undo_order);
	ATF_TP_ADD_TC(tp, done_by_owner);
	ATF_TP_ADD_TC(tp, add_nomem);
	ATF_TP_ADD_TC(tp, file_ours_only);
	return (atf_no_error());
}

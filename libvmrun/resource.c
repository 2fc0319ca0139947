/*
 * resource: what vmrun makes on the host for a VM's runs (design §12.9)
 * -- a tap, a bridge membership, a file in the run directory, a sidecar
 * -- recorded as it is made, so that the end undoes exactly that, newest
 * first, with a cleanup event each, and never more.  What outlives the
 * VM (TPM state, the seed, a created disk) is not recorded here.
 *
 * A resource lives for one boot (RL_BOOT: undone when bhyve has ended,
 * before the next start) or for the supervision (RL_VM: undone when vmrun
 * ends, kept across guest reboots).
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "vmrun_impl.h"
#include "supervise.h"

static void
res_event(struct vmrun_sup *su, const struct resource *r, bool ok)
{
	struct vmrun_event ev;

	sup_event_init(&ev, VMRUN_EV_CLEANUP);
	ev.ev_resource = r->rs_name;
	ev.ev_action = r->rs_action;
	ev.ev_ok = ok;
	sup_event(su, &ev);
}

static void
res_release(struct resource *r)
{
	if (r->rs_free != NULL)
		r->rs_free(r->rs_arg);
	xfree(r->rs_name);
}

/*
 * Record what was just made: name (copied) is what the cleanup event
 * names, action (static) what undoing it is ("remove", "destroy",
 * "restore", ...), undo(su, arg) undoes it and says whether it could;
 * arg is owned from now on and given to freefn (may be NULL) once it is
 * undone or forgotten.  0; or ENOMEM, and then it has been undone
 * already, with its event: nothing is made that the end would not undo.
 */
int
res_add(struct vmrun_sup *su, enum res_life life, const char *name,
    const char *action, res_undo_fn *undo, void *arg, void (*freefn)(void *))
{
	struct resource *r, tmp;
	size_t cap;

	memset(&tmp, 0, sizeof(tmp));
	tmp.rs_life = life;
	tmp.rs_action = action;
	tmp.rs_undo = undo;
	tmp.rs_arg = arg;
	tmp.rs_free = freefn;
	if (su->su_nres == su->su_rescap) {
		cap = su->su_rescap == 0 ? 8 : 2 * su->su_rescap;
		if ((r = xrealloc(su->su_res, cap * sizeof(*r))) != NULL) {
			su->su_res = r;
			su->su_rescap = cap;
		}
	}
	if (su->su_nres == su->su_rescap ||
	    (tmp.rs_name = xstrdup(name)) == NULL) {
		tmp.rs_name = (char *)(uintptr_t)name;
		res_event(su, &tmp, undo(su, arg));
		tmp.rs_name = NULL;
		res_release(&tmp);
		return (ENOMEM);
	}
	su->su_res[su->su_nres++] = tmp;
	return (0);
}

/* The resource whose undo is given arg, or NULL. */
struct resource *
res_find(struct vmrun_sup *su, const void *arg)
{
	size_t i;

	for (i = su->su_nres; i-- > 0;)
		if (su->su_res[i].rs_arg == arg)
			return (&su->su_res[i]);
	return (NULL);
}

static void
res_remove(struct vmrun_sup *su, struct resource *r)
{
	size_t i;

	i = (size_t)(r - su->su_res);
	res_release(r);
	memmove(r, r + 1, (su->su_nres - i - 1) * sizeof(*r));
	su->su_nres--;
}

/*
 * Resource r (res_find) was undone by its owner, ok saying whether it
 * could: tell of it as its undo would have, and forget it.  For what
 * takes a while to undo, as a sidecar that is stopped by the loop.
 */
void
res_done(struct vmrun_sup *su, struct resource *r, bool ok)
{
	res_event(su, r, ok);
	res_remove(su, r);
}

/*
 * Undo, newest first, every resource of life (RL_BOOT: those of the
 * boot that ended; RL_VM: all of them), each with its cleanup event
 * when tell is set (not while the supervisor is freed: the caller's
 * callback may be gone).
 */
void
res_undo(struct vmrun_sup *su, enum res_life life, bool tell)
{
	struct resource *r;
	size_t i;
	bool ok;

	for (i = su->su_nres; i-- > 0;) {
		r = &su->su_res[i];
		if (life == RL_BOOT && r->rs_life != RL_BOOT)
			continue;
		ok = r->rs_undo(su, r->rs_arg);
		if (tell)
			res_event(su, r, ok);
		res_remove(su, r);
	}
}

/*
 * A resource for a file vmrun made in the run directory: removed at the
 * end if it is still the file vmrun made (same type, device and inode: a
 * freed inode number is soon given again), never through a symbolic link.
 */
struct res_file {
	dev_t		 rf_dev;
	ino_t		 rf_ino;
	mode_t		 rf_type;
	char		 rf_path[];
};

static bool
undo_file(struct vmrun_sup *su, void *arg)
{
	struct res_file *rf;
	struct stat sb;

	(void)su;
	rf = arg;
	if (lstat(rf->rf_path, &sb) != 0)
		return (errno == ENOENT);
	if (sb.st_dev != rf->rf_dev || sb.st_ino != rf->rf_ino ||
	    (sb.st_mode & S_IFMT) != rf->rf_type)
		return (false);		/* not ours any more: left alone */
	return (unlink(rf->rf_path) == 0 || errno == ENOENT);
}

/*
 * Record file path, just made by vmrun (sb: its lstat), as a resource
 * of life: 0 or ENOMEM (then it is removed already).
 */
int
res_add_file(struct vmrun_sup *su, enum res_life life, const char *path,
    const struct stat *sb)
{
	struct res_file *rf;
	size_t n;

	n = strlen(path) + 1;
	if ((rf = xmalloc(sizeof(*rf) + n)) == NULL) {
		(void)unlink(path);
		return (ENOMEM);
	}
	rf->rf_dev = sb->st_dev;
	rf->rf_ino = sb->st_ino;
	rf->rf_type = sb->st_mode & S_IFMT;
	memcpy(rf->rf_path, path, n);
	return (res_add(su, life, path, "remove", undo_file, rf, xfree));
}

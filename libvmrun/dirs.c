/*
 * dirs: where a VM's files live (design §12.9).  The run directory holds
 * what lasts one supervision (sockets, pid files, the loader's files);
 * the state directory holds what outlives it (TPM state, the cloud-init
 * seed).  Both are made here, and refused when someone else could change
 * what is in them: vmrun writes through neither a symbolic link nor a
 * directory another user may write.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmrun_impl.h"

#define ROOT_RUNDIR	"/var/run/vmrun"
#define ROOT_STATEDIR	"/var/db/vmrun"

/*
 * The run directory of a user: /var/run/vmrun for root, else
 * $XDG_RUNTIME_DIR/vmrun, else /tmp/vmrun-UID.  xdg is the variable's
 * value or NULL; only an absolute path counts (XDG Base Directory).  The
 * path goes to buf; NULL when it does not fit.
 */
const char *
dirs_run_for(uid_t uid, const char *xdg, char *buf, size_t len)
{
	int n;

	if (uid == 0)
		n = snprintf(buf, len, "%s", ROOT_RUNDIR);
	else if (xdg != NULL && *xdg == '/')
		n = snprintf(buf, len, "%s/vmrun", xdg);
	else
		n = snprintf(buf, len, "/tmp/vmrun-%lu", (unsigned long)uid);
	return (n < 0 || (size_t)n >= len ? NULL : buf);
}

/* This process's run directory (dirs_run_for). */
const char *
dirs_run(char *buf, size_t len)
{
	return (dirs_run_for(geteuid(), getenv("XDG_RUNTIME_DIR"), buf, len));
}

/*
 * The run directory of a supervisor whose lock (-P) is lockfile: the
 * lock's directory, or without one this user's (dirs_run).  NULL when it
 * does not fit buf.
 */
const char *
vmrun_run_dir(const char *lockfile, char *buf, size_t len)
{
	const char *slash;
	int n;

	if (buf == NULL)
		return (NULL);
	if (lockfile == NULL)
		return (dirs_run(buf, len));
	if ((slash = strrchr(lockfile, '/')) == NULL)
		n = snprintf(buf, len, ".");
	else if (slash == lockfile)
		n = snprintf(buf, len, "/");
	else
		n = snprintf(buf, len, "%.*s", (int)(slash - lockfile),
		    lockfile);
	return (n < 0 || (size_t)n >= len ? NULL : buf);
}

/*
 * The state directory of VM name: given (the configuration's state_dir)
 * when not NULL, else /var/db/vmrun/NAME for root, else
 * $XDG_STATE_HOME/vmrun/NAME, else $HOME/.local/state/vmrun/NAME.  NULL
 * when it does not fit or a user has no home to put it in.
 */
const char *
dirs_state_for(const char *given, const char *name, uid_t uid,
    const char *xdg, const char *home, char *buf, size_t len)
{
	int n;

	if (given != NULL)
		n = snprintf(buf, len, "%s", given);
	else if (uid == 0)
		n = snprintf(buf, len, "%s/%s", ROOT_STATEDIR, name);
	else if (xdg != NULL && *xdg == '/')
		n = snprintf(buf, len, "%s/vmrun/%s", xdg, name);
	else if (home != NULL && *home == '/')
		n = snprintf(buf, len, "%s/.local/state/vmrun/%s", home, name);
	else
		return (NULL);
	return (n < 0 || (size_t)n >= len ? NULL : buf);
}

const char *
dirs_state(const char *given, const char *name, char *buf, size_t len)
{
	return (dirs_state_for(given, name, geteuid(),
	    getenv("XDG_STATE_HOME"), getenv("HOME"), buf, len));
}

/*
 * Why the directory sb describes is unsafe for kind, or NULL.  The
 * shared run directory of root may be read by all (vmrun list) but
 * written by root alone; every other is the user's alone.
 */
const char *
dirs_unsafe(const struct stat *sb, enum dirs_kind kind, uid_t uid)
{
	if (S_ISLNK(sb->st_mode))
		return ("it is a symbolic link");
	if (!S_ISDIR(sb->st_mode))
		return ("it is not a directory");
	if (sb->st_uid != uid)
		return ("it is owned by another user");
	if (kind == DK_SHARED && (sb->st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return ("others may write to it");
	if (kind == DK_PRIVATE && (sb->st_mode & (S_IRWXG | S_IRWXO)) != 0)
		return ("others may use it");
	return (NULL);
}

/*
 * Make the missing directories of path, the last with mode, those above
 * it 0700 (no other user has a reason to enter them); never through a
 * symbolic link at the last component.  0 or an errno.
 */
static int
mkdirs(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	char *s;
	size_t n;

	if ((n = strlen(path)) == 0 || n >= sizeof(buf))
		return (ENAMETOOLONG);
	memcpy(buf, path, n + 1);
	while (n > 1 && buf[n - 1] == '/')
		buf[--n] = '\0';
	if (mkdir(buf, mode) == 0 || errno == EEXIST)
		return (0);
	if (errno != ENOENT)
		return (errno);
	for (s = buf + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			return (errno);
		*s = '/';
	}
	return (mkdir(buf, mode) == 0 || errno == EEXIST ? 0 : errno);
}

/*
 * Make directory path for kind if it is missing (mode 0755 for the
 * shared one, else 0700), and check it is safe: 0, or 69 with the
 * problem in ds naming the directory, what = what it is ("run
 * directory").  chmod(2) after mkdir: the umask must not decide.
 */
int
dirs_make(const char *path, enum dirs_kind kind, const char *what,
    struct vmrun_diags *ds)
{
	struct stat sb;
	const char *why;
	mode_t mode;
	bool made;
	int e;

	mode = kind == DK_SHARED ? 0755 : 0700;
	made = false;
	if (lstat(path, &sb) != 0) {
		e = errno == ENOENT ? mkdirs(path, mode) : errno;
		if (e == 0 && lstat(path, &sb) != 0)
			e = errno;
		if (e != 0) {
			diag_add(ds, VMRUN_ERROR, "dir-failed", "", NULL,
			    "cannot create the %s %s: %s", what, path,
			    strerror(e));
			return (69);
		}
		made = true;
	}
	if (made && S_ISDIR(sb.st_mode) && sb.st_uid == geteuid() &&
	    (sb.st_mode & 07777) != mode && chmod(path, mode) == 0)
		sb.st_mode = (sb.st_mode & ~(mode_t)07777) | mode;
	if ((why = dirs_unsafe(&sb, kind, geteuid())) != NULL) {
		diag_add(ds, VMRUN_ERROR, "unsafe-dir", "", kind ==
		    DK_SHARED ? "make it a directory owned by root that only "
		    "root may write" : "make it a directory of yours that only "
		    "you may use (chmod 700)", "the %s %s is unsafe: %s", what,
		    path, why);
		return (69);
	}
	return (0);
}

/*
 * Linux side of platform.h: where vmrun is developed and tested against
 * fake bhyve programs.
 */

#define _GNU_SOURCE		/* posix_spawn_file_actions_addclosefrom_np */

#include <sys/types.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/if_tun.h>
#include <net/if.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "platform.h"

/*
 * pidfile(3) as FreeBSD's libutil has it, so that vmrun needs no libbsd
 * (and libmd) here: a file locked with flock(2) while it is held, whose
 * holder a second opener is told of (EEXIST and its pid).
 */
struct pidfh {
	int		 pf_fd;
	dev_t		 pf_dev;
	ino_t		 pf_ino;
	char		 pf_path[];
};

/* The holder's pid, which it may not have written yet: a few tries. */
static pid_t
pidfile_read(const char *path)
{
	struct timespec ts = { 0, 5000000 };
	char buf[32];
	ssize_t n;
	int fd, i;

	for (i = 0; i < 5; i++) {
		if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
			return (-1);
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			return ((pid_t)strtol(buf, NULL, 10));
		}
		nanosleep(&ts, NULL);
	}
	return (-1);
}

struct pidfh *
plat_pidfile_open(const char *path, mode_t mode, pid_t *otherpid)
{
	struct pidfh *pfh;
	struct stat fsb, psb;
	int fd, e;

	for (;;) {
		fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
		    O_NONBLOCK, mode);
		if (fd < 0)
			return (NULL);
		if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
			e = errno;
			close(fd);
			if (e == EWOULDBLOCK) {
				if (otherpid != NULL)
					*otherpid = pidfile_read(path);
				e = EEXIST;
			}
			errno = e;
			return (NULL);
		}
		/* Locked, but is it still the file at path? */
		if (fstat(fd, &fsb) == 0 && stat(path, &psb) == 0 &&
		    fsb.st_dev == psb.st_dev && fsb.st_ino == psb.st_ino)
			break;
		close(fd);
	}
	if (ftruncate(fd, 0) != 0 ||
	    (pfh = malloc(sizeof(*pfh) + strlen(path) + 1)) == NULL) {
		e = errno;
		close(fd);
		errno = e;
		return (NULL);
	}
	pfh->pf_fd = fd;
	pfh->pf_dev = fsb.st_dev;
	pfh->pf_ino = fsb.st_ino;
	memcpy(pfh->pf_path, path, strlen(path) + 1);
	return (pfh);
}

int
plat_pidfile_write(struct pidfh *pfh)
{
	char buf[32];
	int n, e;

	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(pfh->pf_fd, 0) != 0 ||
	    pwrite(pfh->pf_fd, buf, (size_t)n, 0) != n) {
		e = errno;
		(void)plat_pidfile_remove(pfh);
		errno = e;
		return (-1);
	}
	return (0);
}

int
plat_pidfile_close(struct pidfh *pfh)
{
	int r;

	r = close(pfh->pf_fd);
	free(pfh);
	return (r);
}

/* Remove the file only if the path still names it. */
int
plat_pidfile_remove(struct pidfh *pfh)
{
	struct stat sb;
	int r;

	r = 0;
	if (lstat(pfh->pf_path, &sb) == 0 && sb.st_dev == pfh->pf_dev &&
	    sb.st_ino == pfh->pf_ino)
		r = unlink(pfh->pf_path);
	if (plat_pidfile_close(pfh) != 0)
		r = -1;
	return (r);
}


int
plat_spawn_closefrom(posix_spawn_file_actions_t *fa, int lowfd)
{
	return (posix_spawn_file_actions_addclosefrom_np(fa, lowfd));
}

/* pidfd_open(2): Linux 5.3; the descriptor is close-on-exec. */
int
plat_procfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	return ((int)syscall(SYS_pidfd_open, pid, 0));
#else
	(void)pid;
	errno = ENOSYS;
	return (-1);
#endif
}

int
plat_subreaper(void)
{
	return (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0 ? 0 : errno);
}

/*
 * Linux has no counterpart of FreeBSD's PROC_REAP_KILL: what left the
 * hook's group is not reached.  The group is enough for the tests, which
 * are what vmrun runs here for.
 */
void
plat_hook_kill(pid_t hook, int sig)
{
	(void)killpg(hook, sig);
}

/* /proc/PID/stat: "PID (COMM) STATE PPID PGRP ..."; COMM may hold ')'. */
static bool
proc_stat(const char *pid, char *state, long *ppid, long *pgrp)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return (false);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return (false);
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL)
		return (false);
	return (sscanf(p + 1, " %c %ld %ld", state, ppid, pgrp) == 3);
}

/*
 * Look at process group pg: how many of its processes live (*live), and
 * reap the zombies of it that are our children, but pg's leader itself
 * (plat_orphan_of).  Returns how many it reaped, or -1 with no /proc.
 */
static int
pgrp_scan(pid_t pg, int *live)
{
	DIR *d;
	struct dirent *de;
	long ppid, pgrp;
	pid_t pid;
	char state;
	int n;

	*live = 0;
	if ((d = opendir("/proc")) == NULL)
		return (-1);
	n = 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9' ||
		    !proc_stat(de->d_name, &state, &ppid, &pgrp) ||
		    pgrp != (long)pg)
			continue;
		pid = (pid_t)atol(de->d_name);
		if (state != 'Z' && state != 'X')
			(*live)++;
		else if (ppid == (long)getpid() &&
		    plat_orphan_of(pid, true, (pid_t)pgrp, pg) &&
		    waitpid(pid, NULL, WNOHANG) == pid)
			n++;
	}
	closedir(d);
	return (n);
}

int
plat_pgrp_live(pid_t pg)
{
	int live;

	return (pgrp_scan(pg, &live) < 0 ? -1 : live);
}

/*
 * Linux does not say which child of ours a process came from; the
 * hook's process group does, for what stayed in it.  What left it
 * (setsid) is not told apart from the caller's own children, so it is
 * left alone.
 */
int
plat_reap_hook_orphans(pid_t hook)
{
	int live, n;

	return ((n = pgrp_scan(hook, &live)) < 0 ? 0 : n);
}

int
plat_refused_listener(const char *path)
{
	(void)path;
	return (0);
}

/*
 * There is no real bhyve here, but the tests' stand-in names itself as
 * bhyve does: the first string of /proc/PID/cmdline.
 */
pid_t
plat_bhyve_pid(const char *name)
{
	DIR *d;
	struct dirent *de;
	char path[PATH_MAX], buf[256];
	ssize_t n;
	pid_t found;
	int fd;

	if ((d = opendir("/proc")) == NULL)
		return (0);
	found = 0;
	while (found == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9' ||
		    atol(de->d_name) == (long)getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		close(fd);
		if (n > 0 && plat_bhyve_title(buf, (size_t)n, name))
			found = (pid_t)atol(de->d_name);
	}
	closedir(d);
	return (found);
}

/*
 * A tap is busy when attaching to it fails with EBUSY: the kernel allows
 * one open file per (single-queue) tap.  Attaching and closing at once
 * changes nothing for a persistent tap.
 */
static int
linux_if_state(const char *name)
{
	struct ifreq ifr;
	int fd, e;

	if (if_nametoindex(name) == 0)
		return (PLAT_IF_ABSENT);
	if ((fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC)) < 0)
		return (-errno);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	e = ioctl(fd, TUNSETIFF, &ifr) == 0 ? 0 : errno;
	close(fd);
	if (e == 0)
		return (PLAT_IF_FREE);
	if (e == EBUSY)
		return (PLAT_IF_BUSY);
	if (e == EINVAL)
		return (PLAT_IF_NOTTAP);
	return (-e);
}

static int
linux_tap_create(const char *name)
{
	struct ifreq ifr;
	int fd, e;

	if ((fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC)) < 0)
		return (errno);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	e = 0;
	if (ioctl(fd, TUNSETIFF, &ifr) != 0 || ioctl(fd, TUNSETPERSIST, 1) != 0)
		e = errno;
	close(fd);
	return (e);
}

/* Linux has no vmm, nmdm or ppt: those checks do not apply here. */
static int
linux_module(const char *name)
{
	(void)name;
	return (PLAT_NA);
}

static int
linux_maxcpu(void)
{
	return (PLAT_NA);
}

static int
linux_ppt(unsigned b, unsigned s, unsigned f, char *drv, size_t len)
{
	(void)b;
	(void)s;
	(void)f;
	(void)drv;
	(void)len;
	return (PLAT_NA);
}

static int
linux_pci_lookup(unsigned long vendor, unsigned long device, unsigned *b,
    unsigned *s, unsigned *f)
{
	(void)vendor;
	(void)device;
	(void)b;
	(void)s;
	(void)f;
	return (ENOTSUP);
}

const struct plat_ops plat_native = {
	linux_if_state, linux_tap_create, linux_module, linux_maxcpu,
	linux_ppt, linux_pci_lookup
};

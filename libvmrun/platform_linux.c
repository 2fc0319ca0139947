/*
 * Linux side of platform.h: where vmrun is developed and tested against
 * fake bhyve programs.
 */

#define _GNU_SOURCE		/* posix_spawn_file_actions_addclosefrom_np */

#include <sys/types.h>
#include <sys/file.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

#include <linux/if_tun.h>
#include <net/if.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
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

/* What the child of plat_spawn is given, and tells back. */
struct spawn_child {
	const struct plat_spawn *sc_ps;
	int		 sc_err;	/* why it could not exec */
	bool		 sc_unshared;	/* it had a table of its own */
};

/*
 * The child, on its own stack in the parent's memory while the parent
 * waits (CLONE_VFORK): nothing it does reaches the parent but sc_err and
 * sc_unshared.  Until close_range has given it a table of its own it
 * touches no descriptor: the table is the parent's.  Not instrumented by
 * AddressSanitizer: the guards it would mark around this function's
 * variables would stay marked in the parent's stack, the function never
 * returning to clear them.
 */
__attribute__((__no_sanitize_address__))
static int
spawn_child(void *arg)
{
	struct spawn_child *sc = arg;
	const struct plat_spawn *ps = sc->sc_ps;
	struct sigaction sa;
	sigset_t set;
	int sig, i, fd;

	/* Its handlers are its own (no CLONE_SIGHAND). */
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	plat_settable_signals(&set);
	for (sig = 1; sig <= SIGRTMAX; sig++) {
		if (sigismember(&set, sig) != 1 || sig == SIGKILL ||
		    sig == SIGSTOP)
			continue;
		sa.sa_handler = sig == SIGPIPE && ps->ps_ignpipe ? SIG_IGN :
		    SIG_DFL;
		(void)sigaction(sig, &sa, NULL);
	}
	if (syscall(SYS_close_range, (unsigned)ps->ps_below, ~0U,
	    CLOSE_RANGE_UNSHARE) != 0)
		goto fail;
	sc->sc_unshared = true;
	if (ps->ps_pgrp && setpgid(0, 0) != 0)
		goto fail;
	for (i = 0; i < 3; i++) {
		if ((fd = ps->ps_fd[i]) == PS_KEEP)
			continue;
		if (fd == PS_NULL && (fd = open("/dev/null",
		    i == 0 ? O_RDONLY : O_WRONLY)) < 0)
			goto fail;
		if (fd == i)
			(void)fcntl(fd, F_SETFD, 0);
		else if (dup2(fd, i) != i)
			goto fail;
		else if (ps->ps_fd[i] == PS_NULL)
			(void)close(fd);
	}
	if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
		goto fail;
	sigemptyset(&set);
	(void)sigprocmask(SIG_SETMASK, &set, NULL);
	execve(ps->ps_argv[0], ps->ps_argv, ps->ps_envp);
fail:
	sc->sc_err = errno;
	_exit(127);
}

bool
plat_spawn_ok(void)
{
#if defined(SYS_close_range) && defined(CLOSE_RANGE_UNSHARE)
	return (true);
#else
	return (false);
#endif
}

/*
 * As posix_spawn does it (CLONE_VM | CLONE_VFORK: no copy of the memory,
 * every signal blocked until the child has reset its handlers), with
 * CLONE_FILES: the table is not copied either.
 */
int
plat_spawn(const struct plat_spawn *ps, pid_t *pid)
{
	/* The child's stack: this frame's, unused while the child runs. */
	char stack[32 * 1024] __attribute__((__aligned__(16)));
	struct spawn_child sc;
	sigset_t all, old;
	pid_t p;
	int e;

#if !defined(SYS_close_range) || !defined(CLOSE_RANGE_UNSHARE)
	(void)ps;
	(void)pid;
	(void)stack;
	(void)sc;
	return (-1);
#else
	memset(&sc, 0, sizeof(sc));
	sc.sc_ps = ps;
	sigfillset(&all);
	(void)sigprocmask(SIG_SETMASK, &all, &old);
	p = clone(spawn_child, stack + sizeof(stack), CLONE_VM | CLONE_VFORK |
	    CLONE_FILES | SIGCHLD, &sc);
	e = errno;
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	if (p < 0)
		return (e == EAGAIN || e == ENOMEM ? e : -1);
	if (sc.sc_err != 0 || !sc.sc_unshared)
		while (waitpid(p, NULL, 0) < 0 && errno == EINTR)
			;
	if (!sc.sc_unshared)
		return (-1);	/* no close_range here: posix_spawn */
	*pid = p;
	return (sc.sc_err);
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

/*
 * The multiplexer: epoll, each descriptor armed EPOLLONESHOT so that one
 * closed while armed (its file kept open by a child the caller forked)
 * reports once at most, and a timerfd on CLOCK_MONOTONIC, mono_now's
 * clock, armed at the absolute deadline.
 */
struct plat_mux {
	int		 mx_ep;
	int		 mx_timer;
	double		 mx_deadline;	/* the timer's, or 0 */
};

struct plat_mux *
plat_mux_new(void)
{
	struct epoll_event ev;
	struct plat_mux *mx;
	int e;

	if ((mx = calloc(1, sizeof(*mx))) == NULL)
		return (NULL);
	mx->mx_timer = -1;
	if ((mx->mx_ep = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (mx->mx_timer = timerfd_create(CLOCK_MONOTONIC,
	    TFD_CLOEXEC | TFD_NONBLOCK)) < 0)
		goto fail;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.fd = mx->mx_timer;
	if (epoll_ctl(mx->mx_ep, EPOLL_CTL_ADD, mx->mx_timer, &ev) != 0)
		goto fail;
	return (mx);
fail:
	e = errno;
	plat_mux_free(mx);
	errno = e;
	return (NULL);
}

void
plat_mux_free(struct plat_mux *mx)
{
	if (mx == NULL)
		return;
	if (mx->mx_ep >= 0)
		close(mx->mx_ep);
	if (mx->mx_timer >= 0)
		close(mx->mx_timer);
	free(mx);
}

int
plat_mux_fd(const struct plat_mux *mx)
{
	return (mx->mx_ep);
}

/* The events asked for fd in pfd[n], the first time it appears; or 0. */
static uint32_t
mux_events(const struct pollfd *pfd, int n, int i)
{
	uint32_t ev;
	int j;

	for (j = 0; j < i; j++)
		if (pfd[j].fd == pfd[i].fd)
			return (0);
	/* None asked: still armed, for a hang-up (epoll always tells). */
	ev = EPOLLONESHOT;
	for (j = i; j < n; j++)
		if (pfd[j].fd == pfd[i].fd)
			ev |= ((pfd[j].events & POLLIN) ? EPOLLIN : 0) |
			    ((pfd[j].events & POLLOUT) ? EPOLLOUT : 0);
	return (ev);
}

int
plat_mux_arm(struct plat_mux *mx, const struct pollfd *pfd, int n,
    double deadline)
{
	struct epoll_event ev;
	struct itimerspec its;
	int i, e;

	e = 0;
	for (i = 0; i < n; i++) {
		if (pfd[i].fd < 0)
			continue;
		memset(&ev, 0, sizeof(ev));
		if ((ev.events = mux_events(pfd, n, i)) == 0)
			continue;
		ev.data.fd = pfd[i].fd;
		/* Not armed yet, or the number now names another file. */
		if (epoll_ctl(mx->mx_ep, EPOLL_CTL_MOD, pfd[i].fd, &ev) != 0 &&
		    (errno != ENOENT ||
		    epoll_ctl(mx->mx_ep, EPOLL_CTL_ADD, pfd[i].fd, &ev) != 0) &&
		    e == 0)
			e = errno;	/* the others are armed all the same */
	}
	if (deadline == mx->mx_deadline)
		return (e);
	memset(&its, 0, sizeof(its));
	if (deadline > 0) {
		/* Rounded up: never before the deadline, as mono_now sees it. */
		its.it_value.tv_sec = (time_t)deadline;
		its.it_value.tv_nsec = (long)((deadline -
		    (double)its.it_value.tv_sec) * 1e9) + 1;
		if (its.it_value.tv_nsec >= 1000000000L) {
			its.it_value.tv_sec++;
			its.it_value.tv_nsec -= 1000000000L;
		}
	}
	if (timerfd_settime(mx->mx_timer, TFD_TIMER_ABSTIME, &its, NULL) != 0)
		return (errno);
	mx->mx_deadline = deadline;
	return (e);
}

int
plat_mux_ready(struct plat_mux *mx, struct pollfd *pfd, int n)
{
	struct epoll_event ev[32];
	uint64_t ticks;
	short re;
	int i, j, got;

	do
		got = epoll_wait(mx->mx_ep, ev, 32, 0);
	while (got < 0 && errno == EINTR);
	for (i = 0; i < got; i++) {
		if (ev[i].data.fd == mx->mx_timer) {
			/* Expired: read, so it is no longer readable. */
			if (read(mx->mx_timer, &ticks, sizeof(ticks)) < 0) {
				/* EAGAIN: disarmed meanwhile. */
			}
			mx->mx_deadline = 0;
			continue;
		}
		re = (short)(((ev[i].events & EPOLLIN) ? POLLIN : 0) |
		    ((ev[i].events & EPOLLOUT) ? POLLOUT : 0) |
		    ((ev[i].events & EPOLLHUP) ? POLLHUP : 0) |
		    ((ev[i].events & EPOLLERR) ? POLLERR : 0));
		for (j = 0; j < n; j++)
			if (pfd[j].fd == ev[i].data.fd)
				pfd[j].revents |= re;
	}
	return (got);
}

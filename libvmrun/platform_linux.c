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
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
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

/*
 * Attach to tap name (made if missing) and set whether it persists: a
 * persistent tap outlives its opener; one that is not ends when it is
 * closed, as ip tuntap del does.  0 or an errno.
 */
static int
tun_persist(const char *name, int on)
{
	struct ifreq ifr;
	int fd, e;

	if ((fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC)) < 0)
		return (errno);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	e = 0;
	if (ioctl(fd, TUNSETIFF, &ifr) != 0 || ioctl(fd, TUNSETPERSIST, on) != 0)
		e = errno;
	close(fd);
	return (e);
}

static int
linux_tap_create(const char *name)
{
	return (tun_persist(name, 1));
}

static int
linux_if_destroy(const char *name)
{
	return (tun_persist(name, 0));
}

/*
 * Interfaces and bridges through rtnetlink (design §12.5: never by
 * running ip): one request, one answer, on a socket made for it.
 */
#define NL_BUF		16384	/* an RTM_NEWLINK answer with its stats */

struct nlreq {
	struct nlmsghdr	 nr_h;
	struct ifinfomsg nr_i;
	char		 nr_attr[512];
};

static void
nl_init(struct nlreq *r, int type, int family, unsigned idx)
{
	memset(r, 0, sizeof(*r));
	r->nr_h.nlmsg_len = NLMSG_LENGTH(sizeof(r->nr_i));
	r->nr_h.nlmsg_type = (unsigned short)type;
	r->nr_h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	r->nr_i.ifi_family = (unsigned char)family;
	r->nr_i.ifi_index = (int)idx;
}

/* Append an attribute; returns it, to close a nest with nl_end. */
static struct rtattr *
nl_attr(struct nlreq *r, int type, const void *data, size_t len)
{
	struct rtattr *a;

	a = (struct rtattr *)(void *)((char *)r +
	    NLMSG_ALIGN(r->nr_h.nlmsg_len));
	a->rta_type = (unsigned short)type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len > 0)
		memcpy(RTA_DATA(a), data, len);
	r->nr_h.nlmsg_len = NLMSG_ALIGN(r->nr_h.nlmsg_len) +
	    RTA_ALIGN(a->rta_len);
	return (a);
}

static void
nl_end(struct nlreq *r, struct rtattr *nest)
{
	nest->rta_len = (unsigned short)((char *)r + r->nr_h.nlmsg_len -
	    (char *)nest);
}

/* The errno of a call that failed: never 0, which would read as done. */
static int
nl_errno(void)
{
	int e;

	e = errno;
	return (e != 0 ? e : EIO);
}

/*
 * Send r; the answer (a link for RTM_GETLINK) goes to buf: 0 or an
 * errno (the kernel's answer).
 */
static int
nl_talk(struct nlreq *r, char *buf, size_t len)
{
	struct timeval tv = { 5, 0 };	/* the kernel answers at once */
	struct sockaddr_nl sa;
	struct nlmsghdr *h;
	struct nlmsgerr *e;
	ssize_t n;
	int s, rc;

	if ((s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
	    NETLINK_ROUTE)) < 0)
		return (nl_errno());
	/* Every wait is bounded, this one too. */
	(void)setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	r->nr_h.nlmsg_seq = 1;
	rc = EIO;
	if (sendto(s, r, r->nr_h.nlmsg_len, 0, (struct sockaddr *)&sa,
	    sizeof(sa)) < 0) {
		rc = nl_errno();
		goto out;
	}
	/* A get is answered by the link, then the acknowledgement. */
	for (;;) {
		if ((n = recv(s, buf, len, 0)) < 0) {
			if (errno == EINTR)
				continue;
			rc = nl_errno();
			break;
		}
		h = (struct nlmsghdr *)(void *)buf;
		if (!NLMSG_OK(h, (size_t)n))
			break;
		if (h->nlmsg_type == NLMSG_ERROR) {
			e = NLMSG_DATA(h);
			rc = -e->error;
			/* An acknowledgement is no link: a get needs one. */
			if (rc == 0 && r->nr_h.nlmsg_type == RTM_GETLINK)
				rc = EIO;
			break;
		}
		if (h->nlmsg_type == RTM_NEWLINK &&
		    r->nr_h.nlmsg_type == RTM_GETLINK) {
			rc = 0;
			break;
		}
	}
out:
	close(s);
	return (rc);
}

/* The link of interface index idx, its attributes in tb: 0 or an errno. */
static int
nl_getlink(unsigned idx, char *buf, size_t len, struct ifinfomsg **ip,
    struct rtattr **tb, int max)
{
	struct nlreq r;
	struct nlmsghdr *h;
	struct rtattr *a;
	int n, e;

	nl_init(&r, RTM_GETLINK, AF_UNSPEC, idx);
	if ((e = nl_talk(&r, buf, len)) != 0)
		return (e);
	h = (struct nlmsghdr *)(void *)buf;
	*ip = NLMSG_DATA(h);
	memset(tb, 0, (size_t)(max + 1) * sizeof(*tb));
	n = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(**ip)));
	for (a = IFLA_RTA(*ip); RTA_OK(a, n); a = RTA_NEXT(a, n))
		if (a->rta_type <= max)
			tb[a->rta_type] = a;
	return (0);
}

static int
linux_if_info(const char *name, struct plat_ifinfo *pi)
{
	struct rtattr *tb[IFLA_MAX + 1];
	struct ifinfomsg *ifi;
	char *buf, mname[IF_NAMESIZE];
	unsigned idx, m;
	size_t n;
	int e;

	memset(pi, 0, sizeof(*pi));
	if ((idx = if_nametoindex(name)) == 0)
		return (ENXIO);
	if ((buf = malloc(NL_BUF)) == NULL)
		return (ENOMEM);
	if ((e = nl_getlink(idx, buf, NL_BUF, &ifi, tb, IFLA_MAX)) == 0) {
		pi->pi_up = (ifi->ifi_flags & IFF_UP) != 0;
		if (tb[IFLA_MTU] != NULL)
			memcpy(&pi->pi_mtu, RTA_DATA(tb[IFLA_MTU]),
			    sizeof(pi->pi_mtu));
		if (tb[IFLA_IFALIAS] != NULL) {
			n = RTA_PAYLOAD(tb[IFLA_IFALIAS]);
			if (n >= sizeof(pi->pi_descr))
				n = sizeof(pi->pi_descr) - 1;
			memcpy(pi->pi_descr, RTA_DATA(tb[IFLA_IFALIAS]), n);
			pi->pi_descr[n] = '\0';
		}
		if (tb[IFLA_MASTER] != NULL) {
			memcpy(&m, RTA_DATA(tb[IFLA_MASTER]), sizeof(m));
			if (if_indextoname(m, mname) != NULL)
				snprintf(pi->pi_master,
				    sizeof(pi->pi_master), "%s", mname);
		}
	}
	free(buf);
	return (e);
}

/* One change to the link of name: a request built by fn. */
static int
nl_setlink(const char *name, int type, int family,
    void (*fn)(struct nlreq *, const void *), const void *arg)
{
	struct nlreq r;
	char ack[1024];
	unsigned idx;

	if ((idx = if_nametoindex(name)) == 0)
		return (ENXIO);
	nl_init(&r, type, family, idx);
	fn(&r, arg);
	return (nl_talk(&r, ack, sizeof(ack)));
}

static void
req_alias(struct nlreq *r, const void *arg)
{
	nl_attr(r, IFLA_IFALIAS, arg, strlen(arg));
}

static void
req_up(struct nlreq *r, const void *arg)
{
	r->nr_i.ifi_change = IFF_UP;
	r->nr_i.ifi_flags = *(const bool *)arg ? IFF_UP : 0;
}

static void
req_u32(struct nlreq *r, const void *arg)
{
	const unsigned *v = arg;

	nl_attr(r, (int)v[0], &v[1], sizeof(v[1]));
}

static void
req_vlan(struct nlreq *r, const void *arg)
{
	struct bridge_vlan_info vi;
	struct rtattr *nest;

	memset(&vi, 0, sizeof(vi));
	vi.flags = BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED;
	vi.vid = (unsigned short)*(const int *)arg;
	nest = nl_attr(r, IFLA_AF_SPEC, NULL, 0);
	nl_attr(r, IFLA_BRIDGE_VLAN_INFO, &vi, sizeof(vi));
	nl_end(r, nest);
}

static int
linux_if_descr(const char *name, const char *descr)
{
	if (strlen(descr) >= PLAT_DESCR_MAX)
		return (ENAMETOOLONG);
	return (nl_setlink(name, RTM_NEWLINK, AF_UNSPEC, req_alias, descr));
}

static int
linux_if_up(const char *name, bool up)
{
	return (nl_setlink(name, RTM_NEWLINK, AF_UNSPEC, req_up, &up));
}

static int
linux_if_mtu(const char *name, int mtu)
{
	unsigned v[2] = { IFLA_MTU, (unsigned)mtu };

	return (nl_setlink(name, RTM_NEWLINK, AF_UNSPEC, req_u32, v));
}

static int
linux_br_add(const char *br, const char *ifname)
{
	unsigned v[2] = { IFLA_MASTER, 0 };

	if ((v[1] = if_nametoindex(br)) == 0)
		return (ENXIO);
	return (nl_setlink(ifname, RTM_NEWLINK, AF_UNSPEC, req_u32, v));
}

/* Only from br: a member another bridge took since is not ours. */
static int
linux_br_del(const char *br, const char *ifname)
{
	struct plat_ifinfo pi;
	unsigned v[2] = { IFLA_MASTER, 0 };
	int e;

	if ((e = linux_if_info(ifname, &pi)) != 0)
		return (e);
	if (strcmp(pi.pi_master, br) != 0)
		return (ESRCH);
	return (nl_setlink(ifname, RTM_NEWLINK, AF_UNSPEC, req_u32, v));
}

static int
linux_br_pvid(const char *br, const char *ifname, int vlan, bool set)
{
	(void)br;
	return (nl_setlink(ifname, set ? RTM_SETLINK : RTM_DELLINK,
	    AF_BRIDGE, req_vlan, &vlan));
}

static int
linux_br_state(const char *br)
{
	struct rtattr *tb[IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1], *a;
	struct ifinfomsg *ifi;
	unsigned idx;
	char *buf;
	int e, n, st;

	if ((idx = if_nametoindex(br)) == 0)
		return (-ENOENT);
	if ((buf = malloc(NL_BUF)) == NULL)
		return (-ENOMEM);
	if ((e = nl_getlink(idx, buf, NL_BUF, &ifi, tb, IFLA_MAX)) != 0) {
		free(buf);
		return (-e);
	}
	memset(li, 0, sizeof(li));
	if (tb[IFLA_LINKINFO] != NULL) {
		n = (int)RTA_PAYLOAD(tb[IFLA_LINKINFO]);
		for (a = RTA_DATA(tb[IFLA_LINKINFO]); RTA_OK(a, n);
		    a = RTA_NEXT(a, n))
			if (a->rta_type <= IFLA_INFO_MAX)
				li[a->rta_type] = a;
	}
	st = -ENOTTY;
	if (li[IFLA_INFO_KIND] != NULL &&
	    strcmp(RTA_DATA(li[IFLA_INFO_KIND]), "bridge") == 0) {
		st = 0;
		if (li[IFLA_INFO_DATA] != NULL) {
			n = (int)RTA_PAYLOAD(li[IFLA_INFO_DATA]);
			for (a = RTA_DATA(li[IFLA_INFO_DATA]); RTA_OK(a, n);
			    a = RTA_NEXT(a, n))
				if (a->rta_type == IFLA_BR_VLAN_FILTERING &&
				    *(unsigned char *)RTA_DATA(a) != 0)
					st |= PLAT_BR_VLANFILTER;
		}
	}
	free(buf);
	return (st);
}

/* Linux bridges take members with addresses: no such rule here. */
static int
linux_br_ifaddr(const char *ifname, char *addr, size_t len)
{
	(void)ifname;
	(void)addr;
	(void)len;
	return (PLAT_NA);
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

static int
linux_ncpu(void)
{
	long n;

	n = sysconf(_SC_NPROCESSORS_CONF);
	return (n > 0 && n < 1 << 30 ? (int)n : PLAT_NA);
}

/* Not FreeBSD: no FreeBSD version. */
static int
linux_osreldate(void)
{
	return (PLAT_NA);
}

/* rctl(8) is FreeBSD's: Linux has no such limits on a process. */
static int
linux_racct(void)
{
	return (PLAT_NA);
}

static int
linux_rctl_add(const char *rule)
{
	(void)rule;
	return (ENOSYS);
}

const struct plat_ops plat_native = {
	.po_if_state = linux_if_state,
	.po_tap_create = linux_tap_create,
	.po_if_info = linux_if_info,
	.po_if_destroy = linux_if_destroy,
	.po_if_descr = linux_if_descr,
	.po_if_up = linux_if_up,
	.po_if_mtu = linux_if_mtu,
	.po_br_add = linux_br_add,
	.po_br_del = linux_br_del,
	.po_br_pvid = linux_br_pvid,
	.po_br_state = linux_br_state,
	.po_br_ifaddr = linux_br_ifaddr,
	.po_module = linux_module,
	.po_maxcpu = linux_maxcpu,
	.po_ppt = linux_ppt,
	.po_pci_lookup = linux_pci_lookup,
	.po_ncpu = linux_ncpu,
	.po_osreldate = linux_osreldate,
	.po_racct = linux_racct,
	.po_rctl_add = linux_rctl_add,
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

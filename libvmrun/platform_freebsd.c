/*
 * FreeBSD side of platform.h.
 */

#include <sys/param.h>
#include <sys/event.h>
#include <sys/ioctl.h>
#include <sys/linker.h>
#include <sys/module.h>
#include <sys/pciio.h>
#include <sys/procctl.h>
#include <sys/rctl.h>
#include <sys/socket.h>
#include <sys/socketvar.h>
#include <sys/sockio.h>
#include <sys/sysctl.h>
#include <sys/un.h>
#include <sys/unpcb.h>
#include <sys/user.h>
#include <sys/wait.h>

#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_bridgevar.h>
#include <netinet/in.h>

#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <libutil.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "platform.h"

struct pidfh *
plat_pidfile_open(const char *path, mode_t mode, pid_t *otherpid)
{
	return (pidfile_open(path, mode, otherpid));
}

/*
 * On failure libutil has closed the file but kept pfh, which
 * pidfile_remove and pidfile_close then refuse (EINVAL): freed here.
 */
int
plat_pidfile_write(struct pidfh *pfh)
{
	int e;

	if (pidfile_write(pfh) == 0)
		return (0);
	e = errno;
	if (pidfile_remove(pfh) != 0)
		free(pfh);
	errno = e;
	return (-1);
}

int
plat_pidfile_remove(struct pidfh *pfh)
{
	return (pidfile_remove(pfh));
}

int
plat_pidfile_close(struct pidfh *pfh)
{
	return (pidfile_close(pfh));
}


int
plat_spawn_closefrom(posix_spawn_file_actions_t *fa, int lowfd)
{
	return (posix_spawn_file_actions_addclosefrom_np(fa, lowfd));
}

/*
 * FreeBSD's posix_spawn (rfork RFSPAWN) copies the table, and there is
 * no unsharing it later to a part of it: posix_spawn it is.
 */
int
plat_spawn(const struct plat_spawn *ps, pid_t *pid)
{
	(void)ps;
	(void)pid;
	return (-1);
}

bool
plat_spawn_ok(void)
{
	return (false);
}

/*
 * A kqueue with NOTE_EXIT for pid: poll(2) sees it readable once pid has
 * ended.  NOTE_EXIT finds a zombie too, and fires at once for it.
 */
int
plat_procfd(pid_t pid)
{
	struct kevent kev;
	int kq, e;

	if ((kq = kqueue()) < 0)
		return (-1);
	(void)fcntl(kq, F_SETFD, FD_CLOEXEC);
	EV_SET(&kev, (uintptr_t)pid, EVFILT_PROC, EV_ADD, NOTE_EXIT, 0, NULL);
	if (kevent(kq, &kev, 1, NULL, 0, NULL) != 0) {
		e = errno;
		close(kq);
		errno = e;
		return (-1);
	}
	return (kq);
}

int
plat_subreaper(void)
{
	/* EBUSY: this process is a reaper already. */
	if (procctl(P_PID, getpid(), PROC_REAP_ACQUIRE, NULL) == 0 ||
	    errno == EBUSY)
		return (0);
	return (errno);
}

void
plat_hook_kill(pid_t hook, int sig)
{
	struct procctl_reaper_kill rk;
	int rc;

	/* The hook's subtree below its reaper, us: its group and more. */
	memset(&rk, 0, sizeof(rk));
	rk.rk_sig = sig;
	rk.rk_flags = REAPER_KILL_SUBTREE;
	rk.rk_subtree = hook;
	rc = procctl(P_PID, getpid(), PROC_REAP_KILL, &rk);
	if (plat_reapkill_fallback(rc, rk.rk_killed))
		(void)killpg(hook, sig);
}

/* The descendants whose reaper this process is (new array), or NULL. */
static struct procctl_reaper_pidinfo *
reaper_pids(u_int *np)
{
	struct procctl_reaper_status rs;
	struct procctl_reaper_pids rp;
	struct procctl_reaper_pidinfo *pi;
	u_int n;

	if (procctl(P_PID, getpid(), PROC_REAP_STATUS, &rs) != 0)
		return (NULL);
	/* Room for some that come meanwhile. */
	n = rs.rs_descendants + 16;
	if ((pi = calloc(n, sizeof(*pi))) == NULL)
		return (NULL);
	memset(&rp, 0, sizeof(rp));
	rp.rp_count = n;
	rp.rp_pids = pi;
	if (procctl(P_PID, getpid(), PROC_REAP_GETPIDS, &rp) != 0) {
		free(pi);
		return (NULL);
	}
	*np = n;
	return (pi);
}

/*
 * The reaper subtree of hook (its process group and what left it): its
 * zombies that are our children reaped, but hook itself (how many:
 * returned), and its live processes counted in *live (-1 when this
 * kernel does not tell zombies in the list).  -1 when unknown.
 */
static int
subtree_scan(pid_t hook, int *live)
{
	struct procctl_reaper_pidinfo *pi;
	u_int i, n;
	int reaped;
	bool zombie;

	*live = -1;
	if ((pi = reaper_pids(&n)) == NULL)
		return (-1);
	*live = 0;
	reaped = 0;
	for (i = 0; i < n; i++) {
		if (!(pi[i].pi_flags & REAPER_PIDINFO_VALID) ||
		    pi[i].pi_subtree != hook)
			continue;
#ifdef REAPER_PIDINFO_ZOMBIE
		zombie = (pi[i].pi_flags & REAPER_PIDINFO_ZOMBIE) != 0;
#else
		/* Not told: WNOHANG leaves a live one alone. */
		zombie = true;
		*live = -1;
#endif
		if (!zombie && *live >= 0)
			(*live)++;
		if ((pi[i].pi_flags & REAPER_PIDINFO_CHILD) &&
		    plat_orphan_of(pi[i].pi_pid, zombie, hook, hook) &&
		    waitpid(pi[i].pi_pid, NULL, WNOHANG) == pi[i].pi_pid)
			reaped++;
	}
	free(pi);
	return (reaped);
}

int
plat_reap_hook_orphans(pid_t hook)
{
	int live, n;

	return ((n = subtree_scan(hook, &live)) < 0 ? 0 : n);
}

/*
 * What the hook left running, as its end sees it: on a kernel that
 * tells zombies in the reaper's list, its whole subtree, so that what
 * left the group (and PROC_REAP_KILL reached) is waited for and reaped
 * too; else its process group.
 */
int
plat_pgrp_live(pid_t pg)
{
	struct kinfo_proc *kp;
	int mib[4], n;
	size_t len, i;

	(void)subtree_scan(pg, &n);
	if (n >= 0)
		return (n);

	mib[0] = CTL_KERN;
	mib[1] = KERN_PROC;
	mib[2] = KERN_PROC_PGRP;
	mib[3] = (int)pg;
	if (sysctl(mib, 4, NULL, &len, NULL, 0) != 0)
		return (-1);
	len += len / 4 + sizeof(*kp);
	if ((kp = malloc(len)) == NULL)
		return (-1);
	if (sysctl(mib, 4, kp, &len, NULL, 0) != 0) {
		free(kp);
		return (-1);
	}
	n = 0;
	for (i = 0; i < len / sizeof(*kp); i++) {
		if (kp[i].ki_stat != SZOMB)
			n++;
		else if (kp[i].ki_ppid == getpid() &&
		    plat_orphan_of(kp[i].ki_pid, true, kp[i].ki_pgid, pg))
			(void)waitpid(kp[i].ki_pid, NULL, WNOHANG);
	}
	free(kp);
	return (n);
}

/*
 * A listener bound to path, from the list netstat(1) reads: a refused
 * connect may be its full queue (solisten's backlog), not its absence.
 */
int
plat_refused_listener(const char *path)
{
	struct xunpgen *xug, *end;
	struct xunpcb *xu;
	char *buf, bound[sizeof(xu->xu_addr.sun_path) + 1];
	size_t len, plen;
	int found, m;

	if (sysctlbyname("net.local.stream.pcblist", NULL, &len, NULL, 0) != 0)
		return (-1);
	len += len / 4;
	if ((buf = malloc(len)) == NULL)
		return (-1);
	if (sysctlbyname("net.local.stream.pcblist", buf, &len, NULL, 0) != 0 ||
	    len < sizeof(*xug)) {
		free(buf);
		return (-1);
	}
	found = 0;
	end = (struct xunpgen *)(void *)(buf + len);
	xug = (struct xunpgen *)(void *)buf;
	for (xug = (struct xunpgen *)(void *)((char *)xug + xug->xug_len);
	    xug < end && xug->xug_len > sizeof(struct xunpgen) && found != 1;
	    xug = (struct xunpgen *)(void *)((char *)xug + xug->xug_len)) {
		xu = (struct xunpcb *)(void *)xug;
		if ((char *)xu + sizeof(*xu) > buf + len)
			break;
		if (!(xu->xu_socket.so_options & SO_ACCEPTCONN) ||
		    xu->xu_addr.sun_len <= offsetof(struct sockaddr_un,
		    sun_path))
			continue;
		plen = xu->xu_addr.sun_len - offsetof(struct sockaddr_un,
		    sun_path);
		if (plen > sizeof(xu->xu_addr.sun_path))
			plen = sizeof(xu->xu_addr.sun_path);
		memcpy(bound, xu->xu_addr.sun_path, plen);
		bound[plen] = '\0';
		if ((m = plat_unix_path_match(bound, path)) != 0)
			found = m;
	}
	free(buf);
	return (found);
}

/* The title of process pid as ps(1) shows it; false if unknown. */
static bool
proc_title(pid_t pid, char *buf, size_t len)
{
	int mib[4];
	size_t n;

	mib[0] = CTL_KERN;
	mib[1] = KERN_PROC;
	mib[2] = KERN_PROC_ARGS;
	mib[3] = (int)pid;
	n = len - 1;
	/* ENOMEM: the arguments are longer; their start is in buf. */
	if (sysctl(mib, 4, buf, &n, NULL, 0) != 0) {
		if (errno != ENOMEM)
			return (false);
		n = len - 1;
	}
	if (n == 0 || n > len - 1)
		return (false);
	buf[n] = '\0';
	return (true);
}

/*
 * bhyve sets its title to the VM name: "bhyve: NAME" (bhyve.md §1).  Any
 * process with that title counts, whatever its command, so that a
 * stand-in (the test suite's) is found as bhyve would be.
 */
pid_t
plat_bhyve_pid(const char *name)
{
	struct kinfo_proc *kp;
	char title[256];
	int mib[4];
	size_t len, i, n;
	pid_t found;

	mib[0] = CTL_KERN;
	mib[1] = KERN_PROC;
	mib[2] = KERN_PROC_PROC;
	mib[3] = 0;
	if (sysctl(mib, 4, NULL, &len, NULL, 0) != 0)
		return (0);
	len += len / 8;
	if ((kp = malloc(len)) == NULL)
		return (0);
	if (sysctl(mib, 4, kp, &len, NULL, 0) != 0) {
		free(kp);
		return (0);
	}
	n = len / sizeof(*kp);
	found = 0;
	for (i = 0; i < n && found == 0; i++)
		if (kp[i].ki_stat != SZOMB && kp[i].ki_pid != getpid() &&
		    proc_title(kp[i].ki_pid, title, sizeof(title)) &&
		    plat_bhyve_title(title, strlen(title), name))
			found = kp[i].ki_pid;
	free(kp);
	return (found);
}

/*
 * The tap driver's interface status says "Opened by PID N" while a
 * process has it open (what ifconfig(8) prints); asking opens nothing.
 */
static int
fbsd_if_state(const char *name)
{
	struct ifstat ifs;
	int s, e;

	if (if_nametoindex(name) == 0)
		return (PLAT_IF_ABSENT);
	if ((s = socket(AF_LOCAL, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return (-errno);
	memset(&ifs, 0, sizeof(ifs));
	snprintf(ifs.ifs_name, sizeof(ifs.ifs_name), "%s", name);
	e = ioctl(s, SIOCGIFSTATUS, &ifs) == 0 ? 0 : errno;
	close(s);
	if (e != 0)
		return (-e);
	if (strstr(ifs.ascii, "Opened by PID") != NULL)
		return (PLAT_IF_BUSY);
	return (PLAT_IF_FREE);
}

/* ifconfig NAME create */
static int
fbsd_tap_create(const char *name)
{
	struct ifreq ifr;
	int s, e;

	if ((s = socket(AF_LOCAL, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return (errno);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	e = ioctl(s, SIOCIFCREATE2, &ifr) == 0 ? 0 : errno;
	close(s);
	return (e);
}

/* One interface ioctl on a socket made for it: 0 or an errno. */
static int
fbsd_ioctl(unsigned long req, void *arg)
{
	int s, e;

	if ((s = socket(AF_LOCAL, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return (errno);
	e = ioctl(s, req, arg) == 0 ? 0 : errno;
	close(s);
	return (e);
}

static void
ifr_name(struct ifreq *ifr, const char *name)
{
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", name);
}

/*
 * Which bridge holds name is not asked (BRDGADD refuses a member of
 * another bridge with EBUSY): pi_master stays "".
 */
static int
fbsd_if_info(const char *name, struct plat_ifinfo *pi)
{
	struct ifreq ifr;
	int e;

	memset(pi, 0, sizeof(*pi));
	ifr_name(&ifr, name);
	if ((e = fbsd_ioctl(SIOCGIFMTU, &ifr)) != 0)
		return (e);
	pi->pi_mtu = ifr.ifr_mtu;
	ifr_name(&ifr, name);
	if ((e = fbsd_ioctl(SIOCGIFFLAGS, &ifr)) != 0)
		return (e);
	pi->pi_up = (ifr.ifr_flags & IFF_UP) != 0;
	/*
	 * No description is ENOMSG; one longer than the buffer comes back
	 * as a NULL buffer: it could not be given back, so it is an error.
	 */
	ifr_name(&ifr, name);
	ifr.ifr_buffer.buffer = pi->pi_descr;
	ifr.ifr_buffer.length = sizeof(pi->pi_descr);
	if ((e = fbsd_ioctl(SIOCGIFDESCR, &ifr)) == ENOMSG) {
		pi->pi_descr[0] = '\0';
		return (0);
	}
	if (e != 0)
		return (e);
	if (ifr.ifr_buffer.buffer == NULL)
		return (ENAMETOOLONG);
	pi->pi_descr[sizeof(pi->pi_descr) - 1] = '\0';
	return (0);
}

/* ifconfig NAME destroy */
static int
fbsd_if_destroy(const char *name)
{
	struct ifreq ifr;

	ifr_name(&ifr, name);
	return (fbsd_ioctl(SIOCIFDESTROY, &ifr));
}

/* ifconfig NAME description DESCR; a length of 0 clears it. */
static int
fbsd_if_descr(const char *name, const char *descr)
{
	struct ifreq ifr;
	size_t n;

	ifr_name(&ifr, name);
	n = strlen(descr);
	ifr.ifr_buffer.buffer = n > 0 ? (void *)(uintptr_t)descr : NULL;
	ifr.ifr_buffer.length = n > 0 ? n + 1 : 0;
	return (fbsd_ioctl(SIOCSIFDESCR, &ifr));
}

/* ifconfig NAME up (down): the flags as they are, IFF_UP changed. */
static int
fbsd_if_up(const char *name, bool up)
{
	struct ifreq ifr;
	int e, fl;

	ifr_name(&ifr, name);
	if ((e = fbsd_ioctl(SIOCGIFFLAGS, &ifr)) != 0)
		return (e);
	fl = (ifr.ifr_flags & 0xffff) | (ifr.ifr_flagshigh << 16);
	fl = up ? fl | IFF_UP : fl & ~IFF_UP;
	ifr.ifr_flags = (short)(fl & 0xffff);
	ifr.ifr_flagshigh = (short)(fl >> 16);
	return (fbsd_ioctl(SIOCSIFFLAGS, &ifr));
}

static int
fbsd_if_mtu(const char *name, int mtu)
{
	struct ifreq ifr;

	ifr_name(&ifr, name);
	ifr.ifr_mtu = mtu;
	return (fbsd_ioctl(SIOCSIFMTU, &ifr));
}

/* A bridge request (if_bridge(4)): SIOCSDRVSPEC, or SIOCGDRVSPEC. */
static int
fbsd_drvspec(const char *br, unsigned long cmd, bool set, void *data,
    size_t len)
{
	struct ifdrv ifd;

	memset(&ifd, 0, sizeof(ifd));
	snprintf(ifd.ifd_name, sizeof(ifd.ifd_name), "%s", br);
	ifd.ifd_cmd = cmd;
	ifd.ifd_len = len;
	ifd.ifd_data = data;
	return (fbsd_ioctl(set ? SIOCSDRVSPEC : SIOCGDRVSPEC, &ifd));
}

static int
fbsd_br_member(const char *br, const char *ifname, unsigned long cmd)
{
	struct ifbreq req;

	memset(&req, 0, sizeof(req));
	snprintf(req.ifbr_ifsname, sizeof(req.ifbr_ifsname), "%s", ifname);
	return (fbsd_drvspec(br, cmd, true, &req, sizeof(req)));
}

/* ifconfig BRIDGE addm IF */
static int
fbsd_br_add(const char *br, const char *ifname)
{
	return (fbsd_br_member(br, ifname, BRDGADD));
}

/* ifconfig BRIDGE deletem IF */
static int
fbsd_br_del(const char *br, const char *ifname)
{
	return (fbsd_br_member(br, ifname, BRDGDEL));
}

/* ifconfig BRIDGE untagged IF VLAN (FreeBSD 15); 0 takes it back. */
static int
fbsd_br_pvid(const char *br, const char *ifname, int vlan, bool set)
{
#ifdef BRDGSIFPVID
	struct ifbreq req;

	memset(&req, 0, sizeof(req));
	snprintf(req.ifbr_ifsname, sizeof(req.ifbr_ifsname), "%s", ifname);
	req.ifbr_pvid = (ether_vlanid_t)(set ? vlan : 0);
	return (fbsd_drvspec(br, BRDGSIFPVID, true, &req, sizeof(req)));
#else
	(void)br;
	(void)ifname;
	(void)vlan;
	(void)set;
	return (ENOTSUP);
#endif
}

/*
 * A bridge answers BRDGGCACHE; its flags (FreeBSD 15, BRDGGFLAGS) say
 * whether it filters VLANs.
 */
static int
fbsd_br_state(const char *br)
{
	struct ifbrparam p;
	int st;

	if (if_nametoindex(br) == 0)
		return (-ENOENT);
	memset(&p, 0, sizeof(p));
	if (fbsd_drvspec(br, BRDGGCACHE, false, &p, sizeof(p)) != 0)
		return (-ENOTTY);
	st = 0;
#ifdef BRDGGFLAGS
	memset(&p, 0, sizeof(p));
	if (fbsd_drvspec(br, BRDGGFLAGS, false, &p, sizeof(p)) == 0 &&
	    (p.ifbrp_flags & IFBRF_VLANFILTER))
		st |= PLAT_BR_VLANFILTER;
#endif
	return (st);
}

/*
 * FreeBSD 15 refuses a member holding an IP address unless
 * net.link.bridge.member_ifaddrs is 1 (if_bridge(4)).
 */
static int
fbsd_br_ifaddr(const char *ifname, char *addr, size_t len)
{
	struct ifaddrs *ifa, *a;
	const void *p;
	size_t n;
	int v, found;

	n = sizeof(v);
	if (sysctlbyname("net.link.bridge.member_ifaddrs", &v, &n, NULL,
	    0) != 0)
		return (PLAT_NA);
	if (v != 0 || getifaddrs(&ifa) != 0)
		return (0);
	found = 0;
	for (a = ifa; a != NULL && !found; a = a->ifa_next) {
		if (a->ifa_addr == NULL || strcmp(a->ifa_name, ifname) != 0)
			continue;
		if (a->ifa_addr->sa_family == AF_INET)
			p = &((struct sockaddr_in *)(void *)a->ifa_addr)->
			    sin_addr;
		else if (a->ifa_addr->sa_family == AF_INET6)
			p = &((struct sockaddr_in6 *)(void *)a->ifa_addr)->
			    sin6_addr;
		else
			continue;
		found = inet_ntop(a->ifa_addr->sa_family, p, addr,
		    (socklen_t)len) != NULL;
	}
	freeifaddrs(ifa);
	return (found);
}

/* modfind finds modules compiled into the kernel as well as loaded ones. */
static int
fbsd_module(const char *name)
{
	return (modfind(name) >= 0 ? 1 : 0);
}

/* An int sysctl that must be positive: its value, or PLAT_NA. */
static int
fbsd_sysctl_int(const char *name)
{
	int n;
	size_t len;

	len = sizeof(n);
	if (sysctlbyname(name, &n, &len, NULL, 0) != 0 || n <= 0)
		return (PLAT_NA);
	return (n);
}

static int
fbsd_maxcpu(void)
{
	return (fbsd_sysctl_int("hw.vmm.maxcpu"));
}

/*
 * Ask /dev/pci (PCIOCGETCONF) for the devices matching pat; calls fn on
 * each until it returns true.  Returns 0, or an errno.
 */
static int
pci_scan(struct pci_match_conf *pat, int npat,
    bool (*fn)(const struct pci_conf *, void *), void *arg)
{
	struct pci_conf confs[64];
	struct pci_conf_io pc;
	int fd, i;

	if ((fd = open("/dev/pci", O_RDONLY | O_CLOEXEC)) < 0)
		return (errno);
	memset(&pc, 0, sizeof(pc));
	pc.pat_buf_len = npat * sizeof(*pat);
	pc.num_patterns = npat;
	pc.patterns = npat > 0 ? pat : NULL;
	pc.match_buf_len = sizeof(confs);
	pc.matches = confs;
	do {
		if (ioctl(fd, PCIOCGETCONF, &pc) != 0 ||
		    pc.status == PCI_GETCONF_ERROR) {
			close(fd);
			return (EIO);
		}
		for (i = 0; i < (int)pc.num_matches; i++)
			if (fn(&confs[i], arg)) {
				close(fd);
				return (0);
			}
	} while (pc.status == PCI_GETCONF_MORE_DEVS);
	close(fd);
	return (0);
}

struct ppt_arg {
	char	*drv;
	size_t	 len;
	int	 found;
};

static bool
ppt_one(const struct pci_conf *pc, void *arg)
{
	struct ppt_arg *a;

	a = arg;
	a->found = strcmp(pc->pd_name, "ppt") == 0 ? 1 : 0;
	snprintf(a->drv, a->len, "%s", pc->pd_name[0] != '\0' ?
	    pc->pd_name : "none");
	return (true);
}

static int
fbsd_ppt(unsigned b, unsigned s, unsigned f, char *drv, size_t len)
{
	struct pci_match_conf pat;
	struct ppt_arg a;

	memset(&pat, 0, sizeof(pat));
	pat.pc_sel.pc_bus = b;
	pat.pc_sel.pc_dev = s;
	pat.pc_sel.pc_func = f;
	pat.flags = PCI_GETCONF_MATCH_BUS | PCI_GETCONF_MATCH_DEV |
	    PCI_GETCONF_MATCH_FUNC;
	a.drv = drv;
	a.len = len;
	a.found = -ENOENT;
	if (pci_scan(&pat, 1, ppt_one, &a) != 0)
		return (PLAT_NA);
	return (a.found);
}

struct lookup_arg {
	unsigned long	 vendor;
	unsigned long	 device;
	unsigned	 b, s, f;
	bool		 found;
};

/* "0xVVVVSSSS": vendor id and subvendor id, as the original vmrun. */
static bool
lookup_one(const struct pci_conf *pc, void *arg)
{
	struct lookup_arg *a;

	a = arg;
	if (((unsigned long)pc->pc_vendor << 16 | pc->pc_subvendor) !=
	    a->vendor ||
	    ((unsigned long)pc->pc_device << 16 | pc->pc_subdevice) !=
	    a->device)
		return (false);
	a->b = pc->pc_sel.pc_bus;
	a->s = pc->pc_sel.pc_dev;
	a->f = pc->pc_sel.pc_func;
	a->found = true;
	return (true);
}

static int
fbsd_pci_lookup(unsigned long vendor, unsigned long device, unsigned *b,
    unsigned *s, unsigned *f)
{
	struct lookup_arg a;
	int e;

	memset(&a, 0, sizeof(a));
	a.vendor = vendor;
	a.device = device;
	if ((e = pci_scan(NULL, 0, lookup_one, &a)) != 0)
		return (e == ENOENT ? ENOTSUP : e);
	if (!a.found)
		return (ENOENT);
	*b = a.b;
	*s = a.s;
	*f = a.f;
	return (0);
}

static int
fbsd_ncpu(void)
{
	return (fbsd_sysctl_int("hw.ncpu"));
}

static int
fbsd_osreldate(void)
{
	return (fbsd_sysctl_int("kern.osreldate"));
}

/* A kernel built without RACCT has no such sysctl: off, as far as rctl goes. */
static int
fbsd_racct(void)
{
	size_t len;
	int on;

	on = 0;
	len = sizeof(on);
	if (sysctlbyname("kern.racct.enable", &on, &len, NULL, 0) != 0)
		return (0);
	return (on != 0 ? 1 : 0);
}

/* rctl_add_rule(2) takes the rule with its NUL, as rctl(8) gives it. */
static int
fbsd_rctl_add(const char *rule)
{
	if (rctl_add_rule(rule, strlen(rule) + 1, NULL, 0) != 0)
		return (errno);
	return (0);
}

const struct plat_ops plat_native = {
	.po_if_state = fbsd_if_state,
	.po_tap_create = fbsd_tap_create,
	.po_if_info = fbsd_if_info,
	.po_if_destroy = fbsd_if_destroy,
	.po_if_descr = fbsd_if_descr,
	.po_if_up = fbsd_if_up,
	.po_if_mtu = fbsd_if_mtu,
	.po_br_add = fbsd_br_add,
	.po_br_del = fbsd_br_del,
	.po_br_pvid = fbsd_br_pvid,
	.po_br_state = fbsd_br_state,
	.po_br_ifaddr = fbsd_br_ifaddr,
	.po_module = fbsd_module,
	.po_maxcpu = fbsd_maxcpu,
	.po_ppt = fbsd_ppt,
	.po_pci_lookup = fbsd_pci_lookup,
	.po_ncpu = fbsd_ncpu,
	.po_osreldate = fbsd_osreldate,
	.po_racct = fbsd_racct,
	.po_rctl_add = fbsd_rctl_add,
};

/*
 * The multiplexer: a kqueue.  Each descriptor is armed EV_ONESHOT (a
 * closed one is dropped by the kernel), its process descriptors being
 * kqueues themselves (plat_procfd); the timer is EVFILT_TIMER, relative,
 * so it is set again from the monotonic deadline whenever that changes.
 * All changes go in one kevent(2), EV_RECEIPT so that none of the
 * pending reports is taken meanwhile.
 */
#define MUX_TIMER	1	/* the timer's ident */
#define MUX_NCHG	128

struct plat_mux {
	int		 mx_kq;
	double		 mx_deadline;	/* the timer's, or 0 */
};

struct plat_mux *
plat_mux_new(void)
{
	struct plat_mux *mx;
	int e;

	if ((mx = calloc(1, sizeof(*mx))) == NULL)
		return (NULL);
	if ((mx->mx_kq = kqueue()) < 0) {
		e = errno;
		free(mx);
		errno = e;
		return (NULL);
	}
	(void)fcntl(mx->mx_kq, F_SETFD, FD_CLOEXEC);
	return (mx);
}

void
plat_mux_free(struct plat_mux *mx)
{
	if (mx == NULL)
		return;
	close(mx->mx_kq);
	free(mx);
}

int
plat_mux_fd(const struct plat_mux *mx)
{
	return (mx->mx_kq);
}

static int
mux_apply(struct plat_mux *mx, struct kevent *chg, int n)
{
	struct kevent res[MUX_NCHG];
	int i, got;

	if (n == 0)
		return (0);
	if ((got = kevent(mx->mx_kq, chg, n, res, n, NULL)) < 0)
		return (errno);
	for (i = 0; i < got; i++)
		/* ENOENT: the timer to delete had fired already. */
		if ((res[i].flags & EV_ERROR) && res[i].data != 0 &&
		    res[i].data != ENOENT)
			return ((int)res[i].data);
	return (0);
}

int
plat_mux_arm(struct plat_mux *mx, const struct pollfd *pfd, int n,
    double deadline)
{
	struct kevent chg[MUX_NCHG];
	struct timespec ts;
	int64_t us;
	int i, m, e;

	m = 0;
	for (i = 0; i < n; i++) {
		if (pfd[i].fd < 0)
			continue;
		if (m + 3 > MUX_NCHG) {
			if ((e = mux_apply(mx, chg, m)) != 0)
				return (e);
			m = 0;
		}
		/* None asked: still armed, to learn of a hang-up. */
		if ((pfd[i].events & POLLIN) || pfd[i].events == 0)
			EV_SET(&chg[m++], (uintptr_t)pfd[i].fd, EVFILT_READ,
			    EV_ADD | EV_ENABLE | EV_ONESHOT | EV_RECEIPT, 0, 0,
			    NULL);
		if (pfd[i].events & POLLOUT)
			EV_SET(&chg[m++], (uintptr_t)pfd[i].fd, EVFILT_WRITE,
			    EV_ADD | EV_ENABLE | EV_ONESHOT | EV_RECEIPT, 0, 0,
			    NULL);
	}
	if (deadline != mx->mx_deadline) {
		if (deadline > 0) {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			us = (int64_t)((deadline - (double)ts.tv_sec -
			    (double)ts.tv_nsec / 1e9) * 1e6) + 1;
			EV_SET(&chg[m++], MUX_TIMER, EVFILT_TIMER, EV_ADD |
			    EV_ONESHOT | EV_RECEIPT, NOTE_USECONDS,
			    us > 0 ? us : 1, NULL);
		} else
			EV_SET(&chg[m++], MUX_TIMER, EVFILT_TIMER, EV_DELETE |
			    EV_RECEIPT, 0, 0, NULL);
	}
	if ((e = mux_apply(mx, chg, m)) != 0)
		return (e);
	mx->mx_deadline = deadline;
	return (0);
}

int
plat_mux_ready(struct plat_mux *mx, struct pollfd *pfd, int n)
{
	static const struct timespec zero;
	struct kevent ev[32];
	short re;
	int i, j, got;

	do
		got = kevent(mx->mx_kq, NULL, 0, ev, 32, &zero);
	while (got < 0 && errno == EINTR);
	for (i = 0; i < got; i++) {
		if (ev[i].filter == EVFILT_TIMER) {
			mx->mx_deadline = 0;
			continue;
		}
		re = (short)((ev[i].filter == EVFILT_READ ? POLLIN : POLLOUT) |
		    ((ev[i].flags & EV_EOF) ? POLLHUP : 0));
		for (j = 0; j < n; j++)
			if (pfd[j].fd == (int)ev[i].ident)
				pfd[j].revents |= re;
	}
	return (got);
}

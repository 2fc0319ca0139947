/*
 * platform.h: what differs between FreeBSD and Linux, behind one small
 * interface (design §1).  platform_freebsd.c is the target; Linux is where
 * vmrun is developed and tested.  No other file tests the OS.
 */

#ifndef PLATFORM_H
#define PLATFORM_H

#include <sys/types.h>

#include <signal.h>
#include <spawn.h>
#include <stdbool.h>

struct pidfh;

/*
 * pidfile(3): libutil on FreeBSD, libbsd on Linux.  plat_pidfile_write
 * releases the handle when it fails (the file is removed): it is not
 * to be used again.
 */
struct pidfh	*plat_pidfile_open(const char *, mode_t, pid_t *);
int		 plat_pidfile_write(struct pidfh *);
int		 plat_pidfile_remove(struct pidfh *);
int		 plat_pidfile_close(struct pidfh *);

/*
 * Have the spawned child close every descriptor >= lowfd
 * (posix_spawn_file_actions_addclosefrom_np: FreeBSD 13.1, glibc 2.34,
 * where it is a GNU extension): 0 or an errno.
 */
int		 plat_spawn_closefrom(posix_spawn_file_actions_t *, int lowfd);

/*
 * A close-on-exec descriptor that poll(2) reports readable once the
 * child pid has ended (Linux: a pidfd; FreeBSD: a kqueue holding
 * EVFILT_PROC NOTE_EXIT for it), or -1 with errno set when the system
 * cannot make one: the caller then learns of the end from SIGCHLD.
 * Works for a child that has already ended and is not yet reaped.
 */
int		 plat_procfd(pid_t pid);

/*
 * Start a program as posix_spawn(3) does (argv[0] a path, environment
 * ps_envp; the caller waits only until it has executed it or failed to),
 * but without handing the child a copy of this process's descriptor
 * table: the child shares the table until it has a table of its own
 * holding only the descriptors below ps_below (Linux: clone with
 * CLONE_FILES, then close_range with CLOSE_RANGE_UNSHARE, which copies
 * only those).  So a program started from a process that holds
 * thousands of descriptors costs what it costs from one that holds a
 * few, and starts with a small table.  The child has ps_fd[0-2] as its
 * 0-2 and no other descriptor, every signal at its default but SIGPIPE
 * ignored with ps_ignpipe, an empty mask, and with ps_pgrp a process
 * group of its own.  Returns what posix_spawn would: 0 with *pid the
 * child, EAGAIN or ENOMEM when no process could be made, or the errno of
 * a failed exec (the child already reaped); or -1 when the system cannot
 * start one so (FreeBSD; Linux before 5.9): the caller uses posix_spawn.
 */
#define PS_KEEP		(-1)	/* the child's descriptor is this process's */
#define PS_NULL		(-2)	/* /dev/null */
struct plat_spawn {
	char *const	*ps_argv;
	char *const	*ps_envp;
	int		 ps_fd[3];	/* the child's 0-2: PS_*, or one below ps_below */
	int		 ps_below;
	bool		 ps_pgrp;
	bool		 ps_ignpipe;
};
int		 plat_spawn(const struct plat_spawn *, pid_t *pid);
/* May plat_spawn start one at all here?  false: it always answers -1. */
bool		 plat_spawn_ok(void);
/*
 * platrules.c: the signals a program may set: every one but those the C
 * library keeps for itself, which no one can reset.
 */
void		 plat_settable_signals(sigset_t *);

/*
 * A multiplexer: one close-on-exec descriptor (plat_mux_fd; Linux: an
 * epoll descriptor with a timerfd, FreeBSD: a kqueue) that poll(2)
 * reports readable once a descriptor armed on it is ready or its timer
 * has expired, so that a caller sleeps on one descriptor per supervisor
 * with no timeout of its own.  plat_mux_arm arms each descriptor of
 * pfd[n] (events POLLIN and POLLOUT) for one report, and the timer for
 * the monotonic time deadline (mono_now's clock; 0: none); it is given
 * the whole set again after every plat_mux_ready, which fills in the
 * revents of pfd[n] (the same set) from what is ready, without waiting,
 * and returns how many reports it took, or -1 with errno set.  A
 * descriptor closed while armed is forgotten at worst after one report.
 * plat_mux_new returns a new multiplexer (free it with plat_mux_free),
 * or NULL with errno set; plat_mux_arm returns 0 or an errno.
 */
struct pollfd;
struct plat_mux;
struct plat_mux	*plat_mux_new(void);
void		 plat_mux_free(struct plat_mux *);
int		 plat_mux_fd(const struct plat_mux *);
int		 plat_mux_arm(struct plat_mux *, const struct pollfd *pfd,
		    int n, double deadline);
int		 plat_mux_ready(struct plat_mux *, struct pollfd *pfd, int n);

/*
 * Become the reaper of this process's orphaned descendants (FreeBSD
 * procctl PROC_REAP_ACQUIRE, Linux PR_SET_CHILD_SUBREAPER), so that what
 * a child leaves running stays ours to end and to reap: 0 or an errno.
 */
int		 plat_subreaper(void);

/*
 * Send sig once to each process the child hook started: on FreeBSD
 * every descendant of hook, even one that left its group, as its reaper
 * (PROC_REAP_KILL), falling back on the process group when that reaches
 * none; elsewhere its process group hook (the caller keeps the group's
 * leader unreaped, so the id names no other group).
 */
void		 plat_hook_kill(pid_t hook, int sig);
/* platrules.c: after PROC_REAP_KILL (rc, rk_killed), is killpg needed? */
bool		 plat_reapkill_fallback(int rc, unsigned killed);

/*
 * Reap the zombies among this process's children that descend from
 * the child hook and came to it as their reaper (FreeBSD: the reaper
 * subtree of hook; Linux: the process group hook), but never hook
 * itself, whose zombie holds its ids, nor any other child: a program
 * that embeds the library reaps its own.  Returns how many it reaped.
 */
int		 plat_reap_hook_orphans(pid_t hook);
/*
 * platrules.c: is child pid of this process, a zombie or not, its
 * subtree (FreeBSD) or process group (Linux) from, one to reap for hook?
 */
bool		 plat_orphan_of(pid_t pid, bool zombie, pid_t from, pid_t hook);

/*
 * How many of the processes the hook pg started are alive (zombies do
 * not count), or -1 when the system cannot tell: its process group, and
 * on FreeBSD its whole reaper subtree (what left the group too).  Reaps
 * on the way those zombies that are this process's children, except pg
 * itself.
 */
int		 plat_pgrp_live(pid_t pg);

/*
 * A non-blocking connect(2) to the UNIX socket path was refused: does a
 * listener hold it all the same?  1 yes, 0 no, -1 cannot tell.  FreeBSD
 * refuses a live listener whose queue is full (net.local.stream.pcblist
 * says); Linux refuses only when nobody listens (a full queue answers
 * EAGAIN): 0.
 */
int		 plat_refused_listener(const char *path);
/*
 * platrules.c: how connect(2) to a socket ended (0 or an errno) and
 * plat_refused_listener's answer: is it stale, nobody listening?
 */
bool		 plat_socket_stale(int err, int listener);
/*
 * platrules.c: might a socket bound to bound (as the system reports it:
 * possibly relative, from the binder's directory) be the one at path?
 * 1 surely, -1 perhaps, 0 no.
 */
int		 plat_unix_path_match(const char *bound, const char *path);

/*
 * The pid of a running bhyve for VM name, or 0: a process whose title
 * (the first string of its arguments, as ps(1) shows it) is
 * "bhyve: NAME", which bhyve sets with setproctitle(3).
 */
pid_t		 plat_bhyve_pid(const char *name);

/*
 * platrules.c: is title (len bytes, maybe not NUL-terminated) the one
 * bhyve takes for VM name?
 */
bool		 plat_bhyve_title(const char *title, size_t len,
		    const char *name);

/*
 * Host facts for the checks of design §6, as a table of functions so
 * that tests can put a fake host in place (plat_set).  "Not applicable"
 * answers (PLAT_NA) mean this system has no such thing (a Linux host has
 * no vmm module); the check is then not made.
 */
/* Not a negative errno: po_ppt answers -ENOENT (-2) as well. */
#define PLAT_NA		(-1000)

enum plat_if {
	PLAT_IF_ABSENT,		/* no interface of that name */
	PLAT_IF_FREE,		/* a tap nobody has open */
	PLAT_IF_BUSY,		/* a tap another process has open */
	PLAT_IF_NOTTAP		/* an interface, but not a tap */
};

/*
 * What vmrun records of a tap that existed before it bridged it, to
 * give it back as it was (design §12.5).
 */
#define PLAT_DESCR_MAX	256	/* Linux's IFALIASZ; FreeBSD's is larger */
#define PLAT_IFNAME_MAX	16	/* IFNAMSIZ on both */
struct plat_ifinfo {
	int		 pi_mtu;
	bool		 pi_up;
	char		 pi_descr[PLAT_DESCR_MAX];	/* "": none */
	char		 pi_master[PLAT_IFNAME_MAX];	/* its bridge, or "" */
};

/* A bridge, as po_br_state tells of it. */
#define PLAT_BR_VLANFILTER	0x01	/* VLAN filtering is on */

struct plat_ops {
	/* State of tap (or vmnet) interface name: enum plat_if or -errno. */
	int	(*po_if_state)(const char *name);
	/* Create tap interface name: 0 or an errno. */
	int	(*po_tap_create)(const char *name);
	/*
	 * Interfaces and bridges (design §12.5), all through the system's
	 * own interfaces (ioctl, netlink), never by running a program.
	 * Each returns 0 or an errno.
	 */
	/* What interface name has now: its MTU, up state, description. */
	int	(*po_if_info)(const char *name, struct plat_ifinfo *);
	/* Destroy interface name (a tap vmrun created). */
	int	(*po_if_destroy)(const char *name);
	/* Set the description of name ("" clears it). */
	int	(*po_if_descr)(const char *name, const char *descr);
	/* Bring name up (true) or down. */
	int	(*po_if_up)(const char *name, bool up);
	/* Set the MTU of name. */
	int	(*po_if_mtu)(const char *name, int mtu);
	/* Add member ifname to bridge br (del: remove it). */
	int	(*po_br_add)(const char *br, const char *ifname);
	int	(*po_br_del)(const char *br, const char *ifname);
	/*
	 * set: make vlan (1-4094) the untagged VLAN of member ifname of br
	 * (FreeBSD: BRDGSIFPVID); !set: take vlan back from it.
	 */
	int	(*po_br_pvid)(const char *br, const char *ifname, int vlan,
		    bool set);
	/*
	 * Bridge br: PLAT_BR_* flags (>= 0), -ENOENT when there is no
	 * such interface, -ENOTTY when it is no bridge, or another -errno.
	 */
	int	(*po_br_state)(const char *br);
	/*
	 * Can ifname join a bridge with the addresses it holds?  0 yes; 1
	 * no, with one of its addresses in addr (FreeBSD 15 with
	 * net.link.bridge.member_ifaddrs=0); PLAT_NA where the system has
	 * no such rule.
	 */
	int	(*po_br_ifaddr)(const char *ifname, char *addr, size_t len);
	/* Kernel module loaded: 1, 0, or PLAT_NA. */
	int	(*po_module)(const char *name);
	/* hw.vmm.maxcpu: > 0, or PLAT_NA when unknown. */
	int	(*po_maxcpu)(void);
	/*
	 * Host PCI device B/S/F bound to ppt(4): 1, 0 (another driver; the
	 * name in drv), -ENOENT (no such device), or PLAT_NA.
	 */
	int	(*po_ppt)(unsigned, unsigned, unsigned, char *drv,
		    size_t len);
	/*
	 * Find the PCI device with these ids (vendor<<16|subvendor,
	 * device<<16|subdevice): 0 and its address, ENOENT, or ENOTSUP.
	 */
	int	(*po_pci_lookup)(unsigned long, unsigned long, unsigned *,
		    unsigned *, unsigned *);
	/* The host's CPUs (hw.ncpu): > 0, or PLAT_NA when unknown. */
	int	(*po_ncpu)(void);
	/*
	 * The FreeBSD version (kern.osreldate, e.g. 1500068): > 0, or
	 * PLAT_NA on a system that is not FreeBSD.
	 */
	int	(*po_osreldate)(void);
	/*
	 * Resource accounting, which rctl(8) rules need (FreeBSD's
	 * kern.racct.enable): 1 on, 0 off, or PLAT_NA where the system
	 * has no rctl (Linux).
	 */
	int	(*po_racct)(void);
	/*
	 * Add the rctl(8) rule, e.g. "process:42:pcpu:deny=50"
	 * (rctl_add_rule(2)): 0 or an errno.
	 */
	int	(*po_rctl_add)(const char *rule);
};

extern const struct plat_ops plat_native;
const struct plat_ops *plat_get(void);
void		 plat_set(const struct plat_ops *);	/* NULL: native */

#endif /* PLATFORM_H */

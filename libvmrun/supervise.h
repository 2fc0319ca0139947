/*
 * supervise.h: the supervisor's private types and the map of its files
 * (design §7).
 */

#ifndef SUPERVISE_H
#define SUPERVISE_H

#include <sys/types.h>

#include <poll.h>
#include <signal.h>
#include <stdbool.h>


#include "vmrun.h"
#include "jw.h"

struct plat_mux;
struct stat;

#define DEFAULT_BHYVE		"/usr/sbin/bhyve"
#define DEFAULT_BHYVECTL	"/usr/sbin/bhyvectl"
#define DEFAULT_BHYVELOAD	"/usr/sbin/bhyveload"
#define DEFAULT_MAKEFS		"/usr/sbin/makefs"
#define DEFAULT_GRUB_BHYVE	"/usr/local/sbin/grub-bhyve"
#define KILL_GRACE	10.0	/* design §7.3: SIGKILL 10 s after power-off */
#define HOOK_GRACE	5.0	/* design §7.1: hook SIGKILL after 5 s */
/* swtpm saves its state on SIGTERM in well under a second. */
#define SIDECAR_GRACE	5.0
#define CTL_TIMEOUT	30.0	/* bhyvectl gets this long, then SIGKILL */
#define CTL_MAX		4	/* bhyvectl runs at once: reset, power-off, destroy */
#define SRV_CLIENTS	32	/* control clients at once; one more is told so */
#define SRV_LINE	4096	/* the longest request line, newline included */
#define SRV_OUTBUF	(256 * 1024) /* what a client may leave unread */
#define SRV_VERSION	1	/* of the control protocol */

#define NSTOPSIG	6	/* signals that stop the VM (policy_stopsig) */
#define TAIL_LINES	20	/* design §7.1: the last 20 lines of stderr */
#define TAIL_LINELEN	512

struct vmrun_opts {
	char		*op_prog[VMRUN_NPROG];
	char		*op_control;	/* control socket; NULL: default, "": none */
	char		*op_control_group; /* group that may use it, or NULL */
	char		*op_config_file; /* what reload re-reads, or NULL */
	char		*op_vmm_dir;
	char		*op_pidfile;
	char		*op_lockfile;
	char		**op_extra;
	int		 op_errfd;
	int		 op_logfd;
	double		 op_stop_timeout;
	bool		 op_reboot_on[256];
	bool		 op_reboot_on_set;
	long long	 op_reboot_count;	/* -1: from the config */
	bool		 op_no_reboot;
	bool		 op_force;
	int		 op_checks;	/* VMRUN_CHECK_* flags; -1: none */
};

/* The last lines a child wrote on stderr, to quote when it fails. */
struct tail {
	char		 t_line[TAIL_LINES][TAIL_LINELEN];
	int		 t_first;
	int		 t_n;
	char		 t_cur[TAIL_LINELEN];
	size_t		 t_curlen;
};

/*
 * A child process.  Its end is seen through c_procfd (or SIGCHLD where
 * the system has no process descriptors); a child whose zombie we keep
 * (the hook, so that its process group id names nothing else) has ended
 * but is not reaped.
 */
struct child {
	pid_t		 c_pid;
	int		 c_errfd;	/* read end of its stderr, or -1 */
	int		 c_procfd;	/* readable once it has ended, or -1 */
	bool		 c_running;	/* started, its end not seen yet */
	bool		 c_reaped;	/* c_pid names no child of ours any more */
	bool		 c_lost;	/* reaped by another: how it ended is unknown */
	int		 c_exit;	/* its exit status, or -1 */
	int		 c_sig;		/* the signal that ended it, or 0 */
	int		 c_exec_errno;	/* exec failed with this errno, or 0 */
};

/* A bhyvectl run: a child with a deadline, never waited for in place. */
struct ctl {
	struct child	 ct_c;
	const char	*ct_action;	/* "--destroy", "--force-reset", ... */
	double		 ct_deadline;	/* SIGKILL then */
	bool		 ct_held;	/* its result is still wanted */
};

/* How far a stop has gone (design §7.3). */
enum stop_phase {
	PH_NONE,
	PH_TERM,		/* SIGTERM sent; the stop timer runs */
	PH_POWEROFF,		/* bhyvectl --force-poweroff; SIGKILL follows */
	PH_KILL			/* SIGKILL sent */
};

/* Ending the hook's processes when the VM ends (design §7.1 step 6). */
enum hook_end {
	HE_NONE,		/* nothing of the hook to end */
	HE_TERM,		/* SIGTERM sent to its group */
	HE_KILL			/* SIGKILL sent */
};

/* Stopping a sidecar when bhyve has ended (sidecar.c). */
enum side_end {
	SE_NONE,		/* not being stopped */
	SE_TERM,		/* SIGTERM sent; SIGKILL at sc_deadline */
	SE_KILL			/* SIGKILL sent */
};

/* A sidecar (swtpm) beside one bhyve run. */
struct sidetype;
struct sidecar {
	const struct sidetype *sc_type;
	struct child	 sc_c;
	enum side_end	 sc_end;
	double		 sc_deadline;
	bool		 sc_failed;	/* it ended while bhyve ran */
};

/* One client of the control socket. */
struct client {
	int		 cl_fd;		/* -1: a free slot */
	char		*cl_in;		/* SRV_LINE bytes while connected */
	size_t		 cl_inlen;
	char		*cl_out;	/* what is not written yet */
	size_t		 cl_outlen;
	size_t		 cl_outcap;
	bool		 cl_sub;	/* subscribed to the events */
	bool		 cl_console;	/* attached to the console: raw bytes */
	bool		 cl_writer;	/* and its input goes to the guest */
	bool		 cl_closing;	/* close once cl_out is written */
};

/* The control socket (vmrun(8) CONTROL). */
struct ctlsrv {
	int		 cs_fd;		/* listening, or -1 */
	char		*cs_path;
	dev_t		 cs_dev;	/* of the socket we made: removed only */
	ino_t		 cs_ino;	/* while the path still names it */
	struct client	 cs_cl[SRV_CLIENTS];
};

/* The captured COM port (console.c). */
struct console {
	int		 co_master;	/* the pty's master, or -1 */
	int		 co_slave;	/* held, so the master never hangs up */
	char		 co_path[64];	/* the terminal bhyve gets */
	char		*co_ring;	/* the last co_cap bytes, grown as it fills */
	size_t		 co_cap;
	size_t		 co_size;
	size_t		 co_head;
	size_t		 co_len;
	unsigned long long co_total;	/* bytes read, ever */
	int		 co_logfd;	/* console_log, or -1 */
	char		*co_logpath;
	long long	 co_logmax;
	long long	 co_logsize;
	int		 co_writer;	/* the client that may write, or -1 */
};

/*
 * A run resource (resource.c): something vmrun made on the host for the
 * VM, undone at the end of its life by rs_undo.
 */
enum res_life {
	RL_BOOT,		/* one bhyve run: undone when it has ended */
	RL_VM,			/* the supervision: kept across reboots */
};
struct vmrun_sup;
typedef bool	 res_undo_fn(struct vmrun_sup *, void *);
struct resource {
	char		*rs_name;	/* what the cleanup event names */
	const char	*rs_action;	/* "remove", "destroy", ... (static) */
	enum res_life	 rs_life;
	res_undo_fn	*rs_undo;	/* true: undone */
	void		*rs_arg;	/* owned; rs_free'd once undone */
	void		(*rs_free)(void *);
};

/* Where a run is, for the status request. */
enum sup_state {
	SS_STARTING,		/* checks, stale state, the loader */
	SS_RUNNING,		/* bhyve runs */
	SS_RESTARTING,		/* bhyve ended; the guest restarts */
	SS_STOPPING		/* bhyve ended or ends; vmrun ends */
};

/*
 * What the loop armed on the multiplexer (loop.c): the wake pipe,
 * bhyve's stderr and end, the hook's end, the console, the bhyvectls,
 * the control socket and its clients.
 */
#define LOOP_NFDS	(6 + 2 * CTL_MAX + 1 + SRV_CLIENTS)

struct watch {
	struct pollfd	 w_pfd[LOOP_NFDS];
	int		 w_n;
	int		 w_srv;		/* where the control socket's begin */
	int		 w_nsrv;
	bool		 w_all;		/* the mux failed: look at everything */
};

/*
 * Where the supervisor is in its runs (supervise.c): each step waits
 * for one thing, and the next is taken when it has happened.
 */
enum sup_step {
	STEP_NONE,		/* not started */
	STEP_RUN,		/* a run begins: nothing to wait for */
	STEP_STALE,		/* bhyvectl --destroy of a stale VM */
	STEP_SEED,		/* makefs builds the cloud-init seed */
	STEP_LOADER,		/* the loader runs */
	STEP_BHYVE,		/* bhyve runs */
	STEP_QUIET,		/* the hook's processes and bhyvectls end */
	STEP_DESTROY,		/* bhyvectl --destroy after the run */
	STEP_BACKOFF,		/* the pause before a restart (backoff) */
	STEP_ENDED		/* su_exit is vmrun's exit status */
};

/* A supervisor: options, the lock, and the state of the current run. */
struct vmrun_sup {
	const struct vmrun_config *su_cf;	/* the caller's, or su_cf_own */
	struct vmrun_config *su_cf_own;	/* the last reload's, or NULL */
	struct vmrun_config **su_cf_old; /* reloads replaced, until no run
					   uses them */
	size_t		 su_ncf_old;
	struct vmrun_opts *su_opts;	/* private copy */
	char		*su_target;	/* first target */
	const char	*su_name;	/* VM name (borrowed from su_cf) */
	vmrun_event_fn	*su_cb;
	void		*su_cbarg;
	int		 su_wake[2];	/* self-pipe: signals wake the loop */
	struct plat_mux	*su_mux;	/* the one descriptor of vmrun_sup_fd */
	struct watch	 su_watch;	/* what is armed on it */
	enum sup_step	 su_step;
	int		 su_exit;	/* the run's, then vmrun's exit status */
	const char	*su_reason;	/* why it ends (static) */
	const char	*su_cur;	/* the target of the run to begin */
	const char	*su_then;	/* the target after it (decide) */
	struct ctl	*su_wait_ct;	/* the bhyvectl a step waits for */
	char		**su_loader_argv; /* the loader's, while it runs */
	char		 su_seed_hash[17]; /* of the seed being built */
	struct vmrun_diags *su_owndiags; /* when the caller gave none */
	/* Stop signals received, per row of policy_stopsig (policy.c). */
	volatile sig_atomic_t su_nsig[NSTOPSIG];
	volatile sig_atomic_t su_nreset; /* SIGUSR1 received */
	int		 su_sigseen[NSTOPSIG];
	int		 su_resets_seen;
	struct vmrun_diags *su_diags;

	struct pidfh	*su_lock;
	char		*su_rundir;	/* sup_rundir's, once made; or NULL */
	struct resource	*su_res;	/* run resources, oldest first */
	size_t		 su_nres;
	size_t		 su_rescap;
	int		 su_pidfd;	/* bhyve's pid file (-p), or -1 */

	/* The main child: bhyve, or the loader before it. */
	struct child	 su_child;
	bool		 su_isbhyve;
	struct tail	 su_tail;

	bool		 su_stop;	/* a stop was requested */
	enum stop_phase	 su_phase;
	double		 su_phase_end;	/* when the phase escalates; 0: never */
	bool		 su_signalled;	/* vmrun signalled the child */

	struct child	 su_hook;
	pid_t		 su_hook_pgid;	/* its group, until its end is done */
	enum hook_end	 su_hook_end;
	double		 su_hook_deadline;
	char		**su_hook_argv;

	struct sidecar	 su_tpm;	/* swtpm, for one run */

	struct ctl	 su_ctl[CTL_MAX];
	bool		 su_destroy_failed; /* the last bhyvectl --destroy */

	struct ctlsrv	 su_srv;
	void		(*su_tap)(struct vmrun_sup *, const struct vmrun_event *);
	struct console	 su_con;
	void		(*su_con_tap)(struct vmrun_sup *, const char *, size_t);
	enum sup_state	 su_state;
	const struct vmrun_vm *su_vm;	/* the current run's target */
	long long	 su_started_ms;	/* when vmrun_sup_run began */
	bool		 su_exited;	/* a bhyve run has ended: su_last_* */
	int		 su_last_exit;
	int		 su_last_sig;
	const char	*su_last_meaning;
	char		*su_next;	/* next-target request, or NULL */
	bool		 su_restart;	/* restart request */
	char		*su_restart_to;	/* its target, or NULL */

	double		*su_restarts;	/* monotonic times of recent restarts */
	size_t		 su_nrestarts;
	size_t		 su_restarts_cap;	/* room in su_restarts */
	long long	 su_reboots;
	unsigned	 su_nfailed;	/* restarts after failed runs, in a row */
	double		 su_delay;	/* before the coming restart, seconds */
	double		 su_backoff_end; /* the backoff timer; 0: none */
	int		 su_run;
	bool		 su_used;	/* vmrun_sup_run was called */
};

/*
 * The files of the supervisor, lowest first; each calls only the ones
 * above it, and upward only through callbacks:
 *
 *	platform_*.c	process descriptors, reaper, process groups
 *	spawn.c		start a child, see its end, copy its stderr
 *	event.c		events: made, delivered, written as JSON
 *	resource.c	what vmrun made for the VM's runs, undone at their end
 *	hostfs.c	host state: lock, pid files, VM node, sockets, varfile
 *	taps.c		the taps a VM owns: made, bridged, given back
 *	pty.c		a pseudo-terminal, raw, for a captured COM port
 *	console.c	the captured COM port: its pty, ring and log
 *	launch.c	the children: loader, bhyve, hook, bhyvectl (argv,
 *			spawn; never a wait)
 *	sidecar.c	swtpm beside a bhyve run: its socket, spawn, stop
 *			with a deadline, its early end
 *	seed.c		the cloud-init seed: its files, makefs as a child
 *	policy.c	pure decisions: exit meaning, restart, crash loop
 *	control.c	signals and requests, the stop escalation, bhyvectl
 *			runs and the hook's end as states with deadlines
 *	client.c	one control client's output, bounded, never waited for
 *	ctlreq.c	the control requests: parsed, acted on, answered
 *	ctlsrv.c	the control socket: its clients, their lines, events
 *			and console bytes out to them
 *	loop.c		the one wait: what can happen, armed on one
 *			descriptor (platform.h), and served
 *	supervise.c	the runs in order, and the public functions
 *	supnew.c	a supervisor made and freed, its callback, the
 *			signals its caller forwards
 */

/* opts.c */
struct vmrun_opts *opts_dup(const struct vmrun_opts *);

/* spawn.c */
enum spawn_flags {
	SP_OWNPGRP = 0x01,	/* put the child in its own process group */
	SP_NULLSTDIN = 0x02,	/* stdin from /dev/null */
	SP_STDOUT_ERR = 0x04,	/* stdout to the parent's errfd */
	SP_IGNPIPE = 0x08,	/* start with SIGPIPE ignored */
	SP_PIPEERR = 0x10,	/* stderr through a pipe to the parent */
	SP_STDERR_ERR = 0x20	/* stderr to the parent's errfd too */
};
int		 spawn(struct child *, char *const *, unsigned, int);
int		 spawn_fd3(struct child *, char *const *, unsigned, int, int);
void		 spawn_hold(void);
void		 spawn_release(void);
bool		 child_check(struct child *, bool keep);
void		 child_reap(struct child *);
void		 child_kill(const struct child *, int);
bool		 child_pump(struct child *, struct tail *, int, int);
void		 child_drain(struct child *, struct tail *, int, int);
void		 tail_add(struct tail *, const char *, size_t);
void		 tail_flush(struct tail *);
int		 tail_text(const struct tail *, char *, size_t);
double		 mono_now(void);

/* event.c */
void		 sup_event(struct vmrun_sup *, struct vmrun_event *);
void		 event_time(long long, char *, size_t);
void		 sup_event_init(struct vmrun_event *, enum vmrun_event_type);
long long	 event_now_ms(void);
const char	*event_signame(int);
jw_t		*sig_or_null(int);

/* hostfs.c */
typedef void	 cleanup_fn(struct vmrun_sup *, const char *resource,
		    const char *action, bool ok);
const char	*sup_rundir(struct vmrun_sup *, struct vmrun_diags *, int *);
int		 lock_take(struct vmrun_sup *, struct vmrun_diags *);
void		 lock_release(struct vmrun_sup *);
int		 pidfile_prepare(struct vmrun_sup *, struct vmrun_diags *);
void		 pidfile_fill(struct vmrun_sup *, pid_t);
bool		 pidfile_drop(struct vmrun_sup *);
int		 stale_vm(struct vmrun_sup *, const struct vmrun_vm *,
		    struct vmrun_diags *);
int		 console_sockets(struct vmrun_sup *, const struct vmrun_vm *,
		    bool, struct vmrun_diags *, cleanup_fn *);
int		 varfile_copy(struct vmrun_sup *, const struct vmrun_vm *,
		    struct vmrun_diags *);
int		 disks_create(const struct vmrun_vm *, struct vmrun_diags *);
bool		 vm_node_exists(struct vmrun_sup *, const char *);
const char	*vm_node_path(struct vmrun_sup *, const char *, char *, size_t);
pid_t		 pidfile_live(const char *);
const char	*nofollow_error(const char *, int);
pid_t		 vm_bhyve_alive(const char *, const char *, char *, size_t);

/* resource.c */
int		 res_add(struct vmrun_sup *, enum res_life, const char *name,
		    const char *action, res_undo_fn *, void *arg,
		    void (*)(void *));
int		 res_add_file(struct vmrun_sup *, enum res_life, const char *,
		    const struct stat *);
struct resource	*res_find(struct vmrun_sup *, const void *arg);
void		 res_done(struct vmrun_sup *, struct resource *, bool);
void		 res_undo(struct vmrun_sup *, enum res_life, bool tell);

/* seed.c */
int		 seed_begin(struct vmrun_sup *, const struct vmrun_vm *);
int		 seed_end(struct vmrun_sup *, const struct vmrun_vm *);

/* taps.c */
int		 taps_setup(struct vmrun_sup *, const struct vmrun_vm *,
		    struct vmrun_diags *);

/* launch.c */
const char	*sup_prog(const struct vmrun_sup *, enum vmrun_program);
bool		 uses_stdio(const struct vmrun_vm *);
int		 launch_pre(struct vmrun_sup *, char *const *, unsigned,
		    const char *);
int		 launch_loader(struct vmrun_sup *, const struct vmrun_vm *,
		    char ***);
int		 launch_bhyve(struct vmrun_sup *, const struct vmrun_vm *,
		    char ***);
void		 launch_hook(struct vmrun_sup *, const struct vmrun_vm *);
int		 launch_ctl(struct vmrun_sup *, struct ctl *, const char *);
void		 quote_failure(struct vmrun_sup *, enum vmrun_severity,
		    const char *, const char *, const char *);

/* sidecar.c */
int		 sidecar_start(struct vmrun_sup *, const struct vmrun_vm *);
void		 sidecar_check(struct vmrun_sup *);
void		 sidecar_stop(struct vmrun_sup *);
void		 sidecar_timers(struct vmrun_sup *, double);
double		 sidecar_deadline(const struct vmrun_sup *);

/* pty.c: a pseudo-terminal (XSI) for a captured COM port: 0 or an errno */
int		 pty_open(int *, int *, char *, size_t);

/* console.c */
int		 console_open(struct vmrun_sup *, const struct vmrun_vm *,
		    struct vmrun_diags *);
void		 console_close(struct vmrun_sup *);
void		 console_read(struct vmrun_sup *);
void		 console_write(struct vmrun_sup *, const char *, size_t);
void		 console_ring_add(struct console *, const char *, size_t);
size_t		 console_ring_copy(const struct console *, char *, size_t);
char		*console_tail(const struct console *, size_t, size_t *);

/* policy.c */
struct outcome {		/* how bhyve ended, and what the policy allows */
	int		 oc_exit;	/* exit status, or -1 */
	bool		 oc_restart;	/* a restart was requested */
	int		 oc_sig;	/* the signal that killed it, or 0 */
	bool		 oc_stop;	/* a stop was requested */
	bool		 oc_signalled;	/* vmrun signalled bhyve */
	const bool	*oc_reboot_on;	/* [256] */
	bool		 oc_no_reboot;
	long long	 oc_max_reboots;	/* -1: unlimited */
	long long	 oc_reboots;	/* restarts so far */
	bool		 oc_sidecar;	/* a sidecar ended while bhyve ran */
};
const char	*policy_meaning(const struct outcome *);
int		 policy_decide(const struct outcome *, const char **, bool *);
bool		 policy_restart_ok(const double *, size_t, double, long long,
		    long long);
size_t		 policy_restarts_keep(double *, size_t, double, long long,
		    long long);
double		 policy_backoff(long long, unsigned);
enum stop_phase	 policy_escalate(enum stop_phase);
int		 policy_stopsig(int);
int		 policy_stopsig_signo(int);
bool		 policy_stopsig_skips(int);

/* control.c */
void		 control_requests(struct vmrun_sup *);
void		 control_timers(struct vmrun_sup *, double);
double		 control_deadline(const struct vmrun_sup *);
bool		 stop_pending(struct vmrun_sup *);
void		 control_stop(struct vmrun_sup *, int, bool, bool);
bool		 control_bhyve(struct vmrun_sup *, const char *);
enum vmrun_sup_state control_state(const struct vmrun_sup *);
enum vmrun_status control_force(struct vmrun_sup *, const char *);
enum vmrun_status control_next(struct vmrun_sup *, const char *);
enum vmrun_status control_restart(struct vmrun_sup *, const char *);
bool		 bhyve_running(const struct vmrun_sup *);
struct ctl	*ctl_start(struct vmrun_sup *, const char *, bool);
bool		 ctl_idle(const struct vmrun_sup *);
void		 ctl_ended(struct vmrun_sup *, struct ctl *);
void		 hook_ended(struct vmrun_sup *);
void		 hook_end_begin(struct vmrun_sup *);
void		 hook_end_check(struct vmrun_sup *);
void		 hook_orphans(struct vmrun_sup *);

/* ctlreq.c, ctlsrv.c */
enum ctl_req {
	CR_STATUS,
	CR_STOP,
	CR_RESET,
	CR_POWEROFF,
	CR_NEXT_TARGET,
	CR_RESTART,
	CR_SUBSCRIBE,
	CR_CONSOLE,
	CR_CONSOLE_TAIL,
	CR_RELOAD
};
struct ctlreq {
	enum ctl_req	 cr_req;
	bool		 cr_force;
	bool		 cr_readonly;	/* console: "write": false */
	long long	 cr_lines;	/* console-tail; 0: the default */
	const char	*cr_name;	/* "request", if a string: borrowed
					   from cr_json, or NULL */
	const char	*cr_target;	/* borrowed from cr_json, or NULL */
	void		*cr_json;	/* the parsed line (jw_t) */
};
/* client.c */
void		 client_drop(struct client *);
void		 client_flush(struct client *);
void		 client_put_raw(struct client *, const char *, size_t, bool);
void		 client_put(struct client *, const char *);
void		 client_json(struct client *, jw_t *);

/* ctlreq.c */
const char	*ctl_parse(const char *, size_t, struct ctlreq *, char *,
		    size_t);
void		 ctl_req_free(struct ctlreq *);
void		 ctlreq_handle(struct vmrun_sup *, struct client *, const char *,
		    size_t);
void		 ctlreq_error(struct client *, const char *, const char *,
		    const char *);

/* ctlreq.c: reload */
void		 reload_settle(struct vmrun_sup *);

/* ctlsrv.c */
int		 ctlsrv_open(struct vmrun_sup *, struct vmrun_diags *);
void		 ctlsrv_close(struct vmrun_sup *);
int		 ctlsrv_watch(struct vmrun_sup *, struct pollfd *, int);
void		 ctlsrv_serve(struct vmrun_sup *, const struct pollfd *, int);

/* supervise.c */
int		 sup_begin(struct vmrun_sup *, struct vmrun_diags *);
int		 sup_dispatch(struct vmrun_sup *);

/* loop.c */
void		 loop_serve(struct vmrun_sup *);
void		 loop_arm(struct vmrun_sup *);

#endif /* SUPERVISE_H */

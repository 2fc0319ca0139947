/*
 * supervise.h: the supervisor's private types, shared by opts.c, event.c,
 * spawn.c and supervise.c (design §7).
 */

#ifndef SUPERVISE_H
#define SUPERVISE_H

#include <sys/types.h>

#include <signal.h>
#include <stdbool.h>

#include "vmrun.h"

#define DEFAULT_BHYVE		"/usr/sbin/bhyve"
#define DEFAULT_BHYVECTL	"/usr/sbin/bhyvectl"
#define DEFAULT_BHYVELOAD	"/usr/sbin/bhyveload"
#define KILL_GRACE	10.0	/* design §7.3: SIGKILL 10 s after power-off */
#define HOOK_GRACE	5.0	/* design §7.1: hook SIGKILL after 5 s */
#define CTL_TIMEOUT	30.0	/* bhyvectl gets this long, then SIGKILL */
#define TICK_MS		100	/* how often the loop looks at its children */

#define TAIL_LINES	20	/* design §7.1: the last 20 lines of stderr */
#define TAIL_LINELEN	512

struct vmrun_opts {
	char		*op_prog[3];
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

/* A child whose stderr we copy. */
struct child {
	pid_t		 c_pid;
	int		 c_errfd;	/* read end of its stderr, or -1 */
	int		 c_status;	/* waitpid status once reaped */
	bool		 c_reaped;
	int		 c_exec_errno;	/* exec failed with this errno, or 0 */
};

/* A supervisor: options, the lock, and the state of the current run. */
struct vmrun_sup {
	const struct vmrun_config *su_cf;
	struct vmrun_opts *su_opts;	/* private copy */
	char		*su_target;	/* first target */
	const char	*su_name;	/* VM name (borrowed from su_cf) */
	vmrun_event_fn	*su_cb;
	void		*su_cbarg;
	int		 su_wake[2];	/* self-pipe: signals wake the loop */
	volatile sig_atomic_t su_nstop;	/* stop signals received */
	volatile sig_atomic_t su_nreset; /* SIGUSR1 received */
	volatile sig_atomic_t su_lastsig;
	int		 su_stops_seen;
	int		 su_resets_seen;
	struct vmrun_diags *su_diags;

	struct pidfh	*su_lock;
	int		 su_pidfd;	/* bhyve's pid file (-p), or -1 */

	bool		 su_stop;	/* a stop was requested */
	int		 su_phase;	/* 0, 1 TERM sent, 2 poweroff, 3 KILL */
	double		 su_poweroff_at;
	double		 su_kill_at;
	bool		 su_signalled;	/* vmrun signalled the child */
	bool		 su_destroy_failed; /* the last bhyvectl --destroy */

	struct child	 su_child;	/* bhyve or the loader, while running */
	bool		 su_running;
	struct tail	 su_tail;

	struct child	 su_hook;
	bool		 su_hook_running;	/* not yet reaped */
	pid_t		 su_hook_pgid;		/* its group, until the run ends */
	char		**su_hook_argv;

	double		*su_restarts;	/* monotonic times of restarts */
	size_t		 su_nrestarts;
	long long	 su_reboots;
	int		 su_run;
};

/* opts.c */
struct vmrun_opts *opts_dup(const struct vmrun_opts *);

/* hostfs.c */
int		 lock_take(struct vmrun_sup *, struct vmrun_diags *);
void		 lock_release(struct vmrun_sup *);
int		 pidfile_prepare(struct vmrun_sup *, struct vmrun_diags *);
void		 pidfile_fill(struct vmrun_sup *, pid_t);
void		 pidfile_drop(struct vmrun_sup *);
int		 stale_vm(struct vmrun_sup *, const struct vmrun_vm *,
		    struct vmrun_diags *);
int		 console_sockets(struct vmrun_sup *, const struct vmrun_vm *,
		    bool, struct vmrun_diags *);
int		 varfile_copy(struct vmrun_sup *, const struct vmrun_vm *,
		    struct vmrun_diags *);
bool		 vm_node_exists(struct vmrun_sup *, const char *);
pid_t		 pidfile_live(const char *);
void		 vm_destroy(struct vmrun_sup *, const char *);

/* supervise.c */
void		 sup_event(struct vmrun_sup *, struct vmrun_event *);
void		 sup_event_init(struct vmrun_event *, enum vmrun_event_type);
const char	*sup_prog(const struct vmrun_sup *, enum vmrun_program);

/* control.c */
int		 sup_ctl(struct vmrun_sup *, const char *, const char *);
void		 handle_requests(struct vmrun_sup *, bool);
void		 wait_child(struct vmrun_sup *, bool);
bool		 stop_pending(struct vmrun_sup *);

/* launch.c */
void		 hook_start(struct vmrun_sup *, const struct vmrun_vm *);
void		 hook_poll(struct vmrun_sup *);
void		 hook_end(struct vmrun_sup *);
void		 quote_failure(struct vmrun_sup *, const char *, const char *,
		    const char *);
bool		 uses_stdio(const struct vmrun_vm *);
int		 run_loader(struct vmrun_sup *, const struct vmrun_vm *,
		    const char **);
int		 start_bhyve(struct vmrun_sup *, const struct vmrun_vm *);

/* event.c */
long long	 event_now_ms(void);
const char	*event_signame(int);

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
void		 tail_add(struct tail *, const char *, size_t);
void		 tail_flush(struct tail *);
int		 tail_text(const struct tail *, char *, size_t);
bool		 child_pump(struct child *, struct tail *, int, int);
bool		 child_reap(struct child *);
double		 mono_now(void);

#endif /* SUPERVISE_H */

/*
 * vmrun.h - libvmrun, the library under vmrun(8).
 *
 * libvmrun reads a vmrun.json(5) configuration, validates it (reporting
 * every problem at once), resolves targets, assigns PCI slots and renders
 * the exact bhyve and loader (bhyveload, grub-bhyve) command lines.  It
 * never prints and never exits: results come back as a status and a list
 * of diagnostics that the caller owns.  Of the environment it reads only
 * what names a user's default directories (XDG_RUNTIME_DIR for the run
 * directory; XDG_STATE_HOME, else HOME, for a VM's state directory), and
 * only for a user other than root; program paths come from the options.
 *
 * Ownership is stated on every function: "new" results are the caller's
 * to free with the function named; "borrowed" results stay valid while
 * the object they came from lives.
 */

#ifndef VMRUN_H
#define VMRUN_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VMRUN_VERSION	"0.1.0"

enum vmrun_status {
	VMRUN_OK = 0,
	VMRUN_ERR_NOMEM,	/* out of memory */
	VMRUN_ERR_IO,		/* the configuration could not be read */
	VMRUN_ERR_SYNTAX,	/* not JSON, too large or too deep */
	VMRUN_ERR_INVALID,	/* validation failed: see the diagnostics */
	VMRUN_ERR_NOTARGET,	/* no target of that name */
	VMRUN_ERR_UNSUPPORTED,	/* cannot be expressed (see diagnostics) */
	VMRUN_ERR_HOST,		/* the host could not answer (see diagnostics) */
	VMRUN_ERR_ARG,		/* a NULL or malformed argument */
	VMRUN_ERR_NOTRUNNING,	/* a request: no bhyve runs, or it has ended */
	VMRUN_ERR_STOPPING	/* a request: the VM is stopping */
};

enum vmrun_severity {
	VMRUN_ERROR,
	VMRUN_WARNING
};

struct vmrun_config;	/* a loaded configuration with all its targets */
struct vmrun_vm;	/* one resolved target, slots assigned */
struct vmrun_diags;	/* a list of diagnostics */
struct vmrun_diag;	/* one diagnostic */

/* The library version string (static). */
const char	*vmrun_version(void);

/* A short English description of a status (static). */
const char	*vmrun_strstatus(enum vmrun_status);

/*
 * Diagnostics.  vmrun_diags_new returns a new list (free it with
 * vmrun_diags_free); the list collects every problem the library finds.
 */
struct vmrun_diags *vmrun_diags_new(void);
void		 vmrun_diags_free(struct vmrun_diags *);
size_t		 vmrun_diags_count(const struct vmrun_diags *);
size_t		 vmrun_diags_errors(const struct vmrun_diags *);
/*
 * Borrowed: valid until the list is freed, however many diagnostics are
 * added later.  NULL when i is out of range.
 */
const struct vmrun_diag *vmrun_diags_get(const struct vmrun_diags *, size_t i);

/*
 * Fields of one diagnostic; strings are borrowed from the list.  A NULL
 * diagnostic gives NULL strings, 0 and VMRUN_ERROR.
 */
enum vmrun_severity vmrun_diag_severity(const struct vmrun_diag *);
const char	*vmrun_diag_code(const struct vmrun_diag *);	/* stable code */
const char	*vmrun_diag_group(const struct vmrun_diag *);	/* "vm", "pci 0:2:0 virtio-blk disk.img", ... */
const char	*vmrun_diag_path(const struct vmrun_diag *);	/* JSON path; "" if none */
const char	*vmrun_diag_message(const struct vmrun_diag *);
const char	*vmrun_diag_fix(const struct vmrun_diag *);	/* NULL if none */
int		 vmrun_diag_line(const struct vmrun_diag *);	/* 0 if none */
int		 vmrun_diag_column(const struct vmrun_diag *);	/* 0 if none */

/*
 * The diagnostics as the JSON document of vmrun(8) --json:
 * {"vm": NAME|null, "ok": BOOL, "diagnostics": [...]}.
 * Returns a new string (free(3) it), or NULL when out of memory.
 */
char		*vmrun_diags_json(const struct vmrun_diags *, const char *vmname);

/*
 * Load a configuration from memory (len bytes, need not be NUL-terminated)
 * or from a file.  Every problem goes to diags (which must not be NULL).
 * On VMRUN_OK *cfgp is a new configuration (free it with
 * vmrun_config_free); otherwise *cfgp is NULL.  Warnings may be present
 * in diags even on success.
 */
enum vmrun_status vmrun_config_load(const void *buf, size_t len,
		    struct vmrun_diags *diags, struct vmrun_config **cfgp);
enum vmrun_status vmrun_config_load_file(const char *path,
		    struct vmrun_diags *diags, struct vmrun_config **cfgp);
void		 vmrun_config_free(struct vmrun_config *);

/* The VM name (borrowed). */
const char	*vmrun_config_name(const struct vmrun_config *);

/*
 * Targets.  Index 0 is always "default"; the others follow in the order
 * of the configuration.  Names are borrowed; NULL when out of range.
 */
size_t		 vmrun_config_ntargets(const struct vmrun_config *);
const char	*vmrun_config_target(const struct vmrun_config *, size_t i);

/*
 * Resolve a target (NULL means "default").  *vmp is borrowed from the
 * configuration.  Returns VMRUN_ERR_NOTARGET for an unknown name.
 */
enum vmrun_status vmrun_config_resolve(const struct vmrun_config *,
		    const char *target, const struct vmrun_vm **vmp);

/* Facts of a resolved target; strings borrowed, NULL when absent. */
const char	*vmrun_vm_name(const struct vmrun_vm *);
const char	*vmrun_vm_target(const struct vmrun_vm *);
const char	*vmrun_vm_next_target(const struct vmrun_vm *);

/*
 * The slot map: every PCI device including the host bridge and the LPC
 * bridge, in slot order.  Strings are borrowed; id is NULL for devices
 * without one.
 */
size_t		 vmrun_vm_nslots(const struct vmrun_vm *);
const char	*vmrun_vm_slot_addr(const struct vmrun_vm *, size_t i);	/* "0:1:0" */
const char	*vmrun_vm_slot_device(const struct vmrun_vm *, size_t i);
const char	*vmrun_vm_slot_id(const struct vmrun_vm *, size_t i);

/*
 * The COM port the target captures ("capture", vmrun.json(5)): 1 to 4,
 * or 0 when it captures none.
 */
int		 vmrun_vm_capture(const struct vmrun_vm *);

/*
 * Render the bhyve command.  bhyve is argv[0] (NULL: "/usr/sbin/bhyve");
 * extra is a NULL-terminated list of arguments placed before the VM name
 * (may be NULL).  On VMRUN_OK *argvp is a new NULL-terminated vector (free
 * it with vmrun_argv_free; it and its strings are one allocation, so no
 * string of it is freed on its own).  A passthru device given by "lookup"
 * needs the host to resolve it: where it cannot, the result is
 * VMRUN_ERR_HOST with a diagnostic in diags (which may be NULL).
 *
 * A captured COM port is given the terminal tty (borrowed; a path such as
 * the slave side of a pseudo-terminal the caller made), rendered as any
 * other COM port backend: "-l comN,TTY".  tty NULL renders the placeholder
 * "/dev/pts/N" there, as vmrun -d does; "" is VMRUN_ERR_ARG.
 * vmrun_vm_bhyve_argv is vmrun_vm_bhyve_argv_tty with tty NULL.
 */
enum vmrun_status vmrun_vm_bhyve_argv(const struct vmrun_vm *,
		    const char *bhyve, const char *const *extra,
		    struct vmrun_diags *diags, char ***argvp);
enum vmrun_status vmrun_vm_bhyve_argv_tty(const struct vmrun_vm *,
		    const char *bhyve, const char *const *extra,
		    const char *tty, struct vmrun_diags *diags, char ***argvp);
/*
 * As vmrun_vm_bhyve_argv_tty, with rundir the run directory (borrowed)
 * where the supervisor makes swtpm's socket, RUNDIR/NAME.swtpm.sock,
 * for a "tpm" of type "swtpm" ("-l tpm,swtpm,SOCKET"); NULL: the
 * user's run directory (vmrun(8) FILES).  A socket path of 104 bytes or
 * more is VMRUN_ERR_HOST with a diagnostic "tpm-socket-long".
 */
/*
 * The run directory of a supervisor whose lock file (-P) is lockfile
 * (borrowed; NULL: the default), into buf: the lock's directory, else
 * /var/run/vmrun for root, $XDG_RUNTIME_DIR/vmrun or /tmp/vmrun-UID for
 * others (vmrun(8) FILES).  Returns buf, or NULL when it does not fit.
 */
const char	*vmrun_run_dir(const char *lockfile, char *buf, size_t len);
enum vmrun_status vmrun_vm_bhyve_argv_run(const struct vmrun_vm *,
		    const char *bhyve, const char *const *extra,
		    const char *tty, const char *rundir,
		    struct vmrun_diags *diags, char ***argvp);

/*
 * Render the loader command (bhyveload or grub-bhyve).  When the target
 * has no loader, returns VMRUN_OK with *argvp NULL.  Otherwise as
 * vmrun_vm_bhyve_argv.  prog (borrowed) is the program of the loader's
 * type, vmrun_vm_loader_program() says which; NULL: the configuration's
 * "loader" for grub, else the default.
 *
 * vmrun_vm_loader_argv_run renders it as a run would: rundir (borrowed)
 * is the run directory where grub-bhyve's device.map and generated
 * grub.cfg are written (NULL: the default run directory), tty the
 * captured COM port's terminal for a loader whose console is "capture"
 * (NULL: the placeholder "/dev/pts/N").  vmrun_vm_loader_argv is it with
 * both NULL.
 */
enum vmrun_status vmrun_vm_loader_argv(const struct vmrun_vm *,
		    const char *prog, char ***argvp);
enum vmrun_status vmrun_vm_loader_argv_run(const struct vmrun_vm *,
		    const char *prog, const char *rundir, const char *tty,
		    char ***argvp);
/*
 * Which program the target's loader is: VMRUN_PROG_BHYVELOAD or
 * VMRUN_PROG_GRUB_BHYVE; -1 when it has none.
 */
int		 vmrun_vm_loader_program(const struct vmrun_vm *);

void		 vmrun_argv_free(char **);
/*
 * Hide the VNC password of an argument vector for showing it: the value
 * of every "password=" option, in a legacy option string or as a
 * configuration key (-o pci.0.5.0.password=P), becomes "*", in place.
 * Returns how many were masked.  The vector keeps its one allocation.
 */
size_t		 vmrun_argv_mask(char **);

/*
 * The target as a bhyve_config(5) file (key=value lines) for "bhyve -k".
 * A target that cannot be expressed so (raw devices, extra_options) gives
 * VMRUN_ERR_UNSUPPORTED with one diagnostic per offending setting.  On
 * VMRUN_OK *textp is a new string (free(3) it).
 */
enum vmrun_status vmrun_vm_bhyve_config(const struct vmrun_vm *,
		    struct vmrun_diags *diags, char **textp);
/* The same with swtpm's socket in rundir, as vmrun_vm_bhyve_argv_run. */
enum vmrun_status vmrun_vm_bhyve_config_run(const struct vmrun_vm *,
		    const char *rundir, struct vmrun_diags *diags,
		    char **textp);

/*
 * The resolved target as JSON text (targets merged, defaults and slots
 * filled in, the VNC password as "*").  Returns a new string (free(3)
 * it), or NULL when out of memory.
 */
char		*vmrun_vm_json(const struct vmrun_vm *);


/*
 * Host checks (vmrun(8) HOST CHECKS): everything the target needs from
 * the host, each problem one diagnostic under the group of the device
 * that needs it, with its fix where one is known.  Flags: VMRUN_CHECK_FIX applies the
 * fixes of devices with "fix": true, VMRUN_CHECK_FIX_ALL every known fix,
 * VMRUN_CHECK_STATE also reports a VM left behind and a held lock (what
 * starting handles itself).  VMRUN_CHECK_PREVIEW changes nothing on the
 * host: a problem whose fix FIX or FIX_ALL selects is a warning that ends
 * "will be fixed at start" and is not counted, so that a check before a
 * start agrees with the start.  VMRUN_CHECK_BHYVE also asks the bhyve
 * of opts ("bhyve -h" and "bhyve -s help", once per process and program,
 * each a child given 2 seconds) what it supports, and reports what the
 * target uses that it lacks.  Returns the number of problems (errors)
 * that remain; applied fixes are reported as warnings with code "fixed"
 * (the one fix: a missing tap is created, for a device with "bridge" as
 * with "fix": true; a tap created here stays, while the supervisor makes
 * a start's taps itself and undoes that at its end).
 * opts (may be NULL) gives the VM device directory, the lock file and
 * the bhyve program.
 */
#define VMRUN_CHECK_FIX		0x01
#define VMRUN_CHECK_FIX_ALL	0x02
#define VMRUN_CHECK_STATE	0x04
#define VMRUN_CHECK_PREVIEW	0x08
#define VMRUN_CHECK_BHYVE	0x10

struct vmrun_opts;
size_t		 vmrun_vm_check(const struct vmrun_vm *,
		    const struct vmrun_opts *, unsigned flags,
		    struct vmrun_diags *);

/*
 * Supervision (vmrun(8) without -d).  Options come in a vmrun_opts
 * (new; free with vmrun_opts_free); setters copy their arguments and
 * return VMRUN_ERR_NOMEM or VMRUN_ERR_ARG on failure.
 */
struct vmrun_opts;

enum vmrun_program {
	VMRUN_PROG_BHYVE,	/* default /usr/sbin/bhyve */
	VMRUN_PROG_BHYVECTL,	/* default /usr/sbin/bhyvectl */
	VMRUN_PROG_BHYVELOAD,	/* default /usr/sbin/bhyveload */
	VMRUN_PROG_GRUB_BHYVE,	/* default /usr/local/sbin/grub-bhyve */
	VMRUN_PROG_SWTPM,	/* default /usr/local/bin/swtpm */
	VMRUN_PROG_MAKEFS	/* default /usr/sbin/makefs (cloud-init seed) */
};
#define VMRUN_NPROG	6

struct vmrun_opts *vmrun_opts_new(void);
void		 vmrun_opts_free(struct vmrun_opts *);
enum vmrun_status vmrun_opts_set_program(struct vmrun_opts *,
		    enum vmrun_program, const char *path);
/* Where VM device nodes live (default /dev/vmm). */
enum vmrun_status vmrun_opts_set_vmm_dir(struct vmrun_opts *, const char *);
/* bhyve's pid file (-p); NULL: none. */
enum vmrun_status vmrun_opts_set_pidfile(struct vmrun_opts *, const char *);
/* The supervisor pid file and per-VM lock (-P); NULL: /var/run/vmrun/NAME.pid. */
enum vmrun_status vmrun_opts_set_lockfile(struct vmrun_opts *, const char *);
/*
 * The control socket (vmrun(8) CONTROL): path, NULL for the default
 * (NAME.sock beside the lock given to vmrun_opts_set_lockfile, else
 * /var/run/vmrun/NAME.sock), "" for none; and a group that may use it
 * as well (mode 0660 instead of 0600), NULL for none.
 */
enum vmrun_status vmrun_opts_set_control(struct vmrun_opts *, const char *);
enum vmrun_status vmrun_opts_set_control_group(struct vmrun_opts *,
		    const char *);
/*
 * The configuration file the control requests reload and restart
 * re-read (vmrun(8) CONTROL), copied; NULL (the default) for none, as
 * for a configuration read from standard input.
 */
enum vmrun_status vmrun_opts_set_config_file(struct vmrun_opts *,
		    const char *);
/* Arguments placed before the VM name (NULL-terminated; copied). */
enum vmrun_status vmrun_opts_set_extra_args(struct vmrun_opts *,
		    const char *const *);
/*
 * Where bhyve's and the loader's standard error is copied: errfd
 * (default 2) and logfd (default -1: none).  The descriptors stay the
 * caller's.
 */
enum vmrun_status vmrun_opts_set_output(struct vmrun_opts *, int errfd,
		    int logfd);
/* Grace period between SIGTERM and forced power-off (default 60 s). */
enum vmrun_status vmrun_opts_set_stop_timeout(struct vmrun_opts *, double);
/* Exit statuses that restart the guest, replacing reboot_on (n may be 0). */
enum vmrun_status vmrun_opts_set_reboot_on(struct vmrun_opts *,
		    const int *statuses, size_t n);
/* At most n restarts, replacing max_reboots. */
enum vmrun_status vmrun_opts_set_reboot_count(struct vmrun_opts *, long long n);
enum vmrun_status vmrun_opts_set_no_reboot(struct vmrun_opts *, int);
/* Destroy a stale VM of the same name before starting (-f). */
enum vmrun_status vmrun_opts_set_force(struct vmrun_opts *, int);
/*
 * Host checks before every start: VMRUN_CHECK_* flags (FIX, FIX_ALL), or
 * -1 for none (--no-requirement-check).  Default: VMRUN_CHECK_FIX.
 */
enum vmrun_status vmrun_opts_set_checks(struct vmrun_opts *, int flags);

/*
 * Events (vmrun(8) EVENTS) reach a callback as this struct, valid only during
 * the call; fields that do not apply to an event are NULL, 0 or -1.
 * Fields may be added at the end in later versions.
 */
enum vmrun_event_type {
	VMRUN_EV_LOADER,
	VMRUN_EV_START,
	VMRUN_EV_HOOK,
	VMRUN_EV_EXIT,
	VMRUN_EV_RESTART,
	VMRUN_EV_STOP_REQUESTED,
	VMRUN_EV_ESCALATE,
	VMRUN_EV_CLEANUP,
	VMRUN_EV_END,
	VMRUN_EV_SIDECAR	/* a sidecar (swtpm) ended while bhyve ran */
};

struct vmrun_event {
	enum vmrun_event_type ev_type;
	const char	*ev_name;	/* "start", "exit", ... */
	long long	 ev_time_ms;	/* milliseconds since the Epoch */
	const char	*ev_vm;
	const char	*ev_target;	/* loader, start, exit, sidecar */
	int		 ev_run;	/* loader, start, exit, sidecar: 1, ... */
	long		 ev_pid;	/* loader, start, hook, sidecar; else -1 */
	const char *const *ev_argv;	/* loader, start, hook */
	int		 ev_status;	/* loader, hook, exit, sidecar: status or -1 */
	int		 ev_signal;	/* loader, hook, exit, sidecar,
					   stop-requested: or 0 */
	const char	*ev_meaning;	/* exit */
	const char	*ev_from;	/* restart */
	const char	*ev_to;		/* restart */
	int		 ev_reboots;	/* restart */
	const char	*ev_step;	/* escalate */
	const char	*ev_resource;	/* cleanup */
	const char	*ev_action;	/* cleanup */
	int		 ev_ok;		/* cleanup */
	int		 ev_exit_status; /* end */
	const char	*ev_reason;	/* end */
	double		 ev_delay;	/* restart: seconds before the start */
	const char	*ev_sidecar;	/* sidecar: its program's name, "swtpm" */
};

typedef void	 vmrun_event_fn(const struct vmrun_event *, void *arg);

/*
 * One JSON object (one line, no newline) for an event: new string.  Its
 * "argv" is masked as by vmrun_argv_mask; ev_argv is the vector as run.
 */
char		*vmrun_event_json(const struct vmrun_event *);

/*
 * The supervisor of one VM.  vmrun_sup_new takes the configuration
 * (borrowed: it must outlive the supervisor), the first target (NULL:
 * "default") and the options (copied).
 */
struct vmrun_sup;

enum vmrun_status vmrun_sup_new(const struct vmrun_config *,
		    const char *target, const struct vmrun_opts *,
		    struct vmrun_sup **);
void		 vmrun_sup_free(struct vmrun_sup *);
void		 vmrun_sup_set_callback(struct vmrun_sup *, vmrun_event_fn *fn,
		    void *arg);
/*
 * Tell the supervisor about a signal: SIGTERM, SIGINT or SIGHUP request
 * a stop, and so do SIGQUIT, SIGUSR2 and SIGALRM, which would otherwise
 * end the program and leave bhyve running.  A SIGINT while a stop runs
 * skips ahead (forced power-off, then SIGKILL); any other stop signal
 * then changes nothing, the stop timer decides.  SIGUSR1 requests a
 * reset; SIGCHLD only wakes the supervisor, which then reaps what the
 * hook left behind.  Other signals are ignored.  Install a handler
 * calling this for every one of them.  Async-signal-safe: call it from
 * a signal handler.
 */
void		 vmrun_sup_signal(struct vmrun_sup *, int signo);
/*
 * Take the VM's lock now, before vmrun_sup_run, which otherwise takes it
 * first: for a caller that must make something only once it is the VM's
 * one supervisor (vmrun(8) creates its --events file then).  Returns 0
 * (also when the lock is held already), or 71 or 75 as vmrun_sup_run
 * would end with, explained in diags; vmrun_sup_run or vmrun_sup_free
 * releases it.
 */
int		 vmrun_sup_lock(struct vmrun_sup *, struct vmrun_diags *);
/*
 * Run the VM until it ends: returns the exit status of vmrun(8) (its
 * EXIT STATUS) and explains failures in diags.  Every child it started has ended
 * when it returns.  A supervisor runs once: a second call starts nothing
 * and returns 70 (diagnostic "already-run").
 */
int		 vmrun_sup_run(struct vmrun_sup *, struct vmrun_diags *);

/*
 * Supervision in the caller's own loop, for a manager that runs many
 * VMs in one process and one thread.  vmrun_sup_start begins (the lock,
 * the control socket, the first run: the loader or bhyve is spawned)
 * and returns at once: VMRUN_OK, or VMRUN_ERR_ARG when su is NULL or
 * has been started or run already.  When it could not begin, it has
 * ended already: its descriptor is readable and vmrun_sup_dispatch
 * says how.  vmrun_sup_fd is the supervisor's one descriptor (borrowed:
 * it lives as long as su): poll(2) it for reading, with no timeout of
 * your own; it becomes readable whenever the supervisor has work, its
 * deadlines included.  vmrun_sup_dispatch then does all that is pending,
 * never waiting, and returns -1 while the VM is supervised, or the exit
 * status of vmrun(8) once it has ended and every child it started has
 * been reaped (and again on every later call: stop polling it then);
 * 70 when su is NULL or has not been started.
 * Events reach the callback during vmrun_sup_start and
 * vmrun_sup_dispatch.  Children are watched through process
 * descriptors and reaped by pid, never by wait(-1): the caller's own
 * children, and other supervisors', are left to them.  While two
 * supervisors or more exist, the library holds four close-on-exec
 * descriptors of its own on Linux, so that a child started once the
 * process holds many descriptors is not handed a copy of its table
 * (libvmrun(3)).  Signals are the caller's: it forwards them with vmrun_sup_signal, the one call that
 * may be made from a signal handler (none of these may).  vmrun_sup_diags
 * gives the problems found since vmrun_sup_start (borrowed, valid while
 * su lives; with vmrun_sup_run, the diags given to it).
 */
enum vmrun_status vmrun_sup_start(struct vmrun_sup *);
int		 vmrun_sup_fd(const struct vmrun_sup *);
int		 vmrun_sup_dispatch(struct vmrun_sup *);
const struct vmrun_diags *vmrun_sup_diags(const struct vmrun_sup *);

/*
 * Requests, as the control socket has them (vmrun(8) CONTROL), for a
 * started supervisor; not from a signal handler.  vmrun_sup_stop stops
 * the VM gracefully (force: powers it off at once); vmrun_sup_reset and
 * vmrun_sup_poweroff run bhyvectl on the running VM;
 * vmrun_sup_set_next_target sets the target of the next run (target
 * copied; NULL clears it); vmrun_sup_restart stops the VM gracefully and
 * starts it again, into target (copied; NULL: the next target as a
 * reboot would have it).  They return VMRUN_OK, VMRUN_ERR_NOTRUNNING
 * (no bhyve runs, or the supervisor has not started or has ended),
 * VMRUN_ERR_STOPPING (a stop is under way), VMRUN_ERR_NOTARGET or
 * VMRUN_ERR_NOMEM.
 */
enum vmrun_status vmrun_sup_stop(struct vmrun_sup *, int force);
enum vmrun_status vmrun_sup_reset(struct vmrun_sup *);
enum vmrun_status vmrun_sup_poweroff(struct vmrun_sup *);
enum vmrun_status vmrun_sup_set_next_target(struct vmrun_sup *,
		    const char *target);
enum vmrun_status vmrun_sup_restart(struct vmrun_sup *, const char *target);

/*
 * Status, as values.  vmrun_sup_target is the current run's target, or
 * the first one before it (borrowed from the configuration);
 * vmrun_sup_run_number counts the runs begun (0 before the first);
 * vmrun_sup_reboots the restarts; vmrun_sup_pid is bhyve's pid while it
 * runs, else -1; vmrun_sup_last_exit returns 1 and how the last bhyve
 * run ended (its exit status or -1, and the signal that killed it or
 * 0; either pointer may be NULL), or 0 while none has ended.
 */
enum vmrun_sup_state {
	VMRUN_SUP_STARTING,	/* not started, checks, the loader */
	VMRUN_SUP_RUNNING,	/* bhyve runs */
	VMRUN_SUP_STOPPING,	/* a stop is under way, or bhyve ended */
	VMRUN_SUP_RESTARTING,	/* the guest restarts */
	VMRUN_SUP_ENDED		/* dispatch returns the exit status */
};
enum vmrun_sup_state vmrun_sup_state(const struct vmrun_sup *);
const char	*vmrun_sup_target(const struct vmrun_sup *);
int		 vmrun_sup_run_number(const struct vmrun_sup *);
long long	 vmrun_sup_reboots(const struct vmrun_sup *);
long		 vmrun_sup_pid(const struct vmrun_sup *);
int		 vmrun_sup_last_exit(const struct vmrun_sup *, int *status,
		    int *signo);

/*
 * The control socket's client (vmrun(8) CONTROL): a connection to a
 * running supervisor.  vmrun_ctl_path gives the socket of VM name, or
 * name itself when it holds a '/' (new string: free(3) it; NULL when out
 * of memory or name is empty).  vmrun_ctl_open connects (new: close it
 * with vmrun_ctl_close); VMRUN_ERR_IO with errno set when it cannot.
 */
struct vmrun_ctl;
char		*vmrun_ctl_path(const char *name);
enum vmrun_status vmrun_ctl_open(const char *path, struct vmrun_ctl **);
void		 vmrun_ctl_close(struct vmrun_ctl *);
/* The connection's descriptor, for poll(2); borrowed. */
int		 vmrun_ctl_fd(const struct vmrun_ctl *);
/* Bytes read already but not returned as a line: up to len into buf. */
size_t		 vmrun_ctl_take(struct vmrun_ctl *, char *buf, size_t len);
/*
 * Send one request: "status", "stop" (arg "force" or NULL), "reset",
 * "poweroff", "next-target" (arg a target, NULL to clear), "restart"
 * (arg a target or NULL), "subscribe", "console-tail" (arg a number of
 * lines, or NULL), "console" (arg "write" to write to it, else NULL).
 * After a "console" answer the connection carries the console's bytes:
 * vmrun_ctl_take first gives those read already, then vmrun_ctl_fd.
 */
enum vmrun_status vmrun_ctl_send(struct vmrun_ctl *, const char *request,
		    const char *arg);
/*
 * The next line from the supervisor, an answer or an event, without its
 * newline: *line is new (free(3) it), or NULL when the supervisor has
 * closed the connection.  timeout_ms < 0 waits as long as it takes;
 * VMRUN_ERR_IO with errno ETIMEDOUT when it passes.
 */
enum vmrun_status vmrun_ctl_recv(struct vmrun_ctl *, int timeout_ms,
		    char **line);
/*
 * A line of the protocol as text for people, control characters
 * escaped: new string (free(3) it), or NULL when it is not JSON.
 */
char		*vmrun_ctl_text(const char *line);
/*
 * Is line an answer, and did it succeed?  1 yes, 0 no (its error code,
 * e.g. "unknown-target", in code), -1 not an answer (an event, or not
 * the protocol).
 */
int		 vmrun_ctl_result(const char *line, char *code, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* VMRUN_H */

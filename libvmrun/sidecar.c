/*
 * sidecar: a program that runs beside bhyve for one run -- swtpm, the
 * software TPM of design §12.2.  It is a child like every other (spawn.c:
 * no shell, an empty signal mask, only its own descriptors), started
 * right before bhyve and stopped once bhyve has ended, SIGTERM then
 * SIGKILL after a deadline: a state of the loop, never a wait in place.
 * A fresh one per run is also what resets the guest's TPM on a reboot,
 * as bhyve has no channel to swtpm.
 *
 * vmrun makes swtpm's listening socket itself and hands it over as
 * descriptor 3, so bhyve can start at once: its connect is queued by the
 * kernel until swtpm accepts, and nothing waits for a path to appear.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vmrun_impl.h"
#include "supervise.h"

/*
 * The sidecars, one row each: what it is, which program runs it, its
 * argv for a run (state: its state directory, the socket it is handed
 * as descriptor 3).
 */
struct sidetype {
	const char	*st_name;
	enum vmrun_program st_prog;
	void		(*st_argv)(const char *prog, const char *state,
			    char *logarg, size_t, char *statearg, size_t,
			    const char **argv);
};

/*
 * swtpm socket, TPM 2.0, its state in STATE, the server on the socket
 * it inherits as descriptor 3; not-need-init and startup-clear: it is
 * ready when the firmware comes, whose own TPM2_Startup is then answered
 * TPM_RC_INITIALIZE, which firmware accepts (design §12.2).
 */
static void
swtpm_argv(const char *prog, const char *state, char *logarg, size_t loglen,
    char *statearg, size_t statelen, const char **argv)
{
	size_t n;

	snprintf(statearg, statelen, "dir=%s", state);
	snprintf(logarg, loglen, "file=%s/swtpm.log", state);
	n = 0;
	argv[n++] = prog;
	argv[n++] = "socket";
	argv[n++] = "--tpm2";
	argv[n++] = "--tpmstate";
	argv[n++] = statearg;
	argv[n++] = "--server";
	argv[n++] = "type=unixio,fd=3";
	argv[n++] = "--flags";
	argv[n++] = "not-need-init,startup-clear";
	argv[n++] = "--log";
	argv[n++] = logarg;
	argv[n] = NULL;
}

static const struct sidetype swtpm = {
	"swtpm", VMRUN_PROG_SWTPM, swtpm_argv
};

/*
 * The undo of a sidecar the loop did not stop (vmrun_sup_free while it
 * runs): SIGKILL, and the reap that follows at once.
 */
static bool
sidecar_undo(struct vmrun_sup *su, void *arg)
{
	struct sidecar *sc;

	(void)su;
	sc = arg;
	if (sc->sc_c.c_running) {
		child_kill(&sc->sc_c, SIGKILL);
		while (waitpid(sc->sc_c.c_pid, NULL, 0) < 0 && errno == EINTR)
			;
		sc->sc_c.c_running = false;
		sc->sc_c.c_reaped = true;
		if (sc->sc_c.c_procfd >= 0)
			close(sc->sc_c.c_procfd);
		sc->sc_c.c_procfd = -1;
	}
	sc->sc_end = SE_NONE;
	return (true);
}

/*
 * The listening socket at path, mode 0600, recorded as a resource of
 * the run: a descriptor of 4 or above (3 is where the child wants it),
 * or -1 with a problem in the diagnostics.  A leftover socket nobody
 * listens on is replaced; anything else there is never removed.
 */
static int
sidecar_socket(struct vmrun_sup *su, const char *path)
{
	struct vmrun_event ev;
	struct sockaddr_un sun;
	struct stat sb;
	int fd, nfd;

	if (lstat(path, &sb) == 0) {
		if (!S_ISSOCK(sb.st_mode) || unix_socket_live(path)) {
			diag_addg(su->su_diags, VMRUN_ERROR, "socket-in-use",
			    "lpc tpm", "tpm", NULL, "%s is %s; another vmrun "
			    "may run this VM", path, S_ISSOCK(sb.st_mode) ?
			    "a live socket" : "not a socket");
			return (-1);
		}
		/* Left by a vmrun that was killed: told as a stale console's. */
		sup_event_init(&ev, VMRUN_EV_CLEANUP);
		ev.ev_resource = path;
		ev.ev_action = "unlink";
		ev.ev_ok = unlink(path) == 0 || errno == ENOENT;
		sup_event(su, &ev);
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		goto fail;
	if (fd < 4) {
		nfd = fcntl(fd, F_DUPFD, 4);
		close(fd);
		if ((fd = nfd) < 0)
			goto fail;
	}
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	/* The run directory is the user's alone: no one else reaches it. */
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		close(fd);
		goto fail;
	}
	if (chmod(path, 0600) != 0 || listen(fd, 8) != 0 ||
	    lstat(path, &sb) != 0) {
		close(fd);
		(void)unlink(path);
		goto fail;
	}
	if (res_add_file(su, RL_BOOT, path, &sb) != 0) {
		close(fd);
		return (-1);
	}
	return (fd);
fail:
	diag_addg(su->su_diags, VMRUN_ERROR, "socket-failed", "lpc tpm",
	    "tpm", NULL, "cannot make swtpm's socket %s: %s", path,
	    strerror(errno));
	return (-1);
}

/*
 * Before bhyve starts: the sidecar this run needs, if any, spawned on
 * its socket.  0 (also when it needs none), or vmrun's exit status with
 * the problem in the diagnostics; what was made is a run resource.
 */
int
sidecar_start(struct vmrun_sup *su, const struct vmrun_vm *vm)
{
	const struct sidetype *st;
	struct sidecar *sc;
	char state[PATH_MAX], sock[PATH_MAX], statearg[PATH_MAX + 8];
	char logarg[PATH_MAX + 24], name[64];
	const char *argv[16], *type;
	int fd, rc;

	sc = &su->su_tpm;
	sc->sc_failed = false;
	if (vm->vm_tpm == NULL || !vm->vm_tpm->tp_swtpm)
		return (0);
	st = &swtpm;
	if (sup_rundir(su, su->su_diags, &rc) == NULL)
		return (rc);
	if (tpm_state_dir(vm, state, sizeof(state)) == NULL) {
		diag_addg(su->su_diags, VMRUN_ERROR, "dir-failed", "lpc tpm",
		    "tpm.state_dir", "set state_dir", "no TPM state "
		    "directory: no home directory, or its path is too long");
		return (69);
	}
	/* The TPM's state persists: made once, never a run resource. */
	if ((rc = dirs_make(state, DK_PRIVATE, "TPM state directory",
	    su->su_diags)) != 0)
		return (rc);
	if (tpm_backend(vm, su->su_rundir, sock, sizeof(sock), su->su_diags,
	    &type) < 0)
		return (69);
	if ((fd = sidecar_socket(su, sock)) < 0)
		return (69);
	st->st_argv(sup_prog(su, st->st_prog), state, logarg, sizeof(logarg),
	    statearg, sizeof(statearg), argv);
	rc = spawn_fd3(&sc->sc_c, (char *const *)(uintptr_t)argv,
	    SP_OWNPGRP | SP_NULLSTDIN | SP_STDOUT_ERR | SP_STDERR_ERR,
	    su->su_opts->op_errfd, fd);
	close(fd);		/* swtpm's alone now */
	if (rc != 0 || sc->sc_c.c_exec_errno != 0) {
		diag_addg(su->su_diags, VMRUN_ERROR, rc != 0 ? "fork-failed" :
		    "sidecar-exec", "lpc tpm", "tpm", rc != 0 ? NULL :
		    "pkg install swtpm, or give its path with --swtpm",
		    "cannot %s %s: %s", rc != 0 ? "start" : "execute",
		    argv[0], strerror(rc != 0 ? rc : sc->sc_c.c_exec_errno));
		return (rc != 0 ? 71 : 69);
	}
	sc->sc_type = st;
	sc->sc_end = SE_NONE;
	snprintf(name, sizeof(name), "%s pid %ld", st->st_name,
	    (long)sc->sc_c.c_pid);
	if (res_add(su, RL_BOOT, name, "stop", sidecar_undo, sc, NULL) != 0)
		return (71);
	return (0);
}

/* Is bhyve, not the loader, running?  Its end is not seen yet. */
static bool
bhyve_runs(const struct vmrun_sup *su)
{
	return (su->su_step == STEP_BHYVE && su->su_child.c_running &&
	    su->su_isbhyve);
}

/*
 * The sidecar has ended (reaped): while bhyve runs that is a failure
 * bhyve will meet at the guest's next TPM access (design §12.2), told
 * as a sidecar event; in any case the resource is done.
 */
static void
sidecar_ended(struct vmrun_sup *su)
{
	struct vmrun_event ev;
	struct sidecar *sc;
	struct resource *r;
	char how[64];

	sc = &su->su_tpm;
	if (bhyve_runs(su) && sc->sc_end == SE_NONE) {
		sc->sc_failed = true;
		sup_event_init(&ev, VMRUN_EV_SIDECAR);
		ev.ev_sidecar = sc->sc_type->st_name;
		ev.ev_target = su->su_vm->vm_target;
		ev.ev_run = su->su_run;
		ev.ev_pid = (long)sc->sc_c.c_pid;
		ev.ev_status = sc->sc_c.c_exit;
		ev.ev_signal = sc->sc_c.c_sig;
		sup_event(su, &ev);
		if (sc->sc_c.c_sig != 0 && event_signame(sc->sc_c.c_sig) !=
		    NULL)
			snprintf(how, sizeof(how), "killed by %s",
			    event_signame(sc->sc_c.c_sig));
		else
			snprintf(how, sizeof(how), "exit status %d",
			    sc->sc_c.c_exit);
		diag_addg(su->su_diags, VMRUN_WARNING, "sidecar-ended",
		    "lpc tpm", "tpm", NULL, "%s (pid %ld) ended while bhyve "
		    "ran (%s); the guest's TPM is gone",
		    sc->sc_type->st_name, (long)sc->sc_c.c_pid, how);
	}
	sc->sc_end = SE_NONE;
	sc->sc_deadline = 0;
	if ((r = res_find(su, sc)) != NULL)
		res_done(su, r, true);
}

/*
 * Look at the sidecar: when the loop saw its descriptor, or bhyve's
 * (the two may end together, and its end must be known before bhyve's
 * is judged).
 */
void
sidecar_check(struct vmrun_sup *su)
{
	if (su->su_tpm.sc_c.c_running && child_check(&su->su_tpm.sc_c, false))
		sidecar_ended(su);
}

/*
 * bhyve has ended, or never started: the sidecar is sent SIGTERM (swtpm
 * then saves its state and exits), SIGKILL after SIDECAR_GRACE.
 */
void
sidecar_stop(struct vmrun_sup *su)
{
	struct sidecar *sc;

	sc = &su->su_tpm;
	sidecar_check(su);
	if (!sc->sc_c.c_running || sc->sc_end != SE_NONE)
		return;
	child_kill(&sc->sc_c, SIGTERM);
	sc->sc_end = SE_TERM;
	sc->sc_deadline = mono_now() + SIDECAR_GRACE;
}

/* Its deadline has come (now: the monotonic clock). */
void
sidecar_timers(struct vmrun_sup *su, double now)
{
	struct sidecar *sc;

	sc = &su->su_tpm;
	if (!sc->sc_c.c_running || sc->sc_end != SE_TERM ||
	    now < sc->sc_deadline)
		return;
	child_kill(&sc->sc_c, SIGKILL);
	sc->sc_end = SE_KILL;
	sc->sc_deadline = 0;	/* SIGKILL ends it: its descriptor tells */
}

/* The sidecar's deadline, or 0. */
double
sidecar_deadline(const struct vmrun_sup *su)
{
	return (su->su_tpm.sc_c.c_running ? su->su_tpm.sc_deadline : 0);
}

/*
 * spawn: start children by argv (never a shell, design §11), with no
 * descriptors beyond 0-2, every signal at its default and none blocked;
 * see their end without waiting; copy their standard error.
 * posix_spawn(3) reports an exec failure itself, so "bhyve cannot be
 * executed" (69) is told apart from a bhyve that ran and failed.
 */

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vmrun_impl.h"
#include "supervise.h"
#include "platform.h"

extern char **environ;

double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

/*
 * The table seen large: from this many descriptors on, a spawn goes
 * through plat_spawn, whose child does not copy the table.  Measured on
 * Linux, a spawn by posix_spawn costs about 0.15 us more per descriptor
 * the parent holds (copied into the child, closed there again); below a
 * few hundred that is lost in the exec's own cost.  A vmrun holds about
 * a dozen and never gets that far; a manager of 1000 VMs holds 8000.
 */
#define SPAWN_FDS	256

/*
 * plat_spawn's child keeps only the descriptors below a bound, so those
 * it is given are moved below it first: into descriptors reserved for
 * that, /dev/null while unused.  They are taken when a second supervisor
 * is made, while the table is still small (a manager makes them before
 * it starts any; vmrun makes one and takes none), and freed with the
 * last supervisor.
 */
static struct {
	int	 users;		/* supervisors that may spawn */
	int	 res[3];	/* a place for each of the child's 0-2, or -1 */
	int	 null;		/* what a reserved one holds while unused */
	int	 below;		/* above every reserved one */
	bool	 off;		/* plat_spawn cannot be used: posix_spawn */
} g_spawn = { 0, { -1, -1, -1 }, -1, 0, false };

static void
spawn_unreserve(void)
{
	int i;

	for (i = 0; i < 3; i++)
		if (g_spawn.res[i] >= 0)
			close(g_spawn.res[i]);
	if (g_spawn.null >= 0)
		close(g_spawn.null);
	g_spawn.res[0] = g_spawn.res[1] = g_spawn.res[2] = -1;
	g_spawn.null = -1;
	g_spawn.below = 0;
}

/* One is freed (vmrun_sup_free): the last frees the reserve. */
void
spawn_release(void)
{
	if (g_spawn.users > 0 && --g_spawn.users == 0) {
		spawn_unreserve();
		g_spawn.off = false;
	}
}

/* Take the reserve; without it, posix_spawn it is. */
static void
spawn_reserve(void)
{
	int i;

	if ((g_spawn.null = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0)
		for (i = 0; i < 3; i++)
			g_spawn.res[i] = fcntl(g_spawn.null, F_DUPFD_CLOEXEC, 3);
	for (i = 0; i < 3; i++)
		if (g_spawn.res[i] < 0) {
			spawn_unreserve();
			return;
		}
	for (i = 0; i < 3; i++)
		if (g_spawn.res[i] >= g_spawn.below)
			g_spawn.below = g_spawn.res[i] + 1;
	if (g_spawn.null >= g_spawn.below)
		g_spawn.below = g_spawn.null + 1;
}

/* A supervisor that may spawn is made (vmrun_sup_new). */
void
spawn_hold(void)
{
	if (++g_spawn.users == 2 && g_spawn.null < 0 && !g_spawn.off &&
	    plat_spawn_ok())
		spawn_reserve();
}

/*
 * Does a spawn go through plat_spawn?  fdhint is a descriptor just made,
 * the lowest free number then (-1: none): the table is large from there.
 */
static bool
spawn_reserved(int fdhint)
{
	return (g_spawn.null >= 0 && !g_spawn.off && fdhint >= SPAWN_FDS);
}

/* Make to a copy of from, close-on-exec as our pipes' ends are: 0 or -1. */
static int
spawn_dup(int from, int to)
{
	if (dup2(from, to) != to)
		return (-1);
	return (fcntl(to, F_SETFD, FD_CLOEXEC) == 0 ? 0 : -1);
}

/*
 * ps by plat_spawn, its descriptors moved into the reserve and the
 * reserve given back after: plat_spawn's answer.  When plat_spawn
 * cannot, or the reserve is lost, posix_spawn is used from then on.
 */
static int
spawn_moved(const struct plat_spawn *ps, pid_t *pid)
{
	struct plat_spawn mv;
	bool moved[3], lost;
	int i, e;

	mv = *ps;
	mv.ps_below = g_spawn.below;
	e = 0;
	for (i = 0; i < 3; i++) {
		moved[i] = ps->ps_fd[i] >= g_spawn.below;
		if (moved[i] && spawn_dup(ps->ps_fd[i], g_spawn.res[i]) != 0)
			e = -1;
		mv.ps_fd[i] = moved[i] ? g_spawn.res[i] : ps->ps_fd[i];
	}
	if (e == 0)
		e = plat_spawn(&mv, pid);
	/* Back to /dev/null: no end of a pipe may stay open here. */
	lost = e < 0;
	for (i = 0; i < 3; i++)
		if (moved[i] && spawn_dup(g_spawn.null, g_spawn.res[i]) != 0)
			lost = true;
	if (lost) {
		spawn_unreserve();
		g_spawn.off = true;	/* until the last supervisor is freed */
	}
	return (e);
}

/*
 * The child's descriptors 0-2 for flags and outfd (errpipe: the write
 * end of its stderr pipe, or -1), into ps.
 */
static void
spawn_slots(struct plat_spawn *ps, unsigned flags, int outfd, int errpipe)
{
	ps->ps_fd[0] = (flags & SP_NULLSTDIN) ? PS_NULL : PS_KEEP;
	ps->ps_fd[1] = PS_KEEP;
	if (flags & SP_STDOUT_ERR)
		ps->ps_fd[1] = outfd >= 0 ? outfd : PS_NULL;
	ps->ps_fd[2] = PS_KEEP;
	if (errpipe >= 0)
		ps->ps_fd[2] = errpipe;
	else if ((flags & SP_STDERR_ERR) && outfd >= 0 && outfd != 2)
		ps->ps_fd[2] = outfd;
	ps->ps_pgrp = (flags & SP_OWNPGRP) != 0;
	ps->ps_ignpipe = (flags & SP_IGNPIPE) != 0;
}

/*
 * ps by posix_spawn(3), with fd3 (or -1) as the child's descriptor 3:
 * what plat_spawn answers, never -1.  An ignored SIGPIPE is the one
 * disposition a spawned child can inherit but not be given; vmrun
 * itself ignores it, a program using the library may not, so it is
 * ignored for the moment.
 */
static int
spawn_here(const struct plat_spawn *ps, int fd3, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	struct sigaction ign, oldpipe;
	sigset_t none, dfl;
	short fl;
	int e, i;

	if ((e = posix_spawn_file_actions_init(&fa)) != 0)
		return (e);
	if ((e = posix_spawnattr_init(&at)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return (e);
	}
	for (i = 0; i < 3; i++) {
		if (ps->ps_fd[i] == PS_NULL)
			e |= posix_spawn_file_actions_addopen(&fa, i,
			    "/dev/null", i == 0 ? O_RDONLY : O_WRONLY, 0);
		else if (ps->ps_fd[i] >= 0)
			e |= posix_spawn_file_actions_adddup2(&fa,
			    ps->ps_fd[i], i);
	}
	if (fd3 >= 0)
		e |= posix_spawn_file_actions_adddup2(&fa, fd3, 3);
	e |= plat_spawn_closefrom(&fa, fd3 >= 0 ? 4 : 3);
	sigemptyset(&none);
	plat_settable_signals(&dfl);
	if (ps->ps_ignpipe)
		sigdelset(&dfl, SIGPIPE);
	fl = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
	if (ps->ps_pgrp) {
		fl |= POSIX_SPAWN_SETPGROUP;
		e |= posix_spawnattr_setpgroup(&at, 0);
	}
	e |= posix_spawnattr_setsigmask(&at, &none);
	e |= posix_spawnattr_setsigdefault(&at, &dfl);
	e |= posix_spawnattr_setflags(&at, fl);
	if (e != 0)
		e = ENOMEM;
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	oldpipe.sa_handler = SIG_IGN;
	if (e == 0 && ps->ps_ignpipe)
		(void)sigaction(SIGPIPE, &ign, &oldpipe);
	if (e == 0)
		e = posix_spawn(pid, ps->ps_argv[0], &fa, &at, ps->ps_argv,
		    ps->ps_envp);
	if (oldpipe.sa_handler != SIG_IGN)
		(void)sigaction(SIGPIPE, &oldpipe, NULL);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	return (e);
}

/*
 * Start argv[0] (a path, no PATH search) with argv: by posix_spawn(3),
 * or once this process holds many descriptors by plat_spawn, which does
 * not copy them into the child; either way the parent's memory is not
 * copied, so a restart costs what the exec costs.  The child has
 * descriptors 0-2 only, every signal at its default (SIGPIPE ignored
 * with SP_IGNPIPE) and an empty mask, so no handler of ours runs in it
 * and nothing vmrun inherited reaches it.  Returns 0, or an errno when
 * no process could be made (pipe, fork).  When the program cannot be
 * executed, c->c_exec_errno says why and the child is gone.  It never
 * waits for the child.
 */
int
spawn(struct child *c, char *const *argv, unsigned flags, int outfd)
{
	return (spawn_fd3(c, argv, flags, outfd, -1));
}

/*
 * spawn, and the child gets fd3 (the caller's, 4 or above) as its
 * descriptor 3: a sidecar's listening socket.  -1: none.  A sidecar,
 * one per boot, is always started by posix_spawn.
 */
int
spawn_fd3(struct child *c, char *const *argv, unsigned flags, int outfd,
    int fd3)
{
	struct plat_spawn ps;
	int errp[2], e;

	memset(c, 0, sizeof(*c));
	c->c_errfd = c->c_procfd = -1;
	c->c_exit = -1;
	errp[0] = errp[1] = -1;
	if ((flags & SP_PIPEERR) && pipe(errp) != 0)
		return (errno);
	if (errp[0] >= 0) {
		fcntl(errp[0], F_SETFD, FD_CLOEXEC);
		fcntl(errp[0], F_SETFL, O_NONBLOCK);
	}
	memset(&ps, 0, sizeof(ps));
	ps.ps_argv = argv;
	ps.ps_envp = environ;
	spawn_slots(&ps, flags, outfd, errp[1]);
	/* The pipe's write end was the lowest free descriptor. */
	if (fd3 >= 0 || !spawn_reserved(errp[1]) || (e = spawn_moved(&ps,
	    &c->c_pid)) < 0)
		e = spawn_here(&ps, fd3, &c->c_pid);
	if (errp[1] >= 0)
		close(errp[1]);
	errp[1] = -1;
	if (e == EAGAIN || e == ENOMEM)
		goto closepipe;		/* no process */
	if (e != 0) {
		/* The child that could not exec has been reaped. */
		c->c_exec_errno = e;
		c->c_reaped = true;
		c->c_exit = 127;
		close(errp[0]);
		return (0);
	}
	c->c_errfd = errp[0];
	c->c_running = true;
	/* Without one (ENOSYS, or an old kernel) SIGCHLD tells of the end. */
	c->c_procfd = plat_procfd(c->c_pid);
	return (0);
closepipe:
	if (errp[0] >= 0)
		close(errp[0]);
	return (e);
}

/*
 * Has the child ended?  Looks without waiting; once it has, records how
 * and closes its process descriptor.  With keep, its zombie stays (so
 * that its pid, and a process group it leads, name nothing else) until
 * child_reap.  A child that someone else reaped (SIGCHLD ignored, a
 * foreign wait) is lost: ended, how unknown.  True once ended.
 */
bool
child_check(struct child *c, bool keep)
{
	siginfo_t si;
	int r;

	if (!c->c_running)
		return (true);
	memset(&si, 0, sizeof(si));
	do
		r = waitid(P_PID, (id_t)c->c_pid, &si, WEXITED | WNOHANG |
		    (keep ? WNOWAIT : 0));
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		c->c_lost = c->c_reaped = true;
	} else if (si.si_pid != c->c_pid)
		return (false);
	else {
		if (si.si_code == CLD_EXITED)
			c->c_exit = si.si_status;
		else
			c->c_sig = si.si_status;
		c->c_reaped = !keep;
	}
	c->c_running = false;
	if (c->c_procfd >= 0) {
		close(c->c_procfd);
		c->c_procfd = -1;
	}
	return (true);
}

/* Reap a child kept by child_check; it has ended, so this is at once. */
void
child_reap(struct child *c)
{
	if (c->c_running || c->c_reaped)
		return;
	while (waitpid(c->c_pid, NULL, 0) < 0 && errno == EINTR)
		;
	c->c_reaped = true;
}

/* Signal a child, never a pid that may have been given to another. */
void
child_kill(const struct child *c, int sig)
{
	if (c->c_pid > 0 && !c->c_reaped)
		(void)kill(c->c_pid, sig);
}

void
tail_flush(struct tail *t)
{
	int i;

	if (t->t_curlen == 0)
		return;
	t->t_cur[t->t_curlen] = '\0';
	i = (t->t_first + t->t_n) % TAIL_LINES;
	memcpy(t->t_line[i], t->t_cur, t->t_curlen + 1);
	if (t->t_n < TAIL_LINES)
		t->t_n++;
	else
		t->t_first = (t->t_first + 1) % TAIL_LINES;
	t->t_curlen = 0;
}

/* Keep the last lines; '\r' goes (bhyve ends lines with \r\n on a raw tty). */
void
tail_add(struct tail *t, const char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			tail_flush(t);
			continue;
		}
		if (buf[i] == '\r')
			continue;
		if (t->t_curlen < TAIL_LINELEN - 1)
			t->t_cur[t->t_curlen++] = buf[i];
	}
}

/* The kept lines, each indented, into buf; returns the line count. */
int
tail_text(const struct tail *t, char *buf, size_t len)
{
	size_t off;
	int i;

	buf[0] = '\0';
	off = 0;
	for (i = 0; i < t->t_n && off < len; i++) {
		off += (size_t)snprintf(buf + off, len - off, "%s    %s",
		    i > 0 ? "\n" : "",
		    t->t_line[(t->t_first + i) % TAIL_LINES]);
	}
	return (t->t_n);
}

static void
write_all(int fd, const char *buf, size_t n)
{
	ssize_t w;

	while (fd >= 0 && n > 0) {
		w = write(fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		buf += w;
		n -= (size_t)w;
	}
}

/*
 * Copy what the child wrote on stderr to errfd and logfd, keeping the
 * tail.  Returns true when the pipe reached its end.
 */
bool
child_pump(struct child *c, struct tail *t, int errfd, int logfd)
{
	char buf[4096];
	ssize_t n;

	while (c->c_errfd >= 0) {
		n = read(c->c_errfd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return (false);
		if (n <= 0) {
			close(c->c_errfd);
			c->c_errfd = -1;
			if (t != NULL)
				tail_flush(t);
			return (true);
		}
		write_all(errfd, buf, (size_t)n);
		write_all(logfd, buf, (size_t)n);
		if (t != NULL)
			tail_add(t, buf, (size_t)n);
	}
	return (true);
}

/*
 * After the child's end: what is left in its stderr pipe, then the pipe
 * closed.  A grandchild may hold the pipe open; what it writes later is
 * not waited for.
 */
void
child_drain(struct child *c, struct tail *t, int errfd, int logfd)
{
	(void)child_pump(c, t, errfd, logfd);
	if (c->c_errfd >= 0) {
		close(c->c_errfd);
		c->c_errfd = -1;
	}
	if (t != NULL)
		tail_flush(t);
}

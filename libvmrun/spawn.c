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
 * The signals a program may set: every one but those the C library keeps
 * for itself (glibc's SIGCANCEL and SIGSETXID, FreeBSD's SIGTHR, between
 * 31 and SIGRTMIN), which no one can reset.
 */
static void
settable_signals(sigset_t *set)
{
	int sig;

	sigemptyset(set);
	for (sig = 1; sig < 32; sig++)
		sigaddset(set, sig);
	for (sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		sigaddset(set, sig);
}

/*
 * Start argv[0] (a path, no PATH search) with argv, by posix_spawn(3):
 * the parent's memory is not copied, so a restart costs what the exec
 * costs.  The child has descriptors 0-2 only, every signal at its
 * default (SIGPIPE ignored with SP_IGNPIPE) and an empty mask, so no
 * handler of ours runs in it and nothing vmrun inherited reaches it.
 * Returns 0, or an errno when no process could be made (pipe, fork).
 * When the program cannot be executed, c->c_exec_errno says why and the
 * child is gone.  It never waits for the child.
 */
int
spawn(struct child *c, char *const *argv, unsigned flags, int outfd)
{
	return (spawn_fd3(c, argv, flags, outfd, -1));
}

/*
 * spawn, and the child gets fd3 (the caller's, 4 or above) as its
 * descriptor 3: a sidecar's listening socket.  -1: none.
 */
int
spawn_fd3(struct child *c, char *const *argv, unsigned flags, int outfd,
    int fd3)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	struct sigaction ign, oldpipe;
	sigset_t none, dfl;
	short fl;
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
	if ((e = posix_spawn_file_actions_init(&fa)) != 0)
		goto closepipe;
	if ((e = posix_spawnattr_init(&at)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		goto closepipe;
	}
	if (flags & SP_NULLSTDIN)
		e |= posix_spawn_file_actions_addopen(&fa, 0, "/dev/null",
		    O_RDONLY, 0);
	if ((flags & SP_STDOUT_ERR) && outfd >= 0)
		e |= posix_spawn_file_actions_adddup2(&fa, outfd, 1);
	else if (flags & SP_STDOUT_ERR)
		e |= posix_spawn_file_actions_addopen(&fa, 1, "/dev/null",
		    O_WRONLY, 0);
	if (errp[1] >= 0)
		e |= posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
	else if ((flags & SP_STDERR_ERR) && outfd >= 0 && outfd != 2)
		e |= posix_spawn_file_actions_adddup2(&fa, outfd, 2);
	if (fd3 >= 0)
		e |= posix_spawn_file_actions_adddup2(&fa, fd3, 3);
	e |= plat_spawn_closefrom(&fa, fd3 >= 0 ? 4 : 3);
	sigemptyset(&none);
	settable_signals(&dfl);
	if (flags & SP_IGNPIPE)
		sigdelset(&dfl, SIGPIPE);
	fl = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
	if (flags & SP_OWNPGRP) {
		fl |= POSIX_SPAWN_SETPGROUP;
		e |= posix_spawnattr_setpgroup(&at, 0);
	}
	e |= posix_spawnattr_setsigmask(&at, &none);
	e |= posix_spawnattr_setsigdefault(&at, &dfl);
	e |= posix_spawnattr_setflags(&at, fl);
	if (e != 0)
		e = ENOMEM;
	/*
	 * An ignored SIGPIPE is the one disposition a spawned child can
	 * inherit but not be given; vmrun itself ignores it, a program
	 * using the library may not, so it is ignored for the moment.
	 */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	oldpipe.sa_handler = SIG_IGN;
	if (e == 0 && (flags & SP_IGNPIPE))
		(void)sigaction(SIGPIPE, &ign, &oldpipe);
	if (e == 0)
		e = posix_spawn(&c->c_pid, argv[0], &fa, &at, argv, environ);
	if (oldpipe.sa_handler != SIG_IGN)
		(void)sigaction(SIGPIPE, &oldpipe, NULL);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (errp[1] >= 0)
		close(errp[1]);
	errp[1] = -1;
	if (e == EAGAIN || e == ENOMEM)
		goto closepipe;		/* no process */
	if (e != 0) {
		/* The C library has reaped the child that could not exec. */
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
	if (errp[1] >= 0)
		close(errp[1]);
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

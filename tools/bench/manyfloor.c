/*
 * manyfloor: the floor of supervising many VMs in one process, for make
 * bench's many-VMs table.  It starts N copies of a program with
 * posix_spawn, holds a process descriptor of each (pidfd), polls them
 * all in one loop, and starts a copy again when it exits 0 (a guest
 * reboot); any other exit ends that copy.  Nothing else: no lock, no
 * control socket, no events, no configuration.  SIGTERM or SIGINT sends
 * SIGTERM to every copy; it exits once the last has ended.
 *
 *	usage: manyfloor N program [arg ...]
 */

#define _GNU_SOURCE
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

#ifdef SYS_pidfd_open
/* Start argv[0]: its process descriptor, its pid in *pid; -1 on error. */
static int
start(char **argv, pid_t *pid)
{
	int fd;

	if (posix_spawn(pid, argv[0], NULL, NULL, argv, environ) != 0)
		return (-1);
	if ((fd = (int)syscall(SYS_pidfd_open, *pid, 0)) < 0) {
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
	}
	return (fd);
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	struct pollfd *pfd;
	pid_t *pid;
	int i, n, live, st, stopping;

	if (argc < 3 || (n = atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: manyfloor N program [arg ...]\n");
		return (64);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	pfd = calloc((size_t)n, sizeof(*pfd));
	pid = calloc((size_t)n, sizeof(*pid));
	if (pfd == NULL || pid == NULL)
		return (71);
	for (i = 0; i < n; i++) {
		if ((pfd[i].fd = start(argv + 2, &pid[i])) < 0) {
			perror("manyfloor");
			stop = 1;
			n = i;
			break;
		}
		pfd[i].events = POLLIN;
	}
	live = n;
	stopping = 0;
	while (live > 0) {
		if (stop && !stopping) {
			stopping = 1;
			for (i = 0; i < n; i++)
				if (pfd[i].fd >= 0)
					kill(pid[i], SIGTERM);
		}
		if (poll(pfd, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("manyfloor: poll");
			return (71);
		}
		for (i = 0; i < n; i++) {
			if (pfd[i].fd < 0 || pfd[i].revents == 0)
				continue;
			pfd[i].revents = 0;
			if (waitpid(pid[i], &st, 0) != pid[i])
				continue;
			close(pfd[i].fd);
			pfd[i].fd = -1;
			if (!stopping && WIFEXITED(st) && WEXITSTATUS(st) == 0)
				pfd[i].fd = start(argv + 2, &pid[i]);
			if (pfd[i].fd < 0)
				live--;
		}
	}
	return (0);
}
#else
int
main(void)
{
	fprintf(stderr, "manyfloor: no process descriptors here\n");
	return (69);
}
#endif

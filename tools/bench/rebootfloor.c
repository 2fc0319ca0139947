/*
 * rebootfloor: the floor of a reboot turnaround, for make bench's
 * supervisor table.  It runs a program with fork, execv and waitpid, and
 * runs it again at once while it exits 0 (a guest reboot); nothing else
 * happens between one exit and the next start.  Run against
 * tools/bench/fakebhyve with BENCH_MODE "reboot N", as vmrun is, the
 * fake stamps the same "E" and "S" lines in $BENCH_LOG, so the gaps
 * between them mean what vmrun's do: the fake's exit 0 to its next start.
 *
 *	usage: rebootfloor program [arg ...]
 *
 * Exits 0 when the program exits 1 (the fake's power-off after its N
 * reboots), 1 on any other end of it or on an error.
 */

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	pid_t pid;
	int status;

	if (argc < 2) {
		fprintf(stderr, "usage: rebootfloor program [arg ...]\n");
		return (1);
	}
	for (;;) {
		if ((pid = fork()) < 0) {
			fprintf(stderr, "rebootfloor: fork: %s\n",
			    strerror(errno));
			return (1);
		}
		if (pid == 0) {
			execv(argv[1], argv + 1);
			_exit(127);
		}
		while (waitpid(pid, &status, 0) < 0)
			if (errno != EINTR) {
				fprintf(stderr, "rebootfloor: waitpid: %s\n",
				    strerror(errno));
				return (1);
			}
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			break;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 1)
		return (0);
	fprintf(stderr, "rebootfloor: %s ended with status 0x%x\n", argv[1],
	    (unsigned)status);
	return (1);
}

/*
 * maxrss: run a program and print its peak RSS in KiB.  A small parent,
 * because a child's peak counts the memory of the process it was forked
 * from (make bench's Python would add its own 18 MiB).
 */

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <stdio.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
	struct rusage ru;
	pid_t pid;
	int st;

	if (argc < 2)
		return (64);
	if ((pid = fork()) == 0) {
		execv(argv[1], argv + 1);
		_exit(127);
	}
	if (pid < 0 || wait4(pid, &st, 0, &ru) != pid)
		return (71);
	printf("%ld\n", ru.ru_maxrss);
	return (WIFEXITED(st) ? WEXITSTATUS(st) : 70);
}

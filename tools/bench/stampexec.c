/*
 * stampexec: stamps the monotonic clock in $BENCH_TPM_LOG ("T NS"), as
 * fakebhyve does when it starts, then executes the program named by
 * $BENCH_TPM_PROG with its own arguments: make bench gives it to vmrun
 * as --swtpm, so that the time from swtpm's spawn to bhyve's is the gap
 * between two stamps taken alike, by two small C programs.  The
 * descriptors are kept: swtpm's socket is descriptor 3.
 */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
	struct timespec ts;
	const char *log;
	char *prog;
	char buf[64];
	int fd, n;

	(void)argc;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if ((log = getenv("BENCH_TPM_LOG")) == NULL ||
	    (prog = getenv("BENCH_TPM_PROG")) == NULL)
		return (64);
	n = snprintf(buf, sizeof(buf), "T %lld\n",
	    (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
	if ((fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0644)) < 0 || write(fd, buf, (size_t)n) != n)
		return (70);
	close(fd);
	argv[0] = prog;
	execv(prog, argv);
	return (127);
}

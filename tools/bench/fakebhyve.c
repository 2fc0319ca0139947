/*
 * fakebhyve: a bhyve stand-in for make bench, in C so that its own cost
 * does not hide the supervisor's.  It stamps the monotonic clock (the
 * same clock for every process on the machine) when it starts and just
 * before it exits, one line each in $BENCH_LOG: "S NS" and "E NS".
 *
 * $BENCH_MODE:
 *   reboot N   exit 0 (a guest reboot) for the first N runs, counted in
 *              $BENCH_LOG.n, then exit 1 (power-off)
 *   idle       sleep without a system call until SIGTERM (the power
 *              button), then exit 1
 *   many       as idle, but SIGUSR1 (the guest reboots) exits 0, as
 *              bhyve does on a reboot: the many-VMs table's reboot storm
 *   console N  write N MiB to com1's terminal ("-l com1,PATH"), stamp
 *              "W NS" when done, then as idle
 *   soak       reboot after SOAK_MS (4 ms), but for a run that finds
 *              $BENCH_LOG.pause: that one removes it, writes "P PID" and
 *              "N RUN" (RUN counted from 0: the reboots before it) and
 *              waits, so that the supervisor can be measured while a
 *              guest runs, until SIGUSR1 (reboot) or SIGTERM (power off)
 *
 * "-h" and "-s help" answer as bhyve does, before anything else: a usage
 * text on stderr, the PCI emulations on stdout, exit 0; no stamp, no
 * run counted.  vmrun asks them once before its first start.
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *logpath;
static volatile sig_atomic_t term, usr1;

/* A line "WHAT VALUE" in $BENCH_LOG. */
static void
note(char what, long long value)
{
	char buf[64];
	int fd, n;

	n = snprintf(buf, sizeof(buf), "%c %lld\n", what, value);
	if ((fd = open(logpath, O_WRONLY | O_APPEND | O_CREAT, 0644)) < 0)
		_exit(70);
	if (write(fd, buf, (size_t)n) != n)
		_exit(70);
	close(fd);
}

static void
stamp(char what)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	note(what, (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
}

/* How many runs before this one; counts this one. */
static long
count(void)
{
	char path[4096], buf[32];
	long n;
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "%s.n", logpath);
	n = 0;
	if ((fd = open(path, O_RDWR | O_CREAT, 0644)) < 0)
		_exit(70);
	if ((r = read(fd, buf, sizeof(buf) - 1)) > 0) {
		buf[r] = '\0';
		n = strtol(buf, NULL, 10);
	}
	r = snprintf(buf, sizeof(buf), "%ld\n", n + 1);
	if (pwrite(fd, buf, (size_t)r, 0) != r)
		_exit(70);
	close(fd);
	return (n);
}

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		usr1 = 1;
	else
		term = 1;
}

/*
 * The least a soak run lasts: at most 1000 / SOAK_MS reboots a second,
 * however fast the machine, so that the crash-loop guard's window (1 s in
 * bench.py's configuration) holds at most that many restart times, the
 * same number whenever the supervisor is measured.
 */
#define SOAK_MS	4

/* soak: see the top. */
static int
soak(void)
{
	struct timespec ts = { 0, SOAK_MS * 1000000L };
	char path[4096];
	sigset_t none;
	long n;

	n = count();
	snprintf(path, sizeof(path), "%s.pause", logpath);
	if (unlink(path) != 0) {
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
		return (0);
	}
	note('P', (long long)getpid());
	note('N', n);
	sigemptyset(&none);
	while (!term && !usr1)
		sigsuspend(&none);
	return (term ? 1 : 0);
}

/* Write mib MiB to com1's terminal, as a chatty guest. */
static void
console(int argc, char **argv, long mib)
{
	static char buf[65536];
	const char *tty;
	long left;
	ssize_t w;
	int i, fd;

	tty = NULL;
	for (i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], "-l") == 0 &&
		    strncmp(argv[i + 1], "com1,", 5) == 0)
			tty = argv[i + 1] + 5;
	if (tty == NULL || (fd = open(tty, O_WRONLY)) < 0)
		_exit(70);
	memset(buf, 'x', sizeof(buf));
	for (i = 63; i < (int)sizeof(buf); i += 64)
		buf[i] = '\n';
	for (left = mib * 1024 * 1024; left > 0; left -= w)
		if ((w = write(fd, buf, left < (long)sizeof(buf) ?
		    (size_t)left : sizeof(buf))) <= 0)
			_exit(70);
	stamp('W');
	close(fd);
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	const char *mode;
	sigset_t wake, none;

	if (argc == 2 && strcmp(argv[1], "-h") == 0) {
		fputs("Usage: bhyve [-hHPSuwxY] vmname\n"
		    "       -c: number of CPUs and/or topology specification\n"
		    "       -m: memory size\n"
		    "       -s: <slot,driver,configinfo> PCI slot config\n",
		    stderr);
		return (0);
	}
	if (argc == 3 && strcmp(argv[1], "-s") == 0 &&
	    strcmp(argv[2], "help") == 0) {
		fputs("ahci\nahci-cd\nahci-hd\namd_hostbridge\ne1000\nfbuf\n"
		    "hda\nhostbridge\nlpc\nnvme\npassthru\nuart\nvirtio-9p\n"
		    "virtio-blk\nvirtio-console\nvirtio-input\nvirtio-net\n"
		    "virtio-rnd\nvirtio-scsi\nxhci\n", stdout);
		return (0);
	}
	if ((logpath = getenv("BENCH_LOG")) == NULL ||
	    (mode = getenv("BENCH_MODE")) == NULL)
		return (70);
	if (strncmp(mode, "reboot ", 7) == 0) {
		stamp('S');
		if (count() < strtol(mode + 7, NULL, 10)) {
			stamp('E');
			return (0);
		}
		stamp('E');
		return (1);
	}
	/* The handler before the stamp: SIGTERM may follow at once. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&wake);
	sigaddset(&wake, SIGTERM);
	sigaddset(&wake, SIGUSR1);
	sigprocmask(SIG_BLOCK, &wake, NULL);
	if (strcmp(mode, "soak") == 0)
		return (soak());
	stamp('S');
	if (strncmp(mode, "console ", 8) == 0)
		console(argc, argv, strtol(mode + 8, NULL, 10));
	sigemptyset(&none);
	while (!term && !(usr1 && strcmp(mode, "many") == 0))
		sigsuspend(&none);
	stamp('E');
	return (term ? 1 : 0);
}

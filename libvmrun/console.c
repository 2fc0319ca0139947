/*
 * console: the COM port vmrun captures ("capture", vmrun.json(5)).  vmrun
 * makes a pseudo-terminal, gives bhyve its terminal end, and reads the
 * other into a ring of fixed size and, optionally, a log file rotated by
 * size, from power-on, whether anyone is attached or not.  The pty lives
 * as long as the supervisor, across reboots, so the ring is one story.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmrun_impl.h"
#include "supervise.h"
#include "platform.h"

#define READS_PER_WAKE	16

static int
log_open(struct console *co, struct vmrun_diags *ds)
{
	struct stat sb;

	co->co_logfd = open(co->co_logpath, O_WRONLY | O_APPEND | O_CREAT |
	    O_NOFOLLOW | O_CLOEXEC, 0640);
	if (co->co_logfd < 0 || fstat(co->co_logfd, &sb) != 0 ||
	    !S_ISREG(sb.st_mode)) {
		diag_add(ds, VMRUN_ERROR, "console-failed", "console_log",
		    NULL, "cannot open the console log %s: %s", co->co_logpath,
		    co->co_logfd < 0 ? nofollow_error(co->co_logpath, errno) :
		    "not a regular file");
		if (co->co_logfd >= 0)
			close(co->co_logfd);
		co->co_logfd = -1;
		return (71);
	}
	co->co_logsize = (long long)sb.st_size;
	return (0);
}

/*
 * Make the console for vm's captured port, once: 0, or 71 (the system
 * refuses).  Nothing to do when the target captures no port.
 */
int
console_open(struct vmrun_sup *su, const struct vmrun_vm *vm,
    struct vmrun_diags *ds)
{
	struct console *co;
	int e;

	co = &su->su_con;
	if (vm->vm_capture < 0 || co->co_master >= 0)
		return (0);
	co->co_cap = (size_t)vm->vm_console_ring;
	/*
	 * The terminal end stays open here too, so that the master never
	 * sees a hangup between two runs of bhyve; it is raw, as bhyve
	 * sets it (bhyve.md §6.1).
	 */
	if ((e = pty_open(&co->co_master, &co->co_slave, co->co_path,
	    sizeof(co->co_path))) != 0) {
		diag_add(ds, VMRUN_ERROR, "console-failed", "", NULL,
		    "cannot make a terminal for com%d: %s",
		    vm->vm_capture + 1, strerror(e));
		co->co_master = co->co_slave = -1;
		return (71);
	}
	if (vm->vm_console_log != NULL) {
		co->co_logmax = vm->vm_console_log_size;
		if ((co->co_logpath = xstrdup(vm->vm_console_log)) == NULL ||
		    log_open(co, ds) != 0) {
			console_close(su);
			return (71);
		}
	}
	return (0);
}

void
console_close(struct vmrun_sup *su)
{
	struct console *co;

	co = &su->su_con;
	if (co->co_master >= 0)
		close(co->co_master);
	if (co->co_slave >= 0)
		close(co->co_slave);
	if (co->co_logfd >= 0)
		close(co->co_logfd);
	xfree(co->co_ring);
	xfree(co->co_logpath);
	memset(co, 0, sizeof(*co));
	co->co_master = co->co_slave = co->co_logfd = -1;
}

/*
 * Keep the last co_cap bytes; the ring grows to that size as it fills.
 * Until it is full size it never wraps: its bytes are co_ring[0, co_len),
 * oldest first, and co_head is co_len -- or 0 when a read filled it to
 * exactly co_size, which growing puts back to co_len.
 */
void
console_ring_add(struct console *co, const char *buf, size_t n)
{
	size_t size, k;
	char *p;

	if (n >= co->co_cap) {
		buf += n - co->co_cap;
		n = co->co_cap;
	}
	if (co->co_size < co->co_cap && co->co_len + n > co->co_size) {
		size = co->co_size > 0 ? co->co_size : 4096;
		while (size < co->co_len + n && size < co->co_cap)
			size *= 2;
		if (size > co->co_cap)
			size = co->co_cap;
		if ((p = xrealloc(co->co_ring, size)) != NULL) {
			co->co_ring = p;
			co->co_size = size;
			co->co_head = co->co_len;
		} else
			co->co_cap = co->co_size;	/* stays this size */
	}
	if (co->co_size == 0)
		return;
	if (n > co->co_size) {
		buf += n - co->co_size;
		n = co->co_size;
	}
	k = co->co_size - co->co_head;
	if (k > n)
		k = n;
	memcpy(co->co_ring + co->co_head, buf, k);
	memcpy(co->co_ring, buf + k, n - k);
	co->co_head = (co->co_head + n) % co->co_size;
	co->co_len = co->co_len + n > co->co_size ? co->co_size :
	    co->co_len + n;
}

/* The last n bytes of the ring (n <= co_len), in order, into out. */
size_t
console_ring_copy(const struct console *co, char *out, size_t n)
{
	size_t start, k;

	if (n > co->co_len)
		n = co->co_len;
	if (n == 0)
		return (0);
	start = (co->co_head + co->co_size - n) % co->co_size;
	k = co->co_size - start;
	if (k > n)
		k = n;
	memcpy(out, co->co_ring + start, k);
	memcpy(out + k, co->co_ring, n - k);
	return (n);
}

/* Append to the log, rotating it to PATH.1 when it would pass its size. */
static void
log_add(struct vmrun_sup *su, const char *buf, size_t n)
{
	struct console *co;
	char old[4096];
	ssize_t w;

	co = &su->su_con;
	if (co->co_logfd < 0)
		return;
	if (co->co_logsize > 0 && co->co_logsize + (long long)n >
	    co->co_logmax) {
		close(co->co_logfd);
		co->co_logfd = -1;
		snprintf(old, sizeof(old), "%s.1", co->co_logpath);
		if (rename(co->co_logpath, old) != 0 ||
		    log_open(co, su->su_diags) != 0) {
			diag_add(su->su_diags, VMRUN_WARNING, "console-failed",
			    "console_log", NULL, "the console log %s could "
			    "not be rotated: %s; it is no longer written",
			    co->co_logpath, strerror(errno));
			return;
		}
	}
	while (n > 0) {
		if ((w = write(co->co_logfd, buf, n)) < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;		/* a full disk: the ring has it */
		co->co_logsize += w;
		buf += w;
		n -= (size_t)w;
	}
}

/* What the guest wrote: into the ring, the log, and to the attached. */
void
console_read(struct vmrun_sup *su)
{
	struct console *co;
	char buf[4096];
	ssize_t n;
	int i;

	co = &su->su_con;
	for (i = 0; i < READS_PER_WAKE && co->co_master >= 0; i++) {
		n = read(co->co_master, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;		/* EAGAIN, or EIO with no bhyve */
		console_ring_add(co, buf, (size_t)n);
		co->co_total += (unsigned long long)n;
		log_add(su, buf, (size_t)n);
		if (su->su_con_tap != NULL)
			su->su_con_tap(su, buf, (size_t)n);
	}
}

/* Input for the guest; what its terminal does not take now is dropped. */
void
console_write(struct vmrun_sup *su, const char *buf, size_t n)
{
	ssize_t w;

	while (su->su_con.co_master >= 0 && n > 0) {
		if ((w = write(su->su_con.co_master, buf, n)) < 0 &&
		    errno == EINTR)
			continue;
		if (w <= 0)
			return;
		buf += w;
		n -= (size_t)w;
	}
}

/*
 * The last lines of the ring (a partial last line counts), at most
 * nlines: a new string of *lenp bytes (the guest may have written NUL),
 * NUL-terminated; NULL when out of memory.
 */
char *
console_tail(const struct console *co, size_t nlines, size_t *lenp)
{
	char *all, *p;
	size_t n, i, seen;

	n = co->co_len;
	if ((all = xmalloc(n + 1)) == NULL)
		return (NULL);
	n = console_ring_copy(co, all, n);
	all[n] = '\0';
	seen = 0;
	i = n;
	if (i > 0 && all[i - 1] == '\n')
		i--;
	for (; i > 0; i--)
		if (all[i - 1] == '\n' && ++seen == nlines)
			break;
	p = all;
	memmove(p, all + i, n - i + 1);
	*lenp = n - i;
	return (p);
}

/*
 * host: what a device's host check (its dt_host) and check.c report with,
 * and the files, terminals and sockets they ask the host about.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vmrun_impl.h"
#include "platform.h"

static void
host_vdiag(struct hctx *hc, enum vmrun_severity sev, const char *code,
    const char *path, const char *fix, const char *fmt, va_list ap)
{
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	diag_addg(hc->hc_ds, sev, code, hc->hc_group, path, fix, "%s", buf);
}

/* A problem of the device being checked (an error), counted. */
void
host_problem(struct hctx *hc, const char *code, const char *path,
    const char *fix, const char *fmt, ...)
{
	va_list ap;

	/* Counted here: the list keeps one of identical diagnostics. */
	hc->hc_nproblems++;
	va_start(ap, fmt);
	host_vdiag(hc, VMRUN_ERROR, code, path, fix, fmt, ap);
	va_end(ap);
}

/* A note on the device being checked (a warning: a fix applied...). */
void
host_note(struct hctx *hc, const char *code, const char *path,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	host_vdiag(hc, VMRUN_WARNING, code, path, NULL, fmt, ap);
	va_end(ap);
}

/* Would a start apply the fix of the current device? */
static bool
host_fix_selected(const struct hctx *hc)
{
	return ((hc->hc_flags & VMRUN_CHECK_FIX_ALL) ||
	    ((hc->hc_flags & VMRUN_CHECK_FIX) && hc->hc_devfix));
}

/* May the fix of the current device be applied now? */
bool
host_may_fix(const struct hctx *hc)
{
	return (!(hc->hc_flags & VMRUN_CHECK_PREVIEW) &&
	    host_fix_selected(hc));
}

/* Is this only a check, before a start that would apply the fix? */
bool
host_will_fix(const struct hctx *hc)
{
	return ((hc->hc_flags & VMRUN_CHECK_PREVIEW) &&
	    host_fix_selected(hc));
}

/*
 * A problem that starting would fix (design §6): a warning with its fix
 * under VMRUN_CHECK_PREVIEW, so that a pre-check agrees with the start
 * that follows; otherwise a problem.  msg says what is wrong.
 */
void
host_fixable(struct hctx *hc, const char *code, const char *path,
    const char *fix, const char *msg)
{
	if (host_will_fix(hc))
		diag_addg(hc->hc_ds, VMRUN_WARNING, code, hc->hc_group, path,
		    fix, "%s; will be fixed at start", msg);
	else
		host_problem(hc, code, path, fix, "%s", msg);
}

const char *
host_jp(struct hctx *hc, const char *base, const char *key)
{
	const char *p;

	p = pool_printf(hc->hc_pool, "%s.%s", base, key);
	return (p != NULL ? p : base);
}

/* The JSON path of element i of array key of base: "base.key[i]". */
const char *
host_jpi(struct hctx *hc, const char *base, const char *key, size_t i)
{
	const char *p;

	p = pool_printf(hc->hc_pool, "%s.%s[%zu]", base, key, i);
	return (p != NULL ? p : base);
}

/*
 * A file the VM uses: it exists, is of the right kind, and is writable
 * when bhyve needs to write it -- bhyve silently falls back to read-only
 * otherwise (bhyve.md §5.1).
 */
void
host_need_file(struct hctx *hc, const char *path, const char *file,
    enum filekind kind, bool writable, const char *fix)
{
	struct stat sb;

	if (file == NULL)
		return;
	if (stat(file, &sb) != 0) {
		/* Missing, or there but out of reach (EACCES, ELOOP...). */
		if (errno == ENOENT || errno == ENOTDIR)
			host_problem(hc, "file-missing", path, fix, "%s: %s",
			    file,
			    strerror(errno));
		else
			host_problem(hc, "file-inaccessible", path, NULL,
			    "%s: %s",
			    file, strerror(errno));
		return;
	}
	if (kind == FK_REG && !S_ISREG(sb.st_mode)) {
		host_problem(hc, "not-a-file", path, NULL,
		    "%s: not a regular file",
		    file);
		return;
	}
	if (kind == FK_DIR && !S_ISDIR(sb.st_mode)) {
		host_problem(hc, "not-a-directory", path, NULL, "%s: not a "
		    "directory", file);
		return;
	}
	if (writable && access(file, W_OK) != 0)
		host_problem(hc, "file-not-writable", path, NULL, "%s: not "
		    "writable (%s); bhyve would quietly use it read-only",
		    file, strerror(errno));
}

/* /dev/nmdm* is made on first open by the nmdm module (bhyve.md §11). */
void
host_need_tty(struct hctx *hc, const char *path, const char *backend)
{
	int r;

	if (backend == NULL || strncmp(backend, "/dev/", 5) != 0)
		return;
	if (strncmp(backend, "/dev/nmdm", 9) == 0) {
		r = hc->hc_plat->po_module("nmdm");
		if (r == 0)
			host_problem(hc, "module-missing", path, "kldload nmdm",
			    "%s needs the nmdm kernel module, which is not "
			    "loaded", backend);
		return;
	}
	host_need_file(hc, path, backend, FK_ANY, false, NULL);
}

/*
 * Does anything listen on the UNIX socket at path?  The connect does not
 * block: a listener whose queue is full (EAGAIN, EINPROGRESS) is live
 * too.  A refusal (ECONNREFUSED) makes it stale only when the system
 * finds no listener bound to the path, as FreeBSD refuses a live one
 * whose queue is full.  When in doubt the socket counts as live, so it
 * is never removed.
 */
bool
unix_socket_live(const char *path)
{
	struct sockaddr_un sun;
	int fd, fl, err;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return (true);
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		return (true);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	err = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0 ? 0 :
	    errno;
	close(fd);
	return (!plat_socket_stale(err, err == ECONNREFUSED ?
	    plat_refused_listener(path) : -1));
}

/*
 * ctlsrv: the control socket of a running supervisor (vmrun(8) CONTROL):
 * its path, its clients, their lines (ctlreq.c acts on them), and the
 * events and console bytes that go out to them.  Every buffer is bounded
 * and every descriptor non-blocking: a client may be slow, silent or
 * hostile, and never holds up the loop.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmrun_impl.h"
#include "supervise.h"

#define READS_PER_WAKE	16	/* then the others get their turn */

/* What the guest wrote, to every attached client. */
static void
con_tap(struct vmrun_sup *su, const char *buf, size_t n)
{
	struct client *cl;
	size_t i;

	for (i = 0; i < SRV_CLIENTS; i++) {
		cl = &su->su_srv.cs_cl[i];
		if (cl->cl_fd >= 0 && cl->cl_console)
			client_put_raw(cl, buf, n, false);
	}
}

/* Read what the client sent; act on each whole line. */
static void
client_read(struct vmrun_sup *su, struct client *cl)
{
	char *nl;
	size_t len;
	ssize_t n;
	int i;

	for (i = 0; i < READS_PER_WAKE && cl->cl_fd >= 0 && !cl->cl_closing;
	    i++) {
		n = read(cl->cl_fd, cl->cl_in + cl->cl_inlen, SRV_LINE -
		    cl->cl_inlen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {		/* gone; a partial line goes too */
			client_drop(cl);
			return;
		}
		if (cl->cl_console) {	/* input for the guest, or nothing */
			if (cl->cl_writer)
				console_write(su, cl->cl_in, (size_t)n);
			continue;
		}
		cl->cl_inlen += (size_t)n;
		while (cl->cl_fd >= 0 && !cl->cl_closing && !cl->cl_console &&
		    (nl = memchr(cl->cl_in, '\n', cl->cl_inlen)) != NULL) {
			len = (size_t)(nl - cl->cl_in);
			ctlreq_handle(su, cl, cl->cl_in, len);
			if (cl->cl_fd < 0)
				return;
			cl->cl_inlen -= len + 1;
			memmove(cl->cl_in, nl + 1, cl->cl_inlen);
		}
		if (cl->cl_console) {	/* what came after "console" */
			if (cl->cl_writer)
				console_write(su, cl->cl_in, cl->cl_inlen);
			cl->cl_inlen = 0;
		}
		if (cl->cl_fd >= 0 && cl->cl_inlen == SRV_LINE) {
			ctlreq_error(cl, NULL, "line-too-long", "a request "
			    "line is at most 4096 bytes");
			cl->cl_inlen = 0;
			cl->cl_closing = true;
			client_flush(cl);
		}
	}
}

static void
accept_all(struct vmrun_sup *su)
{
	static const char busy[] = "{\"version\":1,\"ok\":false,"
	    "\"error\":\"too-many-clients\",\"message\":\"as many clients "
	    "as vmrun serves are connected\"}\n";
	struct client *cl;
	size_t i;
	int fd;

	for (;;) {
		if ((fd = accept(su->su_srv.cs_fd, NULL, NULL)) < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return;		/* EAGAIN: no more; EMFILE: later */
		}
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
		(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		for (i = 0; i < SRV_CLIENTS && su->su_srv.cs_cl[i].cl_fd >= 0;
		    i++)
			;
		if (i == SRV_CLIENTS) {
			/* Told at once; its socket buffer takes one line. */
			(void)send(fd, busy, strlen(busy), MSG_NOSIGNAL);
			close(fd);
			continue;
		}
		cl = &su->su_srv.cs_cl[i];
		if ((cl->cl_in = xmalloc(SRV_LINE)) == NULL) {
			close(fd);
			continue;
		}
		cl->cl_fd = fd;
	}
}

/* Every event, as a line, to every subscriber. */
static void
tap(struct vmrun_sup *su, const struct vmrun_event *ev)
{
	struct client *cl;
	char *s;
	size_t i;

	s = NULL;
	for (i = 0; i < SRV_CLIENTS; i++) {
		cl = &su->su_srv.cs_cl[i];
		if (cl->cl_fd < 0 || !cl->cl_sub || cl->cl_closing)
			continue;
		if (s == NULL && (s = vmrun_event_json(ev)) == NULL)
			return;
		client_put(cl, s);
	}
	xfree(s);
}

/* The descriptors to watch, into pfd (room for n); how many. */
int
ctlsrv_watch(struct vmrun_sup *su, struct pollfd *pfd, int n)
{
	struct client *cl;
	int i, k;

	k = 0;
	if (su->su_srv.cs_fd < 0 || n < 1)
		return (0);
	pfd[k].fd = su->su_srv.cs_fd;
	pfd[k].events = POLLIN;
	pfd[k++].revents = 0;
	for (i = 0; i < SRV_CLIENTS && k < n; i++) {
		cl = &su->su_srv.cs_cl[i];
		if (cl->cl_fd < 0)
			continue;
		pfd[k].fd = cl->cl_fd;
		pfd[k].events = (cl->cl_closing ? 0 : POLLIN) |
		    (cl->cl_outlen > 0 ? POLLOUT : 0);
		pfd[k++].revents = 0;
	}
	return (k);
}

/* Act on what poll reported for the descriptors of ctlsrv_watch. */
void
ctlsrv_serve(struct vmrun_sup *su, const struct pollfd *pfd, int n)
{
	struct client *cl;
	int i, k;

	if (n < 1)
		return;
	for (k = 1, i = 0; i < SRV_CLIENTS && k < n; i++) {
		cl = &su->su_srv.cs_cl[i];
		if (cl->cl_fd < 0 || cl->cl_fd != pfd[k].fd)
			continue;
		if (pfd[k].revents & POLLOUT)
			client_flush(cl);
		if (cl->cl_fd >= 0 && (pfd[k].revents & (POLLIN | POLLHUP |
		    POLLERR)))
			client_read(su, cl);
		if (cl->cl_fd >= 0 && cl->cl_closing &&
		    (pfd[k].revents & (POLLHUP | POLLERR)))
			client_drop(cl);
		k++;
	}
	if (pfd[0].revents & POLLIN)
		accept_all(su);
}

/*
 * The socket's path: --control, or NAME.sock beside the lock (-P), or
 * in /var/run/vmrun.  NULL: none.
 */
static char *
srv_path(struct vmrun_sup *su)
{
	const char *lock, *slash, *c;
	char buf[PATH_MAX], dir[PATH_MAX];

	if ((c = su->su_opts->op_control) != NULL)
		return (xstrdup(c));
	lock = su->su_opts->op_lockfile;
	if (lock != NULL && (slash = strrchr(lock, '/')) != NULL)
		snprintf(buf, sizeof(buf), "%.*s/%s.sock", (int)(slash - lock),
		    lock, su->su_name);
	else if (lock != NULL)
		snprintf(buf, sizeof(buf), "%s.sock", su->su_name);
	else if (dirs_run(dir, sizeof(dir)) == NULL ||
	    snprintf(buf, sizeof(buf), "%s/%s.sock", dir, su->su_name) >=
	    (int)sizeof(buf))
		return (NULL);
	return (xstrdup(buf));
}

/* What is at path may be replaced: nothing, or a stale socket of ours. */
static int
srv_clear(const char *path, struct vmrun_diags *ds)
{
	struct stat sb;

	if (lstat(path, &sb) != 0)
		return (0);
	if (!S_ISSOCK(sb.st_mode)) {
		diag_add(ds, VMRUN_ERROR, "control-in-use", "", NULL,
		    "the control socket %s exists and is not a socket; vmrun "
		    "never removes it", path);
		return (69);
	}
	if (unix_socket_live(path)) {
		diag_add(ds, VMRUN_ERROR, "control-in-use", "", NULL,
		    "the control socket %s is in use by another program",
		    path);
		return (69);
	}
	if (sb.st_uid != geteuid()) {
		diag_add(ds, VMRUN_ERROR, "control-in-use", "", NULL,
		    "the control socket %s is a stale socket of another "
		    "user; vmrun does not remove it", path);
		return (69);
	}
	(void)unlink(path);
	return (0);
}

/*
 * The gid of the group name: 0, or ENOENT when there is none, ENOMEM, or
 * the error of the lookup.  getgrnam_r, not getgrnam(3): the one static
 * result of that belongs to the application.
 */
static int
srv_gid(const char *name, gid_t *gidp)
{
	struct group grp, *gr;
	char *buf;
	size_t len;
	long max;
	int e;

	max = sysconf(_SC_GETGR_R_SIZE_MAX);
	len = max > 0 ? (size_t)max : 1024;
	/* Grown while too small, up to 1 MiB: the members are listed. */
	for (;;) {
		if ((buf = xmalloc(len)) == NULL)
			return (ENOMEM);
		gr = NULL;
		e = getgrnam_r(name, &grp, buf, len, &gr);
		if (e == 0 && gr != NULL)
			*gidp = gr->gr_gid;
		xfree(buf);
		if (e != ERANGE || len >= 1024 * 1024)
			break;
		len *= 2;
	}
	if (e != 0)
		return (e);
	return (gr != NULL ? 0 : ENOENT);
}

/*
 * Make the control socket (mode 0600, or 0660 for --control-group):
 * 0, 69 when its path is taken, 71 when the system refuses.
 */
int
ctlsrv_open(struct vmrun_sup *su, struct vmrun_diags *ds)
{
	struct ctlsrv *cs;
	struct sockaddr_un sun;
	struct stat sb;
	gid_t gid;
	mode_t mask;
	int rc, e;

	cs = &su->su_srv;
	if (su->su_opts->op_control != NULL &&
	    su->su_opts->op_control[0] == '\0')
		return (0);		/* --control '': none */
	if ((cs->cs_path = srv_path(su)) == NULL) {
		diag_add(ds, VMRUN_ERROR, "control-failed", "", NULL,
		    "out of memory");
		return (71);
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(cs->cs_path) >= sizeof(sun.sun_path)) {
		diag_add(ds, VMRUN_ERROR, "control-failed", "", NULL,
		    "the control socket path %s is longer than %zu bytes",
		    cs->cs_path, sizeof(sun.sun_path) - 1);
		return (69);
	}
	memcpy(sun.sun_path, cs->cs_path, strlen(cs->cs_path));
	gid = (gid_t)-1;
	if (su->su_opts->op_control_group != NULL &&
	    (e = srv_gid(su->su_opts->op_control_group, &gid)) != 0) {
		if (e == ENOENT)
			diag_add(ds, VMRUN_ERROR, "control-failed", "", NULL,
			    "no group named %s for the control socket",
			    su->su_opts->op_control_group);
		else
			diag_add(ds, VMRUN_ERROR, "control-failed", "", NULL,
			    "cannot look up the group %s: %s",
			    su->su_opts->op_control_group, strerror(e));
		return (e == ENOMEM ? 71 : 69);
	}
	if ((rc = srv_clear(cs->cs_path, ds)) != 0)
		return (rc);
	if ((cs->cs_fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		goto fail;
	(void)fcntl(cs->cs_fd, F_SETFD, FD_CLOEXEC);
	(void)fcntl(cs->cs_fd, F_SETFL, fcntl(cs->cs_fd, F_GETFL) | O_NONBLOCK);
	/* 0600 from the start: never reachable by others, even briefly. */
	mask = umask(0177);
	rc = bind(cs->cs_fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(mask);
	if (rc != 0 || listen(cs->cs_fd, 16) != 0 ||
	    lstat(cs->cs_path, &sb) != 0)
		goto fail;
	cs->cs_dev = sb.st_dev;
	cs->cs_ino = sb.st_ino;
	if (gid != (gid_t)-1 && (chown(cs->cs_path, (uid_t)-1, gid) != 0 ||
	    chmod(cs->cs_path, 0660) != 0))
		goto fail;
	su->su_tap = tap;
	su->su_con_tap = con_tap;
	return (0);
fail:
	e = errno;
	diag_add(ds, VMRUN_ERROR, "control-failed", "", NULL,
	    "cannot make the control socket %s: %s", cs->cs_path, strerror(e));
	ctlsrv_close(su);
	return (71);
}

/* Clients get what is pending, as far as they take it now; then close. */
void
ctlsrv_close(struct vmrun_sup *su)
{
	struct ctlsrv *cs;
	struct stat sb;
	size_t i;

	cs = &su->su_srv;
	su->su_tap = NULL;
	su->su_con_tap = NULL;
	for (i = 0; i < SRV_CLIENTS; i++) {
		client_flush(&cs->cs_cl[i]);
		client_drop(&cs->cs_cl[i]);
	}
	if (cs->cs_fd >= 0) {
		close(cs->cs_fd);
		cs->cs_fd = -1;
		if (lstat(cs->cs_path, &sb) == 0 && sb.st_dev == cs->cs_dev &&
		    sb.st_ino == cs->cs_ino)
			(void)unlink(cs->cs_path);
	}
	xfree(cs->cs_path);
	cs->cs_path = NULL;
}

/*
 * ctlcli: the client side of the control socket (vmrun(8) CONTROL), so
 * that programs talk to a running vmrun without writing the protocol
 * themselves: connect, send a request, read lines, and a text form of
 * an answer or event for people.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmrun_impl.h"
#include "supervise.h"

struct vmrun_ctl {
	int		 cc_fd;
	char		*cc_buf;	/* what was read, not yet a line */
	size_t		 cc_len;
	size_t		 cc_cap;
};

char *
vmrun_ctl_path(const char *name)
{
	char buf[512], dir[256];

	if (name == NULL || *name == '\0')
		return (NULL);
	if (strchr(name, '/') != NULL)
		return (xstrdup(name));
	if (dirs_run(dir, sizeof(dir)) == NULL)
		return (NULL);
	snprintf(buf, sizeof(buf), "%s/%s.sock", dir, name);
	return (xstrdup(buf));
}

enum vmrun_status
vmrun_ctl_open(const char *path, struct vmrun_ctl **ccp)
{
	struct sockaddr_un sun;
	struct vmrun_ctl *cc;
	int fd, e;

	if (ccp == NULL)
		return (VMRUN_ERR_ARG);
	*ccp = NULL;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (path == NULL || strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return (VMRUN_ERR_ARG);
	}
	memcpy(sun.sun_path, path, strlen(path));
	if ((cc = xcalloc(1, sizeof(*cc))) == NULL)
		return (VMRUN_ERR_NOMEM);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0) {
		xfree(cc);
		return (VMRUN_ERR_IO);
	}
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		e = errno;
		close(fd);
		xfree(cc);
		errno = e;
		return (VMRUN_ERR_IO);
	}
	cc->cc_fd = fd;
	*ccp = cc;
	return (VMRUN_OK);
}

void
vmrun_ctl_close(struct vmrun_ctl *cc)
{
	if (cc == NULL)
		return;
	close(cc->cc_fd);
	xfree(cc->cc_buf);
	xfree(cc);
}

int
vmrun_ctl_fd(const struct vmrun_ctl *cc)
{
	return (cc != NULL ? cc->cc_fd : -1);
}

enum vmrun_status
vmrun_ctl_send(struct vmrun_ctl *cc, const char *request, const char *arg)
{
	jw_t *o;
	char *s;
	size_t n, off;
	ssize_t w;
	int bad;

	if (cc == NULL || request == NULL)
		return (VMRUN_ERR_ARG);
	if ((o = jw_object()) == NULL)
		return (VMRUN_ERR_NOMEM);
	bad = jw_object_set_new(o, "version", jw_integer(SRV_VERSION));
	bad |= jw_object_set_new(o, "request", jw_string(request));
	if (strcmp(request, "stop") == 0 && arg != NULL)
		bad |= jw_object_set_new(o, "force",
		    jw_boolean(strcmp(arg, "force") == 0));
	else if (strcmp(request, "console") == 0)
		bad |= jw_object_set_new(o, "write",
		    jw_boolean(arg != NULL && strcmp(arg, "write") == 0));
	else if (strcmp(request, "console-tail") == 0 && arg != NULL)
		bad |= jw_object_set_new(o, "lines",
		    jw_integer(strtoll(arg, NULL, 10)));
	else if (strcmp(request, "next-target") == 0)
		bad |= jw_object_set_new(o, "target", arg != NULL ?
		    jw_string(arg) : jw_null());
	else if (arg != NULL)
		bad |= jw_object_set_new(o, "target", jw_string(arg));
	s = bad ? NULL : jw_dumps(o, JW_COMPACT);
	jw_decref(o);
	if (s == NULL)
		return (bad ? VMRUN_ERR_ARG : VMRUN_ERR_NOMEM);
	n = strlen(s);
	s[n++] = '\n';		/* jw_dumps left room: it ended in '\0' */
	for (off = 0; off < n; off += (size_t)w)
		if ((w = send(cc->cc_fd, s + off, n - off, MSG_NOSIGNAL)) <
		    0) {
			if (errno == EINTR) {
				w = 0;
				continue;
			}
			xfree(s);
			return (VMRUN_ERR_IO);
		}
	xfree(s);
	return (VMRUN_OK);
}

/* A whole line in the buffer: taken out, as a new string. */
static char *
take_line(struct vmrun_ctl *cc)
{
	char *nl, *line;
	size_t n;

	if ((nl = memchr(cc->cc_buf, '\n', cc->cc_len)) == NULL)
		return (NULL);
	n = (size_t)(nl - cc->cc_buf);
	if ((line = xmalloc(n + 1)) == NULL)
		return (NULL);
	memcpy(line, cc->cc_buf, n);
	line[n] = '\0';
	cc->cc_len -= n + 1;
	memmove(cc->cc_buf, nl + 1, cc->cc_len);
	return (line);
}

enum vmrun_status
vmrun_ctl_recv(struct vmrun_ctl *cc, int timeout_ms, char **linep)
{
	struct pollfd pfd;
	ssize_t n;
	char *p;
	int r;

	if (cc == NULL || linep == NULL)
		return (VMRUN_ERR_ARG);
	*linep = NULL;
	for (;;) {
		if (cc->cc_buf != NULL &&
		    memchr(cc->cc_buf, '\n', cc->cc_len) != NULL)
			return ((*linep = take_line(cc)) != NULL ? VMRUN_OK :
			    VMRUN_ERR_NOMEM);
		if (cc->cc_len == cc->cc_cap) {
			if (cc->cc_cap >= SRV_OUTBUF) {
				errno = EMSGSIZE;
				return (VMRUN_ERR_IO);
			}
			p = xrealloc(cc->cc_buf, cc->cc_cap > 0 ?
			    cc->cc_cap * 2 : 4096);
			if (p == NULL)
				return (VMRUN_ERR_NOMEM);
			cc->cc_buf = p;
			cc->cc_cap = cc->cc_cap > 0 ? cc->cc_cap * 2 : 4096;
		}
		pfd.fd = cc->cc_fd;
		pfd.events = POLLIN;
		if ((r = poll(&pfd, 1, timeout_ms)) < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			errno = ETIMEDOUT;
			return (VMRUN_ERR_IO);
		}
		n = read(cc->cc_fd, cc->cc_buf + cc->cc_len, cc->cc_cap -
		    cc->cc_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return (VMRUN_ERR_IO);
		if (n == 0)
			return (VMRUN_OK);	/* the end: *linep NULL */
		cc->cc_len += (size_t)n;
	}
}

size_t
vmrun_ctl_take(struct vmrun_ctl *cc, char *buf, size_t len)
{
	size_t n;

	if (cc == NULL || buf == NULL)
		return (0);
	n = cc->cc_len < len ? cc->cc_len : len;
	memcpy(buf, cc->cc_buf, n);
	cc->cc_len -= n;
	memmove(cc->cc_buf, cc->cc_buf + n, cc->cc_len);
	return (n);
}

/*
 * s for a terminal: control characters as \ooo, like vis(3); with
 * lines, newlines and tabs stay, and a carriage return before a newline
 * goes.
 */
static void
sb_vis_text(struct strbuf *sb, const char *s, bool lines)
{
	for (; *s != '\0'; s++) {
		if (lines && (*s == '\n' || *s == '\t'))
			sb_addc(sb, *s);
		else if (lines && *s == '\r' && s[1] == '\n')
			continue;
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			sb_printf(sb, "\\%03o", (unsigned char)*s);
		else
			sb_addc(sb, *s);
	}
}

static void
sb_vis(struct strbuf *sb, const char *s)
{
	sb_vis_text(sb, s, false);
}

static void
sb_value(struct strbuf *sb, jw_t *v)
{
	char *s;

	if (jw_is_string(v))
		sb_vis(sb, jw_string_value(v));
	else if (v == NULL || jw_is_null(v))
		sb_add(sb, "-");
	else if ((s = jw_dumps(v, JW_COMPACT | JW_ENCODE_ANY)) != NULL) {
		sb_vis(sb, s);
		xfree(s);
	}
}

/* A status answer, one "key: value" line each. */
static void
text_status(struct strbuf *sb, jw_t *o)
{
	static const char *const keys[] = { "vm", "state", "target", "run",
	    "pid", "reboots", "started", "next_target", "control",
	    "console" };
	jw_t *x;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		sb_printf(sb, "%-12s ", keys[i]);
		sb_value(sb, jw_object_get(o, keys[i]));
		sb_addc(sb, '\n');
		if (i == 5) {
			x = jw_object_get(o, "last_exit");
			sb_printf(sb, "%-12s ", "last_exit");
			if (!jw_is_object(x))
				sb_add(sb, "-");
			else {
				sb_value(sb, jw_object_get(x, "meaning"));
				sb_add(sb, " (status ");
				sb_value(sb, jw_object_get(x, "status"));
				sb_add(sb, ", signal ");
				sb_value(sb, jw_object_get(x, "signal"));
				sb_addc(sb, ')');
			}
			sb_addc(sb, '\n');
		}
	}
}

char *
vmrun_ctl_text(const char *line)
{
	struct strbuf sb;
	jw_t *o, *v;
	const char *k, *req;
	size_t i;

	if (line == NULL || (o = jw_loads(line, strlen(line), NULL, 0)) == NULL)
		return (NULL);
	sb_init(&sb);
	req = jw_string_value(jw_object_get(o, "request"));
	if (!jw_is_object(o))
		sb_vis(&sb, line);
	else if (jw_object_get(o, "event") != NULL) {
		/* An event: its time and name, then key=value. */
		sb_value(&sb, jw_object_get(o, "time"));
		sb_addc(&sb, ' ');
		sb_value(&sb, jw_object_get(o, "event"));
		jw_object_foreach(o, k, v) {
			if (strcmp(k, "time") == 0 || strcmp(k, "vm") == 0 ||
			    strcmp(k, "event") == 0)
				continue;
			sb_printf(&sb, " %s=", k);
			sb_value(&sb, v);
		}
	} else if (jw_is_false(jw_object_get(o, "ok"))) {
		sb_add(&sb, "error: ");
		sb_value(&sb, jw_object_get(o, "error"));
		sb_add(&sb, ": ");
		sb_value(&sb, jw_object_get(o, "message"));
		/* A reload's diagnostics: one line each. */
		jw_array_foreach(jw_object_get(o, "diagnostics"), i, v) {
			sb_add(&sb, "\n  ");
			if (jw_string_length(jw_object_get(v, "path")) > 0) {
				sb_value(&sb, jw_object_get(v, "path"));
				sb_add(&sb, ": ");
			}
			sb_value(&sb, jw_object_get(v, "message"));
		}
	} else if (req != NULL && strcmp(req, "status") == 0)
		text_status(&sb, o);
	else if (req != NULL && strcmp(req, "console-tail") == 0 &&
	    jw_string_value(jw_object_get(o, "text")) != NULL)
		sb_vis_text(&sb, jw_string_value(jw_object_get(o, "text")),
		    true);
	else {
		sb_add(&sb, "ok");
		if ((v = jw_object_get(o, "next_target")) != NULL) {
			sb_add(&sb, ": next target ");
			sb_value(&sb, v);
		}
	}
	jw_decref(o);
	if (sb.sb_len == 0 || sb.sb_buf[sb.sb_len - 1] != '\n')
		sb_addc(&sb, '\n');
	return (sb_take(&sb));
}

int
vmrun_ctl_result(const char *line, char *code, size_t len)
{
	jw_t *o, *ok;
	int r;

	if (code != NULL && len > 0)
		code[0] = '\0';
	if (line == NULL || (o = jw_loads(line, strlen(line), NULL, 0)) == NULL)
		return (-1);
	r = -1;
	ok = jw_object_get(o, "ok");
	if (jw_is_object(o) && jw_is_boolean(ok) &&
	    jw_object_get(o, "event") == NULL) {
		r = jw_is_true(ok) ? 1 : 0;
		if (r == 0 && code != NULL && len > 0)
			snprintf(code, len, "%s", jw_string_value(
			    jw_object_get(o, "error")) != NULL ?
			    jw_string_value(jw_object_get(o, "error")) :
			    "");
	}
	jw_decref(o);
	return (r);
}

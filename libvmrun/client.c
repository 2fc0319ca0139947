/*
 * client: one client of the control socket -- its output queued and
 * written as far as it takes it now, never waited for, and dropped when
 * it leaves more than SRV_OUTBUF unread.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmrun_impl.h"
#include "supervise.h"

void
client_drop(struct client *cl)
{
	if (cl->cl_fd >= 0)
		close(cl->cl_fd);
	xfree(cl->cl_in);
	xfree(cl->cl_out);
	memset(cl, 0, sizeof(*cl));
	cl->cl_fd = -1;
}

/* Write what is pending, as far as the client takes it now. */
void
client_flush(struct client *cl)
{
	ssize_t n;

	while (cl->cl_fd >= 0 && cl->cl_outlen > 0) {
		n = send(cl->cl_fd, cl->cl_out, cl->cl_outlen, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			client_drop(cl);
			return;
		}
		memmove(cl->cl_out, cl->cl_out + n, cl->cl_outlen - (size_t)n);
		cl->cl_outlen -= (size_t)n;
	}
	if (cl->cl_fd >= 0 && cl->cl_closing && cl->cl_outlen == 0)
		client_drop(cl);
}

/*
 * Queue n bytes of s (and a newline with nl) and write them.  A client
 * that leaves more than SRV_OUTBUF unread is dropped, never waited for.
 */
void
client_put_raw(struct client *cl, const char *s, size_t n, bool nl)
{
	size_t cap;
	char *p;

	n += nl;
	if (cl->cl_outlen + n > SRV_OUTBUF) {
		client_drop(cl);
		return;
	}
	if (cl->cl_outlen + n > cl->cl_outcap) {
		cap = cl->cl_outcap > 0 ? cl->cl_outcap : 1024;
		while (cap < cl->cl_outlen + n)
			cap *= 2;
		if ((p = xrealloc(cl->cl_out, cap)) == NULL) {
			client_drop(cl);
			return;
		}
		cl->cl_out = p;
		cl->cl_outcap = cap;
	}
	memcpy(cl->cl_out + cl->cl_outlen, s, n - nl);
	if (nl)
		cl->cl_out[cl->cl_outlen + n - 1] = '\n';
	cl->cl_outlen += n;
	client_flush(cl);
}

void
client_put(struct client *cl, const char *s)
{
	client_put_raw(cl, s, strlen(s), true);
}

/* Send o (taken) as a line. */
void
client_json(struct client *cl, jw_t *o)
{
	char *s;

	s = o != NULL ? jw_dumps(o, JW_COMPACT) : NULL;
	jw_decref(o);
	if (s == NULL) {
		client_drop(cl);
		return;
	}
	client_put(cl, s);
	xfree(s);
}


/*
 * console.c: vmrun console -- attach to the captured COM port of a
 * running vmrun through its control socket (vmrun(8) CONTROL): what the
 * console holds first, then what the guest writes; the terminal raw, so
 * keys reach the guest as they are, and "~." at the start of a line
 * detaches, as in cu(1).
 */

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "vmrun.h"
#include "cmd.h"

/* Write all of buf, or give up on an error. */
static bool
put(int fd, const char *buf, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, buf, n)) < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return (false);
		buf += w;
		n -= (size_t)w;
	}
	return (true);
}

/* The cu(1) escape: "~." at a line's start detaches, "~~" sends "~". */
struct escape {
	bool	 es_bol;	/* at the start of a line */
	bool	 es_tilde;	/* a "~" there, held back */
};

/* Copy keys to the console; false once "~." was typed. */
static bool
keys(struct escape *es, int sock, const char *buf, size_t n)
{
	size_t i;
	char c;

	for (i = 0; i < n; i++) {
		c = buf[i];
		if (es->es_tilde) {
			es->es_tilde = false;
			if (c == '.')
				return (false);
			if (c != '~' && !put(sock, "~", 1))
				return (false);
		} else if (es->es_bol && c == '~') {
			es->es_tilde = true;
			continue;
		}
		if (!put(sock, &c, 1))
			return (false);
		es->es_bol = c == '\r' || c == '\n';
	}
	return (true);
}

static int
attached(struct vmrun_ctl *cc, bool write)
{
	struct pollfd pfd[2];
	struct escape es;
	char buf[4096];
	size_t n;
	ssize_t r;
	int sock, nfd;
	bool in;

	sock = vmrun_ctl_fd(cc);
	while ((n = vmrun_ctl_take(cc, buf, sizeof(buf))) > 0)
		if (!put(1, buf, n))
			return (EX_IOERR);
	es.es_bol = true;
	es.es_tilde = false;
	in = write;
	for (;;) {
		pfd[0].fd = sock;
		pfd[0].events = POLLIN;
		pfd[1].fd = 0;
		pfd[1].events = POLLIN;
		nfd = in ? 2 : 1;
		if (poll(pfd, (nfds_t)nfd, -1) < 0) {
			if (errno == EINTR)
				continue;
			return (EX_OSERR);
		}
		if (pfd[0].revents != 0) {
			if ((r = read(sock, buf, sizeof(buf))) < 0 &&
			    errno == EINTR)
				continue;
			if (r <= 0)
				return (EX_OK);		/* vmrun has ended */
			if (!put(1, buf, (size_t)r))
				return (EX_IOERR);
		}
		if (nfd == 2 && pfd[1].revents != 0) {
			if ((r = read(0, buf, sizeof(buf))) < 0 &&
			    errno == EINTR)
				continue;
			if (r <= 0)
				in = false;	/* no more keys; still listen */
			else if (!keys(&es, sock, buf, (size_t)r))
				return (EX_OK);		/* ~. */
		}
	}
}

int
cmd_console(int argc, char *argv[])
{
	static const struct option lopts[] = {
		{ "read-only", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct termios saved, raw;
	struct vmrun_ctl *cc;
	char *path, *line, code[64];
	bool write, tty;
	int ch, rc, r;

	write = true;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", lopts, NULL)) != -1) {
		if (ch == 'r')
			write = false;
		else {
			fprintf(ch == 'h' ? stdout : stderr, "usage: vmrun "
			    "console [--read-only] NAME|SOCKET\n");
			return (ch == 'h' ? EX_OK : EX_USAGE);
		}
	}
	if (argc - optind != 1 || argv[optind][0] == '\0') {
		fprintf(stderr, "usage: vmrun console [--read-only] "
		    "NAME|SOCKET\n");
		return (EX_USAGE);
	}
	if ((rc = ctl_connect(argv[optind], &cc, &path)) != EX_OK)
		return (rc);
	line = NULL;
	rc = EX_PROTOCOL;
	if (vmrun_ctl_send(cc, "console", write ? "write" : NULL) !=
	    VMRUN_OK || vmrun_ctl_recv(cc, 10000, &line) != VMRUN_OK ||
	    (r = vmrun_ctl_result(line, code, sizeof(code))) < 0)
		warnx_("%s: no answer from %s", argv[optind], path);
	else if (r == 0) {
		warnx_("%s: %s", argv[optind], strcmp(code, "console-busy") ==
		    0 ? "another client writes to the console; attach with "
		    "--read-only" : strcmp(code, "no-console") == 0 ? "no COM "
		    "port is captured (\"com1\": \"capture\")" : code);
		rc = strcmp(code, "console-busy") == 0 ? EX_TEMPFAIL :
		    EX_UNAVAILABLE;
	} else {
		tty = write && isatty(0) && tcgetattr(0, &saved) == 0;
		if (tty) {
			fprintf(stderr, "vmrun: %s: console attached; ~. "
			    "detaches\r\n", argv[optind]);
			raw = saved;
			cfmakeraw(&raw);
			(void)tcsetattr(0, TCSAFLUSH, &raw);
		}
		rc = attached(cc, write);
		if (tty) {
			(void)tcsetattr(0, TCSAFLUSH, &saved);
			fprintf(stderr, "\nvmrun: %s: detached\n",
			    argv[optind]);
		}
	}
	free(line);
	vmrun_ctl_close(cc);
	free(path);
	return (rc);
}

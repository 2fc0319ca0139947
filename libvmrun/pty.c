/*
 * pty: the pseudo-terminal of a captured COM port.  posix_openpt and its
 * kin are XSI, which this file asks for (_XOPEN_SOURCE) on every system;
 * the raw mode is made by hand, as cfmakeraw(3) (not POSIX) does.
 */

#define _XOPEN_SOURCE	700

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "supervise.h"

static void
make_raw(struct termios *t)
{
	t->c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR |
	    IGNCR | ICRNL | IXON);
	t->c_oflag &= ~(tcflag_t)OPOST;
	t->c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t->c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
	t->c_cflag |= CS8;
	t->c_cc[VMIN] = 1;
	t->c_cc[VTIME] = 0;
}

/*
 * A pseudo-terminal: its master (close-on-exec, non-blocking) and its
 * terminal end, opened and made raw, whose path goes to bhyve.
 */
int
pty_open(int *master, int *slave, char *path, size_t len)
{
	struct termios t;
	const char *name;
	int m, s, e;

	s = -1;
	if ((m = posix_openpt(O_RDWR | O_NOCTTY)) < 0)
		return (errno);
	if (grantpt(m) != 0 || unlockpt(m) != 0 || (name = ptsname(m)) ==
	    NULL)
		goto fail;
	if (strlen(name) >= len) {
		errno = ENAMETOOLONG;
		goto fail;
	}
	snprintf(path, len, "%s", name);
	if ((s = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0 ||
	    tcgetattr(s, &t) != 0)
		goto fail;
	make_raw(&t);
	if (tcsetattr(s, TCSANOW, &t) != 0)
		goto fail;
	(void)fcntl(m, F_SETFD, FD_CLOEXEC);
	(void)fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);
	*master = m;
	*slave = s;
	return (0);
fail:
	e = errno;
	close(m);
	if (s >= 0)
		close(s);
	return (e);
}

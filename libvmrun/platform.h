/*
 * platform.h: what differs between FreeBSD and Linux, behind one small
 * interface (design §1).  platform_freebsd.c is the target; Linux is where
 * vmrun is developed and tested.  No other file tests the OS.
 */

#ifndef PLATFORM_H
#define PLATFORM_H

#include <sys/types.h>

#include <stdbool.h>

struct pidfh;

/* pidfile(3): libutil on FreeBSD, libbsd on Linux. */
struct pidfh	*plat_pidfile_open(const char *, mode_t, pid_t *);
int		 plat_pidfile_write(struct pidfh *);
int		 plat_pidfile_remove(struct pidfh *);
int		 plat_pidfile_close(struct pidfh *);

/* Close every descriptor >= lowfd (in a child, before exec). */
void		 plat_closefrom(int lowfd);

/*
 * Is a bhyve for VM name running?  FreeBSD: a process whose title is
 * "bhyve: NAME".  Elsewhere there is no real bhyve: false.
 */
bool		 plat_bhyve_running(const char *name);

#endif /* PLATFORM_H */

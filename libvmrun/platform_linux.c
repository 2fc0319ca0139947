/*
 * Linux side of platform.h: where vmrun is developed and tested against
 * fake bhyve programs.
 */

#include <sys/types.h>
#include <sys/syscall.h>

#include <bsd/libutil.h>
#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#include "platform.h"

struct pidfh *
plat_pidfile_open(const char *path, mode_t mode, pid_t *otherpid)
{
	return (pidfile_open(path, mode, otherpid));
}

int
plat_pidfile_write(struct pidfh *pfh)
{
	return (pidfile_write(pfh));
}

int
plat_pidfile_remove(struct pidfh *pfh)
{
	return (pidfile_remove(pfh));
}

int
plat_pidfile_close(struct pidfh *pfh)
{
	return (pidfile_close(pfh));
}

void
plat_closefrom(int lowfd)
{
	DIR *d;
	struct dirent *de;
	int fd, dfd;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)lowfd, ~0U, 0) == 0)
		return;
#endif
	/* Older kernels: the descriptors listed in /proc/self/fd. */
	if ((d = opendir("/proc/self/fd")) == NULL) {
		for (fd = lowfd; fd < 1024; fd++)
			(void)close(fd);
		return;
	}
	dfd = dirfd(d);
	while ((de = readdir(d)) != NULL) {
		fd = atoi(de->d_name);
		if (fd >= lowfd && fd != dfd)
			(void)close(fd);
	}
	closedir(d);
}

bool
plat_bhyve_running(const char *name)
{
	(void)name;
	return (false);
}

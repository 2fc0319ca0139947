/*
 * FreeBSD side of platform.h.
 */

#include <sys/param.h>
#include <sys/sysctl.h>
#include <sys/user.h>

#include <libutil.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	closefrom(lowfd);
}

/* The title of process pid as ps(1) shows it; false if unknown. */
static bool
proc_title(pid_t pid, char *buf, size_t len)
{
	int mib[4];
	size_t n;

	mib[0] = CTL_KERN;
	mib[1] = KERN_PROC;
	mib[2] = KERN_PROC_ARGS;
	mib[3] = (int)pid;
	n = len - 1;
	if (sysctl(mib, 4, buf, &n, NULL, 0) != 0 || n == 0)
		return (false);
	buf[n] = '\0';
	return (true);
}

/* bhyve sets its title to the VM name: "bhyve: NAME" (bhyve.md §1). */
bool
plat_bhyve_running(const char *name)
{
	struct kinfo_proc *kp;
	char title[256], want[256];
	int mib[4];
	size_t len, i, n;
	bool found;

	mib[0] = CTL_KERN;
	mib[1] = KERN_PROC;
	mib[2] = KERN_PROC_PROC;
	mib[3] = 0;
	if (sysctl(mib, 4, NULL, &len, NULL, 0) != 0)
		return (false);
	len += len / 8;
	if ((kp = malloc(len)) == NULL)
		return (false);
	if (sysctl(mib, 4, kp, &len, NULL, 0) != 0) {
		free(kp);
		return (false);
	}
	snprintf(want, sizeof(want), "bhyve: %s", name);
	n = len / sizeof(*kp);
	found = false;
	for (i = 0; i < n && !found; i++) {
		if (strcmp(kp[i].ki_comm, "bhyve") != 0)
			continue;
		if (proc_title(kp[i].ki_pid, title, sizeof(title)) &&
		    strcmp(title, want) == 0)
			found = true;
	}
	free(kp);
	return (found);
}

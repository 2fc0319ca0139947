/*
 * platrules.c: the decisions both platform files make the same way,
 * as pure functions over what each system answers, so that FreeBSD's
 * answers can be tested where vmrun is developed (platform_test).
 */

#include <sys/types.h>

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "platform.h"

/*
 * bhyve names itself "bhyve: NAME" (setproctitle(3) with the VM name,
 * bhyve.md §1): the title is the first string of the process's
 * arguments, what follows it (other arguments) does not count.
 */
bool
plat_bhyve_title(const char *title, size_t len, const char *name)
{
	static const char pfx[] = "bhyve: ";
	size_t n, k;

	n = strnlen(title, len);
	k = strlen(name);
	return (n == sizeof(pfx) - 1 + k &&
	    memcmp(title, pfx, sizeof(pfx) - 1) == 0 &&
	    memcmp(title + sizeof(pfx) - 1, name, k) == 0);
}

/*
 * PROC_REAP_KILL of the hook's subtree reaches every process of its
 * group as well; a killpg after it signalled each of them twice (a TERM
 * trap ran twice).  The group is signalled only when the subtree was
 * not reached at all (an error, and nobody killed).
 */
bool
plat_reapkill_fallback(int rc, unsigned killed)
{
	return (rc != 0 && killed == 0);
}

/* Only a zombie that came from the hook, and never the hook itself. */
bool
plat_orphan_of(pid_t pid, bool zombie, pid_t from, pid_t hook)
{
	return (zombie && hook > 0 && from == hook && pid != hook);
}

/*
 * ECONNREFUSED alone does not make a socket stale: FreeBSD answers it
 * for a live listener whose queue is full.  Only a refusal with no
 * listener found is stale; anything else, or doubt, is live.
 */
bool
plat_socket_stale(int err, int listener)
{
	return (err == ECONNREFUSED && listener == 0);
}

int
plat_unix_path_match(const char *bound, const char *path)
{
	const char *a, *b;

	if (strcmp(bound, path) == 0)
		return (1);
	if (bound[0] == '/' && path[0] == '/')
		return (0);
	/* Relative on one side: the same last component may be it. */
	a = strrchr(bound, '/');
	b = strrchr(path, '/');
	a = a != NULL ? a + 1 : bound;
	b = b != NULL ? b + 1 : path;
	return (*a != '\0' && strcmp(a, b) == 0 ? -1 : 0);
}

/*
 * Every signal but those the C library keeps for itself (glibc's
 * SIGCANCEL and SIGSETXID, FreeBSD's SIGTHR, between 31 and SIGRTMIN).
 */
void
plat_settable_signals(sigset_t *set)
{
	int sig;

	sigemptyset(set);
	for (sig = 1; sig < 32; sig++)
		sigaddset(set, sig);
	for (sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		sigaddset(set, sig);
}

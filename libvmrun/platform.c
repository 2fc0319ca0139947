/*
 * platform.c: which host the checks ask (the real one, or a test's fake).
 */

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "platform.h"

static const struct plat_ops *current = &plat_native;

const struct plat_ops *
plat_get(void)
{
	return (current);
}

void
plat_set(const struct plat_ops *ops)
{
	current = ops != NULL ? ops : &plat_native;
}

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

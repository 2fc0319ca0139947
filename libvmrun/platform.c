/*
 * platform.c: which host the checks ask (the real one, or a test's fake).
 */

#include <stddef.h>

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

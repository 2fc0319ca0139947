/*
 * supapi: a supervisor driven by its caller's loop (design §12.10) --
 * started without waiting, its one descriptor polled, its work done by
 * vmrun_sup_dispatch.
 */

#include <sys/types.h>

#include <unistd.h>

#include "vmrun_impl.h"
#include "supervise.h"
#include "platform.h"

/* Make the descriptor readable: the caller comes to dispatch. */
static void
sup_wake(struct vmrun_sup *su)
{
	if (write(su->su_wake[1], "", 1) < 0) {
		/* Full: it is readable already. */
	}
}

enum vmrun_status
vmrun_sup_start(struct vmrun_sup *su)
{
	if (su == NULL || su->su_used)
		return (VMRUN_ERR_ARG);
	if (su->su_owndiags == NULL &&
	    (su->su_owndiags = vmrun_diags_new()) == NULL)
		return (VMRUN_ERR_NOMEM);
	if (sup_begin(su, su->su_owndiags) == 0 && sup_dispatch(su) < 0)
		return (VMRUN_OK);
	/* Ended already: the caller learns its status from dispatch. */
	loop_arm(su);
	sup_wake(su);
	return (VMRUN_OK);
}

int
vmrun_sup_fd(const struct vmrun_sup *su)
{
	return (su != NULL ? plat_mux_fd(su->su_mux) : -1);
}

int
vmrun_sup_dispatch(struct vmrun_sup *su)
{
	if (su == NULL || !su->su_used)
		return (70);
	return (sup_dispatch(su));
}

const struct vmrun_diags *
vmrun_sup_diags(const struct vmrun_sup *su)
{
	return (su != NULL ? su->su_diags : NULL);
}

/*
 * supapi: a supervisor driven by its caller's loop (design §12.10) --
 * started without waiting, its one descriptor polled, its work done by
 * vmrun_sup_dispatch -- with the control socket's requests as calls and
 * its status as values.
 */

#include <sys/types.h>

#include <stdbool.h>
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

/* A request is acted on: the descriptor is armed for what follows. */
static enum vmrun_status
requested(struct vmrun_sup *su, enum vmrun_status st)
{
	if (st == VMRUN_OK && su->su_step != STEP_ENDED)
		loop_arm(su);
	return (st);
}

/* Can a request be made now? */
static bool
live(const struct vmrun_sup *su)
{
	return (su != NULL && su->su_used && su->su_step != STEP_ENDED);
}

enum vmrun_status
vmrun_sup_stop(struct vmrun_sup *su, int force)
{
	if (!live(su))
		return (VMRUN_ERR_NOTRUNNING);
	control_stop(su, 0, force != 0, true);
	return (requested(su, VMRUN_OK));
}

static enum vmrun_status
bhyvectl_request(struct vmrun_sup *su, const char *action)
{
	if (!live(su))
		return (VMRUN_ERR_NOTRUNNING);
	return (requested(su, control_force(su, action)));
}

enum vmrun_status
vmrun_sup_reset(struct vmrun_sup *su)
{
	return (bhyvectl_request(su, "--force-reset"));
}

enum vmrun_status
vmrun_sup_poweroff(struct vmrun_sup *su)
{
	return (bhyvectl_request(su, "--force-poweroff"));
}

/* Is t (NULL: none) a target of the supervisor's configuration? */
static bool
known(const struct vmrun_sup *su, const char *t)
{
	const struct vmrun_vm *vm;

	return (t == NULL || vmrun_config_resolve(su->su_cf, t, &vm) ==
	    VMRUN_OK);
}

enum vmrun_status
vmrun_sup_set_next_target(struct vmrun_sup *su, const char *target)
{
	if (su == NULL)
		return (VMRUN_ERR_ARG);
	if (!known(su, target))
		return (VMRUN_ERR_NOTARGET);
	return (control_next(su, target));
}

enum vmrun_status
vmrun_sup_restart(struct vmrun_sup *su, const char *target)
{
	if (!live(su))
		return (VMRUN_ERR_NOTRUNNING);
	if (!known(su, target))
		return (VMRUN_ERR_NOTARGET);
	return (requested(su, control_restart(su, target)));
}

enum vmrun_sup_state
vmrun_sup_state(const struct vmrun_sup *su)
{
	return (control_state(su));
}

const char *
vmrun_sup_target(const struct vmrun_sup *su)
{
	if (su == NULL)
		return (NULL);
	return (su->su_vm != NULL ? vmrun_vm_target(su->su_vm) :
	    su->su_target);
}

int
vmrun_sup_run_number(const struct vmrun_sup *su)
{
	return (su != NULL ? su->su_run : 0);
}

long long
vmrun_sup_reboots(const struct vmrun_sup *su)
{
	return (su != NULL ? su->su_reboots : 0);
}

long
vmrun_sup_pid(const struct vmrun_sup *su)
{
	if (su == NULL || !bhyve_running(su))
		return (-1);
	return ((long)su->su_child.c_pid);
}

int
vmrun_sup_last_exit(const struct vmrun_sup *su, int *status, int *signo)
{
	if (su == NULL || !su->su_exited)
		return (0);
	if (status != NULL)
		*status = su->su_last_exit;
	if (signo != NULL)
		*signo = su->su_last_sig;
	return (1);
}

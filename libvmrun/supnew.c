/*
 * supnew: a supervisor made and freed, the callback its events go to,
 * and the signals its caller forwards (the one call a signal handler
 * may make: it counts the signal and wakes the loop through the
 * self-pipe).
 */

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "vmrun_impl.h"
#include "supervise.h"
#include "platform.h"

enum vmrun_status
vmrun_sup_new(const struct vmrun_config *cf, const char *target,
    const struct vmrun_opts *o, struct vmrun_sup **sup)
{
	struct vmrun_sup *su;
	const struct vmrun_vm *vm;
	enum vmrun_status st;
	size_t i;
	int fl;

	if (sup == NULL)
		return (VMRUN_ERR_ARG);
	*sup = NULL;
	if (cf == NULL)
		return (VMRUN_ERR_ARG);
	if ((st = vmrun_config_resolve(cf, target, &vm)) != VMRUN_OK)
		return (st);
	if ((su = xcalloc(1, sizeof(*su))) == NULL)
		return (VMRUN_ERR_NOMEM);
	spawn_hold();		/* released by vmrun_sup_free */
	su->su_cf = cf;
	su->su_name = vmrun_config_name(cf);
	su->su_wake[0] = su->su_wake[1] = -1;
	su->su_pidfd = -1;
	su->su_srv.cs_fd = -1;
	su->su_con.co_master = su->su_con.co_slave = su->su_con.co_logfd = -1;
	for (i = 0; i < SRV_CLIENTS; i++)
		su->su_srv.cs_cl[i].cl_fd = -1;
	/* No descriptor yet: 0 would be the caller's standard input. */
	su->su_child.c_errfd = su->su_child.c_procfd = -1;
	su->su_hook.c_errfd = su->su_hook.c_procfd = -1;
	su->su_tpm.sc_c.c_errfd = su->su_tpm.sc_c.c_procfd = -1;
	for (i = 0; i < CTL_MAX; i++)
		su->su_ctl[i].ct_c.c_errfd = su->su_ctl[i].ct_c.c_procfd = -1;
	if ((su->su_opts = opts_dup(o)) == NULL ||
	    (su->su_target = xstrdup(target != NULL ? target : "default")) ==
	    NULL)
		goto nomem;
	if (pipe(su->su_wake) != 0) {
		su->su_wake[0] = su->su_wake[1] = -1;
		vmrun_sup_free(su);
		return (VMRUN_ERR_NOMEM);
	}
	if ((su->su_mux = plat_mux_new()) == NULL) {
		vmrun_sup_free(su);
		return (VMRUN_ERR_NOMEM);
	}
	for (i = 0; i < 2; i++) {
		fcntl(su->su_wake[i], F_SETFD, FD_CLOEXEC);
		fl = fcntl(su->su_wake[i], F_GETFL);
		fcntl(su->su_wake[i], F_SETFL, fl | O_NONBLOCK);
	}
	*sup = su;
	return (VMRUN_OK);
nomem:
	vmrun_sup_free(su);
	return (VMRUN_ERR_NOMEM);
}

void
vmrun_sup_free(struct vmrun_sup *su)
{
	if (su == NULL)
		return;
	ctlsrv_close(su);
	console_close(su);
	lock_release(su);
	pidfile_drop(su);
	if (su->su_wake[0] >= 0)
		close(su->su_wake[0]);
	if (su->su_wake[1] >= 0)
		close(su->su_wake[1]);
	plat_mux_free(su->su_mux);
	vmrun_argv_free(su->su_loader_argv);
	vmrun_diags_free(su->su_owndiags);
	vmrun_opts_free(su->su_opts);
	res_undo(su, RL_VM, false);
	xfree(su->su_res);
	xfree(su->su_rundir);
	xfree(su->su_target);
	xfree(su->su_restarts);
	xfree(su->su_next);
	xfree(su->su_restart_to);
	reload_settle(su);
	xfree(su->su_cf_old);
	vmrun_config_free(su->su_cf_own);
	xfree(su);
	spawn_release();
}

void
vmrun_sup_set_callback(struct vmrun_sup *su, vmrun_event_fn *fn, void *arg)
{
	if (su == NULL)
		return;
	su->su_cb = fn;
	su->su_cbarg = arg;
}

/* Async-signal-safe: count, wake the loop. */
void
vmrun_sup_signal(struct vmrun_sup *su, int signo)
{
	int e, i;

	if (su == NULL)
		return;
	e = errno;
	if ((i = policy_stopsig(signo)) >= 0)
		su->su_nsig[i]++;
	else if (signo == SIGUSR1)
		su->su_nreset++;
	else if (signo != SIGCHLD) {	/* SIGCHLD: only a wake */
		errno = e;
		return;
	}
	if (su->su_wake[1] >= 0 && write(su->su_wake[1], "", 1) < 0) {
		/* Full pipe: the loop is awake already. */
	}
	errno = e;
}

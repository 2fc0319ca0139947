/*
 * loop: the supervisor's one wait.  Everything that can happen -- a
 * signal (the self-pipe vmrun_sup_signal writes), a child's stderr, a
 * child's end (its process descriptor), a control client, a deadline
 * (the timer) -- is armed on the supervisor's multiplexer (platform.h),
 * one descriptor that the caller sleeps on, so a VM that runs quietly
 * costs no system call at all; loop_serve acts on what it reports and
 * loop_arm arms it again for what may happen next.
 */

#include <sys/types.h>

#include <poll.h>
#include <unistd.h>

#include "vmrun_impl.h"
#include "supervise.h"
#include "platform.h"

static void
watch(struct watch *w, int fd)
{
	if (fd < 0)
		return;
	w->w_pfd[w->w_n].fd = fd;
	w->w_pfd[w->w_n].events = POLLIN;
	w->w_pfd[w->w_n].revents = 0;
	w->w_n++;
}

/* Did poll report fd?  (A child with no descriptor is always looked at.) */
static bool
fired(const struct watch *w, int fd)
{
	int i;

	if (fd < 0 || w->w_all)
		return (true);
	for (i = 0; i < w->w_n; i++)
		if (w->w_pfd[i].fd == fd)
			return (w->w_pfd[i].revents != 0);
	return (false);
}

static void
drain_wake(struct vmrun_sup *su)
{
	char buf[64];

	while (read(su->su_wake[0], buf, sizeof(buf)) > 0)
		;
}

/* Copy what the children wrote, and see which of them ended. */
static void
serve(struct vmrun_sup *su, const struct watch *w)
{
	struct ctl *ct;
	int errfd, logfd;
	size_t i;

	errfd = su->su_opts->op_errfd;
	logfd = su->su_opts->op_logfd;
	if (fired(w, su->su_wake[0])) {
		drain_wake(su);
		hook_orphans(su);
	}
	if (su->su_child.c_errfd >= 0 && fired(w, su->su_child.c_errfd))
		(void)child_pump(&su->su_child, &su->su_tail, errfd, logfd);
	/* The sidecar's end first: bhyve's exit is judged by it. */
	if (su->su_tpm.sc_c.c_running && (fired(w, su->su_tpm.sc_c.c_procfd) ||
	    (su->su_child.c_running && fired(w, su->su_child.c_procfd))))
		sidecar_check(su);
	/* Its end is decided after what it wrote before it is read. */
	if (su->su_child.c_running && fired(w, su->su_child.c_procfd) &&
	    child_check(&su->su_child, false))
		child_drain(&su->su_child, &su->su_tail, errfd, logfd);
	if (su->su_con.co_master >= 0 && fired(w, su->su_con.co_master))
		console_read(su);
	/* The hook's zombie stays: it holds its process group's id. */
	if (su->su_hook.c_running && fired(w, su->su_hook.c_procfd) &&
	    child_check(&su->su_hook, true))
		hook_ended(su);
	for (i = 0; i < CTL_MAX; i++) {
		ct = &su->su_ctl[i];
		if (ct->ct_c.c_errfd >= 0 && fired(w, ct->ct_c.c_errfd))
			(void)child_pump(&ct->ct_c, NULL, errfd, logfd);
		if (ct->ct_c.c_running && fired(w, ct->ct_c.c_procfd) &&
		    child_check(&ct->ct_c, false)) {
			child_drain(&ct->ct_c, NULL, errfd, logfd);
			ctl_ended(su, ct);
		}
	}
	if (!w->w_all)
		ctlsrv_serve(su, &w->w_pfd[w->w_srv], w->w_nsrv);
}

/*
 * Act on what the multiplexer reports ready of the set loop_arm armed:
 * signals, every child's output and end, the control clients.
 */
void
loop_serve(struct vmrun_sup *su)
{
	struct watch *w;
	int i;

	w = &su->su_watch;
	for (i = 0; i < w->w_n; i++)
		w->w_pfd[i].revents = 0;
	w->w_all = plat_mux_ready(su->su_mux, w->w_pfd, w->w_n) < 0;
	serve(su, w);
}

/*
 * Arm the multiplexer for all that can happen now, and the timer for the
 * nearest deadline.  Should that fail, the wake pipe is written so that
 * the caller comes back to try again rather than sleeping for ever.
 */
void
loop_arm(struct vmrun_sup *su)
{
	struct watch *w;
	size_t i;

	w = &su->su_watch;
	w->w_n = 0;
	w->w_all = false;
	watch(w, su->su_wake[0]);
	watch(w, su->su_child.c_errfd);
	if (su->su_child.c_running)
		watch(w, su->su_child.c_procfd);
	if (su->su_hook.c_running)
		watch(w, su->su_hook.c_procfd);
	if (su->su_tpm.sc_c.c_running)
		watch(w, su->su_tpm.sc_c.c_procfd);
	watch(w, su->su_con.co_master);
	for (i = 0; i < CTL_MAX; i++) {
		watch(w, su->su_ctl[i].ct_c.c_errfd);
		if (su->su_ctl[i].ct_c.c_running)
			watch(w, su->su_ctl[i].ct_c.c_procfd);
	}
	w->w_srv = w->w_n;
	w->w_nsrv = ctlsrv_watch(su, &w->w_pfd[w->w_n], LOOP_NFDS - w->w_n);
	w->w_n += w->w_nsrv;
	if (plat_mux_arm(su->su_mux, w->w_pfd, w->w_n,
	    control_deadline(su)) != 0 && write(su->su_wake[1], "", 1) < 0) {
		/* Full: the caller is woken already. */
	}
}

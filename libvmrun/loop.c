/*
 * loop: the supervisor's one loop.  It sleeps in a single poll(2) on all
 * that can happen -- a signal (the self-pipe vmrun_sup_signal writes), a
 * child's stderr, a child's end (its process descriptor) -- with no
 * timeout unless a deadline is armed, so a VM that runs quietly costs no
 * system call at all; then it acts on what happened and sleeps again.
 */

#include <sys/types.h>

#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "vmrun_impl.h"
#include "supervise.h"

/*
 * The wake pipe, bhyve's stderr and end, the hook's end, the console,
 * the bhyvectls, the control socket and its clients.
 */
#define LOOP_NFDS	(5 + 2 * CTL_MAX + 1 + SRV_CLIENTS)

struct watch {
	struct pollfd	 w_pfd[LOOP_NFDS];
	int		 w_n;
	int		 w_srv;		/* where the control socket's begin */
	int		 w_nsrv;
	bool		 w_all;		/* poll failed: look at everything */
};

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
 * Run the loop until done(su, arg) holds, serving everything meanwhile:
 * signals, every child's output and end, every deadline.  done is asked
 * after each round of acting, before sleeping.
 */
void
loop_until(struct vmrun_sup *su, loop_done_fn *done, void *arg)
{
	struct watch w;
	double dl, now;
	size_t i;
	int timeout;

	for (;;) {
		control_requests(su);
		if (control_deadline(su) > 0)
			control_timers(su, mono_now());
		hook_end_check(su);
		if (done(su, arg))
			return;
		w.w_n = 0;
		w.w_all = false;
		watch(&w, su->su_wake[0]);
		watch(&w, su->su_child.c_errfd);
		if (su->su_child.c_running)
			watch(&w, su->su_child.c_procfd);
		if (su->su_hook.c_running)
			watch(&w, su->su_hook.c_procfd);
		watch(&w, su->su_con.co_master);
		for (i = 0; i < CTL_MAX; i++) {
			watch(&w, su->su_ctl[i].ct_c.c_errfd);
			if (su->su_ctl[i].ct_c.c_running)
				watch(&w, su->su_ctl[i].ct_c.c_procfd);
		}
		w.w_srv = w.w_n;
		w.w_nsrv = ctlsrv_watch(su, &w.w_pfd[w.w_n], LOOP_NFDS - w.w_n);
		w.w_n += w.w_nsrv;
		timeout = -1;
		if ((dl = control_deadline(su)) > 0) {
			now = mono_now();
			timeout = dl <= now ? 0 : (int)((dl - now) * 1000) + 1;
		}
		if (poll(w.w_pfd, (nfds_t)w.w_n, timeout) < 0)
			w.w_all = errno != EINTR;
		serve(su, &w);
	}
}

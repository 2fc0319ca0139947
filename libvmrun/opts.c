/*
 * opts: the options of a supervisor (design §8), copied in by setters so
 * the caller's strings need not outlive them.
 */

#include <math.h>
#include <string.h>

#include "vmrun_impl.h"
#include "supervise.h"

struct vmrun_opts *
vmrun_opts_new(void)
{
	struct vmrun_opts *o;

	if ((o = xcalloc(1, sizeof(*o))) == NULL)
		return (NULL);
	o->op_errfd = 2;
	o->op_logfd = -1;
	o->op_stop_timeout = 60;
	o->op_reboot_count = -1;
	o->op_checks = VMRUN_CHECK_FIX;
	return (o);
}

static void
free_argv(char **v)
{
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		xfree(v[i]);
	xfree(v);
}

void
vmrun_opts_free(struct vmrun_opts *o)
{
	size_t i;

	if (o == NULL)
		return;
	for (i = 0; i < VMRUN_NPROG; i++)
		xfree(o->op_prog[i]);
	xfree(o->op_vmm_dir);
	xfree(o->op_pidfile);
	xfree(o->op_lockfile);
	xfree(o->op_control);
	xfree(o->op_control_group);
	xfree(o->op_config_file);
	free_argv(o->op_extra);
	xfree(o);
}

static enum vmrun_status set_str(char **, const char *);

/*
 * A copy of o (the defaults when o is NULL), so that a supervisor owns
 * its options: new, free with vmrun_opts_free; NULL when out of memory.
 */
struct vmrun_opts *
opts_dup(const struct vmrun_opts *o)
{
	struct vmrun_opts *c;
	size_t i;

	if ((c = vmrun_opts_new()) == NULL || o == NULL)
		return (c);
	/* Scalars first; then each string gets a copy of its own. */
	memcpy(c, o, sizeof(*c));
	for (i = 0; i < VMRUN_NPROG; i++)
		c->op_prog[i] = NULL;
	c->op_vmm_dir = c->op_pidfile = c->op_lockfile = NULL;
	c->op_control = c->op_control_group = c->op_config_file = NULL;
	c->op_extra = NULL;
	for (i = 0; i < VMRUN_NPROG; i++)
		if (set_str(&c->op_prog[i], o->op_prog[i]) != VMRUN_OK)
			goto nomem;
	if (set_str(&c->op_vmm_dir, o->op_vmm_dir) != VMRUN_OK ||
	    set_str(&c->op_pidfile, o->op_pidfile) != VMRUN_OK ||
	    set_str(&c->op_lockfile, o->op_lockfile) != VMRUN_OK ||
	    set_str(&c->op_control, o->op_control) != VMRUN_OK ||
	    set_str(&c->op_control_group, o->op_control_group) != VMRUN_OK ||
	    set_str(&c->op_config_file, o->op_config_file) != VMRUN_OK ||
	    vmrun_opts_set_extra_args(c, (const char *const *)o->op_extra) !=
	    VMRUN_OK)
		goto nomem;
	return (c);
nomem:
	vmrun_opts_free(c);
	return (NULL);
}

/* Replace *dst by a copy of src (NULL clears). */
static enum vmrun_status
set_str(char **dst, const char *src)
{
	char *c;

	c = NULL;
	if (src != NULL && (c = xstrdup(src)) == NULL)
		return (VMRUN_ERR_NOMEM);
	xfree(*dst);
	*dst = c;
	return (VMRUN_OK);
}

enum vmrun_status
vmrun_opts_set_program(struct vmrun_opts *o, enum vmrun_program p,
    const char *path)
{
	if (o == NULL || (unsigned)p >= VMRUN_NPROG ||
	    (path != NULL && *path == '\0'))
		return (VMRUN_ERR_ARG);
	return (set_str(&o->op_prog[p], path));
}

enum vmrun_status
vmrun_opts_set_vmm_dir(struct vmrun_opts *o, const char *dir)
{
	if (o == NULL || (dir != NULL && *dir == '\0'))
		return (VMRUN_ERR_ARG);
	return (set_str(&o->op_vmm_dir, dir));
}

enum vmrun_status
vmrun_opts_set_pidfile(struct vmrun_opts *o, const char *path)
{
	if (o == NULL || (path != NULL && *path == '\0'))
		return (VMRUN_ERR_ARG);
	return (set_str(&o->op_pidfile, path));
}

enum vmrun_status
vmrun_opts_set_lockfile(struct vmrun_opts *o, const char *path)
{
	if (o == NULL || (path != NULL && *path == '\0'))
		return (VMRUN_ERR_ARG);
	return (set_str(&o->op_lockfile, path));
}

/* The control socket: NULL for the default, "" for none. */
enum vmrun_status
vmrun_opts_set_control(struct vmrun_opts *o, const char *path)
{
	if (o == NULL)
		return (VMRUN_ERR_ARG);
	return (set_str(&o->op_control, path));
}

/* The group that may use the control socket too (mode 0660); NULL: none. */
enum vmrun_status
vmrun_opts_set_control_group(struct vmrun_opts *o, const char *group)
{
	if (o == NULL || (group != NULL && *group == '\0'))
		return (VMRUN_ERR_ARG);
	return (set_str(&o->op_control_group, group));
}

/* The file the reload and restart requests re-read; NULL: none. */
enum vmrun_status
vmrun_opts_set_config_file(struct vmrun_opts *o, const char *path)
{
	if (o == NULL || (path != NULL && *path == '\0'))
		return (VMRUN_ERR_ARG);
	return (set_str(&o->op_config_file, path));
}

enum vmrun_status
vmrun_opts_set_extra_args(struct vmrun_opts *o, const char *const *args)
{
	char **v;
	size_t i, n;

	if (o == NULL)
		return (VMRUN_ERR_ARG);
	for (n = 0; args != NULL && args[n] != NULL; n++)
		;
	if ((v = xcalloc(n + 1, sizeof(*v))) == NULL)
		return (VMRUN_ERR_NOMEM);
	for (i = 0; i < n; i++)
		if ((v[i] = xstrdup(args[i])) == NULL) {
			free_argv(v);
			return (VMRUN_ERR_NOMEM);
		}
	free_argv(o->op_extra);
	o->op_extra = v;
	return (VMRUN_OK);
}

enum vmrun_status
vmrun_opts_set_output(struct vmrun_opts *o, int errfd, int logfd)
{
	if (o == NULL || errfd < -1 || logfd < -1)
		return (VMRUN_ERR_ARG);
	o->op_errfd = errfd;
	o->op_logfd = logfd;
	return (VMRUN_OK);
}

enum vmrun_status
vmrun_opts_set_stop_timeout(struct vmrun_opts *o, double sec)
{
	if (o == NULL || !(sec >= 0) || sec > 1e9)
		return (VMRUN_ERR_ARG);
	o->op_stop_timeout = sec;
	return (VMRUN_OK);
}

enum vmrun_status
vmrun_opts_set_reboot_on(struct vmrun_opts *o, const int *st, size_t n)
{
	size_t i;

	if (o == NULL || (st == NULL && n > 0))
		return (VMRUN_ERR_ARG);
	for (i = 0; i < n; i++)
		if (st[i] < 0 || st[i] > 255)
			return (VMRUN_ERR_ARG);
	memset(o->op_reboot_on, 0, sizeof(o->op_reboot_on));
	for (i = 0; i < n; i++)
		o->op_reboot_on[st[i]] = true;
	o->op_reboot_on_set = true;
	return (VMRUN_OK);
}

enum vmrun_status
vmrun_opts_set_reboot_count(struct vmrun_opts *o, long long n)
{
	if (o == NULL || n < 0)
		return (VMRUN_ERR_ARG);
	o->op_reboot_count = n;
	return (VMRUN_OK);
}

enum vmrun_status
vmrun_opts_set_no_reboot(struct vmrun_opts *o, int on)
{
	if (o == NULL)
		return (VMRUN_ERR_ARG);
	o->op_no_reboot = on != 0;
	return (VMRUN_OK);
}

enum vmrun_status
vmrun_opts_set_force(struct vmrun_opts *o, int on)
{
	if (o == NULL)
		return (VMRUN_ERR_ARG);
	o->op_force = on != 0;
	return (VMRUN_OK);
}

enum vmrun_status
vmrun_opts_set_checks(struct vmrun_opts *o, int flags)
{
	if (o == NULL || (flags != -1 && (flags & ~(VMRUN_CHECK_FIX |
	    VMRUN_CHECK_FIX_ALL)) != 0))
		return (VMRUN_ERR_ARG);
	o->op_checks = flags;
	return (VMRUN_OK);
}

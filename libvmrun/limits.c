/*
 * limits: FreeBSD rctl(8) limits on the bhyve process (design §12.8) --
 * the "limits" key checked and built into the model, and the rules
 * written for a pid.  Adding them is the supervisor's, right after each
 * spawn (launch.c), through the platform seam.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "vmrun_impl.h"

/*
 * One row per rctl resource, in the order the rules are added: its key,
 * and the one action vmrun gives it (pcpu takes only deny; the I/O
 * resources are throttled, not refused).
 */
static const struct limit_row {
	const char	*lr_key;
	const char	*lr_action;
} limit_rows[VMRUN_NLIMITS] = {
	{ "pcpu", "deny" },
	{ "readbps", "throttle" },
	{ "writebps", "throttle" },
	{ "readiops", "throttle" },
	{ "writeiops", "throttle" },
};

/*
 * A rate in bytes per second: an integer >= 1, or a size with a binary
 * unit ("512K", "10M"), which vmrun writes out in full: the kernel
 * takes no suffix.
 */
static void
check_rate(struct vctx *vc, jv_t *v, const char *path)
{
	uint64_t b;

	if (!mem_parse(v, &b) && jv_is_str(v))
		verr(vc, "bad-value", path, "\"%s\" is not a rate: expected "
		    "bytes per second, as an integer or a number followed by "
		    "K, M, G or T (e.g. \"10M\")", jv_str(v));
	else if (!mem_parse(v, &b))
		verr(vc, "bad-value", path, "a negative number is not a rate: "
		    "expected at least 1 byte per second");
	else if (b < 1)
		verr(vc, "out-of-range", path, "a rate is at least 1 byte per "
		    "second");
	else if (b > INT64_MAX)
		verr(vc, "out-of-range", path, "a rate is at most %lld bytes "
		    "per second", (long long)INT64_MAX);
}

/* pcpu is a percentage of one host CPU: past 100 for several. */
const struct key limits_keys[] = {
	{ "pcpu", T_INT, K_RANGE, 1, 100LL * VMRUN_MAX_CPUS, NULL },
	{ "readbps", T_INT | T_STR, 0, 0, 0, check_rate },
	{ "writebps", T_INT | T_STR, 0, 0, 0, check_rate },
	{ "readiops", T_INT, K_RANGE, 1, INT64_MAX, NULL },
	{ "writeiops", T_INT, K_RANGE, 1, INT64_MAX, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};

void
check_limits(struct vctx *vc, jv_t *v, const char *path)
{
	schema_check(vc, v, limits_keys, NULL, path, false);
}

/* The amounts of the model from the "limits" object (0: none). */
void
limits_build(struct vmrun_vm *vm, jv_t *lim)
{
	uint64_t n;
	size_t i;

	for (i = 0; i < VMRUN_NLIMITS; i++)
		vm->vm_limit[i] = mem_parse(jv_get(lim, limit_rows[i].lr_key),
		    &n) && n <= INT64_MAX ? n : 0;
}

/* The key of limit i (borrowed, static), or NULL past the last. */
const char *
limit_key(size_t i)
{
	return (i < VMRUN_NLIMITS ? limit_rows[i].lr_key : NULL);
}

/*
 * The rctl rule of limit i for process pid, written into buf:
 * "process:PID:RESOURCE:ACTION=AMOUNT".  false when the VM has no such
 * limit (or buf is too small).
 */
bool
limit_rule(const struct vmrun_vm *vm, size_t i, pid_t pid, char *buf,
    size_t len)
{
	int n;

	if (i >= VMRUN_NLIMITS || vm->vm_limit[i] == 0)
		return (false);
	n = snprintf(buf, len, "process:%ld:%s:%s=%llu", (long)pid,
	    limit_rows[i].lr_key, limit_rows[i].lr_action,
	    (unsigned long long)vm->vm_limit[i]);
	return (n > 0 && (size_t)n < len);
}

/* Does the VM have any limit? */
bool
limits_any(const struct vmrun_vm *vm)
{
	size_t i;

	for (i = 0; i < VMRUN_NLIMITS; i++)
		if (vm->vm_limit[i] != 0)
			return (true);
	return (false);
}

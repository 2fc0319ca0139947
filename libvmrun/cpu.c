/*
 * cpu: what design §12.3 adds to a VM's processors and platform --
 * pinning ("cpu.pin", -p), NUMA domains ("domains", -n or -o domains.*),
 * the flags -w, -x and -K, and the SMBIOS strings ("smbios", -o bios.*
 * ...): their key tables and checks, their model, and the rules that
 * span them and the rest of a resolved configuration.
 */

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmrun_impl.h"

/* bhyve allows at most 8 emulated NUMA domains (bhyve.md §2.1, -n). */
#define MAX_DOMAINS	8
/* The largest host CPU number a pin may name; the host check does the rest. */
#define MAX_HOSTCPU	65535

/*
 * The SMBIOS sections and their keys, in design §12.3's order, which is
 * the order of the rendering: each key is a bhyve_config(5) key below
 * its section (bhyve.md §3.1).
 */
const struct key smbios_bios_keys[] = {
	{ "vendor", T_STR, 0, 0, 0, NULL },
	{ "version", T_STR, 0, 0, 0, NULL },
	{ "release_date", T_STR, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};

const struct key smbios_system_keys[] = {
	{ "manufacturer", T_STR, 0, 0, 0, NULL },
	{ "product_name", T_STR, 0, 0, 0, NULL },
	{ "version", T_STR, 0, 0, 0, NULL },
	{ "serial_number", T_STR, 0, 0, 0, NULL },
	{ "sku", T_STR, 0, 0, 0, NULL },
	{ "family_name", T_STR, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};

const struct key smbios_board_keys[] = {
	{ "manufacturer", T_STR, 0, 0, 0, NULL },
	{ "product_name", T_STR, 0, 0, 0, NULL },
	{ "version", T_STR, 0, 0, 0, NULL },
	{ "serial_number", T_STR, 0, 0, 0, NULL },
	{ "asset_tag", T_STR, 0, 0, 0, NULL },
	{ "location", T_STR, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};

const struct key smbios_chassis_keys[] = {
	{ "manufacturer", T_STR, 0, 0, 0, NULL },
	{ "version", T_STR, 0, 0, 0, NULL },
	{ "serial_number", T_STR, 0, 0, 0, NULL },
	{ "asset_tag", T_STR, 0, 0, 0, NULL },
	{ "sku", T_STR, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct {
	const char	*ss_name;
	const struct key *ss_keys;
} smbios_sections[] = {
	{ "bios", smbios_bios_keys },
	{ "system", smbios_system_keys },
	{ "board", smbios_board_keys },
	{ "chassis", smbios_chassis_keys },
};
#define NSECTIONS	(sizeof(smbios_sections) / sizeof(smbios_sections[0]))

static void
check_section(struct vctx *vc, jv_t *v, const char *path)
{
	const char *name;
	size_t i;

	/* The last word of the path is the section's name. */
	name = strrchr(path, '.') != NULL ? strrchr(path, '.') + 1 : path;
	for (i = 0; i < NSECTIONS; i++)
		if (strcmp(name, smbios_sections[i].ss_name) == 0)
			schema_check(vc, v, smbios_sections[i].ss_keys, NULL,
			    path, false);
}

const struct key smbios_keys[] = {
	{ "bios", T_OBJ, 0, 0, 0, check_section },
	{ "system", T_OBJ, 0, 0, 0, check_section },
	{ "board", T_OBJ, 0, 0, 0, check_section },
	{ "chassis", T_OBJ, 0, 0, 0, check_section },
	{ NULL, 0, 0, 0, 0, NULL }
};

void
check_smbios(struct vctx *vc, jv_t *v, const char *path)
{
	schema_check(vc, v, smbios_keys, NULL, path, false);
}

/* A file name of /usr/share/bhyve/kbdlayout: bhyve joins it to the path. */
void
check_kbdlayout(struct vctx *vc, jv_t *v, const char *path)
{
	const char *s;

	s = jv_str(v);
	if (*s == '\0' || strchr(s, '/') != NULL || strcmp(s, ".") == 0 ||
	    strcmp(s, "..") == 0)
		verr(vc, "bad-value", path, "\"%s\" is not a keyboard layout: "
		    "expected a file name of /usr/share/bhyve/kbdlayout, "
		    "such as \"de_noacc\"", s);
}

/* The "cpu" key (design §2.3): a vCPU count, or a topology with pins. */
const struct key cpu_keys[] = {
	{ "sockets", T_INT, K_REQ | K_RANGE, 1, VMRUN_MAX_CPUS, NULL },
	{ "cores", T_INT, K_REQ | K_RANGE, 1, VMRUN_MAX_CPUS, NULL },
	{ "threads", T_INT, K_REQ | K_RANGE, 1, VMRUN_MAX_CPUS, NULL },
	{ "pin", T_ARR | T_OBJ, 0, 0, 0, check_pin },
	{ NULL, 0, 0, 0, 0, NULL }
};

void
check_cpu(struct vctx *vc, jv_t *v, const char *path)
{
	long long s, c, t;

	if (jv_is_int(v)) {
		s = jv_int(v);
		if (s < 1 || s > VMRUN_MAX_CPUS)
			verr(vc, "out-of-range", path, "%lld vCPUs: expected "
			    "1 to %d", s, VMRUN_MAX_CPUS);
		return;
	}
	schema_check(vc, v, cpu_keys, NULL, path, false);
	if (!jint(v, "sockets", &s) || !jint(v, "cores", &c) ||
	    !jint(v, "threads", &t))
		return;
	if (s < 1 || c < 1 || t < 1 || s > VMRUN_MAX_CPUS ||
	    c > VMRUN_MAX_CPUS || t > VMRUN_MAX_CPUS)
		return;
	if (s * c * t > VMRUN_MAX_CPUS)
		verr(vc, "out-of-range", path, "%lld sockets x %lld cores x "
		    "%lld threads is %lld vCPUs: the limit is %d", s, c, t,
		    s * c * t, VMRUN_MAX_CPUS);
}

/* A decimal number with no sign or leading zero, at most max: its value. */
static bool
decimal(const char *s, size_t len, long max, long *np)
{
	long n;
	size_t i;

	if (len == 0 || len > 9 || (s[0] == '0' && len > 1))
		return (false);
	for (n = 0, i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return (false);
		n = n * 10 + (s[i] - '0');
	}
	*np = n;
	return (n <= max);
}

static void
check_hostcpu(struct vctx *vc, jv_t *e, const char *path)
{
	if (!jv_is_int(e))
		verr(vc, "wrong-type", path, "expected a host CPU number (an "
		    "integer), not %s", jv_type_word(e));
	else if (jv_int(e) < 0 || jv_int(e) > MAX_HOSTCPU)
		verr(vc, "out-of-range", path, "%lld is not a host CPU number: "
		    "expected 0 to %d", jv_int(e), MAX_HOSTCPU);
}

/* "pin": host CPUs by vCPU, an array or an object {"VCPU": HOST}. */
void
check_pin(struct vctx *vc, jv_t *v, const char *path)
{
	const char *k;
	jv_t *e;
	size_t i;
	long n;

	if (jv_is_arr(v)) {
		jv_array_foreach(v, i, e)
			check_hostcpu(vc, e, vpathi(vc, path, i));
		return;
	}
	jv_object_foreach(v, i, k, e) {
		if (!decimal(k, strlen(k), VMRUN_MAX_CPUS - 1, &n))
			verr(vc, "bad-value", vpath(vc, path, k), "\"%s\" is "
			    "not a vCPU number: expected 0 to %d", k,
			    VMRUN_MAX_CPUS - 1);
		else
			check_hostcpu(vc, e, vpath(vc, path, k));
	}
}

/*
 * The next item of a CPU list "a,b,c-d" (bhyve's cpuset syntax for
 * domains.N.cpus) at *sp: its first and last CPU; *sp moves past it.
 * false at the end or on a malformed item (*sp is then NULL).
 */
static bool
cpulist_next(const char **sp, long *lo, long *hi)
{
	const char *s, *e, *d;

	if ((s = *sp) == NULL || *s == '\0')
		return (false);
	e = s + strcspn(s, ",");
	d = memchr(s, '-', (size_t)(e - s));
	*sp = NULL;
	if (!decimal(s, (size_t)((d != NULL ? d : e) - s),
	    VMRUN_MAX_CPUS - 1, lo))
		return (false);
	*hi = *lo;
	if (d != NULL && (!decimal(d + 1, (size_t)(e - d - 1),
	    VMRUN_MAX_CPUS - 1, hi) || *hi < *lo))
		return (false);
	if (*e == ',' && e[1] == '\0')
		return (false);
	*sp = *e == ',' ? e + 1 : e;
	return (true);
}

static void
check_domain_cpus(struct vctx *vc, jv_t *v, const char *path)
{
	const char *s;
	jv_t *e;
	size_t i;
	long lo, hi;

	if (jv_is_arr(v)) {
		if (jv_size(v) == 0)
			verr(vc, "empty", path, "a domain needs a vCPU");
		jv_array_foreach(v, i, e)
			if (!jv_is_int(e))
				verr(vc, "wrong-type", vpathi(vc, path, i),
				    "expected a vCPU number (an integer), not "
				    "%s", jv_type_word(e));
			else if (jv_int(e) < 0 ||
			    jv_int(e) >= VMRUN_MAX_CPUS)
				verr(vc, "out-of-range", vpathi(vc, path, i),
				    "%lld is not a vCPU number: expected 0 to "
				    "%d", jv_int(e), VMRUN_MAX_CPUS - 1);
		return;
	}
	s = jv_str(v);
	while (cpulist_next(&s, &lo, &hi))
		;
	if (s == NULL || *jv_str(v) == '\0')
		verr(vc, "bad-value", path, "\"%s\" is not a list of vCPUs: "
		    "expected numbers and ranges such as \"0-3\" or \"0,2\"",
		    jv_str(v));
}

static void
check_domain_policy(struct vctx *vc, jv_t *v, const char *path)
{
	if (jv_len(v) == 0)
		verr(vc, "empty", path, "must not be empty");
}

const struct key domain_keys[] = {
	{ "size", T_STR | T_INT, K_REQ, 0, 0, check_mem },
	{ "cpus", T_STR | T_ARR, K_REQ, 0, 0, check_domain_cpus },
	{ "policy", T_STR, 0, 0, 0, check_domain_policy },
	{ NULL, 0, 0, 0, 0, NULL }
};

void
check_domains(struct vctx *vc, jv_t *v, const char *path)
{
	jv_t *e;
	size_t i;

	if (jv_size(v) > MAX_DOMAINS)
		verr(vc, "out-of-range", path, "%zu NUMA domains: bhyve "
		    "allows at most %d", jv_size(v), MAX_DOMAINS);
	jv_array_foreach(v, i, e)
		if (!jv_is_obj(e))
			verr(vc, "wrong-type", vpathi(vc, path, i), "expected "
			    "an object, not %s", jv_type_word(e));
		else
			schema_check(vc, e, domain_keys, NULL,
			    vpathi(vc, path, i), false);
}

/* Domain d's vCPU list as bhyve reads it: "0-3", or an array joined. */
static const char *
domain_cpus(struct pool *p, jv_t *cpus)
{
	struct strbuf sb;
	jv_t *e;
	char *s, *r;
	size_t i;

	if (jv_is_str(cpus))
		return (jv_str(cpus));
	sb_init(&sb);
	jv_array_foreach(cpus, i, e)
		sb_printf(&sb, "%s%lld", i > 0 ? "," : "", jv_int(e));
	if ((s = sb_take(&sb)) == NULL)
		return (NULL);
	r = pool_strdup(p, s);
	xfree(s);
	return (r);
}

/*
 * The model: pins by vCPU, domains, SMBIOS strings.  Values that failed
 * their checks are left out; the checks have reported them.
 */
void
cpu_build(struct vctx *vc, struct vmrun_vm *vm, jv_t *top)
{
	struct pool *p;
	const struct key *k;
	jv_t *pin, *e, *sec, *doms;
	const char *key;
	size_t i, n, s;
	long vcpu;

	p = vm->vm_pool;
	vm->vm_msr_ignore = jbool(top, "ignore_unimplemented_msr", false);
	vm->vm_x2apic = jbool(top, "x2apic", false);
	vm->vm_kbdlayout = jstr(top, "keyboard_layout");

	pin = jv_get(jv_get(top, "cpu"), "pin");
	n = vm->vm_sockets * vm->vm_cores * vm->vm_threads;
	if (jv_size(pin) > 0) {
		if ((vm->vm_pin = pool_alloc(p, n * sizeof(*vm->vm_pin))) ==
		    NULL) {
			vc->vc_nomem = true;
			return;
		}
		vm->vm_npin = n;
		for (i = 0; i < n; i++)
			vm->vm_pin[i] = -1;
		if (jv_is_arr(pin)) {
			jv_array_foreach(pin, i, e)
				if (i < n && jv_is_int(e) && jv_int(e) >= 0 &&
				    jv_int(e) <= MAX_HOSTCPU)
					vm->vm_pin[i] = (int)jv_int(e);
		} else
			jv_object_foreach(pin, i, key, e)
				if (decimal(key, strlen(key), (long)n - 1,
				    &vcpu) && jv_is_int(e) && jv_int(e) >= 0 &&
				    jv_int(e) <= MAX_HOSTCPU)
					vm->vm_pin[vcpu] = (int)jv_int(e);
	}

	doms = jv_get(top, "domains");
	if (jv_size(doms) > 0) {
		vm->vm_domains = pool_alloc(p, jv_size(doms) *
		    sizeof(*vm->vm_domains));
		if (vm->vm_domains == NULL) {
			vc->vc_nomem = true;
			return;
		}
		jv_array_foreach(doms, i, e) {
			if (!jv_is_obj(e))
				continue;
			if (!mem_parse(jv_get(e, "size"),
			    &vm->vm_domains[vm->vm_ndomains].dm_size))
				vm->vm_domains[vm->vm_ndomains].dm_size = 0;
			vm->vm_domains[vm->vm_ndomains].dm_cpus =
			    jv_get(e, "cpus") == NULL ? NULL :
			    domain_cpus(p, jv_get(e, "cpus"));
			vm->vm_domains[vm->vm_ndomains++].dm_policy =
			    jstr(e, "policy");
		}
	}

	/* SMBIOS: in the order of the tables, not of the file. */
	if (!jv_is_obj(jv_get(top, "smbios")))
		return;
	for (s = n = 0; s < NSECTIONS; s++)
		n += jv_size(jv_get(jv_get(top, "smbios"),
		    smbios_sections[s].ss_name));
	if ((vm->vm_smbios = pool_alloc(p, (n + 1) *
	    sizeof(*vm->vm_smbios))) == NULL) {
		vc->vc_nomem = true;
		return;
	}
	for (s = 0; s < NSECTIONS; s++) {
		sec = jv_get(jv_get(top, "smbios"), smbios_sections[s].ss_name);
		for (k = smbios_sections[s].ss_keys; jv_is_obj(sec) &&
		    k->k_name != NULL; k++) {
			if (jstr(sec, k->k_name) == NULL)
				continue;
			vm->vm_smbios[vm->vm_nsmbios].kv_key = pool_cat(p,
			    smbios_sections[s].ss_name, ".", k->k_name,
			    (char *)NULL);
			vm->vm_smbios[vm->vm_nsmbios++].kv_val =
			    jstr(sec, k->k_name);
		}
	}
}

/* vCPUs in no domain: "vCPU 4" or "vCPUs 4-7" (the first run of them). */
static void
domains_cover(struct vctx *vc, const struct vmrun_vm *vm,
    const unsigned char *in, const char *dpath)
{
	size_t i, j, n;

	n = vm->vm_sockets * vm->vm_cores * vm->vm_threads;
	for (i = 0; i < n && in[i] != 0; i++)
		;
	if (i == n)
		return;
	for (j = i; j + 1 < n && in[j + 1] == 0; j++)
		;
	if (i == j)
		verr(vc, "domain-cpus", dpath, "vCPU %zu is in no domain: "
		    "every vCPU must be in exactly one", i);
	else
		verr(vc, "domain-cpus", dpath, "vCPUs %zu-%zu are in no "
		    "domain: every vCPU must be in exactly one", i, j);
}

/* One vCPU of domain d: does it exist, and is it in no other domain? */
static bool
domain_vcpu(struct vctx *vc, const struct vmrun_vm *vm, unsigned char *in,
    size_t d, long c, const char *cpath)
{
	size_t n;

	n = vm->vm_sockets * vm->vm_cores * vm->vm_threads;
	if ((size_t)c >= n) {
		verr(vc, "domain-cpus", cpath, "vCPU %ld does not exist: the "
		    "VM has %zu vCPU%s", c, n, n == 1 ? "" : "s");
		return (false);
	}
	if (in[c] != 0) {
		verr(vc, "domain-cpus", cpath, "vCPU %ld is in domain %d "
		    "already: every vCPU must be in exactly one", c,
		    in[c] - 1);
		return (false);
	}
	in[c] = (unsigned char)(d + 1);
	return (true);
}

static void
domains_rules(struct vctx *vc, const struct vmrun_vm *vm, jv_t *top,
    const char *dpath)
{
	unsigned char *in;
	const char *s, *cpath;
	jv_t *doms, *e, *cpus, *x;
	size_t i, j, n;
	long lo, hi, c;
	bool ok;

	doms = jv_get(top, "domains");
	if (vm->vm_bootrom == NULL)
		verr(vc, "conflict", dpath, "NUMA domains need UEFI firmware "
		    "(bootrom), not a loader");
	if (!vm->vm_acpi)
		verr(vc, "conflict", dpath, "NUMA domains need ACPI tables: "
		    "\"generate_acpi\" must not be false");
	n = vm->vm_sockets * vm->vm_cores * vm->vm_threads;
	if ((in = pool_alloc(vc->vc_pool, n)) == NULL) {
		vc->vc_nomem = true;
		return;
	}
	memset(in, 0, n);
	ok = true;
	jv_array_foreach(doms, i, e) {
		if (!jv_is_obj(e) || i >= MAX_DOMAINS)
			return;
		cpus = jv_get(e, "cpus");
		cpath = vpath(vc, vpathi(vc, dpath, i), "cpus");
		if (jv_is_arr(cpus)) {
			jv_array_foreach(cpus, j, x) {
				if (!jv_is_int(x) || jv_int(x) < 0 ||
				    jv_int(x) >= VMRUN_MAX_CPUS)
					return;
				ok &= domain_vcpu(vc, vm, in, i,
				    (long)jv_int(x), vpathi(vc, cpath, j));
			}
		} else if ((s = jv_str(cpus)) != NULL) {
			while (cpulist_next(&s, &lo, &hi))
				for (c = lo; c <= hi; c++)
					if (!domain_vcpu(vc, vm, in, i, c,
					    cpath)) {
						ok = false;
						break;
					}
			if (s == NULL)
				return;
		} else
			return;
	}
	if (ok)
		domains_cover(vc, vm, in, dpath);
}

/* The sizes of the domains add up to mem. */
static void
domains_size(struct vctx *vc, const struct vmrun_vm *vm, jv_t *top,
    const char *dpath)
{
	struct pool *p;
	jv_t *e;
	uint64_t sum, b;
	size_t i;

	sum = 0;
	jv_array_foreach(jv_get(top, "domains"), i, e) {
		if (!mem_parse(jv_get(e, "size"), &b) || b == 0 ||
		    b % (1ULL << 20) != 0 || b > UINT64_MAX - sum)
			return;
		sum += b;
	}
	p = vc->vc_pool;
	if (sum != vm->vm_mem)
		verr(vc, "domain-size", dpath, "the domains' sizes add up to "
		    "%s, not to mem (%s)", mem_str(p, sum),
		    mem_str(p, vm->vm_mem));
}

/*
 * Rules that span the keys of §12.3 and the rest of the configuration:
 * pins name existing vCPUs; domains cover every vCPU once, add up to
 * mem, and need a boot ROM and ACPI.
 */
void
cpu_rules(struct vctx *vc, const struct vmrun_vm *vm, jv_t *top,
    jv_t *overlay, const char *tname)
{
	const char *path, *k;
	jv_t *pin, *e;
	size_t i, n;
	long c;

	n = vm->vm_sockets * vm->vm_cores * vm->vm_threads;
	pin = jv_get(jv_get(top, "cpu"), "pin");
	path = vpath(vc, config_keypath(vc, overlay, tname, "cpu"), "pin");
	if (jv_is_arr(pin) && jv_size(pin) > n)
		verr(vc, "out-of-range", vpathi(vc, path, n), "vCPU %zu does "
		    "not exist: the VM has %zu vCPU%s", n, n, n == 1 ? "" : "s");
	else if (jv_is_obj(pin))
		jv_object_foreach(pin, i, k, e)
			if (decimal(k, strlen(k), VMRUN_MAX_CPUS - 1, &c) &&
			    (size_t)c >= n)
				verr(vc, "out-of-range", vpath(vc, path, k),
				    "vCPU %ld does not exist: the VM has %zu "
				    "vCPU%s", c, n, n == 1 ? "" : "s");
	if (jv_size(jv_get(top, "domains")) == 0)
		return;
	path = config_keypath(vc, overlay, tname, "domains");
	domains_rules(vc, vm, top, path);
	domains_size(vc, vm, top, path);
}

/*
 * The bhyve_config keys of domain i (design §12.3): up to 3 pairs in kv,
 * their number returned; values in p (NULL when out of memory).
 */
size_t
domain_kv(const struct vmrun_vm *vm, size_t i, struct pool *p,
    struct kv kv[3])
{
	const struct domain *dm;
	size_t n;

	dm = &vm->vm_domains[i];
	n = 0;
	kv[n].kv_key = pool_printf(p, "domains.%zu.size", i);
	kv[n++].kv_val = mem_str(p, dm->dm_size);
	kv[n].kv_key = pool_printf(p, "domains.%zu.cpus", i);
	kv[n++].kv_val = dm->dm_cpus;
	if (dm->dm_policy != NULL) {
		kv[n].kv_key = pool_printf(p, "domains.%zu.domain_policy", i);
		kv[n++].kv_val = dm->dm_policy;
	}
	return (n);
}

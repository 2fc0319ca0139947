/*
 * render: a resolved target -> the bhyve argument vector (design §5.1);
 * the loader's is render_loader.c's, the bhyve_config(5) file (§5.3)
 * render_config.c's.
 *
 * bhyve splits legacy option strings on every comma with no escape
 * (bhyve.md §7.1), so a device whose values hold a comma (or an '=' where
 * it would end a name) is written as "-s B:S:F,DEVICE" followed by one
 * "-o pci.B.S.F.KEY=VALUE" per option.  bhyve also expands "%(name)" and
 * removes backslashes in any value containing '%' (bhyve.md §7.4), so
 * such values get every '\' and '%' escaped.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmrun_impl.h"

#define DEFAULT_BHYVE		"/usr/sbin/bhyve"

/* Escape a value for bhyve's read-time expansion; new string in p. */
const char *
escape_value(struct pool *p, const char *s)
{
	size_t n, i;
	char *r;

	if (s == NULL || strchr(s, '%') == NULL)
		return (s == NULL ? NULL : pool_strdup(p, s));
	for (n = i = 0; s[i] != '\0'; i++)
		n += (s[i] == '\\' || s[i] == '%') ? 2 : 1;
	if ((r = pool_alloc(p, n + 1)) == NULL)
		return (NULL);
	for (n = i = 0; s[i] != '\0'; i++) {
		if (s[i] == '\\' || s[i] == '%')
			r[n++] = '\\';
		r[n++] = s[i];
	}
	r[n] = '\0';
	return (r);
}

void
dev_optlist(const struct dev *d, struct optlist *ol)
{
	unsigned long nfailed;

	ol->ol_legacy = d->dv_type->dt_name;
	ol->ol_cfgdev = d->dv_type->dt_cfgname;
	/*
	 * A key made with pool_printf is NULL when out of memory, and a
	 * NULL key means "legacy only": such an option would be dropped
	 * from the -o form without a word.  Any failure fails the device.
	 */
	nfailed = alloc_failures();
	d->dv_type->dt_render(d, ol);
	if (alloc_failures() != nfailed)
		ol->ol_nomem = true;
}

bool
optlist_needs_cfgform(const struct optlist *ol)
{
	const struct opt *o;
	size_t i;

	for (i = 0; i < ol->ol_n; i++) {
		o = &ol->ol_opts[i];
		if (strchr(o->o_val, ',') != NULL)
			return (true);
		if (o->o_special && strchr(o->o_val, '=') != NULL)
			return (true);
	}
	return (false);
}

/* "DEVICE[,opts]" in the legacy syntax; NULL when out of memory. */
static char *
legacy_string(struct pool *p, const struct optlist *ol)
{
	struct strbuf sb;
	const struct opt *o;
	const char *v, *k;
	char *r, *s;
	size_t i;

	sb_init(&sb);
	sb_add(&sb, ol->ol_legacy);
	for (i = 0; i < ol->ol_n; i++) {
		o = &ol->ol_opts[i];
		if (o->o_lstyle == LS_NONE)
			continue;
		if ((v = escape_value(p, o->o_val)) == NULL)
			sb.sb_nomem = true;
		sb_addc(&sb, ',');
		switch (o->o_lstyle) {
		case LS_BARE:
			sb_add(&sb, v == NULL ? "" : v);
			break;
		case LS_KV:
			/*
			 * A console port or 9p share name is the key here
			 * but a value to bhyve, expanded like the others.
			 */
			if ((k = escape_value(p, o->o_lkey)) == NULL)
				sb.sb_nomem = true;
			sb_printf(&sb, "%s=%s", k == NULL ? "" : k,
			    v == NULL ? "" : v);
			break;
		case LS_FLAG:
			sb_add(&sb, o->o_lkey);
			break;
		case LS_PFX:
			sb_printf(&sb, "%s%s", o->o_lkey, v == NULL ? "" : v);
			break;
		case LS_NONE:
			break;
		}
	}
	if ((r = sb_take(&sb)) == NULL)
		return (NULL);
	s = pool_strdup(p, r);
	xfree(r);
	return (s);
}

void
av_add(struct av *av, const char *s)
{
	const char **v;
	size_t cap;

	if (av->av_nomem)
		return;
	if (s == NULL) {
		av->av_nomem = true;
		return;
	}
	if (av->av_n + 1 >= av->av_cap) {
		cap = av->av_cap == 0 ? 32 : av->av_cap * 2;
		if ((v = pool_alloc(av->av_pool, cap * sizeof(*v))) == NULL) {
			av->av_nomem = true;
			return;
		}
		if (av->av_n > 0)
			memcpy(v, av->av_v, av->av_n * sizeof(*v));
		av->av_v = v;
		av->av_cap = cap;
	}
	av->av_v[av->av_n++] = s;
}

/*
 * The n strings of v as a new NULL-terminated vector in one allocation:
 * the pointers, then the strings.  One malloc for a whole command, and
 * vmrun_argv_free is one free; NULL when out of memory.
 */
char **
argv_pack(const char *const *v, size_t n)
{
	char **r, *d;
	size_t i, len, total;

	total = (n + 1) * sizeof(*r);
	for (i = 0; i < n; i++)
		total += strlen(v[i]) + 1;
	if ((r = xmalloc(total)) == NULL)
		return (NULL);
	d = (char *)(r + n + 1);
	for (i = 0; i < n; i++) {
		len = strlen(v[i]) + 1;
		r[i] = memcpy(d, v[i], len);
		d += len;
	}
	r[n] = NULL;
	return (r);
}

enum vmrun_status
av_export(struct av *av, char ***argvp)
{
	*argvp = NULL;
	if (av->av_nomem)
		return (VMRUN_ERR_NOMEM);
	if ((*argvp = argv_pack(av->av_v, av->av_n)) == NULL)
		return (VMRUN_ERR_NOMEM);
	return (VMRUN_OK);
}

/* A vector of argv_pack: one allocation. */
void
vmrun_argv_free(char **v)
{
	xfree(v);
}

static int
pcient_cmp(const void *a, const void *b)
{
	const struct slot *x, *y;

	x = &((const struct pcient *)a)->pe_slot;
	y = &((const struct pcient *)b)->pe_slot;
	if (x->s_bus != y->s_bus)
		return (x->s_bus < y->s_bus ? -1 : 1);
	if (x->s_slot != y->s_slot)
		return (x->s_slot < y->s_slot ? -1 : 1);
	if (x->s_func != y->s_func)
		return (x->s_func < y->s_func ? -1 : 1);
	return (0);
}

/* Host bridge, LPC and devices sorted by bus:slot:function. */
struct pcient *
pci_list(const struct vmrun_vm *vm, struct pool *p, size_t *np)
{
	struct pcient *v;
	size_t i, n;

	if ((v = pool_alloc(p, (vm->vm_ndevs + 2) * sizeof(*v))) == NULL)
		return (NULL);
	struct pcient lpc;
	bool sorted;

	n = 0;
	v[n].pe_slot = (struct slot){ 0, 0, 0 };
	v[n++].pe_name = vm->vm_hostbridge;
	memset(&lpc, 0, sizeof(lpc));
	lpc.pe_slot = vm->vm_lpc;
	lpc.pe_name = "lpc";
	/* The devices come sorted once assigned: LPC goes in its place. */
	for (i = 0; i < vm->vm_ndevs; i++) {
		if (vm->vm_devs[i].dv_type == NULL ||
		    !vm->vm_devs[i].dv_slotok)
			continue;
		v[n].pe_slot = vm->vm_devs[i].dv_slot;
		if (lpc.pe_name != NULL && pcient_cmp(&lpc, &v[n]) < 0) {
			v[n + 1] = v[n];
			v[n++] = lpc;
			lpc.pe_name = NULL;
		}
		v[n].pe_dev = &vm->vm_devs[i];
		v[n++].pe_name = vm->vm_devs[i].dv_type->dt_name;
	}
	if (lpc.pe_name != NULL)
		v[n++] = lpc;
	for (sorted = true, i = 1; i < n && sorted; i++)
		sorted = pcient_cmp(&v[i - 1], &v[i]) <= 0;
	if (!sorted)
		qsort(v, n, sizeof(*v), pcient_cmp);
	*np = n;
	return (v);
}

static void
lookup_diag(struct vmrun_diags *ds, struct pool *p, const struct dev *d)
{
	jv_t *lk;
	const char *path;

	lk = jv_get(d->dv_obj, "lookup");
	path = pool_printf(p, "%s.lookup", d->dv_path);
	/* Grouped under its device, as the host checks would (§6). */
	diag_addg(ds, VMRUN_ERROR, "passthru-lookup", dev_group(d, p),
	    path != NULL ? path : d->dv_path, "give the host address as "
	    "\"src\" instead",
	    "passthru device %s/%s cannot be looked up on this host",
	    jstr(lk, "vendor") != NULL ? jstr(lk, "vendor") : "?",
	    jstr(lk, "device") != NULL ? jstr(lk, "device") : "?");
}

static void	render_pci_opts(struct av *, const struct pcient *,
		    struct optlist *);

static void
render_pci(struct av *av, const struct pcient *pe, struct vmrun_diags *ds,
    bool *hostp)
{
	struct optlist ol;
	char sa[16];

	slot_fmt(&pe->pe_slot, sa);
	if (pe->pe_dev == NULL) {
		av_add(av, "-s");
		av_add(av, pool_join(av->av_pool, sa, ",", pe->pe_name));
		return;
	}
	memset(&ol, 0, sizeof(ol));
	ol.ol_pool = av->av_pool;
	dev_optlist(pe->pe_dev, &ol);
	if (ol.ol_needhost) {
		lookup_diag(ds, av->av_pool, pe->pe_dev);
		*hostp = true;
	}
	if (ol.ol_nomem)
		av->av_nomem = true;
	else
		render_pci_opts(av, pe, &ol);
	optlist_free(&ol);
}

/* "pci.B.S.F." in buf (32 bytes): the start of a device's -o keys. */
static void
pci_prefix(const struct slot *sl, char buf[32])
{
	char sa[16];
	size_t i, n;

	slot_fmt(sl, sa);
	memcpy(buf, "pci.", 4);
	for (n = 4, i = 0; sa[i] != '\0'; i++)
		buf[n++] = sa[i] == ':' ? '.' : sa[i];
	buf[n++] = '.';
	buf[n] = '\0';
}

/* The device's -s (or -o) words, from its options. */
static void
render_pci_opts(struct av *av, const struct pcient *pe, struct optlist *ol)
{
	const struct slot *sl;
	const struct opt *o;
	const char *s;
	char sa[16], pre[32];
	size_t i;

	sl = &pe->pe_slot;
	slot_fmt(sl, sa);
	if (ol->ol_raw) {
		av_add(av, "-s");
		av_add(av, pool_join(av->av_pool, sa, ",", ol->ol_legacy));
		return;
	}
	if (!optlist_needs_cfgform(ol)) {
		s = legacy_string(av->av_pool, ol);
		av_add(av, "-s");
		av_add(av, s == NULL ? NULL : pool_join(av->av_pool, sa, ",",
		    s));
		return;
	}
	pci_prefix(sl, pre);
	if (pe->pe_dev->dv_type->dt_bare_fails) {
		av_add(av, "-o");
		av_add(av, pool_cat(av->av_pool, pre, "device=", ol->ol_cfgdev,
		    (char *)NULL));
	} else {
		av_add(av, "-s");
		av_add(av, pool_join(av->av_pool, sa, ",", ol->ol_cfgdev));
	}
	for (i = 0; i < ol->ol_n; i++) {
		o = &ol->ol_opts[i];
		if (o->o_cfgkey == NULL)
			continue;
		s = escape_value(av->av_pool, o->o_val);
		av_add(av, "-o");
		av_add(av, s == NULL ? NULL : pool_cat(av->av_pool, pre,
		    o->o_cfgkey, "=", s, (char *)NULL));
	}
}

/*
 * The COM ports and the boot ROM.  The captured port is given tty, the
 * terminal bhyve gets there, as any other backend path: "-l comN,TTY".
 */
static void
render_lpc(struct av *av, const struct vmrun_vm *vm, const char *tty)
{
	struct pool *p;
	const char *rom, *vars, *com, *be;
	char n[21];
	unsigned i;
	bool cfgform;

	p = av->av_pool;
	for (i = 0; i < VMRUN_NCOM; i++) {
		if ((be = vm->vm_com[i]) == NULL)
			continue;
		if ((int)i == vm->vm_capture)
			be = tty;
		/* Never hand a NULL to "%s" when out of memory. */
		if ((com = escape_value(p, be)) == NULL) {
			av->av_nomem = true;
			return;
		}
		if (strchr(be, ',') != NULL) {
			av_add(av, "-o");
			av_add(av, pool_cat(p, "lpc.com", u64_str(i + 1, n),
			    ".path=", com, (char *)NULL));
		} else {
			av_add(av, "-l");
			av_add(av, pool_cat(p, "com", u64_str(i + 1, n), ",",
			    com, (char *)NULL));
		}
	}
	if (vm->vm_bootrom == NULL)
		return;
	rom = escape_value(p, vm->vm_bootrom);
	vars = vm->vm_varfile != NULL ? escape_value(p, vm->vm_varfile) : NULL;
	if (rom == NULL || (vm->vm_varfile != NULL && vars == NULL)) {
		av->av_nomem = true;
		return;
	}
	/* "-l bootrom," is comma-split and takes "k=v" for options. */
	cfgform = strchr(vm->vm_bootrom, ',') != NULL ||
	    (vars != NULL && strpbrk(vm->vm_varfile, ",=") != NULL);
	if (cfgform) {
		av_add(av, "-o");
		av_add(av, pool_join(p, "lpc.bootrom", "=", rom));
		if (vars != NULL) {
			av_add(av, "-o");
			av_add(av, pool_join(p, "lpc.bootvars", "=", vars));
		}
		if (vm->vm_fwcfg == FWCFG_QEMU) {
			av_add(av, "-o");
			av_add(av, "lpc.fwcfg=qemu");
		}
		return;
	}
	av_add(av, "-l");
	av_add(av, pool_cat(p, "bootrom,", rom, vars != NULL ? "," : "",
	    vars != NULL ? vars : "", vm->vm_fwcfg == FWCFG_QEMU ?
	    ",fwcfg=qemu" : "", (char *)NULL));
}

/*
 * "-l tpm,TYPE,PATH" after the boot ROM (design §12.3's order): swtpm's
 * socket in rundir, or the host's device.  No comma can be in PATH
 * (validated); a '%' is escaped as everywhere.  False when the socket's
 * path is too long (a diagnostic in ds).
 */
static bool
render_tpm(struct av *av, const struct vmrun_vm *vm, const char *rundir,
    struct vmrun_diags *ds)
{
	char path[PATH_MAX];
	const char *type;
	int r;

	if ((r = tpm_backend(vm, rundir, path, sizeof(path), ds, &type)) <= 0)
		return (r == 0);
	av_add(av, "-l");
	av_add(av, pool_cat(av->av_pool, "tpm,", type, ",",
	    escape_value(av->av_pool, path),
	    vm->vm_tpm->tp_version != NULL ? ",version=" : "",
	    vm->vm_tpm->tp_version != NULL ? vm->vm_tpm->tp_version : "",
	    (char *)NULL));
	return (true);
}

/* Does domain i go as "-n", its list and policy free of commas? */
static bool
domain_legacy(const struct vmrun_vm *vm, size_t i)
{
	const struct domain *dm;

	dm = &vm->vm_domains[i];
	return (strchr(dm->dm_cpus, ',') == NULL && (dm->dm_policy == NULL ||
	    strchr(dm->dm_policy, ',') == NULL));
}

/*
 * design §12.3, after -c and -m: "-n" per domain by id (those whose
 * lists hold no comma: bhyve splits -n on every comma), "-p" per pin by
 * vCPU, then "-K".
 */
static void
render_cpu(struct av *av, const struct vmrun_vm *vm)
{
	struct pool *p;
	struct kv kv[3];
	const char *cpus, *pol;
	char a[21], b[21];
	size_t i;

	p = av->av_pool;
	for (i = 0; i < vm->vm_ndomains; i++) {
		if (!domain_legacy(vm, i))
			continue;
		(void)domain_kv(vm, i, p, kv);
		cpus = escape_value(p, vm->vm_domains[i].dm_cpus);
		pol = vm->vm_domains[i].dm_policy == NULL ? NULL :
		    escape_value(p, vm->vm_domains[i].dm_policy);
		if (cpus == NULL || kv[0].kv_val == NULL ||
		    (vm->vm_domains[i].dm_policy != NULL && pol == NULL)) {
			av->av_nomem = true;
			return;
		}
		av_add(av, "-n");
		av_add(av, pool_cat(p, "id=", u64_str(i, a), ",size=",
		    kv[0].kv_val, ",cpus=", cpus, pol != NULL ?
		    ",domain_policy=" : "", pol != NULL ? pol : "",
		    (char *)NULL));
	}
	for (i = 0; i < vm->vm_npin; i++) {
		if (vm->vm_pin[i] < 0)
			continue;
		av_add(av, "-p");
		av_add(av, pool_join(p, u64_str(i, a), ":",
		    u64_str((uint64_t)vm->vm_pin[i], b)));
	}
	if (vm->vm_kbdlayout != NULL) {
		av_add(av, "-K");
		av_add(av, escape_value(p, vm->vm_kbdlayout));
	}
}

/* "-o KEY=VALUE", the value escaped. */
static void
av_cfgkey(struct av *av, const char *key, const char *val)
{
	const char *v;

	if (key == NULL || val == NULL ||
	    (v = escape_value(av->av_pool, val)) == NULL) {
		av->av_nomem = true;
		return;
	}
	av_add(av, "-o");
	av_add(av, pool_join(av->av_pool, key, "=", v));
}

/*
 * design §12.3, after the LPC devices: the -o keys of the domains that
 * could not go as "-n", then the SMBIOS strings.
 */
static void
render_cfgkeys(struct av *av, const struct vmrun_vm *vm)
{
	struct kv kv[3];
	size_t i, j, n;

	for (i = 0; i < vm->vm_ndomains; i++) {
		if (domain_legacy(vm, i))
			continue;
		n = domain_kv(vm, i, av->av_pool, kv);
		for (j = 0; j < n; j++)
			av_cfgkey(av, kv[j].kv_key, kv[j].kv_val);
	}
	for (i = 0; i < vm->vm_nsmbios; i++)
		av_cfgkey(av, vm->vm_smbios[i].kv_key, vm->vm_smbios[i].kv_val);
}

enum vmrun_status
vmrun_vm_bhyve_argv(const struct vmrun_vm *vm, const char *bhyve,
    const char *const *extra, struct vmrun_diags *ds, char ***argvp)
{
	return (vmrun_vm_bhyve_argv_run(vm, bhyve, extra, NULL, NULL, ds,
	    argvp));
}

enum vmrun_status
vmrun_vm_bhyve_argv_tty(const struct vmrun_vm *vm, const char *bhyve,
    const char *const *extra, const char *tty, struct vmrun_diags *ds,
    char ***argvp)
{
	return (vmrun_vm_bhyve_argv_run(vm, bhyve, extra, tty, NULL, ds,
	    argvp));
}

/*
 * tty NULL: CAPTURE_PLACEHOLDER, what a dry run shows of the terminal
 * vmrun makes only when it starts.  Never "": a COM port with no backend.
 * rundir NULL: the user's run directory, where swtpm's socket goes.
 */
enum vmrun_status
vmrun_vm_bhyve_argv_run(const struct vmrun_vm *vm, const char *bhyve,
    const char *const *extra, const char *tty, const char *rundir,
    struct vmrun_diags *ds, char ***argvp)
{
	static const struct {
		char	 f_opt[3];
		size_t	 f_off;
	} flags[] = {	/* design §5.1, §12.3: -A -D -H -P -S -W -Y -u -w -x */
		{ "-A", offsetof(struct vmrun_vm, vm_acpi) },
		{ "-D", offsetof(struct vmrun_vm, vm_destroy) },
		{ "-H", offsetof(struct vmrun_vm, vm_hlt) },
		{ "-P", offsetof(struct vmrun_vm, vm_pause) },
		{ "-S", offsetof(struct vmrun_vm, vm_wire) },
		{ "-W", offsetof(struct vmrun_vm, vm_msi) },
		{ "-Y", offsetof(struct vmrun_vm, vm_nomptable) },
		{ "-u", offsetof(struct vmrun_vm, vm_utc) },
		{ "-w", offsetof(struct vmrun_vm, vm_msr_ignore) },
		{ "-x", offsetof(struct vmrun_vm, vm_x2apic) },
	};
	struct av av;
	struct pcient *pl;
	enum vmrun_status st;
	char c[4][21];
	size_t i, n;
	bool host;

	if (argvp == NULL)
		return (VMRUN_ERR_ARG);
	*argvp = NULL;
	if (vm == NULL || (tty != NULL && *tty == '\0'))
		return (VMRUN_ERR_ARG);
	memset(&av, 0, sizeof(av));
	if ((av.av_pool = pool_new()) == NULL)
		return (VMRUN_ERR_NOMEM);
	av_add(&av, bhyve != NULL ? bhyve : DEFAULT_BHYVE);
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (*(const bool *)((const char *)vm + flags[i].f_off))
			av_add(&av, flags[i].f_opt);
	av_add(&av, "-c");
	av_add(&av, pool_cat(av.av_pool,
	    "cpus=", u64_str(vm->vm_sockets * vm->vm_cores * vm->vm_threads,
	    c[0]), ",sockets=", u64_str(vm->vm_sockets, c[1]),
	    ",cores=", u64_str(vm->vm_cores, c[2]),
	    ",threads=", u64_str(vm->vm_threads, c[3]), (char *)NULL));
	av_add(&av, "-m");
	av_add(&av, mem_str(av.av_pool, vm->vm_mem));
	render_cpu(&av, vm);
	if (vm->vm_gdb != NULL) {
		av_add(&av, "-G");
		av_add(&av, vm->vm_gdb);
	}
	if (vm->vm_uuid != NULL) {
		av_add(&av, "-U");
		av_add(&av, vm->vm_uuid);
	}
	host = false;
	if ((pl = pci_list(vm, av.av_pool, &n)) == NULL)
		av.av_nomem = true;
	for (i = 0; pl != NULL && i < n; i++)
		render_pci(&av, &pl[i], ds, &host);
	render_lpc(&av, vm, tty != NULL ? tty : CAPTURE_PLACEHOLDER);
	if (!render_tpm(&av, vm, rundir, ds))
		host = true;
	render_cfgkeys(&av, vm);
	for (i = 0; i < vm->vm_nextra; i++)
		av_add(&av, vm->vm_extra[i]);
	for (i = 0; extra != NULL && extra[i] != NULL; i++)
		av_add(&av, extra[i]);
	av_add(&av, vm->vm_name);
	if (host)
		st = av.av_nomem ? VMRUN_ERR_NOMEM : VMRUN_ERR_HOST;
	else
		st = av_export(&av, argvp);
	pool_free(av.av_pool);
	return (st);
}

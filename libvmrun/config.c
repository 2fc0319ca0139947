/*
 * config: validate the top level of a configuration (design §2.1) and
 * build the model of one resolved target from it.  Every problem is
 * recorded with the JSON path it came from: a key set by a target overlay
 * is reported as targets.NAME.KEY.
 */

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "vmrun_impl.h"

#define DEFAULT_BOOTROM	"/usr/local/share/uefi-firmware/BHYVE_UEFI.fd"

static void
check_enum(struct vctx *vc, jv_t *v, const char *path,
    const char *const *words, const char *list)
{
	size_t i;

	for (i = 0; words[i] != NULL; i++)
		if (strcmp(jv_str(v), words[i]) == 0)
			return;
	verr(vc, "bad-value", path, "\"%s\": expected %s",
	    jv_str(v), list);
}

static void
check_fwcfg(struct vctx *vc, jv_t *v, const char *path)
{
	static const char *const w[] = { "bhyve", "qemu", NULL };

	check_enum(vc, v, path, w, "\"bhyve\" or \"qemu\"");
}

static void
check_hostbridge(struct vctx *vc, jv_t *v, const char *path)
{
	static const char *const w[] = { "hostbridge", "amd_hostbridge",
	    NULL };

	check_enum(vc, v, path, w, "\"hostbridge\" or \"amd_hostbridge\"");
}

/* bhyve.md §4.2: the LPC bridge can only live on bus 0. */
static void
check_lpc_slot(struct vctx *vc, jv_t *v, const char *path)
{
	struct slot sl;

	if (!slot_parse(jv_str(v), &sl)) {
		check_slot(vc, v, path);
		return;
	}
	if (sl.s_bus != 0)
		verr(vc, "bad-slot", path, "the LPC bridge must be on bus 0");
	else if (sl.s_slot == 0 && sl.s_func == 0)
		verr(vc, "slot-conflict", path, "0:0:0 is the host bridge's "
		    "slot");
}

static void
check_reboot_on(struct vctx *vc, jv_t *v, const char *path)
{
	jv_t *e;
	size_t i;

	jv_array_foreach(v, i, e) {
		if (!jv_is_int(e))
			verr(vc, "wrong-type", vpathi(vc, path, i), "expected "
			    "an exit status (an integer), not %s",
			    jv_type_word(e));
		else if (jv_int(e) < 0 ||
		    jv_int(e) > 255)
			verr(vc, "out-of-range", vpathi(vc, path, i), "%lld is "
			    "not an exit status: expected 0 to 255",
			    (long long)jv_int(e));
	}
}

const struct key restart_limit_keys[] = {
	{ "count", T_INT, K_REQ | K_RANGE, 1, INT_MAX, NULL },
	{ "seconds", T_INT, K_REQ | K_RANGE, 1, INT_MAX, NULL },
	{ "backoff", T_INT, K_RANGE, 0, 86400, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};

static void
check_restart_limit(struct vctx *vc, jv_t *v, const char *path)
{
	schema_check(vc, v, restart_limit_keys, NULL, path, false);
}

static void
check_command(struct vctx *vc, jv_t *v, const char *path)
{
	if (jv_is_arr(v) && jv_size(v) == 0)
		verr(vc, "empty", path, "must name a program");
	else
		check_argv(vc, v, path);
}

static void
check_tname(struct vctx *vc, jv_t *v, const char *path)
{
	if (strcmp(jv_str(v), "default") != 0 &&
	    (!match_idname(jv_str(v), 64) ||
	    strchr(jv_str(v), '.') != NULL))
		verr(vc, "bad-name", path, "\"%s\" is not a target name",
		    jv_str(v));
}

const struct key top_keys[] = {
	{ "name", T_STR, K_REQ, 0, 0, check_vmname },
	{ "cpu", T_INT | T_OBJ, K_REQ, 0, 0, check_cpu },
	{ "mem", T_STR | T_INT, K_REQ, 0, 0, check_mem },
	{ "bootrom", T_STR, 0, 0, 0, NULL },
	{ "varfile", T_STR, 0, 0, 0, NULL },
	{ "varfile_template", T_STR, 0, 0, 0, NULL },
	{ "fwcfg", T_STR, 0, 0, 0, check_fwcfg },
	{ "loader", T_OBJ, 0, 0, 0, check_loader },
	{ "com1", T_STR, 0, 0, 0, check_com_backend },
	{ "com2", T_STR, 0, 0, 0, check_com_backend },
	{ "com3", T_STR, 0, 0, 0, check_com_backend },
	{ "com4", T_STR, 0, 0, 0, check_com_backend },
	{ "console_log", T_STR, 0, 0, 0, NULL },
	{ "console_log_size", T_INT, K_RANGE, 4096, 1LL << 40, NULL },
	{ "console_ring", T_INT, K_RANGE, 4096, 64LL << 20, NULL },
	{ "emulations", T_ARR, 0, 0, 0, NULL },
	{ "graphic", T_OBJ, 0, 0, 0, NULL },
	{ "hostbridge", T_STR, 0, 0, 0, check_hostbridge },
	{ "lpc_slot", T_STR, 0, 0, 0, check_lpc_slot },
	{ "uuid", T_STR, 0, 0, 0, check_uuid },
	/* swtpm's --tpmstate dir= and the seed's path: comma-split. */
	{ "state_dir", T_STR, 0, 0, 0, check_comma_free },
	{ "tpm", T_OBJ, 0, 0, 0, check_tpm },
	{ "gdb", T_STR | T_INT, 0, 0, 0, check_gdb },
	{ "generate_acpi", T_BOOL, 0, 0, 0, NULL },
	{ "power_off_destroy_vm", T_BOOL, 0, 0, 0, NULL },
	{ "yield_on_hlt", T_BOOL, 0, 0, 0, NULL },
	{ "exit_on_pause", T_BOOL, 0, 0, 0, NULL },
	{ "wire_guest_mem", T_BOOL, 0, 0, 0, NULL },
	{ "force_msi", T_BOOL, 0, 0, 0, NULL },
	{ "disable_mptable_gen", T_BOOL, 0, 0, 0, NULL },
	{ "utc_clock", T_BOOL, 0, 0, 0, NULL },
	{ "ignore_unimplemented_msr", T_BOOL, 0, 0, 0, NULL },
	{ "x2apic", T_BOOL, 0, 0, 0, NULL },
	{ "keyboard_layout", T_STR, 0, 0, 0, check_kbdlayout },
	{ "domains", T_ARR, 0, 0, 0, check_domains },
	{ "smbios", T_OBJ, 0, 0, 0, check_smbios },
	{ "extra_options", T_STR | T_ARR, 0, 0, 0, check_argv },
	{ "post_start_script", T_STR | T_ARR, 0, 0, 0, check_command },
	{ "reboot_on", T_ARR, 0, 0, 0, check_reboot_on },
	{ "max_reboots", T_INT, K_RANGE, 0, LLONG_MAX, NULL },
	{ "restart_limit", T_OBJ, 0, 0, 0, check_restart_limit },
	{ "next_target", T_STR, 0, 0, 0, check_tname },
	{ "targets", T_OBJ, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};

/* Split a string on blanks, or take an array of strings. */
static const char **
argv_of(struct pool *p, jv_t *v, size_t *np)
{
	const char **av, *s, *e;
	jv_t *x;
	size_t n, i;

	*np = 0;
	if (v == NULL)
		return (NULL);
	if (jv_is_arr(v)) {
		n = jv_size(v);
		if ((av = pool_alloc(p, (n + 1) * sizeof(*av))) == NULL)
			return (NULL);
		jv_array_foreach(v, i, x)
			av[(*np)++] = jv_is_str(x) ?
			    jv_str(x) : "";
		return (av);
	}
	s = jv_str(v);
	if (s == NULL)
		return (NULL);
	n = strlen(s) / 2 + 2;
	if ((av = pool_alloc(p, n * sizeof(*av))) == NULL)
		return (NULL);
	for (;;) {
		s += strspn(s, " \t");
		if (*s == '\0')
			break;
		e = s + strcspn(s, " \t");
		av[(*np)++] = pool_printf(p, "%.*s", (int)(e - s), s);
		s = e;
	}
	return (av);
}

/*
 * bhyve's -G splits the address at the last ':' and hands it to
 * getaddrinfo as is (bhyve.md §2.1), so "[::1]:1234" would make it look
 * up "[::1]".  Render "w[ADDR]:PORT" as "wADDR:PORT".
 */
static const char *
gdb_unbracket(struct pool *p, const char *g)
{
	const char *s, *c;

	if (g == NULL)
		return (NULL);
	s = *g == 'w' ? g + 1 : g;
	if (*s != '[' || (c = strrchr(s, ':')) == NULL || c - s < 2 ||
	    c[-1] != ']')
		return (g);
	return (pool_printf(p, "%.*s%.*s%s", (int)(s - g), g,
	    (int)(c - s - 2), s + 1, c));
}

static void
build_scalars(struct vctx *vc, struct vmrun_vm *vm, jv_t *top)
{
	static const char *const coms[] = { "com1", "com2", "com3", "com4" };
	jv_t *cpu, *v, *e;
	long long n;
	size_t i;

	vm->vm_name = jstr(top, "name");
	cpu = jv_get(top, "cpu");
	vm->vm_sockets = vm->vm_cores = vm->vm_threads = 1;
	if (jv_is_int(cpu) && jv_int(cpu) >= 1 &&
	    jv_int(cpu) <= VMRUN_MAX_CPUS)
		vm->vm_threads = (unsigned)jv_int(cpu);
	else if (jv_is_obj(cpu)) {
		if (jint(cpu, "sockets", &n) && n >= 1 && n <= VMRUN_MAX_CPUS)
			vm->vm_sockets = (unsigned)n;
		if (jint(cpu, "cores", &n) && n >= 1 && n <= VMRUN_MAX_CPUS)
			vm->vm_cores = (unsigned)n;
		if (jint(cpu, "threads", &n) && n >= 1 && n <= VMRUN_MAX_CPUS)
			vm->vm_threads = (unsigned)n;
	}
	if ((v = jv_get(top, "mem")) == NULL || !mem_parse(v,
	    &vm->vm_mem))
		vm->vm_mem = 256ULL << 20;
	vm->vm_bootrom = jstr(top, "bootrom");
	vm->vm_varfile = jstr(top, "varfile");
	vm->vm_varfile_template = jstr(top, "varfile_template");
	if (jv_is_obj(jv_get(top, "loader")))
		loader_build(vm, jv_get(top, "loader"));
	else if (vm->vm_bootrom == NULL)
		vm->vm_bootrom = DEFAULT_BOOTROM;
	if (jstr(top, "fwcfg") != NULL)
		vm->vm_fwcfg = strcmp(jstr(top, "fwcfg"), "qemu") == 0 ?
		    FWCFG_QEMU : FWCFG_BHYVE;
	vm->vm_capture = -1;
	for (i = 0; i < VMRUN_NCOM; i++) {
		vm->vm_com[i] = jstr(top, coms[i]);
		if (vm->vm_com[i] != NULL &&
		    strcmp(vm->vm_com[i], "capture") == 0 &&
		    vm->vm_capture < 0)
			vm->vm_capture = (int)i;
	}
	vm->vm_console_log = jstr(top, "console_log");
	vm->vm_console_log_size = 1 << 20;
	if (jint(top, "console_log_size", &n))
		vm->vm_console_log_size = n;
	vm->vm_console_ring = 256 << 10;
	if (jint(top, "console_ring", &n))
		vm->vm_console_ring = n;
	vm->vm_hostbridge = jstr(top, "hostbridge");
	if (vm->vm_hostbridge == NULL)
		vm->vm_hostbridge = "hostbridge";
	vm->vm_lpc.s_slot = 31;
	if (jstr(top, "lpc_slot") != NULL)
		(void)slot_parse(jstr(top, "lpc_slot"), &vm->vm_lpc);
	vm->vm_uuid = jstr(top, "uuid");
	vm->vm_state_dir = jstr(top, "state_dir");
	tpm_build(vm, top);
	v = jv_get(top, "gdb");
	if (jv_is_int(v))
		vm->vm_gdb = pool_printf(vm->vm_pool, "%lld",
		    (long long)jv_int(v));
	else
		vm->vm_gdb = gdb_unbracket(vm->vm_pool, jstr(top, "gdb"));
	if (vm->vm_gdb == NULL && (jv_is_int(v) || jv_is_str(v)))
		vc->vc_nomem = true;
	vm->vm_acpi = jbool(top, "generate_acpi", true);
	vm->vm_destroy = jbool(top, "power_off_destroy_vm", false);
	vm->vm_hlt = jbool(top, "yield_on_hlt", true);
	vm->vm_pause = jbool(top, "exit_on_pause", false);
	vm->vm_wire = jbool(top, "wire_guest_mem", false);
	vm->vm_msi = jbool(top, "force_msi", false);
	vm->vm_nomptable = jbool(top, "disable_mptable_gen", false);
	vm->vm_utc = jbool(top, "utc_clock", true);
	vm->vm_extra = argv_of(vm->vm_pool, jv_get(top,
	    "extra_options"), &vm->vm_nextra);
	vm->vm_post = argv_of(vm->vm_pool, jv_get(top,
	    "post_start_script"), &vm->vm_npost);
	if ((v = jv_get(top, "reboot_on")) != NULL) {
		jv_array_foreach(v, i, e)
			if (jv_is_int(e) && jv_int(e) >= 0 &&
			    jv_int(e) <= 255)
				vm->vm_reboot_on[jv_int(e)] = true;
	} else
		vm->vm_reboot_on[0] = true;
	if (!jint(top, "max_reboots", &vm->vm_max_reboots) ||
	    vm->vm_max_reboots < 0)
		vm->vm_max_reboots = -1;
	vm->vm_rl_count = 10;
	vm->vm_rl_seconds = 60;
	v = jv_get(top, "restart_limit");
	if (jint(v, "count", &n) && n >= 1)
		vm->vm_rl_count = n;
	if (jint(v, "seconds", &n) && n >= 1)
		vm->vm_rl_seconds = n;
	vm->vm_rl_backoff = 0;
	if (jint(v, "backoff", &n) && n >= 0)
		vm->vm_rl_backoff = n;
	vm->vm_next_target = jstr(top, "next_target");
}

/*
 * Build the model of one resolved configuration.  top is the merged top
 * level; overlay and tname name the target (NULL for the base); srcs are
 * the devices in resolved order with their paths; base is the base's
 * model, already built, when this is a target.  Returns NULL only when
 * out of memory; validation problems go to vc's diagnostics.
 */
struct vmrun_vm *
config_build(struct vctx *vc, jv_t *top, jv_t *overlay, const char *tname,
    const struct devsrc *srcs, size_t nsrc, const struct vmrun_vm *base)
{
	const struct dev *bd;
	struct vmrun_vm *vm;
	jv_t *basepart, *ovpart, *v, *g;
	const struct key *k;
	const char *key;
	struct dev fb, xh;
	size_t i, nbase;
	bool hasxhci;

	if ((vm = xcalloc(1, sizeof(*vm))) == NULL)
		return (NULL);
	if ((vm->vm_pool = pool_new()) == NULL) {
		xfree(vm);
		return (NULL);
	}
	vm->vm_top = top;
	vm->vm_target = tname != NULL ? pool_strdup(vm->vm_pool, tname) :
	    "default";
	vc->vc_vm = vm;

	/* Keys, each under the path of the object that set it. */
	basepart = top;
	ovpart = NULL;
	if (overlay != NULL) {
		basepart = jv_obj_new(vc->vc_pool, jv_size(top));
		ovpart = jv_obj_new(vc->vc_pool, jv_size(top));
		if (basepart == NULL || ovpart == NULL) {
			vm_free(vm);
			return (NULL);
		}
		jv_object_foreach(top, i, key, v)
			(void)jv_obj_add(jv_get(overlay, key) != NULL ?
			    ovpart : basepart, top, i);
	}
	/*
	 * A target's keys from the base have the base's values and paths:
	 * the base's resolution has judged them already.
	 */
	if (base == NULL)
		schema_check(vc, basepart, top_keys, NULL, "", true);
	if (overlay != NULL)
		schema_check(vc, ovpart, top_keys, NULL, vpath(vc, "targets",
		    tname), true);
	for (k = top_keys; k->k_name != NULL; k++)
		if ((k->k_flags & K_REQ) && jv_get(top, k->k_name) ==
		    NULL)
			verr(vc, "missing-key", k->k_name,
			    "required key is missing");

	build_scalars(vc, vm, top);
	cpu_build(vc, vm, top);

	/* Devices: base ones, then graphic, then the target's (§4). */
	vm->vm_devs = pool_alloc(vm->vm_pool, (nsrc + 2) * sizeof(struct dev));
	if (vm->vm_devs == NULL) {
		vm_free(vm);
		return (NULL);
	}
	for (nbase = 0; nbase < nsrc && srcs[nbase].ds_origin == DO_BASE;
	    nbase++)
		;
	for (i = 0; i < nsrc; i++) {
		if (i == nbase)
			break;
		/* A base device the target keeps is the base's, as built. */
		bd = base != NULL && srcs[i].ds_baseidx >= 0 &&
		    (size_t)srcs[i].ds_baseidx < base->vm_ndevs ?
		    &base->vm_devs[srcs[i].ds_baseidx] : NULL;
		if (bd != NULL && bd->dv_obj != NULL &&
		    bd->dv_obj == srcs[i].ds_obj)
			vm->vm_devs[vm->vm_ndevs] = *bd;
		else
			dev_build(vc, srcs[i].ds_obj, srcs[i].ds_path,
			    &vm->vm_devs[vm->vm_ndevs]);
		vm->vm_devs[vm->vm_ndevs].dv_origin = srcs[i].ds_origin;
		vm->vm_devs[vm->vm_ndevs++].dv_baseidx = srcs[i].ds_baseidx;
	}
	g = jv_get(top, "graphic");
	if (jv_is_obj(g)) {
		vm->vm_graphic = g;
		dev_build_graphic(vc, g, config_keypath(vc, overlay, tname,
		    "graphic"), &fb, &xh, &hasxhci);
		vm->vm_devs[vm->vm_ndevs++] = fb;
		if (hasxhci)
			vm->vm_devs[vm->vm_ndevs++] = xh;
	}
	for (; i < nsrc; i++) {
		dev_build(vc, srcs[i].ds_obj, srcs[i].ds_path,
		    &vm->vm_devs[vm->vm_ndevs]);
		vm->vm_devs[vm->vm_ndevs].dv_origin = srcs[i].ds_origin;
		vm->vm_devs[vm->vm_ndevs++].dv_baseidx = srcs[i].ds_baseidx;
	}
	rules_check(vc, vm, top, overlay, tname);
	return (vm);
}

/* The tree it points into is the configuration's. */
void
vm_free(struct vmrun_vm *vm)
{
	if (vm == NULL)
		return;
	pool_free(vm->vm_pool);
	xfree(vm);
}

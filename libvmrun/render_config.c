/*
 * render_config: a resolved target as a bhyve_config(5) file (design
 * §5.3), the form "bhyve -k FILE" reads.  It uses configuration keys only,
 * so no value needs comma handling; values with '%' are escaped as on the
 * command line.  What has no key form (raw devices, extra_options) is
 * refused rather than dropped.
 */

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "vmrun_impl.h"

static void
kv(struct strbuf *sb, struct pool *p, const char *key, const char *val)
{
	const char *e;

	if (key == NULL || (e = escape_value(p, val)) == NULL) {
		sb->sb_nomem = true;
		return;
	}
	sb_printf(sb, "%s=%s\n", key, e);
}

/* gdb "[w][ADDR:]PORT" as gdb.wait, gdb.address and gdb.port. */
static void
gdb_keys(struct strbuf *sb, struct pool *p, const char *g)
{
	const char *c;
	char *addr;
	size_t n;

	if (*g == 'w') {
		sb_add(sb, "gdb.wait=true\n");
		g++;
	}
	if ((c = strrchr(g, ':')) != NULL) {
		n = (size_t)(c - g);
		if (n >= 2 && g[0] == '[' && g[n - 1] == ']') {
			g++;
			n -= 2;
		}
		if ((addr = pool_printf(p, "%.*s", (int)n, g)) == NULL) {
			sb->sb_nomem = true;
			return;
		}
		kv(sb, p, "gdb.address", addr);
		g = c + 1;
	}
	kv(sb, p, "gdb.port", g);
}

static void
device_keys(struct strbuf *sb, struct pool *p, const struct pcient *pe)
{
	struct optlist ol;
	const struct slot *sl;
	size_t i;

	sl = &pe->pe_slot;
	if (pe->pe_dev == NULL) {
		if (strcmp(pe->pe_name, "amd_hostbridge") == 0) {
			/* bhyve stores the alias as hostbridge + AMD ids. */
			sb_printf(sb, "pci.0.0.0.device=hostbridge\n"
			    "pci.0.0.0.pcireg.vendor=0x1022\n"
			    "pci.0.0.0.pcireg.device=0x7432\n");
			return;
		}
		sb_printf(sb, "pci.%u.%u.%u.device=%s\n", sl->s_bus,
		    sl->s_slot, sl->s_func, pe->pe_name);
		return;
	}
	memset(&ol, 0, sizeof(ol));
	ol.ol_pool = p;
	dev_optlist(pe->pe_dev, &ol);
	if (ol.ol_nomem) {
		sb->sb_nomem = true;
		optlist_free(&ol);
		return;
	}
	sb_printf(sb, "pci.%u.%u.%u.device=%s\n", sl->s_bus, sl->s_slot,
	    sl->s_func, ol.ol_cfgdev);
	for (i = 0; i < ol.ol_n; i++) {
		if (ol.ol_opts[i].o_cfgkey == NULL)
			continue;
		kv(sb, p, pool_printf(p, "pci.%u.%u.%u.%s", sl->s_bus,
		    sl->s_slot, sl->s_func, ol.ol_opts[i].o_cfgkey),
		    ol.ol_opts[i].o_val);
	}
	optlist_free(&ol);
}

/* Can the host resolve this passthru device's lookup? */
static bool
lookup_ok(const struct dev *d)
{
	struct optlist ol;
	struct pool *p;
	bool ok;

	if ((p = pool_new()) == NULL)
		return (false);
	memset(&ol, 0, sizeof(ol));
	ol.ol_pool = p;
	dev_optlist(d, &ol);
	ok = !ol.ol_needhost;
	optlist_free(&ol);
	pool_free(p);
	return (ok);
}

/*
 * Settings with no bhyve_config form, each one diagnostic: returns
 * VMRUN_ERR_UNSUPPORTED for those, else VMRUN_ERR_HOST for a passthru
 * lookup the host must resolve, else VMRUN_OK.
 */
static enum vmrun_status
refuse(const struct vmrun_vm *vm, struct vmrun_diags *ds)
{
	const struct dev *d;
	size_t i;
	bool bad, host;

	bad = host = false;
	if (vm->vm_capture >= 0) {
		diag_add(ds, VMRUN_ERROR, "no-config-form", pool_printf(
		    vm->vm_pool, "com%d", vm->vm_capture + 1), NULL, "a captured "
		    "COM port is the terminal vmrun makes when it starts bhyve; "
		    "a bhyve_config file cannot name it");
		bad = true;
	}
	if (vm->vm_nextra > 0) {
		diag_add(ds, VMRUN_ERROR, "no-config-form", "extra_options",
		    NULL, "extra_options are bhyve command-line arguments and "
		    "have no bhyve_config form");
		bad = true;
	}
	for (i = 0; i < vm->vm_ndevs; i++) {
		d = &vm->vm_devs[i];
		if (d->dv_type == &devtype_raw) {
			diag_add(ds, VMRUN_ERROR, "no-config-form", d->dv_path,
			    NULL, "a raw device is a legacy option string and "
			    "has no bhyve_config form");
			bad = true;
		} else if (d->dv_type == &devtype_passthru &&
		    jstr(d->dv_obj, "src") == NULL && !lookup_ok(d)) {
			diag_add(ds, VMRUN_ERROR, "passthru-lookup",
			    d->dv_path, "give the host address as \"src\" "
			    "instead", "passthru lookup cannot be resolved on "
			    "this host");
			host = true;
		}
	}
	if (bad)
		return (VMRUN_ERR_UNSUPPORTED);
	return (host ? VMRUN_ERR_HOST : VMRUN_OK);
}

/*
 * design §12.3 as bhyve_config keys (bhyve.md §3.1): -w and -x, -K, the
 * pins (vcpu.N.cpuset) and the NUMA domains (domains.N.*).
 */
static void
cpu_keys_out(struct strbuf *sb, struct pool *p, const struct vmrun_vm *vm)
{
	struct kv dk[3];
	size_t i, j, n;

	if (vm->vm_msr_ignore)
		sb_add(sb, "x86.strictmsr=false\n");
	if (vm->vm_x2apic)
		sb_add(sb, "x86.x2apic=true\n");
	if (vm->vm_kbdlayout != NULL)
		kv(sb, p, "keyboard.layout", vm->vm_kbdlayout);
	for (i = 0; i < vm->vm_npin; i++)
		if (vm->vm_pin[i] >= 0)
			sb_printf(sb, "vcpu.%zu.cpuset=%d\n", i, vm->vm_pin[i]);
	for (i = 0; i < vm->vm_ndomains; i++) {
		n = domain_kv(vm, i, p, dk);
		for (j = 0; j < n; j++)
			kv(sb, p, dk[j].kv_key, dk[j].kv_val);
	}
}

enum vmrun_status
vmrun_vm_bhyve_config(const struct vmrun_vm *vm, struct vmrun_diags *ds,
    char **textp)
{
	return (vmrun_vm_bhyve_config_run(vm, NULL, ds, textp));
}

/* The TPM's keys (bhyve.md §6): tpm.type, tpm.path, tpm.version. */
static bool
tpm_keys_add(struct strbuf *sb, struct pool *p, const struct vmrun_vm *vm,
    const char *rundir, struct vmrun_diags *ds)
{
	char path[PATH_MAX];
	const char *type;
	int r;

	if ((r = tpm_backend(vm, rundir, path, sizeof(path), ds, &type)) <= 0)
		return (r == 0);
	kv(sb, p, "tpm.type", type);
	kv(sb, p, "tpm.path", path);
	if (vm->vm_tpm->tp_version != NULL)
		kv(sb, p, "tpm.version", vm->vm_tpm->tp_version);
	return (true);
}

/* rundir NULL: the user's run directory, where swtpm's socket goes. */
enum vmrun_status
vmrun_vm_bhyve_config_run(const struct vmrun_vm *vm, const char *rundir,
    struct vmrun_diags *ds, char **textp)
{
	static const char *const flagkeys[] = {
		"destroy_on_poweroff=true\n", "x86.vmexit_on_hlt=true\n",
		"x86.vmexit_on_pause=true\n", "memory.wired=true\n",
		"virtio_msix=false\n", "x86.mptable=false\n",
		"rtc.use_localtime=false\n"
	};
	struct strbuf sb;
	struct pool *p;
	struct pcient *pl;
	enum vmrun_status st;
	bool flags[7];
	size_t i, n;
	char *s;

	if (textp == NULL)
		return (VMRUN_ERR_ARG);
	*textp = NULL;
	if (vm == NULL)
		return (VMRUN_ERR_ARG);
	if ((st = refuse(vm, ds)) != VMRUN_OK)
		return (st);
	if ((p = pool_new()) == NULL)
		return (VMRUN_ERR_NOMEM);
	sb_init(&sb);
	sb_printf(&sb, "name=%s\n", vm->vm_name);
	sb_printf(&sb, "cpus=%u\nsockets=%u\ncores=%u\nthreads=%u\n",
	    vm->vm_sockets * vm->vm_cores * vm->vm_threads, vm->vm_sockets,
	    vm->vm_cores, vm->vm_threads);
	kv(&sb, p, "memory.size", mem_str(p, vm->vm_mem));
	/* -A: bhyve 13 needs the key; 14 and later default to it. */
	if (vm->vm_acpi)
		sb_add(&sb, "acpi_tables=true\n");
	flags[0] = vm->vm_destroy;
	flags[1] = vm->vm_hlt;
	flags[2] = vm->vm_pause;
	flags[3] = vm->vm_wire;
	flags[4] = vm->vm_msi;
	flags[5] = vm->vm_nomptable;
	flags[6] = vm->vm_utc;
	for (i = 0; i < 7; i++)
		if (flags[i])
			sb_add(&sb, flagkeys[i]);
	cpu_keys_out(&sb, p, vm);
	if (vm->vm_uuid != NULL)
		kv(&sb, p, "uuid", vm->vm_uuid);
	if (vm->vm_gdb != NULL)
		gdb_keys(&sb, p, vm->vm_gdb);
	if ((pl = pci_list(vm, p, &n)) == NULL)
		sb.sb_nomem = true;
	for (i = 0; pl != NULL && i < n; i++)
		device_keys(&sb, p, &pl[i]);
	for (i = 0; i < VMRUN_NCOM; i++)
		if (vm->vm_com[i] != NULL)
			kv(&sb, p, pool_printf(p, "lpc.com%zu.path", i + 1),
			    vm->vm_com[i]);
	if (vm->vm_bootrom != NULL) {
		kv(&sb, p, "lpc.bootrom", vm->vm_bootrom);
		if (vm->vm_varfile != NULL)
			kv(&sb, p, "lpc.bootvars", vm->vm_varfile);
		if (vm->vm_fwcfg == FWCFG_QEMU)
			sb_add(&sb, "lpc.fwcfg=qemu\n");
	}
	if (!tpm_keys_add(&sb, p, vm, rundir, ds)) {
		pool_free(p);
		sb_free(&sb);
		return (VMRUN_ERR_HOST);
	}
	for (i = 0; i < vm->vm_nsmbios; i++)
		kv(&sb, p, vm->vm_smbios[i].kv_key, vm->vm_smbios[i].kv_val);
	pool_free(p);
	if ((s = sb_take(&sb)) == NULL)
		return (VMRUN_ERR_NOMEM);
	*textp = s;
	return (VMRUN_OK);
}

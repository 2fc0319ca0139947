/*
 * vm_json: the resolved target as JSON, for "vmrun --debug": targets
 * merged, defaults filled in, every PCI device with its slot; the VNC
 * password written "*" (mask.c).
 */

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "vmrun_impl.h"

static jw_t *
jstr_or_null(const char *s)
{
	return (s != NULL ? jw_string(s) : jw_null());
}

/*
 * jw_object_set_new, remembering a failure: a value that could not be
 * made (NULL) or set must not leave a document with a key missing.
 */
static void
jset(bool *badp, jw_t *o, const char *key, jw_t *v)
{
	if (jw_object_set_new(o, key, v) != 0)
		*badp = true;
}

static jw_t *
argv_json(const char **v, size_t n)
{
	jw_t *a;
	size_t i;

	if ((a = jw_array()) == NULL)
		return (NULL);
	for (i = 0; i < n; i++)
		if (jw_array_append_new(a, jw_masked(v[i])) != 0) {
			jw_decref(a);
			return (NULL);
		}
	return (a);
}

/* The names of kv as an object: new, or NULL when out of memory. */
static jw_t *
kv_json(const struct kv *kv, size_t n)
{
	jw_t *o;
	size_t i;
	bool bad;

	o = jw_object();
	bad = o == NULL;
	for (i = 0; o != NULL && i < n; i++)
		jset(&bad, o, kv[i].kv_key, jw_string(kv[i].kv_val));
	if (bad) {
		jw_decref(o);
		return (NULL);
	}
	return (o);
}

/* grub's loader with its defaults: root and the device map resolved. */
static jw_t *
grub_json(const struct vmrun_vm *vm)
{
	const struct loader *ld;
	const struct kv *map;
	struct pool *p;
	jw_t *o;
	size_t n;

	ld = vm->vm_loader;
	if ((p = pool_new()) == NULL)
		return (NULL);
	o = NULL;
	if (grub_map(vm, p, &map, &n))
		o = jw_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:o}", "type",
		    ld->ld_type, "root", grub_root(ld, map, n), "config",
		    jstr_or_null(ld->ld_config), "directory",
		    jstr_or_null(ld->ld_dir), "device_map", kv_json(map, n),
		    "commands", argv_json(ld->ld_cmds, ld->ld_ncmds),
		    "console", ld->ld_console, "loader",
		    jstr_or_null(ld->ld_loader));
	pool_free(p);
	return (o);
}

static jw_t *
loader_json(const struct vmrun_vm *vm)
{
	const struct loader *ld;
	jw_t *o, *env;

	if ((ld = vm->vm_loader) == NULL)
		return (jw_null());
	if (ld->ld_grub)
		return (grub_json(vm));
	if ((env = kv_json(ld->ld_env, ld->ld_nenv)) == NULL)
		return (NULL);
	/* jw_pack fails, releasing the others, when a value is NULL. */
	o = jw_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "type", ld->ld_type,
	    "disk", ld->ld_disk, "console", ld->ld_console, "env", env,
	    "host_dir", jstr_or_null(ld->ld_host_dir), "loader",
	    jstr_or_null(ld->ld_loader));
	return (o);
}

/* "tpm" with its defaults: the version, swtpm's state directory. */
static jw_t *
tpm_json(const struct vmrun_vm *vm)
{
	const struct tpm *tp;
	char buf[PATH_MAX];

	if ((tp = vm->vm_tpm) == NULL)
		return (jw_null());
	if (!tp->tp_swtpm)
		return (jw_pack("{s:s, s:s, s:s}", "type", "passthru",
		    "path", tp->tp_path, "version", "2.0"));
	return (jw_pack("{s:s, s:o, s:s}", "type", "swtpm", "state_dir",
	    jstr_or_null(tpm_state_dir(vm, buf, sizeof(buf))), "version",
	    "2.0"));
}

static jw_t *
devices_json(const struct vmrun_vm *vm)
{
	const struct pcient *pe;
	jw_t *a, *o, *g;
	size_t i;
	bool bad;

	if ((a = jw_array()) == NULL)
		return (NULL);
	bad = false;
	for (i = 0; i < vm->vm_npci; i++) {
		pe = &vm->vm_pci[i];
		if (pe->pe_dev != NULL && pe->pe_dev->dv_obj != NULL &&
		    pe->pe_dev->dv_type != &devtype_fbuf)
			o = jw_from_jv(pe->pe_dev->dv_obj);
		else
			o = jw_object();
		/* A raw device's text is an -s string: masked like one. */
		if (o != NULL && pe->pe_dev != NULL && pe->pe_dev->dv_type ==
		    &devtype_raw && jstr(pe->pe_dev->dv_obj, "value") != NULL)
			jset(&bad, o, "value",
			    jw_masked(jstr(pe->pe_dev->dv_obj, "value")));
		if (o == NULL) {
			jw_decref(a);
			return (NULL);
		}
		jset(&bad, o, "device", jw_string(pe->pe_name));
		jset(&bad, o, "slot", jw_string(vm->vm_pciaddr[i]));
		if (pe->pe_dev != NULL)
			jset(&bad, o, "source",
			    jw_string(pe->pe_dev->dv_path));
		if (pe->pe_dev != NULL && pe->pe_dev->dv_type ==
		    &devtype_fbuf) {
			/* graphic's own key is not the device's; show defaults. */
			if ((g = jw_from_jv(pe->pe_dev->dv_obj)) == NULL ||
			    jw_object_update(o, g) != 0)
				bad = true;
			jw_decref(g);
			jw_object_del(o, "xhci_table");
			if (jstr(pe->pe_dev->dv_obj, "password") != NULL &&
			    *jstr(pe->pe_dev->dv_obj, "password") != '\0')
				jset(&bad, o, "password", jw_string("*"));
			if (jw_object_get(o, "host") == NULL)
				jset(&bad, o, "host", jw_string("127.0.0.1"));
			if (jw_object_get(o, "port") == NULL)
				jset(&bad, o, "port", jw_integer(5900));
		}
		if (jw_array_append_new(a, o) != 0 || bad) {
			jw_decref(a);
			return (NULL);
		}
	}
	return (a);
}

/* design §12.3: {"VCPU": HOST} for the pinned vCPUs, or null. */
static jw_t *
pin_json(const struct vmrun_vm *vm)
{
	jw_t *o;
	char n[21];
	size_t i;
	bool bad;

	if (vm->vm_npin == 0)
		return (jw_null());
	if ((o = jw_object()) == NULL)
		return (NULL);
	bad = false;
	for (i = 0; i < vm->vm_npin; i++)
		if (vm->vm_pin[i] >= 0)
			jset(&bad, o, u64_str(i, n), jw_integer(vm->vm_pin[i]));
	if (bad) {
		jw_decref(o);
		return (NULL);
	}
	return (o);
}

/* The domains as bhyve gets them: id, size, cpus, policy. */
static jw_t *
domains_json(const struct vmrun_vm *vm, struct pool *p)
{
	const struct domain *dm;
	jw_t *a;
	size_t i;

	if ((a = jw_array()) == NULL)
		return (NULL);
	for (i = 0; i < vm->vm_ndomains; i++) {
		dm = &vm->vm_domains[i];
		if (jw_array_append_new(a, jw_pack("{s:i, s:s, s:s, s:o}",
		    "id", (int)i, "size", mem_str(p, dm->dm_size), "cpus",
		    dm->dm_cpus, "policy", jstr_or_null(dm->dm_policy))) != 0) {
			jw_decref(a);
			return (NULL);
		}
	}
	return (a);
}

char *
vmrun_vm_json(const struct vmrun_vm *vm)
{
	static const char *const coms[] = { "com1", "com2", "com3", "com4" };
	jw_t *o, *ro;
	struct pool *p;
	char *s;
	size_t i;
	bool bad;

	if (vm == NULL || (p = pool_new()) == NULL)
		return (NULL);
	bad = false;
	o = jw_object();
	ro = jw_array();
	if (o == NULL || ro == NULL) {
		jw_decref(o);
		jw_decref(ro);
		pool_free(p);
		return (NULL);
	}
	for (i = 0; i < 256; i++)
		if (vm->vm_reboot_on[i] && jw_array_append_new(ro,
		    jw_integer((long long)i)) != 0)
			bad = true;
	jset(&bad, o, "name", jw_string(vm->vm_name));
	jset(&bad, o, "target", jw_string(vm->vm_target));
	jset(&bad, o, "next_target",
	    jstr_or_null(vm->vm_next_target));
	jset(&bad, o, "cpu", jw_pack("{s:i, s:i, s:i, s:i, s:o}",
	    "cpus", (int)(vm->vm_sockets * vm->vm_cores * vm->vm_threads),
	    "sockets", (int)vm->vm_sockets, "cores", (int)vm->vm_cores,
	    "threads", (int)vm->vm_threads, "pin", pin_json(vm)));
	jset(&bad, o, "mem", jw_string(mem_str(p, vm->vm_mem)));
	jset(&bad, o, "bootrom", jstr_or_null(vm->vm_bootrom));
	jset(&bad, o, "varfile", jstr_or_null(vm->vm_varfile));
	jset(&bad, o, "varfile_template",
	    jstr_or_null(vm->vm_varfile_template));
	jset(&bad, o, "fwcfg", vm->vm_fwcfg == FWCFG_QEMU ?
	    jw_string("qemu") : vm->vm_fwcfg == FWCFG_BHYVE ?
	    jw_string("bhyve") : jw_null());
	jset(&bad, o, "loader", loader_json(vm));
	for (i = 0; i < VMRUN_NCOM; i++)
		jset(&bad, o, coms[i], jstr_or_null(vm->vm_com[i]));
	jset(&bad, o, "uuid", jstr_or_null(vm->vm_uuid));
	jset(&bad, o, "state_dir", jstr_or_null(vm->vm_state_dir));
	jset(&bad, o, "tpm", tpm_json(vm));
	jset(&bad, o, "gdb", jstr_or_null(vm->vm_gdb));
	jset(&bad, o, "generate_acpi", jw_boolean(vm->vm_acpi));
	jset(&bad, o, "power_off_destroy_vm",
	    jw_boolean(vm->vm_destroy));
	jset(&bad, o, "yield_on_hlt", jw_boolean(vm->vm_hlt));
	jset(&bad, o, "exit_on_pause", jw_boolean(vm->vm_pause));
	jset(&bad, o, "wire_guest_mem", jw_boolean(vm->vm_wire));
	jset(&bad, o, "force_msi", jw_boolean(vm->vm_msi));
	jset(&bad, o, "disable_mptable_gen",
	    jw_boolean(vm->vm_nomptable));
	jset(&bad, o, "utc_clock", jw_boolean(vm->vm_utc));
	jset(&bad, o, "ignore_unimplemented_msr",
	    jw_boolean(vm->vm_msr_ignore));
	jset(&bad, o, "x2apic", jw_boolean(vm->vm_x2apic));
	jset(&bad, o, "keyboard_layout", jstr_or_null(vm->vm_kbdlayout));
	jset(&bad, o, "domains", domains_json(vm, p));
	jset(&bad, o, "smbios", jv_is_obj(jv_get(vm->vm_top, "smbios")) ?
	    jw_from_jv(jv_get(vm->vm_top, "smbios")) : jw_null());
	jset(&bad, o, "extra_options", argv_json(vm->vm_extra,
	    vm->vm_nextra));
	jset(&bad, o, "post_start_script", argv_json(vm->vm_post,
	    vm->vm_npost));
	jset(&bad, o, "reboot_on", ro);
	jset(&bad, o, "max_reboots", vm->vm_max_reboots < 0 ?
	    jw_null() : jw_integer(vm->vm_max_reboots));
	jset(&bad, o, "restart_limit", jw_pack("{s:I, s:I, s:I}",
	    "count", (long long)vm->vm_rl_count, "seconds",
	    (long long)vm->vm_rl_seconds, "backoff",
	    (long long)vm->vm_rl_backoff));
	jset(&bad, o, "devices", devices_json(vm));
	s = bad ? NULL : jw_dumps(o, JW_INDENT(2));
	jw_decref(o);
	pool_free(p);
	return (s);
}

/*
 * vm_json: the resolved target as JSON, for "vmrun --debug": targets
 * merged, defaults filled in, every PCI device with its slot; the VNC
 * password written "*" (mask.c).
 */

#include <stdlib.h>
#include <string.h>

#include "vmrun_impl.h"

static json_t *
jstr_or_null(const char *s)
{
	return (s != NULL ? json_string(s) : json_null());
}

/*
 * json_object_set_new, remembering a failure: a value that could not be
 * made (NULL) or set must not leave a document with a key missing.
 */
static void
jset(bool *badp, json_t *o, const char *key, json_t *v)
{
	if (json_object_set_new(o, key, v) != 0)
		*badp = true;
}

static json_t *
argv_json(const char **v, size_t n)
{
	json_t *a;
	size_t i;

	if ((a = json_array()) == NULL)
		return (NULL);
	for (i = 0; i < n; i++)
		if (json_array_append_new(a, json_masked(v[i])) != 0) {
			json_decref(a);
			return (NULL);
		}
	return (a);
}

static json_t *
loader_json(const struct loader *ld)
{
	json_t *o, *env;
	size_t i;
	bool bad;

	if (ld == NULL)
		return (json_null());
	env = json_object();
	bad = env == NULL;
	for (i = 0; env != NULL && i < ld->ld_nenv; i++)
		jset(&bad, env, ld->ld_env[i].kv_key,
		    json_string(ld->ld_env[i].kv_val));
	if (bad) {
		json_decref(env);
		return (NULL);
	}
	/* json_pack fails, releasing the others, when a value is NULL. */
	o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "type", ld->ld_type,
	    "disk", ld->ld_disk, "console", ld->ld_console, "env", env,
	    "host_dir", jstr_or_null(ld->ld_host_dir), "loader",
	    jstr_or_null(ld->ld_loader));
	return (o);
}

static json_t *
devices_json(const struct vmrun_vm *vm)
{
	const struct pcient *pe;
	json_t *a, *o, *g;
	size_t i;
	bool bad;

	if ((a = json_array()) == NULL)
		return (NULL);
	bad = false;
	for (i = 0; i < vm->vm_npci; i++) {
		pe = &vm->vm_pci[i];
		if (pe->pe_dev != NULL && pe->pe_dev->dv_obj != NULL &&
		    pe->pe_dev->dv_type != &devtype_fbuf)
			o = jv_to_json(pe->pe_dev->dv_obj);
		else
			o = json_object();
		/* A raw device's text is an -s string: masked like one. */
		if (o != NULL && pe->pe_dev != NULL && pe->pe_dev->dv_type ==
		    &devtype_raw && jstr(pe->pe_dev->dv_obj, "value") != NULL)
			jset(&bad, o, "value",
			    json_masked(jstr(pe->pe_dev->dv_obj, "value")));
		if (o == NULL) {
			json_decref(a);
			return (NULL);
		}
		jset(&bad, o, "device", json_string(pe->pe_name));
		jset(&bad, o, "slot", json_string(vm->vm_pciaddr[i]));
		if (pe->pe_dev != NULL)
			jset(&bad, o, "source",
			    json_string(pe->pe_dev->dv_path));
		if (pe->pe_dev != NULL && pe->pe_dev->dv_type ==
		    &devtype_fbuf) {
			/* graphic's own key is not the device's; show defaults. */
			if ((g = jv_to_json(pe->pe_dev->dv_obj)) == NULL ||
			    json_object_update(o, g) != 0)
				bad = true;
			json_decref(g);
			json_object_del(o, "xhci_table");
			if (jstr(pe->pe_dev->dv_obj, "password") != NULL &&
			    *jstr(pe->pe_dev->dv_obj, "password") != '\0')
				jset(&bad, o, "password", json_string("*"));
			if (json_object_get(o, "host") == NULL)
				jset(&bad, o, "host", json_string("127.0.0.1"));
			if (json_object_get(o, "port") == NULL)
				jset(&bad, o, "port", json_integer(5900));
		}
		if (json_array_append_new(a, o) != 0 || bad) {
			json_decref(a);
			return (NULL);
		}
	}
	return (a);
}

char *
vmrun_vm_json(const struct vmrun_vm *vm)
{
	static const char *const coms[] = { "com1", "com2", "com3", "com4" };
	json_t *o, *ro;
	struct pool *p;
	char *s, *r;
	size_t i;
	bool bad;

	if (vm == NULL || (p = pool_new()) == NULL)
		return (NULL);
	bad = false;
	o = json_object();
	ro = json_array();
	if (o == NULL || ro == NULL) {
		json_decref(o);
		json_decref(ro);
		pool_free(p);
		return (NULL);
	}
	for (i = 0; i < 256; i++)
		if (vm->vm_reboot_on[i] && json_array_append_new(ro,
		    json_integer((json_int_t)i)) != 0)
			bad = true;
	jset(&bad, o, "name", json_string(vm->vm_name));
	jset(&bad, o, "target", json_string(vm->vm_target));
	jset(&bad, o, "next_target",
	    jstr_or_null(vm->vm_next_target));
	jset(&bad, o, "cpu", json_pack("{s:i, s:i, s:i, s:i}",
	    "cpus", (int)(vm->vm_sockets * vm->vm_cores * vm->vm_threads),
	    "sockets", (int)vm->vm_sockets, "cores", (int)vm->vm_cores,
	    "threads", (int)vm->vm_threads));
	jset(&bad, o, "mem", json_string(mem_str(p, vm->vm_mem)));
	jset(&bad, o, "bootrom", jstr_or_null(vm->vm_bootrom));
	jset(&bad, o, "varfile", jstr_or_null(vm->vm_varfile));
	jset(&bad, o, "varfile_template",
	    jstr_or_null(vm->vm_varfile_template));
	jset(&bad, o, "fwcfg", vm->vm_fwcfg == FWCFG_QEMU ?
	    json_string("qemu") : vm->vm_fwcfg == FWCFG_BHYVE ?
	    json_string("bhyve") : json_null());
	jset(&bad, o, "loader", loader_json(vm->vm_loader));
	for (i = 0; i < VMRUN_NCOM; i++)
		jset(&bad, o, coms[i], jstr_or_null(vm->vm_com[i]));
	jset(&bad, o, "uuid", jstr_or_null(vm->vm_uuid));
	jset(&bad, o, "gdb", jstr_or_null(vm->vm_gdb));
	jset(&bad, o, "generate_acpi", json_boolean(vm->vm_acpi));
	jset(&bad, o, "power_off_destroy_vm",
	    json_boolean(vm->vm_destroy));
	jset(&bad, o, "yield_on_hlt", json_boolean(vm->vm_hlt));
	jset(&bad, o, "exit_on_pause", json_boolean(vm->vm_pause));
	jset(&bad, o, "wire_guest_mem", json_boolean(vm->vm_wire));
	jset(&bad, o, "force_msi", json_boolean(vm->vm_msi));
	jset(&bad, o, "disable_mptable_gen",
	    json_boolean(vm->vm_nomptable));
	jset(&bad, o, "utc_clock", json_boolean(vm->vm_utc));
	jset(&bad, o, "extra_options", argv_json(vm->vm_extra,
	    vm->vm_nextra));
	jset(&bad, o, "post_start_script", argv_json(vm->vm_post,
	    vm->vm_npost));
	jset(&bad, o, "reboot_on", ro);
	jset(&bad, o, "max_reboots", vm->vm_max_reboots < 0 ?
	    json_null() : json_integer(vm->vm_max_reboots));
	jset(&bad, o, "restart_limit", json_pack("{s:I, s:I, s:I}",
	    "count", (json_int_t)vm->vm_rl_count, "seconds",
	    (json_int_t)vm->vm_rl_seconds, "backoff",
	    (json_int_t)vm->vm_rl_backoff));
	jset(&bad, o, "devices", devices_json(vm));
	s = bad ? NULL : json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	pool_free(p);
	if (s == NULL)
		return (NULL);
	r = xstrdup(s);
	free(s);
	return (r);
}

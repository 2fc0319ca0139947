/*
 * vm_json: the resolved target as JSON, for "vmrun --debug": targets
 * merged, defaults filled in, every PCI device with its slot.
 */

#include <stdlib.h>
#include <string.h>

#include "vmrun_impl.h"

static json_t *
jstr_or_null(const char *s)
{
	return (s != NULL ? json_string(s) : json_null());
}

static json_t *
argv_json(const char **v, size_t n)
{
	json_t *a;
	size_t i;

	if ((a = json_array()) == NULL)
		return (NULL);
	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return (a);
}

static json_t *
loader_json(const struct loader *ld)
{
	json_t *o, *env;
	size_t i;

	if (ld == NULL)
		return (json_null());
	env = json_object();
	for (i = 0; env != NULL && i < ld->ld_nenv; i++)
		json_object_set_new(env, ld->ld_env[i].kv_key,
		    json_string(ld->ld_env[i].kv_val));
	o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "type", ld->ld_type,
	    "disk", ld->ld_disk, "console", ld->ld_console, "env",
	    env != NULL ? env : json_null(), "host_dir",
	    jstr_or_null(ld->ld_host_dir), "loader",
	    jstr_or_null(ld->ld_loader));
	return (o);
}

static json_t *
devices_json(const struct vmrun_vm *vm)
{
	const struct pcient *pe;
	json_t *a, *o;
	size_t i;

	if ((a = json_array()) == NULL)
		return (NULL);
	for (i = 0; i < vm->vm_npci; i++) {
		pe = &vm->vm_pci[i];
		if (pe->pe_dev != NULL && pe->pe_dev->dv_obj != NULL &&
		    pe->pe_dev->dv_type != &devtype_fbuf)
			o = json_deep_copy(pe->pe_dev->dv_obj);
		else
			o = json_object();
		if (o == NULL)
			continue;
		json_object_set_new(o, "device", json_string(pe->pe_name));
		json_object_set_new(o, "slot", json_string(vm->vm_pciaddr[i]));
		if (pe->pe_dev != NULL)
			json_object_set_new(o, "source",
			    json_string(pe->pe_dev->dv_path));
		if (pe->pe_dev != NULL && pe->pe_dev->dv_type == &devtype_fbuf)
			json_object_update(o, pe->pe_dev->dv_obj);
		json_array_append_new(a, o);
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

	if (vm == NULL || (p = pool_new()) == NULL)
		return (NULL);
	o = json_object();
	ro = json_array();
	if (o == NULL || ro == NULL) {
		json_decref(o);
		json_decref(ro);
		pool_free(p);
		return (NULL);
	}
	for (i = 0; i < 256; i++)
		if (vm->vm_reboot_on[i])
			json_array_append_new(ro, json_integer((json_int_t)i));
	json_object_set_new(o, "name", json_string(vm->vm_name));
	json_object_set_new(o, "target", json_string(vm->vm_target));
	json_object_set_new(o, "next_target",
	    jstr_or_null(vm->vm_next_target));
	json_object_set_new(o, "cpu", json_pack("{s:i, s:i, s:i, s:i}",
	    "cpus", (int)(vm->vm_sockets * vm->vm_cores * vm->vm_threads),
	    "sockets", (int)vm->vm_sockets, "cores", (int)vm->vm_cores,
	    "threads", (int)vm->vm_threads));
	json_object_set_new(o, "mem", json_string(mem_str(p, vm->vm_mem)));
	json_object_set_new(o, "bootrom", jstr_or_null(vm->vm_bootrom));
	json_object_set_new(o, "varfile", jstr_or_null(vm->vm_varfile));
	json_object_set_new(o, "varfile_template",
	    jstr_or_null(vm->vm_varfile_template));
	json_object_set_new(o, "fwcfg", vm->vm_fwcfg == FWCFG_QEMU ?
	    json_string("qemu") : vm->vm_fwcfg == FWCFG_BHYVE ?
	    json_string("bhyve") : json_null());
	json_object_set_new(o, "loader", loader_json(vm->vm_loader));
	for (i = 0; i < VMRUN_NCOM; i++)
		json_object_set_new(o, coms[i], jstr_or_null(vm->vm_com[i]));
	json_object_set_new(o, "uuid", jstr_or_null(vm->vm_uuid));
	json_object_set_new(o, "gdb", jstr_or_null(vm->vm_gdb));
	json_object_set_new(o, "generate_acpi", json_boolean(vm->vm_acpi));
	json_object_set_new(o, "power_off_destroy_vm",
	    json_boolean(vm->vm_destroy));
	json_object_set_new(o, "yield_on_hlt", json_boolean(vm->vm_hlt));
	json_object_set_new(o, "exit_on_pause", json_boolean(vm->vm_pause));
	json_object_set_new(o, "wire_guest_mem", json_boolean(vm->vm_wire));
	json_object_set_new(o, "force_msi", json_boolean(vm->vm_msi));
	json_object_set_new(o, "disable_mptable_gen",
	    json_boolean(vm->vm_nomptable));
	json_object_set_new(o, "utc_clock", json_boolean(vm->vm_utc));
	json_object_set_new(o, "extra_options", argv_json(vm->vm_extra,
	    vm->vm_nextra));
	json_object_set_new(o, "post_start_script", argv_json(vm->vm_post,
	    vm->vm_npost));
	json_object_set_new(o, "reboot_on", ro);
	json_object_set_new(o, "max_reboots", vm->vm_max_reboots < 0 ?
	    json_null() : json_integer(vm->vm_max_reboots));
	json_object_set_new(o, "restart_limit", json_pack("{s:I, s:I}",
	    "count", (json_int_t)vm->vm_rl_count, "seconds",
	    (json_int_t)vm->vm_rl_seconds));
	json_object_set_new(o, "devices", devices_json(vm));
	s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	pool_free(p);
	if (s == NULL)
		return (NULL);
	r = xstrdup(s);
	free(s);
	return (r);
}

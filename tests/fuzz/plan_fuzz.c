/*
 * plan_fuzz: libFuzzer over the whole plan path.  The input is a
 * configuration: it is loaded (read, validated, every target resolved,
 * slots assigned), and every target is rendered every way vmrun renders
 * it -- bhyve and bhyveload argv, bhyve_config, the --json document --
 * with the diagnostics as JSON.  A finding is a crash, a sanitizer report
 * or a leak; each one found becomes a case in tests/data.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "vmrun.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
render(const struct vmrun_vm *vm, struct vmrun_diags *ds)
{
	static const char *const extra[] = { "-S", NULL };
	char **av, *s;

	if (vmrun_vm_bhyve_argv(vm, NULL, extra, ds, &av) == VMRUN_OK)
		vmrun_argv_free(av);
	if (vmrun_vm_loader_argv(vm, NULL, &av) == VMRUN_OK)
		vmrun_argv_free(av);
	s = NULL;
	if (vmrun_vm_bhyve_config(vm, ds, &s) == VMRUN_OK)
		free(s);
	free(vmrun_vm_json(vm));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmrun_diags *ds;
	struct vmrun_config *cf;
	const struct vmrun_vm *vm;
	size_t i;

	if ((ds = vmrun_diags_new()) == NULL)
		return (0);
	if (vmrun_config_load(data, size, ds, &cf) == VMRUN_OK) {
		for (i = 0; i < vmrun_config_ntargets(cf); i++)
			if (vmrun_config_resolve(cf, vmrun_config_target(cf,
			    i), &vm) == VMRUN_OK)
				render(vm, ds);
		vmrun_config_free(cf);
	}
	free(vmrun_diags_json(ds, "fuzz"));
	vmrun_diags_free(ds);
	return (0);
}

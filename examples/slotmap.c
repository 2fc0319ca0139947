/*
 * slotmap: print the PCI slot map of every target of a vmrun
 * configuration, using only the public libvmrun header.
 *
 *	usage: slotmap vm.json
 */

#include <stdio.h>
#include <stdlib.h>

#include <vmrun.h>

int
main(int argc, char *argv[])
{
	struct vmrun_diags *ds;
	struct vmrun_config *cf;
	const struct vmrun_vm *vm;
	const struct vmrun_diag *d;
	enum vmrun_status st;
	const char *id;
	size_t i, t;

	if (argc != 2) {
		fprintf(stderr, "usage: slotmap vm.json\n");
		return (64);
	}
	if ((ds = vmrun_diags_new()) == NULL)
		return (71);
	st = vmrun_config_load_file(argv[1], ds, &cf);
	if (st != VMRUN_OK) {
		for (i = 0; i < vmrun_diags_count(ds); i++) {
			d = vmrun_diags_get(ds, i);
			fprintf(stderr, "slotmap: %s: %s: %s\n", argv[1],
			    vmrun_diag_path(d), vmrun_diag_message(d));
		}
		fprintf(stderr, "slotmap: %s\n", vmrun_strstatus(st));
		vmrun_diags_free(ds);
		return (st == VMRUN_ERR_IO ? 66 : 65);
	}
	for (t = 0; t < vmrun_config_ntargets(cf); t++) {
		if (vmrun_config_resolve(cf, vmrun_config_target(cf, t),
		    &vm) != VMRUN_OK)
			continue;
		printf("%s:\n", vmrun_vm_target(vm));
		for (i = 0; i < vmrun_vm_nslots(vm); i++) {
			id = vmrun_vm_slot_id(vm, i);
			printf("  %-9s %s%s%s\n", vmrun_vm_slot_addr(vm, i),
			    vmrun_vm_slot_device(vm, i), id != NULL ? " id=" :
			    "", id != NULL ? id : "");
		}
	}
	vmrun_config_free(cf);
	vmrun_diags_free(ds);
	return (0);
}

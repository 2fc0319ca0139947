/*
 * vm: the public face of the plan path -- loading a configuration with
 * all its targets, resolving one, and reading the result.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmrun_impl.h"

const char *
vmrun_version(void)
{
	return (VMRUN_VERSION);
}

const char *
vmrun_strstatus(enum vmrun_status st)
{
	static const char *const words[] = {
		"success", "out of memory", "cannot read the configuration",
		"syntax error", "invalid configuration", "no such target",
		"not expressible", "the host cannot answer",
		"invalid argument", "the VM is not running",
		"the VM is stopping"
	};

	if ((size_t)st >= sizeof(words) / sizeof(words[0]))
		return ("unknown status");
	return (words[st]);
}

void
vmrun_config_free(struct vmrun_config *cf)
{
	size_t i;

	if (cf == NULL)
		return;
	vm_free(cf->cf_base);
	for (i = 0; i < cf->cf_ntargets; i++)
		vm_free(cf->cf_targets[i]);
	pool_free(cf->cf_pool);
	xfree(cf);
}

/*
 * Diagnostics are grouped by what they concern (design §6): the device
 * whose path a diagnostic's path starts with, found by hash -- the first
 * such device of the base, then of each target.
 */
struct groups {
	struct vmrun_config *g_cf;
	struct hmap	 g_devs;	/* struct dev, by dv_path */
	bool		 g_nomem;
};

struct pathpart {
	const char	*pp_s;
	size_t		 pp_n;
};

static bool
dev_at(const void *val, const void *arg)
{
	const struct dev *d = val;
	const struct pathpart *pp = arg;

	return (strncmp(d->dv_path, pp->pp_s, pp->pp_n) == 0 &&
	    d->dv_path[pp->pp_n] == '\0');
}

static void
groups_add(struct groups *gs, struct vmrun_vm *vm)
{
	struct pathpart pp;
	struct dev *d;
	uint32_t h;
	size_t i;

	for (i = 0; vm != NULL && i < vm->vm_ndevs; i++) {
		d = &vm->vm_devs[i];
		pp.pp_s = d->dv_path;
		pp.pp_n = strlen(d->dv_path);
		h = hash_more(0, pp.pp_s, pp.pp_n);
		if (hmap_find(&gs->g_devs, h, dev_at, &pp) == NULL &&
		    !hmap_add(&gs->g_devs, h, d))
			gs->g_nomem = true;
	}
}

/* The group of the device path lies under, or NULL. */
static const char *
group_in(struct groups *gs, const char *path)
{
	struct pathpart pp;
	const struct dev *d;
	size_t n;

	pp.pp_s = path;
	for (n = 1; ; n++) {
		if (path[n] != '\0' && path[n] != '.' && path[n] != '[')
			continue;
		pp.pp_n = n;
		if ((d = hmap_find(&gs->g_devs, hash_more(0, path, n), dev_at,
		    &pp)) != NULL)
			return (dev_group(d, gs->g_cf->cf_pool));
		if (path[n] == '\0')
			return (NULL);
	}
}

static const char *
group_of(void *arg, const char *path)
{
	static const char *const lpckeys[] = { "com1", "com2", "com3",
	    "com4", "bootrom", "varfile", "varfile_template", "fwcfg" };
	struct groups *gs;
	struct vmrun_config *cf;
	const char *g, *key;
	size_t i;

	gs = arg;
	cf = gs->g_cf;
	if (*path != '\0' && (g = group_in(gs, path)) != NULL)
		return (g);
	/* "KEY" or "targets.T.KEY" */
	key = path;
	if (strncmp(path, "targets.", 8) == 0) {
		if ((key = strchr(path + 8, '.')) == NULL)
			return (NULL);
		key++;
	}
	for (i = 0; i < sizeof(lpckeys) / sizeof(lpckeys[0]); i++) {
		if (strncmp(key, lpckeys[i], strlen(lpckeys[i])) != 0 ||
		    (key[strlen(lpckeys[i])] != '\0' &&
		    key[strlen(lpckeys[i])] != '.'))
			continue;
		return (i < 4 ? pool_printf(cf->cf_pool, "lpc %s", lpckeys[i]) :
		    "lpc bootrom");
	}
	return (NULL);
}

static bool
slotmap_build(struct vmrun_vm *vm)
{
	size_t i;

	if ((vm->vm_pci = pci_list(vm, vm->vm_pool, &vm->vm_npci)) == NULL)
		return (false);
	vm->vm_pciaddr = pool_alloc(vm->vm_pool, (vm->vm_npci + 1) *
	    sizeof(*vm->vm_pciaddr));
	if (vm->vm_pciaddr == NULL)
		return (false);
	for (i = 0; i < vm->vm_npci; i++)
		if ((vm->vm_pciaddr[i] = slot_str(vm->vm_pool,
		    &vm->vm_pci[i].pe_slot)) == NULL)
			return (false);
	return (true);
}

/* Target names: ^[A-Za-z0-9_-]{1,64}$ (design §3). */
static bool
tname_ok(const char *s)
{
	size_t n;

	n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_-");
	return (n > 0 && n <= 64 && s[n] == '\0');
}

static enum vmrun_status
config_resolve_all(struct vctx *vc, struct vmrun_config *cf)
{
	jv_t *targets, *ov;
	const char *name;
	size_t n, j;

	if ((cf->cf_base = target_resolve(vc, cf->cf_root, NULL, NULL)) == NULL)
		return (VMRUN_ERR_NOMEM);
	targets = jv_get(cf->cf_root, "targets");
	if (!jv_is_obj(targets))
		return (VMRUN_OK);
	n = jv_size(targets);
	cf->cf_targets = pool_alloc(cf->cf_pool, (n + 1) *
	    sizeof(*cf->cf_targets));
	cf->cf_tnames = pool_alloc(cf->cf_pool, (n + 1) *
	    sizeof(*cf->cf_tnames));
	if (cf->cf_targets == NULL || cf->cf_tnames == NULL)
		return (VMRUN_ERR_NOMEM);
	jv_object_foreach(targets, j, name, ov) {
		if (!tname_ok(name)) {
			verr(vc, "bad-name", vpath(vc, "targets", name),
			    "\"%s\" is not a valid target name: use 1 to 64 "
			    "letters, digits, '_' or '-'", name);
			continue;
		}
		if (!jv_is_obj(ov)) {
			verr(vc, "wrong-type", vpath(vc, "targets", name),
			    "expected an object, not %s", jv_type_word(ov));
			continue;
		}
		cf->cf_tnames[cf->cf_ntargets] = name;
		cf->cf_targets[cf->cf_ntargets] = target_resolve(vc,
		    cf->cf_root, name, cf->cf_base);
		if (cf->cf_targets[cf->cf_ntargets++] == NULL)
			return (VMRUN_ERR_NOMEM);
	}
	return (VMRUN_OK);
}

enum vmrun_status
vmrun_config_load(const void *buf, size_t len, struct vmrun_diags *ds,
    struct vmrun_config **cfp)
{
	struct vmrun_config *cf;
	struct groups gs;
	struct vctx vc;
	enum vmrun_status st;
	unsigned long nfailed;
	size_t first, i;
	bool ctl;

	if (cfp == NULL)
		return (VMRUN_ERR_ARG);
	*cfp = NULL;
	if (ds == NULL || (buf == NULL && len > 0))
		return (VMRUN_ERR_ARG);
	first = vmrun_diags_count(ds);
	nfailed = alloc_failures();
	if ((cf = xcalloc(1, sizeof(*cf))) == NULL)
		return (VMRUN_ERR_NOMEM);
	if ((cf->cf_pool = pool_new()) == NULL) {
		xfree(cf);
		return (VMRUN_ERR_NOMEM);
	}
	if ((st = load_json(buf == NULL ? "" : buf, len, cf->cf_pool, ds,
	    &cf->cf_root, &ctl)) != VMRUN_OK) {
		vmrun_config_free(cf);
		return (st);
	}
	memset(&vc, 0, sizeof(vc));
	vc.vc_diags = ds;
	vc.vc_pool = cf->cf_pool;
	vc.vc_clean = !ctl;
	if (ctl)
		scan_strings(&vc, cf->cf_root, "", 0);
	st = config_resolve_all(&vc, cf);
	if (st == VMRUN_OK) {
		target_check_next(&vc, cf);
		slots_assign(&vc, cf);
		if (cf->cf_base != NULL && !slotmap_build(cf->cf_base))
			st = VMRUN_ERR_NOMEM;
		for (i = 0; i < cf->cf_ntargets && st == VMRUN_OK; i++)
			if (!slotmap_build(cf->cf_targets[i]))
				st = VMRUN_ERR_NOMEM;
		memset(&gs, 0, sizeof(gs));
		gs.g_cf = cf;
		if (vmrun_diags_count(ds) > first) {
			groups_add(&gs, cf->cf_base);
			for (i = 0; i < cf->cf_ntargets; i++)
				groups_add(&gs, cf->cf_targets[i]);
		}
		if (gs.g_nomem)
			st = VMRUN_ERR_NOMEM;
		else
			diag_set_group(ds, first, group_of, &gs);
		hmap_free(&gs.g_devs);
	}
	/*
	 * Any allocation that failed on the way -- also one whose caller
	 * carried on with a default -- may have left the model incomplete.
	 */
	if (st == VMRUN_OK && (vc.vc_nomem || diags_nomem(ds) ||
	    alloc_failures() != nfailed))
		st = VMRUN_ERR_NOMEM;
	if (st == VMRUN_OK && vmrun_diags_errors(ds) > 0)
		st = VMRUN_ERR_INVALID;
	if (st != VMRUN_OK) {
		vmrun_config_free(cf);
		return (st);
	}
	*cfp = cf;
	return (VMRUN_OK);
}

enum vmrun_status
vmrun_config_load_file(const char *path, struct vmrun_diags *ds,
    struct vmrun_config **cfp)
{
	enum vmrun_status st;
	struct stat sb;
	char *buf, *nb;
	size_t len, cap;
	ssize_t n;
	int fd;

	if (cfp == NULL)
		return (VMRUN_ERR_ARG);
	*cfp = NULL;
	if (path == NULL || ds == NULL)
		return (VMRUN_ERR_ARG);
	/* The messages name the file: the caller may have loaded several. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		diag_add(ds, VMRUN_ERROR, "cannot-read", "", NULL, "%s: %s",
		    path, strerror(errno));
		return (VMRUN_ERR_IO);
	}
	/* A file says its size: refused without being read. */
	cap = 8192;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
		if (sb.st_size > VMRUN_MAX_INPUT) {
			diag_add(ds, VMRUN_ERROR, "too-large", "", NULL,
			    "configuration is %lld bytes; the limit is %d "
			    "(1 MiB)", (long long)sb.st_size,
			    VMRUN_MAX_INPUT);
			close(fd);
			return (VMRUN_ERR_SYNTAX);
		}
		/* Room for it all and one more: one read, then the end. */
		cap = (size_t)sb.st_size + 1;
	}
	buf = NULL;
	len = 0;
	st = VMRUN_OK;
	/* Read at most one byte past the limit: enough to refuse it. */
	while (len <= VMRUN_MAX_INPUT) {
		if (buf == NULL || len == cap) {
			if (buf != NULL)
				cap *= 2;
			if ((nb = xrealloc(buf, cap)) == NULL) {
				st = VMRUN_ERR_NOMEM;
				break;
			}
			buf = nb;
		}
		if ((n = read(fd, buf + len, cap - len)) == -1) {
			if (errno == EINTR)
				continue;
			diag_add(ds, VMRUN_ERROR, "cannot-read", "", NULL,
			    "%s: %s", path, strerror(errno));
			st = VMRUN_ERR_IO;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (st == VMRUN_OK && len > VMRUN_MAX_INPUT) {
		/* A pipe's size is unknown: reading stopped past the limit. */
		diag_add(ds, VMRUN_ERROR, "too-large", "", NULL,
		    "configuration is more than %d bytes (1 MiB), the limit",
		    VMRUN_MAX_INPUT);
		st = VMRUN_ERR_SYNTAX;
	} else if (st == VMRUN_OK)
		st = vmrun_config_load(buf, len, ds, cfp);
	xfree(buf);
	return (st);
}

const char *
vmrun_config_name(const struct vmrun_config *cf)
{
	return (cf == NULL || cf->cf_base == NULL ? NULL :
	    cf->cf_base->vm_name);
}

static bool
has_default_target(const struct vmrun_config *cf)
{
	size_t i;

	for (i = 0; i < cf->cf_ntargets; i++)
		if (strcmp(cf->cf_tnames[i], "default") == 0)
			return (true);
	return (false);
}

size_t
vmrun_config_ntargets(const struct vmrun_config *cf)
{
	if (cf == NULL)
		return (0);
	return (cf->cf_ntargets + (has_default_target(cf) ? 0 : 1));
}

const char *
vmrun_config_target(const struct vmrun_config *cf, size_t i)
{
	size_t j;

	if (cf == NULL || i >= vmrun_config_ntargets(cf))
		return (NULL);
	if (i == 0)
		return ("default");
	for (j = 0; j < cf->cf_ntargets; j++) {
		if (strcmp(cf->cf_tnames[j], "default") == 0)
			continue;
		if (--i == 0)
			return (cf->cf_tnames[j]);
	}
	return (NULL);
}

enum vmrun_status
vmrun_config_resolve(const struct vmrun_config *cf, const char *target,
    const struct vmrun_vm **vmp)
{
	size_t i;

	if (vmp == NULL)
		return (VMRUN_ERR_ARG);
	*vmp = NULL;
	if (cf == NULL)
		return (VMRUN_ERR_ARG);
	if (target == NULL)
		target = "default";
	for (i = 0; i < cf->cf_ntargets; i++)
		if (strcmp(cf->cf_tnames[i], target) == 0) {
			*vmp = cf->cf_targets[i];
			return (VMRUN_OK);
		}
	if (strcmp(target, "default") == 0) {
		*vmp = cf->cf_base;
		return (VMRUN_OK);
	}
	return (VMRUN_ERR_NOTARGET);
}

const char *
vmrun_vm_name(const struct vmrun_vm *vm)
{
	return (vm == NULL ? NULL : vm->vm_name);
}

const char *
vmrun_vm_target(const struct vmrun_vm *vm)
{
	return (vm == NULL ? NULL : vm->vm_target);
}

const char *
vmrun_vm_next_target(const struct vmrun_vm *vm)
{
	return (vm == NULL ? NULL : vm->vm_next_target);
}

int
vmrun_vm_capture(const struct vmrun_vm *vm)
{
	return (vm == NULL || vm->vm_capture < 0 ? 0 : vm->vm_capture + 1);
}

size_t
vmrun_vm_nslots(const struct vmrun_vm *vm)
{
	return (vm == NULL ? 0 : vm->vm_npci);
}

const char *
vmrun_vm_slot_addr(const struct vmrun_vm *vm, size_t i)
{
	return (vm == NULL || i >= vm->vm_npci ? NULL : vm->vm_pciaddr[i]);
}

const char *
vmrun_vm_slot_device(const struct vmrun_vm *vm, size_t i)
{
	return (vm == NULL || i >= vm->vm_npci ? NULL :
	    vm->vm_pci[i].pe_name);
}

const char *
vmrun_vm_slot_id(const struct vmrun_vm *vm, size_t i)
{
	if (vm == NULL || i >= vm->vm_npci || vm->vm_pci[i].pe_dev == NULL)
		return (NULL);
	return (vm->vm_pci[i].pe_dev->dv_id);
}

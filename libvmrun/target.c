/*
 * target: resolve a target by applying its overlay to the base
 * configuration (design §3).  Each target starts from the base, never
 * from another target.
 */

#include <string.h>

#include "vmrun_impl.h"

/* Keys a target may not set: they identify the VM or fix its layout. */
const char *const target_fixed_keys[] = {
	"name", "targets", "uuid", "hostbridge", "lpc_slot", "state_dir", NULL
};

/* Is key one a target may not set? */
bool
target_is_fixed(const char *key)
{
	size_t i;

	for (i = 0; target_fixed_keys[i] != NULL; i++)
		if (strcmp(target_fixed_keys[i], key) == 0)
			return (true);
	return (false);
}

static const char *
dev_id(jv_t *d)
{
	return (jv_is_obj(d) ? jstr(d, "id") : NULL);
}

/* Does the overlay's remove list name id? */
static bool
removes(jv_t *rm, const char *id)
{
	jv_t *e;
	size_t i;

	jv_array_foreach(rm, i, e)
		if (jv_is_str(e) && strcmp(jv_str(e), id) == 0)
			return (true);
	return (false);
}

static void
check_remove(struct vctx *vc, jv_t *rm, jv_t *bemu, bool seed,
    const char *path)
{
	jv_t *e, *d;
	size_t i, j;
	bool found;

	if (!jv_is_arr(rm)) {
		verr(vc, "wrong-type", path, "expected an array of device ids, "
		    "not %s", jv_type_word(rm));
		return;
	}
	jv_array_foreach(rm, i, e) {
		if (!jv_is_str(e)) {
			verr(vc, "wrong-type", vpathi(vc, path, i), "expected "
			    "a device id (a string), not %s",
			    jv_type_word(e));
			continue;
		}
		/* The seed is a device of the configuration too (§12.6). */
		found = seed && strcmp(jv_str(e), SEED_ID) == 0;
		jv_array_foreach(bemu, j, d)
			if (dev_id(d) != NULL &&
			    strcmp(dev_id(d), jv_str(e)) == 0)
				found = true;
		if (!found)
			verr(vc, "unknown-id", vpathi(vc, path, i), "no device "
			    "of the base configuration has id \"%s\"",
			    jv_str(e));
	}
}

/*
 * Resolve target tname (NULL: the base configuration) of root; base is
 * the base's model once built.  Returns
 * the model, or NULL when out of memory.
 */
struct vmrun_vm *
target_resolve(struct vctx *vc, jv_t *root, const char *tname,
    const struct vmrun_vm *base)
{
	struct devsrc *srcs;
	jv_t *top, *overlay, *settable, *bemu, *oemu, *rm, *v, *d;
	const char *key, *tpath, *id;
	size_t i, j, n, nb, no;
	bool *used;

	overlay = tname != NULL ? jv_get(jv_get(root, "targets"), tname) :
	    NULL;
	if ((top = jv_obj_new(vc->vc_pool, jv_size(root) +
	    jv_size(overlay))) == NULL)
		return (NULL);
	jv_object_foreach(root, i, key, v)
		if (tname == NULL || (strcmp(key, "targets") != 0 &&
		    strcmp(key, "emulations") != 0))
			(void)jv_obj_add(top, root, i);
	tpath = NULL;
	bemu = jv_get(root, "emulations");
	if (!jv_is_arr(bemu))
		bemu = NULL;
	oemu = rm = NULL;
	if (tname != NULL) {
		tpath = vpath(vc, "targets", tname);
		jv_object_foreach(overlay, i, key, v) {
			if (target_is_fixed(key)) {
				verr(vc, "not-in-target", vpath(vc, tpath, key),
				    "a target cannot change \"%s\"", key);
				continue;
			}
			if (strcmp(key, "remove") == 0 ||
			    strcmp(key, "emulations") == 0)
				continue;
			/*
			 * null removes a key; an unknown key set to null
			 * stays, so the check reports it with the rest.
			 */
			if (jv_is_null(v) && schema_find(top_keys, key) !=
			    NULL) {
				/* Keep the base value: one error, not two. */
				if (strcmp(key, "cpu") == 0 ||
				    strcmp(key, "mem") == 0)
					verr(vc, "required", vpath(vc, tpath,
					    key), "\"%s\" is required and "
					    "cannot be removed", key);
				else
					jv_obj_del(top, key);
				continue;
			}
			(void)jv_obj_set(top, key, v);
		}
		/* next_target is the one key a target does not inherit. */
		if (jv_get(overlay, "next_target") == NULL)
			jv_obj_del(top, "next_target");
		oemu = jv_get(overlay, "emulations");
		if (oemu != NULL && !jv_is_arr(oemu)) {
			verr(vc, "wrong-type", vpath(vc, tpath, "emulations"),
			    "expected an array, not %s", jv_type_word(oemu));
			oemu = NULL;
		}
		rm = jv_get(overlay, "remove");
		if (rm != NULL) {
			check_remove(vc, rm, bemu, jv_is_obj(jv_get(top,
			    "cloud_init")), vpath(vc, tpath, "remove"));
			if (!jv_is_arr(rm))
				rm = NULL;
		}
	}

	nb = jv_size(bemu);
	no = jv_size(oemu);
	srcs = pool_alloc(vc->vc_pool, (nb + no + 1) * sizeof(*srcs));
	used = pool_alloc(vc->vc_pool, (no + 1) * sizeof(*used));
	if (srcs == NULL || used == NULL)
		return (NULL);
	n = 0;
	for (i = 0; i < nb; i++) {
		d = jv_at(bemu, i);
		srcs[n].ds_obj = d;
		srcs[n].ds_path = vpathi(vc, "emulations", i);
		srcs[n].ds_origin = DO_BASE;
		srcs[n].ds_baseidx = (int)i;
		id = dev_id(d);
		if (id != NULL && rm != NULL && removes(rm, id)) {
			for (j = 0; j < no; j++)
				if (dev_id(jv_at(oemu, j)) != NULL &&
				    strcmp(dev_id(jv_at(oemu, j)),
				    id) == 0) {
					verr(vc, "conflict", vpathi(vc,
					    vpath(vc, tpath, "emulations"), j),
					    "this target both removes and "
					    "replaces device \"%s\"", id);
					used[j] = true;
				}
			continue;
		}
		for (j = 0; id != NULL && j < no; j++) {
			if (used[j] || dev_id(jv_at(oemu, j)) ==
			    NULL || strcmp(dev_id(jv_at(oemu, j)),
			    id) != 0)
				continue;
			/* Replaced in place: it keeps the base slot. */
			srcs[n].ds_obj = jv_at(oemu, j);
			srcs[n].ds_path = vpathi(vc, vpath(vc, tpath,
			    "emulations"), j);
			used[j] = true;
			break;
		}
		n++;
	}
	for (j = 0; j < no; j++) {
		if (used[j])
			continue;
		srcs[n].ds_obj = jv_at(oemu, j);
		srcs[n].ds_path = vpathi(vc, vpath(vc, tpath, "emulations"),
		    j);
		srcs[n].ds_origin = DO_TARGET;
		srcs[n].ds_baseidx = -1;
		n++;
	}
	/*
	 * The keys a target may not set keep their base values; report
	 * problems with those under the base path, not the target's.
	 */
	if (overlay != NULL) {
		if ((settable = jv_obj_new(vc->vc_pool, jv_size(overlay))) ==
		    NULL)
			return (NULL);
		jv_object_foreach(overlay, i, key, v)
			if (!target_is_fixed(key))
				(void)jv_obj_add(settable, overlay, i);
		overlay = settable;
	}
	return (config_build(vc, top, overlay, tname, srcs, n, base));
}

/* next_target must name a target that exists (design §3). */
void
target_check_next(struct vctx *vc, struct vmrun_config *cf)
{
	const char *nt, *path;
	size_t i, j;
	bool found;
	struct vmrun_vm *vm;

	for (i = 0; i <= cf->cf_ntargets; i++) {
		vm = i == 0 ? cf->cf_base : cf->cf_targets[i - 1];
		if (vm == NULL || (nt = vm->vm_next_target) == NULL)
			continue;
		found = strcmp(nt, "default") == 0;
		for (j = 0; j < cf->cf_ntargets && !found; j++)
			found = strcmp(cf->cf_tnames[j], nt) == 0;
		if (found)
			continue;
		path = i == 0 ? "next_target" : vpath(vc, vpath(vc, "targets",
		    cf->cf_tnames[i - 1]), "next_target");
		verr(vc, "unknown-target", path, "no target is named \"%s\"",
		    nt);
	}
}

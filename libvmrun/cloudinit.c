/*
 * cloudinit: the "cloud_init" key (design §12.6) -- a NoCloud seed the
 * VM gets as a read-only CD: its texts checked, the model's seed built
 * with the paths under the state directory, the seed's device made (id
 * "cloud-init", after the base and graphic devices, before a target's),
 * and the text of its meta-data.  Writing the files and running makefs
 * is the supervisor's (seed.c).
 */

#include <stdio.h>
#include <string.h>

#include "vmrun_impl.h"

/* A text given as a file: {"file": PATH}. */
const struct key cloud_file_keys[] = {
	{ "file", T_STR, K_REQ, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};

static void
check_cloud_text(struct vctx *vc, jv_t *v, const char *path)
{
	if (jv_is_obj(v))
		schema_check(vc, v, cloud_file_keys, NULL, path, false);
}

/*
 * meta-data is YAML: a key is written plain, so it is a plain word; a
 * value is written double-quoted, so any text is safe in it.
 */
static bool
meta_key_ok(const char *k)
{
	return (match_idname(k, 64));
}

static void
check_meta_data(struct vctx *vc, jv_t *v, const char *path)
{
	static const struct members m = { meta_key_ok, "bad-value", "a "
	    "meta-data key is 1 to 64 letters, digits, '_', '.' or '-'",
	    "a string", NULL };

	check_members(vc, v, path, &m);
}

const struct key cloud_init_keys[] = {
	{ "user_data", T_STR | T_OBJ, 0, 0, 0, check_cloud_text },
	{ "meta_data", T_OBJ, 0, 0, 0, check_meta_data },
	{ "network_config", T_STR | T_OBJ, 0, 0, 0, check_cloud_text },
	{ NULL, 0, 0, 0, 0, NULL }
};

void
check_cloud_init(struct vctx *vc, jv_t *v, const char *path)
{
	schema_check(vc, v, cloud_init_keys, NULL, path, false);
}

/* Does the overlay's "remove" name the seed? */
bool
seed_removed(jv_t *overlay)
{
	jv_t *e;
	size_t i;

	jv_array_foreach(jv_get(overlay, "remove"), i, e)
		if (jv_is_str(e) && strcmp(jv_str(e), SEED_ID) == 0)
			return (true);
	return (false);
}

static jv_t *
jv_text(struct pool *p, const char *s)
{
	jv_t *v;

	if (s == NULL || (v = pool_alloc(p, sizeof(*v))) == NULL)
		return (NULL);
	v->j_type = JV_STR;
	v->j_len = (uint32_t)strlen(s);
	v->j_u.ju_str = s;
	return (v);
}

/*
 * The seed of vm from its "cloud_init" object co: its texts, where it
 * lives (STATE/cloud-init, design §12.9), and its device in dev, an
 * ahci-cd read-only with id "cloud-init".  False when out of memory;
 * a state directory that cannot be named is a problem in vc.
 */
bool
seed_build(struct vctx *vc, struct vmrun_vm *vm, jv_t *co,
    const char *path, struct dev *dev)
{
	struct seed *sd;
	struct pool *p;
	jv_t *obj, *t;
	char buf[1024];
	const char *state;

	p = vm->vm_pool;
	if ((sd = pool_alloc(p, sizeof(*sd))) == NULL)
		return (false);
	memset(sd, 0, sizeof(*sd));
	t = jv_get(co, "user_data");
	sd->sd_user = jv_str(t);
	sd->sd_user_file = jstr(t, "file");
	if (sd->sd_user == NULL && sd->sd_user_file == NULL)
		sd->sd_user = "#cloud-config\n";
	t = jv_get(co, "network_config");
	sd->sd_net = jv_str(t);
	sd->sd_net_file = jstr(t, "file");
	sd->sd_meta = jv_get(co, "meta_data");
	if ((state = dirs_state(vm->vm_state_dir, vm->vm_name != NULL ?
	    vm->vm_name : "", buf, sizeof(buf))) == NULL) {
		verr(vc, "no-state-dir", path, "the seed needs a state "
		    "directory, and none can be named (no HOME): set "
		    "state_dir");
		state = "";
	}
	sd->sd_dir = pool_printf(p, "%s/cloud-init", state);
	sd->sd_iso = pool_printf(p, "%s/cloud-init/seed.iso", state);
	if (sd->sd_dir == NULL || sd->sd_iso == NULL)
		return (false);
	vm->vm_seed = sd;

	if ((obj = jv_obj_new(p, 4)) == NULL ||
	    !jv_obj_set(obj, "device", jv_text(p, "ahci-cd")) ||
	    !jv_obj_set(obj, "id", jv_text(p, SEED_ID)) ||
	    !jv_obj_set(obj, "path", jv_text(p, sd->sd_iso)))
		return (false);
	if ((t = pool_alloc(p, sizeof(*t))) == NULL)
		return (false);
	memset(t, 0, sizeof(*t));
	t->j_type = JV_BOOL;
	t->j_true = true;
	if (!jv_obj_set(obj, "ro", t))
		return (false);
	memset(dev, 0, sizeof(*dev));
	dev->dv_type = &devtype_ahci_cd;
	dev->dv_obj = obj;
	dev->dv_path = path;
	dev->dv_id = SEED_ID;
	dev->dv_origin = DO_SEED;
	dev->dv_baseidx = -1;
	return (true);
}

/* A YAML double-quoted scalar: every byte that could end it escaped. */
static void
yaml_quoted(struct strbuf *sb, const char *s)
{
	sb_addc(sb, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\') {
			sb_addc(sb, '\\');
			sb_addc(sb, *s);
		} else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			sb_printf(sb, "\\x%02x", (unsigned char)*s);
		else
			sb_addc(sb, *s);
	}
	sb_add(sb, "\"\n");
}

/*
 * The meta-data file (new string, or NULL when out of memory):
 * instance-id (the uuid, else the name) and local-hostname (the name)
 * unless given, then the keys given, in their order.
 */
char *
seed_meta_text(const struct vmrun_vm *vm)
{
	const struct seed *sd;
	struct strbuf sb;
	const char *k;
	jv_t *v;
	size_t i;

	sd = vm->vm_seed;
	sb_init(&sb);
	if (jv_get(sd->sd_meta, "instance-id") == NULL) {
		sb_add(&sb, "instance-id: ");
		yaml_quoted(&sb, vm->vm_uuid != NULL ? vm->vm_uuid :
		    vm->vm_name);
	}
	if (jv_get(sd->sd_meta, "local-hostname") == NULL) {
		sb_add(&sb, "local-hostname: ");
		yaml_quoted(&sb, vm->vm_name);
	}
	jv_object_foreach(sd->sd_meta, i, k, v) {
		if (!jv_is_str(v))
			continue;
		sb_add(&sb, k);
		sb_add(&sb, ": ");
		yaml_quoted(&sb, jv_str(v));
	}
	return (sb_take(&sb));
}

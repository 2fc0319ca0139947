/*
 * devices: the device table (design §2.5) and what every device shares:
 * the common keys and building a device from its JSON object.  The option
 * list a device renders into is optlist.c's.
 */

#include <string.h>

#include "vmrun_impl.h"

static const struct devtype *const devtypes[] = {
	&devtype_virtio_net,
	&devtype_e1000,
	&devtype_virtio_blk,
	&devtype_ahci_hd,
	&devtype_ahci_cd,
	&devtype_ahci,
	&devtype_nvme,
	&devtype_virtio_console,
	&devtype_virtio_rnd,
	&devtype_virtio_9p,
	&devtype_virtio_scsi,
	&devtype_virtio_input,
	&devtype_passthru,
	&devtype_fbuf,
	&devtype_xhci,
	&devtype_hda,
	&devtype_uart,
	&devtype_raw,
};
#define NDEVTYPES	(sizeof(devtypes) / sizeof(devtypes[0]))

static void
check_id(struct vctx *vc, jv_t *v, const char *path)
{
	if (!match_idname(jv_str(v), 64))
		verr(vc, "bad-id", path, "\"%s\" is not a valid id: use 1 to "
		    "64 letters, digits, '_', '.' or '-'",
		    jv_str(v));
	else if (strcmp(jv_str(v), SEED_ID) == 0)
		verr(vc, "reserved-id", path, "\"%s\" is the id of the "
		    "cloud-init seed (cloud_init); choose another", SEED_ID);
}

const struct key dev_common_keys[] = {
	{ "device", T_STR, K_REQ, 0, 0, NULL },
	{ "slot", T_STR, 0, 0, 0, check_slot },
	{ "id", T_STR, 0, 0, 0, check_id },
	{ "fix", T_BOOL, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};

const struct devtype *
devtype_find(const char *name)
{
	size_t i;

	for (i = 0; i < NDEVTYPES; i++)
		if (strcmp(devtypes[i]->dt_name, name) == 0)
			return (devtypes[i]);
	return (NULL);
}

/* The device types in table order: the i-th, or NULL past the last. */
const struct devtype *
devtype_at(size_t i)
{
	return (i < NDEVTYPES ? devtypes[i] : NULL);
}

/*
 * A key device type dt does not have but others do (bootindex on nvme):
 * say which take it, which says more than "unknown key".  NULL when none
 * does.
 */
static const char *
key_elsewhere(struct vctx *vc, const void *arg, const char *key)
{
	const struct devtype *dt;
	const char *names[NDEVTYPES + 1];
	struct strbuf sb;
	char *text;
	const char *r;
	size_t i, n;

	if (arg == &devtype_ahci && schema_find(ahci_port_keys, key) != NULL)
		return (pool_printf(vc->vc_pool, "ahci takes \"%s\" in each of "
		    "its ports, not on the controller", key));
	for (i = n = 0; i < NDEVTYPES; i++)
		if (devtypes[i] != arg &&
		    schema_find(devtypes[i]->dt_keys, key) != NULL)
			names[n++] = devtypes[i]->dt_name;
	if (schema_find(ahci_port_keys, key) != NULL)
		names[n++] = "the ports of ahci";
	if (n == 0)
		return (NULL);
	dt = arg;
	sb_init(&sb);
	sb_printf(&sb, "%s takes no \"%s\"; it is a key of ", dt->dt_name,
	    key);
	for (i = 0; i < n; i++)
		sb_printf(&sb, "%s%s", i == 0 ? "" : i + 1 < n ? ", " :
		    " and ", names[i]);
	if ((text = sb_take(&sb)) == NULL) {
		vc->vc_nomem = true;
		return (NULL);
	}
	r = pool_strdup(vc->vc_pool, text);
	xfree(text);
	return (r);
}

static const char *
devtype_closest(const char *name)
{
	size_t i, d, bestd;
	const char *best;

	best = NULL;
	bestd = 3;
	for (i = 0; i < NDEVTYPES; i++) {
		d = edit_distance(name, devtypes[i]->dt_name);
		if (d < bestd) {
			bestd = d;
			best = devtypes[i]->dt_name;
		}
	}
	return (best);
}

/*
 * Build dev from the device object obj at path: check its keys, then the
 * rules of its type.  dev->dv_type stays NULL when the device name is
 * unknown; the device then takes no slot and renders nothing.
 */
void
dev_build(struct vctx *vc, jv_t *obj, const char *path, struct dev *dev)
{
	const char *name, *hint;

	memset(dev, 0, sizeof(*dev));
	dev->dv_path = path;
	dev->dv_baseidx = -1;
	if (!jv_is_obj(obj)) {
		verr(vc, "wrong-type", path, "expected an object, not %s",
		    jv_type_word(obj));
		return;
	}
	dev->dv_obj = obj;
	if ((name = jstr(obj, "device")) == NULL) {
		/*
		 * Without a type the other keys cannot be judged: "path"
		 * is not unknown to a disk.  Report only "device".
		 */
		if (jv_get(obj, "device") == NULL)
			verr(vc, "missing-key", vpath(vc, path, "device"),
			    "required key is missing");
		else
			verr(vc, "wrong-type", vpath(vc, path, "device"),
			    "expected a string, not %s", jv_type_word(
			    jv_get(obj, "device")));
		return;
	}
	if ((dev->dv_type = devtype_find(name)) == NULL) {
		if ((hint = devtype_closest(name)) != NULL)
			verr(vc, "unknown-device", vpath(vc, path, "device"),
			    "unknown device \"%s\"; did you mean \"%s\"?",
			    name, hint);
		else
			verr(vc, "unknown-device", vpath(vc, path, "device"),
			    "unknown device \"%s\"", name);
		return;
	}
	vc->vc_unknown = key_elsewhere;
	vc->vc_unknown_arg = dev->dv_type;
	schema_check(vc, obj, dev_common_keys, dev->dv_type->dt_keys, path,
	    false);
	vc->vc_unknown = NULL;
	dev->dv_id = jstr(obj, "id");
	/* A bad id, or the seed's, is reported; it names nothing. */
	if (dev->dv_id != NULL && (!match_idname(dev->dv_id, 64) ||
	    strcmp(dev->dv_id, SEED_ID) == 0))
		dev->dv_id = NULL;
	if (jstr(obj, "slot") != NULL &&
	    slot_parse(jstr(obj, "slot"), &dev->dv_slot))
		dev->dv_pinned = dev->dv_slotok = true;
	dev->dv_fix = jbool(obj, "fix", false);
	if (dev->dv_type->dt_check != NULL)
		dev->dv_type->dt_check(vc, dev);
}

const struct key graphic_keys[] = {
	{ "xhci_table", T_BOOL, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};

/*
 * graphic (design §2.5): fbuf's keys plus xhci_table; it makes an fbuf
 * and, unless xhci_table is false, an xhci tablet.
 */
void
dev_build_graphic(struct vctx *vc, jv_t *obj, const char *path,
    struct dev *fb, struct dev *xh, bool *hasxhci)
{
	memset(fb, 0, sizeof(*fb));
	memset(xh, 0, sizeof(*xh));
	*hasxhci = false;
	fb->dv_path = xh->dv_path = path;
	fb->dv_baseidx = xh->dv_baseidx = -1;
	fb->dv_origin = xh->dv_origin = DO_GRAPHIC;
	schema_check(vc, obj, fbuf_keys, graphic_keys, path, false);
	fb->dv_type = &devtype_fbuf;
	fb->dv_obj = obj;
	if (devtype_fbuf.dt_check != NULL)
		devtype_fbuf.dt_check(vc, fb);
	if (jbool(obj, "xhci_table", true)) {
		xh->dv_type = &devtype_xhci;
		*hasxhci = true;
	}
}

const char *
dev_what(const struct dev *dev, struct pool *p)
{
	if (dev->dv_type == NULL || dev->dv_type->dt_what == NULL)
		return (NULL);
	return (dev->dv_type->dt_what(dev, p));
}

/* The group label of a device (design §6): "pci B:S:F DEVICE WHAT". */
const char *
dev_group(const struct dev *d, struct pool *p)
{
	const char *what;

	if (d->dv_type == NULL)
		return (pool_printf(p, "pci %s", d->dv_path));
	what = dev_what(d, p);
	if (!d->dv_slotok)
		return (pool_printf(p, "pci %s%s%s", d->dv_type->dt_name,
		    what != NULL ? " " : "", what != NULL ? what : ""));
	return (pool_printf(p, "pci %u:%u:%u %s%s%s", d->dv_slot.s_bus,
	    d->dv_slot.s_slot, d->dv_slot.s_func, d->dv_type->dt_name,
	    what != NULL ? " " : "", what != NULL ? what : ""));
}

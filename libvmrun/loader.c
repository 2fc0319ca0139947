/*
 * loader: the programs that prepare a VM booted without UEFI firmware
 * (design §2.6, §12.1) -- bhyveload, and grub-bhyve with its device.map
 * (given, or the VM's own disks in slot order) and the grub.cfg vmrun
 * writes for "commands".  Their keys, their model, and the text of the
 * files grub-bhyve reads; rendering is render_loader.c's.
 */

#include <stdio.h>
#include <string.h>

#include "vmrun_impl.h"

/*
 * grub-bhyve reads a device.map line into a fixed buffer and takes the
 * path up to the first blank; a path it cannot open it skips without a
 * word (bhyve.md §9.4), so such a path is refused here.
 */
#define GRUB_PATH_MAX	1000

/* The device the loader's own files are seen under with "commands". */
#define GRUB_HOST	"host"

static void
check_loader_type(struct vctx *vc, jv_t *v, const char *path)
{
	if (strcmp(jv_str(v), "bhyveload") != 0 &&
	    strcmp(jv_str(v), "grub") != 0)
		verr(vc, "bad-value", path, "\"%s\": expected \"bhyveload\" "
		    "or \"grub\"", jv_str(v));
}

static void
check_loader_console(struct vctx *vc, jv_t *v, const char *path)
{
	const char *s;

	s = jv_str(v);
	if (strcmp(s, "stdio") != 0 && strcmp(s, "capture") != 0 &&
	    (strncmp(s, "/dev/", 5) != 0 || s[5] == '\0'))
		verr(vc, "bad-backend", path, "\"%s\": the loader console is "
		    "\"stdio\", \"capture\" or a terminal device such as "
		    "\"/dev/nmdm0A\"", s);
}

/*
 * An object of names mapped to strings (bhyveload's env, grub's
 * device_map): each name as m_name says, each value a string that
 * m_value checks (may be NULL).
 */
struct members {
	bool		(*m_name)(const char *);
	const char	*m_code;	/* of a bad name */
	const char	*m_bad;		/* what a bad name is told */
	const char	*m_string;	/* what a value is: "a string" */
	void		(*m_value)(struct vctx *, const char *, const char *);
};

static void
check_members(struct vctx *vc, jv_t *v, const char *path,
    const struct members *m)
{
	const char *k;
	jv_t *e;
	size_t i;

	jv_object_foreach(v, i, k, e) {
		if (!m->m_name(k))
			verr(vc, m->m_code, vpath(vc, path, k), "%s", m->m_bad);
		else if (!jv_is_str(e))
			verr(vc, "wrong-type", vpath(vc, path, k), "expected "
			    "%s, not %s", m->m_string, jv_type_word(e));
		else if (m->m_value != NULL)
			m->m_value(vc, jv_str(e), vpath(vc, path, k));
	}
}

static bool
env_name(const char *k)
{
	return (*k != '\0' && strchr(k, '=') == NULL);
}

static void
check_env(struct vctx *vc, jv_t *v, const char *path)
{
	static const struct members m = { env_name, "bad-value", "a loader "
	    "variable name must be non-empty and have no '='", "a string",
	    NULL };

	check_members(vc, v, path, &m);
}

const struct key loader_keys[] = {
	{ "type", T_STR, K_REQ, 0, 0, check_loader_type },
	{ "disk", T_STR, K_REQ, 0, 0, NULL },
	{ "console", T_STR, 0, 0, 0, check_loader_console },
	{ "env", T_OBJ, 0, 0, 0, check_env },
	{ "host_dir", T_STR, 0, 0, 0, NULL },
	{ "loader", T_STR, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};

/*
 * A path grub-bhyve is to open through its device.map (at path, the
 * key that gave it).  A string with a newline is reported by the scan
 * of every string already.
 */
static void
grub_path_check(struct vctx *vc, const char *s, const char *path)
{
	size_t n;

	n = strlen(s);
	if (!vc->vc_clean && strpbrk(s, "\n\r") != NULL)
		return;
	if (n == 0)
		verr(vc, "empty", path, "must name a disk image or device");
	else if (strpbrk(s, " \t\n") != NULL)
		verr(vc, "bad-path", path, "\"%s\" holds a blank: grub-bhyve "
		    "reads a device.map path up to the first blank", s);
	else if (n >= GRUB_PATH_MAX)
		verr(vc, "bad-path", path, "a path of %zu bytes: grub-bhyve "
		    "reads device.map paths shorter than %d bytes", n,
		    GRUB_PATH_MAX);
}

/* A grub device name: hdN or cdN (a disk or a CD image). */
static bool
grub_devname(const char *s)
{
	size_t n;

	if (strncmp(s, "hd", 2) != 0 && strncmp(s, "cd", 2) != 0)
		return (false);
	n = strspn(s + 2, "0123456789");
	return (n >= 1 && n <= 3 && s[2 + n] == '\0');
}

static void
check_device_map(struct vctx *vc, jv_t *v, const char *path)
{
	static const struct members m = { grub_devname, "bad-name", "not a "
	    "grub device: expected hdN (a disk) or cdN (a CD image)",
	    "a path (a string)", grub_path_check };

	if (jv_size(v) == 0)
		verr(vc, "empty", path, "must map at least one device");
	check_members(vc, v, path, &m);
}

static void
check_commands(struct vctx *vc, jv_t *v, const char *path)
{
	jv_t *e;
	size_t i;

	if (jv_size(v) == 0)
		verr(vc, "empty", path, "must hold at least one command "
		    "line");
	jv_array_foreach(v, i, e)
		if (!jv_is_str(e))
			verr(vc, "wrong-type", vpathi(vc, path, i), "expected "
			    "a command line (a string), not %s",
			    jv_type_word(e));
}

/* A device name or a path inside root: grub splits nothing, but blanks. */
static void
check_grub_word(struct vctx *vc, jv_t *v, const char *path)
{
	if (*jv_str(v) == '\0')
		verr(vc, "empty", path, "must not be empty");
}

const struct key grub_keys[] = {
	{ "type", T_STR, K_REQ, 0, 0, check_loader_type },
	{ "root", T_STR, 0, 0, 0, check_grub_word },
	{ "config", T_STR, 0, 0, 0, check_grub_word },
	{ "directory", T_STR, 0, 0, 0, check_grub_word },
	{ "device_map", T_OBJ, 0, 0, 0, check_device_map },
	{ "commands", T_ARR, 0, 0, 0, check_commands },
	{ "console", T_STR, 0, 0, 0, check_loader_console },
	{ "loader", T_STR, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};

/* A key of the other loader type, said so (text in vc's pool), or NULL. */
static const char *
other_type_key(struct vctx *vc, const void *arg, const char *name)
{
	const struct key *other;

	other = arg == grub_keys ? loader_keys : grub_keys;
	if (schema_find(other, name) == NULL)
		return (NULL);
	return (pool_printf(vc->vc_pool, "a key of loader type \"%s\", not "
	    "of \"%s\"", other == grub_keys ? "grub" : "bhyveload",
	    other == grub_keys ? "bhyveload" : "grub"));
}

/* "loader": the keys of its type; "commands" excludes the grub.cfg keys. */
void
check_loader(struct vctx *vc, jv_t *v, const char *path)
{
	static const char *const cfgkeys[] = { "root", "directory", "config",
	    NULL };
	const struct key *keys;
	const char *t;
	size_t i;

	t = jstr(v, "type");
	keys = t == NULL || strcmp(t, "grub") != 0 ? loader_keys : grub_keys;
	vc->vc_unknown = other_type_key;
	vc->vc_unknown_arg = keys;
	schema_check(vc, v, keys, NULL, path, false);
	vc->vc_unknown = NULL;
	vc->vc_unknown_arg = NULL;
	if (keys != grub_keys || jv_get(v, "commands") == NULL)
		return;
	for (i = 0; cfgkeys[i] != NULL; i++)
		if (jv_get(v, cfgkeys[i]) != NULL)
			verr(vc, "conflict", vpath(vc, path, cfgkeys[i]),
			    "not with \"commands\": grub-bhyve then reads "
			    "the grub.cfg vmrun writes, from the host");
}

static void
build_grub(struct pool *p, struct loader *ld, jv_t *lo)
{
	jv_t *map, *v;
	const char *k;
	size_t i;

	ld->ld_grub = true;
	ld->ld_root = jstr(lo, "root");
	ld->ld_config = jstr(lo, "config");
	ld->ld_dir = jstr(lo, "directory");
	map = jv_get(lo, "device_map");
	if (jv_is_obj(map) && jv_size(map) > 0 &&
	    (ld->ld_map = pool_alloc(p, jv_size(map) *
	    sizeof(*ld->ld_map))) != NULL)
		jv_object_foreach(map, i, k, v)
			if (jv_is_str(v)) {
				ld->ld_map[ld->ld_nmap].kv_key = k;
				ld->ld_map[ld->ld_nmap++].kv_val = jv_str(v);
			}
	map = jv_get(lo, "commands");
	if (jv_is_arr(map) && jv_size(map) > 0 &&
	    (ld->ld_cmds = pool_alloc(p, jv_size(map) *
	    sizeof(*ld->ld_cmds))) != NULL)
		jv_array_foreach(map, i, v)
			if (jv_is_str(v))
				ld->ld_cmds[ld->ld_ncmds++] = jv_str(v);
}

/* The model of "loader" lo, in vm's pool (nothing when out of memory). */
void
loader_build(struct vmrun_vm *vm, jv_t *lo)
{
	struct loader *ld;
	jv_t *env, *v;
	const char *k;
	size_t i;

	if ((ld = pool_alloc(vm->vm_pool, sizeof(*ld))) == NULL)
		return;
	memset(ld, 0, sizeof(*ld));
	ld->ld_type = jstr(lo, "type");
	ld->ld_disk = jstr(lo, "disk");
	ld->ld_console = jstr(lo, "console");
	if (ld->ld_console == NULL)
		ld->ld_console = "stdio";
	ld->ld_host_dir = jstr(lo, "host_dir");
	ld->ld_loader = jstr(lo, "loader");
	if (ld->ld_type != NULL && strcmp(ld->ld_type, "grub") == 0)
		build_grub(vm->vm_pool, ld, lo);
	env = jv_get(lo, "env");
	if (jv_is_obj(env) && jv_size(env) > 0) {
		ld->ld_env = pool_alloc(vm->vm_pool, jv_size(env) *
		    sizeof(*ld->ld_env));
		if (ld->ld_env != NULL)
			jv_object_foreach(env, i, k, v) {
				if (!jv_is_str(v))
					continue;
				ld->ld_env[ld->ld_nenv].kv_key = k;
				ld->ld_env[ld->ld_nenv++].kv_val =
				    jv_str(v);
			}
	}
	vm->vm_loader = ld;
}

/*
 * The device types whose "path" is an image grub can see, and whether
 * it is a CD.  ahci's ports are each one of these; virtio-scsi is a
 * host's CAM target, no image.
 */
static const struct {
	const struct devtype	*bt_type;
	bool			 bt_cd;
} block_types[] = {
	{ &devtype_virtio_blk, false },
	{ &devtype_ahci_hd, false },
	{ &devtype_ahci_cd, true },
	{ &devtype_nvme, false },
};
#define NBLOCK_TYPES	(sizeof(block_types) / sizeof(block_types[0]))

/* One image: its path, whether a CD, its device and ahci port (or -1). */
typedef void	 image_fn(void *, const char *, bool, const struct dev *,
		    long);

/*
 * The images of device d grub can see, in port order: fn for each.  The
 * cloud-init seed is the guest's configuration, not a disk to boot
 * (design §12.1).
 */
static void
dev_images(const struct dev *d, image_fn *fn, void *arg)
{
	const char *type;
	jv_t *port;
	size_t i;

	if (d->dv_type == NULL || d->dv_obj == NULL ||
	    (d->dv_id != NULL && strcmp(d->dv_id, "cloud-init") == 0))
		return;
	if (d->dv_type == &devtype_ahci) {
		jv_array_foreach(jv_get(d->dv_obj, "ports"), i, port)
			if (jstr(port, "path") != NULL) {
				type = jstr(port, "type");
				fn(arg, jstr(port, "path"), type != NULL &&
				    strcmp(type, "cd") == 0, d, (long)i);
			}
		return;
	}
	for (i = 0; i < NBLOCK_TYPES; i++)
		if (d->dv_type == block_types[i].bt_type &&
		    jstr(d->dv_obj, "path") != NULL)
			fn(arg, jstr(d->dv_obj, "path"), block_types[i].bt_cd,
			    d, -1);
}

struct mapctx {
	struct pool	*mc_pool;
	struct kv	*mc_map;	/* room for every image */
	size_t		 mc_n;
	unsigned	 mc_hd;
	unsigned	 mc_cd;
	bool		 mc_nomem;
};

static void
map_add(void *arg, const char *path, bool iscd, const struct dev *d,
    long port)
{
	struct mapctx *mc;

	(void)d;
	(void)port;
	mc = arg;
	mc->mc_map[mc->mc_n].kv_key = pool_printf(mc->mc_pool, "%s%u",
	    iscd ? "cd" : "hd", iscd ? mc->mc_cd++ : mc->mc_hd++);
	mc->mc_map[mc->mc_n++].kv_val = path;
	if (mc->mc_map[mc->mc_n - 1].kv_key == NULL)
		mc->mc_nomem = true;
}

/*
 * grub-bhyve's device map: "device_map" as given, or the VM's block
 * devices in slot order (vm's devices once slots are assigned), CD
 * images cd0, cd1, ..., the others hd0, hd1, ...  Borrowed from vm or
 * new in p; false when out of memory.
 */
bool
grub_map(const struct vmrun_vm *vm, struct pool *p, const struct kv **mapp,
    size_t *np)
{
	struct mapctx mc;
	size_t i, n;

	if (vm->vm_loader->ld_map != NULL) {
		*mapp = vm->vm_loader->ld_map;
		*np = vm->vm_loader->ld_nmap;
		return (true);
	}
	/* A device has one image, a controller one a port, at most. */
	for (n = 1, i = 0; i < vm->vm_ndevs; i++)
		n += vm->vm_devs[i].dv_type == &devtype_ahci ?
		    jv_size(jv_get(vm->vm_devs[i].dv_obj, "ports")) : 1;
	memset(&mc, 0, sizeof(mc));
	mc.mc_pool = p;
	if ((mc.mc_map = pool_alloc(p, n * sizeof(*mc.mc_map))) == NULL)
		return (false);
	for (i = 0; i < vm->vm_ndevs; i++)
		dev_images(&vm->vm_devs[i], map_add, &mc);
	*mapp = mc.mc_map;
	*np = mc.mc_n;
	return (!mc.mc_nomem);
}

/*
 * grub-bhyve's -r: "host" with "commands" (the grub.cfg is a host file),
 * "root" as given, else cd0 when the map begins with a CD, else the
 * first partition of hd0.  Borrowed.
 */
const char *
grub_root(const struct loader *ld, const struct kv *map, size_t n)
{
	if (ld->ld_ncmds > 0)
		return (GRUB_HOST);
	if (ld->ld_root != NULL)
		return (ld->ld_root);
	if (n > 0 && strncmp(map[0].kv_key, "cd", 2) == 0)
		return ("cd0");
	return ("hd0,1");
}

/* sb's text, copied into p (NULL when out of memory); sb is freed. */
static char *
sb_pool(struct strbuf *sb, struct pool *p)
{
	char *s, *c;

	sb_addn(sb, "", 0);
	if ((s = sb_take(sb)) == NULL)
		return (NULL);
	c = pool_strdup(p, s);
	xfree(s);
	return (c);
}

/* The device.map file's text: "(DEV) PATH" lines; new in p or NULL. */
char *
grub_map_text(const struct vmrun_vm *vm, struct pool *p)
{
	const struct kv *map;
	struct strbuf sb;
	size_t i, n;

	if (!grub_map(vm, p, &map, &n))
		return (NULL);
	sb_init(&sb);
	for (i = 0; i < n; i++)
		sb_printf(&sb, "(%s) %s\n", map[i].kv_key, map[i].kv_val);
	return (sb_pool(&sb, p));
}

/* The grub.cfg of "commands": one per line; new in p, or NULL. */
char *
grub_cfg_text(const struct loader *ld, struct pool *p)
{
	struct strbuf sb;
	size_t i;

	sb_init(&sb);
	for (i = 0; i < ld->ld_ncmds; i++)
		sb_printf(&sb, "%s\n", ld->ld_cmds[i]);
	return (sb_pool(&sb, p));
}

static void
image_check(void *arg, const char *path, bool iscd, const struct dev *d,
    long port)
{
	struct vctx *vc;

	(void)iscd;
	vc = arg;
	grub_path_check(vc, path, vpath(vc, port < 0 ? d->dv_path :
	    vpathi(vc, vpath(vc, d->dv_path, "ports"), (size_t)port),
	    "path"));
}

/*
 * The rules of a resolved target's loader (at path): a console on
 * "capture" needs the captured COM port; grub's default device.map
 * takes the VM's image paths, which must suit grub-bhyve as a given
 * one does.
 */
void
loader_rules(struct vctx *vc, const struct vmrun_vm *vm, const char *path)
{
	const struct loader *ld;
	size_t i;

	if ((ld = vm->vm_loader) == NULL)
		return;
	if (strcmp(ld->ld_console, "capture") == 0 && vm->vm_capture < 0)
		verr(vc, "missing-key", vpath(vc, path, "console"), "the "
		    "loader's console on \"capture\" needs a COM port set "
		    "to \"capture\"");
	if (!ld->ld_grub || ld->ld_map != NULL)
		return;
	for (i = 0; i < vm->vm_ndevs; i++)
		dev_images(&vm->vm_devs[i], image_check, vc);
}

/*
 * Block devices: virtio-blk, ahci-hd, ahci-cd, ahci, nvme and virtio-scsi
 * (design §2.5, bhyve.md §5.1).
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmrun_impl.h"

/*
 * A disk with "create" that is not there yet (design §12.7): a warning,
 * since the start makes it; a problem when it cannot, as where a
 * symbolic link points to nothing (vmrun never creates through one) or
 * the directory is missing.  True when the disk is to be created.
 */
static bool
disk_will_create(struct hctx *hc, jv_t *obj, const char *base)
{
	struct stat sb;
	const char *file;
	char *dir, *slash;

	if ((file = jstr(obj, "path")) == NULL ||
	    jv_get(obj, "create") == NULL)
		return (false);
	if (lstat(file, &sb) == 0) {
		if (!S_ISLNK(sb.st_mode) || stat(file, &sb) == 0)
			return (false);	/* there: checked as any disk */
		host_problem(hc, "disk-symlink", host_jp(hc, base, "path"),
		    NULL, "%s is a symbolic link to nothing; vmrun creates a "
		    "disk only where nothing is, never through a link", file);
		return (true);
	}
	if (errno != ENOENT)
		return (false);
	dir = pool_strdup(hc->hc_pool, file);
	if (dir != NULL && (slash = strrchr(dir, '/')) != NULL) {
		slash[slash == dir ? 1 : 0] = '\0';
		host_need_file(hc, host_jp(hc, base, "path"), dir, FK_DIR,
		    false, NULL);
	}
	diag_addg(hc->hc_ds, VMRUN_WARNING, "disk-create", hc->hc_group,
	    host_jp(hc, base, "create"), NULL, "%s does not exist; will be "
	    "created at start (%s, sparse, mode 0600)", file,
	    jv_is_str(jv_get(obj, "create")) ? jstr(obj, "create") :
	    pool_printf(hc->hc_pool, "%lld bytes", jv_int(jv_get(obj,
	    "create"))));
	return (true);
}

/* What a disk needs from the host (design §6): its file, writable unless
 * read-only or a CD. */
static void
disk_host(struct hctx *hc, jv_t *obj, const char *base, bool cd)
{
	if (disk_will_create(hc, obj, base))
		return;
	host_need_file(hc, host_jp(hc, base, "path"), jstr(obj, "path"), FK_ANY,
	    !cd && !jbool(obj, "ro", false), NULL);
}

static void
block_host(struct hctx *hc, const struct dev *d)
{
	jv_t *port;
	size_t i;

	if (d->dv_type == &devtype_ahci) {
		jv_array_foreach(jv_get(d->dv_obj, "ports"), i,
		    port) {
			disk_host(hc, port, host_jpi(hc, d->dv_path, "ports",
			    i), jstr(port, "type") != NULL &&
			    strcmp(jstr(port, "type"), "cd") == 0);
		}
		return;
	}
	if (d->dv_type == &devtype_nvme && jstr(d->dv_obj, "path") == NULL)
		return;		/* a RAM disk */
	disk_host(hc, d->dv_obj, d->dv_path, d->dv_type == &devtype_ahci_cd);
}

static void
virtio_scsi_host(struct hctx *hc, const struct dev *d)
{
	const char *dev;

	if ((dev = jstr(d->dv_obj, "dev")) == NULL)
		dev = "/dev/cam/ctl";
	host_need_file(hc, host_jp(hc, d->dv_path, "dev"), dev, FK_ANY, false,
	    NULL);
}

static void
check_sectorsize(struct vctx *vc, jv_t *v, const char *path)
{
	long long n;

	n = jv_int(v);
	if (n < 512 || n > 65536 || (n & (n - 1)) != 0)
		verr(vc, "bad-value", path, "%lld is not a sector size: "
		    "expected a power of two from 512 to 65536", n);
}

static void
check_rev(struct vctx *vc, jv_t *v, const char *path)
{
	/* ATA IDENTIFY holds 8 characters of firmware revision. */
	if (strlen(jv_str(v)) > 8)
		verr(vc, "too-long", path, "a revision is at most 8 "
		    "characters");
}

static void
check_model(struct vctx *vc, jv_t *v, const char *path)
{
	/* ATA IDENTIFY holds 40 characters of model number. */
	if (strlen(jv_str(v)) > 40)
		verr(vc, "too-long", path, "a model is at most 40 characters");
}

#define BLOCK_OPT_KEYS \
	{ "ro", T_BOOL, 0, 0, 0, NULL }, \
	{ "nocache", T_BOOL, 0, 0, 0, NULL }, \
	{ "direct", T_BOOL, 0, 0, 0, NULL }, \
	{ "nodelete", T_BOOL, 0, 0, 0, NULL }, \
	{ "logical_sector_size", T_INT, 0, 0, 0, check_sectorsize }, \
	{ "physical_sector_size", T_INT, 0, 0, 0, check_sectorsize }

#define BOOTINDEX_KEY \
	{ "bootindex", T_INT, K_RANGE, 0, 65535, NULL }

#define AHCI_PORT_KEYS \
	{ "nmrr", T_INT, K_RANGE, 0, 65535, NULL }, \
	{ "ser", T_STR, 0, 0, 0, check_ser }, \
	{ "rev", T_STR, 0, 0, 0, check_rev }, \
	{ "model", T_STR, 0, 0, 0, check_model }, \
	BLOCK_OPT_KEYS, \
	BOOTINDEX_KEY

/* design §12.7: a file disk vmrun makes when it is missing at start. */
#define CREATE_KEY \
	{ "create", T_STR | T_INT, 0, 0, 0, check_disk_size }

static const struct key virtio_blk_keys[] = {
	{ "path", T_STR, K_REQ, 0, 0, NULL },
	CREATE_KEY,
	BLOCK_OPT_KEYS,
	{ "ser", T_STR, 0, 0, 0, check_ser },
	BOOTINDEX_KEY,
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct key ahci_hd_keys[] = {
	{ "path", T_STR, K_REQ, 0, 0, NULL },
	CREATE_KEY,
	AHCI_PORT_KEYS,
	{ NULL, 0, 0, 0, 0, NULL }
};

/* A CD is read, never made: no "create". */
static const struct key ahci_cd_keys[] = {
	{ "path", T_STR, K_REQ, 0, 0, NULL },
	AHCI_PORT_KEYS,
	{ NULL, 0, 0, 0, 0, NULL }
};

static void
check_porttype(struct vctx *vc, jv_t *v, const char *path)
{
	if (strcmp(jv_str(v), "hd") != 0 &&
	    strcmp(jv_str(v), "cd") != 0)
		verr(vc, "bad-value", path, "\"%s\" is not a port type: "
		    "expected \"hd\" or \"cd\"", jv_str(v));
}

const struct key ahci_port_keys[] = {
	{ "type", T_STR, K_REQ, 0, 0, check_porttype },
	{ "path", T_STR, K_REQ, 0, 0, NULL },
	AHCI_PORT_KEYS,
	{ NULL, 0, 0, 0, 0, NULL }
};

/* Sector sizes: physical needs logical, and logical <= physical. */
static void
check_sectors(struct vctx *vc, jv_t *obj, const char *path)
{
	long long l, p;
	bool hasl, hasp;

	hasl = jint(obj, "logical_sector_size", &l);
	hasp = jint(obj, "physical_sector_size", &p);
	if (hasp && !hasl && jv_get(obj, "logical_sector_size") ==
	    NULL)
		verr(vc, "missing-key", vpath(vc, path,
		    "logical_sector_size"), "physical_sector_size needs "
		    "logical_sector_size");
	if (hasl && hasp && l > p)
		verr(vc, "bad-value", vpath(vc, path,
		    "physical_sector_size"), "the physical sector size "
		    "(%lld) is smaller than the logical one (%lld)", p, l);
}

static void
block_check(struct vctx *vc, struct dev *dev)
{
	check_sectors(vc, dev->dv_obj, dev->dv_path);
}

/* The block options of bhyve.md §5.1, in the order of design §2.5. */
static void
render_block_opts(struct optlist *ol, jv_t *obj, const char *pfx)
{
	static const char *const flags[] = { "ro", "nocache", "direct",
	    "nodelete" };
	long long l, p;
	size_t i;

	/* The config key (pfx + key) is made only for a flag that is set. */
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (jbool(obj, flags[i], false))
			opt_add(ol, pool_join(ol->ol_pool, pfx, NULL, flags[i]),
			    LS_FLAG, flags[i], "true");
	if (jint(obj, "logical_sector_size", &l)) {
		if (jint(obj, "physical_sector_size", &p))
			opt_addf(ol, pool_join(ol->ol_pool, pfx, NULL,
			    "sectorsize"), LS_KV, "sectorsize", "%lld/%lld", l,
			    p);
		else
			opt_addf(ol, pool_join(ol->ol_pool, pfx, NULL,
			    "sectorsize"), LS_KV, "sectorsize", "%lld", l);
	}
}

static void
virtio_blk_render(const struct dev *dev, struct optlist *ol)
{
	jv_t *obj;

	obj = dev->dv_obj;
	opt_add_str(ol, obj, "path", "path", LS_BARE);
	render_block_opts(ol, obj, "");
	opt_add_str(ol, obj, "ser", "ser", LS_KV);
	opt_add_int(ol, obj, "bootindex", "bootindex");
}

/* One AHCI port: its keys live below port.N in bhyve_config. */
static void
render_ahci_port(struct optlist *ol, jv_t *obj, unsigned n, bool multi,
    const char *type)
{
	struct pool *p;

	p = ol->ol_pool;
	opt_add(ol, pool_printf(p, "port.%u.type", n), LS_NONE, NULL, type);
	if (multi)
		opt_add(ol, pool_printf(p, "port.%u.path", n), LS_PFX,
		    strcmp(type, "cd") == 0 ? "cd:" : "hd:",
		    jstr(obj, "path"));
	else
		opt_add(ol, pool_printf(p, "port.%u.path", n), LS_BARE, NULL,
		    jstr(obj, "path"));
	opt_add_int(ol, obj, "nmrr", pool_printf(p, "port.%u.nmrr", n));
	opt_add_str(ol, obj, "ser", pool_printf(p, "port.%u.ser", n), LS_KV);
	opt_add_str(ol, obj, "rev", pool_printf(p, "port.%u.rev", n), LS_KV);
	opt_add_str(ol, obj, "model", pool_printf(p, "port.%u.model", n),
	    LS_KV);
	render_block_opts(ol, obj, pool_printf(p, "port.%u.", n));
	opt_add_int(ol, obj, "bootindex", pool_printf(p, "port.%u.bootindex",
	    n));
}

static void
ahci_hd_render(const struct dev *dev, struct optlist *ol)
{
	render_ahci_port(ol, dev->dv_obj, 0, false, "hd");
}

static void
ahci_cd_render(const struct dev *dev, struct optlist *ol)
{
	render_ahci_port(ol, dev->dv_obj, 0, false, "cd");
}

static const char *
path_what(const struct dev *dev, struct pool *p)
{
	(void)p;
	return (jstr(dev->dv_obj, "path"));
}

const struct devtype devtype_virtio_blk = {
	"virtio-blk", "virtio-blk", virtio_blk_keys, block_check,
	virtio_blk_render, path_what, block_host, false
};

const struct devtype devtype_ahci_hd = {
	"ahci-hd", "ahci", ahci_hd_keys, block_check, ahci_hd_render,
	path_what, block_host, false
};

const struct devtype devtype_ahci_cd = {
	"ahci-cd", "ahci", ahci_cd_keys, block_check, ahci_cd_render,
	path_what, block_host, false
};

/* ahci: one controller, up to 32 SATA ports (bhyve.md §5). */
static void
check_ports(struct vctx *vc, jv_t *v, const char *path)
{
	jv_t *port;
	const char *ppath;
	size_t i;

	if (jv_size(v) < 1 || jv_size(v) > 32) {
		verr(vc, "out-of-range", path, "an AHCI controller has 1 to "
		    "32 ports, not %zu", jv_size(v));
		if (jv_size(v) == 0)
			return;
	}
	jv_array_foreach(v, i, port) {
		ppath = vpathi(vc, path, i);
		if (!jv_is_obj(port)) {
			verr(vc, "wrong-type", ppath, "expected an object, "
			    "not %s", jv_type_word(port));
			continue;
		}
		schema_check(vc, port, ahci_port_keys, NULL, ppath, false);
		check_sectors(vc, port, ppath);
	}
}

static const struct key ahci_keys[] = {
	{ "ports", T_ARR, K_REQ, 0, 0, check_ports },
	{ NULL, 0, 0, 0, 0, NULL }
};

static void
ahci_render(const struct dev *dev, struct optlist *ol)
{
	jv_t *ports, *port;
	size_t i;

	ports = jv_get(dev->dv_obj, "ports");
	jv_array_foreach(ports, i, port)
		render_ahci_port(ol, port, (unsigned)i, true,
		    jstr(port, "type") != NULL ? jstr(port, "type") : "hd");
}

static const char *
ahci_what(const struct dev *dev, struct pool *p)
{
	jv_t *port;

	(void)p;
	port = jv_at(jv_get(dev->dv_obj, "ports"), 0);
	return (port != NULL ? jstr(port, "path") : NULL);
}

const struct devtype devtype_ahci = {
	"ahci", "ahci", ahci_keys, NULL, ahci_render, ahci_what, block_host, false
};

/* nvme */
static void
check_sectsz(struct vctx *vc, jv_t *v, const char *path)
{
	long long n;

	n = jv_int(v);
	if (n != 512 && n != 4096 && n != 8192)
		verr(vc, "bad-value", path, "%lld is not an NVMe sector "
		    "size: expected 512, 4096 or 8192", n);
}

static void
check_eui64(struct vctx *vc, jv_t *v, const char *path)
{
	const char *s;
	size_t n;

	if (jv_is_int(v)) {
		if (jv_int(v) < 0)
			verr(vc, "out-of-range", path, "an EUI-64 cannot be "
			    "negative");
		return;
	}
	s = jv_str(v);
	n = strlen(s);
	if (n < 3 || n > 18 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') ||
	    strspn(s + 2, "0123456789abcdefABCDEF") != n - 2)
		verr(vc, "bad-value", path, "\"%s\" is not an EUI-64: "
		    "expected an integer or \"0x\" and up to 16 hexadecimal "
		    "digits", s);
}

static void
check_dsm(struct vctx *vc, jv_t *v, const char *path)
{
	const char *s;

	s = jv_str(v);
	if (strcmp(s, "auto") != 0 && strcmp(s, "enable") != 0 &&
	    strcmp(s, "disable") != 0)
		verr(vc, "bad-value", path, "\"%s\": expected auto, enable "
		    "or disable", s);
}

static const struct key nvme_keys[] = {
	{ "path", T_STR, 0, 0, 0, NULL },
	CREATE_KEY,
	{ "ram", T_INT, K_RANGE, 1, 1024 * 1024, NULL },
	{ "maxq", T_INT, K_RANGE, 1, 65535, NULL },
	{ "qsz", T_INT, K_RANGE, 1, 65535, NULL },
	{ "ioslots", T_INT, K_RANGE, 1, 65535, NULL },
	{ "sectsz", T_INT, 0, 0, 0, check_sectsz },
	{ "ser", T_STR, 0, 0, 0, check_ser },
	{ "eui64", T_INT | T_STR, 0, 0, 0, check_eui64 },
	{ "dsm", T_STR, 0, 0, 0, check_dsm },
	{ NULL, 0, 0, 0, 0, NULL }
};

static void
nvme_check(struct vctx *vc, struct dev *dev)
{
	bool p, r;

	p = jv_get(dev->dv_obj, "path") != NULL;
	r = jv_get(dev->dv_obj, "ram") != NULL;
	if (p && r)
		verr(vc, "conflict", vpath(vc, dev->dv_path, "ram"),
		    "give either \"path\" or \"ram\", not both");
	else if (!p && !r)
		verr(vc, "missing-key", vpath(vc, dev->dv_path, "path"),
		    "an nvme device needs \"path\" or \"ram\"");
	if (r && jv_get(dev->dv_obj, "create") != NULL)
		verr(vc, "conflict", vpath(vc, dev->dv_path, "create"),
		    "a RAM disk has no file to create");
}

static void
nvme_render(const struct dev *dev, struct optlist *ol)
{
	jv_t *obj, *e;
	const char *s;
	char buf[24];
	size_t i;

	obj = dev->dv_obj;
	if (jstr(obj, "path") != NULL) {
		opt_add_str(ol, obj, "path", "path", LS_BARE);
		/*
		 * bhyve reads a legacy string starting "ram=" as a RAM disk
		 * (bhyve.md §7.1), so a path with '=' takes the -o form.
		 */
		if (ol->ol_n > 0)
			ol->ol_opts[ol->ol_n - 1].o_special = true;
	} else
		opt_add_int(ol, obj, "ram", "ram");
	opt_add_int(ol, obj, "maxq", "maxq");
	opt_add_int(ol, obj, "qsz", "qsz");
	opt_add_int(ol, obj, "ioslots", "ioslots");
	opt_add_int(ol, obj, "sectsz", "sectsz");
	opt_add_str(ol, obj, "ser", "ser", LS_KV);
	e = jv_get(obj, "eui64");
	if (jv_is_int(e))
		opt_addf(ol, "eui64", LS_KV, "eui64", "0x%llx",
		    (unsigned long long)jv_int(e));
	else if ((s = jv_str(e)) != NULL) {
		snprintf(buf, sizeof(buf), "%s", s);
		for (i = 0; buf[i] != '\0'; i++)
			buf[i] = (char)tolower((unsigned char)buf[i]);
		opt_addf(ol, "eui64", LS_KV, "eui64", "%s", buf);
	}
	opt_add_str(ol, obj, "dsm", "dsm", LS_KV);
}

static const char *
nvme_what(const struct dev *dev, struct pool *p)
{
	long long n;

	(void)p;
	if (jstr(dev->dv_obj, "path") != NULL)
		return (jstr(dev->dv_obj, "path"));
	if (jint(dev->dv_obj, "ram", &n))
		return (pool_printf(p, "ram=%lld", n));
	return (NULL);
}

const struct devtype devtype_nvme = {
	"nvme", "nvme", nvme_keys, nvme_check, nvme_render, nvme_what,
	block_host, false
};

/* virtio-scsi: backed by the CAM Target Layer. */
static const struct key virtio_scsi_keys[] = {
	{ "dev", T_STR, 0, 0, 0, NULL },
	{ "iid", T_INT, K_RANGE, 0, 65535, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};

static void
virtio_scsi_render(const struct dev *dev, struct optlist *ol)
{
	const char *d;

	d = jstr(dev->dv_obj, "dev");
	opt_add(ol, "dev", LS_BARE, NULL, d != NULL ? d : "/dev/cam/ctl");
	opt_add_int(ol, dev->dv_obj, "iid", "iid");
}

static const char *
virtio_scsi_what(const struct dev *dev, struct pool *p)
{
	const char *d;

	(void)p;
	d = jstr(dev->dv_obj, "dev");
	return (d != NULL ? d : "/dev/cam/ctl");
}

const struct devtype devtype_virtio_scsi = {
	"virtio-scsi", "virtio-scsi", virtio_scsi_keys, NULL,
	virtio_scsi_render, virtio_scsi_what, virtio_scsi_host, false
};

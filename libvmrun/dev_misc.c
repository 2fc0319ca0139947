/*
 * The other devices: virtio-console, virtio-rnd, virtio-9p, virtio-input,
 * passthru, fbuf, xhci, hda, uart and raw (design §2.5, bhyve.md §5).
 */

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmrun_impl.h"
#include "platform.h"

#define END_KEYS	{ NULL, 0, 0, 0, 0, NULL }

/* What these devices need from the host (design §6). */
static void
virtio_9p_host(struct hctx *hc, const struct dev *d)
{
	host_need_file(hc, host_jp(hc, d->dv_path, "path"), jstr(d->dv_obj,
	    "path"),
	    FK_DIR, false, NULL);
}

static void
path_host(struct hctx *hc, const struct dev *d)
{
	host_need_file(hc, host_jp(hc, d->dv_path, "path"), jstr(d->dv_obj,
	    "path"),
	    FK_ANY, false, NULL);
}

static void
hda_host(struct hctx *hc, const struct dev *d)
{
	host_need_file(hc, host_jp(hc, d->dv_path, "play"), jstr(d->dv_obj,
	    "play"),
	    FK_ANY, true, NULL);
	host_need_file(hc, host_jp(hc, d->dv_path, "rec"), jstr(d->dv_obj,
	    "rec"),
	    FK_ANY, false, NULL);
}

static void
uart_host(struct hctx *hc, const struct dev *d)
{
	host_need_tty(hc, host_jp(hc, d->dv_path, "backend"), jstr(d->dv_obj,
	    "backend"));
}

/* Console sockets: absent or stale are fine; live or not a socket is not. */
static void
console_host(struct hctx *hc, const struct dev *d)
{
	struct stat sb;
	jv_t *port;
	const char *file, *path;
	size_t i;

	jv_array_foreach(jv_get(d->dv_obj, "ports"), i, port) {
		file = console_port_path(port);
		if (file == NULL || lstat(file, &sb) != 0)
			continue;
		path = host_jpi(hc, d->dv_path, "ports", i);
		if (!S_ISSOCK(sb.st_mode)) {
			host_problem(hc, "socket-not-socket", path, NULL, "%s "
			    "exists and is not a socket; vmrun never removes "
			    "it", file);
			continue;
		}
		if (unix_socket_live(file))
			host_problem(hc, "socket-in-use", path, NULL, "%s is a "
			    "socket in use by another program", file);
	}
}

static bool
parse_hex(const char *s, unsigned long *vp)
{
	char *end;

	if (s == NULL)
		return (false);
	errno = 0;
	*vp = strtoul(s, &end, 16);
	return (*end == '\0' && errno == 0);
}

/*
 * A passthru "src": slot syntax, or "B/S/F" as pptdevs and bhyve's
 * passthru write it (bhyve.md §5).
 */
static bool
pci_src_parse(const char *s, struct slot *sl)
{
	char buf[16];
	size_t i, n;

	if (s == NULL)
		return (false);
	if (strchr(s, '/') == NULL)
		return (slot_parse(s, sl));
	if (strlen(s) >= sizeof(buf) || strchr(s, ':') != NULL)
		return (false);
	for (i = n = 0; s[i] != '\0'; i++)
		if ((buf[i] = s[i]) == '/') {
			buf[i] = ':';
			n++;
		}
	buf[i] = '\0';
	return (n == 2 && slot_parse(buf, sl));
}

/* The ids of a passthru lookup, "0xVVVVSSSS" and "0xDDDDSSSS". */
static bool
lookup_ids(jv_t *lk, unsigned long *vendor, unsigned long *device)
{
	return (parse_hex(jstr(lk, "vendor"), vendor) &&
	    parse_hex(jstr(lk, "device"), device));
}

static void
passthru_host(struct hctx *hc, const struct dev *d)
{
	struct slot sl;
	jv_t *lk;
	unsigned long v, dv;
	char drv[32];
	int r;

	host_need_file(hc, host_jp(hc, d->dv_path, "rom"), jstr(d->dv_obj,
	    "rom"),
	    FK_REG, false, NULL);
	if ((lk = jv_get(d->dv_obj, "lookup")) != NULL) {
		if (!lookup_ids(lk, &v, &dv))
			return;
		r = hc->hc_plat->po_pci_lookup(v, dv, &sl.s_bus, &sl.s_slot,
		    &sl.s_func);
		if (r == ENOENT)
			host_problem(hc, "pci-missing", host_jp(hc, d->dv_path,
			    "lookup"),
			    NULL, "no PCI device of the host has vendor %s and "
			    "device %s", jstr(lk, "vendor"), jstr(lk,
			    "device"));
		else if (r != 0)
			host_problem(hc, "passthru-lookup", host_jp(hc,
			    d->dv_path,
			    "lookup"), "give the host address as \"src\" "
			    "instead", "this host cannot look up PCI devices");
		if (r != 0)
			return;
	} else if (!pci_src_parse(jstr(d->dv_obj, "src"), &sl))
		return;
	r = hc->hc_plat->po_ppt(sl.s_bus, sl.s_slot, sl.s_func, drv,
	    sizeof(drv));
	if (r == -ENOENT)
		host_problem(hc, "pci-missing", host_jp(hc, d->dv_path, "src"),
		    NULL,
		    "the host has no PCI device %u/%u/%u", sl.s_bus, sl.s_slot,
		    sl.s_func);
	else if (r == 0)
		host_problem(hc, "ppt-not-bound", host_jp(hc, d->dv_path,
		    "src"),
		    "add the device to pptdevs in /boot/loader.conf and "
		    "reboot", "host PCI device %u/%u/%u is bound to %s, not "
		    "ppt", sl.s_bus, sl.s_slot, sl.s_func, drv);
}

/* virtio-console: up to 16 ports, each a UNIX socket bhyve creates. */
const struct key console_port_keys[] = {
	{ "name", T_STR, K_REQ, 0, 0, NULL },
	{ "path", T_STR, K_REQ, 0, 0, NULL },
	END_KEYS
};

static void
check_console_ports(struct vctx *vc, jv_t *v, const char *path)
{
	jv_t *p;
	size_t i;

	if (jv_size(v) < 1 || jv_size(v) > 16)
		verr(vc, "out-of-range", path, "a virtio-console has 1 to 16 "
		    "ports, not %zu", jv_size(v));
	jv_array_foreach(v, i, p) {
		if (jv_is_obj(p))
			schema_check(vc, p, console_port_keys, NULL,
			    vpathi(vc, path, i), false);
		else if (!jv_is_str(p))
			verr(vc, "wrong-type", vpathi(vc, path, i), "expected "
			    "a socket path or an object, not %s",
			    jv_type_word(p));
		else if (jv_len(p) == 0)
			verr(vc, "empty", vpathi(vc, path, i),
			    "must not be empty");
	}
}

static const struct key virtio_console_keys[] = {
	{ "ports", T_ARR, K_REQ, 0, 0, check_console_ports },
	END_KEYS
};

/* The socket path of a console port: a string, or {"name", "path"}. */
const char *
console_port_path(jv_t *port)
{
	return (jv_is_str(port) ? jv_str(port) :
	    jstr(port, "path"));
}

/* Name and path of port i; NULL when malformed. */
static bool
console_port(jv_t *p, size_t i, char *namebuf, size_t len,
    const char **namep, const char **pathp)
{
	if (jv_is_str(p)) {
		snprintf(namebuf, len, "port%zu", i + 1);
		*namep = namebuf;
		*pathp = jv_str(p);
		return (true);
	}
	*namep = jstr(p, "name");
	*pathp = jstr(p, "path");
	return (*namep != NULL && *pathp != NULL);
}

static void
console_check(struct vctx *vc, struct dev *dev)
{
	jv_t *ports, *p, *q;
	const char *na, *pa, *nb, *pb;
	char bufa[16], bufb[16];
	size_t i, j;

	ports = jv_get(dev->dv_obj, "ports");
	jv_array_foreach(ports, i, p) {
		if (!console_port(p, i, bufa, sizeof(bufa), &na, &pa))
			continue;
		for (j = 0; j < i; j++) {
			q = jv_at(ports, j);
			if (!console_port(q, j, bufb, sizeof(bufb), &nb, &pb))
				continue;
			if (strcmp(na, nb) == 0)
				verr(vc, "duplicate", vpathi(vc, vpath(vc,
				    dev->dv_path, "ports"), i), "port name "
				    "\"%s\" is used twice", na);
		}
	}
}

static void
console_render(const struct dev *dev, struct optlist *ol)
{
	jv_t *p;
	const char *name, *path;
	char buf[16];
	size_t i, n;

	n = 0;
	jv_array_foreach(jv_get(dev->dv_obj, "ports"), i, p) {
		if (!console_port(p, i, buf, sizeof(buf), &name, &path))
			continue;
		name = pool_strdup(ol->ol_pool, name);
		opt_add(ol, pool_printf(ol->ol_pool, "port.%zu.name", n),
		    LS_NONE, NULL, name);
		if (ol->ol_n > 0)
			ol->ol_opts[ol->ol_n - 1].o_special = true;
		opt_add(ol, pool_printf(ol->ol_pool, "port.%zu.path", n),
		    LS_KV, name, path);
		n++;
	}
}

static const char *
console_what(const struct dev *dev, struct pool *p)
{
	jv_t *port;
	const char *name, *path;
	char buf[16];

	(void)p;
	port = jv_at(jv_get(dev->dv_obj, "ports"), 0);
	if (port == NULL || !console_port(port, 0, buf, sizeof(buf), &name,
	    &path))
		return (NULL);
	return (path);
}

const struct devtype devtype_virtio_console = {
	"virtio-console", "virtio-console", virtio_console_keys,
	console_check, console_render, console_what, console_host, true
};

/* virtio-rnd */
static const struct key no_keys[] = {
	END_KEYS
};

static void
none_render(const struct dev *dev, struct optlist *ol)
{
	(void)dev;
	(void)ol;
}

const struct devtype devtype_virtio_rnd = {
	"virtio-rnd", "virtio-rnd", no_keys, NULL, none_render, NULL, NULL, false
};

/* virtio-9p: one share, SHARE=PATH in the legacy string. */
static const struct key virtio_9p_keys[] = {
	{ "sharename", T_STR, K_REQ, 0, 0, NULL },
	{ "path", T_STR, K_REQ, 0, 0, NULL },
	{ "ro", T_BOOL, 0, 0, 0, NULL },
	END_KEYS
};

static void
virtio_9p_render(const struct dev *dev, struct optlist *ol)
{
	const char *share;

	share = jstr(dev->dv_obj, "sharename");
	opt_add(ol, "sharename", LS_NONE, NULL, share);
	if (ol->ol_n > 0)
		ol->ol_opts[ol->ol_n - 1].o_special = true;
	opt_add(ol, "path", LS_KV, share, jstr(dev->dv_obj, "path"));
	opt_add_flag(ol, dev->dv_obj, "ro", "ro");
}

static const char *
virtio_9p_what(const struct dev *dev, struct pool *p)
{
	(void)p;
	return (jstr(dev->dv_obj, "sharename"));
}

const struct devtype devtype_virtio_9p = {
	"virtio-9p", "virtio-9p", virtio_9p_keys, NULL, virtio_9p_render,
	virtio_9p_what, virtio_9p_host, false
};

/* virtio-input: an evdev device of the host. */
static const struct key virtio_input_keys[] = {
	{ "path", T_STR, K_REQ, 0, 0, NULL },
	END_KEYS
};

static void
path_render(const struct dev *dev, struct optlist *ol)
{
	opt_add_str(ol, dev->dv_obj, "path", "path", LS_BARE);
}

static const char *
path_what(const struct dev *dev, struct pool *p)
{
	(void)p;
	return (jstr(dev->dv_obj, "path"));
}

const struct devtype devtype_virtio_input = {
	"virtio-input", "virtio-input", virtio_input_keys, NULL, path_render,
	path_what, path_host, true
};

/*
 * passthru: a host PCI device bound to ppt(4), by address or by
 * vendor/device lookup (resolved on the host, never guessed).
 */
static void
check_pciid(struct vctx *vc, jv_t *v, const char *path)
{
	const char *s;

	s = jv_str(v);
	if (strlen(s) != 10 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') ||
	    strspn(s + 2, "0123456789abcdefABCDEF") != 8)
		verr(vc, "bad-value", path, "\"%s\": expected \"0x\" and 8 "
		    "hexadecimal digits (id and subsystem id)", s);
}

const struct key lookup_keys[] = {
	{ "vendor", T_STR, K_REQ, 0, 0, check_pciid },
	{ "device", T_STR, K_REQ, 0, 0, check_pciid },
	END_KEYS
};

static void
check_lookup(struct vctx *vc, jv_t *v, const char *path)
{
	schema_check(vc, v, lookup_keys, NULL, path, false);
}

static void
check_pcisrc(struct vctx *vc, jv_t *v, const char *path)
{
	struct slot sl;

	if (!pci_src_parse(jv_str(v), &sl))
		verr(vc, "bad-slot", path, "\"%s\" is not a host PCI address: "
		    "expected B:S:F or B/S/F in decimal (bus 0-255, slot "
		    "0-31, function 0-7), or S:F or S on bus 0", jv_str(v));
}

static const struct key passthru_keys[] = {
	{ "src", T_STR, 0, 0, 0, check_pcisrc },
	{ "lookup", T_OBJ, 0, 0, 0, check_lookup },
	{ "rom", T_STR, 0, 0, 0, NULL },
	END_KEYS
};

static void
passthru_check(struct vctx *vc, struct dev *dev)
{
	bool s, l;

	s = jv_get(dev->dv_obj, "src") != NULL;
	l = jv_get(dev->dv_obj, "lookup") != NULL;
	if (s && l)
		verr(vc, "conflict", vpath(vc, dev->dv_path, "lookup"),
		    "give either \"src\" or \"lookup\", not both");
	else if (!s && !l)
		verr(vc, "missing-key", vpath(vc, dev->dv_path, "src"),
		    "a passthru device needs \"src\" or \"lookup\"");
}

/*
 * A lookup is resolved by the host (its PCI device list) when the VM is
 * rendered; where the host cannot answer, rendering fails rather than
 * make up an address (design §2.5).
 */
static bool
lookup_resolve(jv_t *obj, struct slot *sl)
{
	unsigned long vid, did;

	if (!lookup_ids(jv_get(obj, "lookup"), &vid, &did))
		return (false);
	return (plat_get()->po_pci_lookup(vid, did, &sl->s_bus, &sl->s_slot,
	    &sl->s_func) == 0);
}

static void
passthru_render(const struct dev *dev, struct optlist *ol)
{
	struct slot sl;
	const char *src;

	src = jstr(dev->dv_obj, "src");
	if (src == NULL && !lookup_resolve(dev->dv_obj, &sl)) {
		ol->ol_needhost = true;
		return;
	}
	if (src != NULL && !pci_src_parse(src, &sl)) {
		ol->ol_needhost = true;
		return;
	}
	opt_addf(ol, NULL, LS_BARE, NULL, "%u/%u/%u", sl.s_bus, sl.s_slot,
	    sl.s_func);
	opt_addf(ol, "bus", LS_NONE, NULL, "%u", sl.s_bus);
	opt_addf(ol, "slot", LS_NONE, NULL, "%u", sl.s_slot);
	opt_addf(ol, "func", LS_NONE, NULL, "%u", sl.s_func);
	opt_add_str(ol, dev->dv_obj, "rom", "rom", LS_KV);
}

static const char *
passthru_what(const struct dev *dev, struct pool *p)
{
	const char *s;

	(void)p;
	if ((s = jstr(dev->dv_obj, "src")) != NULL)
		return (s);
	return ("lookup");
}

const struct devtype devtype_passthru = {
	"passthru", "passthru", passthru_keys, passthru_check,
	passthru_render, passthru_what, passthru_host, false
};

/* fbuf: VNC framebuffer (UEFI guests). */
static void
check_vga(struct vctx *vc, jv_t *v, const char *path)
{
	const char *s;

	s = jv_str(v);
	if (strcmp(s, "io") != 0 && strcmp(s, "on") != 0 &&
	    strcmp(s, "off") != 0)
		verr(vc, "bad-value", path, "\"%s\": expected io, on or off",
		    s);
	else if (strcmp(s, "on") == 0)
		vwarn(vc, "vga-on", path, "with vga \"on\" bhyve 14 and 15 "
		    "start no VNC server (\"VGA rendering not enabled\")");
}

const struct key fbuf_keys[] = {
	{ "host", T_STR, 0, 0, 0, check_ipaddr },
	{ "port", T_INT, K_RANGE, 1, 65535, NULL },
	{ "width", T_INT, K_RANGE, 640, 3840, NULL },
	{ "height", T_INT, K_RANGE, 480, 2160, NULL },
	{ "vga", T_STR, 0, 0, 0, check_vga },
	{ "password", T_STR, 0, 0, 0, NULL },
	{ "wait", T_BOOL, 0, 0, 0, NULL },
	END_KEYS
};

static void
fbuf_check(struct vctx *vc, struct dev *dev)
{
	bool w, h;

	w = jv_get(dev->dv_obj, "width") != NULL;
	h = jv_get(dev->dv_obj, "height") != NULL;
	if (w && !h)
		verr(vc, "missing-key", vpath(vc, dev->dv_path, "height"),
		    "width and height go together");
	else if (h && !w)
		verr(vc, "missing-key", vpath(vc, dev->dv_path, "width"),
		    "width and height go together");
}

static const char *
fbuf_hostport(struct pool *p, jv_t *obj)
{
	const char *host;
	long long port;

	if ((host = jstr(obj, "host")) == NULL)
		host = "127.0.0.1";
	if (!jint(obj, "port", &port))
		port = 5900;
	if (strchr(host, ':') != NULL)
		return (pool_printf(p, "[%s]:%lld", host, port));
	return (pool_printf(p, "%s:%lld", host, port));
}

static void
fbuf_render(const struct dev *dev, struct optlist *ol)
{
	jv_t *obj;
	long long n;

	obj = dev->dv_obj;
	/* Legacy "tcp=" and config "rfb" are the same setting (pci_fbuf.c). */
	opt_add(ol, "rfb", LS_KV, "tcp", fbuf_hostport(ol->ol_pool, obj));
	if (jint(obj, "width", &n))
		opt_addf(ol, "w", LS_KV, "w", "%lld", n);
	if (jint(obj, "height", &n))
		opt_addf(ol, "h", LS_KV, "h", "%lld", n);
	opt_add_str(ol, obj, "vga", "vga", LS_KV);
	opt_add_str(ol, obj, "password", "password", LS_KV);
	opt_add_flag(ol, obj, "wait", "wait");
}

static const char *
fbuf_what(const struct dev *dev, struct pool *p)
{
	return (fbuf_hostport(p, dev->dv_obj));
}

const struct devtype devtype_fbuf = {
	"fbuf", "fbuf", fbuf_keys, fbuf_check, fbuf_render, fbuf_what, NULL, false
};

/* xhci: a USB controller with a tablet, for VNC pointers. */
static void
xhci_render(const struct dev *dev, struct optlist *ol)
{
	(void)dev;
	opt_add(ol, "slot.1.device", LS_BARE, NULL, "tablet");
}

static const char *
xhci_what(const struct dev *dev, struct pool *p)
{
	(void)p;
	(void)dev;
	return ("tablet");
}

const struct devtype devtype_xhci = {
	"xhci", "xhci", no_keys, NULL, xhci_render, xhci_what, NULL, false
};

/* hda: sound, to and from /dev/dspN. */
static const struct key hda_keys[] = {
	{ "play", T_STR, 0, 0, 0, NULL },
	{ "rec", T_STR, 0, 0, 0, NULL },
	END_KEYS
};

static void
hda_check(struct vctx *vc, struct dev *dev)
{
	if (jv_get(dev->dv_obj, "play") == NULL &&
	    jv_get(dev->dv_obj, "rec") == NULL)
		verr(vc, "missing-key", vpath(vc, dev->dv_path, "play"),
		    "an hda device needs \"play\", \"rec\" or both");
}

static void
hda_render(const struct dev *dev, struct optlist *ol)
{
	opt_add_str(ol, dev->dv_obj, "play", "play", LS_KV);
	opt_add_str(ol, dev->dv_obj, "rec", "rec", LS_KV);
}

static const char *
hda_what(const struct dev *dev, struct pool *p)
{
	const char *s;

	(void)p;
	if ((s = jstr(dev->dv_obj, "play")) != NULL)
		return (s);
	return (jstr(dev->dv_obj, "rec"));
}

const struct devtype devtype_hda = {
	"hda", "hda", hda_keys, hda_check, hda_render, hda_what, hda_host, false
};

/* uart: a PCI 16550 with a serial backend like a COM port's. */
static const struct key uart_keys[] = {
	{ "backend", T_STR, K_REQ, 0, 0, check_tty_backend },
	END_KEYS
};

static void
uart_check(struct vctx *vc, struct dev *dev)
{
	const char *b;

	(void)vc;
	if ((b = jstr(dev->dv_obj, "backend")) != NULL &&
	    is_stdio_backend(b))
		dev->dv_stdio = true;
}

static void
uart_render(const struct dev *dev, struct optlist *ol)
{
	opt_add_str(ol, dev->dv_obj, "backend", "path", LS_BARE);
}

static const char *
uart_what(const struct dev *dev, struct pool *p)
{
	(void)p;
	return (jstr(dev->dv_obj, "backend"));
}

const struct devtype devtype_uart = {
	"uart", "uart", uart_keys, uart_check, uart_render, uart_what,
	uart_host, false
};

/* raw: the escape hatch; the text after "slot," verbatim, unchecked. */
static const struct key raw_keys[] = {
	{ "value", T_STR, K_REQ, 0, 0, NULL },
	END_KEYS
};

static void
raw_render(const struct dev *dev, struct optlist *ol)
{
	ol->ol_raw = true;
	ol->ol_legacy = jstr(dev->dv_obj, "value");
}

static const char *
raw_what(const struct dev *dev, struct pool *p)
{
	(void)p;
	return (jstr(dev->dv_obj, "value"));
}

const struct devtype devtype_raw = {
	"raw", "raw", raw_keys, NULL, raw_render, raw_what, NULL, false
};

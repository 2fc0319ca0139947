/*
 * Network devices: virtio-net and e1000 (design §2.5, bhyve.md §5.2).
 */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmrun_impl.h"
#include "platform.h"

enum nettype {
	NET_UNKNOWN,
	NET_TAP,
	NET_NETGRAPH,
	NET_NETMAP,
	NET_VALE,
	NET_SLIRP
};

static const char *const nettype_names[] = {
	"?", "tap", "netgraph", "netmap", "vale", "slirp"
};

static void
check_nettype(struct vctx *vc, jv_t *v, const char *path)
{
	size_t i;

	for (i = 1; i < sizeof(nettype_names) / sizeof(nettype_names[0]); i++)
		if (strcmp(jv_str(v), nettype_names[i]) == 0)
			return;
	verr(vc, "bad-value", path, "\"%s\" is not a network backend type: "
	    "expected tap, netgraph, netmap, vale or slirp",
	    jv_str(v));
}

/* mtu: an integer, or (as the original vmrun wrote it) a decimal string. */
static bool
mtu_value(jv_t *v, long long *np)
{
	const char *s;
	long long n;

	if (jv_is_int(v)) {
		*np = jv_int(v);
		return (true);
	}
	if (!jv_is_str(v))
		return (false);
	s = jv_str(v);
	if (*s == '\0' || strlen(s) > 6 || strspn(s, "0123456789") !=
	    strlen(s))
		return (false);
	for (n = 0; *s != '\0'; s++)
		n = n * 10 + (*s - '0');
	*np = n;
	return (true);
}

static void
check_mtu(struct vctx *vc, jv_t *v, const char *path)
{
	long long n;

	if (!mtu_value(v, &n)) {
		verr(vc, "bad-value", path, "\"%s\" is not an MTU",
		    jv_str(v));
		return;
	}
	if (n < 68 || n > 65535)
		verr(vc, "out-of-range", path, "%lld is out of range: "
		    "expected 68 to 65535", n);
}

/*
 * bridge: an interface name as both systems take it (IFNAMSIZ - 1), of
 * the characters a name in a diagnostic or an event needs no escaping
 * for.
 */
static void
check_bridge(struct vctx *vc, jv_t *v, const char *path)
{
	check_leadname(vc, v, path, "bad-value", "bridge interface name", 15);
}

/*
 * descr: what ifconfig(8) shows; printable text (no control characters)
 * that fits Linux's alias (IFALIASZ, 256 with its NUL).
 */
static void
check_descr(struct vctx *vc, jv_t *v, const char *path)
{
	const unsigned char *s;
	size_t i;

	s = (const unsigned char *)jv_str(v);
	if (jv_len(v) > PLAT_DESCR_MAX - 1) {
		verr(vc, "out-of-range", path, "a description of %zu bytes is "
		    "too long: at most %d", jv_len(v), PLAT_DESCR_MAX - 1);
		return;
	}
	for (i = 0; i < jv_len(v); i++)
		if (s[i] < 0x20 || s[i] == 0x7f) {
			verr(vc, "bad-value", path, "a description may not "
			    "hold control characters");
			return;
		}
}

#define NET_KEYS \
	{ "name", T_STR, K_REQ, 0, 0, NULL }, \
	{ "type", T_STR, 0, 0, 0, check_nettype }, \
	{ "mac", T_STR, 0, 0, 0, check_mac }, \
	{ "bridge", T_STR, 0, 0, 0, check_bridge }, \
	{ "vlan", T_INT, K_RANGE, 1, 4094, NULL }, \
	{ "descr", T_STR, 0, 0, 0, check_descr }

#define NET_BACKEND_KEYS \
	{ "path", T_STR, 0, 0, 0, NULL }, \
	{ "peerhook", T_STR, 0, 0, 0, NULL }, \
	{ "socket", T_STR, 0, 0, 0, NULL }, \
	{ "hook", T_STR, 0, 0, 0, NULL }, \
	{ "hostfwd", T_STR, 0, 0, 0, NULL }, \
	{ "open", T_BOOL, 0, 0, 0, NULL }

static const struct key virtio_net_keys[] = {
	NET_KEYS,
	{ "mtu", T_INT | T_STR, 0, 0, 0, check_mtu },
	NET_BACKEND_KEYS,
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct key e1000_keys[] = {
	NET_KEYS,
	NET_BACKEND_KEYS,
	{ NULL, 0, 0, 0, 0, NULL }
};

/* The backend type bhyve would choose from the name (prefix match). */
static enum nettype
nettype_infer(const char *name)
{
	if (strncmp(name, "tap", 3) == 0 || strncmp(name, "vmnet", 5) == 0)
		return (NET_TAP);
	if (strncmp(name, "netgraph", 8) == 0)
		return (NET_NETGRAPH);
	if (strncmp(name, "netmap:", 7) == 0)
		return (NET_NETMAP);
	if (strncmp(name, "vale", 4) == 0)
		return (NET_VALE);
	if (strncmp(name, "slirp", 5) == 0)
		return (NET_SLIRP);
	return (NET_UNKNOWN);
}

static enum nettype
nettype_of(jv_t *obj)
{
	const char *t, *name;
	size_t i;

	if ((t = jstr(obj, "type")) != NULL) {
		for (i = 1; i < sizeof(nettype_names) /
		    sizeof(nettype_names[0]); i++)
			if (strcmp(t, nettype_names[i]) == 0)
				return ((enum nettype)i);
		return (NET_UNKNOWN);
	}
	if ((name = jstr(obj, "name")) == NULL)
		return (NET_UNKNOWN);
	return (nettype_infer(name));
}

static bool
name_fits(enum nettype t, const char *name)
{
	const char *c;

	switch (t) {
	case NET_TAP:
		return (match_tapname(name));
	case NET_NETGRAPH:
		return (strcmp(name, "netgraph") == 0);
	case NET_NETMAP:
		return (strncmp(name, "netmap:", 7) == 0 && name[7] != '\0');
	case NET_VALE:
		c = strchr(name, ':');
		return (strncmp(name, "vale", 4) == 0 && name[4] != ':' &&
		    c != NULL && c[1] != '\0');
	case NET_SLIRP:
		return (strcmp(name, "slirp") == 0);
	default:
		return (false);
	}
}

static const char *const name_forms[] = {
	"?", "tapN or vmnetN", "\"netgraph\"", "netmap:IFNAME",
	"valeSWITCH:PORT", "\"slirp\""
};

static void
net_check(struct vctx *vc, struct dev *dev)
{
	static const char *const ngkeys[] = { "path", "peerhook", "socket",
	    "hook" };
	static const char *const slirpkeys[] = { "hostfwd", "open" };
	static const char *const tapkeys[] = { "bridge", "vlan", "descr" };
	jv_t *obj;
	const char *name;
	enum nettype t;
	size_t i;

	obj = dev->dv_obj;
	if ((name = jstr(obj, "name")) == NULL || *name == '\0')
		return;
	if (jv_get(obj, "type") != NULL &&
	    !jv_is_str(jv_get(obj, "type")))
		return;
	t = nettype_of(obj);
	if (t == NET_UNKNOWN) {
		if (jstr(obj, "type") == NULL)
			verr(vc, "bad-backend", vpath(vc, dev->dv_path, "name"),
			    "\"%s\" is not a network backend: expected tapN, "
			    "vmnetN, netgraph, netmap:IF, valeX:Y or slirp",
			    name);
		return;
	}
	if (!name_fits(t, name))
		verr(vc, "bad-backend", vpath(vc, dev->dv_path, "name"),
		    "\"%s\" is not a valid %s backend name: expected %s",
		    name, nettype_names[t], name_forms[t]);
	for (i = 0; i < sizeof(ngkeys) / sizeof(ngkeys[0]); i++)
		if (t != NET_NETGRAPH &&
		    jv_get(obj, ngkeys[i]) != NULL)
			verr(vc, "not-applicable", vpath(vc, dev->dv_path,
			    ngkeys[i]), "only a netgraph backend takes "
			    "\"%s\"", ngkeys[i]);
	for (i = 0; i < sizeof(slirpkeys) / sizeof(slirpkeys[0]); i++)
		if (t != NET_SLIRP &&
		    jv_get(obj, slirpkeys[i]) != NULL)
			verr(vc, "not-applicable", vpath(vc, dev->dv_path,
			    slirpkeys[i]), "only a slirp backend takes "
			    "\"%s\"", slirpkeys[i]);
	for (i = 0; i < sizeof(tapkeys) / sizeof(tapkeys[0]); i++)
		if (t != NET_TAP && jv_get(obj, tapkeys[i]) != NULL)
			verr(vc, "not-applicable", vpath(vc, dev->dv_path,
			    tapkeys[i]), "only a tap backend takes \"%s\"",
			    tapkeys[i]);
	if (t == NET_TAP && jv_get(obj, "vlan") != NULL &&
	    jv_get(obj, "bridge") == NULL)
		verr(vc, "missing-key", vpath(vc, dev->dv_path, "bridge"),
		    "\"vlan\" is the VLAN of a bridge member: it needs "
		    "\"bridge\"");
	if (t == NET_NETGRAPH) {
		if (jv_get(obj, "path") == NULL)
			verr(vc, "missing-key", vpath(vc, dev->dv_path,
			    "path"), "a netgraph backend requires \"path\"");
		if (jv_get(obj, "peerhook") == NULL)
			verr(vc, "missing-key", vpath(vc, dev->dv_path,
			    "peerhook"), "a netgraph backend requires "
			    "\"peerhook\"");
	}
}

static void
net_render(const struct dev *dev, struct optlist *ol)
{
	jv_t *obj, *mtu;
	long long n;

	obj = dev->dv_obj;
	opt_add_str(ol, obj, "name", "backend", LS_BARE);
	opt_add_str(ol, obj, "mac", "mac", LS_KV);
	mtu = jv_get(obj, "mtu");
	if (mtu != NULL && mtu_value(mtu, &n))
		opt_addf(ol, "mtu", LS_KV, "mtu", "%lld", n);
	opt_add_str(ol, obj, "path", "path", LS_KV);
	opt_add_str(ol, obj, "peerhook", "peerhook", LS_KV);
	opt_add_str(ol, obj, "socket", "socket", LS_KV);
	opt_add_str(ol, obj, "hook", "hook", LS_KV);
	opt_add_str(ol, obj, "hostfwd", "hostfwd", LS_KV);
	opt_add_flag(ol, obj, "open", "open");
}

static const char *
net_what(const struct dev *dev, struct pool *p)
{
	(void)p;
	return (jstr(dev->dv_obj, "name"));
}

/*
 * The tap (or vmnet) interface a device's backend is, or NULL: what the
 * host checks and the start (taps.c) deal with.  Borrowed from dev.
 */
const char *
net_tapname(const struct dev *d)
{
	const char *name, *type;

	if (d->dv_type != &devtype_virtio_net && d->dv_type != &devtype_e1000)
		return (NULL);
	name = jstr(d->dv_obj, "name");
	type = jstr(d->dv_obj, "type");
	if (name == NULL || !match_tapname(name) ||
	    (type != NULL && strcmp(type, "tap") != 0))
		return (NULL);
	return (name);
}

/* A tap that is not there yet: made now, at start, or a problem. */
static int
tap_absent(struct hctx *hc, const char *name, const char *path)
{
	char fix[96], msg[64];
	int e;

	/* At a start, the supervisor makes it (taps.c), and records it. */
	if ((hc->hc_flags & CHECK_ATSTART) && host_may_fix(hc))
		return (PLAT_IF_ABSENT);
	if (host_may_fix(hc)) {
		if ((e = hc->hc_plat->po_tap_create(name)) == 0) {
			host_note(hc, "fixed", path, "created tap interface %s",
			    name);
			return (hc->hc_plat->po_if_state(name));
		}
		host_problem(hc, "fix-failed", path, NULL, "cannot create "
		    "tap interface %s: %s", name, strerror(e));
	}
	if (host_will_fix(hc))
		snprintf(fix, sizeof(fix), "ifconfig %s create", name);
	else
		snprintf(fix, sizeof(fix), "ifconfig %s create   (or %s)",
		    name, hc->hc_devfix ? "run with --fix" :
		    "set \"fix\": true on this device");
	snprintf(msg, sizeof(msg), "tap interface %s does not exist", name);
	host_fixable(hc, "tap-missing", path, fix, msg);
	return (PLAT_IF_ABSENT);
}

/*
 * The bridge of a device (design §12.5): it exists, filters VLANs when
 * the device sets one, and may take the tap (exists: the tap is there).
 */
static void
net_host_bridge(struct hctx *hc, const struct dev *d, const char *name,
    bool exists)
{
	struct plat_ifinfo pi;
	const char *br, *path;
	char addr[64], fix[128];
	int st;

	br = jstr(d->dv_obj, "bridge");
	path = host_jp(hc, d->dv_path, "bridge");
	st = hc->hc_plat->po_br_state(br);
	if (st == -ENOENT) {
		snprintf(fix, sizeof(fix), "ifconfig %s create, or name an "
		    "existing bridge", br);
		host_problem(hc, "bridge-missing", path, fix, "bridge %s does "
		    "not exist", br);
	} else if (st == -ENOTTY)
		host_problem(hc, "bridge-invalid", path, NULL, "interface %s "
		    "exists but is not a bridge", br);
	else if (st < 0)
		host_note(hc, "check-failed", path, "cannot check bridge %s: %s",
		    br, strerror(-st));
	else if (jv_get(d->dv_obj, "vlan") != NULL &&
	    !(st & PLAT_BR_VLANFILTER)) {
		snprintf(fix, sizeof(fix), "ifconfig %s vlanfilter", br);
		host_problem(hc, "bridge-no-vlanfilter", host_jp(hc,
		    d->dv_path, "vlan"), fix, "bridge %s does not filter "
		    "VLANs, which \"vlan\" needs", br);
	}
	if (!exists)
		return;
	if (hc->hc_plat->po_if_info(name, &pi) == 0 &&
	    pi.pi_master[0] != '\0' && strcmp(pi.pi_master, br) != 0)
		host_problem(hc, "tap-bridged", path, NULL, "tap interface %s "
		    "is a member of bridge %s", name, pi.pi_master);
	if (hc->hc_plat->po_br_ifaddr(name, addr, sizeof(addr)) == 1) {
		snprintf(fix, sizeof(fix), "remove the address from %s, or "
		    "sysctl net.link.bridge.member_ifaddrs=1", name);
		host_problem(hc, "tap-has-address", path, fix, "tap interface "
		    "%s holds address %s and cannot join bridge %s "
		    "(net.link.bridge.member_ifaddrs=0)", name, addr, br);
	}
}

/*
 * What a tap backend needs from the host (design §6, §12.5).  A device
 * with a bridge has its tap made as "fix": true would.
 */
static void
net_host(struct hctx *hc, const struct dev *d)
{
	const char *name, *path;
	int st;
	bool exists;

	if ((name = net_tapname(d)) == NULL)
		return;
	if (jv_get(d->dv_obj, "bridge") != NULL)
		hc->hc_devfix = true;
	path = host_jp(hc, d->dv_path, "name");
	st = hc->hc_plat->po_if_state(name);
	if (st == PLAT_IF_ABSENT)
		st = tap_absent(hc, name, path);
	exists = st != PLAT_IF_ABSENT;
	switch (st) {
	case PLAT_IF_BUSY:
		host_problem(hc, "tap-busy", path, NULL, "tap interface %s is "
		    "open in another process (another VM?)", name);
		break;
	case PLAT_IF_NOTTAP:
		host_problem(hc, "tap-invalid", path, NULL,
		    "interface %s exists but is not a tap interface", name);
		break;
	case PLAT_IF_FREE:
	case PLAT_IF_ABSENT:
		break;
	default:
		if (st < 0)
			host_note(hc, "check-failed", path,
			    "cannot check interface "
			    "%s: %s", name, strerror(-st));
		break;
	}
	if (jv_get(d->dv_obj, "bridge") != NULL)
		net_host_bridge(hc, d, name, exists);
}

const struct devtype devtype_virtio_net = {
	"virtio-net", "virtio-net", virtio_net_keys, net_check, net_render,
	net_what, net_host, false
};

const struct devtype devtype_e1000 = {
	"e1000", "e1000", e1000_keys, net_check, net_render, net_what,
	net_host, false
};

/*
 * Network devices: virtio-net and e1000 (design §2.5, bhyve.md §5.2).
 */

#include <ctype.h>
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

#define NET_KEYS \
	{ "name", T_STR, K_REQ, 0, 0, NULL }, \
	{ "type", T_STR, 0, 0, 0, check_nettype }, \
	{ "mac", T_STR, 0, 0, 0, check_mac }

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

/* What a tap backend needs from the host (design §6). */
static void
net_host(struct hctx *hc, const struct dev *d)
{
	const char *name, *path, *type;
	char fix[96], msg[64];
	int st, e;

	name = jstr(d->dv_obj, "name");
	type = jstr(d->dv_obj, "type");
	if (name == NULL || !match_tapname(name) ||
	    (type != NULL && strcmp(type, "tap") != 0))
		return;
	path = host_jp(hc, d->dv_path, "name");
	st = hc->hc_plat->po_if_state(name);
	if (st == PLAT_IF_ABSENT && host_may_fix(hc)) {
		if ((e = hc->hc_plat->po_tap_create(name)) == 0) {
			host_note(hc, "fixed", path, "created tap interface %s",
			    name);
			st = hc->hc_plat->po_if_state(name);
		} else
			host_problem(hc, "fix-failed", path, NULL,
			    "cannot create "
			    "tap interface %s: %s", name, strerror(e));
	}
	switch (st) {
	case PLAT_IF_ABSENT:
		if (host_will_fix(hc))
			snprintf(fix, sizeof(fix), "ifconfig %s create", name);
		else
			snprintf(fix, sizeof(fix), "ifconfig %s create   (or %s)",
			    name, hc->hc_devfix ? "run with --fix" :
			    "set \"fix\": true on this device");
		snprintf(msg, sizeof(msg), "tap interface %s does not exist",
		    name);
		host_fixable(hc, "tap-missing", path, fix, msg);
		break;
	case PLAT_IF_BUSY:
		host_problem(hc, "tap-busy", path, NULL, "tap interface %s is "
		    "open in another process (another VM?)", name);
		break;
	case PLAT_IF_NOTTAP:
		host_problem(hc, "tap-invalid", path, NULL,
		    "interface %s exists but is not a tap interface", name);
		break;
	case PLAT_IF_FREE:
		break;
	default:
		if (st < 0)
			host_note(hc, "check-failed", path,
			    "cannot check interface "
			    "%s: %s", name, strerror(-st));
		break;
	}
}

const struct devtype devtype_virtio_net = {
	"virtio-net", "virtio-net", virtio_net_keys, net_check, net_render,
	net_what, net_host, false
};

const struct devtype devtype_e1000 = {
	"e1000", "e1000", e1000_keys, net_check, net_render, net_what,
	net_host, false
};

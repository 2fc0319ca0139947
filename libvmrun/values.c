/*
 * values: parsers and checks for the scalar value kinds of the
 * configuration language (design §2): slots, sizes, names, addresses.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "vmrun_impl.h"

/* A decimal number of 1 to 3 digits, nothing else (no sign, no blanks). */
static bool
small_dec(const char *s, size_t n, unsigned max, unsigned *vp)
{
	unsigned v;
	size_t i;

	if (n == 0 || n > 3)
		return (false);
	for (i = v = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return (false);
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return (false);
	*vp = v;
	return (true);
}

/*
 * "B:S:F", "S:F" or "S", decimal only.  bhyve reads slots with sscanf and
 * accepts trailing garbage (bhyve.md §4.1); vmrun accepts only the plain
 * form and always writes B:S:F.
 */
bool
slot_parse(const char *s, struct slot *sl)
{
	const char *parts[3];
	size_t lens[3], n;
	const char *p, *c;
	unsigned v[3];

	n = 0;
	p = s;
	for (;;) {
		if (n == 3)
			return (false);
		c = strchr(p, ':');
		parts[n] = p;
		lens[n] = c == NULL ? strlen(p) : (size_t)(c - p);
		n++;
		if (c == NULL)
			break;
		p = c + 1;
	}
	switch (n) {
	case 1:
		v[0] = 0;
		v[2] = 0;
		if (!small_dec(parts[0], lens[0], 31, &v[1]))
			return (false);
		break;
	case 2:
		v[0] = 0;
		if (!small_dec(parts[0], lens[0], 31, &v[1]) ||
		    !small_dec(parts[1], lens[1], 7, &v[2]))
			return (false);
		break;
	default:
		if (!small_dec(parts[0], lens[0], 255, &v[0]) ||
		    !small_dec(parts[1], lens[1], 31, &v[1]) ||
		    !small_dec(parts[2], lens[2], 7, &v[2]))
			return (false);
		break;
	}
	sl->s_bus = v[0];
	sl->s_slot = v[1];
	sl->s_func = v[2];
	return (true);
}

const char *
slot_str(struct pool *p, const struct slot *sl)
{
	char buf[16];

	slot_fmt(sl, buf);
	return (pool_strdup(p, buf));
}

/* "B:S:F" into buf (16 bytes), without printf: it is made per device. */
void
slot_fmt(const struct slot *sl, char buf[16])
{
	unsigned v[3];
	size_t i, n;

	v[0] = sl->s_bus;
	v[1] = sl->s_slot;
	v[2] = sl->s_func;
	for (i = n = 0; i < 3; i++) {
		if (i > 0)
			buf[n++] = ':';
		if (v[i] >= 100)
			buf[n++] = (char)('0' + v[i] / 100 % 10);
		if (v[i] >= 10)
			buf[n++] = (char)('0' + v[i] / 10 % 10);
		buf[n++] = (char)('0' + v[i] % 10);
	}
	buf[n] = '\0';
}

void
check_slot(struct vctx *vc, jv_t *v, const char *path)
{
	struct slot sl;

	if (!slot_parse(jv_str(v), &sl))
		verr(vc, "bad-slot", path, "\"%s\" is not a PCI slot: expected "
		    "B:S:F, S:F or S in decimal (bus 0-255, slot 0-31, "
		    "function 0-7)", jv_str(v));
}

bool
match_idname(const char *s, size_t max)
{
	size_t n;

	for (n = 0; isalnum((unsigned char)s[n]) || s[n] == '_' ||
	    s[n] == '.' || s[n] == '-'; n++)
		;
	return (n > 0 && n <= max && s[n] == '\0');
}

/*
 * A name of 1 to max letters, digits, '.', '_' or '-' that starts with a
 * letter or digit (what, e.g. "VM name", says which name it is).
 */
void
check_leadname(struct vctx *vc, jv_t *v, const char *path, const char *code,
    const char *what, size_t max)
{
	const char *s;

	s = jv_str(v);
	if (!isalnum((unsigned char)s[0]) || !match_idname(s, max))
		verr(vc, code, path, "\"%s\" is not a valid %s: use 1 to %zu "
		    "letters, digits, '.', '_' or '-', starting with a letter "
		    "or digit", s, what, max);
}

/* design §2.1: ^[A-Za-z0-9][A-Za-z0-9._-]{0,30}$ */
void
check_vmname(struct vctx *vc, jv_t *v, const char *path)
{
	check_leadname(vc, v, path, "bad-name", "VM name", 31);
}

/*
 * mem: "^[0-9]+[kKmMgGtT]$" in binary units, or an integer of bytes.
 * Returns false when the value is malformed or overflows.
 */
bool
mem_parse(jv_t *v, uint64_t *bytesp)
{
	const char *s, *u;
	uint64_t n, mul;
	size_t len, i;

	if (jv_is_int(v)) {
		if (jv_int(v) < 0)
			return (false);
		*bytesp = (uint64_t)jv_int(v);
		return (true);
	}
	if (!jv_is_str(v))
		return (false);
	s = jv_str(v);
	len = strlen(s);
	if (len < 2 || (u = strchr("kKmMgGtT", s[len - 1])) == NULL)
		return (false);
	for (i = 0, n = 0; i < len - 1; i++) {
		if (!isdigit((unsigned char)s[i]))
			return (false);
		if (n > (UINT64_MAX - 9) / 10)
			return (false);
		n = n * 10 + (uint64_t)(s[i] - '0');
	}
	switch (*u) {
	case 'k': case 'K':
		mul = 1ULL << 10;
		break;
	case 'm': case 'M':
		mul = 1ULL << 20;
		break;
	case 'g': case 'G':
		mul = 1ULL << 30;
		break;
	default:
		mul = 1ULL << 40;
		break;
	}
	if (n > UINT64_MAX / mul)
		return (false);
	*bytesp = n * mul;
	return (true);
}

void
check_mem(struct vctx *vc, jv_t *v, const char *path)
{
	const char *s;
	uint64_t b;
	size_t n;

	if (!mem_parse(v, &b)) {
		s = jv_str(v);
		n = s != NULL ? strlen(s) : 0;
		/* The form of a size, but more than 64 bits hold. */
		if (n >= 2 && strspn(s, "0123456789") == n - 1 &&
		    strchr("kKmMgGtT", s[n - 1]) != NULL)
			verr(vc, "bad-size", path, "\"%s\" is too large: "
			    "memory is at most 1 PiB", s);
		else if (jv_is_str(v))
			verr(vc, "bad-size", path, "\"%s\" is not a size: "
			    "expected a number followed by K, M, G or T "
			    "(e.g. \"512M\")", jv_str(v));
		else
			verr(vc, "bad-size", path, "a size in bytes cannot "
			    "be negative");
		return;
	}
	/* An integer is bytes; "mem": 1024 most likely meant MiB. */
	if (b < (1ULL << 20) && jv_is_int(v))
		verr(vc, "bad-size", path, "memory must be at least 1 MiB: "
		    "a JSON integer is a number of bytes, so %lld is %lld "
		    "bytes (for MiB write \"%lldM\")", jv_int(v), jv_int(v),
		    jv_int(v));
	else if (b < (1ULL << 20))
		verr(vc, "bad-size", path, "memory must be at least 1 MiB");
	else if (b % (1ULL << 20) != 0 && jv_is_int(v))
		verr(vc, "bad-size", path, "memory must be a whole number "
		    "of MiB: a JSON integer is a number of bytes");
	else if (b % (1ULL << 20) != 0)
		verr(vc, "bad-size", path, "memory must be a whole number "
		    "of MiB");
	else if (b > (1ULL << 50))
		verr(vc, "bad-size", path, "memory size is implausibly "
		    "large (more than 1 PiB)");
}

/* The largest exact unit, so bhyve never sees a bare number (bhyve.md §2.3). */
const char *
mem_str(struct pool *p, uint64_t b)
{
	char n[21];

	if (b % (1ULL << 40) == 0)
		return (pool_join(p, u64_str(b >> 40, n), NULL, "T"));
	if (b % (1ULL << 30) == 0)
		return (pool_join(p, u64_str(b >> 30, n), NULL, "G"));
	return (pool_join(p, u64_str(b >> 20, n), NULL, "M"));
}

/* RFC 4122 text form: 8-4-4-4-12 hexadecimal digits. */
void
check_uuid(struct vctx *vc, jv_t *v, const char *path)
{
	const char *s;
	size_t i;
	bool ok;

	s = jv_str(v);
	ok = strlen(s) == 36;
	for (i = 0; ok && i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			ok = s[i] == '-';
		else
			ok = isxdigit((unsigned char)s[i]) != 0;
	}
	if (!ok)
		verr(vc, "bad-uuid", path, "\"%s\" is not a UUID (expected "
		    "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", s);
}

static bool
parse_port(const char *s, long *portp)
{
	char *end;
	long n;

	if (*s == '\0' || !isdigit((unsigned char)*s) || strlen(s) > 5)
		return (false);
	errno = 0;
	n = strtol(s, &end, 10);
	if (*end != '\0' || errno != 0 || n < 1 || n > 65535)
		return (false);
	*portp = n;
	return (true);
}

static bool
is_ipaddr(const char *s, bool v6)
{
	unsigned char buf[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, s, buf) == 1)
		return (true);
	return (v6 && inet_pton(AF_INET6, s, buf) == 1);
}

/*
 * A numeric address and a port as one comparable value: two listeners on
 * equal values cannot both bind.  False if host is no numeric address.
 */
bool
tcpaddr_make(const char *host, long port, struct tcpaddr *ta)
{
	memset(ta, 0, sizeof(*ta));
	ta->ta_fam = 4;
	if (inet_pton(AF_INET, host, ta->ta_addr) != 1) {
		ta->ta_fam = 6;
		if (inet_pton(AF_INET6, host, ta->ta_addr) != 1)
			return (false);
	}
	ta->ta_port[0] = (unsigned char)((port >> 8) & 0xff);
	ta->ta_port[1] = (unsigned char)(port & 0xff);
	return (true);
}

/*
 * "ADDR:PORT" with a numeric IPv4 address, or "[IPv6]:PORT" (bhyve.md
 * §6.1: numeric addresses only); its value in *ta unless ta is NULL.
 */
bool
hostport_parse(const char *s, bool allow_v6, struct tcpaddr *ta)
{
	char host[64];
	const char *c;
	long port;
	size_t n;

	if (allow_v6 && s[0] == '[') {
		if ((c = strchr(s, ']')) == NULL || c[1] != ':')
			return (false);
		n = (size_t)(c - s - 1);
		if (n == 0 || n >= sizeof(host))
			return (false);
		memcpy(host, s + 1, n);
		host[n] = '\0';
		if (inet_pton(AF_INET6, host, (unsigned char[16]){0}) != 1 ||
		    !parse_port(c + 2, &port))
			return (false);
		return (ta == NULL || tcpaddr_make(host, port, ta));
	}
	if ((c = strrchr(s, ':')) == NULL)
		return (false);
	n = (size_t)(c - s);
	if (n == 0 || n >= sizeof(host))
		return (false);
	memcpy(host, s, n);
	host[n] = '\0';
	if (!is_ipaddr(host, false) || !parse_port(c + 1, &port))
		return (false);
	return (ta == NULL || tcpaddr_make(host, port, ta));
}

void
check_ipaddr(struct vctx *vc, jv_t *v, const char *path)
{
	if (!is_ipaddr(jv_str(v), true))
		verr(vc, "bad-address", path, "\"%s\" is not a numeric IPv4 "
		    "or IPv6 address", jv_str(v));
}

/*
 * gdb: "[w][ADDR:]PORT" or an integer port.  bhyve splits the address at
 * the last ':' (bhyve.md §2.1).
 */
void
check_gdb(struct vctx *vc, jv_t *v, const char *path)
{
	char host[64];
	const char *s, *c;
	long port;
	size_t n;

	if (jv_is_int(v)) {
		if (jv_int(v) < 1 ||
		    jv_int(v) > 65535)
			verr(vc, "out-of-range", path, "%lld is not a TCP "
			    "port: expected 1 to 65535",
			    (long long)jv_int(v));
		return;
	}
	s = jv_str(v);
	if (*s == 'w')
		s++;
	if ((c = strrchr(s, ':')) == NULL) {
		if (!parse_port(s, &port))
			goto bad;
		return;
	}
	n = (size_t)(c - s);
	if (n >= sizeof(host))
		goto bad;
	memcpy(host, s, n);
	host[n] = '\0';
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		memmove(host, host + 1, n - 2);
		host[n - 2] = '\0';
	}
	if ((strcmp(host, "localhost") == 0 || is_ipaddr(host, true)) &&
	    parse_port(c + 1, &port))
		return;
bad:
	verr(vc, "bad-gdb", path, "\"%s\" is not a debug port: expected "
	    "[w][ADDR:]PORT, e.g. \"1234\" or \"w127.0.0.1:1234\"",
	    jv_str(v));
}

bool
is_stdio_backend(const char *s)
{
	return (strcmp(s, "stdio") == 0);
}

/* A serial backend (bhyve.md §6.1): stdio, a /dev tty, or tcp=ADDR:PORT. */
static void
tty_backend(struct vctx *vc, jv_t *v, const char *path, bool com)
{
	const char *s;

	s = jv_str(v);
	if (is_stdio_backend(s) || (com && strcmp(s, "capture") == 0))
		return;
	if (strncmp(s, "/dev/", 5) == 0 && s[5] != '\0')
		return;
	if (strncmp(s, "tcp=", 4) == 0) {
		if (!hostport_parse(s + 4, true, NULL))
			verr(vc, "bad-backend", path, "\"%s\": expected "
			    "tcp=IPv4:PORT or tcp=[IPv6]:PORT with a numeric "
			    "address", s);
		return;
	}
	if (com)
		verr(vc, "bad-backend", path, "\"%s\" is not a serial "
		    "backend: expected \"stdio\", a terminal device such as "
		    "\"/dev/nmdm0A\", \"tcp=ADDR:PORT\", or \"capture\"", s);
	else
		verr(vc, "bad-backend", path, "\"%s\" is not a serial "
		    "backend: expected \"stdio\", a terminal device such as "
		    "\"/dev/nmdm0A\", or \"tcp=ADDR:PORT\"", s);
}

/*
 * A path that becomes an option of a program that splits its options on
 * commas with no escape (bhyve's -l tpm, swtpm's --tpmstate): not
 * empty, and no comma in it.
 */
void
check_comma_free(struct vctx *vc, jv_t *v, const char *path)
{
	if (*jv_str(v) == '\0')
		verr(vc, "empty", path, "must name a path");
	else if (strchr(jv_str(v), ',') != NULL)
		verr(vc, "bad-path", path, "\"%s\" holds a comma, which swtpm "
		    "and bhyve take as the end of an option", jv_str(v));
}

void
check_tty_backend(struct vctx *vc, jv_t *v, const char *path)
{
	tty_backend(vc, v, path, false);
}

/* A COM port: a serial backend, or "capture" (vmrun owns the port). */
void
check_com_backend(struct vctx *vc, jv_t *v, const char *path)
{
	tty_backend(vc, v, path, true);
}

/* bhyve refuses multicast and all-zero addresses (net_parsemac). */
void
check_mac(struct vctx *vc, jv_t *v, const char *path)
{
	const char *s;
	unsigned oct[6], i;
	bool ok, zero;

	s = jv_str(v);
	ok = strlen(s) == 17;
	for (i = 0; ok && i < 17; i++) {
		if (i % 3 == 2)
			ok = s[i] == ':';
		else
			ok = isxdigit((unsigned char)s[i]) != 0;
	}
	if (!ok) {
		verr(vc, "bad-mac", path, "\"%s\" is not a MAC address "
		    "(expected xx:xx:xx:xx:xx:xx)", s);
		return;
	}
	zero = true;
	for (i = 0; i < 6; i++) {
		oct[i] = (unsigned)strtoul(s + 3 * i, NULL, 16);
		if (oct[i] != 0)
			zero = false;
	}
	if (zero || (oct[0] & 1))
		verr(vc, "bad-mac", path, "\"%s\" is not a unicast MAC "
		    "address", s);
}

/* Serial numbers of virtio-blk, AHCI and NVMe disks hold 20 characters. */
void
check_ser(struct vctx *vc, jv_t *v, const char *path)
{
	if (strlen(jv_str(v)) > 20)
		verr(vc, "too-long", path, "a serial number is at most 20 "
		    "characters");
}

/* A program and its arguments: a string split on blanks, or an array. */
void
check_argv(struct vctx *vc, jv_t *v, const char *path)
{
	jv_t *e;
	size_t i;

	if (jv_is_str(v)) {
		if (strspn(jv_str(v), " \t") ==
		    strlen(jv_str(v)))
			verr(vc, "empty", path, "must contain a word");
		return;
	}
	jv_array_foreach(v, i, e) {
		if (!jv_is_str(e))
			verr(vc, "wrong-type", vpathi(vc, path, i), "expected "
			    "a string, not %s", jv_type_word(e));
		else if (jv_len(e) == 0)
			verr(vc, "empty", vpathi(vc, path, i),
			    "must not be empty");
	}
}

/* design §2.5: ^(tap|vmnet)[0-9]+$ */
bool
match_tapname(const char *s)
{
	size_t n;

	if (strncmp(s, "tap", 3) == 0)
		s += 3;
	else if (strncmp(s, "vmnet", 5) == 0)
		s += 5;
	else
		return (false);
	n = strspn(s, "0123456789");
	return (n > 0 && s[n] == '\0');
}

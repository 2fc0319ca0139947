/*
 * jv: the configuration's JSON tree.  A strict RFC 8259 reader builds it
 * in a pool, in one pass over the text: values are 16 bytes, an array's
 * elements and an object's members are contiguous, every string is copied
 * once into one block the size of the text.  The tree is read-only once
 * built, so a target's merged top level can share the base's values.
 *
 * jansson's parser and tree cost more than the rest of the plan path
 * (jansson stays for the documents vmrun writes); this reader also knows
 * where it is, so an error names its JSON path as well as its position.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmrun_impl.h"

/* Objects larger than this check duplicate keys through a hash set. */
#define SMALL_OBJECT	8

struct rd {
	const unsigned char *r_text;
	size_t		 r_len;
	size_t		 r_pos;
	struct pool	*r_pool;
	char		*r_str;		/* string space, r_len bytes */
	size_t		 r_strused;
	struct jm	*r_stack;	/* members and elements being read */
	size_t		 r_nstack;
	size_t		 r_capstack;
	/* The first error. */
	const char	*r_code;
	char		 r_msg[160];
	size_t		 r_errpos;	/* offset of its last character */
	bool		 r_nomem;
	bool		 r_ctl;		/* a string holds NUL, CR or LF */
	/* Where the reader is, for a number too big: a path. */
	const char	*r_keys[VMRUN_MAX_DEPTH + 1];
	size_t		 r_idx[VMRUN_MAX_DEPTH + 1];
	bool		 r_inobj[VMRUN_MAX_DEPTH + 1];
	int		 r_depth;
	const char	*r_errpath;	/* the path of a number too big */
};

static bool read_value(struct rd *, struct jv *);

static void
rd_error(struct rd *r, const char *code, size_t at, const char *fmt, ...)
    __attribute__((__format__(__printf__, 4, 5)));

static void
rd_error(struct rd *r, const char *code, size_t at, const char *fmt, ...)
{
	va_list ap;

	if (r->r_code != NULL)
		return;
	r->r_code = code;
	r->r_errpos = at;
	va_start(ap, fmt);
	vsnprintf(r->r_msg, sizeof(r->r_msg), fmt, ap);
	va_end(ap);
}

/* The token at from..to (inclusive) quoted in a message, shortened. */
static const char *
near(struct rd *r, size_t from, size_t to, char buf[48])
{
	size_t n;

	if (from >= r->r_len)
		return ("end of input");
	if (to >= r->r_len)
		to = r->r_len - 1;
	/* Whole characters: not half of a UTF-8 sequence. */
	while (to + 1 < r->r_len && (r->r_text[to + 1] & 0xc0) == 0x80 &&
	    to - from < 44)
		to++;
	n = to - from + 1;
	if (n > 40) {
		/* Cut before a character, not inside one. */
		for (n = 40; n > 0 && (r->r_text[from + n] & 0xc0) == 0x80;
		    n--)
			;
	}
	buf[0] = '\'';
	memcpy(buf + 1, r->r_text + from, n);
	buf[n + 1] = '\'';
	buf[n + 2] = '\0';
	return (buf);
}

static void
skip_ws(struct rd *r)
{
	unsigned char c;

	while (r->r_pos < r->r_len) {
		c = r->r_text[r->r_pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		r->r_pos++;
	}
}

/* The end of the token that starts at pos, for a message. */
static size_t
token_end(struct rd *r, size_t pos)
{
	size_t e;

	if (pos >= r->r_len)
		return (pos);
	if (strchr("{}[],:", r->r_text[pos]) != NULL)
		return (pos);
	if (r->r_text[pos] == '"') {
		for (e = pos + 1; e < r->r_len && r->r_text[e] != '"'; e++)
			if (r->r_text[e] == '\\')
				e++;
		return (e < r->r_len ? e : r->r_len - 1);
	}
	for (e = pos; e + 1 < r->r_len; e++)
		if (strchr("{}[],: \t\r\n\"", r->r_text[e + 1]) != NULL)
			break;
	return (e);
}

static void
unexpected(struct rd *r, const char *what)
{
	char nb[48];
	size_t e;

	e = token_end(r, r->r_pos);
	if (r->r_pos >= r->r_len)
		rd_error(r, "syntax", r->r_len == 0 ? 0 : r->r_len - 1,
		    "%s expected at the end of input", what);
	else
		rd_error(r, "syntax", e, "%s expected near %s", what,
		    near(r, r->r_pos, e, nb));
}

static bool
push(struct rd *r, const char *key, uint32_t klen, const struct jv *v)
{
	struct jm *n;
	size_t cap;

	if (r->r_nstack == r->r_capstack) {
		cap = r->r_capstack == 0 ? 64 : r->r_capstack * 2;
		if ((n = xrealloc(r->r_stack, cap * sizeof(*n))) == NULL) {
			r->r_nomem = true;
			return (false);
		}
		r->r_stack = n;
		r->r_capstack = cap;
	}
	n = &r->r_stack[r->r_nstack++];
	n->m_key = key;
	n->m_klen = klen;
	n->m_val = *v;
	return (true);
}

/* The n entries at the top of the stack, moved into the pool. */
static struct jm *
pop(struct rd *r, size_t n)
{
	struct jm *m;

	r->r_nstack -= n;
	if (n == 0)
		return (NULL);
	if ((m = pool_alloc(r->r_pool, n * sizeof(*m))) == NULL) {
		r->r_nomem = true;
		return (NULL);
	}
	memcpy(m, r->r_stack + r->r_nstack, n * sizeof(*m));
	return (m);
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* Four hex digits at pos, or -1. */
static long
hex4(struct rd *r, size_t pos)
{
	long v;
	int i, h;

	if (pos + 4 > r->r_len)
		return (-1);
	for (v = 0, i = 0; i < 4; i++) {
		if ((h = hexval(r->r_text[pos + i])) < 0)
			return (-1);
		v = v * 16 + h;
	}
	return (v);
}

static size_t
put_utf8(char *d, unsigned long c)
{
	if (c < 0x80) {
		d[0] = (char)c;
		return (1);
	}
	if (c < 0x800) {
		d[0] = (char)(0xc0 | (c >> 6));
		d[1] = (char)(0x80 | (c & 0x3f));
		return (2);
	}
	if (c < 0x10000) {
		d[0] = (char)(0xe0 | (c >> 12));
		d[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		d[2] = (char)(0x80 | (c & 0x3f));
		return (3);
	}
	d[0] = (char)(0xf0 | (c >> 18));
	d[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	d[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	d[3] = (char)(0x80 | (c & 0x3f));
	return (4);
}

/*
 * The length of the well-formed UTF-8 sequence at p (n bytes left), or 0:
 * no overlong forms, no surrogates, nothing above U+10FFFF.
 */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c, lo, hi;
	size_t len, i;

	c = p[0];
	lo = 0x80;
	hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return (0);
	if (len > n || p[1] < lo || p[1] > hi)
		return (0);
	for (i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return (0);
	return (len);
}

/*
 * A string at r_pos (the opening quote): its text, NUL-terminated, in the
 * string space; *lenp its length, which counts any NUL it holds.
 */
static const char *
read_string(struct rd *r, size_t *lenp)
{
	const unsigned char *t;
	char *d, *start, nb[48];
	size_t pos, n, q;
	long c, c2;

	t = r->r_text;
	pos = r->r_pos + 1;
	/* A string's text is never longer than its quoted form. */
	start = d = r->r_str + r->r_strused;
	for (;;) {
		/* The plain run, copied in one go. */
		for (q = pos; q < r->r_len && t[q] != '"' && t[q] != '\\' &&
		    t[q] >= 0x20 && t[q] < 0x80; q++)
			;
		memcpy(d, t + pos, q - pos);
		d += q - pos;
		pos = q;
		if (pos >= r->r_len) {
			rd_error(r, "syntax", r->r_len - 1, "unterminated "
			    "string near %s", near(r, r->r_pos, r->r_len - 1,
			    nb));
			return (NULL);
		}
		if (t[pos] == '"')
			break;
		if (t[pos] < 0x20) {
			rd_error(r, "syntax", pos, "control character 0x%02x "
			    "in a string (write it as \\u%04x)", t[pos],
			    t[pos]);
			return (NULL);
		}
		if (t[pos] >= 0x80) {
			if ((n = utf8_len(t + pos, r->r_len - pos)) == 0) {
				rd_error(r, "syntax", pos, "byte 0x%02x is "
				    "not UTF-8", t[pos]);
				return (NULL);
			}
			memcpy(d, t + pos, n);
			d += n;
			pos += n;
			continue;
		}
		/* An escape. */
		if (pos + 1 >= r->r_len) {
			rd_error(r, "syntax", r->r_len - 1, "unterminated "
			    "string near %s", near(r, r->r_pos, r->r_len - 1,
			    nb));
			return (NULL);
		}
		switch (t[pos + 1]) {
		case '"':
		case '\\':
		case '/':
			*d++ = (char)t[pos + 1];
			break;
		case 'b':
			*d++ = '\b';
			break;
		case 'f':
			*d++ = '\f';
			break;
		case 'n':
			*d++ = '\n';
			r->r_ctl = true;
			break;
		case 'r':
			*d++ = '\r';
			r->r_ctl = true;
			break;
		case 't':
			*d++ = '\t';
			break;
		case 'u':
			if ((c = hex4(r, pos + 2)) < 0) {
				rd_error(r, "syntax", pos + 1, "\\u needs "
				    "four hex digits near %s", near(r, pos,
				    pos + 5, nb));
				return (NULL);
			}
			if (c >= 0xdc00 && c <= 0xdfff) {
				rd_error(r, "syntax", pos + 5, "lone "
				    "surrogate %s", near(r, pos, pos + 5, nb));
				return (NULL);
			}
			if (c >= 0xd800 && c <= 0xdbff) {
				if (pos + 7 >= r->r_len || t[pos + 6] != '\\' ||
				    t[pos + 7] != 'u' || (c2 = hex4(r,
				    pos + 8)) < 0xdc00 || c2 > 0xdfff) {
					rd_error(r, "syntax", pos + 5, "lone "
					    "surrogate %s", near(r, pos,
					    pos + 5, nb));
					return (NULL);
				}
				c = 0x10000 + ((c - 0xd800) << 10) +
				    (c2 - 0xdc00);
				pos += 6;
			}
			if (c == 0 || c == '\n' || c == '\r')
				r->r_ctl = true;
			d += put_utf8(d, (unsigned long)c);
			pos += 6;
			continue;
		default:
			rd_error(r, "syntax", pos + 1, "invalid escape near %s",
			    near(r, pos, pos + 1, nb));
			return (NULL);
		}
		pos += 2;
	}
	*d++ = '\0';
	*lenp = (size_t)(d - start) - 1;
	r->r_strused += (size_t)(d - start);
	r->r_pos = pos + 1;
	return (start);
}

/* The JSON path of the value being read, for a diagnostic. */
static const char *
here_path(struct rd *r, struct pool *pl)
{
	struct vctx vc;
	const char *path;
	int i;

	memset(&vc, 0, sizeof(vc));
	vc.vc_pool = pl;
	for (path = "", i = 0; i < r->r_depth; i++)
		path = r->r_inobj[i] ? vpath(&vc, path, r->r_keys[i]) :
		    vpathi(&vc, path, r->r_idx[i]);
	return (vc.vc_nomem || *path == '\0' ? NULL : path);
}

static bool
read_number(struct rd *r, struct jv *v)
{
	const unsigned char *t;
	size_t pos, start, digits;
	unsigned long long n, lim;
	bool neg, isreal;
	char nb[48];
	char *s;

	t = r->r_text;
	start = pos = r->r_pos;
	neg = t[pos] == '-';
	if (neg)
		pos++;
	digits = pos;
	if (pos < r->r_len && t[pos] == '0')
		pos++;
	else
		while (pos < r->r_len && t[pos] >= '0' && t[pos] <= '9')
			pos++;
	if (pos == digits) {
		unexpected(r, "a value");
		return (false);
	}
	isreal = false;
	if (pos < r->r_len && t[pos] == '.') {
		isreal = true;
		if (++pos >= r->r_len || t[pos] < '0' || t[pos] > '9')
			goto bad;
		while (pos < r->r_len && t[pos] >= '0' && t[pos] <= '9')
			pos++;
	}
	if (pos < r->r_len && (t[pos] == 'e' || t[pos] == 'E')) {
		isreal = true;
		if (++pos < r->r_len && (t[pos] == '+' || t[pos] == '-'))
			pos++;
		if (pos >= r->r_len || t[pos] < '0' || t[pos] > '9')
			goto bad;
		while (pos < r->r_len && t[pos] >= '0' && t[pos] <= '9')
			pos++;
	}
	if (pos < r->r_len && strchr("{}[],: \t\r\n", t[pos]) == NULL)
		goto bad;
	r->r_pos = pos;
	if (isreal) {
		/* Its text, for the documents vmrun writes. */
		s = r->r_str + r->r_strused;
		memcpy(s, t + start, pos - start);
		s[pos - start] = '\0';
		r->r_strused += pos - start + 1;
		v->j_type = JV_REAL;
		v->j_len = (uint32_t)(pos - start);
		v->j_u.ju_str = s;
		return (true);
	}
	lim = neg ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;
	for (n = 0; digits < pos; digits++) {
		if (n > (lim - (unsigned)(t[digits] - '0')) / 10) {
			if (r->r_code == NULL)
				r->r_errpath = here_path(r, r->r_pool);
			rd_error(r, "syntax", pos - 1, "too big %sinteger near "
			    "%s", neg ? "negative " : "", near(r, start,
			    pos - 1, nb));
			return (false);
		}
		n = n * 10 + (unsigned)(t[digits] - '0');
	}
	v->j_type = JV_INT;
	v->j_u.ju_int = neg ? (n == (unsigned long long)LLONG_MAX + 1 ?
	    LLONG_MIN : -(long long)n) : (long long)n;
	return (true);
bad:
	r->r_pos = start;
	unexpected(r, "a value");
	return (false);
}

static bool
read_word(struct rd *r, struct jv *v, const char *w, enum jv_type type,
    bool truth)
{
	size_t n;

	n = strlen(w);
	if (r->r_len - r->r_pos < n || memcmp(r->r_text + r->r_pos, w, n) != 0 ||
	    (r->r_pos + n < r->r_len && strchr("{}[],: \t\r\n",
	    r->r_text[r->r_pos + n]) == NULL)) {
		unexpected(r, "a value");
		return (false);
	}
	r->r_pos += n;
	v->j_type = (unsigned char)type;
	v->j_true = truth;
	return (true);
}

/*
 * Duplicate keys.  A small object's keys are compared with each before
 * them; a large one's go into a hash set (hash.c) of member indices + 1,
 * indices because the stack the members sit on moves as it grows.
 */
struct keyarg {
	const struct rd	*ka_r;
	size_t		 ka_base;	/* the object's first member */
	const struct jm	*ka_m;		/* the key looked for */
};

static bool
key_eq(const void *entry, const void *arg)
{
	const struct keyarg *a;
	const struct jm *o;

	a = arg;
	o = &a->ka_r->r_stack[a->ka_base + (uintptr_t)entry - 1];
	return (o->m_klen == a->ka_m->m_klen && memcmp(o->m_key,
	    a->ka_m->m_key, o->m_klen) == 0);
}

static bool
keys_add(struct rd *r, struct hmap *ks, size_t base, size_t idx)
{
	const struct jm *m;

	m = &r->r_stack[base + idx];
	if (!hmap_add(ks, hash_more(0, m->m_key, m->m_klen),
	    (void *)(uintptr_t)(idx + 1))) {
		r->r_nomem = true;
		return (false);
	}
	return (true);
}

/* Is the member at base + idx a duplicate of one before it? */
static bool
is_dup(struct rd *r, struct hmap *ks, size_t base, size_t idx)
{
	struct keyarg a;
	size_t j;

	a.ka_r = r;
	a.ka_base = base;
	a.ka_m = &r->r_stack[base + idx];
	if (idx < SMALL_OBJECT) {
		for (j = 0; j < idx; j++)
			if (key_eq((void *)(uintptr_t)(j + 1), &a))
				return (true);
		return (false);
	}
	/* The object has grown large: the keys so far into the set. */
	for (j = idx == SMALL_OBJECT ? 0 : idx; j < idx; j++)
		if (!keys_add(r, ks, base, j))
			return (false);
	if (hmap_find(ks, hash_more(0, a.ka_m->m_key, a.ka_m->m_klen),
	    key_eq, &a) != NULL)
		return (true);
	(void)keys_add(r, ks, base, idx);
	return (false);
}

static bool
read_object(struct rd *r, struct jv *v)
{
	struct hmap ks;
	struct jv val;
	const char *key;
	size_t base, n, klen, kstart, slot;
	int d;
	char nb[48];
	bool ok;

	memset(&ks, 0, sizeof(ks));
	base = r->r_nstack;
	d = r->r_depth++;
	r->r_inobj[d] = true;
	r->r_keys[d] = NULL;
	r->r_pos++;
	skip_ws(r);
	ok = false;
	n = 0;
	if (r->r_pos < r->r_len && r->r_text[r->r_pos] == '}') {
		r->r_pos++;
		ok = true;
		goto out;
	}
	for (;;) {
		skip_ws(r);
		if (r->r_pos >= r->r_len || r->r_text[r->r_pos] != '"') {
			unexpected(r, n == 0 ? "a string (a key) or '}'" :
			    "a string (a key)");
			goto out;
		}
		kstart = r->r_pos;
		if ((key = read_string(r, &klen)) == NULL)
			goto out;
		if (strlen(key) != klen) {
			rd_error(r, "syntax", r->r_pos - 1, "a key cannot hold "
			    "a NUL character (\\u0000) near %s", near(r,
			    kstart, r->r_pos - 1, nb));
			goto out;
		}
		if (klen > UINT32_MAX / 2) {
			rd_error(r, "syntax", r->r_pos - 1, "key too long");
			goto out;
		}
		r->r_keys[d] = key;
		val.j_type = JV_NULL;
		if (!push(r, key, (uint32_t)klen, &val))
			goto out;
		if (is_dup(r, &ks, base, n)) {
			rd_error(r, "duplicate-key", r->r_pos - 1, "duplicate "
			    "object key near %s", near(r, kstart,
			    r->r_pos - 1, nb));
			goto out;
		}
		if (r->r_nomem)
			goto out;
		n++;
		skip_ws(r);
		if (r->r_pos >= r->r_len || r->r_text[r->r_pos] != ':') {
			unexpected(r, "':'");
			goto out;
		}
		r->r_pos++;
		skip_ws(r);
		slot = r->r_nstack - 1;
		if (!read_value(r, &val))
			goto out;
		r->r_stack[slot].m_val = val;
		skip_ws(r);
		if (r->r_pos < r->r_len && r->r_text[r->r_pos] == ',') {
			r->r_pos++;
			continue;
		}
		if (r->r_pos < r->r_len && r->r_text[r->r_pos] == '}') {
			r->r_pos++;
			ok = true;
			break;
		}
		unexpected(r, "',' or '}'");
		goto out;
	}
out:
	hmap_free(&ks);
	r->r_depth--;
	if (!ok)
		return (false);
	v->j_type = JV_OBJ;
	v->j_len = (uint32_t)n;
	v->j_u.ju_mems = pop(r, n);
	return (!r->r_nomem);
}

static bool
read_array(struct rd *r, struct jv *v)
{
	struct jv val, *e;
	size_t n, i, slot;
	int d;

	d = r->r_depth++;
	r->r_inobj[d] = false;
	r->r_pos++;
	skip_ws(r);
	n = 0;
	if (r->r_pos < r->r_len && r->r_text[r->r_pos] == ']') {
		r->r_pos++;
		goto done;
	}
	for (;;) {
		r->r_idx[d] = n;
		skip_ws(r);
		val.j_type = JV_NULL;
		if (!push(r, NULL, 0, &val))
			goto fail;
		n++;
		slot = r->r_nstack - 1;
		if (!read_value(r, &val))
			goto fail;
		r->r_stack[slot].m_val = val;
		skip_ws(r);
		if (r->r_pos < r->r_len && r->r_text[r->r_pos] == ',') {
			r->r_pos++;
			continue;
		}
		if (r->r_pos < r->r_len && r->r_text[r->r_pos] == ']') {
			r->r_pos++;
			break;
		}
		unexpected(r, "',' or ']'");
		goto fail;
	}
done:
	r->r_depth--;
	/* Elements are values only: 16 bytes each, not members. */
	r->r_nstack -= n;
	e = NULL;
	if (n > 0 && (e = pool_alloc(r->r_pool, n * sizeof(*e))) == NULL) {
		r->r_nomem = true;
		return (false);
	}
	for (i = 0; i < n; i++)
		e[i] = r->r_stack[r->r_nstack + i].m_val;
	v->j_type = JV_ARR;
	v->j_len = (uint32_t)n;
	v->j_u.ju_elems = e;
	return (true);
fail:
	r->r_depth--;
	return (false);
}

static bool
read_value(struct rd *r, struct jv *v)
{
	const char *s;
	size_t len;

	memset(v, 0, sizeof(*v));
	if (r->r_pos >= r->r_len) {
		unexpected(r, "a value");
		return (false);
	}
	switch (r->r_text[r->r_pos]) {
	case '{':
	case '[':
		if (r->r_depth >= VMRUN_MAX_DEPTH) {
			rd_error(r, "too-deep", r->r_pos, "nested more than "
			    "%d levels deep", VMRUN_MAX_DEPTH);
			return (false);
		}
		return (r->r_text[r->r_pos] == '{' ? read_object(r, v) :
		    read_array(r, v));
	case '"':
		if ((s = read_string(r, &len)) == NULL)
			return (false);
		v->j_type = JV_STR;
		v->j_len = (uint32_t)len;
		v->j_u.ju_str = s;
		return (true);
	case 't':
		return (read_word(r, v, "true", JV_BOOL, true));
	case 'f':
		return (read_word(r, v, "false", JV_BOOL, false));
	case 'n':
		return (read_word(r, v, "null", JV_NULL, false));
	default:
		return (read_number(r, v));
	}
}

/* Line and column (in characters) of byte at, both from 1. */
static void
position(const struct rd *r, size_t at, int *linep, int *colp)
{
	size_t i;
	int line, col;

	line = 1;
	col = 0;
	for (i = 0; i < at && i < r->r_len; i++) {
		if (r->r_text[i] == '\n') {
			line++;
			col = 0;
		} else if ((r->r_text[i] & 0xc0) != 0x80)
			col++;
	}
	/*
	 * The character at holds, unless at is inside a well-formed
	 * character whose first byte the loop counted already.
	 */
	for (i = at; i > 0 && at - i < 3 && i < r->r_len &&
	    (r->r_text[i] & 0xc0) == 0x80; i--)
		;
	if (i == at || at >= r->r_len || utf8_len(r->r_text + i,
	    r->r_len - i) <= at - i)
		col++;
	*linep = line;
	*colp = col;
}

/*
 * Read the n bytes of text as one JSON value into a tree in pool pl.
 * Returns VMRUN_OK with *rootp set, VMRUN_ERR_SYNTAX with a diagnostic in
 * ds, or VMRUN_ERR_NOMEM.  *ctlp (when ctlp is not NULL) tells whether a
 * string or key holds NUL, CR or LF: only an escape can put them there,
 * so the reader knows it for nothing and the tree need not be searched.
 */
enum vmrun_status
jv_read(const void *text, size_t n, struct pool *pl, struct vmrun_diags *ds,
    struct jv **rootp, bool *ctlp)
{
	struct rd r;
	struct jv *root;
	int line, col;
	char nb[48];

	*rootp = NULL;
	memset(&r, 0, sizeof(r));
	r.r_text = text;
	r.r_len = n;
	r.r_pool = pl;
	if ((r.r_str = pool_alloc(pl, n + 1)) == NULL ||
	    (root = pool_alloc(pl, sizeof(*root))) == NULL)
		return (VMRUN_ERR_NOMEM);
	skip_ws(&r);
	if (read_value(&r, root)) {
		skip_ws(&r);
		if (r.r_pos < r.r_len)
			rd_error(&r, "syntax", token_end(&r, r.r_pos), "end "
			    "of input expected near %s", near(&r, r.r_pos,
			    token_end(&r, r.r_pos), nb));
	}
	xfree(r.r_stack);
	if (r.r_nomem)
		return (VMRUN_ERR_NOMEM);
	if (r.r_code != NULL) {
		position(&r, r.r_errpos, &line, &col);
		diag_add_at(ds, r.r_code, r.r_errpath, line, col, "%s",
		    r.r_msg);
		return (VMRUN_ERR_SYNTAX);
	}
	*rootp = root;
	if (ctlp != NULL)
		*ctlp = r.r_ctl;
	return (VMRUN_OK);
}

/* Reading the tree. */

struct jv *
jv_get(const struct jv *o, const char *key)
{
	const struct jm *m, *e;
	size_t n;

	if (o == NULL || o->j_type != JV_OBJ || o->j_len == 0)
		return (NULL);
	/*
	 * Most lookups are of keys the object lacks: the first byte turns
	 * nearly every member away before the key's length is needed.  A
	 * key may hold NUL (\u0000), hence the length, not strcmp.
	 */
	n = SIZE_MAX;
	for (m = o->j_u.ju_mems, e = m + o->j_len; m < e; m++) {
		if (m->m_key[0] != key[0])
			continue;
		if (n == SIZE_MAX)
			n = strlen(key);
		if (m->m_klen == n && memcmp(m->m_key, key, n) == 0)
			return ((struct jv *)(uintptr_t)&m->m_val);
	}
	return (NULL);
}

struct jv *
jv_at(const struct jv *a, size_t i)
{
	if (a == NULL || a->j_type != JV_ARR || i >= a->j_len)
		return (NULL);
	return ((struct jv *)(uintptr_t)&a->j_u.ju_elems[i]);
}

const char *
jv_key(const struct jv *o, size_t i)
{
	if (o == NULL || o->j_type != JV_OBJ || i >= o->j_len)
		return (NULL);
	return (o->j_u.ju_mems[i].m_key);
}

struct jv *
jv_member(const struct jv *o, size_t i)
{
	if (o == NULL || o->j_type != JV_OBJ || i >= o->j_len)
		return (NULL);
	return ((struct jv *)(uintptr_t)&o->j_u.ju_mems[i].m_val);
}

const char *
jv_type_word(const struct jv *v)
{
	static const char *const words[] = {
		[JV_NULL] = "null", [JV_BOOL] = "a boolean",
		[JV_INT] = "an integer",
		[JV_REAL] = "a number with a fraction or exponent",
		[JV_STR] = "a string", [JV_ARR] = "an array",
		[JV_OBJ] = "an object"
	};

	return (v == NULL ? "nothing" : words[v->j_type]);
}

/* Building objects: a target's merged top level. */

struct built {				/* an object jv_obj_new made */
	struct jv	 b_obj;
	size_t		 b_cap;
};

/* A new empty object with room for cap members, for jv_obj_set. */
struct jv *
jv_obj_new(struct pool *pl, size_t cap)
{
	struct built *b;

	if ((b = pool_alloc(pl, sizeof(*b))) == NULL)
		return (NULL);
	b->b_obj.j_type = JV_OBJ;
	if (cap > 0 && (b->b_obj.j_u.ju_mems = pool_alloc(pl, cap *
	    sizeof(struct jm))) == NULL)
		return (NULL);
	b->b_cap = cap;
	return (&b->b_obj);
}

/*
 * Set key of o, which jv_obj_new made, to a copy of *v (sharing what it
 * holds); false when o is full.
 */
bool
jv_obj_set(struct jv *o, const char *key, const struct jv *v)
{
	struct built *b;
	struct jm *m;

	if ((m = (struct jm *)(uintptr_t)jv_get(o, key)) != NULL) {
		/* m points at the member's value: step back to the member. */
		m = (struct jm *)(uintptr_t)((char *)m -
		    offsetof(struct jm, m_val));
		m->m_val = *v;
		return (true);
	}
	b = (struct built *)(uintptr_t)o;
	if (o->j_len == b->b_cap)
		return (false);
	m = &o->j_u.ju_mems[o->j_len++];
	m->m_key = key;
	m->m_klen = (uint32_t)strlen(key);
	m->m_val = *v;
	return (true);
}

/*
 * Append member i of object from to o, which jv_obj_new made and which
 * has no member of that key yet (the caller knows: it copies from an
 * object, whose keys the reader made unique).  No search, and the key
 * keeps its length, NUL characters and all.  False when o is full.
 */
bool
jv_obj_add(struct jv *o, const struct jv *from, size_t i)
{
	struct built *b;

	b = (struct built *)(uintptr_t)o;
	if (from == NULL || from->j_type != JV_OBJ || i >= from->j_len ||
	    o->j_len == b->b_cap)
		return (false);
	o->j_u.ju_mems[o->j_len++] = from->j_u.ju_mems[i];
	return (true);
}

void
jv_obj_del(struct jv *o, const char *key)
{
	struct jm *m;
	size_t i;

	for (i = 0; i < o->j_len; i++) {
		m = &o->j_u.ju_mems[i];
		if (strcmp(m->m_key, key) != 0)
			continue;
		memmove(m, m + 1, (o->j_len - i - 1) * sizeof(*m));
		o->j_len--;
		return;
	}
}

/* A new jansson value equal to v, for the documents vmrun writes. */
json_t *
jv_to_json(const struct jv *v)
{
	json_t *j, *e;
	size_t i;

	switch (v->j_type) {
	case JV_NULL:
		return (json_null());
	case JV_BOOL:
		return (json_boolean(v->j_true));
	case JV_INT:
		return (json_integer(v->j_u.ju_int));
	case JV_REAL:
		/* jansson converts its own way, whatever the locale. */
		return (json_loads(v->j_u.ju_str, JSON_DECODE_ANY, NULL));
	case JV_STR:
		return (json_stringn(v->j_u.ju_str, v->j_len));
	case JV_ARR:
		if ((j = json_array()) == NULL)
			return (NULL);
		for (i = 0; i < v->j_len; i++)
			if ((e = jv_to_json(&v->j_u.ju_elems[i])) ==
			    NULL || json_array_append_new(j, e) != 0) {
				json_decref(j);
				return (NULL);
			}
		return (j);
	case JV_OBJ:
		if ((j = json_object()) == NULL)
			return (NULL);
		for (i = 0; i < v->j_len; i++)
			if ((e = jv_to_json(&v->j_u.ju_mems[i].m_val)) ==
			    NULL || json_object_set_new(j,
			    v->j_u.ju_mems[i].m_key, e) != 0) {
				json_decref(j);
				return (NULL);
			}
		return (j);
	}
	return (NULL);
}

/*
 * jw.c: the JSON values vmrun writes -- answers, events, diagnostics,
 * the plan -- and their text.  The text is what RFC 8259 asks: strings
 * escape '"', '\\' and the control characters, and carry UTF-8 as it is;
 * integers in decimal; reals with 17 significant digits and a ".0" when
 * they would read as an integer.  Requests and answers are read by the
 * configuration's reader (jread.c) and given as these values.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vmrun_impl.h"

struct jwm {
	char		*m_key;
	jw_t		*m_val;
};

struct jw {
	unsigned char	 w_type;
	size_t		 w_refs;	/* 0: a constant (true, false, null) */
	size_t		 w_len;		/* string bytes, elements, members */
	size_t		 w_cap;
	union {
		char		*wu_str;
		long long	 wu_int;
		double		 wu_real;
		jw_t		**wu_elems;
		struct jwm	*wu_mems;
	} w_u;
};

static jw_t jw_consts[] = {
	{ .w_type = JW_TRUE },
	{ .w_type = JW_FALSE },
	{ .w_type = JW_NULL }
};

jw_t *
jw_true(void)
{
	return (&jw_consts[0]);
}

jw_t *
jw_false(void)
{
	return (&jw_consts[1]);
}

jw_t *
jw_null(void)
{
	return (&jw_consts[2]);
}

static jw_t *
jw_new(enum jw_type t)
{
	jw_t *v;

	if ((v = xcalloc(1, sizeof(*v))) == NULL)
		return (NULL);
	v->w_type = t;
	v->w_refs = 1;
	return (v);
}

jw_t *
jw_object(void)
{
	return (jw_new(JW_OBJECT));
}

jw_t *
jw_array(void)
{
	return (jw_new(JW_ARRAY));
}

static bool
utf8_ok(const char *s, size_t n)
{
	const unsigned char *p;
	size_t i, k;

	p = (const unsigned char *)s;
	for (i = 0; i < n; i += k)
		if (p[i] < 0x80)
			k = 1;
		else if ((k = utf8_len(p + i, n - i)) == 0)
			return (false);
	return (true);
}

jw_t *
jw_stringn(const char *s, size_t n)
{
	jw_t *v;

	if (s == NULL || !utf8_ok(s, n) || (v = jw_new(JW_STRING)) == NULL)
		return (NULL);
	if ((v->w_u.wu_str = xmalloc(n + 1)) == NULL) {
		xfree(v);
		return (NULL);
	}
	memcpy(v->w_u.wu_str, s, n);
	v->w_u.wu_str[n] = '\0';
	v->w_len = n;
	return (v);
}

jw_t *
jw_string(const char *s)
{
	return (s == NULL ? NULL : jw_stringn(s, strlen(s)));
}

jw_t *
jw_integer(long long i)
{
	jw_t *v;

	if ((v = jw_new(JW_INTEGER)) != NULL)
		v->w_u.wu_int = i;
	return (v);
}

jw_t *
jw_real(double d)
{
	jw_t *v;

	if ((v = jw_new(JW_REAL)) != NULL)
		v->w_u.wu_real = d;
	return (v);
}

jw_t *
jw_incref(jw_t *v)
{
	if (v != NULL && v->w_refs > 0)
		v->w_refs++;
	return (v);
}

void
jw_decref(jw_t *v)
{
	size_t i;

	if (v == NULL || v->w_refs == 0 || --v->w_refs > 0)
		return;
	switch (v->w_type) {
	case JW_STRING:
		xfree(v->w_u.wu_str);
		break;
	case JW_ARRAY:
		for (i = 0; i < v->w_len; i++)
			jw_decref(v->w_u.wu_elems[i]);
		xfree(v->w_u.wu_elems);
		break;
	case JW_OBJECT:
		for (i = 0; i < v->w_len; i++) {
			xfree(v->w_u.wu_mems[i].m_key);
			jw_decref(v->w_u.wu_mems[i].m_val);
		}
		xfree(v->w_u.wu_mems);
		break;
	}
	xfree(v);
}

enum jw_type
jw_typeof(const jw_t *v)
{
	return ((enum jw_type)v->w_type);
}

const char *
jw_string_value(const jw_t *v)
{
	return (jw_is_string(v) ? v->w_u.wu_str : NULL);
}

size_t
jw_string_length(const jw_t *v)
{
	return (jw_is_string(v) ? v->w_len : 0);
}

long long
jw_integer_value(const jw_t *v)
{
	return (jw_is_integer(v) ? v->w_u.wu_int : 0);
}

size_t
jw_array_size(const jw_t *a)
{
	return (jw_is_array(a) ? a->w_len : 0);
}

jw_t *
jw_array_get(const jw_t *a, size_t i)
{
	return (jw_is_array(a) && i < a->w_len ? a->w_u.wu_elems[i] : NULL);
}

/* Room for one more element or member of v, of size sz. */
static bool
jw_grow(jw_t *v, void **p, size_t sz)
{
	void *n;
	size_t cap;

	if (v->w_len < v->w_cap)
		return (true);
	cap = v->w_cap == 0 ? 4 : v->w_cap * 2;
	if ((n = xrealloc(*p, cap * sz)) == NULL)
		return (false);
	*p = n;
	v->w_cap = cap;
	return (true);
}

int
jw_array_append_new(jw_t *a, jw_t *e)
{
	if (e == NULL || !jw_is_array(a) || a == e ||
	    !jw_grow(a, (void **)&a->w_u.wu_elems, sizeof(jw_t *))) {
		jw_decref(e);
		return (-1);
	}
	a->w_u.wu_elems[a->w_len++] = e;
	return (0);
}

static struct jwm *
jw_member(const jw_t *o, const char *key)
{
	size_t i;

	if (!jw_is_object(o) || key == NULL)
		return (NULL);
	for (i = 0; i < o->w_len; i++)
		if (strcmp(o->w_u.wu_mems[i].m_key, key) == 0)
			return (&o->w_u.wu_mems[i]);
	return (NULL);
}

jw_t *
jw_object_get(const jw_t *o, const char *key)
{
	struct jwm *m;

	return ((m = jw_member(o, key)) != NULL ? m->m_val : NULL);
}

bool
jw_object_iter(const jw_t *o, size_t i, const char **kp, jw_t **vp)
{
	if (!jw_is_object(o) || i >= o->w_len)
		return (false);
	*kp = o->w_u.wu_mems[i].m_key;
	*vp = o->w_u.wu_mems[i].m_val;
	return (true);
}

/* A member set again keeps its place. */
/* Like jw_object_set_new, but v stays the caller's too. */
int
jw_object_set(jw_t *o, const char *key, jw_t *v)
{
	return (jw_object_set_new(o, key, jw_incref(v)));
}

int
jw_object_set_new(jw_t *o, const char *key, jw_t *v)
{
	struct jwm *m;
	char *k;

	if (v == NULL || !jw_is_object(o) || o == v || key == NULL ||
	    !utf8_ok(key, strlen(key)))
		goto fail;
	if ((m = jw_member(o, key)) != NULL) {
		jw_decref(m->m_val);
		m->m_val = v;
		return (0);
	}
	if (!jw_grow(o, (void **)&o->w_u.wu_mems, sizeof(struct jwm)) ||
	    (k = xstrdup(key)) == NULL)
		goto fail;
	o->w_u.wu_mems[o->w_len].m_key = k;
	o->w_u.wu_mems[o->w_len++].m_val = v;
	return (0);
fail:
	jw_decref(v);
	return (-1);
}

int
jw_object_del(jw_t *o, const char *key)
{
	struct jwm *m;
	size_t i;

	if ((m = jw_member(o, key)) == NULL)
		return (-1);
	i = (size_t)(m - o->w_u.wu_mems);
	xfree(m->m_key);
	jw_decref(m->m_val);
	memmove(m, m + 1, (o->w_len - i - 1) * sizeof(*m));
	o->w_len--;
	return (0);
}

int
jw_object_update(jw_t *o, const jw_t *from)
{
	size_t i;

	if (!jw_is_object(o) || !jw_is_object(from))
		return (-1);
	for (i = 0; i < from->w_len; i++)
		if (jw_object_set_new(o, from->w_u.wu_mems[i].m_key,
		    jw_incref(from->w_u.wu_mems[i].m_val)) != 0)
			return (-1);
	return (0);
}

jw_t *
jw_pack(const char *fmt, ...)
{
	va_list ap;
	jw_t *o, *v;
	const char *k, *s;
	bool bad;

	o = jw_object();
	bad = o == NULL;
	va_start(ap, fmt);
	for (; *fmt != '\0'; fmt++) {
		if (strchr("{}:, ", *fmt) != NULL)
			continue;
		k = va_arg(ap, const char *);
		while (*++fmt == ':' || *fmt == ' ')
			;
		switch (*fmt) {
		case 's':
			s = va_arg(ap, const char *);
			v = jw_string(s);
			break;
		case 'o':
			v = va_arg(ap, jw_t *);
			break;
		case 'O':
			v = jw_incref(va_arg(ap, jw_t *));
			break;
		case 'i':
		case 'b':
			v = *fmt == 'i' ? jw_integer(va_arg(ap, int)) :
			    jw_boolean(va_arg(ap, int));
			break;
		case 'I':
			v = jw_integer(va_arg(ap, long long));
			break;
		default:
			v = NULL;	/* not a format of jw.h: the pack fails */
			break;
		}
		if (bad)
			jw_decref(v);
		else if (jw_object_set_new(o, k, v) != 0)
			bad = true;
	}
	va_end(ap);
	if (bad) {
		jw_decref(o);
		return (NULL);
	}
	return (o);
}

/*
 * A JSON string of s, whatever bytes it holds (a message quoting the
 * input, an argument from the command line): bytes that are not UTF-8
 * become U+FFFD, so that writing JSON never fails on them.  New
 * reference, NULL only when out of memory.
 */
jw_t *
jw_text(const char *s)
{
	struct strbuf sb;
	jw_t *v;

	if ((v = jw_string(s)) != NULL || s == NULL)
		return (v);
	sb_init(&sb);
	sb_add_utf8(&sb, s, strlen(s));
	v = sb.sb_nomem ? NULL : jw_stringn(sb.sb_buf != NULL ? sb.sb_buf :
	    "", sb.sb_len);
	sb_free(&sb);
	return (v);
}

bool
jw_equal(const jw_t *a, const jw_t *b)
{
	size_t i;
	jw_t *bv;

	if (a == NULL || b == NULL || a->w_type != b->w_type)
		return (false);
	switch (a->w_type) {
	case JW_STRING:
		return (a->w_len == b->w_len &&
		    memcmp(a->w_u.wu_str, b->w_u.wu_str, a->w_len) == 0);
	case JW_INTEGER:
		return (a->w_u.wu_int == b->w_u.wu_int);
	case JW_REAL:
		return (a->w_u.wu_real == b->w_u.wu_real);
	case JW_ARRAY:
		if (a->w_len != b->w_len)
			return (false);
		for (i = 0; i < a->w_len; i++)
			if (!jw_equal(a->w_u.wu_elems[i], b->w_u.wu_elems[i]))
				return (false);
		return (true);
	case JW_OBJECT:
		if (a->w_len != b->w_len)
			return (false);
		for (i = 0; i < a->w_len; i++)
			if ((bv = jw_object_get(b,
			    a->w_u.wu_mems[i].m_key)) == NULL ||
			    !jw_equal(a->w_u.wu_mems[i].m_val, bv))
				return (false);
		return (true);
	default:
		return (true);
	}
}

/* The n bytes of s as a JSON string. */
static void
dump_str(struct strbuf *sb, const char *s, size_t n)
{
	static const char esc[] = "\"\"\\\\\bb\ff\nn\rr\tt";
	const char *e;
	size_t i, from;
	unsigned char c;

	sb_addc(sb, '"');
	for (i = from = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		sb_addn(sb, s + from, i - from);
		from = i + 1;
		if (c != '\0' && (e = strchr(esc, c)) != NULL &&
		    (e - esc) % 2 == 0) {
			sb_addc(sb, '\\');
			sb_addc(sb, e[1]);
		} else
			sb_printf(sb, "\\u%04X", c);
	}
	sb_addn(sb, s + from, n - from);
	sb_addc(sb, '"');
}

static void
dump_real(struct strbuf *sb, double d)
{
	char buf[64], *p, *e;

	snprintf(buf, sizeof(buf), "%.17g", d);
	/* Whatever the locale's decimal point, JSON's is '.'. */
	for (p = buf; *p != '\0'; p++)
		if (*p == ',')
			*p = '.';
	/* The exponent without '+' or leading zeros: 1e300, 1e-8. */
	if ((e = strchr(buf, 'e')) != NULL) {
		p = ++e;
		if (*p == '-')
			e = ++p;
		else if (*p == '+')
			p++;
		while (*p == '0' && p[1] != '\0')
			p++;
		memmove(e, p, strlen(p) + 1);
	}
	sb_add(sb, buf);
	if (strpbrk(buf, ".en") == NULL)
		sb_add(sb, ".0");
}

/* A new line at depth d when indenting; a space when asked and not. */
static void
dump_sep(struct strbuf *sb, int flags, size_t d, bool space)
{
	size_t n;

	if (JW_INDENT(flags) > 0) {
		sb_addc(sb, '\n');
		for (n = d * (size_t)JW_INDENT(flags); n > 0; n--)
			sb_addc(sb, ' ');
	} else if (space && !(flags & JW_COMPACT))
		sb_addc(sb, ' ');
}

static void
dump(struct strbuf *sb, const jw_t *v, int flags, size_t d)
{
	size_t i;

	switch (v->w_type) {
	case JW_NULL:
		sb_add(sb, "null");
		return;
	case JW_TRUE:
		sb_add(sb, "true");
		return;
	case JW_FALSE:
		sb_add(sb, "false");
		return;
	case JW_INTEGER:
		sb_printf(sb, "%lld", v->w_u.wu_int);
		return;
	case JW_REAL:
		dump_real(sb, v->w_u.wu_real);
		return;
	case JW_STRING:
		dump_str(sb, v->w_u.wu_str, v->w_len);
		return;
	}
	sb_addc(sb, v->w_type == JW_ARRAY ? '[' : '{');
	if (v->w_len > 0)
		dump_sep(sb, flags, d + 1, false);
	for (i = 0; i < v->w_len; i++) {
		if (v->w_type == JW_ARRAY)
			dump(sb, v->w_u.wu_elems[i], flags, d + 1);
		else {
			dump_str(sb, v->w_u.wu_mems[i].m_key,
			    strlen(v->w_u.wu_mems[i].m_key));
			sb_add(sb, flags & JW_COMPACT ? ":" : ": ");
			dump(sb, v->w_u.wu_mems[i].m_val, flags, d + 1);
		}
		if (i + 1 < v->w_len) {
			sb_addc(sb, ',');
			dump_sep(sb, flags, d + 1, true);
		} else
			dump_sep(sb, flags, d, false);
	}
	sb_addc(sb, v->w_type == JW_ARRAY ? ']' : '}');
}

char *
jw_dumps(const jw_t *v, int flags)
{
	struct strbuf sb;

	if (v == NULL || (!(flags & JW_ENCODE_ANY) && !jw_is_object(v) &&
	    !jw_is_array(v)))
		return (NULL);
	sb_init(&sb);
	dump(&sb, v, flags, 0);
	return (sb_take(&sb));
}

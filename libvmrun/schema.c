/*
 * schema: one walker checks a JSON object against a key table (style.md
 * §4): unknown keys with a "did you mean", missing required keys, wrong
 * types, integer ranges, then each key's own check.  It records every
 * problem and never stops at the first.
 */

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmrun_impl.h"

static void
vdiag(struct vctx *vc, enum vmrun_severity sev, const char *code,
    const char *path, const char *fmt, va_list ap)
{
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	diag_add(vc->vc_diags, sev, code, path, NULL, "%s", buf);
}

void
verr(struct vctx *vc, const char *code, const char *path, const char *fmt,
    ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(vc, VMRUN_ERROR, code, path, fmt, ap);
	va_end(ap);
}

void
vwarn(struct vctx *vc, const char *code, const char *path, const char *fmt,
    ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(vc, VMRUN_WARNING, code, path, fmt, ap);
	va_end(ap);
}

/*
 * JSON paths.  The result lives in the context's pool; on allocation
 * failure a fixed string keeps the diagnostic readable and the failure is
 * remembered.
 */
/* Can key stand in a dotted path as it is? */
static bool
path_word(const char *key)
{
	const char *c;

	for (c = key; *c != '\0'; c++)
		if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-')
			return (false);
	return (c > key);
}

/* base["key"], the key as a JSON string, so that no key can pass for
 * another path ("emulations[0]", "a.b"). */
static const char *
path_quoted(struct pool *pl, const char *base, const char *key)
{
	jw_t *v;
	char *q;
	const char *p;

	if ((v = jw_text(key)) == NULL)
		return (NULL);
	q = jw_dumps(v, JW_ENCODE_ANY);
	jw_decref(v);
	if (q == NULL)
		return (NULL);
	p = pool_printf(pl, "%s[%s]", base != NULL ? base : "", q);
	xfree(q);
	return (p);
}

const char *
vpath(struct vctx *vc, const char *base, const char *key)
{
	const char *p;

	if (!path_word(key))
		p = path_quoted(vc->vc_pool, base, key);
	else if (base == NULL || *base == '\0')
		p = pool_strdup(vc->vc_pool, key);
	else
		p = pool_join(vc->vc_pool, base, ".", key);
	if (p == NULL) {
		vc->vc_nomem = true;
		return ("?");
	}
	return (p);
}

/* "I]", for a path's index, in buf. */
static const char *
index_str(size_t i, char buf[24])
{
	char *e;

	e = buf + 23;
	*e = '\0';
	*--e = ']';
	do
		*--e = (char)('0' + i % 10);
	while ((i /= 10) > 0);
	return (e);
}

const char *
vpathi(struct vctx *vc, const char *base, size_t i)
{
	const char *p;
	char num[24];

	p = pool_join(vc->vc_pool, base, "[", index_str(i, num));
	if (p == NULL) {
		vc->vc_nomem = true;
		return ("?");
	}
	return (p);
}

/* The path of top-level key: under the overlay when the overlay sets it. */
const char *
config_keypath(struct vctx *vc, jv_t *overlay, const char *tname,
    const char *key)
{
	if (overlay != NULL && jv_get(overlay, key) != NULL)
		return (vpath(vc, vpath(vc, "targets", tname), key));
	return (key);
}

static unsigned
type_bit(const jv_t *j)
{
	static const unsigned bits[] = {
		[JV_NULL] = T_NULL, [JV_BOOL] = T_BOOL, [JV_INT] = T_INT,
		[JV_REAL] = T_REAL, [JV_STR] = T_STR, [JV_ARR] = T_ARR,
		[JV_OBJ] = T_OBJ
	};

	return (bits[j->j_type]);
}

static void
append(char *buf, size_t len, const char *s)
{
	size_t n;

	n = strlen(buf);
	if (n < len)
		snprintf(buf + n, len - n, "%s", s);
}

static void
types_words(unsigned t, char *buf, size_t len)
{
	static const struct {
		unsigned	 bit;
		const char	*word;
	} words[] = {
		{ T_STR, "a string" }, { T_INT, "an integer" },
		{ T_BOOL, "a boolean" }, { T_OBJ, "an object" },
		{ T_ARR, "an array" },
	};
	size_t i, n, k;

	buf[0] = '\0';
	for (i = n = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (t & words[i].bit)
			n++;
	for (i = k = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (!(t & words[i].bit))
			continue;
		if (k > 0)
			append(buf, len, k == n - 1 ? " or " : ", ");
		append(buf, len, words[i].word);
		k++;
	}
}

/*
 * Edit distance with transpositions (optimal string alignment), for
 * "did you mean": "mme" is one step from "mem", as a typo is.
 */
size_t
edit_distance(const char *a, const char *b)
{
	size_t rows[3][65], *r0, *r1, *r2, *t;
	size_t la, lb, i, j, v;

	la = strlen(a);
	lb = strlen(b);
	if (la > 64 || lb > 64)
		return (la > lb ? la : lb);
	r0 = rows[0];
	r1 = rows[1];
	r2 = rows[2];
	for (j = 0; j <= lb; j++)
		r1[j] = j;
	for (i = 1; i <= la; i++) {
		r2[0] = i;
		for (j = 1; j <= lb; j++) {
			v = r1[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
			if (r1[j] + 1 < v)
				v = r1[j] + 1;
			if (r2[j - 1] + 1 < v)
				v = r2[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && r0[j - 2] + 1 < v)
				v = r0[j - 2] + 1;
			r2[j] = v;
		}
		t = r0;
		r0 = r1;
		r1 = r2;
		r2 = t;
	}
	return (r1[lb]);
}

const struct key *
schema_find(const struct key *keys, const char *name)
{
	const struct key *k;

	for (k = keys; k != NULL && k->k_name != NULL; k++)
		if (k->k_name[0] == name[0] && strcmp(k->k_name, name) == 0)
			return (k);
	return (NULL);
}

static const char *
closest(const struct key *a, const struct key *b, const char *name)
{
	const struct key *tabs[2], *k;
	const char *best;
	size_t d, bestd, i, lim;

	tabs[0] = a;
	tabs[1] = b;
	best = NULL;
	bestd = (size_t)-1;
	lim = strlen(name) <= 3 ? 1 : 2;
	for (i = 0; i < 2; i++)
		for (k = tabs[i]; k != NULL && k->k_name != NULL; k++) {
			d = edit_distance(name, k->k_name);
			if (d < bestd) {
				bestd = d;
				best = k->k_name;
			}
		}
	return (bestd <= lim ? best : NULL);
}

/*
 * Check v, the value of key k in the object at base.  Its path is made
 * only when something needs it: most values are fine and have no check
 * of their own.
 */
static void
check_one(struct vctx *vc, const struct key *k, jv_t *v, const char *base)
{
	char words[128];
	long long n;

	if (!(type_bit(v) & k->k_types)) {
		types_words(k->k_types, words, sizeof(words));
		verr(vc, "wrong-type", vpath(vc, base, k->k_name),
		    "expected %s, not %s", words, jv_type_word(v));
		return;
	}
	if (jv_is_str(v)) {
		if (jv_len(v) == 0) {
			verr(vc, "empty", vpath(vc, base, k->k_name),
			    "must not be empty");
			return;
		}
		/* Reported by scan_strings already. */
		if (!vc->vc_clean && (strlen(jv_str(v)) != jv_len(v) ||
		    strpbrk(jv_str(v), "\n\r") != NULL))
			return;
	}
	if (jv_is_int(v) && (k->k_flags & K_RANGE)) {
		n = jv_int(v);
		if (n < k->k_min || n > k->k_max) {
			if (k->k_max == LLONG_MAX)
				verr(vc, "out-of-range",
				    vpath(vc, base, k->k_name),
				    "%lld is too small: the minimum is %lld",
				    n, k->k_min);
			else
				verr(vc, "out-of-range",
				    vpath(vc, base, k->k_name),
				    "%lld is out of range: expected %lld to "
				    "%lld", n, k->k_min, k->k_max);
			return;
		}
	}
	if (k->k_check != NULL)
		k->k_check(vc, v, vpath(vc, base, k->k_name));
}

/*
 * Check object obj (at path) against the keys of tables a and b (b may be
 * NULL).  With partial, required keys may be absent (a target overlay).
 */
void
schema_check(struct vctx *vc, jv_t *obj, const struct key *a,
    const struct key *b, const char *path, bool partial)
{
	const struct key *tabs[2], *k;
	const char *name, *hint;
	const char *(*unknown)(struct vctx *, const void *, const char *);
	jv_t *v, *found[2][64];
	size_t i, t;
	bool known;

	/* The hook is for obj's own keys, not those of objects inside it. */
	unknown = vc->vc_unknown;
	vc->vc_unknown = NULL;
	/*
	 * One pass over the members finds each one's row; the rows are
	 * then checked in table order, so the messages keep their order.
	 */
	tabs[0] = a;
	tabs[1] = b;
	memset(found, 0, sizeof(found));
	jv_object_foreach(obj, i, name, v) {
		for (known = false, t = 0; t < 2; t++)
			if ((k = schema_find(tabs[t], name)) != NULL) {
				known = true;
				if (k - tabs[t] < 64)
					found[t][k - tabs[t]] = v;
			}
		if (known)
			continue;
		/* scan_strings reports a key with a newline already. */
		if (strpbrk(name, "\n\r") != NULL)
			continue;
		if (unknown != NULL && (hint = unknown(vc, vc->vc_unknown_arg,
		    name)) != NULL)
			verr(vc, "unknown-key", vpath(vc, path, name), "%s",
			    hint);
		else if ((hint = closest(a, b, name)) != NULL)
			verr(vc, "unknown-key", vpath(vc, path, name),
			    "unknown key; did you mean \"%s\"?", hint);
		else
			verr(vc, "unknown-key", vpath(vc, path, name),
			    "unknown key");
	}
	for (t = 0; t < 2; t++)
		for (k = tabs[t]; k != NULL && k->k_name != NULL; k++) {
			v = k - tabs[t] < 64 ? found[t][k - tabs[t]] :
			    jv_get(obj, k->k_name);
			if (v == NULL) {
				if ((k->k_flags & K_REQ) && !partial)
					verr(vc, "missing-key",
					    vpath(vc, path, k->k_name),
					    "required key is missing");
				continue;
			}
			check_one(vc, k, v, path);
		}
	vc->vc_unknown = unknown;
}

/*
 * Design §2: no string anywhere may contain NUL, newline or carriage
 * return; they would end or split a bhyve argument or a bhyve_config line.
 */
/*
 * No string or key below j holds NUL, newline or carriage return: the
 * common case, checked without making a path for every value.
 */
static bool
strings_ok(jv_t *j, int depth)
{
	const char *key, *s;
	jv_t *v;
	size_t i;

	if (depth > VMRUN_MAX_DEPTH)
		return (true);
	switch (j->j_type) {
	case JV_OBJ:
		jv_object_foreach(j, i, key, v)
			if (strpbrk(key, "\n\r") != NULL ||
			    !strings_ok(v, depth + 1))
				return (false);
		return (true);
	case JV_ARR:
		jv_array_foreach(j, i, v)
			if (!strings_ok(v, depth + 1))
				return (false);
		return (true);
	case JV_STR:
		s = jv_str(j);
		return (strlen(s) == jv_len(j) &&
		    strpbrk(s, "\n\r") == NULL);
	default:
		return (true);
	}
}

/*
 * A cloud-init text (design §12.6) becomes a file and may hold newlines;
 * a NUL it may not.  Other strings of cloud_init follow the usual rule.
 */
static void
scan_cloud_init(struct vctx *vc, jv_t *co, const char *path, int depth)
{
	const char *key;
	jv_t *v;
	size_t i;

	jv_object_foreach(co, i, key, v) {
		if ((strcmp(key, "user_data") == 0 ||
		    strcmp(key, "network_config") == 0) && jv_is_str(v)) {
			if (strlen(jv_str(v)) != jv_len(v))
				verr(vc, "bad-character", vpath(vc, path, key),
				    "contains a NUL character");
		} else if (!strings_ok(v, depth + 1) ||
		    strpbrk(key, "\n\r") != NULL)
			scan_strings(vc, v, vpath(vc, path, key), depth + 1);
	}
}

/*
 * An object of names mapped to strings (bhyveload's env, grub's
 * device_map, cloud-init's meta-data): struct members in vmrun_impl.h.
 */
void
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

void
scan_strings(struct vctx *vc, jv_t *j, const char *path, int depth)
{
	const char *key, *s;
	jv_t *v;
	size_t i, len;

	if (depth > VMRUN_MAX_DEPTH || strings_ok(j, depth))
		return;
	switch (j->j_type) {
	case JV_OBJ:
		jv_object_foreach(j, i, key, v) {
			if (strpbrk(key, "\n\r") != NULL)
				verr(vc, "bad-character", path,
				    "key \"%s\" contains a newline or "
				    "carriage return", key);
			if (strcmp(key, "cloud_init") == 0 && jv_is_obj(v))
				scan_cloud_init(vc, v, vpath(vc, path, key),
				    depth + 1);
			else if (!strings_ok(v, depth + 1))
				scan_strings(vc, v, vpath(vc, path, key),
				    depth + 1);
		}
		break;
	case JV_ARR:
		jv_array_foreach(j, i, v)
			if (!strings_ok(v, depth + 1))
				scan_strings(vc, v, vpathi(vc, path, i),
				    depth + 1);
		break;
	case JV_STR:
		s = jv_str(j);
		len = jv_len(j);
		if (strlen(s) != len)
			verr(vc, "bad-character", path,
			    "contains a NUL character");
		else if (strpbrk(s, "\n\r") != NULL)
			verr(vc, "bad-character", path,
			    "contains a newline or carriage return");
		break;
	default:
		break;
	}
}

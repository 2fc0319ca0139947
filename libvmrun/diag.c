/*
 * Diagnostics: the list every stage appends to and the caller owns.
 * Identical diagnostics are kept once, because a base setting is checked
 * again inside every target that inherits it.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmrun_impl.h"

struct vmrun_diag {
	enum vmrun_severity d_sev;
	char		*d_code;
	char		*d_group;
	char		*d_path;
	char		*d_msg;
	char		*d_fix;
	int		 d_line;
	int		 d_col;
};

struct vmrun_diags {
	struct vmrun_diag **ds_v;	/* each its own allocation, so a
					   borrowed pointer outlives growth */
	size_t		 ds_n;
	size_t		 ds_cap;
	struct hmap	 ds_seen;	/* of ds_v: none is added twice */
	bool		 ds_nomem;
};

struct vmrun_diags *
vmrun_diags_new(void)
{
	return (xcalloc(1, sizeof(struct vmrun_diags)));
}

static void
diag_clear(struct vmrun_diag *d)
{
	if (d == NULL)
		return;
	xfree(d->d_code);
	xfree(d->d_group);
	xfree(d->d_path);
	xfree(d->d_msg);
	xfree(d->d_fix);
	xfree(d);
}

void
vmrun_diags_free(struct vmrun_diags *ds)
{
	size_t i;

	if (ds == NULL)
		return;
	for (i = 0; i < ds->ds_n; i++)
		diag_clear(ds->ds_v[i]);
	xfree(ds->ds_v);
	hmap_free(&ds->ds_seen);
	xfree(ds);
}

bool
diags_nomem(const struct vmrun_diags *ds)
{
	return (ds->ds_nomem);
}

static bool
same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == b);
	return (strcmp(a, b) == 0);
}

/*
 * A copy of s with newline and carriage return written as \n and \r: a
 * key or value quoted in a path or message (rejected for holding them)
 * must not split the one-line diagnostic.  New string or NULL.
 */
static char *
one_line(const char *s)
{
	size_t i, n;
	char *r;

	for (i = n = 0; s[i] != '\0'; i++)
		n += s[i] == '\n' || s[i] == '\r' ? 2 : 1;
	if ((r = xmalloc(n + 1)) == NULL)
		return (NULL);
	for (i = n = 0; s[i] != '\0'; i++) {
		if (s[i] == '\n' || s[i] == '\r') {
			r[n++] = '\\';
			r[n++] = s[i] == '\n' ? 'n' : 'r';
		} else
			r[n++] = s[i];
	}
	r[n] = '\0';
	return (r);
}

/* A diagnostic being added, to compare with those already there. */
struct dkey {
	enum vmrun_severity k_sev;
	const char	*k_code;
	const char	*k_path;
	const char	*k_msg;
};

static bool
same_diag(const void *val, const void *arg)
{
	const struct vmrun_diag *d = val;
	const struct dkey *k = arg;

	return (d->d_sev == k->k_sev && same(d->d_code, k->k_code) &&
	    same(d->d_path, k->k_path) && same(d->d_msg, k->k_msg));
}

static void
diag_push(struct vmrun_diags *ds, enum vmrun_severity sev, const char *code,
    const char *group, const char *path, const char *fix, int line, int col,
    const char *msg, bool lines)
{
	struct vmrun_diag *d, **v;
	struct dkey key;
	char *p1, *m1;
	uint32_t h;
	size_t cap;

	if (ds == NULL || ds->ds_nomem)
		return;
	p1 = one_line(path == NULL ? "" : path);
	m1 = lines ? xstrdup(msg) : one_line(msg);
	if (p1 == NULL || m1 == NULL) {
		xfree(p1);
		xfree(m1);
		ds->ds_nomem = true;
		return;
	}
	/* The same problem found twice (by two targets) is told once. */
	key.k_sev = sev;
	key.k_code = code;
	key.k_path = p1;
	key.k_msg = m1;
	h = hash_more(0, &sev, sizeof(sev));
	h = hash_str(hash_str(hash_str(h, code != NULL ? code : ""), p1), m1);
	if (hmap_find(&ds->ds_seen, h, same_diag, &key) != NULL) {
		xfree(p1);
		xfree(m1);
		return;
	}
	if (ds->ds_n == ds->ds_cap) {
		cap = ds->ds_cap == 0 ? 8 : ds->ds_cap * 2;
		if ((v = xrealloc(ds->ds_v, cap * sizeof(*v))) == NULL) {
			xfree(p1);
			xfree(m1);
			ds->ds_nomem = true;
			return;
		}
		ds->ds_v = v;
		ds->ds_cap = cap;
	}
	if ((d = xcalloc(1, sizeof(*d))) == NULL) {
		xfree(p1);
		xfree(m1);
		ds->ds_nomem = true;
		return;
	}
	d->d_sev = sev;
	d->d_line = line;
	d->d_col = col;
	d->d_code = xstrdup(code);
	d->d_group = xstrdup(group != NULL ? group : "vm");
	d->d_path = p1;
	d->d_msg = m1;
	d->d_fix = fix == NULL ? NULL : xstrdup(fix);
	if (d->d_code == NULL || d->d_group == NULL || d->d_path == NULL ||
	    d->d_msg == NULL || (fix != NULL && d->d_fix == NULL)) {
		diag_clear(d);
		ds->ds_nomem = true;
		return;
	}
	if (!hmap_add(&ds->ds_seen, h, d)) {
		diag_clear(d);
		ds->ds_nomem = true;
		return;
	}
	ds->ds_v[ds->ds_n++] = d;
}

void
diag_add(struct vmrun_diags *ds, enum vmrun_severity sev, const char *code,
    const char *path, const char *fix, const char *fmt, ...)
{
	va_list ap;
	char buf[1024];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	diag_push(ds, sev, code, NULL, path, fix, 0, 0, buf, false);
}

void
diag_add_at(struct vmrun_diags *ds, const char *code, const char *path,
    int line, int col, const char *fmt, ...)
{
	va_list ap;
	char buf[1024];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	diag_push(ds, VMRUN_ERROR, code, NULL, path != NULL ? path : "", NULL,
	    line, col, buf, false);
}

/* A diagnostic of a known group (host checks know their device). */
void
diag_addg(struct vmrun_diags *ds, enum vmrun_severity sev, const char *code,
    const char *group, const char *path, const char *fix, const char *fmt,
    ...)
{
	va_list ap;
	char buf[1024];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	diag_push(ds, sev, code, group, path, fix, 0, 0, buf, false);
}

/*
 * A message of several lines (a headline and quoted output of a program,
 * whose lines hold no newline of their own): the newlines are kept.
 */
void
diag_add_lines(struct vmrun_diags *ds, enum vmrun_severity sev,
    const char *code, const char *msg)
{
	diag_push(ds, sev, code, NULL, "", NULL, 0, 0, msg, true);
}

/*
 * Set the group of the diagnostics from index `from' on: fn maps a JSON
 * path to a group label (or NULL to keep "vm").
 */
void
diag_set_group(struct vmrun_diags *ds, size_t from,
    const char *(*fn)(void *, const char *), void *arg)
{
	const char *g;
	char *dup;
	size_t i;

	for (i = from; i < ds->ds_n; i++) {
		if ((g = fn(arg, ds->ds_v[i]->d_path)) == NULL)
			continue;
		if ((dup = xstrdup(g)) == NULL) {
			ds->ds_nomem = true;
			return;
		}
		xfree(ds->ds_v[i]->d_group);
		ds->ds_v[i]->d_group = dup;
	}
}

size_t
vmrun_diags_count(const struct vmrun_diags *ds)
{
	return (ds == NULL ? 0 : ds->ds_n);
}

size_t
vmrun_diags_errors(const struct vmrun_diags *ds)
{
	size_t i, n;

	if (ds == NULL)
		return (0);
	for (i = n = 0; i < ds->ds_n; i++)
		if (ds->ds_v[i]->d_sev == VMRUN_ERROR)
			n++;
	return (n);
}

const struct vmrun_diag *
vmrun_diags_get(const struct vmrun_diags *ds, size_t i)
{
	if (ds == NULL || i >= ds->ds_n)
		return (NULL);
	return (ds->ds_v[i]);
}

enum vmrun_severity
vmrun_diag_severity(const struct vmrun_diag *d)
{
	return (d == NULL ? VMRUN_ERROR : d->d_sev);
}

const char *
vmrun_diag_code(const struct vmrun_diag *d)
{
	return (d == NULL ? NULL : d->d_code);
}

const char *
vmrun_diag_group(const struct vmrun_diag *d)
{
	return (d == NULL ? NULL : d->d_group);
}

const char *
vmrun_diag_path(const struct vmrun_diag *d)
{
	return (d == NULL ? NULL : d->d_path);
}

const char *
vmrun_diag_message(const struct vmrun_diag *d)
{
	return (d == NULL ? NULL : d->d_msg);
}

const char *
vmrun_diag_fix(const struct vmrun_diag *d)
{
	return (d == NULL ? NULL : d->d_fix);
}

int
vmrun_diag_line(const struct vmrun_diag *d)
{
	return (d == NULL ? 0 : d->d_line);
}

int
vmrun_diag_column(const struct vmrun_diag *d)
{
	return (d == NULL ? 0 : d->d_col);
}

char *
vmrun_diags_json(const struct vmrun_diags *ds, const char *vmname)
{
	jw_t *doc, *arr, *o;
	const struct vmrun_diag *d;
	char *s;
	size_t i;
	int bad;

	/* A list that lost a diagnostic cannot say whether all is ok. */
	if (ds != NULL && ds->ds_nomem)
		return (NULL);
	doc = jw_object();
	arr = jw_array();
	if (doc == NULL || arr == NULL) {
		jw_decref(doc);
		jw_decref(arr);
		return (NULL);
	}
	bad = jw_object_set_new(doc, "vm",
	    vmname != NULL ? jw_string(vmname) : jw_null());
	bad |= jw_object_set_new(doc, "ok",
	    jw_boolean(vmrun_diags_errors(ds) == 0));
	bad |= jw_object_set_new(doc, "diagnostics", arr);
	for (i = 0; bad == 0 && i < vmrun_diags_count(ds); i++) {
		d = ds->ds_v[i];
		/* Messages may quote the input's bytes: jw_text. */
		o = jw_pack("{s:s, s:s, s:o, s:o, s:o, s:o}",
		    "severity", d->d_sev == VMRUN_ERROR ? "error" : "warning",
		    "code", d->d_code, "group", jw_text(d->d_group),
		    "path", jw_text(d->d_path), "message",
		    jw_text(d->d_msg), "fix", d->d_fix != NULL ?
		    jw_text(d->d_fix) : jw_null());
		if (o != NULL && d->d_line > 0) {
			bad |= jw_object_set_new(o, "line",
			    jw_integer(d->d_line));
			bad |= jw_object_set_new(o, "column",
			    jw_integer(d->d_col));
		}
		bad |= jw_array_append_new(arr, o);
	}
	s = bad ? NULL : jw_dumps(doc, JW_COMPACT);
	jw_decref(doc);
	return (s);
}

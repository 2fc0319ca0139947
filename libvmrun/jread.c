/*
 * jread: a strict RFC 8259 reader that builds the configuration's JSON
 * tree (jv.c) in a pool, in one pass over the text: values are 16 bytes,
 * an array's elements and an object's members are contiguous, every
 * string is copied once into one block the size of the text.
 *
 * A general parser and tree would cost more than the rest of the plan
 * path (jw.c holds the documents vmrun writes); this reader also knows
 * where it is, so an error names its JSON path as well as its position.
 * This file reads the structure; jtoken.c the tokens.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmrun_impl.h"
#include "jread.h"

/* Objects larger than this check duplicate keys through a hash set. */
#define SMALL_OBJECT	8

static bool read_value(struct rd *, struct jv *);

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
			jtok_unexpected(r, n == 0 ? "a string (a key) or '}'" :
			    "a string (a key)");
			goto out;
		}
		kstart = r->r_pos;
		if ((key = jtok_string(r, &klen)) == NULL)
			goto out;
		if (strlen(key) != klen) {
			jtok_error(r, "syntax", r->r_pos - 1, "a key cannot hold "
			    "a NUL character (\\u0000) near %s", jtok_near(r,
			    kstart, r->r_pos - 1, nb));
			goto out;
		}
		if (klen > UINT32_MAX / 2) {
			jtok_error(r, "syntax", r->r_pos - 1, "key too long");
			goto out;
		}
		r->r_keys[d] = key;
		val.j_type = JV_NULL;
		if (!push(r, key, (uint32_t)klen, &val))
			goto out;
		if (is_dup(r, &ks, base, n)) {
			jtok_error(r, "duplicate-key", r->r_pos - 1, "duplicate "
			    "object key near %s", jtok_near(r, kstart,
			    r->r_pos - 1, nb));
			goto out;
		}
		if (r->r_nomem)
			goto out;
		n++;
		skip_ws(r);
		if (r->r_pos >= r->r_len || r->r_text[r->r_pos] != ':') {
			jtok_unexpected(r, "':'");
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
		jtok_unexpected(r, "',' or '}'");
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
		jtok_unexpected(r, "',' or ']'");
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
		jtok_unexpected(r, "a value");
		return (false);
	}
	switch (r->r_text[r->r_pos]) {
	case '{':
	case '[':
		if (r->r_depth >= VMRUN_MAX_DEPTH) {
			jtok_error(r, "too-deep", r->r_pos, "nested more than "
			    "%d levels deep", VMRUN_MAX_DEPTH);
			return (false);
		}
		return (r->r_text[r->r_pos] == '{' ? read_object(r, v) :
		    read_array(r, v));
	case '"':
		if ((s = jtok_string(r, &len)) == NULL)
			return (false);
		v->j_type = JV_STR;
		v->j_len = (uint32_t)len;
		v->j_u.ju_str = s;
		return (true);
	case 't':
		return (jtok_word(r, v, "true", JV_BOOL, true));
	case 'f':
		return (jtok_word(r, v, "false", JV_BOOL, false));
	case 'n':
		return (jtok_word(r, v, "null", JV_NULL, false));
	default:
		return (jtok_number(r, v));
	}
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
			jtok_error(&r, "syntax", jtok_end(&r, r.r_pos), "end "
			    "of input expected near %s", jtok_near(&r, r.r_pos,
			    jtok_end(&r, r.r_pos), nb));
	}
	xfree(r.r_stack);
	if (r.r_nomem)
		return (VMRUN_ERR_NOMEM);
	if (r.r_code != NULL) {
		jtok_position(&r, r.r_errpos, &line, &col);
		diag_add_at(ds, r.r_code, r.r_errpath, line, col, "%s",
		    r.r_msg);
		return (VMRUN_ERR_SYNTAX);
	}
	*rootp = root;
	if (ctlp != NULL)
		*ctlp = r.r_ctl;
	return (VMRUN_OK);
}

/* Whether a string or a key of v holds a NUL. */
static bool
has_nul(const struct jv *v)
{
	size_t i;

	switch (v->j_type) {
	case JV_STR:
		return (memchr(v->j_u.ju_str, '\0', v->j_len) != NULL);
	case JV_ARR:
		for (i = 0; i < v->j_len; i++)
			if (has_nul(&v->j_u.ju_elems[i]))
				return (true);
		return (false);
	case JV_OBJ:
		for (i = 0; i < v->j_len; i++)
			if (strlen(v->j_u.ju_mems[i].m_key) !=
			    v->j_u.ju_mems[i].m_klen ||
			    has_nul(&v->j_u.ju_mems[i].m_val))
				return (true);
		return (false);
	default:
		return (false);
	}
}

/*
 * For jw.h: a request or an answer read as the values vmrun writes.  A
 * NUL in a string would cut it short where it is used: refused.
 */
jw_t *
jw_loads(const char *s, size_t n, char *msg, size_t msglen)
{
	struct vmrun_diags *ds;
	struct pool *pl;
	jv_t *root;
	jw_t *v;
	bool ctl;

	v = NULL;
	if (msglen > 0)
		snprintf(msg, msglen, "out of memory");
	pl = pool_new();
	ds = vmrun_diags_new();
	if (pl != NULL && ds != NULL) {
		if (jv_read(s, n, pl, ds, &root, &ctl) != VMRUN_OK) {
			if (vmrun_diags_count(ds) > 0 && msglen > 0)
				snprintf(msg, msglen, "%s", vmrun_diag_message(
				    vmrun_diags_get(ds, 0)));
		} else if (ctl && has_nul(root)) {
			if (msglen > 0)
				snprintf(msg, msglen, "a string holds \\u0000");
		} else
			v = jw_from_jv(root);
	}
	vmrun_diags_free(ds);
	pool_free(pl);
	return (v);
}

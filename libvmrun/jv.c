/*
 * jv: the configuration's JSON tree, as jread.c builds it: read-only once
 * built, so a target's merged top level can share the base's values.
 * Lookups, the objects a target's merge builds, and the copy of a tree
 * as the values vmrun writes (jw.c), which is how requests are read.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmrun_impl.h"

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

const char *
jstr(jv_t *obj, const char *key)
{
	jv_t *v;

	v = jv_get(obj, key);
	return (jv_is_str(v) ? jv_str(v) : NULL);
}

bool
jbool(jv_t *obj, const char *key, bool def)
{
	jv_t *v;

	v = jv_get(obj, key);
	return (jv_is_bool(v) ? jv_is_true(v) : def);
}

bool
jint(jv_t *obj, const char *key, long long *np)
{
	jv_t *v;

	v = jv_get(obj, key);
	if (!jv_is_int(v))
		return (false);
	*np = jv_int(v);
	return (true);
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

/* A new value equal to v, a value of the reader. */
jw_t *
jw_from_jv(const jv_t *v)
{
	jw_t *j;
	size_t i;

	switch (v->j_type) {
	case JV_NULL:
		return (jw_null());
	case JV_BOOL:
		return (jw_boolean(v->j_true));
	case JV_INT:
		return (jw_integer(v->j_u.ju_int));
	case JV_REAL:
		return (jw_real(strtod(v->j_u.ju_str, NULL)));
	case JV_STR:
		return (jw_stringn(v->j_u.ju_str, v->j_len));
	case JV_ARR:
		if ((j = jw_array()) == NULL)
			return (NULL);
		for (i = 0; i < v->j_len; i++)
			if (jw_array_append_new(j,
			    jw_from_jv(&v->j_u.ju_elems[i])) != 0) {
				jw_decref(j);
				return (NULL);
			}
		return (j);
	case JV_OBJ:
		if ((j = jw_object()) == NULL)
			return (NULL);
		for (i = 0; i < v->j_len; i++)
			if (jw_object_set_new(j, v->j_u.ju_mems[i].m_key,
			    jw_from_jv(&v->j_u.ju_mems[i].m_val)) != 0) {
				jw_decref(j);
				return (NULL);
			}
		return (j);
	}
	return (NULL);
}

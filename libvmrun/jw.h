/*
 * jw.h: the JSON values vmrun builds and writes (jw.c): objects keep
 * their members in the order they were set, strings are UTF-8 and may
 * hold NUL.  Values are counted references: a function that "takes" a
 * value releases it, also when it fails.  Private to libvmrun and the
 * vmrun command; nothing here is exported.
 */
#ifndef JW_H
#define JW_H

#include <stdbool.h>
#include <stddef.h>

enum jw_type {
	JW_OBJECT,
	JW_ARRAY,
	JW_STRING,
	JW_INTEGER,
	JW_REAL,
	JW_TRUE,
	JW_FALSE,
	JW_NULL
};

typedef struct jw jw_t;

/* jw_dumps flags: compact, or indented by n (1 to 31) spaces a level. */
#define JW_COMPACT	0x20
#define JW_ENCODE_ANY	0x40		/* not only an object or an array */
#define JW_INDENT(n)	((n) & 0x1f)

jw_t		*jw_object(void);			/* new */
jw_t		*jw_array(void);			/* new */
jw_t		*jw_string(const char *);	/* new; NULL if not UTF-8 */
jw_t		*jw_stringn(const char *, size_t);	/* new; as jw_string */
jw_t		*jw_integer(long long);			/* new */
jw_t		*jw_real(double);			/* new */
jw_t		*jw_true(void);
jw_t		*jw_false(void);
jw_t		*jw_null(void);
#define jw_boolean(b)	((b) ? jw_true() : jw_false())
jw_t		*jw_incref(jw_t *);		/* v itself, one more holder */
void		 jw_decref(jw_t *);

enum jw_type	 jw_typeof(const jw_t *);		/* v not NULL */
#define jw_is(v, t)		((v) != NULL && jw_typeof(v) == (t))
#define jw_is_object(v)		jw_is(v, JW_OBJECT)
#define jw_is_array(v)		jw_is(v, JW_ARRAY)
#define jw_is_string(v)		jw_is(v, JW_STRING)
#define jw_is_integer(v)	jw_is(v, JW_INTEGER)
#define jw_is_real(v)		jw_is(v, JW_REAL)
#define jw_is_true(v)		jw_is(v, JW_TRUE)
#define jw_is_false(v)		jw_is(v, JW_FALSE)
#define jw_is_boolean(v)	(jw_is_true(v) || jw_is_false(v))
#define jw_is_null(v)		jw_is(v, JW_NULL)

const char	*jw_string_value(const jw_t *);		/* borrowed or NULL */
size_t		 jw_string_length(const jw_t *);
long long	 jw_integer_value(const jw_t *);	/* 0 if not one */

size_t		 jw_array_size(const jw_t *);
jw_t		*jw_array_get(const jw_t *, size_t);	/* borrowed or NULL */
int		 jw_array_append_new(jw_t *, jw_t *);	/* takes; 0 or -1 */
#define jw_array_foreach(a, i, v)					\
	for ((i) = 0; (i) < jw_array_size(a) &&				\
	    ((v) = jw_array_get((a), (i))) != NULL; (i)++)

jw_t		*jw_object_get(const jw_t *, const char *); /* borrowed */
int		 jw_object_set_new(jw_t *, const char *, jw_t *); /* takes */
int		 jw_object_set(jw_t *, const char *, jw_t *); /* borrows */
int		 jw_object_del(jw_t *, const char *);	/* 0 or -1 */
int		 jw_object_update(jw_t *, const jw_t *);	/* 0 or -1 */
bool		 jw_object_iter(const jw_t *, size_t, const char **,
		    jw_t **);			/* the i-th member, borrowed */
#define JW_CAT_(a, b)	a##b
#define JW_CAT(a, b)	JW_CAT_(a, b)
#define jw_object_foreach(o, k, v)					\
	for (size_t JW_CAT(jw_i_, __LINE__) = 0;			\
	    jw_object_iter((o), JW_CAT(jw_i_, __LINE__), &(k), &(v));	\
	    JW_CAT(jw_i_, __LINE__)++)

/* {s:X, ...}: s a key, X s (string), o (takes), O (holds), i (int),
 * I (long long), b (int as a boolean); fails on a NULL value, taking
 * every o all the same. */
jw_t		*jw_pack(const char *, ...);		/* new */
bool		 jw_equal(const jw_t *, const jw_t *);
char		*jw_dumps(const jw_t *, int);	/* new string (free(3)) */
/* jread.c: any JSON value in the n bytes of s, read by the configuration's
 * reader, or NULL with why in msg (msglen may be 0). */
jw_t		*jw_loads(const char *, size_t, char *msg, size_t msglen);

#endif /* !JW_H */

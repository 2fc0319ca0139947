/*
 * jread.h: the JSON reader's state, shared by its two files -- jread.c
 * (values, objects and arrays: the structure) and jtoken.c (strings,
 * numbers and words; where in the text, and how a message quotes it).
 * Private to them; the rest of the library sees jv_read in vmrun_impl.h.
 */

#ifndef JREAD_H
#define JREAD_H

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

/* jtoken.c */
void		 jtok_error(struct rd *, const char *code, size_t at,
		    const char *fmt, ...)
		    __attribute__((__format__(__printf__, 4, 5)));
const char	*jtok_near(struct rd *, size_t from, size_t to, char [48]);
size_t		 jtok_end(struct rd *, size_t);
void		 jtok_unexpected(struct rd *, const char *what);
const char	*jtok_string(struct rd *, size_t *);
bool		 jtok_number(struct rd *, struct jv *);
bool		 jtok_word(struct rd *, struct jv *, const char *,
		    enum jv_type, bool);
void		 jtok_position(const struct rd *, size_t, int *, int *);

#endif /* JREAD_H */

/*
 * jtoken: the JSON reader's tokens -- strings (escapes, surrogates,
 * UTF-8 checked), numbers (64-bit integers, a too-big one named by its
 * path) and the words true, false and null -- and what its messages say
 * of the text: the first error, the token quoted, the line and column.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmrun_impl.h"
#include "jread.h"

void
jtok_error(struct rd *r, const char *code, size_t at, const char *fmt, ...)
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
const char *
jtok_near(struct rd *r, size_t from, size_t to, char buf[48])
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

/* The end of the token that starts at pos, for a message. */
size_t
jtok_end(struct rd *r, size_t pos)
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

void
jtok_unexpected(struct rd *r, const char *what)
{
	char nb[48];
	size_t e;

	e = jtok_end(r, r->r_pos);
	if (r->r_pos >= r->r_len)
		jtok_error(r, "syntax", r->r_len == 0 ? 0 : r->r_len - 1,
		    "%s expected at the end of input", what);
	else
		jtok_error(r, "syntax", e, "%s expected near %s", what,
		    jtok_near(r, r->r_pos, e, nb));
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
 * A string at r_pos (the opening quote): its text, NUL-terminated, in the
 * string space; *lenp its length, which counts any NUL it holds.
 */
const char *
jtok_string(struct rd *r, size_t *lenp)
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
			jtok_error(r, "syntax", r->r_len - 1, "unterminated "
			    "string near %s", jtok_near(r, r->r_pos, r->r_len - 1,
			    nb));
			return (NULL);
		}
		if (t[pos] == '"')
			break;
		if (t[pos] < 0x20) {
			jtok_error(r, "syntax", pos, "control character 0x%02x "
			    "in a string (write it as \\u%04x)", t[pos],
			    t[pos]);
			return (NULL);
		}
		if (t[pos] >= 0x80) {
			if ((n = utf8_len(t + pos, r->r_len - pos)) == 0) {
				jtok_error(r, "syntax", pos, "byte 0x%02x is "
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
			jtok_error(r, "syntax", r->r_len - 1, "unterminated "
			    "string near %s", jtok_near(r, r->r_pos, r->r_len - 1,
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
				jtok_error(r, "syntax", pos + 1, "\\u needs "
				    "four hex digits near %s", jtok_near(r, pos,
				    pos + 5, nb));
				return (NULL);
			}
			if (c >= 0xdc00 && c <= 0xdfff) {
				jtok_error(r, "syntax", pos + 5, "lone "
				    "surrogate %s", jtok_near(r, pos, pos + 5, nb));
				return (NULL);
			}
			if (c >= 0xd800 && c <= 0xdbff) {
				if (pos + 7 >= r->r_len || t[pos + 6] != '\\' ||
				    t[pos + 7] != 'u' || (c2 = hex4(r,
				    pos + 8)) < 0xdc00 || c2 > 0xdfff) {
					jtok_error(r, "syntax", pos + 5, "lone "
					    "surrogate %s", jtok_near(r, pos,
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
			jtok_error(r, "syntax", pos + 1, "invalid escape near %s",
			    jtok_near(r, pos, pos + 1, nb));
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

bool
jtok_number(struct rd *r, struct jv *v)
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
		jtok_unexpected(r, "a value");
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
			jtok_error(r, "syntax", pos - 1, "too big %sinteger near "
			    "%s", neg ? "negative " : "", jtok_near(r, start,
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
	jtok_unexpected(r, "a value");
	return (false);
}

bool
jtok_word(struct rd *r, struct jv *v, const char *w, enum jv_type type,
    bool truth)
{
	size_t n;

	n = strlen(w);
	if (r->r_len - r->r_pos < n || memcmp(r->r_text + r->r_pos, w, n) != 0 ||
	    (r->r_pos + n < r->r_len && strchr("{}[],: \t\r\n",
	    r->r_text[r->r_pos + n]) == NULL)) {
		jtok_unexpected(r, "a value");
		return (false);
	}
	r->r_pos += n;
	v->j_type = (unsigned char)type;
	v->j_true = truth;
	return (true);
}

/* Line and column (in characters) of byte at, both from 1. */
void
jtok_position(const struct rd *r, size_t at, int *linep, int *colp)
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

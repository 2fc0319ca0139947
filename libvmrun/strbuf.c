/*
 * Growable strings.  A failed allocation makes the buffer sticky-failed:
 * later additions are ignored and sb_take returns NULL, so callers check
 * once at the end.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmrun_impl.h"

void
sb_init(struct strbuf *sb)
{
	memset(sb, 0, sizeof(*sb));
}

static bool
sb_grow(struct strbuf *sb, size_t more)
{
	size_t cap;
	char *p;

	if (sb->sb_nomem)
		return (false);
	if (sb->sb_len + more + 1 <= sb->sb_cap)
		return (true);
	cap = sb->sb_cap == 0 ? 64 : sb->sb_cap;
	while (cap < sb->sb_len + more + 1)
		cap *= 2;
	if ((p = xrealloc(sb->sb_buf, cap)) == NULL) {
		sb->sb_nomem = true;
		return (false);
	}
	sb->sb_buf = p;
	sb->sb_cap = cap;
	return (true);
}

void
sb_addn(struct strbuf *sb, const char *s, size_t n)
{
	if (!sb_grow(sb, n))
		return;
	memcpy(sb->sb_buf + sb->sb_len, s, n);
	sb->sb_len += n;
	sb->sb_buf[sb->sb_len] = '\0';
}

void
sb_add(struct strbuf *sb, const char *s)
{
	sb_addn(sb, s, strlen(s));
}

void
sb_addc(struct strbuf *sb, char c)
{
	sb_addn(sb, &c, 1);
}

void
sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		sb->sb_nomem = true;
		return;
	}
	if (!sb_grow(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->sb_buf + sb->sb_len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->sb_len += (size_t)n;
}

char *
sb_take(struct strbuf *sb)
{
	char *s;

	if (sb->sb_nomem) {
		sb_free(sb);
		return (NULL);
	}
	if (sb->sb_buf == NULL) {
		if (!sb_grow(sb, 0))
			return (NULL);
		sb->sb_buf[0] = '\0';
	}
	s = sb->sb_buf;
	sb->sb_buf = NULL;
	sb->sb_len = sb->sb_cap = 0;
	return (s);
}

void
sb_free(struct strbuf *sb)
{
	xfree(sb->sb_buf);
	sb_init(sb);
}

/*
 * Add n bytes of s that may not be UTF-8 (a guest's console): valid
 * sequences as they are, every other byte as U+FFFD, so that the text
 * can go into JSON.
 */
void
sb_add_utf8(struct strbuf *sb, const char *s, size_t n)
{
	size_t i, len;

	for (i = 0; i < n; i += len) {
		if ((unsigned char)s[i] < 0x80)
			len = 1;
		else if ((len = utf8_len((const unsigned char *)s + i,
		    n - i)) == 0) {
			/* Short, overlong, a surrogate or past U+10FFFF. */
			sb_add(sb, "\xef\xbf\xbd");
			len = 1;
			continue;
		}
		sb_addn(sb, s + i, len);
	}
}

/*
 * The length of the well-formed UTF-8 sequence at p (n bytes left), or 0:
 * no overlong forms, no surrogates, nothing above U+10FFFF.
 */
size_t
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

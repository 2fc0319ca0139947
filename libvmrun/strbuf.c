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
	const unsigned char *p;
	size_t i, k, len;
	unsigned long c;

	p = (const unsigned char *)s;
	for (i = 0; i < n; i += len) {
		len = 1;
		if (p[i] < 0x80) {
			sb_addc(sb, (char)p[i]);
			continue;
		}
		if (p[i] >= 0xc2 && p[i] <= 0xdf)
			len = 2;
		else if (p[i] >= 0xe0 && p[i] <= 0xef)
			len = 3;
		else if (p[i] >= 0xf0 && p[i] <= 0xf4)
			len = 4;
		c = p[i] & (0x7f >> len);
		for (k = 1; len > 1 && k < len; k++) {
			if (i + k >= n || (p[i + k] & 0xc0) != 0x80)
				break;
			c = c << 6 | (p[i + k] & 0x3f);
		}
		/* Short, overlong, a surrogate or past U+10FFFF: one bad byte. */
		if (len == 1 || k < len || (len == 3 && c < 0x800) ||
		    (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
		    (c >= 0xd800 && c <= 0xdfff)) {
			sb_add(sb, "\xef\xbf\xbd");
			len = 1;
			continue;
		}
		sb_addn(sb, s + i, len);
	}
}

/*
 * A JSON string of s, whatever bytes it holds (a message quoting the
 * input, an argument from the command line): bytes that are not UTF-8
 * become U+FFFD, so that writing JSON never fails on them.  New
 * reference, NULL only when out of memory.
 */
json_t *
json_text(const char *s)
{
	struct strbuf sb;
	json_t *v;

	if ((v = json_string(s)) != NULL || s == NULL)
		return (v);
	sb_init(&sb);
	sb_add_utf8(&sb, s, strlen(s));
	v = sb.sb_nomem ? NULL : json_stringn(sb.sb_buf != NULL ? sb.sb_buf :
	    "", sb.sb_len);
	sb_free(&sb);
	return (v);
}

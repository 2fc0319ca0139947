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

/*
 * The one allocation wrapper (style.md §15): every allocation of the
 * library goes through here, so a test can make the Nth one fail and check
 * that the library answers VMRUN_ERR_NOMEM instead of crashing.
 *
 * Pools hold the many small strings of a configuration model; they are
 * freed at once with the object that owns them.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmrun_impl.h"

static long alloc_countdown = -1;	/* -1: never fail */
static unsigned long alloc_nfailed;	/* allocations that returned NULL */

void
alloc_fail_after(long n)
{
	alloc_countdown = n;
}

static bool
alloc_should_fail(void)
{
	if (alloc_countdown < 0)
		return (false);
	if (alloc_countdown == 0)
		return (true);
	alloc_countdown--;
	return (false);
}

/*
 * How many allocations have failed so far.  A stage compares the count
 * before and after to learn that something inside it ran out of memory,
 * even where the code carried on (a NULL pool string taken for "none").
 */
unsigned long
alloc_failures(void)
{
	return (alloc_nfailed);
}

void *
xmalloc(size_t n)
{
	void *p;

	p = alloc_should_fail() ? NULL : malloc(n == 0 ? 1 : n);
	if (p == NULL)
		alloc_nfailed++;
	return (p);
}

void *
xcalloc(size_t n, size_t sz)
{
	void *p;

	p = alloc_should_fail() ? NULL : calloc(n == 0 ? 1 : n,
	    sz == 0 ? 1 : sz);
	if (p == NULL)
		alloc_nfailed++;
	return (p);
}

void *
xrealloc(void *p, size_t n)
{
	void *r;

	r = alloc_should_fail() ? NULL : realloc(p, n == 0 ? 1 : n);
	if (r == NULL)
		alloc_nfailed++;
	return (r);
}

char *
xstrdup(const char *s)
{
	char *p;
	size_t n;

	n = strlen(s) + 1;
	if ((p = xmalloc(n)) != NULL)
		memcpy(p, s, n);
	return (p);
}

void
xfree(void *p)
{
	free(p);
}

/*
 * A pool hands out zeroed memory from blocks it frees all at once: a
 * bump pointer in the current block, a block of its own for a large
 * request.  One malloc per block, not per string; blocks grow from 1 KiB
 * to 8 KiB, and only what is handed out is zeroed.
 */
#define POOL_FIRST	1024
#define POOL_BLOCK	8192

struct chunk {
	struct chunk	*c_next;
	max_align_t	 c_data[];
};

struct pool {
	struct chunk	*p_head;
	char		*p_cur;		/* free space in the head block */
	size_t		 p_left;
	size_t		 p_next;	/* the size of the next block */
};

struct pool *
pool_new(void)
{
	return (xcalloc(1, sizeof(struct pool)));
}

void
pool_free(struct pool *p)
{
	struct chunk *c, *next;

	if (p == NULL)
		return;
	for (c = p->p_head; c != NULL; c = next) {
		next = c->c_next;
		xfree(c);
	}
	xfree(p);
}

void *
pool_alloc(struct pool *p, size_t n)
{
	struct chunk *c;
	void *d;

	if (p == NULL)
		return (NULL);
	n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	if (n == 0)
		n = sizeof(max_align_t);
	if (n <= p->p_left) {
		d = p->p_cur;
		p->p_cur += n;
		p->p_left -= n;
		return (memset(d, 0, n));
	}
	if (n > POOL_BLOCK / 4) {	/* its own block, behind the head */
		if ((c = xmalloc(sizeof(*c) + n)) == NULL)
			return (NULL);
		memset(c->c_data, 0, n);
		if (p->p_head != NULL) {
			c->c_next = p->p_head->c_next;
			p->p_head->c_next = c;
		} else {
			c->c_next = NULL;
			p->p_head = c;
		}
		return (c->c_data);
	}
	if (p->p_next < POOL_FIRST)
		p->p_next = POOL_FIRST;
	while (p->p_next < n)
		p->p_next *= 2;
	if ((c = xmalloc(sizeof(*c) + p->p_next)) == NULL)
		return (NULL);
	memset(c->c_data, 0, n);
	c->c_next = p->p_head;
	p->p_head = c;
	p->p_cur = (char *)c->c_data + n;
	p->p_left = p->p_next - n;
	if (p->p_next < POOL_BLOCK)
		p->p_next *= 2;
	return (c->c_data);
}

/* a, sep and b joined (sep may be NULL): a new string, no printf. */
char *
pool_join(struct pool *p, const char *a, const char *sep, const char *b)
{
	size_t la, ls, lb;
	char *d;

	la = strlen(a);
	ls = sep != NULL ? strlen(sep) : 0;
	lb = strlen(b);
	if ((d = pool_alloc(p, la + ls + lb + 1)) == NULL)
		return (NULL);
	memcpy(d, a, la);
	if (ls > 0)
		memcpy(d + la, sep, ls);
	memcpy(d + la + ls, b, lb + 1);
	return (d);
}

/*
 * The strings up to a (char *)NULL, concatenated: a new string in p, or
 * NULL when out of memory.  For what is made for every VM or device, where printf
 * would cost more than the work.
 */
char *
pool_cat(struct pool *p, const char *s, ...)
{
	va_list ap;
	const char *a;
	size_t n, len;
	char *d, *e;

	va_start(ap, s);
	for (len = 0, a = s; a != NULL; a = va_arg(ap, const char *))
		len += strlen(a);
	va_end(ap);
	if ((d = pool_alloc(p, len + 1)) == NULL)
		return (NULL);
	va_start(ap, s);
	for (e = d, a = s; a != NULL; a = va_arg(ap, const char *)) {
		n = strlen(a);
		memcpy(e, a, n);
		e += n;
	}
	va_end(ap);
	*e = '\0';
	return (d);
}

/* v in decimal, in buf; returns where the digits start. */
const char *
u64_str(uint64_t v, char buf[21])
{
	char *e;

	e = buf + 20;
	*e = '\0';
	do
		*--e = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	return (e);
}

char *
pool_strdup(struct pool *p, const char *s)
{
	char *d;
	size_t n;

	if (s == NULL)
		return (NULL);
	n = strlen(s) + 1;
	if ((d = pool_alloc(p, n)) != NULL)
		memcpy(d, s, n);
	return (d);
}

char *
pool_printf(struct pool *p, const char *fmt, ...)
{
	va_list ap;
	char buf[256], *d;
	int n;

	/* Most results are short: formatted once, then copied. */
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (d = pool_alloc(p, (size_t)n + 1)) == NULL)
		return (NULL);
	if ((size_t)n < sizeof(buf)) {
		memcpy(d, buf, (size_t)n + 1);
		return (d);
	}
	va_start(ap, fmt);
	vsnprintf(d, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return (d);
}

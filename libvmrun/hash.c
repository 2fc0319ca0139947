/*
 * hash: a set of pointers found by hash, for the places where a list
 * would be searched once per entry -- the diagnostics that must not
 * repeat, the device a diagnostic's path falls under.  Open addressing,
 * at most half full; the caller keeps the entries and says what equal
 * means.  The hash is seeded per process, so no input can be made to
 * collide ahead of time.
 */

#include <stdint.h>
#include <string.h>
#include <time.h>

#include "vmrun_impl.h"

static uint32_t
hash_seed(void)
{
	static uint32_t seed;
	static const char here;

	if (seed == 0)
		seed = ((uint32_t)(uintptr_t)&here ^ (uint32_t)time(NULL) ^
		    (uint32_t)clock()) | 1;
	return (seed);
}

/* Go on hashing n bytes of p after h (hash_more(0, ...) to start). */
uint32_t
hash_more(uint32_t h, const void *p, size_t n)
{
	const unsigned char *s;
	size_t i;

	if (h == 0)
		h = 2166136261u ^ hash_seed();
	for (s = p, i = 0; i < n; i++)
		h = (h ^ s[i]) * 16777619u;
	return (h);
}

uint32_t
hash_str(uint32_t h, const char *s)
{
	/* The NUL too, so that "ab" + "c" is not "a" + "bc". */
	return (hash_more(h, s, strlen(s) + 1));
}

/* The entry equal to arg under eq among those of hash h, or NULL. */
void *
hmap_find(const struct hmap *m, uint32_t h, bool (*eq)(const void *,
    const void *), const void *arg)
{
	size_t i;

	if (m->h_cap == 0)
		return (NULL);
	for (i = h & (m->h_cap - 1); m->h_val[i] != NULL;
	    i = (i + 1) & (m->h_cap - 1))
		if (m->h_hash[i] == h && eq(m->h_val[i], arg))
			return (m->h_val[i]);
	return (NULL);
}

static void
place(uint32_t *hv, void **vv, size_t cap, uint32_t h, void *val)
{
	size_t i;

	for (i = h & (cap - 1); vv[i] != NULL; i = (i + 1) & (cap - 1))
		;
	hv[i] = h;
	vv[i] = val;
}

/* Add val (not NULL) under hash h; false when out of memory. */
bool
hmap_add(struct hmap *m, uint32_t h, void *val)
{
	uint32_t *nh;
	void **nv;
	size_t cap, i;

	if (2 * (m->h_n + 1) > m->h_cap) {
		cap = m->h_cap == 0 ? 16 : m->h_cap * 2;
		nh = xcalloc(cap, sizeof(*nh));
		nv = xcalloc(cap, sizeof(*nv));
		if (nh == NULL || nv == NULL) {
			xfree(nh);
			xfree(nv);
			return (false);
		}
		for (i = 0; i < m->h_cap; i++)
			if (m->h_val[i] != NULL)
				place(nh, nv, cap, m->h_hash[i], m->h_val[i]);
		xfree(m->h_hash);
		xfree(m->h_val);
		m->h_hash = nh;
		m->h_val = nv;
		m->h_cap = cap;
	}
	place(m->h_hash, m->h_val, m->h_cap, h, val);
	m->h_n++;
	return (true);
}

/*
 * A map in the caller's storage (cap a power of two, hv and vv cap long,
 * vv cleared here) for fewer than cap / 2 entries: it never grows, and
 * is not given to hmap_free.
 */
void
hmap_init_in(struct hmap *m, uint32_t *hv, void **vv, size_t cap)
{
	memset(vv, 0, cap * sizeof(*vv));
	m->h_hash = hv;
	m->h_val = vv;
	m->h_cap = cap;
	m->h_n = 0;
}

void
hmap_free(struct hmap *m)
{
	xfree(m->h_hash);
	xfree(m->h_val);
	memset(m, 0, sizeof(*m));
}

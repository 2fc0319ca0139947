/*
 * optlist: the option list a device type's render function fills, and
 * rendering turns into legacy strings or bhyve_config keys.
 */

#include <stdarg.h>
#include <stdio.h>

#include "vmrun_impl.h"

void
opt_add(struct optlist *ol, const char *cfgkey, enum lstyle ls,
    const char *lkey, const char *val)
{
	struct opt *v;
	size_t cap;

	if (ol->ol_nomem)
		return;
	if (val == NULL) {
		ol->ol_nomem = true;
		return;
	}
	/* Scratch for one device, on the heap: optlist_free gives it back. */
	if (ol->ol_n == ol->ol_cap) {
		cap = ol->ol_cap == 0 ? 8 : ol->ol_cap * 2;
		if ((v = xrealloc(ol->ol_opts, cap * sizeof(*v))) == NULL) {
			ol->ol_nomem = true;
			return;
		}
		ol->ol_opts = v;
		ol->ol_cap = cap;
	}
	v = &ol->ol_opts[ol->ol_n++];
	v->o_cfgkey = cfgkey;
	v->o_lstyle = ls;
	v->o_lkey = lkey;
	v->o_val = val;
	v->o_special = false;
}

/* The options' array; what they point to stays in the pool. */
void
optlist_free(struct optlist *ol)
{
	xfree(ol->ol_opts);
	ol->ol_opts = NULL;
	ol->ol_n = ol->ol_cap = 0;
}

void
opt_addf(struct optlist *ol, const char *cfgkey, enum lstyle ls,
    const char *lkey, const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	opt_add(ol, cfgkey, ls, lkey, pool_strdup(ol->ol_pool, buf));
}

/* Add string option key if present; its bhyve_config key is cfgkey. */
void
opt_add_str(struct optlist *ol, jv_t *obj, const char *key,
    const char *cfgkey, enum lstyle ls)
{
	const char *s;

	if ((s = jstr(obj, key)) != NULL)
		opt_add(ol, cfgkey, ls, ls == LS_BARE ? NULL : key, s);
}

void
opt_add_int(struct optlist *ol, jv_t *obj, const char *key,
    const char *cfgkey)
{
	long long n;

	if (jint(obj, key, &n))
		opt_addf(ol, cfgkey, LS_KV, key, "%lld", n);
}

void
opt_add_flag(struct optlist *ol, jv_t *obj, const char *key,
    const char *cfgkey)
{
	if (jbool(obj, key, false))
		opt_add(ol, cfgkey, LS_FLAG, key, "true");
}

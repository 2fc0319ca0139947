/*
 * mask: the VNC password out of what vmrun shows.  bhyve takes fbuf's
 * password only on its command line ("password=P" in an -s string, or
 * "-o pci.B.S.F.password=P"), so the vector bhyve runs with holds it;
 * the dry run, the events and --debug write it as "password=*".
 *
 * Showing a command is not on a hot path, but the dry run is measured
 * (make bench): a word costs a strchr per '=' it holds, an option letter
 * ("-s") less.
 */

#include <stddef.h>
#include <string.h>

#include "vmrun_impl.h"

#define SECRET		"password="
#define SECRET_KEY	(sizeof(SECRET) - 2)	/* "password" */

/* Where "password=" is in w, or NULL. */
static const char *
secret_at(const char *w)
{
	const char *eq;

	for (eq = w; (eq = strchr(eq, '=')) != NULL; eq++)
		if (eq - w >= (ptrdiff_t)SECRET_KEY && eq[-1] == 'd' &&
		    memcmp(eq - SECRET_KEY, SECRET, SECRET_KEY) == 0)
			return (eq - SECRET_KEY);
	return (NULL);
}

/* Is the configuration key k (klen bytes) fbuf's password? */
static bool
secret_key(const char *k, size_t klen)
{
	if (klen < SECRET_KEY || memcmp(k + klen - SECRET_KEY, SECRET,
	    SECRET_KEY) != 0)
		return (false);
	return (klen == SECRET_KEY || k[klen - SECRET_KEY - 1] == '.');
}

/*
 * Mask the passwords of word w in place; how many were masked.  A word
 * "KEY=VALUE" with no comma in KEY is a configuration key (-o): VALUE is
 * masked whole, commas and all, when KEY is "password" or ends in
 * ".password".  Any other word is a legacy option string, split on
 * commas by bhyve: each "password=VALUE" after a comma is masked up to
 * the next comma.  An empty value has nothing to hide and stays.
 */
size_t
word_mask(char *w)
{
	const char *s;
	char *p, *eq, *v, *e;
	size_t n;

	if ((s = secret_at(w)) == NULL)
		return (0);
	p = w + (s - w);	/* w's own pointer, not a const one */
	eq = strchr(w, '=');
	if (memchr(w, ',', (size_t)(eq - w)) == NULL) {
		if (!secret_key(w, (size_t)(eq - w)) || eq[1] == '\0')
			return (0);
		eq[1] = '*';
		eq[2] = '\0';
		return (1);
	}
	for (n = 0; p != NULL; p = (s = secret_at(v)) == NULL ? NULL :
	    v + (s - v)) {
		v = p + sizeof(SECRET) - 1;
		if (p[-1] != ',')
			continue;
		e = v + strcspn(v, ",");
		if (e == v)
			continue;
		*v = '*';
		memmove(v + 1, e, strlen(e) + 1);
		n++;
	}
	return (n);
}

/* Word w as JSON text, its passwords masked: new reference or NULL. */
jw_t *
jw_masked(const char *w)
{
	jw_t *j;
	char *m;

	if (secret_at(w) == NULL)
		return (jw_text(w));
	if ((m = xstrdup(w)) == NULL)
		return (NULL);
	(void)word_mask(m);
	j = jw_text(m);
	xfree(m);
	return (j);
}

size_t
vmrun_argv_mask(char **argv)
{
	const char *w;
	size_t i, n;

	n = 0;
	for (i = 0; argv != NULL && argv[i] != NULL; i++) {
		w = argv[i];
		/* Half the words are option letters ("-s"): no '=' there. */
		if (w[0] == '-' && w[1] != '\0' && w[2] == '\0')
			continue;
		/* Most others hold no '=': a strchr each, no call more. */
		if (strchr(w, '=') != NULL)
			n += word_mask(argv[i]);
	}
	return (n);
}

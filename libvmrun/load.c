/*
 * load: bytes -> JSON tree.  Enforces the input limits of design §2 before
 * the reader sees the text (jv.c limits the depth), so an oversized input
 * is a clear error rather than a slow parse.
 */

#include <string.h>

#include "vmrun_impl.h"

/* How many of the n bytes of buf, from the start, are in set. */
static size_t
strspn_n(const void *buf, size_t n, const char *set)
{
	const char *p;
	size_t i;

	p = buf;
	for (i = 0; i < n && p[i] != '\0' && strchr(set, p[i]) != NULL; i++)
		;
	return (i);
}

enum vmrun_status
load_json(const void *buf, size_t len, struct pool *pl, struct vmrun_diags *ds,
    jv_t **rootp, bool *ctlp)
{
	enum vmrun_status st;
	jv_t *root;

	*rootp = NULL;
	/* A UTF-8 byte order mark, as some editors write: not JSON, but ok. */
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		buf = (const char *)buf + 3;
		len -= 3;
	}
	if (len > VMRUN_MAX_INPUT) {
		diag_add(ds, VMRUN_ERROR, "too-large", "", NULL,
		    "configuration is %zu bytes; the limit is %d (1 MiB)",
		    len, VMRUN_MAX_INPUT);
		return (VMRUN_ERR_SYNTAX);
	}
	if (strspn_n(buf, len, " \t\r\n") == len) {
		diag_add(ds, VMRUN_ERROR, "empty", "", NULL,
		    "empty configuration: a configuration is a JSON object");
		return (VMRUN_ERR_SYNTAX);
	}
	/*
	 * NUL characters in strings are let through here and rejected by
	 * the string scan with their JSON path, which says more.
	 */
	if ((st = jv_read(buf, len, pl, ds, &root, ctlp)) != VMRUN_OK)
		return (st);
	if (!jv_is_obj(root)) {
		diag_add(ds, VMRUN_ERROR, "wrong-type", "", NULL,
		    "a configuration is a JSON object, not %s",
		    jv_type_word(root));
		return (VMRUN_ERR_INVALID);
	}
	*rootp = root;
	return (VMRUN_OK);
}

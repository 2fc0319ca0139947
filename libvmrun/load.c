/*
 * load: bytes -> JSON tree.  Enforces the input limits of design §2 before
 * jansson sees the text, so an oversized or deeply nested input is a clear
 * error rather than a slow parse or a stack overflow.
 */

#include <string.h>

#include "vmrun_impl.h"

/*
 * Find the first place where arrays and objects nest deeper than
 * VMRUN_MAX_DEPTH, ignoring brackets inside strings.  Returns true and the
 * position (1-based line and column) when the limit is passed.
 */
static bool
too_deep(const char *buf, size_t len, int *linep, int *colp)
{
	size_t i;
	int depth, line, col;
	bool instr, esc;

	depth = 0;
	line = 1;
	col = 0;
	instr = esc = false;
	for (i = 0; i < len; i++) {
		col++;
		if (buf[i] == '\n') {
			line++;
			col = 0;
		}
		if (instr) {
			if (esc)
				esc = false;
			else if (buf[i] == '\\')
				esc = true;
			else if (buf[i] == '"')
				instr = false;
			continue;
		}
		switch (buf[i]) {
		case '"':
			instr = true;
			break;
		case '[':
		case '{':
			if (++depth > VMRUN_MAX_DEPTH) {
				*linep = line;
				*colp = col;
				return (true);
			}
			break;
		case ']':
		case '}':
			depth--;
			break;
		}
	}
	return (false);
}

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
load_json(const void *buf, size_t len, struct vmrun_diags *ds, json_t **rootp)
{
	json_error_t jerr;
	json_t *root;
	const char *code;
	unsigned long nfailed;
	int line, col;

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
	if (too_deep(buf, len, &line, &col)) {
		diag_add_at(ds, "too-deep", line, col,
		    "nested more than %d levels deep", VMRUN_MAX_DEPTH);
		return (VMRUN_ERR_SYNTAX);
	}
	/*
	 * NUL characters are let through here and rejected by the string
	 * scan with their JSON path, which says more than a parse error.
	 */
	nfailed = alloc_failures();
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY |
	    JSON_ALLOW_NUL, &jerr);
	if (root == NULL) {
		/* jansson may call a failed allocation "invalid token". */
		if (json_error_code(&jerr) == json_error_out_of_memory ||
		    alloc_failures() != nfailed)
			return (VMRUN_ERR_NOMEM);
		code = json_error_code(&jerr) == json_error_duplicate_key ?
		    "duplicate-key" : "syntax";
		diag_add_at(ds, code, jerr.line < 1 ? 1 : jerr.line,
		    jerr.column < 1 ? 1 : jerr.column, "%s", jerr.text);
		return (VMRUN_ERR_SYNTAX);
	}
	/* Its lexer drops a character it could not save: not our text. */
	if (alloc_failures() != nfailed) {
		json_decref(root);
		return (VMRUN_ERR_NOMEM);
	}
	if (!json_is_object(root)) {
		diag_add(ds, VMRUN_ERROR, "wrong-type", "", NULL,
		    "a configuration is a JSON object, not %s",
		    json_type_word(root));
		json_decref(root);
		return (VMRUN_ERR_INVALID);
	}
	*rootp = root;
	return (VMRUN_OK);
}

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

/*
 * The JSON path of the value at byte pos of text that jansson has parsed
 * up to there: a walk that knows only containers, keys and commas.  New
 * string in pl, or NULL.
 */
static const char *
text_path(struct pool *pl, const char *text, size_t pos)
{
	struct {
		bool		 tp_obj;
		const char	*tp_key;	/* obj: the last key */
		size_t		 tp_idx;	/* arr: the element's index */
	} st[VMRUN_MAX_DEPTH + 1];
	struct vctx vc;
	const char *path, *k;
	size_t i, j, n;
	bool key;

	n = 0;
	key = false;
	for (i = 0; i < pos && text[i] != '\0'; i++) {
		switch (text[i]) {
		case '{':
		case '[':
			if (n == VMRUN_MAX_DEPTH + 1)
				return (NULL);
			st[n].tp_obj = text[i] == '{';
			st[n].tp_key = NULL;
			st[n++].tp_idx = 0;
			key = text[i] == '{';
			break;
		case '}':
		case ']':
			if (n > 0)
				n--;
			break;
		case ',':
			if (n > 0 && st[n - 1].tp_obj)
				key = true;
			else if (n > 0)
				st[n - 1].tp_idx++;
			break;
		case ':':
			key = false;
			break;
		case '"':
			for (j = i + 1; j < pos && text[j] != '"'; j++)
				if (text[j] == '\\')
					j++;
			if (key && n > 0 && (k = pool_alloc(pl, j - i)) != NULL) {
				memcpy((char *)(uintptr_t)k, text + i + 1, j - i - 1);
				st[n - 1].tp_key = k;
			}
			i = j;
			break;
		}
	}
	memset(&vc, 0, sizeof(vc));
	vc.vc_pool = pl;
	for (path = "", i = 0; i < n; i++)
		path = st[i].tp_obj ? (st[i].tp_key != NULL ? vpath(&vc, path,
		    st[i].tp_key) : path) : vpathi(&vc, path, st[i].tp_idx);
	return (vc.vc_nomem || *path == '\0' ? NULL : path);
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
	struct pool *pl;
	const char *code, *path;
	unsigned long nfailed;
	int line, col;

	*rootp = NULL;
	pl = NULL;
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
		diag_add_at(ds, "too-deep", NULL, line, col,
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
		/* A number too big for jansson: where it is, as a path. */
		path = NULL;
		if (json_error_code(&jerr) == json_error_numeric_overflow &&
		    (pl = pool_new()) != NULL)
			path = text_path(pl, buf, jerr.position < 0 ? 0 :
			    (size_t)jerr.position);
		diag_add_at(ds, code, path, jerr.line < 1 ? 1 : jerr.line,
		    jerr.column < 1 ? 1 : jerr.column, "%s", jerr.text);
		pool_free(pl);
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

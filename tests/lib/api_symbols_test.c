/*
 * api_symbols_test: what libvmrun exports (design §9): the functions
 * include/vmrun.h declares are exactly those libvmrun/libvmrun.map
 * exports, and the shared library hides its internal functions.
 */

#include <ctype.h>
#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "vmrun.h"
#include "testutil.h"

/* The names in the global: section of the version script. */
static size_t
map_names(const char *text, char names[][64], size_t max)
{
	const char *p, *g, *l;
	size_t n, k;

	n = 0;
	if ((g = strstr(text, "global:")) == NULL)
		return (0);
	l = strstr(g, "local:");
	for (p = g + 7; *p != '\0' && (l == NULL || p < l);) {
		while (*p != '\0' && isspace((unsigned char)*p))
			p++;
		for (k = 0; (isalnum((unsigned char)p[k]) || p[k] == '_') &&
		    k < 63; k++)
			;
		if (k > 0 && p[k] == ';' && n < max) {
			memcpy(names[n], p, k);
			names[n++][k] = '\0';
		}
		while (*p != '\0' && *p != '\n')
			p++;
	}
	return (n);
}

/* The vmrun_* functions a header declares (comments skipped). */
static size_t
header_names(const char *text, char names[][64], size_t max)
{
	const char *p, *e, *ls;
	size_t n, k, j;
	bool dup;

	n = 0;
	for (p = text; *p != '\0'; p++) {
		if (p[0] == '/' && p[1] == '*') {
			if ((e = strstr(p + 2, "*/")) == NULL)
				break;
			p = e + 1;
			continue;
		}
		if (strncmp(p, "vmrun_", 6) != 0 || (p > text &&
		    (isalnum((unsigned char)p[-1]) || p[-1] == '_')))
			continue;
		for (k = 0; isalnum((unsigned char)p[k]) || p[k] == '_'; k++)
			;
		for (e = p + k; *e == ' ' || *e == '\t'; e++)
			;
		/* A function type (typedef) is not a function. */
		for (ls = p; ls > text && ls[-1] != '\n'; ls--)
			;
		if (strncmp(ls, "typedef", 7) == 0) {
			p += k - 1;
			continue;
		}
		if (*e == '(' && k < 64 && n < max) {
			dup = false;
			for (j = 0; j < n; j++)
				if (strncmp(names[j], p, k) == 0 &&
				    names[j][k] == '\0')
					dup = true;
			if (!dup) {
				memcpy(names[n], p, k);
				names[n++][k] = '\0';
			}
		}
		p += k - 1;
	}
	return (n);
}

static bool
in_list(const char *name, char names[][64], size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return (true);
	return (false);
}

/* The names parse finds in the layout's file name (128 at most). */
static size_t
names_in(const atf_tc_t *tc, const char *name,
    size_t (*parse)(const char *, char [][64], size_t), char names[][64])
{
	char *path, *text;
	size_t n;

	path = layout_path(tc, name);
	text = slurp(path, NULL);
	n = parse(text, names, 128);
	free(text);
	free(path);
	return (n);
}

ATF_TC_WITHOUT_HEAD(header_matches_map);
ATF_TC_BODY(header_matches_map, tc)
{
	static char mapn[128][64], hdrn[128][64];
	size_t nm, nh, i;

	nm = names_in(tc, "map", map_names, mapn);
	nh = names_in(tc, "header", header_names, hdrn);

	/* The parsers found what they should. */
	ATF_CHECK(nm >= 30);
	ATF_CHECK(in_list("vmrun_config_load", mapn, nm));
	ATF_CHECK(in_list("vmrun_config_load", hdrn, nh));
	ATF_CHECK(!in_list("vmrun_status", hdrn, nh));
	ATF_CHECK(!in_list("vmrun_diags", hdrn, nh));
	for (i = 0; i < nh; i++)
		ATF_CHECK_MSG(in_list(hdrn[i], mapn, nm), "%s is declared in "
		    "vmrun.h but not exported by libvmrun.map", hdrn[i]);
	for (i = 0; i < nm; i++)
		ATF_CHECK_MSG(in_list(mapn[i], hdrn, nh), "%s is exported by "
		    "libvmrun.map but not declared in vmrun.h", mapn[i]);
	ATF_CHECK_EQ(nm, nh);
}

ATF_TC_WITHOUT_HEAD(exported_symbols);
ATF_TC_BODY(exported_symbols, tc)
{
	static const char *const internal[] = {
		"pool_new", "pool_free", "xmalloc", "xfree", "alloc_fail_after",
		"alloc_failures",
		"slot_parse", "mem_parse", "load_json", "escape_value",
		"edit_distance", "diag_add", "schema_check", "config_build",
		"target_resolve", "slots_assign", "pci_list", "devtype_find",
		"top_keys", "devtype_virtio_blk", "sb_add",
	};
	static char mapn[128][64];
	const char *(*version)(void);
	char *path;
	void *h, *sym;
	size_t nm, i;

	nm = names_in(tc, "map", map_names, mapn);
	ATF_REQUIRE(nm >= 30);

	path = layout_path(tc, "library");
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	ATF_REQUIRE_MSG(h != NULL, "dlopen %s: %s", path, dlerror());
	for (i = 0; i < nm; i++)
		ATF_CHECK_MSG(dlsym(h, mapn[i]) != NULL, "%s is not exported",
		    mapn[i]);
	for (i = 0; i < sizeof(internal) / sizeof(internal[0]); i++)
		ATF_CHECK_MSG(dlsym(h, internal[i]) == NULL, "internal %s is "
		    "exported", internal[i]);
	/* It is the shared library's function, and it works. */
	sym = dlsym(h, "vmrun_version");
	ATF_REQUIRE(sym != NULL);
	ATF_CHECK(sym != (void *)vmrun_version);
	memcpy(&version, &sym, sizeof(version));
	ATF_CHECK_STREQ(VMRUN_VERSION, version());
	dlclose(h);
	free(path);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, header_matches_map);
	ATF_TP_ADD_TC(tp, exported_symbols);

	return (atf_no_error());
}

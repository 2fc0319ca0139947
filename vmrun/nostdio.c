/*
 * nostdio.c: --no-stdio -- refuse a VM that would put a COM port, a uart,
 * the loader console or a bhyve argument on vmrun's standard input and
 * output.  It is for a vmrun without a terminal, as the rc.d script
 * starts it under daemon -f: bhyve and bhyveload put whatever terminal
 * they are given in raw mode and read it (an admin's ssh session, the
 * console at boot), and /dev/null gives a guest no console at all.
 *
 * Every target the VM can reach is checked -- the one it starts with and
 * those its next_target chain leads to on a reboot -- each stdio user
 * reported once by the JSON path of its key, as configuration errors are
 * (vmrun(8) DIAGNOSTICS, "stdio-no-terminal"), and vmrun ends with 65.
 */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jw.h"

#include "vmrun.h"
#include "cmd.h"

#define NS_CODE	"stdio-no-terminal"
#define NS_MSG	"\"stdio\" needs a terminal, and vmrun --no-stdio has none"

struct nsctx {
	const struct options	*ns_o;
	const char		*ns_name;
	jw_t			*ns_diags;	/* the refusals, in order */
	jw_t			*ns_base;	/* the default target, resolved */
	bool			 ns_nomem;
};

/* The resolved VM as JSON (a new reference), or NULL (out of memory). */
static jw_t *
vm_doc(const struct vmrun_vm *vm)
{
	jw_t *doc;
	char *s;

	if ((s = vmrun_vm_json(vm)) == NULL)
		return (NULL);
	doc = jw_loads(s, strlen(s), NULL, 0);
	free(s);
	return (doc);
}

/* The string member key of o, or "" (never NULL, for "%s"). */
static const char *
member(jw_t *o, const char *key)
{
	const char *s;

	s = jw_string_value(jw_object_get(o, key));
	return (s != NULL ? s : "");
}

static bool
is_stdio(jw_t *v)
{
	return (jw_is_string(v) && strcmp(jw_string_value(v), "stdio") ==
	    0);
}

/* Record a refusal of path, unless it was recorded already. */
static void
refuse(struct nsctx *ns, const char *group, const char *path,
    const char *fix)
{
	jw_t *d;
	size_t i;

	jw_array_foreach(ns->ns_diags, i, d)
		if (strcmp(member(d, "path"), path) == 0)
			return;
	d = jw_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "severity", "error",
	    "code", NS_CODE, "group", group, "path", path, "message", NS_MSG,
	    "fix", fix);
	if (d == NULL || jw_array_append_new(ns->ns_diags, d) != 0)
		ns->ns_nomem = true;
}

/*
 * The path of a top-level key of the resolved target: under
 * "targets.TARGET." when the target's value is not the default's, as
 * the target then set it.
 */
static void
key_path(struct nsctx *ns, jw_t *doc, const char *key, const char *sub,
    char *buf, size_t len)
{
	const char *t;

	t = member(doc, "target");
	if (*t != '\0' && ns->ns_base != doc &&
	    !jw_equal(jw_object_get(doc, key),
	    jw_object_get(ns->ns_base, key)))
		snprintf(buf, len, "targets.%s.%s%s", t, key, sub);
	else
		snprintf(buf, len, "%s%s", key, sub);
}

static void
check_doc(struct nsctx *ns, jw_t *doc)
{
	static const char *const coms[] = { "com1", "com2", "com3", "com4" };
	char path[512], group[256], fix[512];
	jw_t *d, *v;
	const char *src;
	size_t i;

	for (i = 0; i < sizeof(coms) / sizeof(coms[0]); i++) {
		if (!is_stdio(jw_object_get(doc, coms[i])))
			continue;
		key_path(ns, doc, coms[i], "", path, sizeof(path));
		snprintf(group, sizeof(group), "lpc %s", coms[i]);
		snprintf(fix, sizeof(fix), "set \"%s\": \"capture\" and use "
		    "vmrun console %s, or a terminal device such as "
		    "\"/dev/nmdm0A\"", coms[i], ns->ns_name);
		refuse(ns, group, path, fix);
	}
	if (is_stdio(jw_object_get(jw_object_get(doc, "loader"),
	    "console"))) {
		key_path(ns, doc, "loader", ".console", path, sizeof(path));
		refuse(ns, "vm", path, "set the loader's \"console\" (\"stdio\" "
		    "when not set) to a terminal device such as "
		    "\"/dev/nmdm0A\"");
	}
	jw_array_foreach(jw_object_get(doc, "devices"), i, d) {
		if (!is_stdio(jw_object_get(d, "backend")) ||
		    *(src = member(d, "source")) == '\0')
			continue;
		snprintf(path, sizeof(path), "%s.backend", src);
		snprintf(group, sizeof(group), "pci %s %s stdio",
		    member(d, "slot"), member(d, "device"));
		refuse(ns, group, path, "use a terminal device such as "
		    "\"/dev/nmdm0A\" or tcp=ADDR:PORT");
	}
	jw_array_foreach(jw_object_get(doc, "extra_options"), i, v) {
		src = jw_string_value(v);
		if (src == NULL || strlen(src) < 6 ||
		    strcmp(src + strlen(src) - 6, "=stdio") != 0)
			continue;
		key_path(ns, doc, "extra_options", "", path, sizeof(path));
		snprintf(path + strlen(path), sizeof(path) - strlen(path),
		    "[%zu]", i);
		refuse(ns, "vm", path, "use a terminal device such as "
		    "\"/dev/nmdm0A\"");
	}
}

/*
 * A bhyve argument after "--" such as "com1,stdio", "9,uart,stdio" or
 * "lpc.com1.path=stdio".
 */
static void
check_extra(struct nsctx *ns)
{
	char *const *a;
	char path[512];
	size_t n;

	for (a = ns->ns_o->extra; a != NULL && *a != NULL; a++) {
		n = strlen(*a);
		if (strcmp(*a, "stdio") == 0 || (n > 6 &&
		    (strcmp(*a + n - 6, ",stdio") == 0 ||
		    strcmp(*a + n - 6, "=stdio") == 0)) ||
		    strstr(*a, ",stdio,") != NULL) {
			/* Named by the word itself, after "--". */
			snprintf(path, sizeof(path), "-- %s", *a);
			refuse(ns, "vm", path, "use a terminal device such as "
			    "\"/dev/nmdm0A\"");
		}
	}
}

static void
print_refusals(const struct nsctx *ns, const char *file)
{
	jw_t *d;
	size_t i;

	jw_array_foreach(ns->ns_diags, i, d) {
		fputs("vmrun: ", stderr);
		vis_fputs(file, stderr);
		fputs(": ", stderr);
		vis_fputs(member(d, "path"), stderr);
		fputs(": " NS_MSG "\n  fix: ", stderr);
		vis_fputs(member(d, "fix"), stderr);
		fputc('\n', stderr);
	}
}

static int
print_refusals_json(const struct nsctx *ns)
{
	int rc;

	rc = print_doc(jw_pack("{s:s, s:b, s:O}", "vm", ns->ns_name, "ok",
	    0, "diagnostics", ns->ns_diags));
	return (rc == EX_OK ? EX_DATAERR : rc);
}

/*
 * vmrun --no-stdio: EX_OK when no target vm can reach uses stdio, else
 * the refusals printed (stderr, or stdout with --json) and EX_DATAERR.
 */
int
nostdio_check(const struct options *o, const struct vmrun_config *cf,
    const struct vmrun_vm *vm, const char *file)
{
	struct nsctx ns;
	const struct vmrun_vm *base;
	const char **seen, *next;
	jw_t *doc;
	size_t nseen, max, i;
	int rc;

	memset(&ns, 0, sizeof(ns));
	ns.ns_o = o;
	ns.ns_name = vmrun_vm_name(vm);
	max = vmrun_config_ntargets(cf) + 1;
	seen = calloc(max, sizeof(*seen));
	ns.ns_diags = jw_array();
	if (vmrun_config_resolve(cf, NULL, &base) == VMRUN_OK)
		ns.ns_base = vm_doc(base);
	if (seen == NULL || ns.ns_diags == NULL || ns.ns_base == NULL)
		ns.ns_nomem = true;
	/* The start target, then where each reboot leads, each once. */
	nseen = 0;
	while (!ns.ns_nomem && vm != NULL && nseen < max) {
		seen[nseen++] = vmrun_vm_target(vm);
		if (strcmp(vmrun_vm_target(vm), vmrun_vm_target(base)) == 0)
			doc = jw_incref(ns.ns_base);
		else
			doc = vm_doc(vm);
		if (doc == NULL) {
			ns.ns_nomem = true;
			break;
		}
		check_doc(&ns, doc);
		jw_decref(doc);
		next = vmrun_vm_next_target(vm);
		for (i = 0; next != NULL && i < nseen; i++)
			if (strcmp(seen[i], next) == 0)
				next = NULL;
		if (next == NULL || vmrun_config_resolve(cf, next, &vm) !=
		    VMRUN_OK)
			vm = NULL;
	}
	check_extra(&ns);
	if (ns.ns_nomem) {
		warnx_("out of memory");
		rc = EX_OSERR;
	} else if (jw_array_size(ns.ns_diags) == 0)
		rc = EX_OK;
	else if (o->json)
		rc = print_refusals_json(&ns);
	else {
		print_refusals(&ns, file);
		rc = EX_DATAERR;
	}
	free(seen);
	jw_decref(ns.ns_diags);
	jw_decref(ns.ns_base);
	return (rc);
}

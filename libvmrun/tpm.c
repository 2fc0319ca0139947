/*
 * tpm: the "tpm" key (design §12.2) -- a TPM 2.0 on bhyve's LPC bus,
 * either the host's own (passthru) or a software TPM that vmrun runs as
 * a sidecar (swtpm) and bhyve reaches through a UNIX socket vmrun makes
 * in the run directory.  Validation, the model, the paths it uses, and
 * its host checks; the sidecar itself is sidecar.c's.
 *
 * bhyve's "-l tpm,TYPE,PATH" is comma-split with no escape, and swtpm
 * splits its own options on commas too, so no path here may hold one
 * (bhyve.md §7.1).  bhyve copies the socket path into a sockaddr_un
 * without a check, so a path of 104 bytes or more would be cut short.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vmrun_impl.h"

static void
check_tpm_type(struct vctx *vc, jv_t *v, const char *path)
{
	if (strcmp(jv_str(v), "swtpm") != 0 &&
	    strcmp(jv_str(v), "passthru") != 0)
		verr(vc, "bad-value", path, "\"%s\": expected \"swtpm\" or "
		    "\"passthru\"", jv_str(v));
}

static void
check_tpm_version(struct vctx *vc, jv_t *v, const char *path)
{
	if (strcmp(jv_str(v), "2.0") != 0)
		verr(vc, "bad-value", path, "\"%s\": bhyve emulates TPM "
		    "version \"2.0\" only", jv_str(v));
}

const struct key tpm_keys[] = {
	{ "type", T_STR, K_REQ, 0, 0, check_tpm_type },
	{ "state_dir", T_STR, 0, 0, 0, check_comma_free },
	{ "path", T_STR, 0, 0, 0, check_comma_free },
	{ "version", T_STR, 0, 0, 0, check_tpm_version },
	{ NULL, 0, 0, 0, 0, NULL }
};

/* The "tpm" object: its keys, and those its type takes. */
void
check_tpm(struct vctx *vc, jv_t *v, const char *path)
{
	const char *type;

	schema_check(vc, v, tpm_keys, NULL, path, false);
	if ((type = jstr(v, "type")) == NULL)
		return;
	if (strcmp(type, "passthru") == 0) {
		if (jv_get(v, "path") == NULL)
			verr(vc, "missing-key", vpath(vc, path, "path"),
			    "a passthru TPM needs the host's device, e.g. "
			    "\"/dev/tpm0\"");
		if (jv_get(v, "state_dir") != NULL)
			verr(vc, "conflict", vpath(vc, path, "state_dir"),
			    "a passthru TPM keeps its state in the host's "
			    "TPM; state_dir is for swtpm");
	} else if (strcmp(type, "swtpm") == 0 && jv_get(v, "path") != NULL)
		verr(vc, "conflict", vpath(vc, path, "path"), "vmrun makes "
		    "swtpm's socket itself; path is for a passthru TPM");
}

/* The model of "tpm" (top: the merged top level), or NULL. */
void
tpm_build(struct vmrun_vm *vm, jv_t *top)
{
	struct tpm *tp;
	jv_t *v;

	if (!jv_is_obj(v = jv_get(top, "tpm")) || jstr(v, "type") == NULL)
		return;
	if ((tp = pool_alloc(vm->vm_pool, sizeof(*tp))) == NULL)
		return;
	tp->tp_swtpm = strcmp(jstr(v, "type"), "swtpm") == 0;
	tp->tp_path = jstr(v, "path");
	tp->tp_state_dir = jstr(v, "state_dir");
	tp->tp_version = jstr(v, "version");
	vm->vm_tpm = tp;
}

/*
 * The socket bhyve reaches swtpm through: RUNDIR/NAME.swtpm.sock, in
 * buf.  rundir NULL: this user's run directory (dirs_run).  NULL when it
 * does not fit buf.
 */
const char *
tpm_socket(const struct vmrun_vm *vm, const char *rundir, char *buf,
    size_t len)
{
	char dir[PATH_MAX];
	int n;

	if (rundir == NULL && (rundir = dirs_run(dir, sizeof(dir))) == NULL)
		return (NULL);
	n = snprintf(buf, len, "%s/%s.swtpm.sock", rundir, vm->vm_name);
	return (n < 0 || (size_t)n >= len ? NULL : buf);
}

/*
 * The TPM as bhyve is given it: 1 with *typep its type ("swtpm",
 * "passthru") and buf its path, the passthru device or swtpm's socket
 * in rundir; 0 when the VM has no TPM; -1 with a diagnostic in ds when
 * the socket's path is too long for a UNIX socket (bhyve would cut it
 * short), or holds a comma (the run directory's: bhyve would split the
 * path there).
 */
int
tpm_backend(const struct vmrun_vm *vm, const char *rundir, char *buf,
    size_t len, struct vmrun_diags *ds, const char **typep)
{
	const char *s;

	if (vm->vm_tpm == NULL)
		return (0);
	*typep = vm->vm_tpm->tp_swtpm ? "swtpm" : "passthru";
	if (!vm->vm_tpm->tp_swtpm) {
		snprintf(buf, len, "%s", vm->vm_tpm->tp_path);
		return (1);
	}
	s = tpm_socket(vm, rundir, buf, len);
	if (s != NULL && strchr(s, ',') != NULL) {
		diag_addg(ds, VMRUN_ERROR, "tpm-socket-comma", "lpc tpm", "tpm",
		    "use a run directory without a comma (-P)", "swtpm's "
		    "socket %s holds a comma, where bhyve would end its path",
		    s);
		return (-1);
	}
	if (s != NULL && strlen(s) < TPM_SOCK_MAX)
		return (1);
	diag_addg(ds, VMRUN_ERROR, "tpm-socket-long", "lpc tpm", "tpm",
	    "use a shorter run directory (XDG_RUNTIME_DIR, or -P in a "
	    "shorter directory)", "swtpm's socket %s/%s.swtpm.sock would be "
	    "%d bytes or more, too long for a UNIX socket",
	    rundir != NULL ? rundir : "RUNDIR", vm->vm_name, TPM_SOCK_MAX);
	return (-1);
}

/*
 * swtpm's state directory, in buf: tpm.state_dir, else STATE/tpm (the
 * VM's state directory, design §12.9).  NULL when it does not fit or
 * the user has no home to keep it in.
 */
const char *
tpm_state_dir(const struct vmrun_vm *vm, char *buf, size_t len)
{
	char st[PATH_MAX];
	int n;

	if (vm->vm_tpm->tp_state_dir != NULL)
		n = snprintf(buf, len, "%s", vm->vm_tpm->tp_state_dir);
	else if (dirs_state(vm->vm_state_dir, vm->vm_name, st,
	    sizeof(st)) == NULL)
		return (NULL);
	else
		n = snprintf(buf, len, "%s/tpm", st);
	return (n < 0 || (size_t)n >= len ? NULL : buf);
}

/*
 * Host checks (design §12.2): the passthru device, or the swtpm program
 * and a state directory vmrun can make or write.  Whether the host's
 * bhyve has the TPM at all is the feature probe's (probe.c: a row of
 * its version table each for passthru and swtpm).
 */
void
tpm_host(struct hctx *hc, const struct vmrun_vm *vm, const char *swtpm)
{
	char dir[PATH_MAX], up[PATH_MAX];
	struct stat sb;
	char *s;

	if (vm->vm_tpm == NULL)
		return;
	hc->hc_group = "lpc tpm";
	if (!vm->vm_tpm->tp_swtpm) {
		host_need_file(hc, "tpm.path", vm->vm_tpm->tp_path, FK_ANY,
		    true, NULL);
		return;
	}
	if (access(swtpm, X_OK) != 0)
		host_problem(hc, "program-missing", "tpm",
		    strcmp(swtpm, DEFAULT_SWTPM) == 0 ? "pkg install swtpm" :
		    NULL, "%s: %s", swtpm, strerror(errno));
	if (tpm_state_dir(vm, dir, sizeof(dir)) == NULL) {
		host_problem(hc, "dir-failed", "tpm.state_dir", "set "
		    "state_dir", "no TPM state directory: no home directory, "
		    "or its path is too long");
		return;
	}
	/* It is made at start: then the nearest directory that exists. */
	snprintf(up, sizeof(up), "%s", dir);
	while (stat(up, &sb) != 0 && errno == ENOENT &&
	    strcmp(up, ".") != 0 && strcmp(up, "/") != 0) {
		if ((s = strrchr(up, '/')) == NULL)
			snprintf(up, sizeof(up), ".");	/* relative: the cwd */
		else if (s == up)
			up[1] = '\0';
		else
			*s = '\0';
	}
	if (stat(up, &sb) != 0)
		host_problem(hc, "file-inaccessible", "tpm.state_dir", NULL,
		    "%s: %s", up, strerror(errno));
	else if (!S_ISDIR(sb.st_mode))
		host_problem(hc, "not-a-directory", "tpm.state_dir", NULL,
		    "%s: not a directory", up);
	else if (access(up, W_OK | X_OK) != 0)
		host_problem(hc, "file-not-writable", "tpm.state_dir", NULL,
		    "%s: not writable (%s); swtpm keeps the TPM's state "
		    "there", up, strerror(errno));
}

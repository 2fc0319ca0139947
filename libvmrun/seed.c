/*
 * seed: the cloud-init seed built before a start (design §12.6).  Its
 * files go into STATE/cloud-init (made 0700, checked safe), and makefs
 * runs as a child like every other -- never a shell, never waited for in
 * place -- to build seed.iso from them under a temporary name; then the
 * volume identifier is written as lower-case "cidata" and the image is
 * renamed into place, with a hash of its inputs beside it.  An unchanged
 * seed is not built again.  The seed is the VM's, not a run resource: it
 * outlives the run.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmrun_impl.h"
#include "supervise.h"

#define SEED_FILE_MAX	(1024 * 1024)	/* a user_data or network_config file */
#define ISO_PVD		32768		/* ECMA-119: sector 16 of 2048 */
#define ISO_VOLID	40		/* its volume identifier, 32 bytes */
#define SEED_LABEL	"cidata"	/* NoCloud's, as nuageinit(7) looks */

/* The files of the seed, in the order of the ISO's spec and the hash. */
enum { SF_USER, SF_META, SF_NET, SF_N };
static const char *const seed_names[SF_N] = {
	"user-data", "meta-data", "network-config"
};

/* STATE/cloud-init/NAME (in buf); false when it does not fit. */
static bool
seed_path(const struct seed *sd, const char *name, char *buf, size_t len)
{
	int n;

	n = snprintf(buf, len, "%s/%s", sd->sd_dir, name);
	return (n > 0 && (size_t)n < len);
}

/*
 * A text given as a file: read it, bounded, from a regular file only (a
 * FIFO would block the loop).  New string with its length in *lenp, or
 * NULL with the reason in ds.
 */
static char *
read_input(const char *file, const char *jpath, size_t *lenp,
    struct vmrun_diags *ds)
{
	struct stat sb;
	char *buf;
	ssize_t n;
	size_t got;
	int fd, e;

	buf = NULL;
	e = 0;
	if ((fd = open(file, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0 ||
	    fstat(fd, &sb) != 0) {
		if ((e = errno) == 0)
			e = EIO;	/* never "read" */
	}
	else if (!S_ISREG(sb.st_mode))
		e = EINVAL;
	else if (sb.st_size > SEED_FILE_MAX)
		e = EFBIG;
	else if ((buf = xmalloc((size_t)sb.st_size + 1)) == NULL)
		e = ENOMEM;
	for (got = 0; e == 0 && got < (size_t)sb.st_size; got += (size_t)n)
		if ((n = read(fd, buf + got, (size_t)sb.st_size - got)) <= 0) {
			if (n < 0 && errno == EINTR) {
				n = 0;
				continue;
			}
			if (n < 0)
				e = errno;
			break;
		}
	if (fd >= 0)
		close(fd);
	if (e != 0) {
		diag_add(ds, VMRUN_ERROR, "seed-input", jpath, NULL,
		    "%s: %s", file, e == EINVAL ? "not a regular file" :
		    e == EFBIG ? "larger than 1 MiB" : strerror(e));
		xfree(buf);
		return (NULL);
	}
	buf[got] = '\0';
	*lenp = got;
	return (buf);
}

/* FNV-1a, 64 bits: enough to tell one set of inputs from the next. */
static uint64_t
fnv64(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s;

	for (s = p; n > 0; n--, s++) {
		h ^= *s;
		h *= 0x100000001b3ULL;
	}
	return (h);
}

/*
 * Write len bytes of text to STATE/cloud-init/name: to a temporary name
 * first, mode 0600, never through a link, then renamed.  0 or an errno.
 */
static int
write_file(const struct seed *sd, const char *name, const char *text,
    size_t len)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	ssize_t n;
	size_t done;
	int fd, e;

	if (!seed_path(sd, name, path, sizeof(path)))
		return (ENAMETOOLONG);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) < 0)
		return (errno);
	e = 0;
	for (done = 0; done < len && e == 0; done += (size_t)n)
		if ((n = write(fd, text + done, len - done)) < 0) {
			n = 0;
			if (errno != EINTR)
				e = errno;
		}
	if (close(fd) != 0 && e == 0)
		e = errno;
	if (e == 0 && rename(tmp, path) != 0)
		e = errno;
	if (e != 0)
		(void)unlink(tmp);
	return (e);
}

/* Is STATE/cloud-init/seed.iso there, built from inputs of hash hex? */
static bool
seed_current(const struct seed *sd, const char *hex)
{
	char path[PATH_MAX], buf[32];
	struct stat sb;
	ssize_t n;
	int fd;

	if (lstat(sd->sd_iso, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    !seed_path(sd, "seed.hash", path, sizeof(path)) ||
	    (fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return (false);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return (false);
	buf[n] = '\0';
	return (strcmp(buf, hex) == 0);
}

/*
 * The spec of the image: the seed's files and nothing else of the
 * directory (makefs -F ... -x), which holds the image and the hash too.
 */
static int
write_spec(const struct seed *sd, bool net)
{
	char spec[256];
	int n;

	n = snprintf(spec, sizeof(spec), "/set type=file uid=0 gid=0 "
	    "mode=0444\n.\ttype=dir mode=0555\n    %s\n    %s\n%s%s%s..\n",
	    seed_names[SF_USER], seed_names[SF_META], net ? "    " : "",
	    net ? seed_names[SF_NET] : "", net ? "\n" : "");
	return (write_file(sd, "seed.spec", spec, (size_t)n));
}

/* The seed's texts (new, in t[] with their lengths): false on failure. */
static bool
seed_texts(const struct vmrun_vm *vm, char *t[SF_N], size_t len[SF_N],
    struct vmrun_diags *ds)
{
	const struct seed *sd;

	sd = vm->vm_seed;
	memset(t, 0, SF_N * sizeof(t[0]));
	if (sd->sd_user != NULL)
		t[SF_USER] = xstrdup(sd->sd_user);
	else
		t[SF_USER] = read_input(sd->sd_user_file,
		    "cloud_init.user_data.file", &len[SF_USER], ds);
	if (t[SF_USER] == NULL)
		return (false);
	if (sd->sd_user != NULL)
		len[SF_USER] = strlen(t[SF_USER]);
	if ((t[SF_META] = seed_meta_text(vm)) == NULL)
		return (false);
	len[SF_META] = strlen(t[SF_META]);
	len[SF_NET] = 0;
	if (sd->sd_net != NULL) {
		if ((t[SF_NET] = xstrdup(sd->sd_net)) == NULL)
			return (false);
		len[SF_NET] = strlen(t[SF_NET]);
	} else if (sd->sd_net_file != NULL && (t[SF_NET] =
	    read_input(sd->sd_net_file, "cloud_init.network_config.file",
	    &len[SF_NET], ds)) == NULL)
		return (false);
	return (true);
}

/*
 * Write the seed's files and the spec, unless the image is current:
 * 0 (files written, *build set when makefs must run), or an exit status.
 */
static int
seed_files(struct vmrun_sup *su, const struct vmrun_vm *vm, bool *build)
{
	const struct seed *sd;
	char *t[SF_N], path[PATH_MAX];
	size_t len[SF_N], i;
	uint64_t h;
	int e, rc;

	sd = vm->vm_seed;
	*build = false;
	if (!seed_texts(vm, t, len, su->su_diags)) {
		rc = diags_nomem(su->su_diags) ? 71 : 69;
		goto out;
	}
	h = fnv64(0xcbf29ce484222325ULL, "vmrun-seed-1", 13);
	for (i = 0; i < SF_N; i++) {
		h = fnv64(h, seed_names[i], strlen(seed_names[i]) + 1);
		h = fnv64(h, &len[i], sizeof(len[i]));
		if (t[i] != NULL)
			h = fnv64(h, t[i], len[i]);
		else
			h = fnv64(h, "-", 2);	/* none, not empty */
	}
	snprintf(su->su_seed_hash, sizeof(su->su_seed_hash), "%016llx",
	    (unsigned long long)h);
	rc = 0;
	if (seed_current(sd, su->su_seed_hash))
		goto out;
	/* Half-built is never current: the hash goes first. */
	e = 0;
	if (seed_path(sd, "seed.hash", path, sizeof(path)))
		(void)unlink(path);
	for (i = 0; i < SF_N && e == 0; i++)
		if (t[i] != NULL)
			e = write_file(sd, seed_names[i], t[i], len[i]);
		else if (seed_path(sd, seed_names[i], path, sizeof(path)) &&
		    unlink(path) != 0 && errno != ENOENT)
			e = errno;
	if (e == 0)
		e = write_spec(sd, t[SF_NET] != NULL);
	if (e != 0) {
		diag_add(su->su_diags, VMRUN_ERROR, "seed-failed",
		    "cloud_init", NULL, "cannot write the cloud-init files "
		    "in %s: %s", sd->sd_dir, strerror(e));
		rc = 74;
	}
	*build = rc == 0;
out:
	for (i = 0; i < SF_N; i++)
		xfree(t[i]);
	return (rc);
}

/*
 * Before the loader and bhyve: make the seed current.  0 when it is (or
 * the VM has none), 1 when makefs runs (su_child; seed_end when it has
 * ended), or an exit status with the reason in su's diagnostics.
 */
int
seed_begin(struct vmrun_sup *su, const struct vmrun_vm *vm)
{
	const struct seed *sd;
	char spec[PATH_MAX], tmp[PATH_MAX];
	char *argv[13];
	bool build;
	int rc;

	if ((sd = vm->vm_seed) == NULL)
		return (0);
	snprintf(spec, sizeof(spec), "%.*s", (int)(strlen(sd->sd_dir) -
	    strlen("/cloud-init")), sd->sd_dir);
	if ((rc = dirs_make(spec, DK_PRIVATE, "state directory",
	    su->su_diags)) != 0 || (rc = dirs_make(sd->sd_dir, DK_PRIVATE,
	    "cloud-init directory", su->su_diags)) != 0)
		return (rc);
	if ((rc = seed_files(su, vm, &build)) != 0 || !build)
		return (rc);
	if (!seed_path(sd, "seed.spec", spec, sizeof(spec)) ||
	    !seed_path(sd, ".seed.iso.tmp", tmp, sizeof(tmp)))
		return (69);
	(void)unlink(tmp);
	argv[0] = (char *)(uintptr_t)sup_prog(su, VMRUN_PROG_MAKEFS);
	argv[1] = "-t";
	argv[2] = "cd9660";
	argv[3] = "-o";
	argv[4] = "rockridge";
	argv[5] = "-o";
	argv[6] = "label=" SEED_LABEL;
	argv[7] = "-F";
	argv[8] = spec;
	argv[9] = "-x";
	argv[10] = tmp;
	argv[11] = (char *)(uintptr_t)sd->sd_dir;
	argv[12] = NULL;
	rc = launch_pre(su, argv, SP_OWNPGRP | SP_NULLSTDIN | SP_STDOUT_ERR |
	    SP_PIPEERR, "makefs-exec");
	return (rc == 0 ? 1 : rc);
}

/*
 * Make what makefs wrote at tmp the seed: an ISO 9660 image (its
 * primary volume descriptor: type 1, "CD001") whose volume identifier
 * becomes "cidata" padded with blanks -- makefs upper-cases the label --,
 * mode 0600, synced, then renamed into place.  0 or an errno.
 */
static int
seed_finish(const struct seed *sd, const char *tmp)
{
	char id[32], pvd[6];
	int fd, e;

	if ((fd = open(tmp, O_RDWR | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return (errno);
	memset(id, ' ', sizeof(id));
	memcpy(id, SEED_LABEL, strlen(SEED_LABEL));
	e = 0;
	errno = 0;
	if (pread(fd, pvd, sizeof(pvd), ISO_PVD) != (ssize_t)sizeof(pvd) ||
	    pvd[0] != 1 || memcmp(pvd + 1, "CD001", 5) != 0)
		e = EINVAL;
	else if (pwrite(fd, id, sizeof(id), ISO_PVD + ISO_VOLID) !=
	    (ssize_t)sizeof(id) || fchmod(fd, 0600) != 0 || fsync(fd) != 0)
		e = errno != 0 ? errno : EIO;
	if (close(fd) != 0 && e == 0)
		e = errno;
	if (e == 0 && rename(tmp, sd->sd_iso) != 0)
		e = errno;
	return (e);
}

/*
 * makefs has ended: the seed is made current, or not.  0, or an exit
 * status with the reason in su's diagnostics (a stop is the caller's).
 */
int
seed_end(struct vmrun_sup *su, const struct vmrun_vm *vm)
{
	const struct seed *sd;
	char tmp[PATH_MAX], what[64];
	const char *prog;
	int e;

	sd = vm->vm_seed;
	prog = sup_prog(su, VMRUN_PROG_MAKEFS);
	if (!seed_path(sd, ".seed.iso.tmp", tmp, sizeof(tmp)))
		return (69);
	if (su->su_stop) {
		(void)unlink(tmp);
		return (0);
	}
	if (su->su_child.c_exit != 0) {
		if (su->su_child.c_sig != 0)
			snprintf(what, sizeof(what), "was killed by %s",
			    event_signame(su->su_child.c_sig));
		else
			snprintf(what, sizeof(what), "exited with status %d",
			    su->su_child.c_exit);
		quote_failure(su, VMRUN_ERROR, "seed-failed", prog, what);
		(void)unlink(tmp);
		return (74);
	}
	if ((e = seed_finish(sd, tmp)) == 0 && (e = write_file(sd,
	    "seed.hash", su->su_seed_hash, strlen(su->su_seed_hash))) == 0)
		return (0);
	diag_add(su->su_diags, VMRUN_ERROR, "seed-failed", "cloud_init", NULL,
	    "%s: %s", sd->sd_iso, e == EINVAL ? "makefs wrote no ISO 9660 "
	    "image" : strerror(e));
	(void)unlink(tmp);
	return (74);
}

/*
 * hostfs: what the supervisor owns on the host filesystem -- the per-VM
 * lock, bhyve's pid file, stale VM nodes and console sockets, the UEFI
 * variable store (design §7.1, §11).  It runs no program and emits no
 * event: it says what it found and did.  vmrun only removes what it is sure
 * it owns: sockets nobody listens on, its own pid files; never through a
 * symbolic link.
 */

#include <sys/types.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmrun_impl.h"
#include "supervise.h"
#include "platform.h"

/*
 * The run directory (design §12.9): the lock's when -P names one, else
 * the user's (dirs_run), made if missing and checked once, then kept for
 * the supervisor's life.  NULL when it cannot be used: *rc is then the
 * exit status (69, 71 out of memory) and ds says why.
 */
const char *
sup_rundir(struct vmrun_sup *su, struct vmrun_diags *ds, int *rc)
{
	char buf[PATH_MAX];
	const char *lock, *dir;
	enum dirs_kind kind;

	if (su->su_rundir != NULL)
		return (su->su_rundir);
	lock = su->su_opts->op_lockfile;
	kind = lock == NULL && geteuid() != 0 ? DK_PRIVATE : DK_SHARED;
	if ((dir = vmrun_run_dir(lock, buf, sizeof(buf))) == NULL) {
		diag_add(ds, VMRUN_ERROR, "dir-failed", "", NULL,
		    "the run directory's path is too long");
		*rc = 69;
		return (NULL);
	}
	if ((*rc = dirs_make(dir, kind, "run directory", ds)) != 0)
		return (NULL);
	if ((su->su_rundir = xstrdup(dir)) == NULL) {
		diag_add(ds, VMRUN_ERROR, "no-memory", "", NULL,
		    "out of memory");
		*rc = 71;
	}
	return (su->su_rundir);
}

/* Take the per-VM lock (-P): 0, 75 when another vmrun holds it, or 71. */
int
lock_take(struct vmrun_sup *su, struct vmrun_diags *ds)
{
	char def[PATH_MAX];
	struct stat sb;
	const char *path, *dir;
	pid_t other;
	int rc;

	if ((path = su->su_opts->op_lockfile) == NULL) {
		if ((dir = sup_rundir(su, ds, &rc)) == NULL)
			return (rc);
		snprintf(def, sizeof(def), "%s/%s.pid", dir, su->su_name);
		path = def;
	}
	/*
	 * pidfile(3) would follow a symbolic link and write through it
	 * (design §11 forbids it); only a regular file or nothing will do.
	 */
	if (lstat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		diag_add(ds, VMRUN_ERROR, "lock-failed", "", NULL,
		    "the lock %s is %s; vmrun writes only regular files", path,
		    S_ISLNK(sb.st_mode) ? "a symbolic link" : "not a regular "
		    "file");
		return (71);
	}
	other = -1;
	if ((su->su_lock = plat_pidfile_open(path, 0600, &other)) == NULL) {
		if (errno == EEXIST && other > 0) {
			diag_add(ds, VMRUN_ERROR, "vm-supervised", "", NULL,
			    "VM %s is already supervised by vmrun (pid %ld, "
			    "lock %s)", su->su_name, (long)other, path);
			return (75);
		}
		if (errno == EEXIST) {	/* its holder is starting */
			diag_add(ds, VMRUN_ERROR, "vm-supervised", "", NULL,
			    "VM %s is already supervised by vmrun (lock %s, "
			    "its pid not written yet)", su->su_name, path);
			return (75);
		}
		diag_add(ds, VMRUN_ERROR, "lock-failed", "", NULL,
		    "cannot create the lock %s: %s", path, strerror(errno));
		return (71);
	}
	if (plat_pidfile_write(su->su_lock) != 0) {
		/* The handle is gone with the file. */
		su->su_lock = NULL;
		diag_add(ds, VMRUN_ERROR, "lock-failed", "", NULL,
		    "cannot write the lock %s: %s", path, strerror(errno));
		return (71);
	}
	return (0);
}

void
lock_release(struct vmrun_sup *su)
{
	if (su->su_lock != NULL)
		plat_pidfile_remove(su->su_lock);
	su->su_lock = NULL;
}

/*
 * Why an open(2) with O_NOFOLLOW of path failed with err: a symbolic
 * link at path is ELOOP on Linux but EMLINK on FreeBSD, whose strerror
 * ("Too many links") would mislead; the link is looked at to be sure.
 */
const char *
nofollow_error(const char *path, int err)
{
	struct stat sb;

	if ((err == ELOOP || err == EMLINK || err == EEXIST) &&
	    lstat(path, &sb) == 0 &&
	    S_ISLNK(sb.st_mode))
		return ("it is a symbolic link");
	return (strerror(err));
}

/*
 * bhyve's pid file (-p) is opened and locked before bhyve starts, so a
 * failure starts nothing; it is never a symbolic link.
 */
int
pidfile_prepare(struct vmrun_sup *su, struct vmrun_diags *ds)
{
	const char *path;
	int fd;

	if ((path = su->su_opts->op_pidfile) == NULL || su->su_pidfd >= 0)
		return (0);
	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		diag_add(ds, VMRUN_ERROR, "pidfile-failed", "", NULL,
		    "cannot open the pid file %s: %s", path,
		    nofollow_error(path, errno));
		return (71);
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		diag_add(ds, VMRUN_ERROR, "pidfile-busy", "", NULL,
		    "the pid file %s is locked by another process", path);
		close(fd);
		return (75);
	}
	if (ftruncate(fd, 0) != 0) {
		diag_add(ds, VMRUN_ERROR, "pidfile-failed", "", NULL,
		    "cannot write the pid file %s: %s", path, strerror(errno));
		close(fd);
		return (71);
	}
	su->su_pidfd = fd;
	return (0);
}

void
pidfile_fill(struct vmrun_sup *su, pid_t pid)
{
	char buf[32];
	int n;

	if (su->su_pidfd < 0)
		return;
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)pid);
	if (ftruncate(su->su_pidfd, 0) != 0 ||
	    pwrite(su->su_pidfd, buf, (size_t)n, 0) != n)
		diag_add(su->su_diags, VMRUN_WARNING, "pidfile-failed", "",
		    NULL, "cannot write the pid file %s: %s",
		    su->su_opts->op_pidfile, strerror(errno));
}

/*
 * Remove bhyve's pid file, only if the path still names our file: false
 * when it could not be removed (or was not ours any more).
 */
bool
pidfile_drop(struct vmrun_sup *su)
{
	struct stat a, b;
	bool ok;

	if (su->su_pidfd < 0)
		return (true);
	ok = false;
	if (fstat(su->su_pidfd, &a) == 0 &&
	    lstat(su->su_opts->op_pidfile, &b) == 0 && S_ISREG(b.st_mode) &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		ok = unlink(su->su_opts->op_pidfile) == 0;
	close(su->su_pidfd);
	su->su_pidfd = -1;
	return (ok);
}

static const char *
vmm_dir(const struct vmrun_sup *su)
{
	return (su->su_opts->op_vmm_dir != NULL ? su->su_opts->op_vmm_dir :
	    "/dev/vmm");
}

/* The VM's node, "/dev/vmm/NAME", in buf. */
const char *
vm_node_path(struct vmrun_sup *su, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", vmm_dir(su), name);
	return (buf);
}

bool
vm_node_exists(struct vmrun_sup *su, const char *name)
{
	char path[PATH_MAX];
	struct stat sb;

	return (lstat(vm_node_path(su, name, path, sizeof(path)), &sb) == 0);
}

/* The pid in bhyve's pid file, if it names a live process; else 0. */
pid_t
pidfile_live(const char *path)
{
	char buf[32];
	long pid;
	ssize_t n;
	int fd;

	if (path == NULL || (fd = open(path, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		return (0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return (0);
	buf[n] = '\0';
	pid = strtol(buf, NULL, 10);
	if (pid <= 1 || pid == (long)getpid())
		return (0);
	if (kill((pid_t)pid, 0) == 0 || errno == EPERM)
		return ((pid_t)pid);
	return (0);
}

/*
 * Is a bhyve for VM name alive?  Its pid: the one in bhyve's pid file
 * (-p; NULL: none) if that process lives, else a process titled
 * "bhyve: NAME"; 0 when there is none.  A VM whose bhyve may be alive is
 * never to be destroyed: fix (len bytes) gets how to stop it instead.
 */
pid_t
vm_bhyve_alive(const char *pidfile, const char *name, char *fix, size_t len)
{
	pid_t pid;

	if ((pid = pidfile_live(pidfile)) == 0 &&
	    (pid = plat_bhyve_pid(name)) == 0)
		return (0);
	snprintf(fix, len, "stop the guest: kill %ld (its power button), "
	    "and start it again once bhyve has exited", (long)pid);
	return (pid);
}

/*
 * design §7.1 step 3: a VM node left behind may be destroyed with
 * --force, unless a bhyve for it is still alive.  Returns 0 (no node),
 * 1 (a node to destroy: the caller runs bhyvectl), or 75 (refused).
 */
int
stale_vm(struct vmrun_sup *su, const struct vmrun_vm *vm,
    struct vmrun_diags *ds)
{
	const char *name;
	char fix[320];
	pid_t pid;

	name = vmrun_vm_name(vm);
	if (!vm_node_exists(su, name))
		return (0);
	if ((pid = vm_bhyve_alive(su->su_opts->op_pidfile, name, fix,
	    sizeof(fix))) != 0) {
		diag_add(ds, VMRUN_ERROR, "vm-busy", "", fix,
		    "VM %s is running (bhyve pid %ld)", name, (long)pid);
		return (75);
	}
	if (!su->su_opts->op_force && su->su_destroy_failed) {
		diag_add(ds, VMRUN_ERROR, "vm-exists", "", NULL,
		    "VM %s could not be destroyed after its last run "
		    "(bhyvectl --destroy failed); it was not restarted", name);
		return (75);
	}
	if (!su->su_opts->op_force) {
		snprintf(fix, sizeof(fix), "bhyvectl --destroy --vm=%s, or "
		    "start with --force", name);
		diag_add(ds, VMRUN_ERROR, "vm-exists", "", fix,
		    "VM %s already exists (%s/%s), left by an earlier run",
		    name, vmm_dir(su), name);
		return (75);
	}
	return (1);
}

/*
 * virtio-console sockets (bhyve.md §5: bhyve creates them and never
 * removes them).  Before a start (strict): a stale socket is removed, a
 * live one or a non-socket refuses the start (69) and is left alone.
 * After an exit: our sockets are removed, anything else is left alone.
 * Each removal is told to done.
 */
int
console_sockets(struct vmrun_sup *su, const struct vmrun_vm *vm, bool strict,
    struct vmrun_diags *ds, cleanup_fn *done)
{
	const struct dev *d;
	jv_t *port;
	const char *path;
	struct stat sb;
	size_t i, k;
	int rc;

	rc = 0;
	for (i = 0; i < vm->vm_ndevs; i++) {
		d = &vm->vm_devs[i];
		if (d->dv_type != &devtype_virtio_console)
			continue;
		jv_array_foreach(jv_get(d->dv_obj, "ports"), k,
		    port) {
			path = console_port_path(port);
			if (path == NULL || lstat(path, &sb) != 0)
				continue;
			if (!S_ISSOCK(sb.st_mode)) {
				if (strict) {
					diag_add(ds, VMRUN_ERROR,
					    "socket-not-socket", "", NULL,
					    "%s exists and is not a socket; "
					    "vmrun never removes it", path);
					rc = 69;
				}
				continue;
			}
			if (strict && unix_socket_live(path)) {
				diag_add(ds, VMRUN_ERROR, "socket-in-use", "",
				    NULL, "%s is a socket in use by another "
				    "program", path);
				rc = 69;
				continue;
			}
			done(su, path, "unlink", unlink(path) == 0 ||
			    errno == ENOENT);
		}
	}
	return (rc);
}

/* design §7.1 step 4: copy varfile_template to a missing varfile (74). */
int
varfile_copy(struct vmrun_sup *su, const struct vmrun_vm *vm,
    struct vmrun_diags *ds)
{
	char buf[65536];
	struct stat sb;
	ssize_t n, w;
	int in, out, e;

	(void)su;
	if (vm->vm_varfile == NULL || vm->vm_varfile_template == NULL ||
	    lstat(vm->vm_varfile, &sb) == 0)
		return (0);
	if ((in = open(vm->vm_varfile_template, O_RDONLY | O_CLOEXEC)) < 0) {
		diag_add(ds, VMRUN_ERROR, "varfile-copy", "varfile_template",
		    NULL, "%s: %s", vm->vm_varfile_template, strerror(errno));
		return (74);
	}
	/* O_EXCL: never overwrite what appeared meanwhile. */
	out = open(vm->vm_varfile, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (out < 0) {
		diag_add(ds, VMRUN_ERROR, "varfile-copy", "varfile", NULL,
		    "%s: %s", vm->vm_varfile, strerror(errno));
		close(in);
		return (74);
	}
	e = 0;
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			break;
		}
		if ((w = write(out, buf, (size_t)n)) != n) {
			e = w < 0 ? errno : ENOSPC;
			break;
		}
	}
	if (e == 0 && fsync(out) != 0)
		e = errno;
	close(in);
	if (close(out) != 0 && e == 0)
		e = errno;
	if (e != 0) {
		(void)unlink(vm->vm_varfile);
		diag_add(ds, VMRUN_ERROR, "varfile-copy", "varfile", NULL,
		    "copying %s to %s: %s", vm->vm_varfile_template,
		    vm->vm_varfile, strerror(e));
		return (74);
	}
	return (0);
}

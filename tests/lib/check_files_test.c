/*
 * check_files_test: the host checks of design §6 for the files a VM
 * uses: disks, boot ROM and variables, shares and devices, terminals,
 * console sockets and the loader's files; missing, of the wrong kind or
 * not writable.  Each runs through the fake host of fakehost.h; the files
 * and sockets are real, made in the case's work directory.
 *
 * JSON texts are written with ' for " to keep them readable.
 */

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <grp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "vmrun.h"
#include "platform.h"
#include "testutil.h"
#include "fakehost.h"

#define DEFROM	"/usr/local/share/uefi-firmware/BHYVE_UEFI.fd"
#define NOBODY	65534		/* nobody and nogroup on Debian and FreeBSD */

ATF_TC_WITHOUT_HEAD(disk_missing);
ATF_TC_BODY(disk_missing, tc)
{
	struct run r;

	setup();
	CHECK(&r, "{" BASE ",'emulations':[{'device':'virtio-blk',"
	    "'path':'disk.img'}]}", 0);
	PROBLEMS(&r, 1);
	EXPECT(&r, "file-missing", "emulations[0].path",
	    "pci 0:1:0 virtio-blk disk.img",
	    "disk.img: No such file or directory", NULL);
	run_done(&r);

	/* Every kind of disk; an nvme RAM disk has no file. */
	CHECK(&r, "{" BASE ",'emulations':[{'device':'ahci-hd',"
	    "'path':'hd.img'},{'device':'ahci-cd','path':'cd.iso'},"
	    "{'device':'nvme','path':'nvme.img'},{'device':'nvme','ram':64},"
	    "{'device':'ahci','ports':[{'type':'hd','path':'p0.img'},"
	    "{'type':'cd','path':'p1.iso'}]}]}", 0);
	PROBLEMS(&r, 5);
	EXPECT(&r, "file-missing", "emulations[0].path",
	    "pci 0:1:0 ahci-hd hd.img", "hd.img: No such file or directory",
	    NULL);
	EXPECT(&r, "file-missing", "emulations[1].path",
	    "pci 0:2:0 ahci-cd cd.iso", "cd.iso: No such file or directory",
	    NULL);
	EXPECT(&r, "file-missing", "emulations[2].path", NULL,
	    "nvme.img: No such file or directory", NULL);
	EXPECT(&r, "file-missing", "emulations[4].ports[0].path", NULL,
	    "p0.img: No such file or directory", NULL);
	EXPECT(&r, "file-missing", "emulations[4].ports[1].path", NULL,
	    "p1.iso: No such file or directory", NULL);
	run_done(&r);

	/* All there: no problem. */
	mkfile("hd.img", "", 0644);
	mkfile("cd.iso", "", 0444);
	mkfile("nvme.img", "", 0644);
	mkfile("p0.img", "", 0644);
	mkfile("p1.iso", "", 0444);
	CHECK(&r, "{" BASE ",'emulations':[{'device':'ahci-hd',"
	    "'path':'hd.img'},{'device':'ahci-cd','path':'cd.iso'},"
	    "{'device':'nvme','path':'nvme.img'},{'device':'nvme','ram':64},"
	    "{'device':'ahci','ports':[{'type':'hd','path':'p0.img'},"
	    "{'type':'cd','path':'p1.iso'}]}]}", 0);
	PROBLEMS(&r, 0);
	run_done(&r);
	teardown();
}

/*
 * Run the checks of r as nobody (when root: in a child that drops its
 * privileges, since root may write anything), with the work directory
 * searchable; returns the diagnostics, "code@path: message" a line (new
 * string).
 */
static char *
check_unprivileged(struct run *r)
{
	const struct vmrun_diag *d;
	char buf[4096];
	size_t i, len;
	ssize_t n;
	pid_t pid;
	int fds[2], st;

	if (geteuid() != 0) {
		check(r, NULL, 0);
		buf[0] = '\0';
		for (i = 0; i < vmrun_diags_count(r->r_ds); i++) {
			d = vmrun_diags_get(r->r_ds, i);
			len = strlen(buf);
			snprintf(buf + len, sizeof(buf) - len, "%s@%s: %s\n",
			    vmrun_diag_code(d), vmrun_diag_path(d),
			    vmrun_diag_message(d));
		}
		return (strdup(buf));
	}
	ATF_REQUIRE(chmod(".", 0711) == 0);
	ATF_REQUIRE(pipe(fds) == 0);
	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		close(fds[0]);
		if (setgroups(0, NULL) != 0 || setgid(NOBODY) != 0 ||
		    setuid(NOBODY) != 0)
			_exit(2);
		vmrun_vm_check(r->r_vm, NULL, 0, r->r_ds);
		for (i = 0; i < vmrun_diags_count(r->r_ds); i++) {
			d = vmrun_diags_get(r->r_ds, i);
			len = (size_t)snprintf(buf, sizeof(buf), "%s@%s: %s\n",
			    vmrun_diag_code(d), vmrun_diag_path(d),
			    vmrun_diag_message(d));
			if (write(fds[1], buf, len) != (ssize_t)len)
				_exit(3);
		}
		_exit(0);
	}
	close(fds[1]);
	len = 0;
	while (len < sizeof(buf) - 1 && (n = read(fds[0], buf + len,
	    sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fds[0]);
	ATF_REQUIRE(waitpid(pid, &st, 0) == pid);
	ATF_REQUIRE_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "unprivileged child failed (status %#x)", st);
	return (strdup(buf));
}

ATF_TC_WITHOUT_HEAD(not_writable);
ATF_TC_BODY(not_writable, tc)
{
	struct run r;
	char *got;

	setup();
	/*
	 * Read-only files: written ones are problems (bhyve would quietly
	 * use them read-only); "ro" disks and ISOs are never asked to be
	 * writable.
	 */
	mkfile("rw.img", "", 0444);
	mkfile("ro.img", "", 0444);
	mkfile("cd.iso", "", 0444);
	mkfile("p1.iso", "", 0444);
	mkfile("vars.fd", "", 0444);
	mkfile("play", "", 0444);
	mkfile("rec", "", 0444);
	ATF_REQUIRE(chmod("rom.fd", 0444) == 0);
	LOAD(&r, "{" BASE ",'varfile':'vars.fd','emulations':["
	    "{'device':'virtio-blk','path':'rw.img'},"
	    "{'device':'virtio-blk','path':'ro.img','ro':true},"
	    "{'device':'ahci-cd','path':'cd.iso'},"
	    "{'device':'ahci','ports':[{'type':'cd','path':'p1.iso'},"
	    "{'type':'hd','path':'ro.img','ro':true}]},"
	    "{'device':'hda','play':'play','rec':'rec'}]}", NULL);
	got = check_unprivileged(&r);
#define NW	": not writable (Permission denied); bhyve would quietly use " \
		"it read-only\n"
	ATF_CHECK_STREQ_MSG("file-not-writable@emulations[0].path: rw.img" NW
	    "file-not-writable@emulations[4].play: play" NW
	    "file-not-writable@varfile: vars.fd" NW, got,
	    "in vm, pci, lpc order of checking");
	free(got);
	run_done(&r);
	teardown();
}

ATF_TC_WITHOUT_HEAD(bootrom);
ATF_TC_BODY(bootrom, tc)
{
	struct run r;
	struct stat sb;

	setup();
	/* Not a regular file. */
	ATF_REQUIRE(mkdir("romdir", 0755) == 0);
	CHECK(&r, "{'name':'vm','cpu':1,'mem':'1G','bootrom':'romdir'}", 0);
	PROBLEMS(&r, 1);
	EXPECT(&r, "not-a-file", "bootrom", "lpc bootrom",
	    "romdir: not a regular file", NULL);
	run_done(&r);
	/* Missing, somewhere of the user's choosing: no fix known. */
	CHECK(&r, "{'name':'vm','cpu':1,'mem':'1G','bootrom':'my.fd'}", 0);
	PROBLEMS(&r, 1);
	EXPECT(&r, "file-missing", "bootrom", "lpc bootrom",
	    "my.fd: No such file or directory", NULL);
	run_done(&r);
	/* The default one: the package that has it. */
	CHECK(&r, "{'name':'vm','cpu':1,'mem':'1G'}", 0);
	if (stat(DEFROM, &sb) == 0)
		PROBLEMS(&r, 0);
	else {
		PROBLEMS(&r, 1);
		EXPECT(&r, "file-missing", "bootrom", "lpc bootrom",
		    DEFROM ": No such file or directory",
		    "pkg install edk2-bhyve");
	}
	run_done(&r);
	teardown();
}

ATF_TC_WITHOUT_HEAD(varfile);
ATF_TC_BODY(varfile, tc)
{
	struct run r;

	setup();
	/* Neither the varfile nor its template. */
	CHECK(&r, "{" BASE ",'varfile':'vars.fd',"
	    "'varfile_template':'tmpl.fd'}", 0);
	PROBLEMS(&r, 1);
	EXPECT(&r, "file-missing", "varfile_template", "lpc bootrom",
	    "tmpl.fd: No such file or directory", NULL);
	run_done(&r);
	/* The template is enough: vmrun copies it at start. */
	mkfile("tmpl.fd", "vars", 0444);
	CHECK(&r, "{" BASE ",'varfile':'vars.fd',"
	    "'varfile_template':'tmpl.fd'}", 0);
	PROBLEMS(&r, 0);
	/* ... and --check copies nothing. */
	ATF_CHECK(!exists("vars.fd"));
	run_done(&r);
	/* No template: the varfile itself. */
	CHECK(&r, "{" BASE ",'varfile':'vars.fd'}", 0);
	PROBLEMS(&r, 1);
	EXPECT(&r, "file-missing", "varfile", "lpc bootrom",
	    "vars.fd: No such file or directory", NULL);
	run_done(&r);
	/* A varfile that exists is used, template or not; a regular file. */
	ATF_REQUIRE(mkdir("vars.fd", 0755) == 0);
	CHECK(&r, "{" BASE ",'varfile':'vars.fd',"
	    "'varfile_template':'tmpl.fd'}", 0);
	PROBLEMS(&r, 1);
	EXPECT(&r, "not-a-file", "varfile", "lpc bootrom",
	    "vars.fd: not a regular file", NULL);
	run_done(&r);
	teardown();
}

ATF_TC_WITHOUT_HEAD(misc_paths);
ATF_TC_BODY(misc_paths, tc)
{
	struct run r;
	struct stat sb;

	setup();
	/* 9p needs a directory; virtio-input and virtio-scsi their device. */
	mkfile("notdir", "", 0644);
	CHECK(&r, "{" BASE ",'emulations':[{'device':'virtio-9p',"
	    "'sharename':'a','path':'nodir'},{'device':'virtio-9p',"
	    "'sharename':'b','path':'notdir'},{'device':'virtio-input',"
	    "'path':'/dev/input/no-such-event'},{'device':'virtio-scsi',"
	    "'dev':'/dev/cam/no-such-ctl'}]}", 0);
	PROBLEMS(&r, 4);
	EXPECT(&r, "file-missing", "emulations[0].path",
	    "pci 0:1:0 virtio-9p a", "nodir: No such file or directory",
	    NULL);
	EXPECT(&r, "not-a-directory", "emulations[1].path",
	    "pci 0:2:0 virtio-9p b", "notdir: not a directory", NULL);
	EXPECT(&r, "file-missing", "emulations[2].path", NULL,
	    "/dev/input/no-such-event: No such file or directory", NULL);
	EXPECT(&r, "file-missing", "emulations[3].dev", NULL,
	    "/dev/cam/no-such-ctl: No such file or directory", NULL);
	run_done(&r);

	/* Present: a directory, and devices (any kind of file will do). */
	ATF_REQUIRE(mkdir("share", 0755) == 0);
	CHECK(&r, "{" BASE ",'emulations':[{'device':'virtio-9p',"
	    "'sharename':'a','path':'share'},{'device':'virtio-input',"
	    "'path':'/dev/null'},{'device':'virtio-scsi','dev':'/dev/zero'}"
	    "]}", 0);
	PROBLEMS(&r, 0);
	run_done(&r);

	/* virtio-scsi without "dev": bhyve's default, /dev/cam/ctl. */
	CHECK(&r, "{" BASE ",'emulations':[{'device':'virtio-scsi'}]}", 0);
	if (stat("/dev/cam/ctl", &sb) == 0)
		PROBLEMS(&r, 0);
	else {
		PROBLEMS(&r, 1);
		EXPECT(&r, "file-missing", "emulations[0].dev", NULL,
		    "/dev/cam/ctl: No such file or directory", NULL);
	}
	run_done(&r);
	teardown();
}

ATF_TC_WITHOUT_HEAD(hda);
ATF_TC_BODY(hda, tc)
{
	struct run r;

	setup();
	CHECK(&r, "{" BASE ",'emulations':[{'device':'hda',"
	    "'play':'/dev/no-dsp0','rec':'/dev/no-dsp1'},{'device':'hda',"
	    "'rec':'/dev/null'}]}", 0);
	PROBLEMS(&r, 2);
	EXPECT(&r, "file-missing", "emulations[0].play", NULL,
	    "/dev/no-dsp0: No such file or directory", NULL);
	EXPECT(&r, "file-missing", "emulations[0].rec", NULL,
	    "/dev/no-dsp1: No such file or directory", NULL);
	run_done(&r);
	teardown();
}

ATF_TC_WITHOUT_HEAD(ttys);
ATF_TC_BODY(ttys, tc)
{
	struct run r;

	setup();
	/*
	 * nmdm devices are made when first opened: only the module is
	 * asked about.  Other terminals must exist; stdio and TCP are not
	 * files at all.
	 */
	F.fk_nmdm = 0;
	CHECK(&r, "{" BASE ",'com1':'/dev/nmdm0A','com2':'/dev/no-tty',"
	    "'com3':'/dev/null','com4':'stdio','emulations':["
	    "{'device':'uart','backend':'/dev/nmdm1A'},"
	    "{'device':'uart','backend':'/dev/no-tty2'},"
	    "{'device':'uart','backend':'tcp=127.0.0.1:7001'}]}", 0);
	PROBLEMS(&r, 4);
	EXPECT(&r, "module-missing", "com1", "lpc com1", "/dev/nmdm0A needs "
	    "the nmdm kernel module, which is not loaded", "kldload nmdm");
	EXPECT(&r, "file-missing", "com2", "lpc com2",
	    "/dev/no-tty: No such file or directory", NULL);
	EXPECT(&r, "module-missing", "emulations[0].backend", NULL,
	    "/dev/nmdm1A needs the nmdm kernel module, which is not loaded",
	    "kldload nmdm");
	EXPECT(&r, "file-missing", "emulations[1].backend", NULL,
	    "/dev/no-tty2: No such file or directory", NULL);
	run_done(&r);

	/* The module loaded, or no such thing on this host: no problem. */
	F.fk_nmdm = 1;
	CHECK(&r, "{" BASE ",'com1':'/dev/nmdm0A','emulations':["
	    "{'device':'uart','backend':'/dev/nmdm1A'}]}", 0);
	PROBLEMS(&r, 0);
	run_done(&r);
	F.fk_nmdm = PLAT_NA;
	F.fk_modules[0] = '\0';
	CHECK(&r, "{" BASE ",'com1':'/dev/nmdm0A','emulations':["
	    "{'device':'uart','backend':'/dev/nmdm1A'}]}", 0);
	PROBLEMS(&r, 0);
	ATF_CHECK_STREQ("vmm nmdm nmdm", F.fk_modules);
	run_done(&r);
	teardown();
}

#define CONSOLE	"{" BASE ",'emulations':[{'device':'virtio-console'," \
		"'ports':['absent.sock','stale.sock',{'name':'agent'," \
		"'path':'live.sock'},'file.sock']}]}"

ATF_TC_WITHOUT_HEAD(console_sockets);
ATF_TC_BODY(console_sockets, tc)
{
	struct run r;
	char *text;
	int lfd, i;

	setup();
	/* A leftover nobody listens on, and a live listener. */
	close(unix_socket("stale.sock", false));
	lfd = unix_socket("live.sock", true);
	mkfile("file.sock", "keep", 0644);
	CHECK(&r, CONSOLE, VMRUN_CHECK_FIX_ALL);
	PROBLEMS(&r, 2);
	EXPECT(&r, "socket-in-use", "emulations[0].ports[2]",
	    "pci 0:1:0 virtio-console absent.sock", "live.sock is a socket in "
	    "use by another program", NULL);
	EXPECT(&r, "socket-not-socket", "emulations[0].ports[3]",
	    "pci 0:1:0 virtio-console absent.sock", "file.sock exists and is "
	    "not a socket; vmrun never removes it", NULL);
	/* The checks remove nothing, fixes or not. */
	ATF_CHECK(exists("stale.sock"));
	ATF_CHECK(exists("live.sock"));
	text = slurp("file.sock", NULL);
	ATF_CHECK_STREQ("keep", text);
	free(text);
	ATF_CHECK(!exists("absent.sock"));
	run_done(&r);

	/*
	 * A listener that never accepts: its backlog fills with the
	 * checks' connections, and then a connect(2) that waits for room
	 * would wait forever.  Each check still answers (SIGALRM: it hung).
	 */
	alarm(20);
	for (i = 0; i < 8; i++) {
		CHECK(&r, CONSOLE, 0);
		ATF_CHECK_EQ(1, ncode(&r, "socket-in-use"));
		run_done(&r);
	}
	alarm(0);

	/* The listener gone: a stale socket too, and fine. */
	close(lfd);
	unlink("file.sock");
	CHECK(&r, CONSOLE, 0);
	PROBLEMS(&r, 0);
	run_done(&r);
	teardown();
}

ATF_TC_WITHOUT_HEAD(loader_paths);
ATF_TC_BODY(loader_paths, tc)
{
	struct run r;

	setup();
	mkfile("notdir", "", 0644);
	ATF_REQUIRE(mkdir("userboot", 0755) == 0);
	F.fk_nmdm = 0;
	CHECK(&r, "{'name':'vm','cpu':1,'mem':'1G','loader':{'type':"
	    "'bhyveload','disk':'boot.img','host_dir':'notdir',"
	    "'loader':'userboot','console':'/dev/nmdm4A'}}", 0);
	PROBLEMS(&r, 4);
	EXPECT(&r, "module-missing", "loader.console", "vm", "/dev/nmdm4A "
	    "needs the nmdm kernel module, which is not loaded",
	    "kldload nmdm");
	EXPECT(&r, "file-missing", "loader.disk", "vm",
	    "boot.img: No such file or directory", NULL);
	EXPECT(&r, "not-a-directory", "loader.host_dir", "vm",
	    "notdir: not a directory", NULL);
	EXPECT(&r, "not-a-file", "loader.loader", "vm",
	    "userboot: not a regular file", NULL);
	run_done(&r);
	teardown();
}

/*
 * grub-bhyve: the program that would run (the configuration's, the
 * option's, or the default, named with its package) and every path of a
 * given device.map, which grub would skip without a word.
 */
ATF_TC_WITHOUT_HEAD(grub_paths);
ATF_TC_BODY(grub_paths, tc)
{
	struct vmrun_opts *o;
	struct run r;

	setup();
	mkfile("cd.iso", "", 0644);
	F.fk_nmdm = 0;
	CHECK(&r, "{'name':'vm','cpu':1,'mem':'1G','loader':{'type':'grub',"
	    "'loader':'grub-bhyve','console':'/dev/nmdm4A','device_map':"
	    "{'cd0':'cd.iso','hd0':'disk.img'}}}", 0);
	PROBLEMS(&r, 3);
	EXPECT(&r, "module-missing", "loader.console", "vm", "/dev/nmdm4A "
	    "needs the nmdm kernel module, which is not loaded",
	    "kldload nmdm");
	EXPECT(&r, "file-missing", "loader.loader", "vm",
	    "grub-bhyve: No such file or directory", NULL);
	EXPECT(&r, "file-missing", "loader.device_map.hd0", "vm",
	    "disk.img: No such file or directory", NULL);
	run_done(&r);

	if (access("/usr/local/sbin/grub-bhyve", F_OK) != 0) {
		CHECK(&r, "{'name':'vm','cpu':1,'mem':'1G','loader':"
		    "{'type':'grub'}}", 0);
		PROBLEMS(&r, 1);
		EXPECT(&r, "file-missing", "loader", "vm",
		    "/usr/local/sbin/grub-bhyve: No such file or directory",
		    "pkg install grub2-bhyve");
		run_done(&r);
	}

	/* --grub-bhyve: that one, not the configuration's. */
	mkfile("grub-bhyve", "", 0755);
	ATF_REQUIRE((o = vmrun_opts_new()) != NULL);
	ATF_REQUIRE_EQ(VMRUN_OK, vmrun_opts_set_program(o,
	    VMRUN_PROG_GRUB_BHYVE, "other-grub"));
	LOAD(&r, "{'name':'vm','cpu':1,'mem':'1G','loader':{'type':'grub',"
	    "'loader':'grub-bhyve'}}", NULL);
	check(&r, o, 0);
	PROBLEMS(&r, 1);
	EXPECT(&r, "file-missing", "loader", "vm",
	    "other-grub: No such file or directory", NULL);
	run_done(&r);
	vmrun_opts_free(o);
	teardown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, disk_missing);
	ATF_TP_ADD_TC(tp, not_writable);
	ATF_TP_ADD_TC(tp, bootrom);
	ATF_TP_ADD_TC(tp, varfile);
	ATF_TP_ADD_TC(tp, misc_paths);
	ATF_TP_ADD_TC(tp, hda);
	ATF_TP_ADD_TC(tp, ttys);
	ATF_TP_ADD_TC(tp, console_sockets);
	ATF_TP_ADD_TC(tp, loader_paths);
	ATF_TP_ADD_TC(tp, grub_paths);

	return (atf_no_error());
}

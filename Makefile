# vmrun -- portable Makefile: GNU make and bmake alike.  No pattern rules,
# no GNU functions: explicit lists and suffix rules only.

VERSION=	0.1.0
SOVERSION=	0

PREFIX?=	/usr/local
DESTDIR?=
BINDIR=		$(PREFIX)/sbin
LIBDIR=		$(PREFIX)/lib
INCDIR=		$(PREFIX)/include
MANDIR=		$(PREFIX)/share/man
PCDIR=		$(LIBDIR)/pkgconfig
EXDIR=		$(PREFIX)/share/examples/vmrun
# vmrun.schema.json, the JSON Schema of the configuration language, for
# editors (vmrun.json(5), FILES).
SCHEMADIR=	$(PREFIX)/share/vmrun
# rc.d/vmrun is installed with %%PREFIX%% replaced: it names vmrun and
# the VMs' configurations by it.
RCDIR=		$(PREFIX)/etc/rc.d
# Configurations: the example goes there as a .sample to copy from (the
# port's @sample copies it once, and keeps the copy a user changed).
CONFDIR=	$(PREFIX)/etc/vmrun
# The Kyua test suite, as FreeBSD installs them (a Kyuafile at each
# level); INSTALL_TESTS=no installs without it (building it needs ATF).
TESTSDIR=	$(PREFIX)/tests/vmrun
INSTALL_TESTS?=	yes
# newsyslog(8)'s entries for the logs of the rc.d script, as a sample (the
# port's @sample makes the configuration from it once).
NEWSYSLOGDIR=	$(PREFIX)/etc/newsyslog.conf.d
# The programs and the library are installed with $(STRIP): empty, or -s
# (install -s), which the port gives unless WITH_DEBUG is set.
STRIP?=

CC?=		cc
AR?=		ar
OBJCOPY?=	objcopy
RANLIB?=	ranlib
INSTALL?=	install
PKG_CONFIG?=	pkg-config

# Only tests parse vmrun's JSON with jansson, a second opinion on its
# text; the library and the command need no JSON library.
JANSSON_CFLAGS!=	$(PKG_CONFIG) --cflags jansson 2>/dev/null || true
JANSSON_LIBS!=		$(PKG_CONFIG) --libs jansson 2>/dev/null || echo -ljansson
# The platform file and its library: pidfile(3) is in FreeBSD's libutil;
# platform_linux.c has its own.
PLATFORM!=	if [ "`uname -s`" = FreeBSD ]; then echo platform_freebsd; \
		else echo platform_linux; fi
PLATFORM_LIBS!=	if [ "`uname -s`" = FreeBSD ]; then echo -lutil; fi
ATF_CFLAGS!=		$(PKG_CONFIG) --cflags atf-c 2>/dev/null || true
ATF_LIBS!=		$(PKG_CONFIG) --libs atf-c 2>/dev/null || echo -latf-c
# The interpreter of the atf-sh programs, by its path: FreeBSD's base has
# it as /usr/libexec/atf-sh, not on PATH, where "#! /usr/bin/env atf-sh"
# would not find it.
ATF_SH!=	command -v atf-sh 2>/dev/null || echo /usr/libexec/atf-sh

OPT?=		-O2 -g
WARNS=		-Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes \
		-Wshadow -Wpointer-arith -Wcast-qual -Wsign-compare
# _DEFAULT_SOURCE: POSIX 2008 plus BSD interfaces on glibc; FreeBSD shows
# them by default, which an explicit _POSIX_C_SOURCE would hide.
CSTD=		-std=c11 -D_DEFAULT_SOURCE
CFLAGS?=	$(OPT)
ALL_CFLAGS=	$(CSTD) $(WARNS) $(CFLAGS) -fPIC -Iinclude -Ilibvmrun
LDFLAGS?=
LIBS=		$(PLATFORM_LIBS)

LIB_OBJS=	libvmrun/alloc.o libvmrun/hash.o libvmrun/strbuf.o libvmrun/diag.o \
		libvmrun/mask.o \
		libvmrun/jv.o libvmrun/jread.o libvmrun/jtoken.o libvmrun/jw.o \
		libvmrun/load.o libvmrun/schema.o libvmrun/values.o libvmrun/cpu.o \
		libvmrun/optlist.o libvmrun/host.o \
		libvmrun/devices.o libvmrun/dev_net.o libvmrun/dev_block.o \
		libvmrun/dev_misc.o libvmrun/loader.o libvmrun/config.o \
		libvmrun/rules.o libvmrun/limits.o libvmrun/cloudinit.o \
		libvmrun/target.o \
		libvmrun/slots.o libvmrun/render.o libvmrun/render_loader.o \
		libvmrun/render_config.o \
		libvmrun/vm.o libvmrun/vm_json.o libvmrun/opts.o \
		libvmrun/event.o libvmrun/resource.o libvmrun/taps.o libvmrun/spawn.o \
		libvmrun/hostfs.o libvmrun/dirs.o libvmrun/tpm.o \
		libvmrun/sidecar.o \
		libvmrun/supervise.o libvmrun/supnew.o libvmrun/supapi.o \
		libvmrun/control.o \
		libvmrun/launch.o libvmrun/loop.o libvmrun/policy.o libvmrun/seed.o \
		libvmrun/ctlsrv.o libvmrun/ctlreq.o libvmrun/client.o \
		libvmrun/ctlcli.o libvmrun/console.o \
		libvmrun/pty.o \
		libvmrun/platform.o libvmrun/platrules.o \
		libvmrun/check.o libvmrun/probe.o libvmrun/$(PLATFORM).o
LIB_HDRS=	include/vmrun.h libvmrun/vmrun_impl.h libvmrun/supervise.h \
		libvmrun/platform.h libvmrun/jread.h libvmrun/jw.h

TEST_PROGS=	tests/lib/jv_test tests/lib/values_test tests/lib/slots_test \
		tests/lib/config_test tests/lib/config_input_test \
		tests/lib/config_targets_test tests/lib/config_devices_test \
		tests/lib/render_test tests/lib/render_devices_test \
		tests/lib/render_safety_test tests/lib/render_config_test \
		tests/lib/api_test tests/lib/api_json_test \
		tests/lib/api_symbols_test \
		tests/lib/api_alloc_test tests/lib/check_net_test \
		tests/lib/check_files_test tests/lib/check_vm_test \
		tests/lib/ctl_test tests/lib/schema_tables_test \
		tests/lib/args_test tests/lib/policy_test \
		tests/lib/platform_test tests/lib/sup_test \
		tests/lib/probe_test tests/lib/resource_test tests/lib/taps_test \
		tests/lib/limits_test
TEST_SCRIPTS=	tests/cli/options_test tests/cli/data_test \
		tests/cli/cover_test tests/cli/stop_test tests/cli/state_test \
		tests/cli/loop_test tests/cli/ctl_test tests/cli/console_test \
		tests/cli/lifecycle_test tests/cli/host_test tests/cli/bridge_test \
		tests/cli/rcd_test \
		tests/cli/nomad_test tests/cli/port_test tests/cli/schema_test \
		tests/cli/layers_test tests/cli/link_test tests/cli/manager_test \
		tests/cli/grub_test \
		tests/cli/tpm_test tests/cli/persist_test
TEST_SUBRS=	tests/cli/common.subr tests/cli/layout.subr
TEST_HELPERS=	tests/helpers/ctl-raw tests/helpers/events-check \
		tests/helpers/fake-bhyve tests/helpers/fake-bhyvectl \
		tests/helpers/fake-bhyveload tests/helpers/fake-grub-bhyve \
		tests/helpers/fake-hook \
		tests/helpers/with-signals tests/helpers/fake-daemon \
		tests/helpers/fake-vmrun tests/helpers/rc.subr-stub \
		tests/helpers/schema-check tests/helpers/tap-open \
		tests/helpers/tpm-client tests/helpers/bhyve-replay
EXAMPLE_PROGS=	examples/slotmap examples/manager

.SUFFIXES: .c .o .sh

all: libvmrun.a libvmrun/internal.a libvmrun.so vmrun/vmrun vmrun.pc $(EXAMPLE_PROGS)

.c.o:
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB_OBJS): $(LIB_HDRS)

# libvmrun.a holds one object, its files linked together (cc -r), in
# which only the functions the version script exports stay global
# (objcopy --keep-global-symbols): the library's own functions cannot
# clash with a caller's.  The command and the tests link the objects as
# they are (libvmrun/internal.a): they reach internal functions too.
libvmrun.a: $(LIB_OBJS) libvmrun/exports
	rm -f $@ libvmrun/libvmrun.o
	$(CC) -r -nostdlib -o libvmrun/libvmrun.o $(LIB_OBJS)
	$(OBJCOPY) --keep-global-symbols=libvmrun/exports libvmrun/libvmrun.o
	$(AR) rc $@ libvmrun/libvmrun.o
	$(RANLIB) $@

libvmrun/exports: libvmrun/libvmrun.map
	sed -n 's/^[[:space:]]*\(vmrun_[a-z0-9_]*\);$$/\1/p' \
	    libvmrun/libvmrun.map > $@

libvmrun/internal.a: $(LIB_OBJS)
	rm -f $@
	$(AR) rc $@ $(LIB_OBJS)
	$(RANLIB) $@

libvmrun.so: libvmrun.so.$(SOVERSION)
	ln -sf libvmrun.so.$(SOVERSION) $@

libvmrun.so.$(SOVERSION): $(LIB_OBJS) libvmrun/libvmrun.map
	$(CC) -shared -Wl,-soname,libvmrun.so.$(SOVERSION) \
	    -Wl,--version-script=libvmrun/libvmrun.map $(LDFLAGS) \
	    -o $@ $(LIB_OBJS) $(LIBS)

CMD_OBJS=	vmrun/vmrun.o vmrun/args.o vmrun/vis.o vmrun/plan.o vmrun/run.o \
		vmrun/report.o vmrun/ctl.o vmrun/console.o vmrun/print.o \
		vmrun/nostdio.o vmrun/list.o

$(CMD_OBJS): include/vmrun.h vmrun/cmd.h

vmrun/vmrun: $(CMD_OBJS) libvmrun/internal.a
	$(CC) $(LDFLAGS) -o $@ $(CMD_OBJS) libvmrun/internal.a $(LIBS)

examples/slotmap.o: include/vmrun.h

examples/slotmap: examples/slotmap.o libvmrun.a
	$(CC) $(LDFLAGS) -o $@ examples/slotmap.o libvmrun.a $(LIBS)

examples/manager.o: include/vmrun.h

examples/manager: examples/manager.o libvmrun.a
	$(CC) $(LDFLAGS) -o $@ examples/manager.o libvmrun.a $(LIBS)

vmrun.pc: vmrun.pc.in Makefile
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	    -e 's|@INCDIR@|$(INCDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
	    -e 's|@PLATFORM_LIBS@|$(PLATFORM_LIBS)|g' \
	    vmrun.pc.in > $@

# Tests: atf-c programs link the library's objects (they reach internal
# functions too); atf-sh scripts are installed executable by suffix rule.
TEST_CFLAGS=	$(ALL_CFLAGS) $(ATF_CFLAGS) $(JANSSON_CFLAGS) -DSRCDIR=\"$(.CURDIR)$(CURDIR)\"
TEST_UTIL=	tests/lib/testutil.o
TEST_UTIL_HDRS=	tests/lib/testutil.h tests/lib/cfgtext.h $(LIB_HDRS)
FAKEHOST=	tests/lib/fakehost.o
FAKEHOST_HDRS=	tests/lib/fakehost.h $(TEST_UTIL_HDRS)

# The helpers every atf-c program shares, built once.
tests/lib/testutil.o: tests/lib/testutil.c $(TEST_UTIL_HDRS)
	$(CC) $(TEST_CFLAGS) -c -o $@ tests/lib/testutil.c
# The fake host and check runner of the check_*_test programs.
tests/lib/fakehost.o: tests/lib/fakehost.c $(FAKEHOST_HDRS)
	$(CC) $(TEST_CFLAGS) -c -o $@ tests/lib/fakehost.c

tests/lib/sup_test: tests/lib/sup_test.c $(TEST_UTIL) libvmrun/internal.a \
    $(TEST_UTIL_HDRS)
	$(CC) $(TEST_CFLAGS) $(LDFLAGS) -o $@ tests/lib/sup_test.c \
	    $(TEST_UTIL) libvmrun/internal.a $(ATF_LIBS) $(JANSSON_LIBS) $(LIBS)
tests/lib/limits_test: tests/lib/limits_test.c $(TEST_UTIL) \
    libvmrun/internal.a $(TEST_UTIL_HDRS)
	$(CC) $(TEST_CFLAGS) $(LDFLAGS) -o $@ tests/lib/limits_test.c \
	    $(TEST_UTIL) libvmrun/internal.a $(ATF_LIBS) $(JANSSON_LIBS) $(LIBS)
tests/lib/resource_test: tests/lib/resource_test.c $(TEST_UTIL) \
    libvmrun/internal.a $(TEST_UTIL_HDRS)
	$(CC) $(TEST_CFLAGS) $(LDFLAGS) -o $@ tests/lib/resource_test.c \
	    $(TEST_UTIL) libvmrun/internal.a $(ATF_LIBS) $(JANSSON_LIBS) $(LIBS)
tests/lib/ctl_test: tests/lib/ctl_test.c $(TEST_UTIL) libvmrun/internal.a \
    $(TEST_UTIL_HDRS)
	$(CC) $(TEST_CFLAGS) $(LDFLAGS) -o $@ tests/lib/ctl_test.c \
	    $(TEST_UTIL) libvmrun/internal.a $(ATF_LIBS) $(JANSSON_LIBS) $(LIBS)
# The command's parser, linked from its object as vmrun is.
tests/lib/args_test: tests/lib/args_test.c vmrun/args.o vmrun/vis.o \
    libvmrun/internal.a vmrun/cmd.h include/vmrun.h
	$(CC) $(TEST_CFLAGS) -Ivmrun $(LDFLAGS) -o $@ tests/lib/args_test.c \
	    vmrun/args.o vmrun/vis.o libvmrun/internal.a $(ATF_LIBS) $(JANSSON_LIBS) $(LIBS)
tests/lib/policy_test: tests/lib/policy_test.c libvmrun/internal.a $(LIB_HDRS)
	$(CC) $(TEST_CFLAGS) $(LDFLAGS) -o $@ tests/lib/policy_test.c \
	    libvmrun/internal.a $(ATF_LIBS) $(JANSSON_LIBS) $(LIBS)
tests/lib/platform_test: tests/lib/platform_test.c libvmrun/internal.a $(LIB_HDRS)
	$(CC) $(TEST_CFLAGS) $(LDFLAGS) -o $@ tests/lib/platform_test.c \
	    libvmrun/internal.a $(ATF_LIBS) $(JANSSON_LIBS) $(LIBS)
tests/lib/jv_test: tests/lib/jv_test.c libvmrun/internal.a libvmrun/vmrun_impl.h
	$(CC) $(TEST_CFLAGS) $(LDFLAGS) -o $@ tests/lib/jv_test.c \
	    libvmrun/internal.a $(ATF_LIBS) $(JANSSON_LIBS) $(LIBS)
tests/lib/values_test: tests/lib/values_test.c $(TEST_UTIL) libvmrun/internal.a \
    $(TEST_UTIL_HDRS)
	$(CC) $(TEST_CFLAGS) $(LDFLAGS) -o $@ tests/lib/values_test.c \
	    $(TEST_UTIL) libvmrun/internal.a $(ATF_LIBS) $(JANSSON_LIBS) $(LIBS)
tests/lib/slots_test: tests/lib/slots_test.c $(TEST_UTIL) libvmrun/internal.a \
    $(TEST_UTIL_HDRS)
	$(CC) $(TEST_CFLAGS) $(LDFLAGS) -o $@ tests/lib/slots_test.c \
	    $(TEST_UTIL) libvmrun/internal.a $(ATF_LIBS) $(JANSSON_LIBS) $(LIBS)
tests/lib/config_test: tests/lib/config_test.c $(TEST_UTIL) libvmrun/internal.a \
    $(TEST_UTIL_HDRS)
	$(CC) $(TEST_CFLAGS) $(LDFLAGS) -o $@ tests/lib/config_test.c \
	    $(TEST_UTIL) libvmrun/internal.a $(ATF_LIBS) $(JANSSON_LIBS) $(LIBS)
tests/lib/config_input_test: tests/lib/config_input_test.c $(TEST_UTIL) \
    libvmrun/internal.a $(TEST_UTIL_HDRS)
	$(CC) $(TEST_CFLAGS) $(LDFLAGS) -o $@ tests/lib/config_input_test.c \
	    $(TEST_UTIL) libvmrun/internal.a $(ATF_LIBS) $(JANSSON_LIBS) $(LIBS)
tests/lib/config_targets_test: tests/lib/config_targets_test.c $(TEST_UTIL) \
    libvmrun/internal.a $(TEST_UTIL_HDRS)
	$(CC) $(TEST_CFLAGS) $(LDFLAGS) -o $@ tests/lib/config_targets_test.c \
	    $(TEST_UTIL) libvmrun/internal.a $(ATF_LIBS) $(JANSSON_LIBS) $(LIBS)
tests/lib/config_devices_test: tests/lib/config_devices_test.c $(TEST_UTIL) \
    libvmrun/internal.a $(TEST_UTIL_HDRS)
	$(CC) $(TEST_CFLAGS) $(LDFLAGS) -o $@ tests/lib/config_devices_test.c \
	    $(TEST_UTIL) libvmrun/internal.a $(ATF_LIBS) $(JANSSON_LIBS) $(LIBS)
tests/lib/render_test: tests/lib/render_test.c $(TEST_UTIL) libvmrun/internal.a \
    $(TEST_UTIL_HDRS)
	$(CC) $(TEST_CFLAGS) $(LDFLAGS) -o $@ tests/lib/render_test.c \
	    $(TEST_UTIL) libvmrun/internal.a $(ATF_LIBS) $(JANSSON_LIBS) $(LIBS)
tests/lib/render_devices_test: tests/lib/render_devices_test.c $(TEST_UTIL) \
    libvmrun/internal.a $(TEST_UTIL_HDRS)
	$(CC) $(TEST_CFLAGS) $(LDFLAGS) -o $@ tests/lib/render_devices_test.c \
	    $(TEST_UTIL) libvmrun/internal.a $(ATF_LIBS) $(JANSSON_LIBS) $(LIBS)
tests/lib/render_safety_test: tests/lib/render_safety_test.c $(TEST_UTIL) \
    libvmrun/internal.a $(TEST_UTIL_HDRS)
	$(CC) $(TEST_CFLAGS) $(LDFLAGS) -o $@ tests/lib/render_safety_test.c \
	    $(TEST_UTIL) libvmrun/internal.a $(ATF_LIBS) $(JANSSON_LIBS) $(LIBS)
tests/lib/render_config_test: tests/lib/render_config_test.c $(TEST_UTIL) \
    libvmrun/internal.a $(TEST_UTIL_HDRS)
	$(CC) $(TEST_CFLAGS) $(LDFLAGS) -o $@ tests/lib/render_config_test.c \
	    $(TEST_UTIL) libvmrun/internal.a $(ATF_LIBS) $(JANSSON_LIBS) $(LIBS)
tests/lib/api_test: tests/lib/api_test.c $(TEST_UTIL) libvmrun/internal.a \
    $(TEST_UTIL_HDRS)
	$(CC) $(TEST_CFLAGS) $(LDFLAGS) -o $@ tests/lib/api_test.c \
	    $(TEST_UTIL) libvmrun/internal.a $(ATF_LIBS) $(JANSSON_LIBS) $(LIBS)
tests/lib/api_json_test: tests/lib/api_json_test.c $(TEST_UTIL) \
    libvmrun/internal.a $(TEST_UTIL_HDRS)
	$(CC) $(TEST_CFLAGS) $(LDFLAGS) -o $@ tests/lib/api_json_test.c \
	    $(TEST_UTIL) libvmrun/internal.a $(ATF_LIBS) $(JANSSON_LIBS) $(LIBS)
tests/lib/api_symbols_test: tests/lib/api_symbols_test.c $(TEST_UTIL) \
    libvmrun/internal.a $(TEST_UTIL_HDRS)
	$(CC) $(TEST_CFLAGS) $(LDFLAGS) -o $@ tests/lib/api_symbols_test.c \
	    $(TEST_UTIL) libvmrun/internal.a $(ATF_LIBS) $(JANSSON_LIBS) $(LIBS)
tests/lib/api_alloc_test: tests/lib/api_alloc_test.c $(TEST_UTIL) \
    libvmrun/internal.a $(TEST_UTIL_HDRS)
	$(CC) $(TEST_CFLAGS) $(LDFLAGS) -o $@ tests/lib/api_alloc_test.c \
	    $(TEST_UTIL) libvmrun/internal.a $(ATF_LIBS) $(JANSSON_LIBS) $(LIBS)
tests/lib/taps_test: tests/lib/taps_test.c $(TEST_UTIL) \
    $(FAKEHOST) libvmrun/internal.a $(FAKEHOST_HDRS)
	$(CC) $(TEST_CFLAGS) $(LDFLAGS) -o $@ tests/lib/taps_test.c \
	    $(TEST_UTIL) $(FAKEHOST) libvmrun/internal.a $(ATF_LIBS) $(JANSSON_LIBS) $(LIBS)
tests/lib/check_net_test: tests/lib/check_net_test.c $(TEST_UTIL) \
    $(FAKEHOST) libvmrun/internal.a $(FAKEHOST_HDRS)
	$(CC) $(TEST_CFLAGS) $(LDFLAGS) -o $@ tests/lib/check_net_test.c \
	    $(TEST_UTIL) $(FAKEHOST) libvmrun/internal.a $(ATF_LIBS) $(JANSSON_LIBS) $(LIBS)
tests/lib/check_files_test: tests/lib/check_files_test.c $(TEST_UTIL) \
    $(FAKEHOST) libvmrun/internal.a $(FAKEHOST_HDRS)
	$(CC) $(TEST_CFLAGS) $(LDFLAGS) -o $@ tests/lib/check_files_test.c \
	    $(TEST_UTIL) $(FAKEHOST) libvmrun/internal.a $(ATF_LIBS) $(JANSSON_LIBS) $(LIBS)
tests/lib/schema_tables_test: tests/lib/schema_tables_test.c $(TEST_UTIL) \
    libvmrun/internal.a $(TEST_UTIL_HDRS)
	$(CC) $(TEST_CFLAGS) $(LDFLAGS) -o $@ tests/lib/schema_tables_test.c \
	    $(TEST_UTIL) libvmrun/internal.a $(ATF_LIBS) $(JANSSON_LIBS) $(LIBS)
tests/lib/check_vm_test: tests/lib/check_vm_test.c $(TEST_UTIL) \
    $(FAKEHOST) libvmrun/internal.a $(FAKEHOST_HDRS)
	$(CC) $(TEST_CFLAGS) $(LDFLAGS) -o $@ tests/lib/check_vm_test.c \
	    $(TEST_UTIL) $(FAKEHOST) libvmrun/internal.a $(ATF_LIBS) $(JANSSON_LIBS) $(LIBS)
tests/lib/probe_test: tests/lib/probe_test.c $(TEST_UTIL) \
    $(FAKEHOST) libvmrun/internal.a $(FAKEHOST_HDRS)
	$(CC) $(TEST_CFLAGS) $(LDFLAGS) -o $@ tests/lib/probe_test.c \
	    $(TEST_UTIL) $(FAKEHOST) libvmrun/internal.a $(ATF_LIBS) $(JANSSON_LIBS) $(LIBS)

# The interpreter is written into them: made again when the Makefile is.
$(TEST_SCRIPTS): Makefile

.sh:
	sed '1s|^#! /usr/bin/env atf-sh$$|#! $(ATF_SH)|' $< > $@
	chmod +x $@

tests: all $(TEST_PROGS) $(TEST_SCRIPTS)

deps:
	@sh tools/deps.sh

check: deps
	$(MAKE) tests
	cd tests && kyua test || { kyua report --verbose \
	    --results-filter=broken,failed; exit 1; }

demo: deps
	$(MAKE) all
	@sh tools/demo.sh

# Speed and memory, measured (not part of check): prints the table and
# writes it to bench/results.md with the machine it ran on.
BENCH_PROGS=	tools/bench/fakebhyve tools/bench/floor tools/bench/maxrss \
		tools/bench/manyfloor tools/bench/rebootfloor \
		tools/bench/stampexec

tools/bench/fakebhyve: tools/bench/fakebhyve.c
	$(CC) $(CSTD) $(WARNS) $(CFLAGS) $(LDFLAGS) -o $@ \
	    tools/bench/fakebhyve.c

tools/bench/floor: tools/bench/floor.c
	$(CC) $(CSTD) $(WARNS) $(CFLAGS) $(LDFLAGS) -o $@ tools/bench/floor.c

tools/bench/manyfloor: tools/bench/manyfloor.c
	$(CC) $(CSTD) $(WARNS) $(CFLAGS) $(LDFLAGS) -o $@ \
	    tools/bench/manyfloor.c

tools/bench/rebootfloor: tools/bench/rebootfloor.c
	$(CC) $(CSTD) $(WARNS) $(CFLAGS) $(LDFLAGS) -o $@ \
	    tools/bench/rebootfloor.c

tools/bench/stampexec: tools/bench/stampexec.c
	$(CC) $(CSTD) $(WARNS) $(CFLAGS) $(LDFLAGS) -o $@ \
	    tools/bench/stampexec.c

tools/bench/maxrss: tools/bench/maxrss.c
	$(CC) $(CSTD) $(WARNS) $(CFLAGS) $(LDFLAGS) -o $@ tools/bench/maxrss.c

bench: deps all $(BENCH_PROGS)
	python3 tools/bench/bench.py --vmrun vmrun/vmrun \
	    --fake tools/bench/fakebhyve --floor tools/bench/floor \
	    --manager examples/manager --manyfloor tools/bench/manyfloor \
	    --rebootfloor tools/bench/rebootfloor \
	    --stampexec tools/bench/stampexec \
	    --vms $${BENCH_VMS:-1000} \
	    --maxrss tools/bench/maxrss \
	    --out bench/results.md

# install-tests-yes or install-tests-no, by INSTALL_TESTS.
install: install-files install-tests-$(INSTALL_TESTS)

install-files: all
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) \
	    $(DESTDIR)$(INCDIR) $(DESTDIR)$(PCDIR) $(DESTDIR)$(MANDIR)/man3 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(EXDIR) $(DESTDIR)$(RCDIR) $(DESTDIR)$(CONFDIR) \
	    $(DESTDIR)$(SCHEMADIR) $(DESTDIR)$(NEWSYSLOGDIR)
	$(INSTALL) $(STRIP) -m 555 vmrun/vmrun $(DESTDIR)$(BINDIR)/vmrun
	$(INSTALL) -m 444 libvmrun.a $(DESTDIR)$(LIBDIR)/libvmrun.a
	$(INSTALL) $(STRIP) -m 555 libvmrun.so.$(SOVERSION) \
	    $(DESTDIR)$(LIBDIR)/libvmrun.so.$(SOVERSION)
	ln -sf libvmrun.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libvmrun.so
	$(INSTALL) -m 444 include/vmrun.h $(DESTDIR)$(INCDIR)/vmrun.h
	$(INSTALL) -m 444 vmrun.pc $(DESTDIR)$(PCDIR)/vmrun.pc
	$(INSTALL) -m 444 man/vmrun.8 $(DESTDIR)$(MANDIR)/man8/vmrun.8
	$(INSTALL) -m 444 man/vmrun.json.5 $(DESTDIR)$(MANDIR)/man5/vmrun.json.5
	$(INSTALL) -m 444 man/libvmrun.3 $(DESTDIR)$(MANDIR)/man3/libvmrun.3
	$(INSTALL) -m 444 examples/freebsd-test.json \
	    $(DESTDIR)$(EXDIR)/freebsd-test.json
	$(INSTALL) -m 444 examples/linux-grub.json \
	    $(DESTDIR)$(EXDIR)/linux-grub.json
	$(INSTALL) -m 444 examples/windows11.json \
	    $(DESTDIR)$(EXDIR)/windows11.json
	$(INSTALL) -m 444 examples/cloud-image.json \
	    $(DESTDIR)$(EXDIR)/cloud-image.json
	$(INSTALL) -m 444 examples/manager.c $(DESTDIR)$(EXDIR)/manager.c
	$(INSTALL) -m 444 vmrun.schema.json \
	    $(DESTDIR)$(SCHEMADIR)/vmrun.schema.json
	sed 's|%%PREFIX%%|$(PREFIX)|g' rc.d/vmrun > $(DESTDIR)$(RCDIR)/vmrun
	chmod 555 $(DESTDIR)$(RCDIR)/vmrun
	$(INSTALL) -m 644 examples/freebsd-test.json \
	    $(DESTDIR)$(CONFDIR)/freebsd-test.json.sample
	sed 's|%%PREFIX%%|$(PREFIX)|g' rc.d/vmrun.newsyslog.conf \
	    > $(DESTDIR)$(NEWSYSLOGDIR)/vmrun.conf.sample
	chmod 644 $(DESTDIR)$(NEWSYSLOGDIR)/vmrun.conf.sample

# The suite as the source tree has it, but for its layout: that names the
# installed vmrun, library, header and example, so that `kyua test` in
# TESTSDIR tests what was installed (tools/testlayout.sh).  The version
# script is not installed elsewhere: the suite carries a copy.
install-tests-yes: all tests
	$(INSTALL) -d $(DESTDIR)$(TESTSDIR)/lib $(DESTDIR)$(TESTSDIR)/cli \
	    $(DESTDIR)$(TESTSDIR)/helpers $(DESTDIR)$(TESTSDIR)/data
	$(INSTALL) -m 444 tests/Kyuafile $(DESTDIR)$(TESTSDIR)/Kyuafile
	rm -f $(DESTDIR)$(TESTSDIR)/layout
	sh tools/testlayout.sh $(TESTSDIR) vmrun=$(BINDIR)/vmrun \
	    library=$(LIBDIR)/libvmrun.so.$(SOVERSION) \
	    archive=$(LIBDIR)/libvmrun.a \
	    header=$(INCDIR)/vmrun.h map=$(TESTSDIR)/lib/libvmrun.map \
	    example=$(EXDIR)/freebsd-test.json \
	    linux-example=$(EXDIR)/linux-grub.json \
	    manager=$(TESTSDIR)/helpers/manager \
	    schema=$(SCHEMADIR)/vmrun.schema.json > $(DESTDIR)$(TESTSDIR)/layout
	chmod 444 $(DESTDIR)$(TESTSDIR)/layout
	$(INSTALL) -m 444 tests/lib/Kyuafile libvmrun/libvmrun.map \
	    $(DESTDIR)$(TESTSDIR)/lib
	$(INSTALL) $(STRIP) -m 555 $(TEST_PROGS) $(DESTDIR)$(TESTSDIR)/lib
	$(INSTALL) -m 444 tests/cli/Kyuafile $(TEST_SUBRS) \
	    $(DESTDIR)$(TESTSDIR)/cli
	$(INSTALL) -m 555 $(TEST_SCRIPTS) $(DESTDIR)$(TESTSDIR)/cli
	$(INSTALL) -m 555 $(TEST_HELPERS) $(DESTDIR)$(TESTSDIR)/helpers
	$(INSTALL) $(STRIP) -m 555 examples/manager \
	    $(DESTDIR)$(TESTSDIR)/helpers/manager
	$(INSTALL) -m 444 tests/data/* $(DESTDIR)$(TESTSDIR)/data

install-tests-no:

# The release tarball of the committed tree, as the port fetches it:
# vmrun-VERSION.tar.gz holding vmrun-VERSION/.  DISTDIR is where it goes
# (the ports' distfiles directory, for testing the port).
DISTDIR?=	.
DISTNAME=	vmrun-$(VERSION)

dist:
	rm -f $(DISTDIR)/$(DISTNAME).tar $(DISTDIR)/$(DISTNAME).tar.gz
	git archive --format=tar --prefix=$(DISTNAME)/ \
	    -o $(DISTDIR)/$(DISTNAME).tar HEAD
	gzip -9n $(DISTDIR)/$(DISTNAME).tar

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/vmrun $(DESTDIR)$(LIBDIR)/libvmrun.a \
	    $(DESTDIR)$(LIBDIR)/libvmrun.so.$(SOVERSION) \
	    $(DESTDIR)$(LIBDIR)/libvmrun.so $(DESTDIR)$(INCDIR)/vmrun.h \
	    $(DESTDIR)$(PCDIR)/vmrun.pc $(DESTDIR)$(MANDIR)/man8/vmrun.8 \
	    $(DESTDIR)$(MANDIR)/man5/vmrun.json.5 \
	    $(DESTDIR)$(MANDIR)/man3/libvmrun.3 \
	    $(DESTDIR)$(EXDIR)/freebsd-test.json \
	    $(DESTDIR)$(EXDIR)/linux-grub.json $(DESTDIR)$(EXDIR)/manager.c \
	    $(DESTDIR)$(EXDIR)/windows11.json \
	    $(DESTDIR)$(EXDIR)/cloud-image.json \
	    $(DESTDIR)$(RCDIR)/vmrun \
	    $(DESTDIR)$(CONFDIR)/freebsd-test.json.sample \
	    $(DESTDIR)$(SCHEMADIR)/vmrun.schema.json \
	    $(DESTDIR)$(NEWSYSLOGDIR)/vmrun.conf.sample
	-rmdir $(DESTDIR)$(EXDIR) $(DESTDIR)$(CONFDIR) $(DESTDIR)$(SCHEMADIR) \
	    $(DESTDIR)$(NEWSYSLOGDIR)
	@echo "removing the test suite from $(DESTDIR)$(TESTSDIR)"
	@rm -f $(DESTDIR)$(TESTSDIR)/Kyuafile $(DESTDIR)$(TESTSDIR)/layout
	@for f in tests/lib/Kyuafile libvmrun/libvmrun.map $(TEST_PROGS); do \
	    rm -f "$(DESTDIR)$(TESTSDIR)/lib/$${f##*/}"; done
	@for f in tests/cli/Kyuafile $(TEST_SUBRS) $(TEST_SCRIPTS); do \
	    rm -f "$(DESTDIR)$(TESTSDIR)/cli/$${f##*/}"; done
	@for f in $(TEST_HELPERS) examples/manager; do \
	    rm -f "$(DESTDIR)$(TESTSDIR)/helpers/$${f##*/}"; done
	@for f in tests/data/*; do \
	    rm -f "$(DESTDIR)$(TESTSDIR)/data/$${f##*/}"; done
	-rmdir $(DESTDIR)$(TESTSDIR)/lib $(DESTDIR)$(TESTSDIR)/cli \
	    $(DESTDIR)$(TESTSDIR)/helpers $(DESTDIR)$(TESTSDIR)/data \
	    $(DESTDIR)$(TESTSDIR)

# Fuzzing (clang's libFuzzer, with ASan and UBSan), each target run
# FUZZ_SECONDS, its corpus kept in tests/fuzz/corpus (not tracked):
#   plan_fuzz  the plan path from bytes to every rendering, seeded from
#              tests/data
#   opts_fuzz  the command line (vmrun/args.c), seeded from the option
#              table and the CLI tests (tools/fuzzseeds.sh)
# Each dictionary is made from the sources by tools/fuzzdict.sh.
FUZZ_CC?=	clang
FUZZ_SECONDS?=	60
FUZZ_FLAGS=	-g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all
FUZZ_PROGS=	tests/fuzz/plan_fuzz tests/fuzz/opts_fuzz
FUZZ_DICTS=	tests/fuzz/plan.dict tests/fuzz/opts.dict

tests/fuzz/plan_fuzz: tests/fuzz/plan_fuzz.c $(LIB_OBJS:.o=.c) $(LIB_HDRS)
	$(FUZZ_CC) $(CSTD) $(FUZZ_FLAGS) -Iinclude -Ilibvmrun \
	    -o $@ tests/fuzz/plan_fuzz.c \
	    $(LIB_OBJS:.o=.c) $(LIBS)

tests/fuzz/opts_fuzz: tests/fuzz/opts_fuzz.c vmrun/args.c vmrun/vis.c \
    vmrun/cmd.h $(LIB_OBJS:.o=.c) $(LIB_HDRS)
	$(FUZZ_CC) $(CSTD) $(FUZZ_FLAGS) -Iinclude -Ilibvmrun -Ivmrun \
	    -o $@ tests/fuzz/opts_fuzz.c vmrun/args.c \
	    vmrun/vis.c $(LIB_OBJS:.o=.c) $(LIBS)

tests/fuzz/plan.dict: tools/fuzzdict.sh libvmrun/config.c libvmrun/loader.c
	sh tools/fuzzdict.sh plan > $@

tests/fuzz/opts.dict: tools/fuzzdict.sh vmrun/args.c
	sh tools/fuzzdict.sh opts > $@

# -close_fd_mask=1: --help and --version would print on every run.
fuzz: $(FUZZ_PROGS) $(FUZZ_DICTS)
	mkdir -p tests/fuzz/corpus/plan tests/fuzz/corpus/opts
	cp tests/data/*.json examples/*.json tests/fuzz/corpus/plan/
	sh tools/fuzzseeds.sh tests/fuzz/corpus/opts
	tests/fuzz/plan_fuzz -max_total_time=$(FUZZ_SECONDS) \
	    -dict=tests/fuzz/plan.dict -max_len=65536 -timeout=10 \
	    -print_final_stats=1 tests/fuzz/corpus/plan
	tests/fuzz/opts_fuzz -max_total_time=$(FUZZ_SECONDS) \
	    -dict=tests/fuzz/opts.dict -max_len=4096 -timeout=10 \
	    -close_fd_mask=1 -print_final_stats=1 tests/fuzz/corpus/opts

clean:
	rm -rf $(FUZZ_PROGS) $(FUZZ_DICTS) tests/fuzz/corpus
	rm -f $(LIB_OBJS) libvmrun/platform_*.o $(CMD_OBJS) vmrun/vmrun libvmrun.a libvmrun.so \
	    libvmrun/libvmrun.o libvmrun/internal.a libvmrun/exports \
	    libvmrun.so.$(SOVERSION) vmrun.pc examples/slotmap.o \
	    examples/manager.o \
	    $(EXAMPLE_PROGS) $(TEST_PROGS) $(TEST_UTIL) $(FAKEHOST) \
	    $(TEST_SCRIPTS) $(BENCH_PROGS)
	rm -rf tests/html

.PHONY: all tests deps check demo bench fuzz install install-files \
	install-tests-yes install-tests-no dist uninstall clean

#! /usr/bin/env atf-sh
#
# The FreeBSD port (port/sysutils/vmrun) against the project's make
# install: installed into a temporary DESTDIR with the port's MAKE_ARGS,
# the files are exactly those pkg-plist lists, with the TEST option on
# and off, once the port's own steps are applied (manual pages are
# compressed, so the plist has them as .gz; "@sample F.sample" is the
# file F.sample; %%TEST%% lines are there only with the option on).
# make uninstall removes every file, and the port's version is the
# project's.
#
# These cases run make in the source tree, so the installed suite, which
# has none, skips them.  The config variable "make" names the make
# program (default make): kyua -v test_suites.vmrun.make=bmake test.

. "$(atf_get_srcdir)/layout.subr"

# The prefix every port installs under (the ports' default PREFIX).
PORT_PREFIX=/usr/local

# atf_check runs programs, not shell functions: every body calls setup,
# which sets S, the source tree, and P, the port.
setup()
{
	S=$(layout source) || atf_skip "the installed suite has no source" \
	    "tree, and these cases run make install in one"
	P=$S/port/sysutils/vmrun
	for f in "$S/Makefile" "$P/Makefile" "$P/pkg-plist"; do
		[ -f "$f" ] || atf_fail "$f is missing"
	done
}

# The value the ports framework gives STRIP: install(1)'s -s, unless
# WITH_DEBUG is set (then it is empty).
PORT_STRIP=-s

# port_raw NAME...: PV, the words the port's Makefile gives NAME, each
# NAME in turn (its NAME= and NAME+= lines, continuations joined), as
# written.
port_raw()
{
	local n v all

	all=
	for n in "$@"; do
		v=$(awk -v name="$n" '
		    { line = line $0 }
		    /\\$/ { sub(/\\$/, "", line); next }
		    {
			if (match(line, "^" name "[+]?=")) {
				out = out " " substr(line, RLENGTH + 1)
			}
			line = ""
		    }
		    END { print out }' "$P/Makefile")
		all="$all $v"
	done
	PV=$(echo $all)
}

# port_var NAME...: PV, as port_raw, with ${PREFIX} as $PORT_PREFIX and
# ${STRIP} as $PORT_STRIP.  Fails the case on any other ${...}: this
# test would not know its value.  (A variable, not output: a failure in
# a command substitution would not end the case.)
port_var()
{
	local v

	port_raw "$@"
	v=$(echo "$PV" | sed -e "s|\${PREFIX}|$PORT_PREFIX|g" \
	    -e "s|\${STRIP}|$PORT_STRIP|g")
	case $v in
	*'${'*)	atf_fail "$* in the port's Makefile: cannot expand: $v" ;;
	esac
	PV=$v
}

# mk ARGS: make in the source tree, with nothing of an outer make's
# flags (make check's own jobserver and variables).
mk()
{
	local m

	m=make
	if atf_config_has make; then
		m=$(atf_config_get make)
	fi
	(unset MAKEFLAGS MFLAGS MAKELEVEL __MKLVL__
	    exec $m -C "${MK_DIR:-$S}" "$@")
}

# stage ARGS: make install into ./stage with the port's layout and ARGS.
stage()
{
	port_var MAKE_ARGS
	# shellcheck disable=SC2086 # the port's words, split
	mk install DESTDIR="$PWD/stage" $PV "$@" > make.log 2>&1 ||
	    atf_fail "make install failed: $(tail -n 5 make.log | tr '\n' ' ')"
}

# installed: what ./stage holds under the prefix, one path a line, as
# the package will hold it: the ports compress every manual page.
installed()
{
	local other empty

	other=$(find stage ! -type d | grep -v "^stage$PORT_PREFIX/")
	[ -z "$other" ] && [ -d "stage$PORT_PREFIX" ] ||
	    atf_fail "installed outside $PORT_PREFIX: $other"
	empty=$(find stage -type d -empty)
	[ -z "$empty" ] || atf_fail "empty directories (the plist would" \
	    "need @dir): $empty"
	(cd "stage$PORT_PREFIX" && find . -type f -o -type l) |
	    sed 's|^\./||' |
	    awk '/^(share\/)?man\// && !/\.gz$/ { $0 = $0 ".gz" } { print }' |
	    LC_ALL=C sort
}

# plist yes|no: the files pkg-plist lists, one a line, with the TEST
# option on (yes) or off (no).  Fails the case on a keyword or a
# %%VARIABLE%% it does not know, and on a file listed twice.
plist()
{
	local dup

	awk -v test="$1" '
	    /^[ \t]*$/ { next }
	    {
		if (sub(/^%%TEST%%/, "") && test != "yes")
			next
		if (/%%/) {
			print "pkg-plist: unknown variable: " $0 > "/dev/stderr"
			bad = 1
			next
		}
		if (/^@comment([ \t]|$)/)
			next
		if (sub(/^@sample[ \t]+/, "")) {
			sub(/[ \t].*/, "")
			if ($0 !~ /\.sample$/) {
				print "pkg-plist: @sample without .sample: " \
				    $0 > "/dev/stderr"
				bad = 1
			}
		} else if (/^@/) {
			print "pkg-plist: unknown keyword: " $0 > "/dev/stderr"
			bad = 1
			next
		}
		print
	    }
	    END { exit bad }' "$P/pkg-plist" > plist.raw 2> plist.err ||
	    atf_fail "$(cat plist.err)"
	dup=$(LC_ALL=C sort plist.raw | uniq -d)
	[ -z "$dup" ] || atf_fail "pkg-plist lists twice: $dup"
	LC_ALL=C sort plist.raw
}

# compare TEST: what ./stage holds is what pkg-plist lists, both ways.
compare()
{
	local extra missing

	installed > installed.txt
	plist "$1" > plist.txt
	extra=$(LC_ALL=C comm -23 installed.txt plist.txt)
	missing=$(LC_ALL=C comm -13 installed.txt plist.txt)
	[ -z "$extra$missing" ] && return 0
	{
		echo "installed but not in pkg-plist:"
		echo "$extra"
		echo "in pkg-plist but not installed:"
		echo "$missing"
	} >&2
	atf_fail "TEST option $1: installed but not in pkg-plist:" \
	    "[$(echo $extra)]; in pkg-plist but not installed:" \
	    "[$(echo $missing)]"
}

atf_test_case plist
plist_head()
{
	atf_set descr "with the TEST option (the default), make install" \
	    "with the port's MAKE_ARGS installs exactly what pkg-plist lists"
}
plist_body()
{
	setup
	port_var TEST_MAKE_ARGS TEST_MAKE_ARGS_ON
	# shellcheck disable=SC2086 # the port's words, split
	stage $PV
	compare yes
}

atf_test_case plist_no_tests
plist_no_tests_head()
{
	atf_set descr "without the TEST option, make install installs" \
	    "exactly what pkg-plist lists but its %%TEST%% lines"
}
plist_no_tests_body()
{
	setup
	port_var TEST_MAKE_ARGS_OFF
	[ -n "$PV" ] || atf_fail "the port has no TEST_MAKE_ARGS_OFF"
	# shellcheck disable=SC2086 # the port's words, split
	stage $PV
	compare no
	[ ! -e "stage$PORT_PREFIX/tests" ] ||
	    atf_fail "the test suite was installed without the TEST option"
}

atf_test_case uninstall
uninstall_head()
{
	atf_set descr "make uninstall removes every file make install put"
}
uninstall_body()
{
	local left

	setup
	stage
	[ -n "$(find stage ! -type d)" ] || atf_fail "nothing was installed"
	port_var MAKE_ARGS
	# shellcheck disable=SC2086 # the port's words, split
	mk uninstall DESTDIR="$PWD/stage" $PV > uninstall.log 2>&1 ||
	    atf_fail "make uninstall failed:" \
	    "$(tail -n 5 uninstall.log | tr '\n' ' ')"
	left=$(find stage ! -type d)
	[ -z "$left" ] || atf_fail "make uninstall left: $(echo $left)"
}

atf_test_case version
version_head()
{
	atf_set descr "the port's DISTVERSION is the version of the" \
	    "Makefile and of vmrun.h"
}
version_body()
{
	local port made h

	setup
	port_var DISTVERSION
	port=$PV
	made=$(awk '$1 == "VERSION=" { print $2 }' "$S/Makefile")
	h=$(sed -n 's/^#define[ 	]*VMRUN_VERSION[ 	]*"\(.*\)"$/\1/p' \
	    "$S/include/vmrun.h")
	[ -n "$port" ] && [ "$port" = "$made" ] && [ "$port" = "$h" ] ||
	    atf_fail "DISTVERSION '$port', Makefile VERSION '$made'," \
	    "VMRUN_VERSION '$h'"
}

# built_with_symbols FILE: FILE has a symbol table (it was not stripped).
built_with_symbols()
{
	[ -n "$(nm "$1" 2>/dev/null)" ]
}

atf_test_case strip
strip_head()
{
	atf_set descr "make install strips the programs and the library" \
	    "with the port's STRIP (-s), and leaves them alone when it is" \
	    "empty (WITH_DEBUG); the port strips nothing itself"
	atf_set require.progs nm
}
strip_body()
{
	local f files

	setup
	grep -n 'STRIP_CMD' "$P/Makefile" &&
	    atf_fail "the port strips by itself, whatever WITH_DEBUG says"
	port_var TEST_MAKE_ARGS TEST_MAKE_ARGS_ON
	files="sbin/vmrun lib/libvmrun.so.0 tests/vmrun/lib/jv_test"
	# shellcheck disable=SC2086 # the port's words, split
	stage $PV
	for f in $files; do
		built_with_symbols "stage$PORT_PREFIX/$f" &&
		    atf_fail "$f is not stripped"
	done
	rm -rf stage
	# shellcheck disable=SC2086 # the port's words, split
	stage $PV STRIP=
	for f in $files; do
		built_with_symbols "stage$PORT_PREFIX/$f" ||
		    atf_fail "$f is stripped with an empty STRIP (WITH_DEBUG)"
	done
}

atf_test_case shebangs
shebangs_head()
{
	atf_set descr "every installed script names an interpreter the" \
	    "package has: atf-sh by its path (FreeBSD's base has it as" \
	    "/usr/libexec/atf-sh, not on PATH), /bin/sh, or python through" \
	    "shebangfix (SHEBANG_FILES, both ways)"
}
shebangs_body()
{
	local atf f first src interp fixed

	setup
	port_var MAKE_ARGS
	atf=$(echo "$PV" | tr ' ' '\n' | sed -n 's/^ATF_SH=//p')
	[ -n "$atf" ] || atf_fail "the port gives make no ATF_SH"
	port_raw SHEBANG_FILES
	fixed=" $PV "
	port_raw python_OLD_CMD
	case $PV in
	*'"/usr/bin/env python3"'*) ;;
	*)	atf_fail "python_OLD_CMD does not name /usr/bin/env python3" ;;
	esac
	port_var TEST_MAKE_ARGS TEST_MAKE_ARGS_ON
	# shellcheck disable=SC2086 # the port's words, split
	stage $PV
	for f in $(cd "stage$PORT_PREFIX/tests/vmrun" && find . -type f |
	    sed 's|^\./||'); do
		first=$(head -n 1 "stage$PORT_PREFIX/tests/vmrun/$f")
		case $f in
		cli/*_test)	src=tests/${f}.sh ;;
		*)		src=tests/$f ;;
		esac
		case $first in
		'#!'*)	;;
		*)	continue ;;
		esac
		interp=$(echo "${first#\#!}" | awk '{ print $1 }')
		case $first in
		'#!/bin/sh' | '#! /bin/sh')
			;;
		'#!/usr/bin/env python3')
			case $fixed in
			*" $src "*) ;;
			*)	atf_fail "$f: $first, and $src is not in" \
				    "SHEBANG_FILES" ;;
			esac ;;
		*)
			# The port's atf-sh, or the one this tree was built
			# with (make check builds before this test).
			[ "${interp##*/}" = atf-sh ] && { [ "$interp" = "$atf" ] ||
			    [ -x "$interp" ]; } && [ "$interp" = "${first#\#! }" ] ||
			    atf_fail "$f: \"$first\": not an interpreter the" \
			    "package has" ;;
		esac
	done
	for src in $fixed; do
		[ "$(head -n 1 "$S/$src")" = '#!/usr/bin/env python3' ] ||
		    atf_fail "SHEBANG_FILES: $src does not start" \
		    "#!/usr/bin/env python3"
	done
}

atf_test_case build_then_install
build_then_install_head()
{
	atf_set descr "in a clean tree, the port's build (ALL_TARGET, with" \
	    "the TEST option's) makes everything: make install builds" \
	    "nothing, with the TEST option on or off"
	atf_set timeout 600
}
build_then_install_body()
{
	local margs built opt targets

	setup
	mkdir src
	cp -R "$S/." src/
	MK_DIR=$PWD/src
	mk clean > clean.log 2>&1 || atf_fail "make clean failed"
	port_var MAKE_ARGS
	margs=$PV
	for opt in on off; do
		port_var ALL_TARGET
		targets=${PV:-all}
		if [ $opt = on ]; then
			port_var TEST_ALL_TARGET
			targets="$targets $PV"
			port_var TEST_MAKE_ARGS TEST_MAKE_ARGS_ON
		else
			port_var TEST_MAKE_ARGS_OFF
		fi
		# shellcheck disable=SC2086 # the port's words, split
		mk $targets $margs $PV > build-$opt.log 2>&1 ||
		    atf_fail "make $targets failed:" \
		    "$(tail -n 5 build-$opt.log | tr '\n' ' ')"
		touch stamp
		# shellcheck disable=SC2086 # the port's words, split
		mk install DESTDIR="$PWD/stage-$opt" $margs $PV \
		    > install-$opt.log 2>&1 ||
		    atf_fail "make install failed:" \
		    "$(tail -n 5 install-$opt.log | tr '\n' ' ')"
		built=$(find src -type f -newer stamp)
		[ -z "$built" ] || atf_fail "TEST option $opt: make install" \
		    "built: $(echo $built)"
		mk clean > clean.log 2>&1 || atf_fail "make clean failed"
	done
}

atf_test_case newsyslog
newsyslog_head()
{
	atf_set descr "a newsyslog.conf(5) sample rotates the log the rc.d" \
	    "script has daemon(8) write, signalling daemon's pid file (which" \
	    "reopens it on SIGHUP), never vmrun's"
}
newsyslog_body()
{
	local f rundir logdir line

	setup
	stage
	f=stage$PORT_PREFIX/etc/newsyslog.conf.d/vmrun.conf.sample
	[ -f "$f" ] || atf_fail "no newsyslog.conf.d sample is installed"
	rundir=$(sed -n 's/^_rundir=//p' "$S/rc.d/vmrun")
	logdir=$(sed -n 's/^_logdir=//p' "$S/rc.d/vmrun")
	grep -q 'daemon -f -P "$_rundir/$_n.daemon.pid" -o "$_log" -H ' \
	    "$S/rc.d/vmrun" && grep -q '_log=$_logdir/$_n.log' "$S/rc.d/vmrun" ||
	    atf_fail "rc.d/vmrun no longer starts daemon(8) as this test knows"
	# The entry to copy for each VM, commented out.
	line=$(sed -n 's|^#\(/[^ 	]*\.log[ 	]\)|\1|p' "$f")
	[ -n "$line" ] || atf_fail "$f has no entry"
	# Words, not patterns: the "when" field is "*".
	set -f
	set -- $line
	set +f
	[ "$1" = "$logdir/NAME.log" ] ||
	    atf_fail "the entry rotates $1, not $logdir/NAME.log"
	# logfile mode count size when flags pid_file: SIGHUP, the default.
	[ "$7" = "$rundir/NAME.daemon.pid" ] && [ $# -eq 7 ] ||
	    atf_fail "the entry does not signal $rundir/NAME.daemon.pid" \
	    "with SIGHUP: $line"
	case $6 in
	*[NRU]*) atf_fail "the entry's flags $6 do not signal the pid file" ;;
	esac
	grep -q '%%' "$f" && atf_fail "$f: %%PREFIX%% is not replaced"
	return 0
}

atf_test_case run_depends
run_depends_head()
{
	atf_set descr "with the TEST option, the port declares what the" \
	    "installed suite runs: python for the python helpers," \
	    "jsonschema for the schema check, the real swtpm of the TPM" \
	    "tests and xorriso that reads the cloud-init seed back"
}
run_depends_body()
{
	local h deps

	setup
	port_raw TEST_RUN_DEPENDS
	deps=$PV
	for h in "$S"/tests/helpers/*; do
		case $(head -n 1 "$h") in
		*python*)
			case $deps in
			*'${PYTHON_CMD}:${PYTHON_PORTSDIR}'*) ;;
			*)	atf_fail "${h##*/} runs python, and" \
				    "TEST_RUN_DEPENDS has no \${PYTHON_CMD}: $deps" ;;
			esac ;;
		esac
		if grep -q '^[ 	]*\(import\|from\) jsonschema' "$h"; then
			case $deps in
			*'jsonschema>=4:devel/py-jsonschema@${PY_FLAVOR}'*) ;;
			*)	atf_fail "${h##*/} imports jsonschema, and" \
				    "TEST_RUN_DEPENDS has no py-jsonschema: $deps" ;;
			esac
		fi
	done
	for h in swtpm xorriso; do
		grep -q "$h" "$S"/tests/cli/*.sh || continue
		case $deps in
		*"$h:sysutils/$h"*) ;;
		*)	atf_fail "the tests run $h, and TEST_RUN_DEPENDS has" \
			    "no $h: $deps" ;;
		esac
	done
}

atf_test_case archs
archs_head()
{
	atf_set descr "the port is for amd64 only while vmrun renders the" \
	    "amd64 bhyve command line (-l, -H, -A, -P, -u, the LPC bridge," \
	    "bhyveload), none of which arm64's bhyve has"
}
archs_body()
{
	local v

	setup
	v=$(layout vmrun)
	[ -x "$v" ] || atf_fail "$v is not built"
	"$v" -c "$(layout example)" -d > render.txt 2>&1 ||
	    atf_fail "vmrun -d failed: $(cat render.txt)"
	grep -q -E ' -[lHAPu]( |$)|,lpc( |$)|bhyveload' render.txt ||
	    atf_fail "the rendering has none of amd64's options: $(cat render.txt)"
	port_var ONLY_FOR_ARCHS
	[ "$PV" = amd64 ] || atf_fail "vmrun renders amd64's bhyve command" \
	    "line, and the port is for: $PV"
}

atf_test_case cites_manuals
cites_manuals_head()
{
	atf_set descr "what make install puts (header, manual pages, the" \
	    "test suite and its helpers) cites the manual pages, never the" \
	    "design notes, which are not installed"
}
cites_manuals_body()
{
	local sect found

	setup
	port_var TEST_MAKE_ARGS TEST_MAKE_ARGS_ON
	# shellcheck disable=SC2086 # the port's words, split
	stage $PV
	[ -f "stage$PORT_PREFIX/include/vmrun.h" ] ||
	    atf_fail "make install put no header"
	# The section sign made here, or this file would find itself.
	sect=$(printf '\302\247')
	found=$(grep -rIlE "design[.]md|bhyve[.]md|$sect" stage |
	    sed "s|^stage$PORT_PREFIX/||")
	[ -z "$found" ] || atf_fail "installed files cite what is not" \
	    "installed: $(echo $found)"
}

atf_init_test_cases()
{
	atf_add_test_case cites_manuals
	atf_add_test_case plist
	atf_add_test_case plist_no_tests
	atf_add_test_case uninstall
	atf_add_test_case version
	atf_add_test_case strip
	atf_add_test_case shebangs
	atf_add_test_case build_then_install
	atf_add_test_case newsyslog
	atf_add_test_case run_depends
	atf_add_test_case archs
}

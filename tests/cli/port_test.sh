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

# port_var NAME...: PV, the words the port's Makefile gives NAME, each
# NAME in turn (its NAME= and NAME+= lines, continuations joined), with
# ${PREFIX} as $PORT_PREFIX.  Fails the case on any other ${...}: this
# test would not know its value.  (A variable, not output: a failure in
# a command substitution would not end the case.)
port_var()
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
	v=$(echo $all | sed "s|\${PREFIX}|$PORT_PREFIX|g")
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
	(unset MAKEFLAGS MFLAGS MAKELEVEL __MKLVL__; exec $m -C "$S" "$@")
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
}

#!/bin/sh
# Compile C files for FreeBSD with zig's bundled clang and FreeBSD libc
# headers, -c only: catches code that only builds against glibc.  Run from
# the top of the tree:
#
#	sh tools/ci-freebsd-cc.sh [file.c ...]
#
# With no arguments every *.c under libvmrun/, vmrun/, examples/ and tests/
# is compiled, except *_linux.c.  zig comes from PyPI: python3 -m pip
# install ziglang.  ZIG may name another zig command ("zig" for one on PATH).
#
# Flags are the Makefile's own CSTD and WARNS plus -Werror.  CSTD defines
# _POSIX_C_SOURCE=200809L, which on FreeBSD also hides the BSD extensions
# (__BSD_VISIBLE becomes 0; _DEFAULT_SOURCE and _BSD_SOURCE mean nothing
# there).  That is deliberate: a FreeBSD build with the Makefile gets the
# same, so what compiles here compiles there.  Code that needs BSD
# interfaces (platform_freebsd.c) must make them visible itself, or the
# Makefile must learn to pass other defines on FreeBSD; FREEBSD_CSTD
# overrides the flags here to try that out.

set -u

ZIG=${ZIG:-python3 -m ziglang}
TARGET=${FREEBSD_TARGET:-x86_64-freebsd}
MAKE=${MAKE:-make}

if [ ! -f Makefile ] || [ ! -d libvmrun ]; then
	echo "ci-freebsd-cc: run from the top of the vmrun tree" >&2
	exit 2
fi
$ZIG version >/dev/null 2>&1 || {
	echo "ci-freebsd-cc: no zig ($ZIG);" \
	    "install it with: python3 -m pip install ziglang" >&2
	exit 2
}

# A Makefile variable's value: GNU make through --eval, bmake through -V.
makevar() {
	$MAKE -s --no-print-directory --eval="_ci_print_$1: ; @echo \$($1)" \
	    "_ci_print_$1" 2>/dev/null || $MAKE -V "$1"
}
warns=$(makevar WARNS)
cstd=${FREEBSD_CSTD:-$(makevar CSTD)}
if [ -z "$warns" ] || [ -z "$cstd" ]; then
	echo "ci-freebsd-cc: cannot read CSTD and WARNS from the Makefile" >&2
	exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ci-freebsd-cc.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# Third-party headers are not in zig's FreeBSD sysroot.  Offer just those,
# from wherever pkg-config (or /usr/include) has them; pointing at all of
# /usr/include would mix glibc headers in.  -I, not -isystem: on FreeBSD
# they live in /usr/local/include, which is not a system directory either.
mkdir "$tmp/include" "$tmp/obj" || exit 2
dirs=$(pkg-config --cflags-only-I jansson atf-c 2>/dev/null | sed 's/-I//g')
for h in jansson.h jansson_config.h atf-c.h atf-c; do
	found=""
	for d in $dirs /usr/include /usr/local/include; do
		if [ -e "$d/$h" ]; then
			found=$d/$h
			break
		fi
	done
	if [ -z "$found" ]; then
		echo "ci-freebsd-cc: $h not found (install libjansson-dev" \
		    "and libatf-dev)" >&2
		exit 2
	fi
	ln -s "$found" "$tmp/include/$h"
done

if [ $# -eq 0 ]; then
	# shellcheck disable=SC2046 # no blanks in the tree's file names
	set -- $(find libvmrun vmrun examples tests -name '*.c' \
	    ! -name '*_linux.c' 2>/dev/null | LC_ALL=C sort)
fi
[ $# -gt 0 ] || {
	echo "ci-freebsd-cc: no C files" >&2
	exit 2
}

# Every file, then the verdict: all failures in one run.
n=0
failed=""
for f in "$@"; do
	n=$((n + 1))
	# shellcheck disable=SC2086 # word splitting of the flag lists is wanted
	if ! $ZIG cc -target "$TARGET" $cstd $warns -Werror \
	    -Iinclude -Ilibvmrun -Ivmrun -I"$tmp/include" -DSRCDIR="\"$PWD\"" \
	    -c "$f" -o "$tmp/obj/$n.o"; then
		failed="$failed $f"
	fi
done
if [ -n "$failed" ]; then
	echo "ci-freebsd-cc: failed for $TARGET:$failed" >&2
	exit 1
fi
echo "ci-freebsd-cc: $n files compile for $TARGET"

#!/bin/sh
# The installed test suite's layout file (see tests/layout): where the
# suite finds what it tests, written by make install.
#
#	sh tools/testlayout.sh TESTSDIR NAME=PATH...
#
# TESTSDIR and every PATH are absolute and as installed, without
# DESTDIR.  Each PATH is written relative to TESTSDIR, so that a suite
# staged under a DESTDIR tests the files staged beside it, and the same
# suite installed tests the installed ones.

# relpath FROM TO: TO relative to the directory FROM (both absolute).
relpath()
{
	local from to up

	from=${1%/}
	to=$2
	up=
	while :; do
		case $to/ in
		"$from"/*)
			break ;;
		esac
		from=${from%/*}
		up=../$up
	done
	to=${to#"$from"}
	echo "$up${to#/}"
}

[ $# -ge 1 ] || { echo "usage: testlayout.sh TESTSDIR NAME=PATH..." >&2; exit 2; }
top=$1
shift
case $top in
/*)	;;
*)	echo "testlayout.sh: $top is not absolute" >&2; exit 2 ;;
esac
echo "# Where the installed tests find what they test (written by make"
echo "# install): one \"NAME PATH\" a line, relative to this directory."
for a in "$@"; do
	name=${a%%=*}
	path=${a#*=}
	case $path in
	/*)	;;
	*)	echo "testlayout.sh: $path is not absolute" >&2; exit 2 ;;
	esac
	printf '%s\t%s\n' "$name" "$(relpath "$top" "$path")"
done

#!/bin/sh
# The libFuzzer dictionary of a fuzz target, from the sources themselves,
# written to standard output:
#
#	sh tools/fuzzdict.sh [plan]	the configuration language: every key
#		of every key table, every device name, the JSON punctuation
#	sh tools/fuzzdict.sh opts	the command line: every option of
#		vmrun/args.c's table, long (with "=" when it takes a value)
#		and short, and the edges of the values they take
set -eu
cd "$(dirname "$0")/.."

opts() {
	# { { "config", required_argument, NULL, 'c' }, 'c', "FILE|-",
	sed -n 's/.*{ { "\([a-z-]*\)", \([a-z]*\)_argument.*/\1 \2/p' \
	    vmrun/args.c | while read -r name arg; do
		echo "--$name"
		[ "$arg" = no ] || echo "--$name="
	done
	sed -n "s/.*}, '\(.\)', .*/-\1/p" vmrun/args.c
	# Values at the edges of what the options take.
	printf '%s\n' -- - 0 255 256 -1 1e9 1e10 .5 0x10 0,3 , vm.json
}

plan() {
	{
		grep -ho '{ "[a-z_0-9]*", T_' libvmrun/*.c |
		    sed 's/{ "\([^"]*\)".*/\1/'
		grep -A1 -h '^const struct devtype devtype_' libvmrun/dev_*.c |
		    grep -o '"[a-z0-9-]*"' | tr -d '"'
		printf '%s\n' targets remove next_target stdio capture default \
		    grub hd0 cd0 host
	} | sort -u | sed 's/.*/"\\"&\\""/'
	printf '%s\n' '"{"' '"}"' '"["' '"]"' '":"' '","' '"null"' '"true"' \
	    '"false"' '"\\u0000"' '"\\ud83d\\ude00"'
}

case "${1:-plan}" in
plan)	plan ;;
opts)	opts | sort -u | sed 's/.*/"&"/'
	# The word separator of opts_fuzz.
	echo '"\x00"' ;;
*)	echo "usage: sh tools/fuzzdict.sh [plan|opts]" >&2
	exit 2 ;;
esac

#!/bin/sh
# The libFuzzer dictionary of the configuration language, from the
# sources themselves: every key of every key table, every device name,
# and the JSON punctuation.  Written to standard output.
set -eu
cd "$(dirname "$0")/.."
{
	grep -ho '{ "[a-z_0-9]*", T_' libvmrun/*.c |
	    sed 's/{ "\([^"]*\)".*/\1/'
	grep -A1 -h '^const struct devtype devtype_' libvmrun/dev_*.c |
	    grep -o '"[a-z0-9-]*"' | tr -d '"'
	printf '%s\n' targets remove next_target stdio capture default
} | sort -u | sed 's/.*/"\\"&\\""/'
printf '%s\n' '"{"' '"}"' '"["' '"]"' '":"' '","' '"null"' '"true"' \
    '"false"' '"\\u0000"' '"\\ud83d\\ude00"'

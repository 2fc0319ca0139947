#!/bin/sh
# Seeds for tests/fuzz/opts_fuzz, written into DIR: command lines as the
# target reads them, words separated by NUL bytes.  From vmrun/args.c's
# option table, each option in each form it has ("--name value",
# "--name=value", "-c value"), and from the command lines that
# tests/cli/options_test.sh runs.
#
#	sh tools/fuzzseeds.sh DIR
set -eu
[ $# -eq 1 ] || {
	echo "usage: sh tools/fuzzseeds.sh DIR" >&2
	exit 2
}
dir=$1
cd "$(dirname "$0")/.."
mkdir -p "$dir"

# seed NAME WORD...: one command line, its words NUL-separated.
seed() {
	_f=$dir/$1
	shift
	printf '%s\0' "$@" > "$_f"
}

# A value of the kind the table's metavariable names.
value() {
	case $1 in
	FILE*)	echo vm.json ;;
	NAME)	echo install ;;
	LIST)	echo 0,3 ;;
	N)	echo 3 ;;
	SEC)	echo 1.5 ;;
	PATH)	echo /usr/sbin/bhyve ;;
	DIR)	echo /dev/vmm ;;
	GROUP)	echo wheel ;;
	*)	echo x ;;
	esac
}

# { { "config", required_argument, NULL, 'c' }, 'c', "FILE|-",
#     "configuration (- reads standard input)" },
# An entry may go on over lines: one line each first.
awk '/^} opttab\[\] = \{/ { on = 1; next }
    on && /^};/ { exit }
    on {
	sub(/^[ \t]+/, "")
	if ($0 ~ /^\{ \{/ && rec != "") {
		print rec
		rec = ""
	}
	rec = rec " " $0
    }
    END { if (rec != "") print rec }' vmrun/args.c | while IFS= read -r entry; do
	name=$(echo "$entry" | sed -n 's/^[^"]*"\([a-z-]*\)".*/\1/p')
	[ -n "$name" ] || continue
	short=$(echo "$entry" | sed -n "s/.*}, '\(.\)', .*/\1/p")
	meta=$(echo "$entry" | sed -n 's/.*}, [^,]*, "\([^"]*\)", ".*/\1/p')
	if [ -z "$meta" ]; then
		seed "long-$name" -c vm.json "--$name"
		[ -z "$short" ] || seed "short-$name" -c vm.json "-$short"
		continue
	fi
	v=$(value "$meta")
	seed "long-$name" -c vm.json "--$name" "$v"
	seed "eq-$name" -c vm.json "--$name=$v"
	[ -z "$short" ] || seed "short-$name" -c vm.json "-$short" "$v"
done

# The command lines of the CLI tests, their words as the shell splits
# them unquoted (near enough for seeds).
n=0
sed -n 's/.*"\$V" \(.*\)/\1/p' tests/cli/options_test.sh |
    sed 's/ *\\$//' | sort -u | while IFS= read -r line; do
	n=$((n + 1))
	# shellcheck disable=SC2086 # split into words, as the shell did
	set -f
	set -- $line
	set +f
	seed "cli-$n" "$@"
done

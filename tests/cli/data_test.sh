#! /usr/bin/env atf-sh
#
# Data-driven configuration cases (vmrun.json(5), vmrun -d): one test case
# per file in tests/data.
#
#   pass-NAME.json   a valid configuration
#   pass-NAME.out    exact expected standard output
#   pass-NAME.err    expected standard error (optional; default: empty)
#
#   fail-NAME.json   a configuration with one mistake (a few have many)
#   fail-NAME.err    exact expected standard error
#   fail-NAME.out    expected standard output (optional; default: empty)
#
#   CASE.args        one line of vmrun arguments after "-c CASE.json"
#                    (optional; shell words).  Without -d, --dry-run,
#                    --debug, --emit-config or --check before a "--",
#                    --dry-run is added in front.  Default: --dry-run.
#   CASE.status      expected exit status (optional; default 0 for pass
#                    cases and 65 for fail cases)
#
# vmrun runs inside tests/data, so messages name the bare file name.
# To add a case, write the .json, run vmrun as above from tests/data, and
# read the output against vmrun.json(5), bhyve(8) and bhyve_config(5)
# before saving it.

. "$(atf_get_srcdir)/layout.subr"

vmrun_bin()
{
	layout vmrun
}

data_dir()
{
	echo "$(atf_get_srcdir)/../data"
}

# The vmrun arguments of case $1 as shell words (the caller evals them).
case_args()
{
	local args

	args="--dry-run"
	if [ -f "$1.args" ]; then
		args=$(cat "$1.args")
		case " ${args%% -- *} " in
		*" -d "*|*" --dry-run "*|*" --debug "*|*" --emit-config "*)
			;;
		*" --check "*)
			;;
		*)
			args="--dry-run $args"
			;;
		esac
	fi
	echo "$args"
}

# run_case KIND CASE: check one case (KIND is pass or fail).
run_case()
{
	local kind c data bin status out err args

	kind=$1
	c=$2
	data=$(data_dir)
	bin=$(vmrun_bin)
	[ -x "$bin" ] || atf_fail "$bin is not built"
	cd "$data" || atf_fail "cannot enter $data"
	if [ "$kind" = pass ]; then
		status=0
		[ -f "$c.out" ] || atf_fail "$c.out is missing"
		out="file:$data/$c.out"
		err=empty
		[ -f "$c.err" ] && err="file:$data/$c.err"
	else
		status=65
		[ -f "$c.err" ] || atf_fail "$c.err is missing"
		err="file:$data/$c.err"
		out=empty
		[ -f "$c.out" ] && out="file:$data/$c.out"
	fi
	[ -f "$c.status" ] && status=$(cat "$c.status")
	args=$(case_args "$c")
	eval "set -- $args"
	# The golden argv[0] is the default program path.
	unset VMRUN_BHYVE VMRUN_BHYVELOAD VMRUN_BHYVECTL VMRUN_VMM_DIR
	atf_check -s "exit:$status" -o "$out" -e "$err" \
	    "$bin" -c "$c.json" "$@"
}

# replay_bhyve15: every dry run of the pass cases, read by bhyve 15's
# option parser as tests/helpers/bhyve-replay has it: no option or
# syntax bhyve would refuse, no configuration key it would ignore.
replay_bhyve15_head()
{
	atf_set descr "every pass case's bhyve command replays through" \
	    "bhyve 15's option parser with no error and no unknown key"
}
replay_bhyve15_body()
{
	local data bin f c args n

	data=$(data_dir)
	bin=$(vmrun_bin)
	[ -x "$bin" ] || atf_fail "$bin is not built"
	unset VMRUN_BHYVE VMRUN_BHYVELOAD VMRUN_BHYVECTL VMRUN_VMM_DIR
	n=0
	for f in "$data"/pass-*.json; do
		c=${f%.json}
		args=$(case_args "$c")
		case " ${args%% -- *} " in
		*" --debug "*|*" --emit-config "*|*" --check "*)
			continue
			;;
		*" --json "*)
			;;
		*)
			args="--json $args"
			;;
		esac
		eval "set -- $args"
		(cd "$data" && "$bin" -c "$f" "$@") > "${c##*/}.dry" \
		    2> /dev/null || atf_fail "${c##*/}: vmrun failed"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || atf_fail "no dry run to replay"
	atf_check -s exit:0 -o empty -e empty \
	    "$(atf_get_srcdir)/../helpers/bhyve-replay" ./*.dry
}

atf_init_test_cases()
{
	local c kind tc part ifs

	# No command per file: every test case run lists them all again.
	ifs=$IFS
	for c in "$(data_dir)"/pass-*.json "$(data_dir)"/fail-*.json; do
		[ -f "$c" ] || continue
		c=${c##*/}
		c=${c%.json}
		kind=${c%%-*}
		tc=
		IFS=-
		for part in $c; do
			tc=${tc:+${tc}_}$part
		done
		IFS=$ifs
		eval "${tc}_head() {
			atf_set descr \"tests/data/$c.json\"
		}
		${tc}_body() {
			run_case $kind $c
		}"
		atf_add_test_case "$tc"
	done
	atf_add_test_case replay_bhyve15
}

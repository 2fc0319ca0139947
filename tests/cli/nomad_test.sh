#! /usr/bin/env atf-sh
#
# examples/nomad/vmrun.nomad.hcl: the command the job runs, run here as
# Nomad would run it (with -d added), on the configuration its template
# renders; and the stop and restart settings the job's comments promise.
#
# Nomad itself is not needed: the job's task command and its template
# are read out of the file (args = [ ... ], one word or a few per line;
# data = <<-VMJSON ... VMJSON), the template's {{ env "NOMAD_META_x" }}
# placeholders are filled in with sed, and the ${NOMAD_*} words of the
# command with the directories Nomad would give the task.

# fake_env, wait_for, oneline, alive, ev_assert and kill_leftovers, for
# the one case that starts a VM (with the fake bhyve).  setup and
# atf_init_test_cases below replace those of common.subr.
. "$(atf_get_srcdir)/common.subr"

# atf_check runs programs, not shell functions: every body calls setup.
setup()
{
	V=$(layout vmrun)
	JOB=$(layout source) || atf_skip "the installed suite has no source" \
	    "tree, where the Nomad job is"
	JOB=$JOB/examples/nomad/vmrun.nomad.hcl
	[ -x "$V" ] || atf_fail "$V is not built"
	[ -r "$JOB" ] || atf_fail "$JOB is missing"
}

# The sample values of the job's meta keys, different from the defaults
# of its variables so that a value written into the job shows.
SAMPLES='vm=web1 cpu=3 mem=768M disk=/vm/web1/disk.img tap=tap7'

# words: the quoted words of the task's args list, one per line, escapes
# undone; comment lines are skipped.  Not in a subshell, like every
# helper that can fail the case: redirect it to a file.
words()
{
	awk '
	/^[[:space:]]*args[[:space:]]*=[[:space:]]*\[/ { inargs = 1; n++; next }
	inargs && /^[[:space:]]*\]/ { inargs = 0; next }
	inargs && /^[[:space:]]*#/ { next }
	inargs {
		line = $0
		while (match(line, /"([^"\\]|\\.)*"/)) {
			w = substr(line, RSTART + 1, RLENGTH - 2)
			gsub(/\\"/, "\"", w)
			gsub(/\\\\/, "\\", w)
			print w
			line = substr(line, RSTART + RLENGTH)
		}
	}
	END { if (n != 1) exit 1 }' "$JOB" ||
	    atf_fail "the job has no args list, or more than one"
}

# template: the text of the task's template.
template()
{
	awk '
	/data[[:space:]]*=[[:space:]]*<<-?VMJSON[[:space:]]*$/ { in_t = 1; n++; next }
	in_t && /^[[:space:]]*VMJSON[[:space:]]*$/ { in_t = 0; next }
	in_t { print }
	END { if (n != 1 || in_t) exit 1 }' "$JOB" ||
	    atf_fail "the job has no template between data = <<-VMJSON and VMJSON"
}

# setting NAME [BLOCK]: the quoted or bare value of "NAME = value" in
# the job, inside the first "BLOCK {" when given.
setting()
{
	awk -v name="$1" -v block="${2:-}" '
	block != "" && $0 ~ "^[[:space:]]*" block "[[:space:]]*\\{" { inb = 1; next }
	block != "" && inb && /^[[:space:]]*\}/ { exit }
	(block == "" || inb) && $0 ~ "^[[:space:]]*" name "[[:space:]]*=" {
		v = $0
		sub(/^[^=]*=[[:space:]]*/, "", v)
		sub(/[[:space:]]*(#.*)?$/, "", v)
		gsub(/^"|"$/, "", v)
		print v
		exit
	}' "$JOB"
}

# seconds VAR DURATION: set VAR to a Nomad duration of whole seconds or
# minutes ("30s", "2m") in seconds.  (It sets a variable rather than
# printing: atf_fail in a command substitution would only end that
# subshell.)
seconds()
{
	case "$2" in
	*[!0-9]*s|s|*[!0-9]*m|m|"") atf_fail "cannot read the duration '$2'" ;;
	*s) eval "$1=${2%s}" ;;
	*m) eval "$1=$(( ${2%m} * 60 ))" ;;
	*) atf_fail "cannot read the duration '$2'" ;;
	esac
}

# render [KEY=VALUE ...]: the template filled in with the arguments and,
# for the keys they do not name, the samples, as local/vm.json, the file
# Nomad renders into the task's local directory.  Fails if a
# placeholder is left.
render()
{
	local kv k v

	: > render.sed
	for kv in "$@" $SAMPLES; do
		k=${kv%%=*}
		v=${kv#*=}
		printf 's#{{ *env "NOMAD_META_%s" *| *toJSON *}}#"%s"#g\n' \
		    "$k" "$v" >> render.sed
		printf 's#{{ *env "NOMAD_META_%s" *}}#%s#g\n' "$k" "$v" \
		    >> render.sed
	done
	mkdir -p local alloc/logs
	template > template.txt
	sed -f render.sed template.txt > local/vm.json
	if grep -n '{{' local/vm.json > left.txt; then
		atf_fail "the template has placeholders the test cannot fill" \
		    "in: $(cat left.txt)"
	fi
}

# run_job [WORD ...]: the task's command (command = "/bin/sh", args =
# [...]) with the built vmrun in place of the installed one and the words
# (no spaces in them) added at the end, in the environment Nomad gives
# the task; stdout in out, stderr in err, the exit status returned.
# With RUN_BG set it runs in the background, its pid in $JOB_PID.
run_job()
{
	local added cmd name script w

	added="$*"
	cmd=$(setting command config)
	[ "$cmd" = /bin/sh ] || atf_fail "the task's command is '$cmd', not /bin/sh"
	words > words.txt
	set --
	while IFS= read -r w; do
		case "$w" in
		*'${NOMAD_ALLOC_DIR}'*)
			w=$(printf '%s\n' "$w" |
			    sed "s#\${NOMAD_ALLOC_DIR}#$PWD/alloc#g") ;;
		*'${NOMAD_TASK_DIR}'*)
			w=$(printf '%s\n' "$w" |
			    sed "s#\${NOMAD_TASK_DIR}#$PWD/local#g") ;;
		*'${'*)
			atf_fail "the job's command has '$w', which this test" \
			    "does not know how to fill in" ;;
		esac
		set -- "$@" "$w"
	done < words.txt
	# sh -c SCRIPT NAME VMRUN ARGS...
	[ $# -ge 4 ] && [ "$1" = -c ] ||
	    atf_fail "the job's arguments are not -c SCRIPT NAME VMRUN ...: $*"
	[ "${4##*/}" = vmrun ] ||
	    atf_fail "the fourth word is '$4', expected the path of vmrun"
	script=$2 name=$3
	shift 4
	export NOMAD_TASK_DIR="$PWD/local" NOMAD_ALLOC_DIR="$PWD/alloc"
	# $added unquoted: its words are split on purpose.
	if [ -n "${RUN_BG:-}" ]; then
		"$cmd" -c "$script" "$name" "$V" "$@" $added \
		    < /dev/null > out 2> err &
		JOB_PID=$!
	else
		"$cmd" -c "$script" "$name" "$V" "$@" $added \
		    < /dev/null > out 2> err
	fi
}

atf_test_case dry_run
dry_run_head()
{
	atf_set descr "the job's command, with -d, prints the bhyve command" \
	    "of the rendered configuration"
}
dry_run_body()
{
	local st

	setup
	render
	run_job -d
	st=$?
	[ "$st" = 0 ] ||
	    atf_fail "exit $st, expected 0; stderr: $(cat err)"
	[ -s err ] && atf_fail "stderr is not empty: $(cat err)"
	[ "$(wc -l < out)" -eq 1 ] ||
	    atf_fail "expected one line (bhyve, no loader): $(cat out)"
	for want in '^/usr/sbin/bhyve ' ' -c cpus=3,' ' -m 768M ' \
	    ',virtio-blk,/vm/web1/disk\.img ' ',virtio-net,tap7 ' \
	    ' -l com1,/dev/pts/N ' ' web1$'; do
		grep -Eq -- "$want" out ||
		    atf_fail "the bhyve command does not match '$want':" \
		    "$(cat out)"
	done
}

atf_test_case other_values
other_values_head()
{
	atf_set descr "other meta values give another VM: the template" \
	    "writes no value of its own"
}
other_values_body()
{
	local st

	setup
	render vm=db2 cpu=1 mem=2G disk=/tank/db2.img tap=tap12
	run_job -d
	st=$?
	[ "$st" = 0 ] || atf_fail "exit $st; stderr: $(cat err)"
	for want in ' -c cpus=1,' ' -m 2G ' ',virtio-blk,/tank/db2\.img ' \
	    ',virtio-net,tap12 ' ' db2$'; do
		grep -Eq -- "$want" out ||
		    atf_fail "the bhyve command does not match '$want':" \
		    "$(cat out)"
	done
}

atf_test_case config_on_stdin
config_on_stdin_head()
{
	atf_set descr "vmrun reads the rendered file on standard input" \
	    "(-c -): its problems are named <stdin>"
}
config_on_stdin_body()
{
	setup
	render cpu=0
	run_job -d
	[ $? = 65 ] || atf_fail "expected exit 65; stderr: $(cat err)"
	grep -Fqx 'vmrun: <stdin>: cpu: 0 vCPUs: expected 1 to 1024' err ||
	    atf_fail "no problem reported for <stdin>: $(cat err)"
	# Without the rendered file, sh fails before vmrun runs.
	rm local/vm.json
	run_job -d
	[ $? != 0 ] || atf_fail "the command succeeded without local/vm.json"
	[ -s out ] && atf_fail "something ran without local/vm.json: $(cat out)"
	grep -q 'vm\.json' err || atf_fail "no message names vm.json: $(cat err)"
}

atf_test_case meta_keys
meta_keys_head()
{
	atf_set descr "every NOMAD_META_ key the task uses is set by the" \
	    "job's meta block"
}
meta_keys_body()
{
	local k used

	setup
	awk '/^  meta[[:space:]]*\{/ { m = 1; next }
	    m && /^  \}/ { exit }
	    m && /=/ { sub(/^[[:space:]]*/, ""); sub(/[[:space:]]*=.*/, ""); print }' \
	    "$JOB" | sort > defined
	[ -s defined ] || atf_fail "the job has no meta block"
	template > template.txt
	words > words.txt
	cat template.txt words.txt | grep -o 'NOMAD_META_[A-Za-z0-9_]*' |
	    sed 's/^NOMAD_META_//' | sort -u > used
	[ -s used ] || atf_fail "the task uses no NOMAD_META_ key"
	for k in $(cat used); do
		grep -Fqx "$k" defined ||
		    atf_fail "NOMAD_META_$k is used, but meta does not set $k"
	done
	for k in $(cat defined); do
		case " $SAMPLES" in
		*" $k="*) ;;
		*) atf_fail "the test has no sample value for meta key $k" ;;
		esac
	done
}

atf_test_case stop_settings
stop_settings_head()
{
	atf_set descr "Nomad stops vmrun gracefully and waits for its whole" \
	    "stop sequence, within the default max_kill_timeout"
}
stop_settings_body()
{
	local sig kt st prev w

	setup
	sig=$(setting kill_signal)
	case "$sig" in
	SIGTERM|SIGINT) ;;
	*) atf_fail "kill_signal is '$sig', not SIGTERM or SIGINT" ;;
	esac
	seconds kt "$(setting kill_timeout)"
	# vmrun's grace period: --stop-timeout, 60 s when not given.
	st=60 prev=
	words > words.txt
	for w in $(tr ' ' '_' < words.txt); do
		case "$w" in
		--stop-timeout=*) st=${w#*=} ;;
		*) [ "$prev" = --stop-timeout ] && st=$w ;;
		esac
		prev=$w
	done
	case "$st" in
	''|*[!0-9]*) atf_fail "--stop-timeout '$st' is not whole seconds" ;;
	esac
	[ "$kt" -gt "$st" ] ||
	    atf_fail "kill_timeout ${kt}s is not above --stop-timeout ${st}s"
	# After the grace period vmrun forces the power-off and gives bhyve
	# 10 s more before SIGKILL (vmrun(8), SIGNALS).
	[ "$kt" -gt $((st + 10)) ] ||
	    atf_fail "kill_timeout ${kt}s does not cover --stop-timeout" \
	    "${st}s and the 10 s before SIGKILL"
	[ "$kt" -le 30 ] ||
	    atf_fail "kill_timeout ${kt}s is above Nomad's default" \
	    "max_kill_timeout (30 s), which would cut it short"
}

atf_test_case kill_signal cleanup
kill_signal_head()
{
	atf_set descr "Nomad's kill_signal, sent to the task's process, is" \
	    "vmrun's graceful stop: the guest powers off, vmrun exits 1"
	atf_set require.progs "python3"
}
kill_signal_body()
{
	local sig kt st

	setup
	fake_env
	sig=$(setting kill_signal)
	seconds kt "$(setting kill_timeout)"
	render vm=lt	# the fakes' VM name
	export FAKE_BHYVE_RUNTIME=forever
	RUN_BG=1 run_job --bhyve "$H/fake-bhyve" --bhyvectl "$H/fake-bhyvectl" \
	    --vmm-dir "$PWD/vmm" -P "$PWD/vmrun.pid" --no-requirement-check
	echo "$JOB_PID" >> bg.pids
	wait_for '[ -s vmrun.pid ] && [ "$(nruns)" -ge 1 ] || ! alive $JOB_PID'
	alive "$JOB_PID" ||
	    atf_fail "the task ended before the VM started: $(oneline err)"
	# Nomad signals the process it started: sh must have become vmrun.
	[ "$(cat vmrun.pid)" = "$JOB_PID" ] ||
	    atf_fail "vmrun is $(cat vmrun.pid), not the task's process" \
	    "$JOB_PID: sh did not exec it"
	kill -"${sig#SIG}" "$JOB_PID"
	wait_for '! alive $JOB_PID' "$kt"
	wait "$JOB_PID"
	st=$?
	[ "$st" = 1 ] || atf_fail "exit $st, expected 1; stderr: $(oneline err)"
	EVENTS=alloc/logs/vmrun.events
	ev_assert "main == ['start', 'stop-requested', 'exit', 'end']"
	ev_assert "ev('stop-requested')[0]['signal'] == '$sig'"
	ev_assert "ev('end')[0]['exit_status'] == 1"
	no_leftovers
}
kill_signal_cleanup()
{
	kill_leftovers
}

atf_test_case job_shape
job_shape_head()
{
	atf_set descr "raw_exec on FreeBSD clients, one VM per job, restarts" \
	    "that fail the allocation instead of retrying forever"
}
job_shape_body()
{
	local d

	setup
	grep -Eq '^job "vmrun" \{' "$JOB" ||
	    atf_fail "the job's label is not \"vmrun\" (README.md renames it)"
	[ "$(setting driver)" = raw_exec ] || atf_fail "driver is not raw_exec"
	[ "$(setting attribute constraint)" = '${attr.kernel.name}' ] &&
	    [ "$(setting value constraint)" = freebsd ] ||
	    atf_fail "the first constraint is not attr.kernel.name = freebsd"
	[ "$(setting count)" = 1 ] || atf_fail "count is not 1"
	[ "$(setting mode restart)" = fail ] ||
	    atf_fail "restart mode is not fail"
	seconds d "$(setting delay restart)"
	[ "$d" -ge 30 ] ||
	    atf_fail "restart delay ${d}s: a crash loop (76) or a VM running" \
	    "already (75) would be retried at once"
	[ "$(setting attempts restart)" -le 3 ] ||
	    atf_fail "more than 3 restart attempts"
	[ "$(setting destination template)" = local/vm.json ] ||
	    atf_fail "the template is not rendered to local/vm.json"
}

atf_init_test_cases()
{
	atf_add_test_case dry_run
	atf_add_test_case other_values
	atf_add_test_case config_on_stdin
	atf_add_test_case meta_keys
	atf_add_test_case stop_settings
	atf_add_test_case kill_signal
	atf_add_test_case job_shape
}

#! /usr/bin/env atf-sh
#
# The supervisor against the fake programs (design §7, §8.1, §10): reboot
# and next_target, exit statuses, restart policy, stopping and signals,
# pid files and the lock, stale state and cleanup, hooks, events, and no
# descriptor or process left behind.
#
# Every case runs vmrun through ./run (written by setup): vmrun with the
# fakes from tests/helpers, the work directory as $FAKE_DIR, ./vmm as the
# VM device-node directory, ./vmrun.pid as the lock, ./events.jsonl as the
# event log, under timeout(1) so that a hang fails instead of blocking.
# Every wait is bounded (wait_for); every case has a cleanup part that
# kills whatever a failed case left running.

# fake_env, wait_for, oneline, tc and atf_init_test_cases.
. "$(atf_get_srcdir)/common.subr"

# atf_check runs programs, not shell functions: every body calls setup.
setup()
{
	fake_env
	# timeout(1) also gives vmrun default SIGINT/SIGQUIT handling, which
	# a background job of a non-interactive shell would not have.
	cat > run <<EOF
#!/bin/sh
exec timeout -k 5 \${RUN_TIMEOUT:-30} "$V" -c vm.json \\
    --bhyve "\${BHYVE:-$H/fake-bhyve}" --bhyvectl "$H/fake-bhyvectl" \\
    --bhyveload "\${BHYVELOAD:-$H/fake-bhyveload}" --vmm-dir "$PWD/vmm" \\
    -P "$PWD/vmrun.pid" --events "\${EVENTS:-$PWD/events.jsonl}" \\
    --no-requirement-check "\$@"
EOF
	# The same without timeout(1), for the one case that needs vmrun to
	# lead its own process group; that case bounds its waits itself.
	sed 's/^exec timeout -k 5 [^ ]* /exec /' run > run-direct
	chmod +x run run-direct
}

# config [JSON MEMBERS]: vm.json for the VM "lt": no device that needs the
# host, nothing on stdio; the members are added to the top-level object.
config()
{
	printf '{"name": "lt", "cpu": 1, "mem": "256M"%s}\n' "${1:+, $1}" \
	    > vm.json
}

# reset: check that the last run left nothing running, then forget what
# the fakes and vmrun recorded (for a second run).
reset()
{
	no_leftovers
	rm -f bhyve.* bhyvectl.log bhyveload.* hook.* order.log ctl \
	    events.jsonl out err
}

# nruns: how many times the fake bhyve started.
nruns()
{
	if [ -f bhyve.log ]; then
		grep -c '^start ' bhyve.log
	else
		echo 0
	fi
}

# runs N: the fake bhyve started exactly N times.
runs()
{
	[ "$(nruns)" = "$1" ] ||
	    atf_fail "bhyve started $(nruns) times, expected $1"
}

# argvs: bhyve's arguments, one run per line.
argvs()
{
	sed -n 's/^start [0-9]* //p' bhyve.log
}

# start_bg [ARGS]: start vmrun in the background (output in out and err)
# and wait until the fake bhyve runs and vmrun's pid file is written.
start_bg()
{
	./run "$@" > out 2> err &
	BG=$!
	echo "$BG" >> bg.pids
	wait_for '[ "$(nruns)" -ge 1 ] || ! alive $BG'
	alive "$BG" || { wait "$BG"; atf_fail "vmrun ended early ($?): $(oneline err)"; }
	wait_for '[ -s vmrun.pid ]'
	VMRUN=$(oneline vmrun.pid)
	echo "$VMRUN" >> vmrun.seen
}

# finish_bg STATUS: wait for the background vmrun (bounded by timeout in
# ./run) and check its exit status.
finish_bg()
{
	local st

	wait "$BG"
	st=$?
	[ "$st" = "$1" ] ||
	    atf_fail "vmrun exited $st, expected $1; stderr: $(oneline err)"
}

# sig_vmrun SIG: send a signal to the running vmrun.
sig_vmrun()
{
	kill -"$1" "$VMRUN" || atf_fail "cannot signal vmrun ($VMRUN)"
}

# alive PID: the process exists and is not a zombie.
alive()
{
	local st

	if [ -r "/proc/$1/stat" ]; then
		st=$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null)
		[ -n "$st" ] && [ "$st" != Z ]
	else
		kill -0 "$1" 2>/dev/null
	fi
}

# Every process a case may have started: fake bhyves, loaders and hooks,
# and vmrun itself.
recorded_pids()
{
	[ -f bhyve.log ] && awk '$1 == "start" { print $2 }' bhyve.log
	[ -f hook.log ] &&
	    awk '$1 == "hook" || $1 == "child" { print $2 }' hook.log
	cat bhyveload.pid vmrun.seen bg.pids 2>/dev/null
}

# no_leftovers: nothing vmrun started runs after vmrun ended (§7.3: vmrun
# never exits while a child it started is still running).
no_leftovers()
{
	local p

	for p in $(recorded_pids); do
		alive "$p" && atf_fail "process $p is still running:" \
		    "$(tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null)"
	done
	return 0
}

# The cleanup part: kill what a failed case left running (only our own
# processes: a fake or vmrun, checked by command line).
kill_leftovers()
{
	local p

	for p in $(recorded_pids); do
		if [ -r "/proc/$p/cmdline" ]; then
			tr '\0' ' ' < "/proc/$p/cmdline" |
			    grep -q -e fake- -e vmrun -e timeout || continue
		fi
		kill -KILL "$p" 2>/dev/null
	done
	return 0
}

# ev_assert PYTHON-EXPRESSION: check $EVENTS (default events.jsonl):
# every line a JSON object with the common fields (§7.4), then the
# expression, where E is the list of events, names their "event" names,
# main the names without hook, loader and cleanup events, and ev(NAME)
# the events named NAME.
ev_assert()
{
	python3 "$(atf_get_srcdir)/../helpers/events-check" "$1" \
	    "${EVENTS:-events.jsonl}" ||
	    atf_fail "events: $1 does not hold: $(oneline "${EVENTS:-events.jsonl}")"
}

# vmrun_says PATTERN: one of vmrun's own stderr lines matches (ERE).
vmrun_says()
{
	grep '^vmrun: ' "${2:-err}" | grep -Eq -- "$1" ||
	    atf_fail "no vmrun message matches '$1': $(oneline "${2:-err}")"
}

# is_locked FILE: another process holds an flock(2) lock on FILE, as
# pidfile(3) takes (true where flock(1) is missing).
is_locked()
{
	command -v flock > /dev/null || return 0
	! flock -n -x "$1" true
}

# count_in FILE TEXT: how many lines of FILE contain TEXT.
count_in()
{
	[ -f "$1" ] || { echo 0; return; }
	grep -cF -- "$2" "$1" 2>/dev/null || true
}

# Every case has the common cleanup part.
TC_CLEANUP=kill_leftovers

# ---------------------------------------------------------------------
# Reboots, targets and exit statuses (§3, §7.2, §8.1)

tc reboot_into_next_target "a guest reboot in install restarts into next_target (default) with its argv"
reboot_into_next_target_body()
{
	setup
	config '"targets": {"install": {"emulations": [{"device": "virtio-rnd"}], "next_target": "default"}}'
	export FAKE_BHYVE_STATUS="0 1"
	atf_check -s exit:1 -o empty -e save:err ./run -t install
	runs 2
	"$V" -c vm.json --bhyve "$H/fake-bhyve" -t install -d > expect
	"$V" -c vm.json --bhyve "$H/fake-bhyve" -d >> expect
	argvs | sed "s|^|$H/fake-bhyve |" > actual
	atf_check -o file:expect cat actual
	ev_assert 'main == ["start", "exit", "restart", "start", "exit", "end"]'
	ev_assert '[e["target"] for e in ev("start")] == ["install", "default"]'
	ev_assert '[(e["from"], e["to"], e["reboots"]) for e in ev("restart")] == [("install", "default", 1)]'
	ev_assert '[(e["status"], e["meaning"]) for e in ev("exit")] == [(0, "reboot"), (1, "poweroff")]'
	ev_assert 'ev("end")[0]["exit_status"] == 1 and ev("end")[0]["reason"] == "poweroff"'
	no_leftovers
}

tc status_reboot "exit status 0 (reboot) restarts the same target"
status_reboot_body()
{
	setup
	config
	export FAKE_BHYVE_STATUS="0 0 1"
	atf_check -s exit:1 -o empty -e save:err ./run
	runs 3
	[ "$(argvs | sort -u | wc -l)" = 1 ] || atf_fail "argv changed: $(argvs)"
	ev_assert '[e["reboots"] for e in ev("restart")] == [1, 2]'
	ev_assert '[e["run"] for e in ev("start")] == [1, 2, 3]'
	ev_assert 'all(e["target"] == "default" for e in ev("start"))'
	no_leftovers
}

# stop_status STATUS MEANING: bhyve exits STATUS once; vmrun exits with it.
stop_status()
{
	setup
	config
	export FAKE_BHYVE_STATUS="$1 0"
	atf_check -s "exit:$1" -o empty -e save:err ./run
	runs 1
	ev_assert "main == ['start', 'exit', 'end']"
	ev_assert "ev('exit')[0]['status'] == $1 and ev('exit')[0]['signal'] is None and ev('exit')[0]['meaning'] == '$2'"
	ev_assert "ev('end')[0]['exit_status'] == $1 and ev('end')[0]['reason'] == '$2'"
	no_leftovers
}

tc status_poweroff "exit status 1 (power off) ends vmrun with 1"
status_poweroff_body() { stop_status 1 poweroff; }

tc status_halt "exit status 2 (halt) ends vmrun with 2"
status_halt_body() { stop_status 2 halt; }

tc status_triple_fault "exit status 3 (triple fault) ends vmrun with 3"
status_triple_fault_body() { stop_status 3 triple-fault; }

tc status_error_quoted "exit status 4 ends vmrun with 4, quoting the last lines bhyve printed"
status_error_quoted_body()
{
	setup
	config
	export FAKE_BHYVE_STATUS=4
	export FAKE_BHYVE_STDERR='bhyve: first complaint\nbhyve: vm_setup_memory: Cannot allocate memory'
	atf_check -s exit:4 -o empty -e save:err ./run
	runs 1
	# Passed through as it came, and quoted again in vmrun's message.
	[ "$(count_in err 'bhyve: first complaint')" -ge 2 ] ||
	    atf_fail "first line not passed through and quoted: $(oneline err)"
	[ "$(count_in err 'vm_setup_memory: Cannot allocate memory')" -ge 2 ] ||
	    atf_fail "last line not passed through and quoted: $(oneline err)"
	vmrun_says 'lt'
	ev_assert "[(e['status'], e['meaning']) for e in ev('exit')] == [(4, 'error')]"
	ev_assert "ev('end')[0]['exit_status'] == 4 and ev('end')[0]['reason'] == 'error'"
	no_leftovers
}

tc status_unknown "an exit status outside 0-4 ends vmrun with 4, the real status in message and events"
status_unknown_body()
{
	setup
	config
	export FAKE_BHYVE_STATUS=7
	atf_check -s exit:4 -o empty -e save:err ./run
	runs 1
	vmrun_says '(^|[^0-9])7([^0-9]|$)'
	ev_assert "[(e['status'], e['meaning']) for e in ev('exit')] == [(7, 'unknown')]"
	ev_assert "ev('end')[0]['exit_status'] == 4"
	no_leftovers
}

tc bhyve_error_no_loop "bhyve failing at once with 4 is not restarted"
bhyve_error_no_loop_body()
{
	setup
	config
	export FAKE_BHYVE_STATUS=4
	atf_check -s exit:4 -o empty -e ignore ./run
	runs 1
	no_leftovers
}

# ---------------------------------------------------------------------
# Restart policy (§7.2)

tc no_reboot "--no-reboot: a guest reboot ends vmrun with 0"
no_reboot_body()
{
	setup
	config
	export FAKE_BHYVE_STATUS="0 1"
	atf_check -s exit:0 -o empty -e ignore ./run --no-reboot
	runs 1
	ev_assert "main == ['start', 'exit', 'end']"
	ev_assert "ev('end')[0]['exit_status'] == 0 and ev('end')[0]['reason'] == 'no-reboot'"
	no_leftovers
}

tc reboot_on_config "reboot_on lists the statuses that restart"
reboot_on_config_body()
{
	setup
	config '"reboot_on": [2, 3]'
	export FAKE_BHYVE_STATUS="2 3 0 1"
	atf_check -s exit:0 -o empty -e ignore ./run
	runs 3
	no_leftovers
}

tc reboot_on_option "--reboot-on replaces reboot_on"
reboot_on_option_body()
{
	setup
	config '"reboot_on": [2]'
	export FAKE_BHYVE_STATUS="3 1 2 0"
	atf_check -s exit:2 -o empty -e ignore ./run --reboot-on 1,3
	runs 3
	no_leftovers
}

tc reboot_on_empty "an empty reboot_on or --reboot-on never restarts"
reboot_on_empty_body()
{
	setup
	export FAKE_BHYVE_STATUS="0 1"
	config '"reboot_on": []'
	atf_check -s exit:0 -o empty -e ignore ./run
	runs 1
	reset
	config
	atf_check -s exit:0 -o empty -e ignore ./run --reboot-on ''
	runs 1
	reset
	config '"reboot_on": [0]'
	atf_check -s exit:0 -o empty -e ignore ./run --reboot-on=
	runs 1
	no_leftovers
}

tc max_reboots "max_reboots limits the total restarts"
max_reboots_body()
{
	setup
	config '"max_reboots": 2'
	export FAKE_BHYVE_STATUS=0
	atf_check -s exit:0 -o empty -e ignore ./run
	runs 3
	ev_assert "len(ev('restart')) == 2"
	ev_assert "ev('end')[0]['exit_status'] == 0 and ev('end')[0]['reason'] == 'reboot-limit'"
	no_leftovers
}

tc reboot_count "--reboot-count replaces max_reboots; 0 means no restart"
reboot_count_body()
{
	setup
	config '"max_reboots": 5'
	export FAKE_BHYVE_STATUS=0
	atf_check -s exit:0 -o empty -e ignore ./run --reboot-count 1
	runs 2
	reset
	atf_check -s exit:0 -o empty -e ignore ./run --reboot-count 0
	runs 1
	no_leftovers
}

tc restart_limit "a crash loop beyond restart_limit ends vmrun with 76, naming the limit"
restart_limit_body()
{
	setup
	config '"restart_limit": {"count": 3, "seconds": 60}'
	export FAKE_BHYVE_STATUS=0
	atf_check -s exit:76 -o empty -e save:err ./run
	# Three restarts are allowed; the fourth is refused.
	runs 4
	vmrun_says '(^|[^0-9])3([^0-9]|$)'
	vmrun_says '(^|[^0-9])60([^0-9]|$)'
	ev_assert "len(ev('restart')) == 3"
	ev_assert "ev('end')[0]['exit_status'] == 76 and ev('end')[0]['reason'] == 'restart-limit'"
	no_leftovers
}

tc restart_limit_default "by default more than 10 restarts within 60 s is a crash loop (76)"
restart_limit_default_body()
{
	setup
	config
	export FAKE_BHYVE_STATUS=4
	atf_check -s exit:76 -o empty -e ignore ./run --reboot-on 0,4
	runs 11
	no_leftovers
}

tc restart_limit_window "restarts spread wider than restart_limit.seconds are allowed"
restart_limit_window_body()
{
	setup
	config '"restart_limit": {"count": 2, "seconds": 1}'
	# Restarts about 0.6 s apart: never 3 within 1 s.
	export FAKE_BHYVE_STATUS="0 0 0 0 1" FAKE_BHYVE_RUNTIME=0.6
	atf_check -s exit:1 -o empty -e ignore ./run
	runs 5
	no_leftovers
}

# ---------------------------------------------------------------------
# Stopping and signals (§7.3)

# graceful SIG: SIG to vmrun sends SIGTERM to bhyve, which powers off;
# no restart even though 1 is in --reboot-on.
graceful()
{
	setup
	config
	export FAKE_BHYVE_RUNTIME=forever
	start_bg --reboot-on 0,1
	sig_vmrun "$1"
	finish_bg 1
	runs 1
	[ "$(count_in bhyve.log 'signal TERM')" = 1 ] ||
	    atf_fail "bhyve did not get exactly one SIGTERM: $(oneline bhyve.log)"
	[ "$(count_in bhyvectl.log force-poweroff)" = 0 ] ||
	    atf_fail "forced power-off without need: $(oneline bhyvectl.log)"
	ev_assert "main == ['start', 'stop-requested', 'exit', 'end']"
	ev_assert "ev('stop-requested')[0]['signal'] == 'SIG$1'"
	ev_assert "ev('end')[0]['exit_status'] == 1"
	[ ! -e vmrun.pid ] || atf_fail "vmrun.pid left behind"
	no_leftovers
}

tc stop_term "SIGTERM to vmrun: SIGTERM to bhyve, exit 1, no restart"
stop_term_body() { graceful TERM; }

tc stop_int "SIGINT to vmrun: SIGTERM to bhyve, exit 1, no restart"
stop_int_body() { graceful INT; }

tc stop_hup "SIGHUP to vmrun: SIGTERM to bhyve, exit 1, no restart"
stop_hup_body() { graceful HUP; }

tc stop_escalation "a guest ignoring the power button is forced off after --stop-timeout"
stop_escalation_body()
{
	local t0 t1

	setup
	config
	export FAKE_BHYVE_RUNTIME=forever FAKE_BHYVE_TERM=ignore
	start_bg --stop-timeout 0.5
	t0=$(date +%s)
	sig_vmrun TERM
	finish_bg 1
	t1=$(date +%s)
	[ $((t1 - t0)) -le 5 ] || atf_fail "the stop took $((t1 - t0)) s"
	grep -Eq '^bhyvectl (--force-poweroff --vm=lt|--vm=lt --force-poweroff)$' \
	    bhyvectl.log || atf_fail "no forced power-off: $(oneline bhyvectl.log)"
	atf_check -o inline:"signal TERM\nsignal USR2\n" \
	    grep '^signal' bhyve.log
	runs 1
	ev_assert "main == ['start', 'stop-requested', 'escalate', 'exit', 'end']"
	ev_assert "ev('escalate')[0]['step'] == 'force-poweroff'"
	# Not before the grace period.
	ev_assert "t(ev('escalate')[0]) - t(ev('stop-requested')[0]) >= 0.45"
	no_leftovers
}

tc stop_kill "bhyve still running 10 s after the forced power-off is killed; vmrun exits 1"
stop_kill_body()
{
	setup
	config
	export FAKE_BHYVE_RUNTIME=forever FAKE_BHYVE_TERM=ignore
	export FAKE_BHYVECTL_FAIL=force-poweroff
	start_bg --stop-timeout 0.2
	sig_vmrun TERM
	finish_bg 1
	runs 1
	[ "$(count_in bhyvectl.log force-poweroff)" = 1 ] ||
	    atf_fail "force-poweroff not tried once: $(oneline bhyvectl.log)"
	ev_assert "[e['step'] for e in ev('escalate')][0] == 'force-poweroff' and len(ev('escalate')) == 2"
	ev_assert "ev('exit')[0]['signal'] == 'SIGKILL'"
	# SIGKILL 10 s after the forced power-off (§7.3).
	ev_assert "9.5 <= t(ev('escalate')[1]) - t(ev('escalate')[0]) <= 12"
	ev_assert "ev('end')[0]['exit_status'] == 1"
	no_leftovers
}

tc second_signal "a second signal skips ahead to the forced power-off"
second_signal_body()
{
	setup
	config
	export FAKE_BHYVE_RUNTIME=forever FAKE_BHYVE_TERM=ignore
	start_bg --stop-timeout 60
	sig_vmrun TERM
	wait_for 'grep -q "^signal TERM" bhyve.log'
	sig_vmrun INT
	# Bounded well below the 60 s stop timeout.
	wait_for '! alive $BG' 8
	finish_bg 1
	grep -Eq '^bhyvectl (--force-poweroff --vm=lt|--vm=lt --force-poweroff)$' \
	    bhyvectl.log || atf_fail "no forced power-off: $(oneline bhyvectl.log)"
	ev_assert "main == ['start', 'stop-requested', 'stop-requested', 'escalate', 'exit', 'end'] or main == ['start', 'stop-requested', 'escalate', 'exit', 'end']"
	ev_assert "ev('escalate')[0]['step'] == 'force-poweroff'"
	no_leftovers
}

tc sigusr1_reset "SIGUSR1: bhyvectl --force-reset, and the guest restarts"
sigusr1_reset_body()
{
	local first

	setup
	config
	export FAKE_BHYVE_RUNTIME=forever
	start_bg -p "$PWD/bhyve.pidfile"
	first=$(oneline bhyve.pid)
	sig_vmrun USR1
	wait_for '[ "$(nruns)" -ge 2 ]'
	# The pid file follows the new bhyve.
	wait_for '[ "$(oneline bhyve.pidfile)" = "$(oneline bhyve.pid)" ]'
	[ "$(oneline bhyve.pid)" != "$first" ] || atf_fail "same bhyve pid"
	grep -Eq '^bhyvectl (--force-reset --vm=lt|--vm=lt --force-reset)$' \
	    bhyvectl.log || atf_fail "no forced reset: $(oneline bhyvectl.log)"
	sig_vmrun TERM
	finish_bg 1
	runs 2
	# The reset may be reported as an escalate event (step force-reset).
	ev_assert "[n for n in main if n != 'escalate'] == ['start', 'exit', 'restart', 'start', 'stop-requested', 'exit', 'end']"
	ev_assert "all(e['step'] == 'force-reset' for e in ev('escalate'))"
	ev_assert "ev('exit')[0]['status'] == 0 and ev('exit')[0]['meaning'] == 'reboot'"
	no_leftovers
}

tc stop_bhyve_dies "a bhyve dying from vmrun's own SIGTERM (no ACPI) counts as powered off: 1"
stop_bhyve_dies_body()
{
	setup
	config
	export FAKE_BHYVE_RUNTIME=forever FAKE_BHYVE_TERM=die
	start_bg --reboot-on 0,1
	sig_vmrun TERM
	finish_bg 1
	runs 1
	grep -q '^die TERM' bhyve.log || atf_fail "bhyve did not die: $(oneline bhyve.log)"
	ev_assert "ev('exit')[0]['signal'] == 'SIGTERM' and ev('exit')[0]['status'] is None"
	ev_assert "ev('end')[0]['exit_status'] == 1"
	no_leftovers
}

tc killed_by_signal "bhyve killed by a signal vmrun did not send: exit 128+N, its stderr quoted, no restart"
killed_by_signal_body()
{
	setup
	config
	export FAKE_BHYVE_RUNTIME=forever FAKE_BHYVE_TERM=die
	export FAKE_BHYVE_STDERR='bhyve: about to be killed'
	start_bg --reboot-on 0,1,2,3,4
	kill -TERM "$(oneline bhyve.pid)"
	finish_bg 143
	runs 1
	[ "$(count_in err 'bhyve: about to be killed')" -ge 2 ] ||
	    atf_fail "bhyve's stderr not quoted: $(oneline err)"
	vmrun_says 'SIGTERM|signal 15|TERM'
	ev_assert "ev('exit')[0]['signal'] == 'SIGTERM' and ev('exit')[0]['meaning'] == 'signal'"
	ev_assert "ev('end')[0]['exit_status'] == 143 and ev('end')[0]['reason'] == 'signal'"
	no_leftovers
}

# ---------------------------------------------------------------------
# Programs that cannot run (§7.1 step 5, §8.1)

tc bhyve_missing "bhyve missing or not executable: 69, no restart loop"
bhyve_missing_body()
{
	setup
	config
	export FAKE_BHYVE_STATUS=0
	atf_check -s exit:69 -o empty -e save:err \
	    env BHYVE="$PWD/nonexistent" ./run
	vmrun_says 'nonexistent'
	ev_assert "'start' not in names and 'restart' not in names"
	ev_assert "ev('end')[0]['exit_status'] == 69 and ev('end')[0]['reason'] == 'start-failed'"
	reset
	printf '#!/bin/sh\nexit 0\n' > notexec
	chmod 644 notexec
	atf_check -s exit:69 -o empty -e save:err env BHYVE="$PWD/notexec" ./run
	vmrun_says 'notexec'
	ev_assert "'restart' not in names"
	[ ! -e vmm/lt ] || atf_fail "VM node left behind"
	no_leftovers
}

LOADER='"loader": {"type": "bhyveload", "disk": "/dev/null", "console": "/dev/null"}'

tc loader_missing "a loader that cannot be executed ends vmrun with 69, bhyve never started"
loader_missing_body()
{
	setup
	config "$LOADER"
	atf_check -s exit:69 -o empty -e save:err \
	    env BHYVELOAD="$PWD/nonexistent" ./run
	vmrun_says 'nonexistent'
	runs 0
	no_leftovers
}

tc loader_failing "a loader exiting non-zero ends vmrun with 4, its stderr quoted and logged"
loader_failing_body()
{
	setup
	config "$LOADER"
	export FAKE_BHYVELOAD_STATUS=1
	export FAKE_BHYVELOAD_STDERR='bhyveload: open of disk failed'
	atf_check -s exit:4 -o empty -e save:err ./run --log "$PWD/vmrun.log"
	runs 0
	[ "$(count_in err 'bhyveload: open of disk failed')" -ge 1 ] ||
	    atf_fail "loader's stderr not shown: $(oneline err)"
	grep -qF 'bhyveload: open of disk failed' vmrun.log ||
	    atf_fail "loader's stderr not in --log"
	ev_assert "'start' not in names"
	ev_assert "ev('loader')[0]['status'] == 1"
	ev_assert "ev('end')[0]['exit_status'] == 4 and ev('end')[0]['reason'] == 'loader-failed'"
	no_leftovers
}

tc loader_sequencing "bhyveload runs before every bhyve start, with bhyve's -m and -S"
loader_sequencing_body()
{
	setup
	config "$LOADER"', "wire_guest_mem": true'
	export FAKE_BHYVE_STATUS="0 0 1"
	atf_check -s exit:1 -o empty -e ignore ./run
	runs 3
	atf_check -o inline:"bhyveload\nbhyve\nbhyveload\nbhyve\nbhyveload\nbhyve\n" \
	    awk '$1 != "bhyvectl" { print $1 }' order.log
	[ "$(grep -c -e '-m 256M .*-S\|-S .*-m 256M' bhyveload.log)" = 3 ] ||
	    atf_fail "bhyveload without -m 256M -S: $(oneline bhyveload.log)"
	[ "$(grep -c ' -S .*-m 256M ' bhyve.log)" = 3 ] ||
	    atf_fail "bhyve without -S -m 256M: $(oneline bhyve.log)"
	awk '$1 == "bhyveload" && $NF != "lt" { exit 1 }' bhyveload.log ||
	    atf_fail "bhyveload not given the VM name last"
	ev_assert "[n for n in names if n in ('loader', 'start')] == ['loader', 'start'] * 3"
	ev_assert "all(e['argv'][0] == '$H/fake-bhyveload' and e['argv'][-1] == 'lt' and e['status'] == 0 for e in ev('loader'))"
	no_leftovers
}

tc loader_stop "a stop during the loader ends vmrun with 1 and starts no bhyve"
loader_stop_body()
{
	setup
	config "$LOADER"
	export FAKE_BHYVELOAD_RUNTIME=3
	./run > out 2> err &
	BG=$!
	echo "$BG" >> bg.pids
	wait_for '[ -s bhyveload.pid ] && [ -s vmrun.pid ]'
	VMRUN=$(oneline vmrun.pid)
	echo "$VMRUN" >> vmrun.seen
	sig_vmrun TERM
	finish_bg 1
	runs 0
	no_leftovers
}

# ---------------------------------------------------------------------
# Pid files and the lock (§7.1 step 1 and 6, §8, §11)

tc bhyve_pidfile "-p: bhyve's pid while it runs, removed at the end"
bhyve_pidfile_body()
{
	setup
	config
	export FAKE_BHYVE_RUNTIME=forever
	start_bg -p "$PWD/bhyve.pidfile"
	wait_for '[ -s bhyve.pidfile ]'
	[ "$(oneline bhyve.pidfile)" = "$(oneline bhyve.pid)" ] ||
	    atf_fail "-p has $(oneline bhyve.pidfile), bhyve is $(oneline bhyve.pid)"
	is_locked bhyve.pidfile || atf_fail "bhyve's pid file is not locked"
	sig_vmrun TERM
	finish_bg 1
	[ ! -e bhyve.pidfile ] || atf_fail "bhyve's pid file left behind"
	no_leftovers
}

tc bhyve_pidfile_symlink "-p never follows a symlink at the pid file path"
bhyve_pidfile_symlink_body()
{
	setup
	config
	echo keep > victim
	ln -s "$PWD/victim" bhyve.pidfile
	ln -s "$PWD/created" dangling.pidfile
	atf_check -s ignore -o ignore -e ignore ./run -p "$PWD/bhyve.pidfile"
	atf_check -o inline:"keep\n" cat victim
	reset
	atf_check -s ignore -o ignore -e ignore ./run -p "$PWD/dangling.pidfile"
	[ ! -e created ] || atf_fail "the symlink's target was created"
	no_leftovers
}

tc supervisor_pidfile "-P holds vmrun's pid while it runs and is removed at the end"
supervisor_pidfile_body()
{
	local ppid

	setup
	config
	export FAKE_BHYVE_RUNTIME=forever
	start_bg
	# vmrun is bhyve's parent.
	ppid=$(ps -o ppid= -p "$(oneline bhyve.pid)" | tr -d ' ')
	[ "$VMRUN" = "$ppid" ] ||
	    atf_fail "vmrun.pid says $VMRUN, bhyve's parent is $ppid"
	is_locked vmrun.pid || atf_fail "vmrun.pid is not locked"
	# Events are flushed as they happen.
	ev_assert "names[:1] == ['start']"
	sig_vmrun TERM
	finish_bg 1
	[ ! -e vmrun.pid ] || atf_fail "vmrun.pid left behind"
	no_leftovers
}

tc lock_held "a second vmrun for a supervised VM exits 75 and starts nothing"
lock_held_body()
{
	setup
	config
	export FAKE_BHYVE_RUNTIME=forever
	start_bg
	atf_check -s exit:75 -o empty -e save:err2 \
	    env EVENTS="$PWD/events2.jsonl" ./run -f
	vmrun_says 'lt' err2
	runs 1
	[ ! -s bhyvectl.log ] || atf_fail "bhyvectl run: $(oneline bhyvectl.log)"
	[ -e vmm/lt ] || atf_fail "the running VM was destroyed"
	[ "$(oneline vmrun.pid)" = "$VMRUN" ] ||
	    atf_fail "the lock changed hands: $(oneline vmrun.pid)"
	sig_vmrun TERM
	finish_bg 1
	no_leftovers
}

# ---------------------------------------------------------------------
# Stale state and cleanup (§6, §7.1 step 3 and 8, §11)

tc stale_vm "a stale VM without --force: 75, nothing started or destroyed"
stale_vm_body()
{
	setup
	config
	: > vmm/lt
	atf_check -s exit:75 -o empty -e save:err ./run
	vmrun_says 'lt'
	runs 0
	[ -e vmm/lt ] || atf_fail "the stale VM was destroyed without --force"
	[ ! -s bhyvectl.log ] || atf_fail "bhyvectl run: $(oneline bhyvectl.log)"
	[ ! -e vmrun.pid ] || atf_fail "vmrun.pid left behind"
	no_leftovers
}

tc stale_vm_force "--force destroys a stale VM before starting"
stale_vm_force_body()
{
	setup
	config
	: > vmm/lt
	atf_check -s exit:1 -o empty -e ignore ./run -f
	runs 1
	awk '$1 == "bhyvectl" && / --destroy/ { print "bhyvectl destroy"; next }
	    { print $1 }' order.log | sed -n 1,2p > actual
	atf_check -o inline:"bhyvectl destroy\nbhyve\n" cat actual
	[ ! -e vmm/lt ] || atf_fail "VM node left after exit"
	no_leftovers
}

tc stale_vm_busy "--force refuses (75) while a bhyve named in the -p file is alive"
stale_vm_busy_body()
{
	local busy

	setup
	config
	FAKE_BHYVE_RUNTIME=forever "$H/fake-bhyve" -c 1 lt > /dev/null 2>&1 &
	busy=$!
	echo "$busy" >> bg.pids
	wait_for '[ -e vmm/lt ] && [ "$(nruns)" = 1 ]'
	echo "$busy" > bhyve.pidfile
	atf_check -s exit:75 -o empty -e save:err ./run -f -p "$PWD/bhyve.pidfile"
	runs 1
	[ -e vmm/lt ] || atf_fail "the busy VM was destroyed"
	alive "$busy" || atf_fail "the running bhyve was harmed"
	[ "$(oneline bhyve.pidfile)" = "$busy" ] ||
	    atf_fail "the running bhyve's pid file was changed or removed"
	[ "$(count_in bhyvectl.log destroy)" = 0 ] ||
	    atf_fail "bhyvectl --destroy run on a busy VM"
	kill -TERM "$busy"
	wait "$busy"
	no_leftovers
}

tc destroy_after_exit "the VM is destroyed with bhyvectl after every bhyve exit"
destroy_after_exit_body()
{
	setup
	config
	export FAKE_BHYVE_STATUS="0 1"
	atf_check -s exit:1 -o empty -e ignore ./run
	awk '$1 == "bhyvectl" && / --destroy/ { print "bhyvectl destroy"; next }
	    { print $1 }' order.log > actual
	atf_check -o inline:"bhyve\nbhyvectl destroy\nbhyve\nbhyvectl destroy\n" \
	    cat actual
	grep -Eq -- '^bhyvectl (--destroy --vm=lt|--vm=lt --destroy)$' \
	    bhyvectl.log || atf_fail "unexpected bhyvectl: $(oneline bhyvectl.log)"
	[ ! -e vmm/lt ] || atf_fail "VM node left after exit"
	no_leftovers
}

tc destroy_skipped "no bhyvectl --destroy when the VM node is already gone (-D)"
destroy_skipped_body()
{
	setup
	config '"power_off_destroy_vm": true'
	atf_check -s exit:1 -o empty -e ignore ./run
	[ "$(count_in bhyvectl.log destroy)" = 0 ] ||
	    atf_fail "destroy run on a destroyed VM: $(oneline bhyvectl.log)"
	no_leftovers
}

# mksock PATH: a UNIX socket nobody listens on (a stale one).
mksock()
{
	python3 -c 'import socket, sys
socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$1" ||
	    atf_fail "cannot make a socket at $1"
}

tc console_sockets "stale virtio-console sockets are removed before start and after exit"
console_sockets_body()
{
	setup
	config '"emulations": [{"device": "virtio-console", "ports": ["'"$PWD"'/c1.sock", {"name": "org.x", "path": "'"$PWD"'/c2.sock"}]}]'
	mksock c1.sock
	export FAKE_BHYVE_PROBE="$PWD/c1.sock $PWD/c2.sock"
	atf_check -s exit:1 -o empty -e ignore ./run
	atf_check -o inline:"$PWD/c1.sock absent\n$PWD/c2.sock absent\n" \
	    cat bhyve.probe
	[ ! -e c1.sock ] && [ ! -e c2.sock ] ||
	    atf_fail "console sockets left after exit: $(ls -l)"
	ev_assert "any(e['resource'] == '$PWD/c1.sock' and e['action'] == 'unlink' and e['ok'] for e in ev('cleanup'))"
	no_leftovers
}

tc console_not_socket "a file or symlink at a console port path is never removed"
console_not_socket_body()
{
	setup
	config '"emulations": [{"device": "virtio-console", "ports": ["'"$PWD"'/c1.sock", "'"$PWD"'/c2.sock"]}]'
	echo precious > c1.sock
	mksock real.sock
	ln -s "$PWD/real.sock" c2.sock
	atf_check -s ignore -o ignore -e ignore ./run
	atf_check -o inline:"precious\n" cat c1.sock
	[ -L c2.sock ] || atf_fail "the symlink at a port path was removed"
	[ -S real.sock ] || atf_fail "a socket was removed through a symlink"
	no_leftovers
}

# ---------------------------------------------------------------------
# post_start_script (§7.1 step 6)

tc hook_not_blocking "a long post_start_script never delays supervision; it is terminated at the end"
hook_not_blocking_body()
{
	local t0 t1

	setup
	config '"post_start_script": ["'"$H"'/fake-hook", "one", "two"]'
	export FAKE_HOOK_RUNTIME=forever FAKE_BHYVE_RUNTIME=0.5
	t0=$(date +%s)
	atf_check -s exit:1 -o empty -e ignore ./run
	t1=$(date +%s)
	[ $((t1 - t0)) -le 4 ] || atf_fail "vmrun took $((t1 - t0)) s"
	grep -q "^hook [0-9]* one two\$" hook.log ||
	    atf_fail "hook not run with its arguments: $(oneline hook.log)"
	grep -q '^signal TERM' hook.log || atf_fail "hook not terminated"
	grep -q '^stdin /dev/null$' hook.info ||
	    atf_fail "hook's stdin: $(oneline hook.info)"
	grep -q "^pgid $(oneline hook.pid)\$" hook.info ||
	    atf_fail "hook not in its own process group: $(oneline hook.info)"
	ev_assert "len(ev('hook')) == 1 and ev('hook')[0]['signal'] == 'SIGTERM'"
	ev_assert "main == ['start', 'exit', 'end']"
	no_leftovers
}

tc hook_status "the hook's exit status is reported in a hook event; it runs after every start"
hook_status_body()
{
	setup
	config '"post_start_script": "'"$H"'/fake-hook x"'
	export FAKE_HOOK_STATUS=3 FAKE_BHYVE_RUNTIME=1 FAKE_BHYVE_STATUS="0 1"
	atf_check -s exit:1 -o empty -e ignore ./run
	[ "$(grep -c '^hook [0-9]* x$' hook.log)" = 2 ] ||
	    atf_fail "hook not run once per start: $(oneline hook.log)"
	ev_assert "[(e['status'], e['signal']) for e in ev('hook')] == [(3, None), (3, None)]"
	ev_assert "all(e['pid'] > 0 for e in ev('hook'))"
	no_leftovers
}

tc hook_kill "a hook ignoring SIGTERM is killed 5 s later, with its whole process group"
hook_kill_body()
{
	local t0 t1 child

	setup
	config '"post_start_script": ["'"$H"'/fake-hook"]'
	export FAKE_HOOK_RUNTIME=forever FAKE_HOOK_TERM=ignore FAKE_HOOK_CHILD=1
	export FAKE_BHYVE_RUNTIME=0.5
	t0=$(date +%s)
	atf_check -s exit:1 -o empty -e ignore ./run
	t1=$(date +%s)
	[ $((t1 - t0)) -ge 4 ] && [ $((t1 - t0)) -le 9 ] ||
	    atf_fail "vmrun took $((t1 - t0)) s, expected about 5.5"
	child=$(awk '$1 == "child" { print $2 }' hook.log)
	[ -n "$child" ] || atf_fail "the hook made no child: $(oneline hook.log)"
	ev_assert "len(ev('hook')) == 1 and ev('hook')[0]['signal'] == 'SIGKILL'"
	no_leftovers
}

tc vmrun_killed "vmrun killed with SIGKILL leaves bhyve running; the next vmrun refuses (75)"
vmrun_killed_body()
{
	local bpid

	setup
	config
	export FAKE_BHYVE_RUNTIME=forever
	start_bg -p "$PWD/bhyve.pidfile"
	wait_for '[ -s bhyve.pidfile ]'
	bpid=$(oneline bhyve.pid)
	kill -KILL "$VMRUN"
	wait "$BG"
	sleep 0.3
	alive "$bpid" || atf_fail "bhyve did not survive vmrun"
	atf_check -s exit:75 -o empty -e ignore env EVENTS="$PWD/e2.jsonl" ./run
	atf_check -s exit:75 -o empty -e ignore env EVENTS="$PWD/e3.jsonl" \
	    ./run -f -p "$PWD/bhyve.pidfile"
	alive "$bpid" || atf_fail "the surviving bhyve was harmed"
	[ "$(oneline bhyve.pidfile)" = "$bpid" ] ||
	    atf_fail "the surviving bhyve's pid file was changed or removed"
	[ -e vmm/lt ] || atf_fail "the running VM was destroyed"
	runs 1
	kill -TERM "$bpid"
	wait_for '! alive $bpid'
}

tc stale_lock "a supervisor pid file naming a dead process does not block the start"
stale_lock_body()
{
	setup
	config
	sh -c 'echo $$' > vmrun.pid
	echo 999999999 > bhyve.pidfile
	export FAKE_BHYVE_RUNTIME=forever
	start_bg -p "$PWD/bhyve.pidfile"
	wait_for '[ "$(oneline bhyve.pidfile)" = "$(oneline bhyve.pid)" ]'
	sig_vmrun TERM
	finish_bg 1
	[ ! -e vmrun.pid ] && [ ! -e bhyve.pidfile ] ||
	    atf_fail "pid files left behind"
	no_leftovers
}

tc stop_between_runs "a stop while no bhyve runs (during a restart) ends vmrun with 1"
stop_between_runs_body()
{
	setup
	config "$LOADER"
	# Every run: bhyveload for 1 s, then bhyve reboots at once.
	export FAKE_BHYVELOAD_RUNTIME=1 FAKE_BHYVE_STATUS=0
	./run > out 2> err &
	BG=$!
	echo "$BG" >> bg.pids
	wait_for '[ "$(nruns)" -ge 1 ] && [ "$(count_in bhyveload.log bhyveload)" -ge 2 ]'
	VMRUN=$(oneline vmrun.pid)
	echo "$VMRUN" >> vmrun.seen
	sig_vmrun TERM
	finish_bg 1
	runs 1
	ev_assert "ev('end')[0]['exit_status'] == 1"
	no_leftovers
}

tc hook_missing "a post_start_script that cannot be executed does not stop supervision"
hook_missing_body()
{
	setup
	config '"post_start_script": ["'"$PWD"'/nonexistent-hook"]'
	export FAKE_BHYVE_RUNTIME=0.5 FAKE_BHYVE_STATUS=2
	atf_check -s exit:2 -o empty -e ignore ./run
	runs 1
	no_leftovers
}

tc stderr_flood "bhyve printing much on stderr never stalls; the last 20 lines are quoted"
stderr_flood_body()
{
	setup
	config
	export FAKE_BHYVE_STDERR_LINES=20000 FAKE_BHYVE_STATUS=4
	atf_check -s exit:4 -o empty -e save:err ./run --log "$PWD/vmrun.log"
	runs 1
	[ "$(grep -c '^bhyve: noise line' vmrun.log)" = 20000 ] ||
	    atf_fail "--log has $(grep -c '^bhyve: noise line' vmrun.log) lines"
	[ "$(grep -c 'bhyve: noise line 20000$' err)" = 2 ] ||
	    atf_fail "the last line is not quoted once"
	[ "$(grep -c 'bhyve: noise line 19981$' err)" = 2 ] ||
	    atf_fail "the 20th line from the end is not quoted"
	[ "$(grep -c 'bhyve: noise line 19980$' err)" = 1 ] ||
	    atf_fail "more than 20 lines quoted"
	no_leftovers
}

tc supervisor_pidfile_symlink "a symlink at the -P path is never followed; nothing starts"
supervisor_pidfile_symlink_body()
{
	setup
	config
	echo keep > victim
	ln -s "$PWD/victim" vmrun.pid
	atf_check -s not-exit:0 -o empty -e save:err ./run
	atf_check -o inline:"keep\n" cat victim
	[ -L vmrun.pid ] || atf_fail "the symlink was replaced"
	runs 0
	no_leftovers
}

tc hook_group_after_exit "a hook that exits leaving a child in its process group leaves nothing behind"
hook_group_after_exit_body()
{
	setup
	config '"post_start_script": ["'"$H"'/fake-hook"]'
	export FAKE_HOOK_CHILD=1 FAKE_BHYVE_RUNTIME=1
	atf_check -s exit:1 -o empty -e ignore ./run
	grep -q '^child ' hook.log || atf_fail "the hook made no child"
	ev_assert "[e['status'] for e in ev('hook')] == [0]"
	no_leftovers
}

tc ctrl_c "Ctrl-C (SIGINT to vmrun's process group) without stdio stops the VM gracefully"
ctrl_c_body()
{
	setup
	config
	export FAKE_BHYVE_RUNTIME=forever
	# vmrun leads a new session and process group, SIGINT at default, as
	# under a terminal.
	python3 -c 'import os, signal
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.setsid()
os.execv("./run-direct", ["./run-direct"])' > out 2> err &
	BG=$!
	echo "$BG" >> bg.pids
	wait_for '[ "$(nruns)" -ge 1 ] && [ -s vmrun.pid ]'
	VMRUN=$(oneline vmrun.pid)
	[ "$VMRUN" = "$BG" ] || atf_fail "vmrun is $VMRUN, expected $BG"
	kill -INT -- "-$BG"
	wait_for '! alive $BG' 15
	finish_bg 1
	atf_check -o inline:"signal TERM\n" grep '^signal' bhyve.log
	ev_assert "[e['signal'] for e in ev('stop-requested')] == ['SIGINT']"
	ev_assert "'escalate' not in names"
	no_leftovers
}

# ---------------------------------------------------------------------
# Events, descriptors, process state (§7.1 step 7, §7.4, §11)

tc events_json "--events: one JSON object per line, appended, in order, with the design's fields"
events_json_body()
{
	setup
	config '"targets": {"install": {"next_target": "default"}}'
	echo '{"time":"2026-01-01T00:00:00.000Z","vm":"lt","event":"end","exit_status":0,"reason":"poweroff"}' > events.jsonl
	export FAKE_BHYVE_STATUS="0 1"
	atf_check -s exit:1 -o empty -e ignore ./run -t install
	ev_assert "main == ['end', 'start', 'exit', 'restart', 'start', 'exit', 'end']"
	ev_assert "E[0]['time'].startswith('2026-01-01')"
	pids=$(awk '$1 == "start" { printf "%s, ", $2 }' bhyve.log)
	ev_assert "[e['pid'] for e in ev('start')] == [$pids]"
	ev_assert "[e['run'] for e in ev('start')] == [1, 2] and [e['run'] for e in ev('exit')] == [1, 2]"
	ev_assert "all(e['argv'][0] == '$H/fake-bhyve' and e['argv'][-1] == 'lt' for e in ev('start'))"
	ev_assert "[(e['target'], e['status'], e['signal'], e['meaning']) for e in ev('exit')] == [('install', 0, None, 'reboot'), ('default', 1, None, 'poweroff')]"
	ev_assert "E[-1]['exit_status'] == 1 and E[-1]['reason'] == 'poweroff'"
	ev_assert "sorted(E, key=lambda e: e['time']) == E"
	no_leftovers
}

tc no_fd_leak "bhyve inherits only descriptors 0, 1 and 2"
no_fd_leak_body()
{
	setup
	config
	[ -d /proc/self/fd ] || atf_skip "needs /proc/PID/fd"
	atf_check -s exit:1 -o empty -e ignore ./run --log "$PWD/vmrun.log" \
	    -p "$PWD/bhyve.pidfile"
	atf_check -o inline:"0 1 2\n" cat bhyve.fds
	no_leftovers
}

tc no_fd_leak_inherited "a descriptor vmrun inherited does not reach bhyve either"
no_fd_leak_inherited_body()
{
	setup
	config
	[ -d /proc/self/fd ] || atf_skip "needs /proc/PID/fd"
	atf_check -s exit:1 -o empty -e ignore -x "./run 7>extra.txt"
	atf_check -o inline:"0 1 2\n" cat bhyve.fds
	no_leftovers
}

tc bhyve_signals "bhyve starts with SIGPIPE ignored, other signals at default, none blocked"
bhyve_signals_body()
{
	setup
	config
	[ -r /proc/self/status ] || atf_skip "needs /proc/PID/status"
	atf_check -s exit:1 -o empty -e ignore ./run
	atf_check python3 -c '
import sys
m = dict(l.split() for l in open("bhyve.sigs"))
ign, blk = int(m["SigIgn"], 16), int(m["SigBlk"], 16)
bit = lambda n: 1 << (n - 1)
assert ign & bit(13), "SIGPIPE not ignored"
for n in (1, 2, 3, 10, 12, 15):
    assert not ign & bit(n), "signal %d ignored" % n
assert blk == 0, "signals blocked: %x" % blk
'
	no_leftovers
}

tc bhyve_process_group "without stdio bhyve gets its own process group"
bhyve_process_group_body()
{
	setup
	config
	[ -r /proc/self/stat ] || atf_skip "needs /proc/PID/stat"
	atf_check -s exit:1 -o empty -e ignore ./run
	read -r pid pgid < bhyve.pgid
	[ "$pid" = "$pgid" ] || atf_fail "bhyve $pid is in process group $pgid"
	no_leftovers
}

tc stdio_process_group "with a stdio console bhyve stays in vmrun's process group"
stdio_process_group_body()
{
	local vpgid

	setup
	config '"com1": "stdio"'
	[ -r /proc/self/stat ] || atf_skip "needs /proc/PID/stat"
	export FAKE_BHYVE_RUNTIME=forever
	start_bg
	vpgid=$(ps -o pgid= -p "$VMRUN" | tr -d ' ')
	read -r pid pgid < bhyve.pgid
	[ "$vpgid" = "$pgid" ] ||
	    atf_fail "bhyve in process group $pgid, vmrun in $vpgid"
	sig_vmrun TERM
	finish_bg 1
	no_leftovers
}

tc bhyve_args_after_dashdash "arguments after -- reach bhyve before the VM name"
bhyve_args_after_dashdash_body()
{
	setup
	config
	atf_check -s exit:1 -o empty -e ignore ./run -- -w
	argvs | grep -q ' -w lt$' || atf_fail "argv: $(argvs)"
	no_leftovers
}

# ---------------------------------------------------------------------
# varfile_template and --log (§7.1 step 4 and 7, §8)

tc varfile_template "varfile_template is copied when varfile is missing, before bhyve starts"
varfile_template_body()
{
	setup
	config '"varfile": "'"$PWD"'/vars.fd", "varfile_template": "'"$PWD"'/tmpl.fd"'
	echo TEMPLATE > tmpl.fd
	export FAKE_BHYVE_PROBE="$PWD/vars.fd"
	atf_check -s exit:1 -o empty -e ignore ./run
	atf_check -o inline:"$PWD/vars.fd file\n" cat bhyve.probe
	atf_check -o inline:"TEMPLATE\n" cat vars.fd
	atf_check -o inline:"TEMPLATE\n" cat tmpl.fd
	no_leftovers
}

tc varfile_kept "an existing varfile is never overwritten by the template"
varfile_kept_body()
{
	setup
	config '"varfile": "'"$PWD"'/vars.fd", "varfile_template": "'"$PWD"'/tmpl.fd"'
	echo TEMPLATE > tmpl.fd
	echo MINE > vars.fd
	export FAKE_BHYVE_STATUS="0 1"
	atf_check -s exit:1 -o empty -e ignore ./run
	runs 2
	atf_check -o inline:"MINE\n" cat vars.fd
	no_leftovers
}

tc varfile_template_missing "a varfile_template that cannot be copied: 74, nothing started"
varfile_template_missing_body()
{
	setup
	config '"varfile": "'"$PWD"'/vars.fd", "varfile_template": "'"$PWD"'/nonexistent.fd"'
	atf_check -s exit:74 -o empty -e save:err ./run
	vmrun_says 'nonexistent.fd'
	runs 0
	[ ! -e vars.fd ] || atf_fail "a varfile was made anyway"
	no_leftovers
}

tc log_file "--log receives bhyve's stderr, which also reaches vmrun's stderr"
log_file_body()
{
	setup
	config
	echo "earlier line" > vmrun.log
	export FAKE_BHYVE_STDERR='bhyve: hello from bhyve' FAKE_BHYVE_STATUS=4
	atf_check -s exit:4 -o empty -e save:err ./run --log "$PWD/vmrun.log"
	grep -qF 'bhyve: hello from bhyve' err || atf_fail "not on stderr"
	grep -qF 'bhyve: hello from bhyve' vmrun.log || atf_fail "not in --log"
	# vmrun's own messages go there too (§8).
	grep -q '^vmrun: ' vmrun.log ||
	    atf_fail "vmrun's message not in --log: $(oneline vmrun.log)"
	grep -qx 'earlier line' vmrun.log || atf_fail "--log was not appended to"
	no_leftovers
}

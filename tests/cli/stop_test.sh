#! /usr/bin/env atf-sh
#
# Stopping the supervised VM against the fake programs (vmrun(8) SIGNALS):
# SIGTERM, SIGINT and SIGHUP, escalation to the forced power-off and
# SIGKILL, a second signal, SIGUSR1, stops while no bhyve runs, Ctrl-C,
# and the process groups and signal state bhyve starts with.
#
# Every case runs vmrun through ./run (written by setup, in common.subr);
# every wait is bounded and every case has a cleanup part that kills
# whatever a failed case left running.

# fake_env, wait_for, oneline, tc, atf_init_test_cases, and setup,
# config and the other helpers of the supervisor programs.
. "$(atf_get_srcdir)/common.subr"

# Every case has the common cleanup part.
TC_CLEANUP=kill_leftovers

# ---------------------------------------------------------------------
# Stopping and signals

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
	# SIGKILL 10 s after the forced power-off (vmrun(8) SIGNALS).
	ev_assert "9.5 <= t(ev('escalate')[1]) - t(ev('escalate')[0]) <= 12"
	ev_assert "ev('end')[0]['exit_status'] == 1"
	no_leftovers
}

tc second_signal "a SIGINT while a stop runs skips ahead to the forced power-off"
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

tc repeated_term "a second SIGTERM or SIGHUP (host shutdown: init and daemon(8) each send one) leaves the stop to its timer"
repeated_term_body()
{
	setup
	config
	export FAKE_BHYVE_RUNTIME=forever FAKE_BHYVE_TERM=ignore
	start_bg --stop-timeout 2
	sig_vmrun TERM
	wait_for 'grep -q "^signal TERM" bhyve.log'
	sig_vmrun TERM
	sig_vmrun HUP
	# An escalation would be written right after its stop-requested
	# event, so before the third signal's.
	wait_for '[ "$(count_in events.jsonl stop-requested)" = 3 ]'
	[ "$(count_in events.jsonl escalate)" = 0 ] ||
	    atf_fail "a repeated signal escalated: $(oneline events.jsonl)"
	[ "$(count_in bhyvectl.log force-poweroff)" = 0 ] ||
	    atf_fail "forced power-off on a repeated signal"
	[ "$(count_in bhyve.log 'signal TERM')" = 1 ] ||
	    atf_fail "bhyve's power button pressed again: $(oneline bhyve.log)"
	# The stop timer forces it, from the first signal on.
	finish_bg 1
	ev_assert "[e['signal'] for e in ev('stop-requested')] == ['SIGTERM', 'SIGTERM', 'SIGHUP']"
	ev_assert "[e['step'] for e in ev('escalate')] == ['force-poweroff']"
	ev_assert "t(ev('escalate')[0]) - t(ev('stop-requested')[0]) >= 1.9"
	no_leftovers
}

tc second_sigint "a second SIGINT (Ctrl-C twice) skips ahead to the forced power-off, a third to SIGKILL"
second_sigint_body()
{
	setup
	config
	export FAKE_BHYVE_RUNTIME=forever FAKE_BHYVE_TERM=ignore
	export FAKE_BHYVECTL_FAIL=force-poweroff
	start_bg --stop-timeout 60
	sig_vmrun INT
	wait_for 'grep -q "^signal TERM" bhyve.log'
	sig_vmrun INT
	wait_for '[ "$(count_in bhyvectl.log force-poweroff)" = 1 ]'
	sig_vmrun INT
	# Bounded well below the 60 s stop timeout and the 10 s SIGKILL.
	wait_for '! alive $BG' 8
	finish_bg 1
	ev_assert "[e['step'] for e in ev('escalate')] == ['force-poweroff', 'kill']"
	ev_assert "ev('exit')[0]['signal'] == 'SIGKILL'"
	no_leftovers
}

# The example of libvmrun(3) that supervises a VM, from the page, with
# the fake programs put in its options: ./supervise.
manpage_supervisor()
{
	local src cc san

	src=$(layout source) ||
	    atf_skip "the installed suite has no source (the man page example)"
	cc=${CC:-cc}
	command -v "$cc" > /dev/null || atf_skip "no C compiler ($cc)"
	# The literal display after "Supervise a VM", \e unescaped.
	awk '/^Supervise a VM as/ { on = 1 } on && /^\.Ed/ { exit }
	    on == 2 { print } on && /^\.Bd -literal/ { on = 2 }' \
	    "$src/man/libvmrun.3" | sed 's/\\e/\\/g' > supervise.c
	grep -q 'vmrun_sup_signal' supervise.c ||
	    atf_fail "no supervisor example found in libvmrun.3"
	# Only the options change: the fakes, and no host checks.
	awk '{ print }
	    /vmrun_opts_set_stop_timeout\(op, 30\) != VMRUN_OK \|\|/ {
		print "vmrun_opts_set_program(op, VMRUN_PROG_BHYVE, getenv(\"T_BHYVE\")) ||"
		print "vmrun_opts_set_program(op, VMRUN_PROG_BHYVECTL, getenv(\"T_CTL\")) ||"
		print "vmrun_opts_set_vmm_dir(op, getenv(\"T_VMM\")) ||"
		print "vmrun_opts_set_lockfile(op, getenv(\"T_LOCK\")) ||"
		print "vmrun_opts_set_checks(op, -1) ||"
	    }' supervise.c > supervise-t.c
	grep -q T_BHYVE supervise-t.c || atf_fail "the example's options moved"
	# Built as the library was: with the sanitizers it carries.
	san=$(san_flags "$(layout library)")
	atf_check -o ignore -e ignore "$cc" $san -std=c11 \
	    -D_POSIX_C_SOURCE=200809L -I"$(dirname "$(layout header)")" \
	    -o supervise supervise-t.c "$(layout library)" \
	    -Wl,-rpath,"$(dirname "$(layout library)")"
	export T_BHYVE="$H/fake-bhyve" T_CTL="$H/fake-bhyvectl"
	export T_VMM="$PWD/vmm" T_LOCK="$PWD/vmrun.pid"
}

tc manpage_example_signals "libvmrun(3)'s example handles every signal the library acts on: SIGQUIT stops the VM, none leaves bhyve running"
manpage_example_signals_body()
{
	local sig

	setup
	config
	manpage_supervisor
	export FAKE_BHYVE_RUNTIME=forever
	for sig in QUIT USR2 ALRM; do
		reset
		timeout -k 5 30 ./supervise vm.json > ex.out 2> ex.err &
		BG=$!
		echo "$BG" >> bg.pids
		wait_for '[ "$(nruns)" -ge 1 ] || ! alive $BG'
		alive "$BG" || atf_fail "the example ended early: $(oneline ex.err)"
		wait_for '[ -s vmrun.pid ]'
		# The example itself, not timeout(1), which handles some.
		VMRUN=$(oneline vmrun.pid)
		sig_vmrun "$sig"
		finish_bg 1
		grep -q '"event":"stop-requested","signal":"SIG'"$sig"'"' ex.out ||
		    atf_fail "SIG$sig was no stop request: $(oneline ex.out)"
		[ "$(count_in bhyve.log 'signal TERM')" = 1 ] ||
		    atf_fail "bhyve not stopped on SIG$sig: $(oneline bhyve.log)"
		no_leftovers
	done
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
# A stop while no bhyve runs (One run, SIGNALS)

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

# ---------------------------------------------------------------------
# Process groups and signal state (SIGNALS, One run)

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

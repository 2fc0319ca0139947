#! /usr/bin/env atf-sh
#
# The supervisor's loop against the fake programs: what vmrun inherits
# from its parent (SIGCHLD ignored, signals blocked or ignored), what it
# keeps serving while bhyvectl runs, and what it may signal when the VM
# ends (the hook's process group, never a group that took its id).
#
# Every case runs vmrun through ./run (written by setup, in common.subr);
# every wait is bounded and every case has a cleanup part.

. "$(atf_get_srcdir)/common.subr"

TC_CLEANUP=kill_leftovers

# wrap ARGS: run vmrun under with-signals ARGS (inside timeout(1), which
# would otherwise give vmrun its own dispositions).
wrap()
{
	VMRUN_WRAP="$H/with-signals $* --"
	export VMRUN_WRAP
}

tc sigchld_ignored "started with SIGCHLD ignored, a power-off is still a power-off, not a reboot"
sigchld_ignored_body()
{
	setup
	config
	wrap -i CHLD
	export FAKE_BHYVE_STATUS=1
	atf_check -s exit:1 -o empty -e ignore ./run
	runs 1
	ev_assert "[e['status'] for e in ev('exit')] == [1]"
	ev_assert "ev('exit')[0]['meaning'] == 'poweroff'"
	ev_assert "ev('end')[0]['reason'] == 'poweroff'"
	no_leftovers
}

tc stdin_untouched "vmrun never reads its standard input: what is typed to it is not taken, nor copied to its stderr"
stdin_untouched_body()
{
	setup
	config
	export FAKE_BHYVE_STATUS=1
	printf 'typed-by-the-user\n' > typed
	atf_check -s exit:1 -o empty -e not-match:typed-by-the-user \
	    ./run < typed
	runs 1
}

tc signals_blocked "started with its stop signals blocked, vmrun still stops the VM on SIGTERM"
signals_blocked_body()
{
	setup
	config
	wrap -b TERM,INT,HUP,USR1,CHLD
	export FAKE_BHYVE_RUNTIME=forever RUN_TIMEOUT=15
	start_bg
	sig_vmrun TERM
	finish_bg 1
	runs 1
	[ "$(count_in bhyve.log 'signal TERM')" = 1 ] ||
	    atf_fail "bhyve did not get the power button: $(oneline bhyve.log)"
	ev_assert "main == ['start', 'stop-requested', 'exit', 'end']"
	no_leftovers
}

tc child_signals "bhyve starts with every signal at its default but SIGPIPE, whatever vmrun inherited"
child_signals_body()
{
	setup
	config
	[ -r /proc/self/status ] || atf_skip "needs /proc/PID/status"
	wrap -i TSTP,TTIN,TTOU,XFSZ,USR2,TERM -b QUIT,XCPU,TERM
	atf_check -s exit:1 -o empty -e ignore ./run
	# The C library keeps a few real-time signals for itself (glibc
	# 32 and 33): no program can reset those, so they are not asked.
	atf_check python3 -c '
import signal
m = dict(l.split() for l in open("bhyve.sigs"))
ign, blk = int(m["SigIgn"], 16), int(m["SigBlk"], 16)
ours = list(range(1, 32)) + list(range(signal.SIGRTMIN, signal.SIGRTMAX + 1))
bad = [n for n in ours if ign & (1 << (n - 1)) and n != signal.SIGPIPE]
assert ign & (1 << (signal.SIGPIPE - 1)), "SIGPIPE not ignored"
assert not bad, "ignored: %s" % bad
assert blk == 0, "blocked: %x" % blk
'
	no_leftovers
}

tc served_during_bhyvectl "while bhyvectl runs, a stop request still reaches bhyve at once"
served_during_bhyvectl_body()
{
	setup
	config
	export FAKE_BHYVE_RUNTIME=forever FAKE_BHYVECTL_HOLD=$PWD/release
	start_bg
	sig_vmrun USR1
	wait_for 'grep -q "^held --force-reset" bhyvectl.log 2>/dev/null'
	sig_vmrun TERM
	# bhyvectl is still held: the loop did not wait for it.
	wait_for 'grep -q "^signal TERM" bhyve.log' 5
	[ "$(count_in bhyvectl.log released)" = 0 ] ||
	    atf_fail "bhyvectl was released early: $(oneline bhyvectl.log)"
	ev_assert "'stop-requested' in names"
	: > release
	finish_bg 1
	ev_assert "[e['step'] for e in ev('escalate')] == ['force-reset']"
	ev_assert "ev('end')[0]['reason'] == 'stopped'"
	no_leftovers
}

# In a pid namespace of its own the test can ask for a given pid: a
# bystander takes the hook's pid, and with it the hook's process group
# id, as soon as that pid is free again.  The pids the fakes record are
# the namespace's, so the cleanup part ends the namespace instead: its
# first process dies with unshare(1), and everything in it with that.
ns_cleanup()
{
	local p

	p=$(cat ns.pid 2>/dev/null) || return 0
	tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -q unshare &&
	    kill "$p" 2>/dev/null
	return 0
}

TC_CLEANUP=ns_cleanup
tc hook_group_id_held "the hook's group id cannot pass to another process group before the VM ends"
hook_group_id_held_body()
{
	[ "$(id -u)" = 0 ] || atf_skip "needs root for a pid namespace"
	setup
	config '"post_start_script": ["'"$H"'/fake-hook"]'
	export FAKE_BHYVE_RUNTIME=forever
	cat > ns.sh <<'EOF'
./run > out 2> err &
vm=$!
n=100
until grep -q '"event":"hook"' events.jsonl 2>/dev/null; do
	n=$((n - 1))
	[ "$n" -gt 0 ] || { echo "no hook event" > ns.err; exit 1; }
	sleep 0.1
done
hook=$(cat hook.pid)
# The bystander: a session and group of its own, logging SIGTERM.
try=0
while [ "$try" -lt 20 ]; do
	echo $((hook - 1)) > /proc/sys/kernel/ns_last_pid
	setsid sh -c 'trap "echo TERM >> bystander.log; exit 0" TERM
	    while :; do sleep 0.1; done' < /dev/null > /dev/null 2>&1 &
	by=$!
	[ "$by" = "$hook" ] && break
	# Not the one: no trap of its may run and log a TERM.
	kill -KILL "$by"
	try=$((try + 1))
done
sleep 0.3
echo "hook $hook bystander $by" > ns.out
sed 's/.*) \(.\) \([0-9]*\).*/\1 \2/' "/proc/$hook/stat" >> ns.out \
    2>/dev/null
kill -TERM "$vm"
wait "$vm"
echo "vmrun $?" >> ns.out
sleep 0.3
kill "$by" 2>/dev/null
wait
EOF
	timeout -k 5 40 unshare -pf --kill-child --mount-proc sh ns.sh \
	    > ns.stdout 2> ns.stderr &
	echo $! > ns.pid
	wait $! || atf_fail "the namespace: exit $?: $(oneline ns.stderr)"
	[ ! -e ns.err ] || atf_fail "$(cat ns.err)"
	grep -q '^vmrun 1$' ns.out || atf_fail "vmrun: $(oneline ns.out)"
	[ ! -e bystander.log ] ||
	    atf_fail "vmrun signalled another process group: $(oneline ns.out)"
	# The mechanism: until the end the hook is vmrun's unreaped zombie.
	grep -q '^Z ' ns.out ||
	    atf_fail "the hook's pid was not held: $(oneline ns.out)"
	ev_assert "len(ev('hook')) == 1 and ev('hook')[0]['status'] == 0"
}

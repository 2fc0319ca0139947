#! /usr/bin/env atf-sh
#
# examples/manager, the model for VM managers in libvmrun(3): every VM
# of a directory supervised in one process with one poll(2) loop, their
# events printed as JSON lines, all stopped gracefully on SIGTERM.
# Against the fake programs; every wait is bounded and every case has a
# cleanup part.

. "$(atf_get_srcdir)/common.subr"

TC_CLEANUP=kill_leftovers

# vms NAME...: a configuration per VM in ./vms, and a file that is not
# one (the manager takes *.json only).
vms()
{
	local n

	mkdir -p vms
	for n in "$@"; do
		printf '{"name": "%s", "cpu": 1, "mem": "256M"}\n' "$n" \
		    > "vms/$n.json"
	done
	echo 'not a configuration' > vms/README
}

# manager_bg: the manager started in the background on ./vms, its
# events in out.jsonl.  Its bhyve is the fake, with the state of VM NAME
# in ./NAME.d, so that fakes starting side by side keep theirs apart;
# ./bhyve.log has the start of each (for kill_leftovers, no_leftovers).
manager_bg()
{
	local m

	m=$(layout manager)
	[ -x "$m" ] || atf_fail "$m is not built"
	cat > bhyve <<-END
	#!/bin/sh
	for a; do n=\$a; done
	mkdir -p "$PWD/\$n.d"
	echo "start \$\$" >> "$PWD/bhyve.log"
	FAKE_DIR="$PWD/\$n.d" exec "$H/fake-bhyve" "\$@"
	END
	chmod +x bhyve
	timeout -k 5 60 "$m" -n -b "$PWD/bhyve" -c "$H/fake-bhyvectl" \
	    -l "$H/fake-bhyveload" -r "$PWD" -v "$PWD/vmm" vms \
	    > out.jsonl 2> err &
	BG=$!
	echo "$BG" >> bg.pids
}

tc stop_all "SIGTERM stops every VM of the directory gracefully; the manager exits once the last has ended"
stop_all_body()
{
	local m n

	fake_env
	vms ma mb mc
	export FAKE_BHYVE_RUNTIME=forever
	manager_bg
	# Each fake bhyve has set its traps once it logs its start.
	wait_for '[ "$(cat ./*.d/bhyve.log 2>/dev/null | grep -c "^start")" = 3 ] ||
	    ! alive $BG'
	alive "$BG" || atf_fail "the manager ended early: $(oneline err)"
	[ "$(grep -c '"event":"start"' out.jsonl)" = 3 ] ||
	    atf_fail "not 3 start events: $(oneline out.jsonl)"
	# To the manager itself: timeout(1) would pass it on to its whole
	# process group, and the second would be a second request.
	m=$(pgrep -P "$BG") || atf_fail "no manager under timeout $BG"
	kill -TERM "$m"
	finish_bg 1
	# Every VM: started, asked to stop, powered off (1), ended with 1.
	atf_check -o inline:'ma start stop-requested exit end 1\nmb start stop-requested exit end 1\nmc start stop-requested exit end 1\n' \
	    python3 -c '
import json
vms = {}
for l in open("out.jsonl"):
    e = json.loads(l)
    if e["event"] in ("start", "stop-requested", "exit", "end"):
        vms.setdefault(e["vm"], []).append(e)
for n in sorted(vms):
    print(n, " ".join(e["event"] for e in vms[n]), vms[n][-1]["exit_status"])
'
	for n in ma mb mc; do
		grep -q "^signal TERM" "$n.d/bhyve.log" ||
		    atf_fail "$n: no SIGTERM: $(oneline "$n.d/bhyve.log")"
	done
	no_leftovers
	for n in ma mb mc; do
		[ ! -e "$n.sock" ] && [ ! -e "$n.lock" ] ||
		    atf_fail "$n: its socket or lock was left behind"
	done
}

tc reboots "a VM reboots and ends on its own; the manager then exits with its status"
reboots_body()
{
	fake_env
	vms ra
	export FAKE_BHYVE_STATUS="0 0 1" FAKE_BHYVE_RUNTIME=0.1
	manager_bg
	finish_bg 1
	atf_check -o inline:'start exit restart start exit restart start exit end\n' \
	    python3 -c '
import json
ev = [json.loads(l) for l in open("out.jsonl")]
assert all(e["vm"] == "ra" for e in ev), ev
print(" ".join(e["event"] for e in ev if e["event"] in
    ("start", "exit", "restart", "end")))
'
	no_leftovers
}

tc bad_config "a configuration that does not load is reported; the others run"
bad_config_body()
{
	fake_env
	vms good
	echo '{"name": "bad", "cpu": 0}' > vms/bad.json
	export FAKE_BHYVE_STATUS=1 FAKE_BHYVE_RUNTIME=0.1
	manager_bg
	finish_bg 65
	grep -q 'vms/bad.json' err || atf_fail "not reported: $(oneline err)"
	atf_check -o inline:'good 1\n' python3 -c '
import json
for l in open("out.jsonl"):
    e = json.loads(l)
    if e["event"] == "end":
        print(e["vm"], e["exit_status"])
'
	no_leftovers
}

tc many_descriptors "a manager holding hundreds of descriptors starts each bhyve with 0-2 only and a small table, its stderr through the pipe, its signals at default"
many_descriptors_body()
{
	local m nfd

	fake_env
	[ -r /proc/self/status ] || atf_skip "needs /proc/PID/status"
	# 40 VMs, 8 descriptors each in the manager: more than 256.
	vms $(seq -f 'm%02g' 0 39)
	export FAKE_BHYVE_RUNTIME=forever
	export FAKE_BHYVE_STDERR='bhyve: through the pipe\n'
	manager_bg
	wait_for '[ "$(cat ./*.d/bhyve.log 2>/dev/null | grep -c "^start")" = 40 ] ||
	    ! alive $BG' 60
	alive "$BG" || atf_fail "the manager ended early: $(oneline err)"
	m=$(pgrep -P "$BG") || atf_fail "no manager under timeout $BG"
	nfd=$(ls "/proc/$m/fd" | wc -l)
	[ "$nfd" -gt 256 ] || atf_fail "the manager holds only $nfd descriptors"
	kill -TERM "$m"
	finish_bg 1
	# A table copied from the manager's would have room for all of its
	# descriptors (512 entries here); a child is never handed more than
	# 256, and the last VM, started when the manager held the most, a
	# table of its own (64, the least there is).  Signals: the C
	# library keeps a few real-time ones (glibc 32 and 33), not asked.
	atf_check python3 -c '
import glob, signal
ours = list(range(1, 32)) + list(range(signal.SIGRTMIN, signal.SIGRTMAX + 1))
ds = sorted(glob.glob("*.d"))
assert len(ds) == 40, ds
for d in ds:
    fds = open(d + "/bhyve.fds").read().split()
    assert fds == ["0", "1", "2"], (d, fds)
    size = int(open(d + "/bhyve.fdsize").read())
    assert size <= 256, (d, size)
    m = dict(l.split() for l in open(d + "/bhyve.sigs"))
    ign, blk = int(m["SigIgn"], 16), int(m["SigBlk"], 16)
    bad = [n for n in ours if ign & (1 << (n - 1)) and n != signal.SIGPIPE]
    assert ign & (1 << (signal.SIGPIPE - 1)) and not bad and blk == 0, \
        (d, m)
    pid, pgid = open(d + "/bhyve.pgid").read().split()
    assert pid == pgid, (d, pid, pgid)
assert int(open("m39.d/bhyve.fdsize").read()) == 64
'
	[ "$(grep -c '^bhyve: through the pipe$' err)" = 40 ] ||
	    atf_fail "not every bhyve's stderr came through: $(oneline err)"
	no_leftovers
}

tc many_cannot_exec "a manager holding hundreds of descriptors reports a bhyve that cannot be executed, and reaps it"
many_cannot_exec_body()
{
	local m

	fake_env
	vms $(seq -f 'x%02g' 0 39)
	m=$(layout manager)
	timeout -k 5 60 "$m" -n -b "$PWD/no-such-bhyve" -c "$H/fake-bhyvectl" \
	    -l "$H/fake-bhyveload" -r "$PWD" -v "$PWD/vmm" vms \
	    > out.jsonl 2> err &
	BG=$!
	echo "$BG" >> bg.pids
	finish_bg 69
	[ "$(grep -c 'cannot execute .*no-such-bhyve' err)" = 40 ] ||
	    atf_fail "not reported for every VM: $(oneline err)"
	[ "$(grep -c '"event":"end"' out.jsonl)" = 40 ] ||
	    atf_fail "not 40 end events: $(oneline out.jsonl)"
}

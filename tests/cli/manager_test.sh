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

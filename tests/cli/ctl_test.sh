#! /usr/bin/env atf-sh
#
# The control socket and vmrun ctl against the fake programs (vmrun(8)
# CONTROL): every request, every error, and clients that are careless or
# hostile -- bad JSON, an over-long line, a client hanging up mid-line,
# more clients than are served, a subscriber that never reads.
#
# Every case runs vmrun through ./run (written by setup, in common.subr),
# whose control socket is ./lt.sock (beside the lock, ./vmrun.pid).

. "$(atf_get_srcdir)/common.subr"

TC_CLEANUP=kill_leftovers

# ctl ARGS: vmrun ctl on this case's socket.
ctl()
{
	"$V" ctl "$@"
}

# raw ARGS: the byte-level client.
raw()
{
	"$H/ctl-raw" "$PWD/lt.sock" "$@"
}

# running: a VM that runs until stopped, and vmrun serving its socket.
running()
{
	setup
	config "${1:-}"
	export FAKE_BHYVE_RUNTIME=forever
	start_bg ${2:-}
	wait_for '[ -S lt.sock ]'
}

tc status "status: the VM, its state, target, run, bhyve's pid; as text and as JSON"
status_body()
{
	running '"targets": {"install": {}}'
	atf_check -o save:status.json "$V" ctl --json "$PWD/lt.sock" status
	atf_check python3 -c '
import json
a = json.load(open("status.json"))
pid = int(open("bhyve.pid").read())
assert a["version"] == 1 and a["ok"] is True and a["request"] == "status", a
assert a["vm"] == "lt" and a["state"] == "running", a
assert a["target"] == "default" and a["run"] == 1 and a["pid"] == pid, a
assert a["reboots"] == 0 and a["last_exit"] is None, a
assert a["next_target"] == "default" and a["console"] is None, a
assert a["control"].endswith("/lt.sock") and a["started"].endswith("Z"), a
'
	atf_check -o match:'^state +running$' -o match:'^vm +lt$' \
	    "$V" status "$PWD/lt.sock"
	[ "$(stat -c %a lt.sock)" = 600 ] ||
	    atf_fail "socket mode $(stat -c %a lt.sock)"
	sig_vmrun TERM
	finish_bg 1
	[ ! -e lt.sock ] || atf_fail "the socket was left behind"
}

tc stop "stop: the power button, as SIGTERM; vmrun ends with 1"
stop_body()
{
	running
	atf_check -o inline:'ok\n' "$V" ctl "$PWD/lt.sock" stop
	finish_bg 1
	[ "$(count_in bhyve.log 'signal TERM')" = 1 ] ||
	    atf_fail "bhyve not sent SIGTERM: $(oneline bhyve.log)"
	ev_assert "main == ['start', 'stop-requested', 'exit', 'end']"
	ev_assert "ev('stop-requested')[0]['signal'] is None"
	no_leftovers
}

tc stop_force "stop force: the forced power-off at once"
stop_force_body()
{
	export FAKE_BHYVE_TERM=ignore
	running
	atf_check -o ignore "$V" ctl "$PWD/lt.sock" stop force
	finish_bg 1
	[ "$(count_in bhyve.log 'signal TERM')" = 0 ] ||
	    atf_fail "SIGTERM sent before forcing: $(oneline bhyve.log)"
	grep -q -- '--force-poweroff' bhyvectl.log ||
	    atf_fail "no forced power-off: $(oneline bhyvectl.log)"
	ev_assert "[e['step'] for e in ev('escalate')] == ['force-poweroff']"
	no_leftovers
}

tc reset_poweroff "reset restarts the guest; poweroff powers it off, and the policy applies"
reset_poweroff_body()
{
	running
	atf_check -o inline:'ok\n' "$V" ctl "$PWD/lt.sock" reset
	wait_for '[ "$(nruns)" = 2 ]'
	atf_check -o inline:'ok\n' "$V" ctl "$PWD/lt.sock" poweroff
	finish_bg 1
	ev_assert "[e['step'] for e in ev('escalate')] == ['force-reset', 'force-poweroff']"
	# As SIGUSR1's: an escalate step before the exit, no stop asked for.
	ev_assert "main == ['start', 'escalate', 'exit', 'restart', 'start', 'escalate', 'exit', 'end']"
	ev_assert "[e['status'] for e in ev('exit')] == [0, 1]"
	ev_assert "ev('end')[0]['reason'] == 'poweroff'"
}

tc next_target "next-target: the next reboot goes there, once; unknown targets are refused"
next_target_body()
{
	running '"targets": {"install": {"next_target": "default"}}'
	atf_check -s exit:65 -o match:'^error: unknown-target: ' \
	    "$V" ctl "$PWD/lt.sock" next-target nope
	atf_check -o inline:'ok: next target install\n' \
	    "$V" ctl "$PWD/lt.sock" next-target install
	atf_check -o inline:'ok: next target default\n' \
	    "$V" ctl "$PWD/lt.sock" next-target
	atf_check -o ignore "$V" ctl "$PWD/lt.sock" next-target install
	atf_check -o ignore "$V" ctl "$PWD/lt.sock" reset
	wait_for '[ "$(nruns)" = 2 ]'
	wait_for '"$V" status "$PWD/lt.sock" | grep -q "^target *install$"'
	atf_check -o ignore "$V" ctl "$PWD/lt.sock" reset
	wait_for '[ "$(nruns)" = 3 ]'
	sig_vmrun TERM
	finish_bg 1
	ev_assert "[(e['from'], e['to']) for e in ev('restart')] == [('default', 'install'), ('install', 'default')]"
}

tc restart "restart [T]: stop gracefully and start again, into T"
restart_body()
{
	running '"targets": {"install": {}}' "--no-reboot"
	atf_check -o inline:'ok\n' "$V" ctl "$PWD/lt.sock" restart install
	wait_for '[ "$(nruns)" = 2 ]'
	[ "$(count_in bhyve.log 'signal TERM')" = 1 ] ||
	    atf_fail "no graceful stop first: $(oneline bhyve.log)"
	atf_check -o inline:'ok\n' "$V" ctl "$PWD/lt.sock" restart
	wait_for '[ "$(nruns)" = 3 ]'
	atf_check -o ignore "$V" ctl "$PWD/lt.sock" stop
	finish_bg 1
	ev_assert "[e['to'] for e in ev('restart')] == ['install', 'install']"
	ev_assert "ev('end')[0]['reason'] == 'stopped'"
	# Each power-off was asked for: the events say so before the exit.
	ev_assert "main == ['start', 'stop-requested', 'exit', 'restart'] * 2 + ['start', 'stop-requested', 'exit', 'end']"
	ev_assert "[e['signal'] for e in ev('stop-requested')] == [None] * 3"
}

tc stopping "reset, poweroff and restart are refused once a stop is under way"
stopping_body()
{
	export FAKE_BHYVE_TERM=ignore
	running
	atf_check -o ignore "$V" ctl "$PWD/lt.sock" stop
	atf_check -s exit:69 -o match:'^error: stopping: ' \
	    "$V" ctl "$PWD/lt.sock" reset
	atf_check -s exit:69 -o match:'^error: stopping: ' \
	    "$V" ctl "$PWD/lt.sock" restart
	atf_check -o match:'^state +stopping$' "$V" status "$PWD/lt.sock"
	atf_check -o ignore "$V" ctl "$PWD/lt.sock" stop force
	finish_bg 1
}

tc subscribe "subscribe: the events as --events writes them, until vmrun ends"
subscribe_body()
{
	running
	"$V" ctl --json "$PWD/lt.sock" subscribe > sub.out &
	sub=$!
	wait_for 'grep -q "\"request\":\"subscribe\"" sub.out'
	atf_check -o ignore "$V" ctl "$PWD/lt.sock" reset
	wait_for '[ "$(nruns)" = 2 ]'
	sig_vmrun TERM
	finish_bg 1
	wait "$sub" || atf_fail "ctl subscribe exited $?"
	# From the subscription on: all but the first start.
	tail -n +2 sub.out > sub.events
	tail -n +2 events.jsonl > later.events
	cmp -s sub.events later.events ||
	    atf_fail "subscribed events differ: $(oneline sub.events)"
}

tc bad_requests "bad JSON, unknown requests and members get an error answer naming the request; the connection goes on"
bad_requests_body()
{
	running
	raw send 'garbage\n{"request":"x"}\n[1]\n{"request":"stop","force":1}\n{"request":"status","x":1}\n{"version":2,"request":"status"}\n{"request":"next-target"}\n"status"\n42\nnull\ntrue\n{"request":7}\n{"request":"status"}\n' > out.raw
	atf_check -o inline:'bad-json -\nunknown-request x\nbad-request -\nbad-request stop\nbad-request status\nbad-version status\nbad-request next-target\nbad-request -\nbad-request -\nbad-request -\nbad-request -\nbad-request -\nok status\n' \
	    python3 -c '
import json
for l in open("out.raw"):
    a = json.loads(l)
    assert a["version"] == 1 and list(a)[:2] == ["version", "ok"], a
    assert a["ok"] or list(a)[-2:] == ["error", "message"], a
    print("ok" if a["ok"] else a["error"], a.get("request", "-"))
'
	atf_check -o match:'^state +running$' "$V" status "$PWD/lt.sock"
	sig_vmrun TERM
	finish_bg 1
}

tc hostile_clients "an over-long line, a client gone mid-line, 100 clients, one that never reads"
hostile_clients_body()
{
	running
	atf_check -o match:'"error":"line-too-long"' -o match:'^closed$' \
	    "$H/ctl-raw" "$PWD/lt.sock" flood 10000
	atf_check -o inline:'done\n' "$H/ctl-raw" "$PWD/lt.sock" half
	raw many 100 > many.out
	[ "$(grep -c '^ok$' many.out)" -ge 1 ] &&
	    [ "$(grep -vc -e '^ok$' -e '^too-many-clients$' many.out)" = 0 ] ||
	    atf_fail "100 clients: $(sort many.out | uniq -c | tr '\n' ' ')"
	atf_check -o match:'^state +running$' "$V" status "$PWD/lt.sock"
	atf_check -o ignore "$V" ctl "$PWD/lt.sock" stop
	finish_bg 1
	[ ! -e lt.sock ] || atf_fail "the socket was left behind"
}

tc silent_subscriber "a subscriber that never reads is dropped; the VM goes on rebooting"
silent_subscriber_body()
{
	local devs st

	setup
	# 200 devices: every start event is long, and 60 reboots make
	# more than a silent subscriber may leave unread.
	devs=$(python3 -c 'print(", ".join(["{\"device\": \"virtio-rnd\"}"] * 200))')
	config '"emulations": ['"$devs"'], "restart_limit": {"count": 1000, "seconds": 1}'
	st=$(python3 -c 'print(" ".join(["0"] * 60 + ["1"]))')
	export FAKE_BHYVE_STATUS="$st" FAKE_BHYVE_RUNTIME=0.2 RUN_TIMEOUT=60
	start_bg
	wait_for '[ -S lt.sock ]'
	raw mute 60 > mute.out &
	mute=$!
	finish_bg 1
	runs 61
	kill "$mute" 2>/dev/null
	wait "$mute" 2>/dev/null
	ev_assert "len(ev('restart')) == 60"
}

tc socket_path "the socket: refused over a file, a live socket is kept, a stale one replaced; --control '' for none"
socket_path_body()
{
	setup
	config
	echo precious > lt.sock
	atf_check -s exit:69 -o empty -e match:'lt.sock exists and is not a socket' ./run
	[ "$(cat lt.sock)" = precious ] || atf_fail "lt.sock was changed"
	rm lt.sock
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])' lt.sock
	atf_check -s exit:1 -o empty -e ignore ./run
	[ ! -e lt.sock ] || atf_fail "the stale socket was not replaced"
	atf_check -s exit:1 -o empty -e ignore ./run --control ''
	[ ! -e lt.sock ] || atf_fail "a socket was made with --control ''"
	atf_check -s exit:1 -o empty -e ignore ./run --control "$PWD/other.sock"
	[ "$(nruns)" = 3 ] || atf_fail "runs: $(nruns)"
}

tc control_group "--control-group: mode 0660, that group; an unknown group is refused"
control_group_body()
{
	local g

	g=$(id -gn)
	running "" "--control-group $g"
	[ "$(stat -c '%a %G' lt.sock)" = "660 $g" ] ||
	    atf_fail "socket: $(stat -c '%a %G' lt.sock)"
	sig_vmrun TERM
	finish_bg 1
	atf_check -s exit:69 -o empty -e match:'no group named no-such-group' \
	    ./run --control-group no-such-group
}

tc ctl_errors "vmrun ctl: usage errors (64), no vmrun at the socket (69)"
ctl_errors_body()
{
	setup
	atf_check -s exit:64 -o empty -e match:'usage: vmrun ctl' "$V" ctl
	atf_check -s exit:64 -o empty -e match:'no request frob' \
	    "$V" ctl lt frob
	atf_check -s exit:64 -o empty -e match:'status takes no argument' \
	    "$V" ctl lt status x
	atf_check -s exit:64 -o empty -e match:'stop takes only "force"' \
	    "$V" ctl lt stop now
	atf_check -s exit:64 -o empty -e match:'usage: vmrun status' \
	    "$V" status
	atf_check -s exit:69 -o empty -e match:"cannot reach vmrun at $PWD/none.sock" \
	    "$V" ctl "$PWD/none.sock" status
}

tc list "vmrun list: every supervisor of a directory, a stale socket and a silent one reported and kept"
list_body()
{
	running '"targets": {"install": {}}' "-t install"
	printf '{"name": "two", "cpu": 1, "mem": "256M"}\n' > two.json
	timeout -k 5 30 "$V" -c two.json --bhyve "$H/fake-bhyve" \
	    --bhyvectl "$H/fake-bhyvectl" --vmm-dir "$PWD/vmm" \
	    -P "$PWD/two.pid" --no-requirement-check > two.out 2>&1 &
	echo $! >> bg.pids
	wait_for '[ -S two.sock ]'
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])' old.sock
	# Listens, never answers: costs the one deadline, not a hang.
	timeout 30 python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(4)
open("mute.ready", "w").close()
time.sleep(30)' mute.sock &
	echo $! >> bg.pids
	wait_for '[ -e mute.ready ]'
	echo not-a-socket > file.sock
	atf_check -o save:list.json "$V" list --json "$PWD"
	atf_check python3 -c '
import json
a = json.load(open("list.json"))
vms = {v["vm"]: v for v in a}
assert [v["vm"] for v in a] == ["lt", "mute", "old", "two"], a
lt, two = vms["lt"], vms["two"]
assert lt["state"] == "running" and lt["target"] == "install", lt
assert two["state"] == "running" and two["target"] == "default", two
assert isinstance(lt["pid"], int) and isinstance(two["pid"], int), a
assert lt["pid"] != two["pid"] and lt["uptime"] >= 0, a
assert vms["old"]["state"] == "stale", a
assert vms["mute"]["state"] == "no-answer", a
assert lt["control"].endswith("/lt.sock"), lt
'
	atf_check -o match:'^NAME +STATE +TARGET +PID +UPTIME$' \
	    -o match:'^lt +running +install +[0-9]+ +[0-9]+:[0-9]{2}:[0-9]{2}$' \
	    -o match:'^old +stale +- +- +-$' -o not-match:'file' \
	    "$V" list "$PWD"
	[ -S old.sock ] || atf_fail "list removed the stale socket"
	atf_check -o inline:'NAME                 STATE      TARGET                PID     UPTIME\n' \
	    "$V" list "$PWD/vmm"
	atf_check -s exit:64 -o empty -e match:'usage: vmrun list' \
	    "$V" list a b
	"$V" ctl "$PWD/two.sock" stop > /dev/null
	sig_vmrun TERM
	finish_bg 1
}

tc stop_wait "stop --wait: returns once the VM ended, with its reason and exit status"
stop_wait_body()
{
	running
	atf_check -o inline:'ended: stopped, exit status 1\n' \
	    "$V" ctl "$PWD/lt.sock" stop --wait
	# The end event came before vmrun's own end: it has ended or is ending.
	finish_bg 1
	ev_assert "main == ['start', 'stop-requested', 'exit', 'end']"
	reset
	running
	atf_check -o save:end.json "$V" ctl --json "$PWD/lt.sock" stop --wait 20
	atf_check python3 -c '
import json
e = json.load(open("end.json"))
assert e["event"] == "end" and e["exit_status"] == 1, e
assert e["reason"] == "stopped", e
'
	finish_bg 1
}

tc stop_wait_timeout "stop --wait SEC: 75 when the VM still runs after SEC; force ends it"
stop_wait_timeout_body()
{
	export FAKE_BHYVE_TERM=ignore
	running "" "--stop-timeout 60"
	atf_check -s exit:75 -o empty -e match:'still running after 0.3 seconds' \
	    "$V" ctl "$PWD/lt.sock" stop --wait 0.3
	alive "$VMRUN" || atf_fail "vmrun ended"
	# Already stopping: the wait waits on, and force ends it.
	atf_check -o match:'^ended: ' "$V" ctl "$PWD/lt.sock" stop force --wait 20
	finish_bg 1
	atf_check -s exit:64 -o empty -e match:'--wait takes seconds' \
	    "$V" ctl "$PWD/lt.sock" stop --wait -1
	atf_check -s exit:64 -o empty -e match:'--wait takes seconds' \
	    "$V" ctl "$PWD/lt.sock" stop --wait 1x
	atf_check -s exit:64 -o empty -e match:'stop takes only' \
	    "$V" ctl "$PWD/lt.sock" stop --wait 1 2
}

# cpus N: the -c of the bhyve start number N (from 1), in the events.
cpus()
{
	python3 -c 'import json, sys
s = [e for e in map(json.loads, open("events.jsonl")) if e["event"] == "start"]
a = s[int(sys.argv[1]) - 1]["argv"]
print(a[a.index("-c") + 1].split(",")[0].split("=")[1])' "$1"
}

tc reload "reload: the file re-read and validated, used from the next start; an invalid one or a new name is refused, the old one stays"
reload_body()
{
	running
	config '"cpu": 2'
	sed -i 's/"cpu": 1, //' vm.json
	atf_check -o inline:'ok\n' "$V" ctl "$PWD/lt.sock" reload
	[ "$(cpus 1)" = 1 ] || atf_fail "the running bhyve changed"
	atf_check -o inline:'ok\n' "$V" ctl "$PWD/lt.sock" reset
	wait_for '[ "$(nruns)" = 2 ]'
	wait_for '[ "$(cpus 2 2>/dev/null)" != "" ]'
	[ "$(cpus 2)" = 2 ] || atf_fail "the next start did not use it: $(cpus 2)"
	# Invalid: the diagnostics, and the running configuration stays.
	printf '{"name": "lt", "cpu": 0, "mem": "256M"}\n' > vm.json
	atf_check -s exit:65 -o save:bad.json "$V" ctl --json "$PWD/lt.sock" reload
	atf_check python3 -c '
import json
a = json.load(open("bad.json"))
assert a["ok"] is False and a["error"] == "invalid-config", a
assert a["request"] == "reload", a
d = a["diagnostics"]
assert d and d[0]["severity"] == "error" and d[0]["path"] == "cpu", a
'
	atf_check -s exit:65 -o match:'^error: invalid-config: .*vm.json is not valid' \
	    -o match:"^  cpu: " "$V" ctl "$PWD/lt.sock" reload
	printf '{"name": "other", "cpu": 3, "mem": "256M"}\n' > vm.json
	atf_check -s exit:65 -o match:'^error: name-changed: .*"other", not "lt"' \
	    "$V" ctl "$PWD/lt.sock" reload
	echo '{"name": ' > vm.json
	atf_check -s exit:65 -o match:'invalid-config' \
	    "$V" ctl "$PWD/lt.sock" reload
	rm vm.json
	atf_check -s exit:66 -o match:'cannot-read' \
	    "$V" ctl "$PWD/lt.sock" reload
	# restart re-reads too, and a refused file stops the restart.
	printf '{"name": "lt", "cpu": 0, "mem": "256M"}\n' > vm.json
	atf_check -s exit:65 -o match:'invalid-config' \
	    "$V" ctl "$PWD/lt.sock" restart
	printf '{"name": "lt", "cpu": 3, "mem": "256M"}\n' > vm.json
	atf_check -o inline:'ok\n' "$V" ctl "$PWD/lt.sock" restart
	wait_for '[ "$(nruns)" = 3 ]'
	wait_for '[ "$(cpus 3 2>/dev/null)" != "" ]'
	[ "$(cpus 3)" = 3 ] || atf_fail "restart did not use the file: $(cpus 3)"
	sig_vmrun TERM
	finish_bg 1
}

tc reload_stdin "reload: a configuration from standard input has no file to re-read"
reload_stdin_body()
{
	setup
	config
	export FAKE_BHYVE_RUNTIME=forever
	./run -c - < vm.json > out 2> err &
	BG=$!
	echo "$BG" >> bg.pids
	wait_for '[ -S lt.sock ]'
	VMRUN=$(oneline vmrun.pid)
	atf_check -s exit:69 -o match:'^error: no-config-file: .*standard input' \
	    "$V" ctl "$PWD/lt.sock" reload
	# restart still works, with the configuration it has.
	atf_check -o inline:'ok\n' "$V" ctl "$PWD/lt.sock" restart
	wait_for '[ "$(nruns)" = 2 ]'
	sig_vmrun TERM
	finish_bg 1
}

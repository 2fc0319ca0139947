#! /usr/bin/env atf-sh
#
# The captured console against the fake programs (vmrun.json(5)
# "capture", vmrun(8) CONTROL): vmrun makes a pty, the fake bhyve writes
# its boot messages to com1's terminal, and they reach the ring, the log
# and vmrun console -- before anyone attaches, across reboots; one writer
# at a time.

. "$(atf_get_srcdir)/common.subr"

TC_CLEANUP=kill_leftovers

BOOT='Booting...\r\nFreeBSD/amd64 (lt) (ttyu0)\r\n\r\nlogin: '

# captured [MEMBERS] [ARGS]: a VM whose com1 vmrun captures, running.
captured()
{
	setup
	config '"com1": "capture"'"${1:+, $1}"
	export FAKE_BHYVE_RUNTIME=forever FAKE_BHYVE_CONSOLE="$BOOT"
	start_bg ${2:-}
	wait_for '[ -S lt.sock ]'
}

tc ring_and_log "the guest's output reaches the ring and the log with nobody attached"
ring_and_log_body()
{
	captured '"console_log": "'"$PWD"'/console.log"'
	wait_for 'grep -q "login: " console.log 2>/dev/null'
	printf "$BOOT" > want
	cmp -s want console.log || atf_fail "log: $(od -c console.log | head -3)"
	atf_check -o inline:'Booting...\nFreeBSD/amd64 (lt) (ttyu0)\n\nlogin: \n' \
	    "$V" ctl "$PWD/lt.sock" console-tail
	atf_check -o inline:'login: \n' "$V" ctl "$PWD/lt.sock" console-tail 1
	atf_check -o match:'"text":"\\r\\nlogin: "' \
	    "$V" ctl --json "$PWD/lt.sock" console-tail 2
	tty=$("$V" ctl --json "$PWD/lt.sock" status | python3 -c '
import json, sys
print(json.load(sys.stdin)["console"])')
	case $tty in
	/dev/*) ;;
	*) atf_fail "status console: $tty" ;;
	esac
	grep -q -- "-l com1,$tty " bhyve.log ||
	    atf_fail "bhyve not given $tty: $(oneline bhyve.log)"
	sig_vmrun TERM
	finish_bg 1
}

tc attach_later "vmrun console shows what was written before it attached, then what follows"
attach_later_body()
{
	captured
	wait_for '"$V" ctl "$PWD/lt.sock" console-tail | grep -q login'
	"$V" console --read-only "$PWD/lt.sock" > console.out 2> console.err &
	con=$!
	wait_for 'grep -q "login: " console.out'
	atf_check -o ignore "$V" ctl "$PWD/lt.sock" reset
	wait_for '[ "$(nruns)" = 2 ]'
	# The second boot, live, on the same terminal.
	wait_for '[ "$(grep -c Booting console.out)" = 2 ]'
	sig_vmrun TERM
	finish_bg 1
	wait "$con" || atf_fail "vmrun console exited $?: $(oneline console.err)"
	[ "$(grep -o 'com1,/dev/[^ ]*' bhyve.log | sort -u | wc -l)" = 1 ] ||
	    atf_fail "the terminal changed between runs: $(oneline bhyve.log)"
}

tc one_writer "keys reach the guest; a second writer is refused, readers are not"
one_writer_body()
{
	export FAKE_BHYVE_CONSOLE_IN=1
	captured
	"$V" console --read-only "$PWD/lt.sock" > ro.out 2>&1 &
	ro=$!
	(printf 'root\n'; sleep 5) | "$V" console "$PWD/lt.sock" > rw.out 2>&1 &
	rw=$!
	wait_for '[ -s console.in ]'
	atf_check -o inline:'root\n' cat console.in
	atf_check -s exit:75 -o empty -e match:'another client writes to the console' \
	    "$V" console "$PWD/lt.sock" < /dev/null
	"$V" console --read-only "$PWD/lt.sock" < /dev/null > ro2.out 2>&1 &
	echo $! >> bg.pids
	wait_for 'grep -q "login: " ro2.out'
	sig_vmrun TERM
	finish_bg 1
	wait "$ro"
	kill "$rw" 2>/dev/null
	true
}

tc log_rotation "a console log past console_log_size is moved to .1 and started again"
log_rotation_body()
{
	setup
	config '"com1": "capture", "console_log": "'"$PWD"'/c.log", "console_log_size": 4096'
	text=$(python3 -c 'print("x" * 79, end="")')
	export FAKE_BHYVE_STATUS="0 1" FAKE_BHYVE_RUNTIME=0.5
	export FAKE_BHYVE_CONSOLE="$(for i in $(seq 80); do printf '%s\\n' "$text"; done)"
	atf_check -s exit:1 -o empty -e ignore ./run
	[ -f c.log ] && [ -f c.log.1 ] || atf_fail "no rotation: $(ls)"
	[ "$(stat -c %s c.log.1)" -le 4096 ] && [ "$(stat -c %s c.log)" -le 4096 ] ||
	    atf_fail "sizes: $(stat -c '%n %s' c.log c.log.1)"
	[ "$(cat c.log.1 c.log | wc -c)" -gt 4096 ] ||
	    atf_fail "output lost: $(cat c.log.1 c.log | wc -c) bytes"
}

tc replay_after_growth "a boot that fills the ring's first 4096 bytes, then another: the replay and the tail are what the guest wrote"
replay_after_growth_body()
{
	local page

	setup
	config '"com1": "capture", "console_log": "'"$PWD"'/c.log"'
	# One boot writes 4096 bytes, 64 lines of 64: the ring's first size,
	# filled exactly; the reset's boot writes as much again.
	page=$(python3 -c '
for i in range(64):
    print("boot line %02d " % i + "x" * 50, end="\\n")')
	export FAKE_BHYVE_RUNTIME=forever FAKE_BHYVE_CONSOLE="$page"
	start_bg
	wait_for '[ -S lt.sock ] && [ "$(wc -c < c.log)" = 4096 ]'
	atf_check -o ignore "$V" ctl "$PWD/lt.sock" reset
	wait_for '[ "$(wc -c < c.log)" = 8192 ]'
	"$V" console --read-only "$PWD/lt.sock" < /dev/null > replay.out \
	    2> replay.err &
	con=$!
	wait_for '[ "$(wc -c < replay.out)" -ge 8192 ]'
	cmp -s c.log replay.out ||
	    atf_fail "the replay is not what the guest wrote: $(od -An -c replay.out | head -2 | tr -s "\n " " ")"
	atf_check -o file:c.log "$V" ctl "$PWD/lt.sock" console-tail 100000
	sig_vmrun TERM
	finish_bg 1
	wait "$con" || atf_fail "vmrun console exited $?: $(oneline replay.err)"
	cmp -s c.log replay.out ||
	    atf_fail "the console got more than the guest wrote: $(wc -c < replay.out) bytes"
}

tc tail_nul "console-tail: a NUL the guest wrote is U+FFFD, and what follows it is kept"
tail_nul_body()
{
	setup
	config '"com1": "capture"'
	export FAKE_BHYVE_RUNTIME=forever FAKE_BHYVE_CONSOLE='a\0b\r\nlogin: '
	start_bg
	wait_for '"$V" ctl "$PWD/lt.sock" console-tail | grep -q login'
	atf_check -o save:tail.json "$V" ctl --json "$PWD/lt.sock" console-tail
	atf_check python3 -c '
import json
a = json.load(open("tail.json"))
assert a["ok"] and a["text"] == "a\ufffdb\r\nlogin: ", a'
	sig_vmrun TERM
	finish_bg 1
}

tc no_console "console requests without a captured port: no-console (69)"
no_console_body()
{
	running_plain
	atf_check -s exit:69 -o match:'^error: no-console: ' \
	    "$V" ctl "$PWD/lt.sock" console-tail
	atf_check -s exit:69 -o empty -e match:'no COM port is captured' \
	    "$V" console "$PWD/lt.sock" < /dev/null
	atf_check -s exit:64 -o empty -e match:'console-tail takes a number' \
	    "$V" ctl "$PWD/lt.sock" console-tail many
	sig_vmrun TERM
	finish_bg 1
}

running_plain()
{
	setup
	config
	export FAKE_BHYVE_RUNTIME=forever
	start_bg
	wait_for '[ -S lt.sock ]'
}

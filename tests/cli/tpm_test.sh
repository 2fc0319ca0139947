#! /usr/bin/env atf-sh
#
# A TPM on swtpm (vmrun.json(5) "tpm", vmrun(8) SUPERVISION), with the
# real swtpm: vmrun makes the socket, hands it to swtpm as descriptor 3
# and starts the fake bhyve at once; the fake speaks real TPM 2.0 to it
# (tests/helpers/tpm-client: TPM2_Startup, answered TPM_RC_INITIALIZE
# after swtpm's own startup-clear, and TPM2_GetRandom).  One swtpm per
# bhyve run, stopped and reaped after it, its socket removed; the TPM's
# state persists; an swtpm that ends while bhyve runs is a sidecar event
# and bhyve's exit 1 then an error (4, sidecar-failed), not a power-off.
#
# Every case runs vmrun through ./run (common.subr); every wait is
# bounded and every case has a cleanup part that kills whatever a failed
# case left running, swtpm included.

. "$(atf_get_srcdir)/common.subr"

# tpm_setup: setup, $SWTPM the real swtpm, and vm.json with a TPM on
# swtpm whose state is in ./state (extra members in $1).
tpm_setup()
{
	setup
	SWTPM=$(command -v swtpm) || {
		layout source > /dev/null || atf_skip "swtpm is not installed"
		atf_fail "swtpm is not installed: run make deps"
	}
	config "\"state_dir\": \"$PWD/state\", \"tpm\": {\"type\": \"swtpm\"}${1:+, $1}"
}

# swtpm_pids: the swtpm processes vmrun started, from the cleanup events
# ("swtpm pid N") and from what the case saw running (swtpm.seen).
swtpm_pids()
{
	{
		sed -n 's/.*"resource":"swtpm pid \([0-9]*\)".*/\1/p' \
		    events.jsonl 2>/dev/null
		cat swtpm.seen 2>/dev/null
	} | sort -u
}

# swtpm_of_vmrun: the pid of the swtpm the running vmrun started.
swtpm_of_vmrun()
{
	local p

	wait_for '[ -n "$(pgrep -P "$VMRUN" -x swtpm)" ]'
	p=$(pgrep -P "$VMRUN" -x swtpm)
	echo "$p" >> swtpm.seen
	echo "$p"
}

# no_swtpm: every swtpm vmrun started has ended, and its socket is gone.
no_swtpm()
{
	local p

	for p in $(swtpm_pids); do
		alive "$p" && atf_fail "swtpm $p is still running"
	done
	[ ! -e lt.swtpm.sock ] || atf_fail "swtpm's socket was left behind"
	no_leftovers
}

tpm_cleanup()
{
	local p

	kill_leftovers
	for p in $(swtpm_pids); do
		tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null |
		    grep -q swtpm && kill -KILL "$p" 2>/dev/null
	done
	return 0
}
TC_CLEANUP=tpm_cleanup

tc answers "the fake bhyve's TPM2 commands are answered by the real" \
    "swtpm; a fresh swtpm per run, gone after the VM; state persists"
answers_body()
{
	local pids

	tpm_setup
	export FAKE_BHYVE_STATUS="0 1" FAKE_BHYVE_PROBE="$PWD/lt.swtpm.sock"
	atf_check -s exit:1 -o empty -e ignore ./run --swtpm "$SWTPM"
	runs 2
	# Each run: TPM_RC_INITIALIZE, then 8 random bytes.
	atf_check -o inline:"2\n" grep -c '^startup 0x100$' tpm.answers
	atf_check -o inline:"2\n" grep -Ec '^getrandom 0x0 8 [0-9a-f]{16}$' \
	    tpm.answers
	# The socket was there when bhyve started: nothing waited for it.
	atf_check -o inline:"2\n" grep -c "lt.swtpm.sock socket$" bhyve.probe
	# The dry run shows the socket the run used.
	atf_check -o match:"tpm,swtpm,$PWD/lt.swtpm.sock " \
	    "$V" -d -c vm.json -P "$PWD/vmrun.pid"
	atf_check -o match:"-l tpm,swtpm,$PWD/lt.swtpm.sock lt$" \
	    sed -n 1p bhyve.log
	# The TPM's state: written, in a directory of the user's alone.
	[ -s state/tpm/tpm2-00.permall ] ||
	    atf_fail "swtpm wrote no state: $(ls -la state/tpm 2>&1)"
	atf_check -o inline:"700\n" stat -c %a state/tpm
	pids=$(swtpm_pids)
	[ "$(echo "$pids" | wc -w)" = 2 ] ||
	    atf_fail "expected two swtpm processes, one per run: $pids"
	ev_assert "(len([e for e in ev('cleanup') if
	    e['resource'].startswith('swtpm pid ') and e['action'] == 'stop'
	    and e['ok']]) == 2 and not ev('sidecar') and
	    ev('end')[0]['reason'] == 'poweroff')"
	# Each run's swtpm is stopped before its socket goes.
	ev_assert "([e['resource'].split()[0] for e in ev('cleanup')][:2] ==
	    ['swtpm', '$PWD/lt.swtpm.sock'])"
	no_swtpm
}

tc killed "swtpm killed while bhyve runs: a sidecar event, then bhyve's" \
    "exit 1 is an error, end reason sidecar-failed, status 4"
killed_body()
{
	local p

	tpm_setup
	export FAKE_BHYVE_RUNTIME=forever FAKE_BHYVE_TPM_WATCH=1
	start_bg --swtpm "$SWTPM"
	wait_for '[ "$(count_in tpm.answers getrandom)" = 1 ]'
	p=$(swtpm_of_vmrun)
	kill -KILL "$p"
	finish_bg 4
	ev_assert "(ev('sidecar')[0]['sidecar'] == 'swtpm' and
	    ev('sidecar')[0]['pid'] == $p and
	    ev('sidecar')[0]['signal'] == 'SIGKILL' and
	    ev('sidecar')[0]['run'] == 1 and
	    names.index('sidecar') < names.index('exit') and
	    ev('exit')[0]['status'] == 1 and
	    ev('exit')[0]['meaning'] == 'error' and
	    ev('end')[0]['reason'] == 'sidecar-failed' and
	    ev('end')[0]['exit_status'] == 4 and not ev('restart'))"
	vmrun_says "swtpm \\(pid $p\\) ended while bhyve ran \\(killed by SIGKILL\\)"
	vmrun_says "bhyve exited with status 1 after swtpm"
	atf_check -o match:"is swtpm running" cat err
	runs 1
	no_swtpm
}

tc stop "a stop: bhyve powers off, then swtpm is stopped and reaped"
stop_body()
{
	local p

	tpm_setup
	export FAKE_BHYVE_RUNTIME=forever
	start_bg --swtpm "$SWTPM"
	wait_for '[ "$(count_in tpm.answers getrandom)" = 1 ]'
	p=$(swtpm_of_vmrun)
	sig_vmrun TERM
	finish_bg 1
	ev_assert "(not ev('sidecar') and ev('end')[0]['reason'] == 'stopped'
	    and ev('cleanup')[0]['resource'] == 'swtpm pid $p' and
	    ev('cleanup')[0]['ok'])"
	no_swtpm
}

tc start_fails "bhyve cannot be executed: the swtpm started for it is" \
    "stopped and its socket removed"
start_fails_body()
{
	tpm_setup
	BHYVE=$PWD/no-such-bhyve atf_check -s exit:69 -o empty -e save:err \
	    ./run --swtpm "$SWTPM"
	vmrun_says "cannot execute $PWD/no-such-bhyve"
	ev_assert "(ev('end')[0]['reason'] == 'start-failed' and
	    [(e['resource'].split()[0], e['ok']) for e in ev('cleanup')] ==
	    [('swtpm', True), ('$PWD/lt.swtpm.sock', True)])"
	[ -n "$(swtpm_pids)" ] || atf_fail "no swtpm was started"
	no_swtpm
}

tc no_swtpm "swtpm cannot be executed: 69 before bhyve, nothing left"
no_swtpm_body()
{
	tpm_setup
	atf_check -s exit:69 -o empty -e save:err ./run --swtpm "$PWD/no-swtpm"
	vmrun_says "cannot execute $PWD/no-swtpm"
	runs 0
	ev_assert "(ev('end')[0]['reason'] == 'start-failed' and
	    [e['resource'] for e in ev('cleanup')] == ['$PWD/lt.swtpm.sock'])"
	# The host check says so first, with VMRUN_SWTPM as --swtpm.
	VMRUN_SWTPM=$PWD/no-swtpm atf_check -s exit:69 -o empty \
	    -e match:"program-missing|$PWD/no-swtpm" \
	    "$V" --check -c vm.json --vmm-dir "$PWD/vmm" -P "$PWD/vmrun.pid"
	no_swtpm
}

tc state_unsafe "a TPM state directory others may use is refused (69);" \
    "nothing starts and it is left as it was"
state_unsafe_body()
{
	tpm_setup
	mkdir -p state/tpm
	chmod 755 state/tpm
	atf_check -s exit:69 -o empty -e match:"state/tpm is unsafe" \
	    ./run --swtpm "$SWTPM"
	runs 0
	atf_check -o inline:"755\n" stat -c %a state/tpm
	no_swtpm
}

tc socket_taken "a leftover socket nobody listens on is replaced; a file" \
    "at the socket's path is never removed (69)"
socket_taken_body()
{
	tpm_setup
	python3 -c 'import socket, sys
socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$PWD/lt.swtpm.sock"
	atf_check -s exit:1 -o empty -e ignore ./run --swtpm "$SWTPM"
	atf_check -o inline:"1\n" grep -c '^startup 0x100$' tpm.answers
	ev_assert "(E[0]['event'] == 'cleanup' and E[0]['action'] == 'unlink'
	    and E[0]['resource'] == '$PWD/lt.swtpm.sock' and E[0]['ok'])"
	no_swtpm
	reset
	echo mine > lt.swtpm.sock
	atf_check -s exit:69 -o empty -e match:"not a socket" \
	    ./run --swtpm "$SWTPM"
	atf_check -o inline:"mine\n" cat lt.swtpm.sock
	runs 0
}

tc sidecar_kill "an swtpm that ignores SIGTERM is killed when its" \
    "deadline passes, then reaped; vmrun ends after it"
sidecar_kill_body()
{
	tpm_setup
	# A stand-in swtpm that outlives SIGTERM; it never exits by itself.
	printf '%s\n' '#!/bin/sh' "echo \$\$ > '$PWD/stubborn.pid'" \
	    "trap 'echo TERM >> \"$PWD/stubborn.log\"' TERM" \
	    'while :; do sleep 0.1; done' > stubborn
	chmod +x stubborn
	export FAKE_BHYVE_TPM=0 FAKE_BHYVE_RUNTIME=0.3
	atf_check -s exit:1 -o empty -e ignore ./run --swtpm "$PWD/stubborn"
	atf_check -o inline:"TERM\n" cat stubborn.log
	echo "$(cat stubborn.pid)" >> swtpm.seen
	ev_assert "(ev('cleanup')[0]['resource'] ==
	    'swtpm pid $(cat stubborn.pid)' and ev('cleanup')[0]['ok'] and
	    ev('end')[0]['reason'] == 'poweroff')"
	no_swtpm
}

tc example "examples/windows11.json: UEFI with its variables, a TPM on" \
    "swtpm, unimplemented MSRs ignored (-w), the installer's CDs in the" \
    "install target"
example_body()
{
	local ex

	tpm_setup
	ex="$(dirname "$(layout example)")/windows11.json"
	[ -r "$ex" ] || atf_fail "$ex is missing"
	atf_check -o match:" -l tpm,swtpm,$PWD/win11.swtpm.sock win11$" \
	    -o match:"^[^ ]*bhyve -A -H -u -w -c " \
	    -o match:"-l bootrom,[^ ]*BHYVE_UEFI_CODE.fd,[^ ]*VARS.fd " \
	    "$V" -d -c "$ex" -P "$PWD/vmrun.pid"
	atf_check -o match:",ahci-cd,[^ ]*Win11[^ ]*\.iso " \
	    "$V" -d -c "$ex" -t install -P "$PWD/vmrun.pid"
	atf_check -o match:"^tpm.type=swtpm$" -o match:"^x86.strictmsr=false$" \
	    -o match:"^tpm.path=$PWD/win11.swtpm.sock$" \
	    "$V" --emit-config -c "$ex" -P "$PWD/vmrun.pid"
}

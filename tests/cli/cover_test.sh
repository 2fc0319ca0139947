#! /usr/bin/env atf-sh
#
# Diagnostics no other program reaches (every error or warning vmrun can
# report has a test that fails without it): command-line errors,
# the lock and pid files, stale VMs, console sockets, varfile copies,
# bhyvectl failures, and a configuration with more devices than PCI slots.
# Each case asserts the exact message and exit status.
#
# Supervisor cases run vmrun through ./run (written by setup) with the
# fakes from tests/helpers, the work directory as $FAKE_DIR and ./vmm as
# the VM device-node directory, under timeout(1) so that a hang fails
# instead of blocking.  Every wait is bounded; the cleanup part kills the
# processes a case started (by their recorded pid only).

. "$(atf_get_srcdir)/layout.subr"

# atf_check runs programs, not shell functions: every body calls setup.
setup()
{
	H="$(atf_get_srcdir)/../helpers"
	V=$(layout vmrun)
	[ -x "$V" ] || atf_fail "$V is not built"
	FAKE_DIR=$PWD
	FAKE_VMM_DIR=$PWD/vmm
	export FAKE_DIR FAKE_VMM_DIR
	unset VMRUN_BHYVE VMRUN_BHYVELOAD VMRUN_BHYVECTL VMRUN_VMM_DIR
	mkdir -p vmm
	cat > run <<EOF
#!/bin/sh
exec timeout -k 5 \${RUN_TIMEOUT:-30} "$V" -c vm.json \\
    --bhyve "$H/fake-bhyve" --bhyvectl "\${BHYVECTL:-$H/fake-bhyvectl}" \\
    --bhyveload "$H/fake-bhyveload" --vmm-dir "$PWD/vmm" \\
    --no-requirement-check "\$@"
EOF
	chmod +x run
}

# config [JSON MEMBERS]: vm.json for the VM "lt", members added.
config()
{
	printf '{"name": "lt", "cpu": 1, "mem": "256M"%s}\n' "${1:+, $1}" \
	    > vm.json
}

# bg_start PYTHON-CODE ARG: run a python3 helper in the background that
# prints "ready" once set up; wait (bounded) for it.
bg_start()
{
	local n

	python3 -c "$1" "$2" > bg.ready 2>&1 &
	echo $! >> bg.pids
	n=100
	while ! grep -q '^ready$' bg.ready 2>/dev/null; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || atf_fail "helper not ready: $(cat bg.ready)"
		sleep 0.1
	done
}

# wait_for CONDITION: poll a shell condition for at most 10 s.
wait_for()
{
	local n

	n=100
	while ! eval "$1"; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || atf_fail "timed out waiting for: $1"
		sleep 0.1
	done
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

# The processes a case started: helpers, fake bhyves and vmrun.
kill_leftovers()
{
	local p

	for p in $(cat bg.pids 2>/dev/null) \
	    $(awk '$1 == "start" { print $2 }' bhyve.log 2>/dev/null); do
		kill -KILL "$p" 2>/dev/null
	done
	return 0
}

# tc NAME DESCRIPTION: declare a case with the common cleanup part.
CASES=
tc()
{
	atf_test_case "$1" cleanup
	eval "__descr_$1=\$2"
	eval "${1}_head() {
		atf_set descr \"\$__descr_$1\"
		atf_set require.progs 'timeout python3'
	}
	${1}_cleanup() { kill_leftovers; }"
	CASES="$CASES $1"
}

usage_tail="Try 'vmrun --help' for more information."

# ---------------------------------------------------------------------
# Command-line errors (64) and standard input (66)

# bad_option OPTION VALUE MESSAGE
bad_option()
{
	setup
	config
	atf_check -s exit:64 -o empty \
	    -e inline:"vmrun: $3\n$usage_tail\n" "$V" -c vm.json "$1" "$2"
}

tc empty_option_values "an empty path or name is a usage error naming the option"
empty_option_values_body()
{
	for o in --bhyve --bhyvectl --bhyveload --grub-bhyve --vmm-dir -p -P --events \
	    --log -t; do
		bad_option "$o" '' "option $o needs a non-empty argument"
	done
	# ... also in a dry run, which would otherwise print '' as argv[0].
	atf_check -s exit:64 -o empty \
	    -e inline:"vmrun: option --bhyve needs a non-empty argument\n$usage_tail\n" \
	    "$V" -c vm.json -d --bhyve ''
	# --reboot-on "" is the empty list: never restart.
	atf_check -s exit:0 -o ignore -e empty "$V" -c vm.json -d \
	    --reboot-on ''
}

tc reboot_count_word "--reboot-count refuses a word"
reboot_count_word_body()
{
	bad_option --reboot-count x \
	    '--reboot-count takes a whole number >= 0, not "x"'
}

tc reboot_count_negative "--reboot-count refuses a negative number"
reboot_count_negative_body()
{
	bad_option --reboot-count -1 \
	    '--reboot-count takes a whole number >= 0, not "-1"'
}

tc stop_timeout_word "--stop-timeout refuses a word"
stop_timeout_word_body()
{
	bad_option --stop-timeout x \
	    '--stop-timeout takes seconds >= 0, not "x"'
}

tc stop_timeout_negative "--stop-timeout refuses a negative number"
stop_timeout_negative_body()
{
	bad_option --stop-timeout -1 \
	    '--stop-timeout takes seconds >= 0, not "-1"'
}

tc reboot_on_range "--reboot-on refuses a status above 255"
reboot_on_range_body()
{
	bad_option --reboot-on 0,300 \
	    '--reboot-on takes a comma-separated list of exit statuses 0-255, not "0,300"'
}

tc reboot_on_word "--reboot-on refuses a word"
reboot_on_word_body()
{
	bad_option --reboot-on x \
	    '--reboot-on takes a comma-separated list of exit statuses 0-255, not "x"'
}

tc emit_config_extra_args "--emit-config refuses bhyve arguments after --"
emit_config_extra_args_body()
{
	setup
	config
	atf_check -s exit:64 -o empty \
	    -e inline:"vmrun: arguments after -- have no bhyve_config form; --emit-config cannot include them\n$usage_tail\n" \
	    "$V" -c vm.json --emit-config -- -x
}

tc stdin_unreadable "-c - with an unreadable standard input: 66"
stdin_unreadable_body()
{
	setup
	mkdir d
	atf_check -s exit:66 -o empty \
	    -e inline:"vmrun: <stdin>: Is a directory\n" \
	    sh -c "exec '$V' -c - --dry-run < d"
}

# ---------------------------------------------------------------------
# Output files (71)

tc events_unopenable "an --events file that cannot be opened: 71, nothing started"
events_unopenable_body()
{
	setup
	config
	atf_check -s exit:71 -o empty \
	    -e inline:"vmrun: events file $PWD/nodir/e.jsonl: No such file or directory\n" \
	    ./run -P "$PWD/l.pid" --events "$PWD/nodir/e.jsonl"
	[ "$(nruns)" = 0 ] || atf_fail "bhyve started"
	[ ! -e l.pid ] && [ ! -e lt.sock ] ||
	    atf_fail "the lock or the socket was left behind: $(ls)"
}

tc log_unopenable "a --log file that cannot be opened: 71, nothing started"
log_unopenable_body()
{
	setup
	config
	atf_check -s exit:71 -o empty \
	    -e inline:"vmrun: log $PWD/nodir/log: No such file or directory\n" \
	    ./run -P "$PWD/l.pid" --log "$PWD/nodir/log"
	[ "$(nruns)" = 0 ] || atf_fail "bhyve started"
}

# ---------------------------------------------------------------------
# The lock (-P) and bhyve's pid file (-p)

tc lock_symlink "a lock that is a symbolic link: 71, nothing written through it"
lock_symlink_body()
{
	setup
	config
	ln -s "$PWD/target" l.pid
	atf_check -s exit:71 -o empty \
	    -e inline:"vmrun: lt: the lock $PWD/l.pid is a symbolic link; vmrun writes only regular files\n" \
	    ./run -P "$PWD/l.pid"
	[ ! -e target ] || atf_fail "written through the symbolic link"
	[ "$(nruns)" = 0 ] || atf_fail "bhyve started"
}

tc lock_not_regular "a lock that is a directory: 71"
lock_not_regular_body()
{
	setup
	config
	mkdir l.pid
	atf_check -s exit:71 -o empty \
	    -e inline:"vmrun: lt: the lock $PWD/l.pid is not a regular file; vmrun writes only regular files\n" \
	    ./run -P "$PWD/l.pid"
	[ "$(nruns)" = 0 ] || atf_fail "bhyve started"
}

tc lock_uncreatable "a lock in a missing directory: 71"
lock_uncreatable_body()
{
	setup
	config
	atf_check -s exit:71 -o empty \
	    -e inline:"vmrun: lt: cannot create the lock $PWD/nodir/l.pid: No such file or directory\n" \
	    ./run -P "$PWD/nodir/l.pid"
	[ "$(nruns)" = 0 ] || atf_fail "bhyve started"
}

tc pidfile_busy "a -p file another process has locked: 75, nothing started"
pidfile_busy_body()
{
	setup
	config
	echo keep > bhyve.pidfile
	bg_start 'import fcntl, sys, time
f = open(sys.argv[1], "a")
fcntl.flock(f, fcntl.LOCK_EX)
print("ready", flush=True)
time.sleep(30)' "$PWD/bhyve.pidfile"
	atf_check -s exit:75 -o empty \
	    -e inline:"vmrun: lt: the pid file $PWD/bhyve.pidfile is locked by another process\n" \
	    ./run -P "$PWD/l.pid" -p "$PWD/bhyve.pidfile"
	atf_check -o inline:"keep\n" cat bhyve.pidfile
	[ "$(nruns)" = 0 ] || atf_fail "bhyve started"
}

tc pidfile_untruncatable "a -p file that cannot be truncated (/dev/null): 71"
pidfile_untruncatable_body()
{
	setup
	config
	atf_check -s exit:71 -o empty \
	    -e inline:"vmrun: lt: cannot write the pid file /dev/null: Invalid argument\n" \
	    ./run -P "$PWD/l.pid" -p /dev/null
	[ "$(nruns)" = 0 ] || atf_fail "bhyve started"
}

# ---------------------------------------------------------------------
# Stale VMs and bhyvectl failures

tc stale_vm_force_destroy_fails "--force on a stale VM bhyvectl cannot destroy: 75"
stale_vm_force_destroy_fails_body()
{
	setup
	config
	: > vmm/lt
	export FAKE_BHYVECTL_FAIL=destroy
	atf_check -s exit:75 -o empty -e inline:"bhyvectl: fake failure (destroy)
vmrun: lt: 1 problem; the VM was not started
  vm
    VM lt could not be destroyed
" ./run -P "$PWD/l.pid" -f
	[ "$(nruns)" = 0 ] || atf_fail "bhyve started"
}

tc destroy_failed_no_restart "a VM bhyvectl could not destroy after a reboot is not restarted: 75"
destroy_failed_no_restart_body()
{
	setup
	config
	export FAKE_BHYVE_STATUS="0 1" FAKE_BHYVECTL_FAIL=destroy
	atf_check -s exit:75 -o empty -e inline:"bhyvectl: fake failure (destroy)
vmrun: lt: 1 problem; the VM was not restarted
  vm
    VM lt could not be destroyed after its last run (bhyvectl --destroy failed); it was not restarted
" ./run -P "$PWD/l.pid"
	[ "$(nruns)" = 1 ] || atf_fail "bhyve started $(nruns) times, expected 1"
}

tc bhyvectl_missing "a bhyvectl that cannot run: a warning after bhyve exits"
bhyvectl_missing_body()
{
	setup
	config
	atf_check -s exit:1 -o empty \
	    -e inline:"vmrun: lt: warning: cannot run $PWD/nope: No such file or directory\n" \
	    env BHYVECTL="$PWD/nope" ./run -P "$PWD/l.pid"
	[ "$(nruns)" = 1 ] || atf_fail "bhyve started $(nruns) times, expected 1"
}

tc force_reset_fails "SIGUSR1 when bhyvectl --force-reset fails: a warning, the guest runs on"
force_reset_fails_body()
{
	local bg st vmrun

	setup
	config
	export FAKE_BHYVE_RUNTIME=forever FAKE_BHYVECTL_FAIL=force-reset
	./run -P "$PWD/l.pid" > out 2> err &
	bg=$!
	echo "$bg" >> bg.pids
	wait_for '[ -s l.pid ] && [ "$(nruns)" -ge 1 ]'
	vmrun=$(cat l.pid)
	echo "$vmrun" >> bg.pids
	kill -USR1 "$vmrun"
	wait_for 'grep -q -- --force-reset bhyvectl.log 2>/dev/null'
	# The warning is reported when vmrun ends; the guest still runs.
	sleep 0.3
	[ "$(nruns)" = 1 ] || atf_fail "bhyve restarted"
	grep -q '^exit' bhyve.log && atf_fail "bhyve exited on a failed reset"
	kill -TERM "$vmrun"
	wait "$bg"
	st=$?
	[ "$st" = 1 ] || atf_fail "vmrun exited $st, expected 1"
	atf_check -o empty cat out
	atf_check -o inline:"bhyvectl: fake failure (force-reset)
vmrun: lt: warning: bhyvectl --force-reset --vm=lt failed; the guest was not reset
" cat err
}

# ---------------------------------------------------------------------
# Host resources before a start

tc console_socket_in_use "a live socket at a console port path: 69, left alone"
console_socket_in_use_body()
{
	setup
	config '"emulations": [{"device": "virtio-console", "ports": ["'"$PWD"'/c1.sock"]}]'
	bg_start 'import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(1)
print("ready", flush=True)
time.sleep(30)' "$PWD/c1.sock"
	atf_check -s exit:69 -o empty -e inline:"vmrun: lt: 1 problem; the VM was not started
  vm
    $PWD/c1.sock is a socket in use by another program
" ./run -P "$PWD/l.pid"
	[ -S c1.sock ] || atf_fail "the live socket was removed"
	[ "$(nruns)" = 0 ] || atf_fail "bhyve started"
}

tc varfile_uncreatable "a varfile in a missing directory: 74, nothing started"
varfile_uncreatable_body()
{
	setup
	config '"varfile": "'"$PWD"'/nodir/vars.fd", "varfile_template": "'"$PWD"'/tmpl.fd"'
	echo TEMPLATE > tmpl.fd
	atf_check -s exit:74 -o empty \
	    -e inline:"vmrun: lt: $PWD/nodir/vars.fd: No such file or directory\n" \
	    ./run -P "$PWD/l.pid"
	[ "$(nruns)" = 0 ] || atf_fail "bhyve started"
}

tc varfile_copy_fails "a varfile_template that cannot be read (a directory): 74, no partial varfile"
varfile_copy_fails_body()
{
	setup
	config '"varfile": "'"$PWD"'/vars.fd", "varfile_template": "'"$PWD"'/tmpl"'
	mkdir tmpl
	atf_check -s exit:74 -o empty \
	    -e inline:"vmrun: lt: copying $PWD/tmpl to $PWD/vars.fd: Is a directory\n" \
	    ./run -P "$PWD/l.pid"
	[ ! -e vars.fd ] || atf_fail "a partial varfile was left"
	[ "$(nruns)" = 0 ] || atf_fail "bhyve started"
}

tc passthru_lookup_run "a passthru lookup the host cannot answer stops a run: 69"
passthru_lookup_run_body()
{
	setup
	config '"emulations": [{"device": "passthru", "lookup": {"vendor": "0x8086ffff", "device": "0x10fb0000"}}]'
	atf_check -s exit:69 -o empty -e inline:"vmrun: lt: 1 problem; the VM was not started
  pci 0:1:0 passthru lookup
    passthru device 0x8086ffff/0x10fb0000 cannot be looked up on this host
      fix: give the host address as \"src\" instead
" ./run -P "$PWD/l.pid"
	[ "$(nruns)" = 0 ] || atf_fail "bhyve started"
}

# ---------------------------------------------------------------------
# Configuration

tc no_free_slot "8191 devices: 8190 PCI slots are free, the last device gets none"
no_free_slot_body()
{
	setup
	# 256 buses of 32 slots, less 0:0 (host bridge) and 0:31 (LPC).
	awk -v n=8190 'BEGIN {
		printf "{\"name\": \"big\", \"cpu\": 1, \"mem\": \"256M\", \"emulations\": ["
		for (i = 0; i < n; i++)
			printf "%s{\"device\": \"virtio-rnd\"}", (i ? ", " : "")
		print "]}"
	}' > full.json
	atf_check -s exit:0 -o match:' -s 255:31:0,virtio-rnd ' -e empty \
	    "$V" -c full.json --dry-run
	sed 's/]}$/, {"device": "virtio-rnd"}]}/' full.json > over.json
	atf_check -s exit:65 -o empty \
	    -e inline:"vmrun: over.json: emulations[8190]: no free PCI slot is left\n" \
	    "$V" -c over.json --dry-run
}

atf_init_test_cases()
{
	local c

	for c in $CASES; do
		atf_add_test_case "$c"
	done
}

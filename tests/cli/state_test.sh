#! /usr/bin/env atf-sh
#
# The state the supervisor keeps and leaves on the host, against the fake
# programs (vmrun(8) HOST CHECKS, SUPERVISION, OPTIONS, FILES): pid files
# and the lock, a stale or busy VM, cleanup after every exit,
# virtio-console sockets, varfile_template, and the descriptors bhyve
# inherits.
#
# Every case runs vmrun through ./run (written by setup, in common.subr);
# every wait is bounded and every case has a cleanup part that kills
# whatever a failed case left running.

# fake_env, wait_for, oneline, tc, atf_init_test_cases, and setup,
# config and the other helpers of the supervisor programs.
. "$(atf_get_srcdir)/common.subr"

# is_locked FILE: another process holds an flock(2) lock on FILE, as
# pidfile(3) takes (true where flock(1) is missing).
is_locked()
{
	command -v flock > /dev/null || return 0
	! flock -n -x "$1" true
}

# Every case has the common cleanup part.
TC_CLEANUP=kill_leftovers

# ---------------------------------------------------------------------
# Pid files and the lock (-p, -P; One run)

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
	[ ! -e events2.jsonl ] || atf_fail "the refused vmrun made its events file"
	runs 1
	[ ! -s bhyvectl.log ] || atf_fail "bhyvectl run: $(oneline bhyvectl.log)"
	[ -e vmm/lt ] || atf_fail "the running VM was destroyed"
	[ "$(oneline vmrun.pid)" = "$VMRUN" ] ||
	    atf_fail "the lock changed hands: $(oneline vmrun.pid)"
	sig_vmrun TERM
	finish_bg 1
	no_leftovers
}

tc lock_held_no_pid "a lock whose holder has not written its pid yet: 75, and no \"pid -1\""
lock_held_no_pid_body()
{
	setup
	command -v flock > /dev/null || atf_skip "no flock(1) here"
	config
	# Held, still empty: a vmrun that has just taken it.
	: > vmrun.pid
	timeout 60 flock vmrun.pid sleep 60 &
	echo $! >> bg.pids
	wait_for '! flock -n vmrun.pid true'
	atf_check -s exit:75 -o empty -e save:err2 ./run
	grep -q "VM lt is already supervised by vmrun (lock $PWD/vmrun.pid, its pid not written yet)" err2 ||
	    atf_fail "start: $(oneline err2)"
	! grep -q 'pid -1' err2 || atf_fail "pid -1 printed: $(oneline err2)"
	atf_check -s exit:69 -o empty -e save:err3 "$V" -c vm.json --check \
	    --vmm-dir "$PWD/vmm" -P "$PWD/vmrun.pid"
	grep -q "VM lt is supervised by vmrun (lock $PWD/vmrun.pid, its pid not written yet)" err3 ||
	    atf_fail "--check: $(oneline err3)"
	! grep -q 'pid -1' err3 || atf_fail "pid -1 printed: $(oneline err3)"
	runs 0
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

tc vmrun_killed_check "after vmrun is killed with SIGKILL, --check and --force without -p find bhyve by its title and never advise destroying the VM"
vmrun_killed_check_body()
{
	local bpid name

	setup
	# A name of its own: titles are seen by every test run on the host.
	name=kt$$
	printf '{"name": "%s", "cpu": 1, "mem": "256M"}\n' "$name" > vm.json
	export FAKE_BHYVE_RUNTIME=forever FAKE_BHYVE_TITLE=1
	command -v bash > /dev/null ||
	    atf_skip "the fake bhyve takes bhyve's process title through bash"
	start_bg
	bpid=$(oneline bhyve.pid)
	kill -KILL "$VMRUN"
	wait "$BG"
	alive "$bpid" || atf_fail "bhyve did not survive vmrun"
	# (The other problem is the UEFI firmware this host lacks.)
	atf_check -s exit:69 -o empty \
	    -e match:"^    VM $name is running \(bhyve pid $bpid\)\$" \
	    -e match:"^      fix: stop the guest: kill $bpid \(its power button\)" \
	    -e not-match:destroy -e not-match:--force \
	    "$V" -c vm.json --check --vmm-dir "$PWD/vmm" -P "$PWD/vmrun.pid"
	atf_check -s exit:69 -o match:'"code":"vm-busy"' -o not-match:destroy \
	    -e empty "$V" -c vm.json --check --json --vmm-dir "$PWD/vmm" \
	    -P "$PWD/vmrun.pid"
	# --force without -p: refused, the guest unharmed.
	atf_check -s exit:75 -o empty -e save:err2 \
	    env EVENTS="$PWD/e2.jsonl" ./run -f
	grep -q "VM $name is running (bhyve pid $bpid)" err2 ||
	    atf_fail "not refused as running: $(oneline err2)"
	! grep -q -- '--destroy' err2 || atf_fail "advice to destroy: $(oneline err2)"
	[ "$(count_in bhyvectl.log destroy)" = 0 ] ||
	    atf_fail "bhyvectl --destroy run on a running VM"
	[ -e vmm/$name ] || atf_fail "the running VM was destroyed"
	alive "$bpid" || atf_fail "the surviving bhyve was harmed"
	runs 1
	kill -TERM "$bpid"
	wait_for '! alive $bpid'
	# Gone: now it is left behind, and the advice may say so.
	atf_check -s exit:69 -o empty -e match:'left behind by an earlier run' \
	    "$V" -c vm.json --check --vmm-dir "$PWD/vmm" -P "$PWD/vmrun.pid"
}

# ---------------------------------------------------------------------
# Stale state and cleanup (HOST CHECKS, One run)

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
# varfile_template (vmrun.json(5); One run)

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

# ---------------------------------------------------------------------
# Descriptors (One run)

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

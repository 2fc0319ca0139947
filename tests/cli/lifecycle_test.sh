#! /usr/bin/env atf-sh
#
# The supervisor's runs against the fake programs (vmrun.json(5) TARGETS,
# vmrun(8) SUPERVISION, EXIT STATUS):
# reboot and next_target, exit statuses, restart policy, programs that
# cannot run and the loader, post_start_script, events and --log.
# stop_test covers stopping and signals, state_test the pid files, the
# lock and the state vmrun leaves on the host.
#
# Every case runs vmrun through ./run (written by setup, in common.subr);
# every wait is bounded and every case has a cleanup part that kills
# whatever a failed case left running.

# fake_env, wait_for, oneline, tc, atf_init_test_cases, and setup,
# config and the other helpers of the supervisor programs.
. "$(atf_get_srcdir)/common.subr"

# argvs: bhyve's arguments, one run per line.
argvs()
{
	sed -n 's/^start [0-9]* //p' bhyve.log
}

# Every case has the common cleanup part.
TC_CLEANUP=kill_leftovers

# ---------------------------------------------------------------------
# Reboots, targets and exit statuses (TARGETS, Restart policy, EXIT STATUS)

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

tc status_error_restarts "with 4 in --reboot-on, bhyve's error is a warning that says the guest restarts"
status_error_restarts_body()
{
	setup
	config
	export FAKE_BHYVE_STATUS="4 1"
	export FAKE_BHYVE_STDERR='bhyve: vm_run error -1'
	atf_check -s exit:1 -o empty -e save:err ./run --reboot-on 0,4
	runs 2
	vmrun_says '^vmrun: lt: warning: bhyve exited with status 4 \(error\); the guest is restarted; its last messages:$'
	! grep -q '^vmrun: lt: bhyve exited' err ||
	    atf_fail "said as an error: $(oneline err)"
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

# ---------------------------------------------------------------------
# Restart policy (vmrun(8) SUPERVISION)

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
# Programs that cannot run, the loader (One run, EXIT STATUS)

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

# ---------------------------------------------------------------------
# post_start_script (One run)

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

# ---------------------------------------------------------------------
# Events, --log and bhyve's arguments (One run, EVENTS, OPTIONS)

# zombies PID: the zombie children of PID, one pid a line.
zombies()
{
	local d

	for d in /proc/[0-9]*; do
		awk -v p="$1" '{ sub(/^.*\) /, ""); if ($1 == "Z" && $2 == p)
		    found = 1 } END { exit !found }' "$d/stat" 2>/dev/null &&
		    echo "${d#/proc/}"
	done
}

tc hook_daemon_reaped "what a daemonizing hook leaves behind comes to vmrun and is reaped when it ends, while the VM runs"
hook_daemon_reaped_body()
{
	local orphan

	[ -d /proc/self ] || atf_skip "no /proc to see zombies in"
	setup
	config '"post_start_script": ["'"$H"'/fake-hook"]'
	export FAKE_BHYVE_RUNTIME=forever FAKE_HOOK_ORPHAN=0.5
	start_bg
	wait_for 'grep -q "^exit 0" hook.log'
	orphan=$(awk '$1 == "orphan" { print $2 }' hook.log)
	[ -n "$orphan" ] || atf_fail "the hook left nothing: $(oneline hook.log)"
	wait_for 'grep -q "^orphan-exit" hook.log'
	# Ended, it is reaped: no zombie of vmrun but the hook's own, which
	# holds its process group's id until the VM ends.
	wait_for '[ -z "$(zombies "$VMRUN" | grep -vx "$(oneline hook.pid)")" ]'
	alive "$(oneline bhyve.pid)" || atf_fail "bhyve ended"
	sig_vmrun TERM
	finish_bg 1
	no_leftovers
}

tc events_json "--events: one JSON object per line, appended, in order, with the fields of vmrun(8) EVENTS"
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
	# vmrun's own messages go there too (--log in vmrun(8)).
	grep -q '^vmrun: ' vmrun.log ||
	    atf_fail "vmrun's message not in --log: $(oneline vmrun.log)"
	grep -qx 'earlier line' vmrun.log || atf_fail "--log was not appended to"
	no_leftovers
}

tc private_files "--events and --log are made 0600, or 0640 of the --control-group; a file that is there keeps its mode"
private_files_body()
{
	local g

	setup
	config
	umask 022
	atf_check -s exit:1 -o empty -e ignore ./run --log "$PWD/vmrun.log"
	[ "$(stat -c '%a' events.jsonl vmrun.log | sort -u)" = 600 ] ||
	    atf_fail "modes: $(stat -c '%n %a' events.jsonl vmrun.log | tr '\n' ' ')"
	# Root can give a file to any group: one that is not its own.
	g=$(id -gn)
	[ "$(id -u)" = 0 ] && g=daemon
	reset
	rm -f vmrun.log
	atf_check -s exit:1 -o empty -e ignore ./run --log "$PWD/vmrun.log" \
	    --control-group "$g"
	[ "$(stat -c '%a %G' events.jsonl vmrun.log | sort -u)" = "640 $g" ] ||
	    atf_fail "modes: $(stat -c '%n %a %G' events.jsonl vmrun.log | tr '\n' ' ')"
	reset
	echo earlier > events.jsonl
	chmod 644 events.jsonl
	atf_check -s exit:1 -o empty -e ignore ./run
	[ "$(stat -c '%a' events.jsonl)" = 644 ] ||
	    atf_fail "the user's file changed mode: $(stat -c '%a' events.jsonl)"
	grep -qx earlier events.jsonl || atf_fail "not appended to"
	no_leftovers
}

tc vnc_password "the VNC password reaches bhyve, and is password=* in the start event"
vnc_password_body()
{
	setup
	# Both forms: -o for a value with a comma, a legacy -s string.
	config '"emulations": [{"device": "fbuf", "password": "two,words"}, {"device": "raw", "value": "fbuf,tcp=127.0.0.1:5901,password=s3cret,wait"}]'
	atf_check -s exit:1 -o empty -e ignore ./run
	argvs | grep -qF ' -o pci.0.1.0.password=two,words ' ||
	    atf_fail "argv: $(argvs)"
	argvs | grep -qF ' -s 0:2:0,fbuf,tcp=127.0.0.1:5901,password=s3cret,wait ' ||
	    atf_fail "argv: $(argvs)"
	ev_assert "[w for w in ev('start')[0]['argv'] if 'password' in w] == ['pci.0.1.0.password=*', '0:2:0,fbuf,tcp=127.0.0.1:5901,password=*,wait']"
	! grep -qE 's3cret|two,words' events.jsonl ||
	    atf_fail "the password is in the events: $(oneline events.jsonl)"
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

tc backoff "restart_limit.backoff: a pause before restarts after failed runs, doubling in a row, none after a reboot"
backoff_body()
{
	setup
	config '"reboot_on": [0, 3], "restart_limit": {"count": 10, "seconds": 60, "backoff": 1}'
	export FAKE_BHYVE_STATUS="3 3 0 3 1"
	atf_check -s exit:1 -o empty -e ignore ./run
	runs 5
	ev_assert "main == ['start', 'exit', 'restart'] * 4 + ['start', 'exit', 'end']"
	# 3 then 3 again: 1 s, then 2 s; a reboot: none, and the count
	# starts again: 1 s.
	ev_assert "[e['delay'] for e in ev('restart')] == [1, 2, 0, 1]"
	no_leftovers
}

tc backoff_stop "a stop during the backoff ends vmrun at once, as a stop between runs"
backoff_stop_body()
{
	setup
	config '"reboot_on": [3], "restart_limit": {"count": 10, "seconds": 60, "backoff": 600}'
	export FAKE_BHYVE_STATUS="3"
	./run > out 2> err &
	BG=$!
	echo "$BG" >> bg.pids
	wait_for 'grep -q "\"restart\"" events.jsonl 2>/dev/null'
	VMRUN=$(oneline vmrun.pid)
	atf_check -o match:'^state +restarting$' "$V" status "$PWD/lt.sock"
	sig_vmrun TERM
	# Within ./run's 30 s, far less than the 600 s of the backoff.
	finish_bg 1
	runs 1
	ev_assert "main == ['start', 'exit', 'restart', 'stop-requested', 'end']"
	ev_assert "ev('restart')[0]['delay'] == 600"
	ev_assert "ev('end')[0]['reason'] == 'stopped'"
	# The stop request does the same.
	reset
	./run > out 2> err &
	BG=$!
	echo "$BG" >> bg.pids
	wait_for 'grep -q "\"restart\"" events.jsonl 2>/dev/null'
	atf_check -o inline:'ended: stopped, exit status 1\n' \
	    "$V" ctl "$PWD/lt.sock" stop --wait 20
	finish_bg 1
	runs 1
	no_leftovers
}

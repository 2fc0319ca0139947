#! /usr/bin/env atf-sh
#
# rc.d/vmrun, the rc.d script, on any system: a copy of it that sources
# tests/helpers/rc.subr-stub instead of /etc/rc.subr, takes its rc.conf
# from ./rc.conf and keeps its files in ./run and ./log instead of
# /var/run/vmrun and /var/log/vmrun, with fake-daemon as daemon(8) on
# PATH and fake-vmrun as PREFIX/sbin/vmrun (the real vmrun in one case).
# The fakes and the stub's kill record what they are asked in ./rcd.log,
# so the cases check the exact command lines.
#
# Every case runs the script through ./rc, under timeout(1); every wait
# is bounded, and every case has a cleanup part (rcd_cleanup) that kills
# what a failed case left running.

# tc, wait_for, oneline, alive, ev_assert.
. "$(atf_get_srcdir)/common.subr"

TC_CLEANUP=rcd_cleanup

# atf_check runs programs, not shell functions: every body calls
# rcd_setup, which writes ./rc, the script's copy and an rc.conf that
# enables it with ./conf as vmrun_confdir.
rcd_setup()
{
	H="$(atf_get_srcdir)/../helpers"
	S=$(layout source) || atf_skip "the installed suite has no source" \
	    "tree: these cases run rc.d/vmrun as it is before make install"
	S=$S/rc.d/vmrun
	RCD_LOG=$PWD/rcd.log
	RCD_CONF=$PWD/rc.conf
	PATH=$PWD/bin:$PATH
	export RCD_LOG RCD_CONF PATH
	mkdir bin prefix prefix/sbin conf
	ln -s "$H/fake-daemon" bin/daemon
	ln -s "$H/fake-vmrun" prefix/sbin/vmrun
	sed -e "s|^\. /etc/rc\.subr\$|. $H/rc.subr-stub|" \
	    -e "s|%%PREFIX%%|$PWD/prefix|g" \
	    -e "s|/var/run/vmrun|$PWD/run|g" \
	    -e "s|/var/log/vmrun|$PWD/log|g" "$S" > vmrun.rc
	grep -q "^\. $H/rc.subr-stub\$" vmrun.rc ||
	    atf_fail "$S does not source /etc/rc.subr on a line of its own"
	! grep -n -e '%%' -e /var/ -e /etc/rc.subr vmrun.rc ||
	    atf_fail "the copy of $S still names the real paths"
	cat > rc <<EOF
#!/bin/sh
exec timeout -k 5 60 /bin/sh "$PWD/vmrun.rc" "\$@"
EOF
	chmod +x rc
	printf 'vmrun_enable=YES\nvmrun_confdir=%s/conf\n' "$PWD" > rc.conf
	: > rcd.log
}

# rcconf LINE...: add the lines to rc.conf.
rcconf()
{
	printf '%s\n' "$@" >> rc.conf
}

# vm NAME [WORDS]: the configuration of NAME, with the words that tell
# fake-vmrun what to do.
vm()
{
	printf '%s\n' "${2:-}" > "conf/$1.json"
}

# args NAME [FLAG...]: the vmrun arguments the script gives NAME: always
# --no-stdio, and --stop-timeout $GRACE (default 60, what the default
# vmrun_stop_timeout of 80 leaves) before the flags.
args()
{
	_a=$1
	shift
	printf -- '-c %s -P %s --no-stdio --stop-timeout %s' \
	    "$PWD/conf/$_a.json" "$PWD/run/$_a.pid" "${GRACE:-60}"
	[ $# -eq 0 ] || printf ' %s' "$@"
}

# dline NAME [FLAG...]: the daemon(8) command line that starts NAME.
dline()
{
	printf 'daemon -f -P %s -o %s -H %s %s\n' "$PWD/run/$1.daemon.pid" \
	    "$PWD/log/$1.log" "$PWD/prefix/sbin/vmrun" "$(args "$@")"
}

# cline MODE NAME [FLAG...]: the vmrun command line that checks NAME
# before it starts (MODE --check or -d).
cline()
{
	_m=$1
	shift
	printf 'vmrun %s %s\n' "$_m" "$(args "$@")"
}

# check_recorded PATTERN: the lines of rcd.log matching PATTERN (BRE),
# in order, are exactly those of ./expected.
check_recorded()
{
	grep -e "$1" rcd.log > recorded || true
	atf_check -o file:expected cat recorded
}

# pid NAME: the pid in NAME's vmrun pid file.
pid()
{
	cat "run/$1.pid" 2>/dev/null
}

# runs NAME: NAME's vmrun runs (its pid file names a live process).
runs()
{
	[ -s "run/$1.pid" ] && alive "$(pid "$1")"
}

# pids: every process the fakes ran as, and what the pid files name.
rcd_pids()
{
	cat rcd.log.pids run/*.pid 2>/dev/null
	[ -f bhyve.log ] && awk '$1 == "start" { print $2 }' bhyve.log
	return 0
}

# no_leftovers: nothing the script started still runs.
no_leftovers()
{
	for _p in $(rcd_pids); do
		alive "$_p" && atf_fail "process $_p is still running:" \
		    "$(tr '\0' ' ' < "/proc/$_p/cmdline" 2>/dev/null)"
	done
	return 0
}

# The cleanup part: kill what a failed case left running (only the
# fakes and vmrun, checked by command line).
rcd_cleanup()
{
	for _p in $(rcd_pids); do
		if [ -r "/proc/$_p/cmdline" ]; then
			tr '\0' ' ' < "/proc/$_p/cmdline" |
			    grep -q -e fake- -e vmrun -e daemon || continue
		fi
		kill -KILL "$_p" 2>/dev/null
	done
	return 0
}

# ---------------------------------------------------------------------
# start

tc start_order "start: the VMs of vmrun_list in order, each through daemon -f -P -o -H, never -r, with -c, -P, --no-stdio, --stop-timeout, -t and the flags, checked first"
start_order_body()
{
	rcd_setup
	vm a
	vm web-1
	vm c
	rcconf 'vmrun_list="a web-1 c"' \
	    'vmrun_web_1_target=install' \
	    "vmrun_web_1_flags=\"--stop-timeout 5 --events $PWD/w.events\"" \
	    "vmrun_c_flags='-- -s 9,virtio-rnd *'"
	printf 'Starting vmrun %s.\n' a web-1 c > expout
	atf_check -s exit:0 -o file:expout -e empty ./rc start
	{
		cline --check a
		dline a
		cline --check web-1 -t install --stop-timeout 5 \
		    --events "$PWD/w.events"
		dline web-1 -t install --stop-timeout 5 \
		    --events "$PWD/w.events"
		cline --check c -- -s 9,virtio-rnd '*'
		dline c -- -s 9,virtio-rnd '*'
	} > expected
	check_recorded '^daemon \|^vmrun --check \|^vmrun -d '
	grep '^daemon ' rcd.log | grep -e ' -r' -e ' -R' &&
	    atf_fail "daemon was given a restart option"
	for n in a web-1 c; do
		runs "$n" || atf_fail "vmrun $n does not run"
		grep -q "^vmrun: $n: running\$" "log/$n.log" ||
		    atf_fail "log/$n.log has not vmrun's output:" \
		    "$(oneline "log/$n.log")"
		[ -s "run/$n.daemon.pid" ] ||
		    atf_fail "run/$n.daemon.pid is not written"
	done
	atf_check -s exit:0 -o ignore -e empty ./rc stop
	no_leftovers
}

tc start_named "start NAME ...: only the VMs named, in that order"
start_named_body()
{
	rcd_setup
	vm a
	vm b
	vm c
	rcconf 'vmrun_list="a b c"'
	printf 'Starting vmrun %s.\n' c a > expout
	atf_check -s exit:0 -o file:expout -e empty ./rc start c a
	{
		dline c
		dline a
	} > expected
	check_recorded '^daemon '
	runs b && atf_fail "b was started"
	atf_check -s exit:0 -o ignore -e empty ./rc stop
	no_leftovers
}

tc start_running "start: a VM already running is reported, and the others start"
start_running_body()
{
	rcd_setup
	vm a
	vm b
	rcconf 'vmrun_list="a b"'
	atf_check -s exit:0 -o inline:"Starting vmrun a.\n" -e empty ./rc start a
	pa=$(pid a)
	: > rcd.log
	printf 'vmrun a is already running as pid %s.\nStarting vmrun b.\n' \
	    "$pa" > expout
	atf_check -s exit:0 -o file:expout -e empty ./rc start
	{
		cline --check b
		dline b
	} > expected
	check_recorded '^daemon \|^vmrun --check '
	[ "$(pid a)" = "$pa" ] || atf_fail "a was started again"
	atf_check -s exit:0 -o ignore -e empty ./rc stop
	no_leftovers
}

tc missing_config "start: a configuration that is missing or not a readable file is reported, and the others start"
missing_config_body()
{
	rcd_setup
	vm a
	vm c
	mkdir conf/d.json
	rcconf 'vmrun_list="a b c d"'
	printf 'Starting vmrun %s.\n' a c > expout
	atf_check -s exit:1 -o file:expout \
	    -e match:"WARNING: b: $PWD/conf/b.json does not exist; not started\$" \
	    -e match:"WARNING: d: $PWD/conf/d.json is not a readable file; not started\$" \
	    ./rc start
	{
		cline --check a
		dline a
		cline --check c
		dline c
	} > expected
	check_recorded '^daemon \|^vmrun --check '
	atf_check -s exit:0 -o ignore -e empty ./rc stop
	no_leftovers
}

tc bad_name "start, stop, status: a VM name with other than letters, digits, _ and - is refused before it is used"
bad_name_body()
{
	rcd_setup
	vm a
	vm c
	# A name that would run a command if it reached eval unchecked, with
	# a configuration, so that only the name check stops it.
	bad='x}$(touch${IFS}$RCD_LOG.pwned)${y'
	vm "$bad"
	rcconf "vmrun_list='a x.y -z ../c $bad c'"
	printf 'Starting vmrun %s.\n' a c > expout
	atf_check -s exit:1 -o file:expout -e save:err ./rc start
	for n in 'x.y' '-z' '../c' "$bad"; do
		grep -qF "WARNING: bad VM name \"$n\": use letters, digits, _ and -, starting with a letter or a digit" err ||
		    atf_fail "$n not refused: $(oneline err)"
	done
	[ "$(grep -c WARNING err)" = 4 ] || atf_fail "stderr: $(oneline err)"
	[ ! -e rcd.log.pwned ] || atf_fail "a VM name ran a command"
	{
		dline a
		dline c
	} > expected
	check_recorded '^daemon '
	atf_check -s exit:1 -o inline:"vmrun a is running as pid $(pid a).\n" \
	    -e match:'bad VM name "x.y"' ./rc status a x.y
	printf 'Stopping vmrun %s.\n' c a > expout
	atf_check -s exit:1 -o file:expout -e match:'bad VM name "-z"' \
	    ./rc stop
	[ ! -e rcd.log.pwned ] || atf_fail "a VM name ran a command"
	no_leftovers
}

tc check_fails "start: a VM that vmrun --check refuses is not started, with vmrun's message, and the others start"
check_fails_body()
{
	rcd_setup
	vm a
	vm b check=69
	vm c
	rcconf 'vmrun_list="a b c"'
	printf 'Starting vmrun %s.\n' a c > expout
	atf_check -s exit:1 -o file:expout -e save:err ./rc start
	grep -q '^vmrun: b: a problem$' err ||
	    atf_fail "vmrun's message is not shown: $(oneline err)"
	grep -q 'WARNING: b: vmrun refuses to start it (exit status 69, see above); not started$' err ||
	    atf_fail "no warning for b: $(oneline err)"
	{
		cline --check a
		dline a
		cline --check b
		cline --check c
		dline c
	} > expected
	check_recorded '^daemon \|^vmrun --check '
	atf_check -s exit:0 -o ignore -e empty ./rc stop
	no_leftovers
}

tc check_mode "start: flags that skip the host checks or destroy a stale VM make the check a dry run (-d), whose output is not shown"
check_mode_body()
{
	rcd_setup
	for n in a b c d; do
		vm "$n"
	done
	rcconf 'vmrun_list="a b c d"' \
	    'vmrun_a_flags=--no-requirement-check' 'vmrun_b_flags=-f' \
	    'vmrun_c_flags="--fix --force"' 'vmrun_d_flags="--fix -- -f"'
	printf 'Starting vmrun %s.\n' a b c d > expout
	atf_check -s exit:0 -o file:expout -e empty ./rc start
	{
		cline -d a --no-requirement-check
		cline -d b -f
		cline -d c --fix --force
		cline --check d --fix -- -f
	} > expected
	check_recorded '^vmrun --check \|^vmrun -d '
	atf_check -s exit:0 -o ignore -e empty ./rc stop
	no_leftovers
}

tc exits_at_once "start: a vmrun that ends at once is reported with the end of its log"
exits_at_once_body()
{
	rcd_setup
	vm a exit=75
	vm b
	rcconf 'vmrun_list="a b"'
	printf 'Starting vmrun %s.\n' a b > expout
	atf_check -s exit:1 -o file:expout -e save:err ./rc start
	grep -q "WARNING: a: vmrun ended at once; the end of $PWD/log/a.log:\$" err ||
	    atf_fail "no warning for a: $(oneline err)"
	grep -q '^    vmrun: a: cannot start$' err ||
	    atf_fail "the log is not quoted: $(oneline err)"
	runs b || atf_fail "b does not run"
	atf_check -s exit:0 -o ignore -e empty ./rc stop
	no_leftovers
}

tc daemon_fails "start: daemon(8) failing is reported"
daemon_fails_body()
{
	rcd_setup
	vm a
	rcconf 'vmrun_list=a'
	export FAKE_DAEMON_STATUS=3
	atf_check -s exit:1 -o inline:"Starting vmrun a.\n" \
	    -e match:'WARNING: a: daemon\(8\) failed \(exit status 3\); not started$' \
	    ./rc start
	no_leftovers
}

tc disabled "vmrun_enable=NO: start does nothing; onestart does"
disabled_body()
{
	rcd_setup
	vm a
	rcconf 'vmrun_list=a' 'vmrun_enable=NO'
	atf_check -s exit:0 -o match:"^Cannot 'start' vmrun. Set vmrun_enable to YES" \
	    -e empty ./rc start
	[ ! -s rcd.log ] || atf_fail "started: $(oneline rcd.log)"
	atf_check -s exit:0 -o inline:"Starting vmrun a.\n" -e empty \
	    ./rc onestart
	runs a || atf_fail "a does not run"
	atf_check -s exit:0 -o ignore -e empty ./rc onestop
	no_leftovers
}

tc no_terminal "start: vmrun and bhyve never read the terminal the script was run from (daemon -f)"
no_terminal_body()
{
	rcd_setup
	vm a
	rcconf 'vmrun_list=a'
	# What an admin would type into the ssh session that started the
	# VMs: a fake daemon(8) without -f hands it on, as daemon(8) does.
	printf 'keystrokes\n' > keys
	atf_check -s exit:0 -o inline:"Starting vmrun a.\n" -e empty \
	    sh -c './rc start < keys'
	dline a > expected
	check_recorded '^daemon '
	runs a || atf_fail "a does not run"
	grep '^stdin ' rcd.log &&
	    atf_fail "vmrun read the script's standard input"
	atf_check -s exit:0 -o ignore -e empty ./rc stop
	no_leftovers
}

tc onestart_stop "vmrun_enable=NO: stop, and faststop as rc.shutdown(8) runs it, reach the VMs started with onestart"
onestart_stop_body()
{
	rcd_setup
	vm a
	vm b
	rcconf 'vmrun_list="a b"' 'vmrun_enable=NO'
	printf 'Starting vmrun %s.\n' a b > expout
	atf_check -s exit:0 -o file:expout -e empty ./rc onestart
	pa=$(pid a) pb=$(pid b)
	: > rcd.log
	atf_check -s exit:0 -o inline:"Stopping vmrun a.\n" -e empty \
	    ./rc stop a
	atf_check -o inline:"kill -TERM $pa\n" grep '^kill ' rcd.log
	runs a && atf_fail "a still runs"
	runs b || atf_fail "b was stopped"
	# At shutdown: quiet, and not refused for vmrun_enable.
	: > rcd.log
	atf_check -s exit:0 -o inline:"Stopping vmrun b.\nvmrun a is not running.\n" \
	    -e empty ./rc faststop
	atf_check -o inline:"kill -TERM $pb\n" grep '^kill ' rcd.log
	runs b && atf_fail "b still runs"
	# Nothing runs: the stop is refused as rc.subr refuses it.
	: > rcd.log
	atf_check -s exit:0 -o match:"^Cannot 'stop' vmrun. Set vmrun_enable to YES" \
	    -e empty ./rc stop
	atf_check -s exit:0 -o empty -e empty ./rc faststop
	[ ! -s rcd.log ] || atf_fail "something was run: $(oneline rcd.log)"
	no_leftovers
}

tc start_after_onestart "start NAME while another VM runs: not refused as \"already running\""
start_after_onestart_body()
{
	rcd_setup
	vm a
	vm b
	rcconf 'vmrun_list="a b"'
	atf_check -s exit:0 -o inline:"Starting vmrun a.\n" -e empty \
	    ./rc start a
	atf_check -s exit:0 -o inline:"Starting vmrun b.\n" -e empty \
	    ./rc start b
	atf_check -s exit:0 -o inline:"Stopping vmrun a.\nStarting vmrun a.\n" \
	    -e empty ./rc restart a
	printf 'Stopping vmrun %s.\n' b a > expout
	atf_check -s exit:0 -o file:expout -e empty ./rc stop
	no_leftovers
}

tc shutdown_bound "stop: ends within rcshutdown_timeout, with 10 s to spare, and vmrun forces the guest off 20 s before that"
shutdown_bound_body()
{
	rcd_setup
	vm a
	vm b term=ignore
	rcconf 'vmrun_list="a b"' 'rcshutdown_timeout=12'
	atf_check -s exit:0 -o ignore -e empty ./rc start
	GRACE=0
	{
		dline a
		dline b
	} > expected
	check_recorded '^daemon '
	printf 'Stopping vmrun %s.\n' b a > expout
	atf_check -s exit:1 -o file:expout \
	    -e match:'WARNING: still running after 2 seconds: b$' ./rc faststop
	runs b || atf_fail "b does not run"
}

tc stop_timeout_long "stop: a vmrun_stop_timeout that would outlast rcshutdown_timeout is cut to it less 10 s, and said so"
stop_timeout_long_body()
{
	rcd_setup
	vm a
	# Decimal, whatever its leading zeros.
	rcconf 'vmrun_list=a' 'vmrun_stop_timeout=100' 'rcshutdown_timeout=040'
	GRACE=10
	atf_check -s exit:0 -o inline:"Starting vmrun a.\n" \
	    -e match:'WARNING: vmrun_stop_timeout=100 does not end before rcshutdown_timeout=040; 30 it is$' \
	    ./rc start
	dline a > expected
	check_recorded '^daemon '
	atf_check -s exit:0 -o inline:"Stopping vmrun a.\n" \
	    -e match:'vmrun_stop_timeout=100 does not end before' ./rc stop
	no_leftovers
}

# ---------------------------------------------------------------------
# stop

tc stop_reverse "stop: SIGTERM to every VM's vmrun in the reverse order of vmrun_list, all before waiting for any"
stop_reverse_body()
{
	rcd_setup
	for n in a b c; do
		vm "$n" term=slow
	done
	rcconf 'vmrun_list="a b c"'
	atf_check -s exit:0 -o ignore -e empty ./rc start
	pa=$(pid a) pb=$(pid b) pc=$(pid c)
	: > rcd.log
	printf 'Stopping vmrun %s.\n' c b a > expout
	atf_check -s exit:0 -o file:expout -e empty ./rc stop
	printf 'kill -TERM %s\n' "$pc" "$pb" "$pa" > expected
	check_recorded '^kill '
	# Each fake exits 1 s after its SIGTERM: a stop that waited for one
	# before signalling the next would record an exit before a kill.
	awk '/^exit / { e = 1 } /^kill / && e { bad = 1 }
	    END { exit bad }' rcd.log ||
	    atf_fail "a VM was waited for before the next was signalled:" \
	    "$(oneline rcd.log)"
	[ "$(grep -c '^exit ' rcd.log)" = 3 ] ||
	    atf_fail "not every VM ended: $(oneline rcd.log)"
	for n in a b c; do
		[ ! -e "run/$n.pid" ] || atf_fail "run/$n.pid is left"
		[ ! -e "run/$n.daemon.pid" ] ||
		    atf_fail "run/$n.daemon.pid is left"
	done
	no_leftovers
}

tc stop_bound "stop: waits vmrun_stop_timeout seconds at most, then names the VMs still running"
stop_bound_body()
{
	rcd_setup
	vm a
	vm b term=ignore
	vm c
	rcconf 'vmrun_list="a b c"' 'vmrun_stop_timeout=2'
	atf_check -s exit:0 -o ignore -e empty ./rc start
	t0=$(date +%s)
	printf 'Stopping vmrun %s.\n' c b a > expout
	atf_check -s exit:1 -o file:expout \
	    -e match:'WARNING: still running after 2 seconds: b$' ./rc stop
	t=$(($(date +%s) - t0))
	if [ "$t" -lt 2 ] || [ "$t" -gt 8 ]; then
		atf_fail "the stop took $t s, with a bound of 2 s"
	fi
	grep -q '^term b$' rcd.log || atf_fail "b got no SIGTERM"
	runs b || atf_fail "b does not run"
	runs a && atf_fail "a still runs"
	runs c && atf_fail "c still runs"
	atf_check -s exit:0 -o inline:"vmrun b is running as pid $(pid b).\n" \
	    -e empty ./rc status b
}

tc stop_timeout_bad "start, stop: a vmrun_stop_timeout that is not a number is reported, and 80 s used"
stop_timeout_bad_body()
{
	rcd_setup
	vm a
	rcconf 'vmrun_list=a' 'vmrun_stop_timeout=soon'
	atf_check -s exit:0 -o ignore \
	    -e match:'WARNING: vmrun_stop_timeout="soon" is not a number of seconds; 80 it is$' \
	    ./rc start
	dline a > expected
	check_recorded '^daemon '
	atf_check -s exit:0 -o inline:"Stopping vmrun a.\n" \
	    -e match:'WARNING: vmrun_stop_timeout="soon" is not a number of seconds; 80 it is$' \
	    ./rc stop
	no_leftovers
}

tc stop_named "stop NAME ...: only the VMs named, each once"
stop_named_body()
{
	rcd_setup
	for n in a b c; do
		vm "$n"
	done
	rcconf 'vmrun_list="a b c"'
	atf_check -s exit:0 -o ignore -e empty ./rc start
	pb=$(pid b)
	: > rcd.log
	# Named twice, signalled once: one stop request is enough.
	atf_check -s exit:0 -o inline:"Stopping vmrun b.\n" -e empty \
	    ./rc stop b b
	atf_check -o inline:"kill -TERM $pb\n" grep '^kill ' rcd.log
	runs b && atf_fail "b still runs"
	runs a || atf_fail "a was stopped"
	runs c || atf_fail "c was stopped"
	atf_check -s exit:0 -o ignore -e empty ./rc stop
	no_leftovers
}

tc stop_not_running "stop: VMs that do not run are reported, not an error"
stop_not_running_body()
{
	rcd_setup
	rcconf 'vmrun_list="a b"'
	printf 'vmrun %s is not running.\n' b a > expout
	atf_check -s exit:0 -o file:expout -e empty ./rc stop
	[ ! -s rcd.log ] || atf_fail "something was run: $(oneline rcd.log)"
}

tc started_by_name "stop, status: a VM started by name, not in vmrun_list, is stopped first and shown last"
started_by_name_body()
{
	rcd_setup
	vm a
	vm x
	rcconf 'vmrun_list=a'
	atf_check -s exit:0 -o ignore -e empty ./rc start
	atf_check -s exit:0 -o inline:"Starting vmrun x.\n" -e empty \
	    ./rc start x
	printf 'vmrun a is running as pid %s.\nvmrun x is running as pid %s.\n' \
	    "$(pid a)" "$(pid x)" > expout
	atf_check -s exit:0 -o file:expout -e empty ./rc status
	printf 'Stopping vmrun %s.\n' x a > expout
	atf_check -s exit:0 -o file:expout -e empty ./rc stop
	no_leftovers
}

# ---------------------------------------------------------------------
# status

tc status "status: every VM running with its vmrun's pid, or not running (then exit 1); a stale pid file is not a running VM"
status_body()
{
	rcd_setup
	vm a
	vm c
	rcconf 'vmrun_list="a b c"'
	atf_check -s exit:1 -o ignore -e ignore ./rc start
	printf 'vmrun a is running as pid %s.\nvmrun b is not running.\nvmrun c is running as pid %s.\n' \
	    "$(pid a)" "$(pid c)" > expout
	atf_check -s exit:1 -o file:expout -e empty ./rc status
	printf 'vmrun c is running as pid %s.\nvmrun a is running as pid %s.\n' \
	    "$(pid c)" "$(pid a)" > expout
	atf_check -s exit:0 -o file:expout -e empty ./rc status c a
	# b's pid file naming a live process that is not vmrun, then one
	# that has ended.
	mkdir -p run
	sleep 30 &
	s=$!
	echo "$s" > run/b.pid
	atf_check -s exit:1 -o inline:"vmrun b is not running.\n" -e empty \
	    ./rc status b
	kill "$s"
	wait "$s"
	atf_check -s exit:1 -o inline:"vmrun b is not running.\n" -e empty \
	    ./rc status b
	rm run/b.pid
	atf_check -s exit:0 -o ignore -e empty ./rc stop
	no_leftovers
}

# ---------------------------------------------------------------------
# With the real vmrun

tc real_vmrun "start, status, stop with the real vmrun and the fake bhyve: the arguments are vmrun's, and a stop is vmrun's graceful one"
real_vmrun_body()
{
	rcd_setup
	fake_env
	rm prefix/sbin/vmrun
	ln -s "$V" prefix/sbin/vmrun
	: > rom.fd
	printf '{"name": "lt", "cpu": 1, "mem": "256M", "bootrom": "%s"}\n' \
	    "$PWD/rom.fd" > conf/lt.json
	export FAKE_BHYVE_RUNTIME=forever
	rcconf 'vmrun_list=lt' \
	    "vmrun_lt_flags=\"--bhyve $H/fake-bhyve --bhyvectl $H/fake-bhyvectl --bhyveload $H/fake-bhyveload --vmm-dir $PWD/vmm --events $PWD/events.jsonl\""
	atf_check -s exit:0 -o inline:"Starting vmrun lt.\n" -e empty ./rc start
	wait_for '[ -f bhyve.log ] && grep -q "^start " bhyve.log'
	p=$(pid lt)
	tr '\0' ' ' < "/proc/$p/cmdline" | grep -q "^$PWD/prefix/sbin/vmrun -c " ||
	    atf_fail "run/lt.pid does not name vmrun"
	atf_check -s exit:0 -o inline:"vmrun lt is running as pid $p.\n" \
	    -e empty ./rc status
	# The control socket is beside the pid file, where vmrun status
	# finds it.
	atf_check -s exit:0 -o match:'^state +running$' -e empty \
	    "$V" status "$PWD/run/lt.sock"
	atf_check -s exit:0 -o inline:"Stopping vmrun lt.\n" -e empty ./rc stop
	EVENTS=$PWD/events.jsonl
	ev_assert "main == ['start', 'stop-requested', 'exit', 'end']"
	ev_assert "ev('stop-requested')[0]['signal'] == 'SIGTERM'"
	ev_assert "ev('end')[0]['reason'] == 'stopped'"
	[ ! -e run/lt.pid ] || atf_fail "run/lt.pid is left"
	[ ! -e run/lt.daemon.pid ] || atf_fail "run/lt.daemon.pid is left"
	no_leftovers
}

tc real_vmrun_stdio "start with the real vmrun: a VM with a COM port on stdio is refused by vmrun's check, naming the key and suggesting capture, and not started"
real_vmrun_stdio_body()
{
	rcd_setup
	fake_env
	rm prefix/sbin/vmrun
	ln -s "$V" prefix/sbin/vmrun
	: > rom.fd
	printf '{"name": "con", "cpu": 1, "mem": "256M", "bootrom": "%s", "com1": "stdio"}\n' \
	    "$PWD/rom.fd" > conf/con.json
	rcconf 'vmrun_list=con' \
	    "vmrun_con_flags=\"--bhyve $H/fake-bhyve --bhyvectl $H/fake-bhyvectl --bhyveload $H/fake-bhyveload --vmm-dir $PWD/vmm\""
	atf_check -s exit:1 -o empty -e save:err ./rc start
	grep -qF "vmrun: $PWD/conf/con.json: com1: \"stdio\" needs a terminal, and vmrun --no-stdio has none" err ||
	    atf_fail "vmrun's refusal is not shown: $(oneline err)"
	grep -qF 'fix: set "com1": "capture" and use vmrun console con' err ||
	    atf_fail "capture is not suggested: $(oneline err)"
	grep -q 'WARNING: con: vmrun refuses to start it (exit status 65, see above); not started$' err ||
	    atf_fail "no warning for con: $(oneline err)"
	[ ! -e bhyve.log ] || atf_fail "bhyve was started: $(oneline bhyve.log)"
	[ ! -e run/con.daemon.pid ] || atf_fail "daemon(8) was started"
}

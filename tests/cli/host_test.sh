#! /usr/bin/env atf-sh
#
# The host checks (vmrun(8) HOST CHECKS) against the real (Linux) host: tap
# interfaces made inside a private network namespace (unshare -n, ip
# tuntap), files with and without permission (vmrun run as nobody), UNIX
# sockets with and without a listener, a temporary directory standing in
# for /dev/vmm, and the --check --json output.  check_test covers every
# check through a fake host; this suite shows the real host answers the
# same.
#
# Every case runs vmrun through ./check (vmrun --check) or ./run (a start
# against the fake bhyve), both written by setup, from the work directory;
# tap cases run them through ./in-ns.  Background helpers record their pid
# in bg.pids and the cleanup part kills them; every wait is bounded.  A
# case that cannot run here (not root, no unshare, no /dev/net/tun) says
# why and is skipped.

# fake_env, wait_for, oneline, tc and atf_init_test_cases.
. "$(atf_get_srcdir)/common.subr"

# atf_check runs programs, not shell functions: every body calls setup.
setup()
{
	fake_env
	cat > check <<EOF
#!/bin/sh
exec timeout -k 5 30 "$V" -c "\${CONFIG:-vm.json}" --check \\
    --vmm-dir "$PWD/vmm" -P "$PWD/vmrun.pid" "\$@"
EOF
	cat > run <<EOF
#!/bin/sh
exec timeout -k 5 30 "$V" -c "\${CONFIG:-vm.json}" \\
    --bhyve "$H/fake-bhyve" --bhyvectl "$H/fake-bhyvectl" \\
    --bhyveload "$H/fake-bhyveload" --vmm-dir "$PWD/vmm" \\
    -P "$PWD/vmrun.pid" "\$@"
EOF
	# in-ns [TAP...] -- COMMAND...: COMMAND in a new network namespace
	# (no interface but lo), after making the tap interfaces TAP there.
	# The namespace ends with COMMAND: nothing is left on the host.
	cat > in-ns <<'EOF'
#!/bin/sh
exec unshare -n sh -c '
while [ "$1" != -- ]; do
	ip tuntap add "$1" mode tap || exit 125
	shift
done
shift
exec "$@"' in-ns "$@"
EOF
	chmod +x check run in-ns
}

# need_netns: skip unless this host lets us make network namespaces and
# tap interfaces in them.
need_netns()
{
	local why

	[ "$(id -u)" = 0 ] ||
	    atf_skip "unshare -n and ip tuntap need root (uid $(id -u))"
	[ -c /dev/net/tun ] || atf_skip "no /dev/net/tun on this host"
	why=$(unshare -n ip tuntap add tapprobe0 mode tap 2>&1) ||
	    atf_skip "cannot make a tap in a network namespace: $why"
}

# config [JSON MEMBERS]: vm.json for the VM "ht" with the bootrom rom.fd
# (made here), so that only the case's own devices can be problems.
config()
{
	: > rom.fd
	printf '{"name": "ht", "cpu": 1, "mem": "256M", "bootrom": "rom.fd"%s}\n' \
	    "${1:+, $1}" > vm.json
}

# seed_config: the example configuration (examples/freebsd-test.json) with
# its firmware in the work directory, where nothing exists yet.
seed_config()
{
	sed "s|/usr/local/share/uefi-firmware/BHYVE_UEFI.fd|$PWD/BHYVE_UEFI.fd|" \
	    "$(layout example)" > vm.json
	grep -q "\"$PWD/BHYVE_UEFI.fd\"" vm.json ||
	    atf_fail "the example's bootrom moved: update seed_config"
}

# not_started: the fake bhyve never ran, and no VM was made.
not_started()
{
	[ ! -e bhyve.log ] || atf_fail "bhyve ran: $(oneline bhyve.log)"
	[ -z "$(ls vmm)" ] || atf_fail "a VM was made: $(ls vmm)"
}

# The cleanup part: kill the helpers a case started (recorded in
# bg.pids), remove a temporary directory it made outside the work
# directory (recorded in tmpdir).
cleanup()
{
	local p

	for p in $(cat bg.pids 2>/dev/null); do
		kill -KILL "$p" 2>/dev/null
	done
	if [ -s tmpdir ]; then
		case $(cat tmpdir) in
		/tmp/vmrun-host.*) rm -rf "$(cat tmpdir)" ;;
		esac
	fi
	return 0
}

# Every case has the common cleanup part.
TC_CLEANUP=cleanup

# A python3 program: hold tap interface $1 open (TUNSETIFF, as bhyve
# does), write our pid to $2 once it is held, then wait (at most 60 s).
cat_holdtap()
{
	cat > holdtap.py <<'EOF'
import fcntl, os, struct, sys, time
TUNSETIFF, IFF_TAP, IFF_NO_PI = 0x400454ca, 0x0002, 0x1000
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", sys.argv[1].encode(),
    IFF_TAP | IFF_NO_PI))
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write("%d\n" % os.getpid())
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
time.sleep(60)
EOF
}

# A python3 program: a UNIX socket at $1; with $2, listen on it, write
# our pid to $2 once listening, and wait (at most 60 s); without, bind
# and exit, leaving a stale socket behind.
cat_unixsock()
{
	cat > unixsock.py <<'EOF'
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
if len(sys.argv) > 2:
    s.listen(1)
    with open(sys.argv[2] + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(sys.argv[2] + ".tmp", sys.argv[2])
    time.sleep(60)
EOF
}

# ---------------------------------------------------------------------
# The "done when" of issue 4

tc seed_missing "a missing tap, disk, ISO and firmware: four problems under three devices and lpc, exit 69, nothing started; in place, --check passes"
seed_missing_body()
{
	setup
	need_netns
	seed_config
	cat > expect <<EOF
vmrun: freebsd-test: 4 problems
  pci 0:1:0 virtio-net tap3
    tap interface tap3 does not exist
      fix: ifconfig tap3 create   (or set "fix": true on this device)
  pci 0:2:0 virtio-blk disk.img
    disk.img: No such file or directory
  pci 0:3:0 ahci-cd FreeBSD-13.0-RELEASE-amd64-disc1.iso
    FreeBSD-13.0-RELEASE-amd64-disc1.iso: No such file or directory
  lpc bootrom
    $PWD/BHYVE_UEFI.fd: No such file or directory
EOF
	atf_check -s exit:69 -o empty -e file:expect \
	    ./in-ns -- ./check -t install
	# A start checks the same, says so, and starts nothing.
	sed '1s/$/; the VM was not started/' expect > expect.start
	atf_check -s exit:69 -o empty -e file:expect.start \
	    ./in-ns -- ./run -t install
	not_started
	[ ! -e vmrun.pid ] || atf_fail "the lock file was left behind"
	# Everything in place (and nothing changed by the checks).
	: > disk.img
	: > FreeBSD-13.0-RELEASE-amd64-disc1.iso
	: > BHYVE_UEFI.fd
	atf_check -s exit:0 -o empty -e empty ./in-ns tap3 -- ./check -t install
	atf_check -s exit:0 -o empty -e empty ./in-ns tap3 -- ./check
	not_started
}

tc seed_json "--check --json: the diagnostics of the seed example on stdout, with every field"
seed_json_body()
{
	setup
	need_netns
	seed_config
	atf_check -s exit:69 -o save:out -e empty \
	    ./in-ns -- ./check -t install --json
	cat > assert.py <<EOF
import json, sys
j = json.load(open("out"))
assert set(j) == {"vm", "ok", "diagnostics"}, j
assert j["vm"] == "freebsd-test" and j["ok"] is False, j
d = j["diagnostics"]
keys = {"severity", "code", "group", "path", "message", "fix"}
assert all(set(x) == keys for x in d), d
assert [(x["severity"], x["code"], x["group"], x["path"]) for x in d] == [
    ("error", "tap-missing", "pci 0:1:0 virtio-net tap3", "emulations[0].name"),
    ("error", "file-missing", "pci 0:2:0 virtio-blk disk.img", "emulations[1].path"),
    ("error", "file-missing", "pci 0:3:0 ahci-cd FreeBSD-13.0-RELEASE-amd64-disc1.iso", "targets.install.emulations[0].path"),
    ("error", "file-missing", "lpc bootrom", "bootrom")], d
assert d[0]["message"] == "tap interface tap3 does not exist", d[0]
assert d[0]["fix"] == 'ifconfig tap3 create   (or set "fix": true on this device)', d[0]
assert d[1]["message"] == "disk.img: No such file or directory", d[1]
assert d[3]["message"] == "$PWD/BHYVE_UEFI.fd: No such file or directory", d[3]
assert [x["fix"] for x in d[1:]] == [None, None, None], d
EOF
	atf_check -s exit:0 python3 assert.py
	# All in place: ok, and an empty list.
	: > disk.img
	: > FreeBSD-13.0-RELEASE-amd64-disc1.iso
	: > BHYVE_UEFI.fd
	atf_check -s exit:0 -o save:out -e empty \
	    ./in-ns tap3 -- ./check -t install --json
	atf_check -s exit:0 python3 -c 'import json
j = json.load(open("out"))
assert j == {"vm": "freebsd-test", "ok": True, "diagnostics": []}, j'
}

# ---------------------------------------------------------------------
# Tap interfaces in a private network namespace

tc tap_present "a tap interface that exists and is free passes"
tap_present_body()
{
	setup
	need_netns
	config '"emulations": [{"device": "virtio-net", "name": "tap5"}, {"device": "e1000", "name": "tap6"}]'
	atf_check -s exit:0 -o empty -e empty ./in-ns tap5 tap6 -- ./check
}

tc tap_missing "a tap interface that does not exist is tap-missing; --check alone creates nothing"
tap_missing_body()
{
	setup
	need_netns
	config '"emulations": [{"device": "virtio-rnd"}, {"device": "virtio-net", "name": "tap5"}]'
	cat > expect <<'EOF'
vmrun: ht: 1 problem
  pci 0:2:0 virtio-net tap5
    tap interface tap5 does not exist
      fix: ifconfig tap5 create   (or set "fix": true on this device)
EOF
	check_no_tap5 69 False '[("error", "tap-missing")]'
}

# check_no_tap5 STATUS OK DIAGS: ./check, in a namespace without tap5,
# exits STATUS with the text of ./expect and creates no tap5; with --json
# its "ok" is OK and its diagnostics are DIAGS, (severity, code) pairs
# in Python.
check_no_tap5()
{
	atf_check -s exit:"$1" -o empty -e file:expect \
	    ./in-ns -- sh -c './check; st=$?; ! ip link show tap5 2>/dev/null && exit $st'
	atf_check -s exit:"$1" -o save:out -e empty ./in-ns -- ./check --json
	atf_check -s exit:0 python3 -c 'import json, sys
j = json.load(open("out"))
assert j["ok"] is eval(sys.argv[1]), j
assert [(d["severity"], d["code"]) for d in j["diagnostics"]] == eval(sys.argv[2]), j' "$2" "$3"
}

tc tap_fix_preview "--check passes a VM whose tap \"fix\": true would create, with a warning, and creates nothing"
tap_fix_preview_body()
{
	setup
	need_netns
	# As rc.d checks before it starts: taps do not survive a reboot.
	config '"emulations": [{"device": "virtio-rnd"}, {"device": "virtio-net", "name": "tap5", "fix": true}]'
	cat > expect <<'EOF'
vmrun: ht: no problems
  pci 0:2:0 virtio-net tap5
    warning: tap interface tap5 does not exist; will be fixed at start
      fix: ifconfig tap5 create
EOF
	check_no_tap5 0 True '[("warning", "tap-missing")]'
	# The start that follows agrees: it makes the tap and starts.
	atf_check -s exit:1 -o empty -e ignore ./in-ns -- ./run
	grep -q '^start .*tap5' bhyve.log || atf_fail "the start did not follow"
}

tc tap_check_fix "--check --fix creates a missing tap interface and checks again"
tap_check_fix_body()
{
	setup
	need_netns
	config '"emulations": [{"device": "virtio-net", "name": "tap5"}]'
	cat > expect <<'EOF'
vmrun: ht: no problems
  pci 0:1:0 virtio-net tap5
    fixed: created tap interface tap5
EOF
	atf_check -s exit:0 -o match:'^[0-9]+: tap5: ' -e file:expect \
	    ./in-ns -- sh -c './check --fix && ip link show tap5'
	# Checked again after the fix: a second check in the same
	# namespace finds it in place and has nothing to say.
	atf_check -s exit:0 -o empty -e empty \
	    ./in-ns -- sh -c './check --fix 2>/dev/null && ./check'
}

tc tap_fix_at_start "a start creates the tap of a device with \"fix\": true, starts, and destroys the tap it made at the end; without it, refuses with 69"
tap_fix_at_start_body()
{
	setup
	need_netns
	config '"emulations": [{"device": "virtio-net", "name": "tap5", "fix": true}]'
	atf_check -s exit:1 -o empty -e save:err \
	    ./in-ns -- sh -c './run && exit 99; st=$?; ip link show tap5 > /dev/null 2>&1 && exit 98; exit $st'
	grep -q '^vmrun: ht: pci 0:1:0 virtio-net tap5: fixed: created tap interface tap5$' err ||
	    atf_fail "no word of the fix: $(oneline err)"
	grep -q '^start .* -s 0:1:0,virtio-net,tap5 .*ht$' bhyve.log ||
	    atf_fail "bhyve did not start with tap5: $(oneline bhyve.log)"

	# The same device without "fix": the start is refused.
	rm -f bhyve.* order.log vmm/*
	config '"emulations": [{"device": "virtio-net", "name": "tap5"}]'
	cat > expect <<'EOF'
vmrun: ht: 1 problem; the VM was not started
  pci 0:1:0 virtio-net tap5
    tap interface tap5 does not exist
      fix: ifconfig tap5 create   (or set "fix": true on this device)
EOF
	atf_check -s exit:69 -o empty -e file:expect ./in-ns -- ./run
	not_started
	# ... unless --fix says to fix everything.
	atf_check -s exit:1 -o empty -e ignore ./in-ns -- ./run --fix
	grep -q '^start .*tap5' bhyve.log || atf_fail "--fix did not start"
}

tc tap_busy "a tap interface another process holds open is tap-busy"
tap_busy_body()
{
	setup
	need_netns
	config '"emulations": [{"device": "virtio-net", "name": "tap5", "fix": true}]'
	cat_holdtap
	# All in the namespace: the holder in the background, then the
	# check once the holder has the tap, then the holder killed.
	cat > busy.sh <<'EOF'
python3 holdtap.py tap5 holder.pid 2> holder.err &
echo $! >> bg.pids
n=100
while [ ! -s holder.pid ] && [ $n -gt 0 ]; do
	kill -0 $! 2>/dev/null || break
	sleep 0.1
	n=$((n - 1))
done
[ -s holder.pid ] || { echo "holder did not start: $(cat holder.err)" >&2; exit 125; }
"$@"
st=$?
kill $(cat holder.pid)
wait
exit $st
EOF
	cat > expect <<'EOF'
vmrun: ht: 1 problem
  pci 0:1:0 virtio-net tap5
    tap interface tap5 is open in another process (another VM?)
EOF
	atf_check -s exit:69 -o empty -e file:expect \
	    ./in-ns tap5 -- sh busy.sh ./check --fix
	# A start is refused the same way, and the fix is no help.
	rm -f holder.pid
	sed '1s/$/; the VM was not started/' expect > expect.start
	atf_check -s exit:69 -o empty -e file:expect.start \
	    ./in-ns tap5 -- sh busy.sh ./run
	not_started
}

# ---------------------------------------------------------------------
# Files, as a user without privileges

# unpriv_dir: a directory nobody can read, outside the work directory
# (which may be private), with a copy of vmrun that nobody can run; $T.
unpriv_dir()
{
	[ "$(id -u)" = 0 ] ||
	    atf_skip "running vmrun as nobody needs root (uid $(id -u))"
	command -v setpriv > /dev/null || atf_skip "no setpriv(1) here"
	id nobody > /dev/null 2>&1 || atf_skip "no user nobody here"
	getent group nogroup > /dev/null || atf_skip "no group nogroup here"
	T=$(mktemp -d /tmp/vmrun-host.XXXXXX) || atf_fail "mktemp failed"
	echo "$T" > tmpdir
	chmod 755 "$T"
	cp "$V" "$T/vmrun"
	chmod 755 "$T/vmrun"
	cat > nobody <<EOF
#!/bin/sh
# vmrun --check as nobody; LeakSanitizer's suppressions (a sanitizer
# build) may be in a directory nobody cannot read, and vmrun needs none.
exec env -u LSAN_OPTIONS timeout -k 5 30 setpriv --reuid=nobody \\
    --regid=nogroup --clear-groups "$T/vmrun" -c "$T/vm.json" --check \\
    --vmm-dir "$T/vmm" -P "$T/vmrun.pid" "\$@"
EOF
	chmod +x nobody
}

tc file_not_writable "as nobody: a disk without write permission is file-not-writable, unless ro; ISOs need none"
file_not_writable_body()
{
	setup
	unpriv_dir
	: > "$T/disk.img"
	: > "$T/cd.iso"
	: > "$T/rom.fd"
	chmod 444 "$T/disk.img" "$T/cd.iso" "$T/rom.fd"
	printf '{"name": "perm", "cpu": 1, "mem": "256M", "bootrom": "%s", "emulations": [{"device": "virtio-blk", "path": "%s"}, {"device": "ahci-cd", "path": "%s"}]}\n' \
	    "$T/rom.fd" "$T/disk.img" "$T/cd.iso" > "$T/vm.json"
	cat > expect <<EOF
vmrun: perm: 1 problem
  pci 0:1:0 virtio-blk $T/disk.img
    $T/disk.img: not writable (Permission denied); bhyve would quietly use it read-only
EOF
	atf_check -s exit:69 -o empty -e file:expect ./nobody
	atf_check -s exit:69 -o match:'"code":"file-not-writable"' -e empty \
	    ./nobody --json
	# Read-only on purpose: no problem.
	sed 's/"path": "\([^"]*disk.img\)"/"path": "\1", "ro": true/' \
	    "$T/vm.json" > "$T/vm.json.new"
	mv "$T/vm.json.new" "$T/vm.json"
	grep -q '"ro": true' "$T/vm.json" || atf_fail "sed failed"
	atf_check -s exit:0 -o empty -e empty ./nobody
	# Root may write it: the same check passes as root.
	sed 's/, "ro": true//' "$T/vm.json" > vm.json
	atf_check -s exit:0 -o empty -e empty ./check
}

tc file_unreadable_dir "as nobody: a disk in a directory nobody may enter is reported with the reason"
file_unreadable_dir_body()
{
	setup
	unpriv_dir
	mkdir "$T/private"
	: > "$T/private/disk.img"
	: > "$T/rom.fd"
	chmod 700 "$T/private"
	printf '{"name": "perm", "cpu": 1, "mem": "256M", "bootrom": "%s", "emulations": [{"device": "virtio-blk", "path": "%s"}]}\n' \
	    "$T/rom.fd" "$T/private/disk.img" > "$T/vm.json"
	cat > expect <<EOF
vmrun: perm: 1 problem
  pci 0:1:0 virtio-blk $T/private/disk.img
    $T/private/disk.img: Permission denied
EOF
	atf_check -s exit:69 -o empty -e file:expect ./nobody
}

# ---------------------------------------------------------------------
# Console sockets

tc socket_stale "a stale console socket (nobody listens) passes --check and is left alone"
socket_stale_body()
{
	setup
	cat_unixsock
	config '"emulations": [{"device": "virtio-console", "ports": ["con.sock", {"name": "agent", "path": "absent.sock"}]}]'
	atf_check -s exit:0 python3 unixsock.py con.sock
	[ -S con.sock ] || atf_fail "no stale socket made"
	atf_check -s exit:0 -o empty -e empty ./check
	[ -S con.sock ] || atf_fail "--check removed the stale socket"
	[ ! -e absent.sock ] || atf_fail "--check made a socket"
	# A start removes it before bhyve runs (the fake bhyve makes its own).
	atf_check -s exit:1 -o empty -e empty env \
	    FAKE_BHYVE_PROBE="$PWD/con.sock" ./run
	atf_check -o inline:"$PWD/con.sock absent\n" cat bhyve.probe
}

tc socket_live "a console socket with a listener is socket-in-use (69) and kept"
socket_live_body()
{
	setup
	cat_unixsock
	config '"emulations": [{"device": "virtio-console", "ports": ["con.sock"]}]'
	python3 unixsock.py con.sock listener.pid 2> listener.err &
	echo $! >> bg.pids
	wait_for '[ -s listener.pid ]'
	cat > expect <<'EOF'
vmrun: ht: 1 problem
  pci 0:1:0 virtio-console con.sock
    con.sock is a socket in use by another program
EOF
	atf_check -s exit:69 -o empty -e file:expect ./check
	atf_check -s exit:69 -o empty -e file:expect ./check --fix
	sed '1s/$/; the VM was not started/' expect > expect.start
	atf_check -s exit:69 -o empty -e file:expect.start ./run
	not_started
	[ -S con.sock ] || atf_fail "the live socket was removed"
	kill "$(cat listener.pid)"
}

tc socket_not_socket "a regular file at a console port is socket-not-socket (69) and kept"
socket_not_socket_body()
{
	setup
	config '"emulations": [{"device": "virtio-console", "ports": ["con.sock"]}]'
	echo keep > con.sock
	cat > expect <<'EOF'
vmrun: ht: 1 problem
  pci 0:1:0 virtio-console con.sock
    con.sock exists and is not a socket; vmrun never removes it
EOF
	atf_check -s exit:69 -o empty -e file:expect ./check
	sed '1s/$/; the VM was not started/' expect > expect.start
	atf_check -s exit:69 -o empty -e file:expect.start ./run
	not_started
	atf_check -o inline:"keep\n" cat con.sock
}

# ---------------------------------------------------------------------
# VM state: a directory for /dev/vmm, and the lock

tc vm_exists "a VM node in the --vmm-dir directory is vm-exists under --check (69)"
vm_exists_body()
{
	setup
	config
	atf_check -s exit:0 -o empty -e empty ./check
	: > vmm/other
	atf_check -s exit:0 -o empty -e empty ./check
	: > vmm/ht
	cat > expect <<EOF
vmrun: ht: 1 problem
  vm
    VM ht already exists ($PWD/vmm/ht), left behind by an earlier run
      fix: bhyvectl --destroy --vm=ht, or start with --force
EOF
	atf_check -s exit:69 -o empty -e file:expect ./check
	atf_check -s exit:69 -o match:'"code":"vm-exists"' -e empty \
	    ./check --json
	# The environment names the directory too.
	atf_check -s exit:69 -o empty -e file:expect env \
	    VMRUN_VMM_DIR="$PWD/vmm" "$V" -c vm.json --check \
	    -P "$PWD/vmrun.pid"
}

tc vm_busy "a VM node whose bhyve (-p) is alive is vm-busy under --check, with no advice to destroy it"
vm_busy_body()
{
	setup
	config
	: > vmm/ht
	timeout 60 sleep 60 &
	echo $! >> bg.pids
	echo $! > bhyve.pid
	cat > expect <<EOF
vmrun: ht: 1 problem
  vm
    VM ht is running (bhyve pid $!)
      fix: stop the guest: kill $! (its power button), and start it again once bhyve has exited
EOF
	atf_check -s exit:69 -o empty -e file:expect ./check -p "$PWD/bhyve.pid"
	# Its bhyve gone: a leftover after all.
	kill "$(cat bhyve.pid)"
	wait
	atf_check -s exit:69 -o empty -e match:'left behind by an earlier run' \
	    ./check -p "$PWD/bhyve.pid"
}

tc vm_supervised "a lock another process holds is vm-supervised under --check (69)"
vm_supervised_body()
{
	setup
	command -v flock > /dev/null || atf_skip "no flock(1) here"
	config
	echo 4242 > vmrun.pid
	atf_check -s exit:0 -o empty -e empty ./check
	timeout 60 flock vmrun.pid sleep 60 &
	echo $! >> bg.pids
	wait_for '! flock -n vmrun.pid true'
	cat > expect <<EOF
vmrun: ht: 1 problem
  vm
    VM ht is supervised by vmrun (pid 4242, lock $PWD/vmrun.pid)
EOF
	atf_check -s exit:69 -o empty -e file:expect ./check
}

tc groups_order "problems are printed vm first, then PCI devices by slot, then lpc"
groups_order_body()
{
	setup
	config '"com2": "/dev/no-such-tty", "emulations": [{"device": "virtio-blk", "path": "late.img", "slot": "7"}, {"device": "ahci-cd", "path": "bus1.iso", "slot": "1:0:0"}, {"device": "virtio-blk", "path": "early.img"}, {"device": "virtio-console", "ports": ["con.sock"]}]'
	echo keep > con.sock
	: > vmm/ht
	cat > expect <<EOF
vmrun: ht: 6 problems
  vm
    VM ht already exists ($PWD/vmm/ht), left behind by an earlier run
      fix: bhyvectl --destroy --vm=ht, or start with --force
  pci 0:1:0 virtio-blk early.img
    early.img: No such file or directory
  pci 0:2:0 virtio-console con.sock
    con.sock exists and is not a socket; vmrun never removes it
  pci 0:7:0 virtio-blk late.img
    late.img: No such file or directory
  pci 1:0:0 ahci-cd bus1.iso
    bus1.iso: No such file or directory
  lpc com2
    /dev/no-such-tty: No such file or directory
EOF
	atf_check -s exit:69 -o empty -e file:expect ./check
}

# cpu_config CPU [JSON MEMBERS]: as config, with "cpu" set to CPU.
cpu_config()
{
	: > rom.fd
	printf '{"name": "ht", "cpu": %s, "mem": "512M", "bootrom": "rom.fd"%s}\n' \
	    "$1" "${2:+, $2}" > vm.json
}

# numa_config: vm.json with what bhyve 15 has and bhyve 14 lacks (-n).
numa_config()
{
	cpu_config '{"sockets": 1, "cores": 2, "threads": 1, "pin": [0]}' \
	    '"x2apic": true, "domains": [{"size": "256M", "cpus": "0"}, {"size": "256M", "cpus": "1"}]'
}

tc bhyve_old_check "--check against a bhyve 14 whose -h lists no -n: bhyve-lacks naming NUMA domains and FreeBSD 15.0 (69); bhyve 15 passes"
bhyve_old_check_body()
{
	setup
	numa_config
	cat > expect <<EOF
vmrun: ht: 1 problem
  vm
    this bhyve lacks NUMA domains (-n): "bhyve -h" lists no -n; FreeBSD 15.0 is the first release to have it
      fix: upgrade the host to FreeBSD 15.0 or later, or remove "domains"
EOF
	atf_check -s exit:69 -o empty -e file:expect env FAKE_BHYVE_VERSION=14 \
	    ./check --bhyve "$H/fake-bhyve"
	atf_check -s exit:69 \
	    -o match:'"code":"bhyve-lacks","group":"vm","path":"domains"' \
	    -e empty env FAKE_BHYVE_VERSION=14 ./check --bhyve "$H/fake-bhyve" \
	    --json
	atf_check -s exit:0 -o empty -e empty env FAKE_BHYVE_VERSION=15 \
	    ./check --bhyve "$H/fake-bhyve"
	# bhyve was asked for its help, and never ran a VM.
	atf_check -s exit:0 -o inline:"-h\n-s help\n" -e empty tail -2 help.log
	[ ! -e bhyve.log ] || atf_fail "bhyve ran: $(oneline bhyve.log)"
}

tc bhyve_old_start "a start against a bhyve 14 ends with 69 before bhyve runs; bhyve 15 runs the VM, asked once across a reboot"
bhyve_old_start_body()
{
	setup
	numa_config
	atf_check -s exit:69 -o empty \
	    -e match:'this bhyve lacks NUMA domains \(-n\).*FreeBSD 15\.0' \
	    env FAKE_BHYVE_VERSION=14 ./run
	[ ! -e bhyve.log ] || atf_fail "bhyve ran: $(oneline bhyve.log)"
	rm -f help.log
	# A reboot, then a power-off: two runs, bhyve asked once.
	atf_check -s exit:1 -o empty -e ignore env FAKE_BHYVE_STATUS="0 1" \
	    ./run
	atf_check -s exit:0 -o inline:"2\n" -e empty cat bhyve.runs
	atf_check -s exit:0 -o inline:"-h\n-s help\n" -e empty cat help.log
	atf_check -s exit:0 \
	    -o match:' -x -c .* -n id=0,size=256M,cpus=0 -n id=1,size=256M,cpus=1 -p 0:0 ' \
	    -e empty head -1 bhyve.log
}

tc bhyve_no_requirement_check "--no-requirement-check asks bhyve nothing: bhyve 14 is run, and its own error is what is seen"
bhyve_no_requirement_check_body()
{
	setup
	numa_config
	atf_check -s exit:1 -o empty -e ignore env FAKE_BHYVE_VERSION=14 \
	    ./run --no-requirement-check
	[ ! -e help.log ] || atf_fail "bhyve was asked: $(oneline help.log)"
	atf_check -s exit:0 -o inline:"1\n" -e empty cat bhyve.runs
}

tc bhyve_dry_run "a dry run never runs bhyve, not even for its help"
bhyve_dry_run_body()
{
	setup
	numa_config
	atf_check -s exit:0 -o match:' -n id=0,size=256M,cpus=0 ' -e empty \
	    env FAKE_BHYVE_VERSION=14 ./run -d
	[ ! -e help.log ] || atf_fail "bhyve was asked: $(oneline help.log)"
	[ ! -e bhyve.log ] || atf_fail "bhyve ran: $(oneline bhyve.log)"
}

tc bhyve_emulation_missing "a device whose emulation bhyve -s help does not list is bhyve-lacks under that device"
bhyve_emulation_missing_body()
{
	setup
	config '"emulations": [{"device": "virtio-rnd"}]'
	printf 'hostbridge\nlpc\nvirtio-blk\n' > emuls
	cat > expect <<EOF
vmrun: ht: 1 problem
  pci 0:1:0 virtio-rnd
    this bhyve lacks the virtio-rnd emulation: "bhyve -s help" does not list it
      fix: use a newer bhyve, or another device
EOF
	atf_check -s exit:69 -o empty -e file:expect \
	    env FAKE_BHYVE_EMULS="$PWD/emuls" ./check --bhyve "$H/fake-bhyve"
	atf_check -s exit:0 -o empty -e empty ./check --bhyve "$H/fake-bhyve"
}

tc host_cpu_missing "a vCPU pinned to a host CPU the host does not have is host-cpu-missing; a keyboard layout that is not there is file-missing"
host_cpu_missing_body()
{
	local n s

	setup
	cpu_config '{"sockets": 1, "cores": 2, "threads": 1, "pin": {"1": 65535}}' \
	    '"keyboard_layout": "no-such-layout.kbd"'
	n=$(getconf _NPROCESSORS_CONF)
	s=s
	[ "$n" = 1 ] && s=
	cat > expect <<EOF
vmrun: ht: 2 problems
  vm
    vCPU 1 is pinned to host CPU 65535, but the host has $n CPU$s (0 to $((n - 1)))
    /usr/share/bhyve/kbdlayout/no-such-layout.kbd: No such file or directory
EOF
	atf_check -s exit:69 -o empty -e file:expect ./check
	cpu_config '{"sockets": 1, "cores": 2, "threads": 1, "pin": {"1": 0}}'
	atf_check -s exit:0 -o empty -e empty ./check
}

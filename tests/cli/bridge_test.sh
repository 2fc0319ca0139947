#! /usr/bin/env atf-sh
#
# Bridged taps (vmrun(8) NETWORKS) on the real (Linux) host: a bridge and
# taps made in a private network namespace (unshare -n), a VM started
# against the fake bhyve, which opens its taps as bhyve does
# (FAKE_BHYVE_TAPS).  While the VM runs its taps are members of the
# bridge, up, and described (Linux: the interface alias); after the end
# -- a power-off, SIGTERM, a crash-loop stop, a failed start -- the host
# is exactly as before: the tap vmrun made is gone, the one that was
# there has its MTU, description and up state back, the bridge has the
# members it had.  No ifconfig or ip is run for it: stubs of both first
# in PATH record any call.  A case that cannot run here (not root, no
# unshare, no /dev/net/tun, no bridges) says why and is skipped.

# fake_env, wait_for, oneline, tc and atf_init_test_cases.
. "$(atf_get_srcdir)/common.subr"

# The cleanup part: kill what a case left running (bg.pids).
cleanup()
{
	local p

	for p in $(cat bg.pids 2>/dev/null); do
		kill -KILL "$p" 2>/dev/null
	done
	return 0
}
TC_CLEANUP=cleanup

# setup: ./run (vmrun against the fakes, with ./stubs first in PATH, so
# that an ifconfig or ip it ran would be recorded in stub.log), the
# snapshot program and vm.json: tap3, made by vmrun, described "web
# side"; tap4, there before; both in bridge br0.
setup()
{
	fake_env
	mkdir stubs
	for p in ifconfig ip; do
		cat > "stubs/$p" <<EOF
#!/bin/sh
echo "$p \$*" >> "$PWD/stub.log"
exit 1
EOF
		chmod +x "stubs/$p"
	done
	cat > run <<EOF
#!/bin/sh
PATH="$PWD/stubs:\$PATH" FAKE_BHYVE_TAPS=1 exec timeout -k 5 60 "$V" \\
    -c vm.json --bhyve "$H/fake-bhyve" --bhyvectl "$H/fake-bhyvectl" \\
    --vmm-dir "$PWD/vmm" -P "$PWD/vmrun.pid" --events "$PWD/ev.json" "\$@"
EOF
	# snap.py: every interface of the namespace as the tests compare
	# them: MTU, up, alias, bridge, kind, and the VLANs of each port.
	cat > snap.py <<'EOF'
import json, subprocess
links = json.loads(subprocess.run(["ip", "-j", "-d", "link", "show"],
    check=True, capture_output=True, text=True).stdout)
for l in sorted(links, key=lambda l: l["ifname"]):
    print(l["ifname"], "mtu=%s" % l.get("mtu"),
          "up=%s" % ("UP" in l.get("flags", [])),
          "alias=%r" % l.get("ifalias", ""), "master=%s" % l.get("master"),
          "kind=%s" % l.get("linkinfo", {}).get("info_kind"))
r = subprocess.run(["bridge", "-j", "vlan", "show"], capture_output=True,
    text=True)
for p in json.loads(r.stdout or "[]"):
    print("vlan", p["ifname"], sorted((v["vlan"], tuple(v.get("flags", [])))
          for v in p.get("vlans", [])))
EOF
	chmod +x run
	config ''
}

# config [MEMBERS]: vm.json of VM "bt" with tap3 and tap4 in br0, more
# of tap3's members (e.g. "vlan") and more top-level members.
config()
{
	: > rom.fd
	cat > vm.json <<EOF
{"name": "bt", "cpu": 1, "mem": "256M", "bootrom": "rom.fd",$2
 "emulations": [
  {"device": "virtio-net", "name": "tap3", "bridge": "br0", "descr": "web side"$1},
  {"device": "e1000", "name": "tap4", "bridge": "br0"}
 ]}
EOF
}

# need_bridge: skip unless this host lets us make a bridge and taps in a
# network namespace.
need_bridge()
{
	local why

	[ "$(id -u)" = 0 ] ||
	    atf_skip "network namespaces, bridges and taps need root (uid $(id -u))"
	[ -c /dev/net/tun ] || atf_skip "no /dev/net/tun on this host"
	why=$(unshare -n sh -c 'ip link add brprobe0 type bridge &&
	    ip tuntap add tapprobe0 mode tap' 2>&1) ||
	    atf_skip "cannot make a bridge and a tap in a network namespace: $why"
}

# in_ns SCRIPT [PRE]: run sh SCRIPT in a new network namespace, after
# making there bridge br0 (MTU 9000, up) and tap4 (MTU 1400, alias
# "mine", down), then running the command PRE; snapshots before and
# after SCRIPT go to before and after.  SCRIPT's status is in rc.
in_ns()
{
	cat > ns.sh <<EOF
ip link add br0 type bridge || exit 125
ip link set br0 mtu 9000 up || exit 125
ip tuntap add tap4 mode tap || exit 125
ip link set tap4 mtu 1400 alias mine || exit 125
${2:-:}
python3 snap.py > before || exit 125
sh "$1"
echo \$? > rc
python3 snap.py > after
EOF
	atf_check -s exit:0 -o ignore -e save:err unshare -n sh ns.sh
}

# same_host: the namespace after the case is as it was before it, and
# vmrun ran neither ifconfig nor ip (the stubs), nor any program but
# the fake bhyve and bhyvectl (order.log: every fake run, in order).
same_host()
{
	diff -u before after > host.diff ||
	    atf_fail "the host changed: $(oneline host.diff)"
	[ ! -e stub.log ] || atf_fail "vmrun ran: $(oneline stub.log)"
	! grep -v '^bhyve \|^bhyvectl ' order.log > others 2>/dev/null ||
	    atf_fail "vmrun ran: $(oneline others)"
}

# cleanups: the cleanup events of interfaces, "resource action ok".
cleanups()
{
	python3 -c '
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event"] == "cleanup" and "/" not in e["resource"]:
        print(e["resource"], e["action"], e["ok"])' ev.json
}

# expect_cleanups [VLAN]: what the end undoes, newest first, one event
# each (and tap3's VLAN, when given).
expect_cleanups()
{
	{
		echo 'br0 member tap4 remove True'
		echo 'tap4 restore True'
		[ -z "${1:-}" ] || echo "br0 member tap3 vlan $1 remove True"
		echo 'br0 member tap3 remove True'
		echo 'tap3 destroy True'
	} > cleanups.expect
	cleanups > cleanups.out
	diff -u cleanups.expect cleanups.out > cleanups.diff ||
	    atf_fail "cleanup events: $(oneline cleanups.diff)"
}

# ends_clean SCRIPT STATUS: sh SCRIPT, run in the namespace, ends
# vmrun with STATUS; the host is as before, and the end told of each
# thing it undid.
ends_clean()
{
	echo "$1" > end.sh
	in_ns end.sh
	atf_check -o inline:"$2\n" cat rc
	same_host
	expect_cleanups
}

# during.sh: start the VM, snapshot the host while the fake bhyve holds
# the taps (bhyve.taps says so), then stop it with SIGTERM.
cat_during()
{
	cat > during.sh <<'EOF'
FAKE_BHYVE_RUNTIME=forever ./run &
pid=$!
i=0
while [ "$(cat bhyve.taps 2>/dev/null)" != open ] && [ $i -lt 200 ] &&
    kill -0 $pid 2>/dev/null; do
	sleep 0.05
	i=$((i + 1))
done
python3 snap.py > during
kill -TERM $pid
wait $pid
EOF
}

tc sigterm "while the VM runs its taps are in the bridge, up and described; SIGTERM ends it and the host is as before"
sigterm_body()
{
	setup
	need_bridge
	cat_during
	in_ns during.sh
	atf_check -o inline:'1\n' cat rc
	grep -q '^open$' bhyve.taps || atf_fail "bhyve did not open its taps: $(oneline bhyve.taps)"
	# Both members of br0, up; tap3 described as the config says, tap4
	# by default; tap4 keeps its MTU (Linux does not force the bridge's).
	atf_check -o inline:"tap3 mtu=1500 up=True alias='web side' master=br0 kind=tun\n" \
	    grep '^tap3 ' during
	atf_check -o inline:"tap4 mtu=1400 up=True alias='vmrun/bt/0:2:0' master=br0 kind=tun\n" \
	    grep '^tap4 ' during
	atf_check -o inline:"tap4 mtu=1400 up=False alias='mine' master=None kind=tun\n" \
	    grep '^tap4 ' after
	atf_check -s exit:1 -o empty grep '^tap3 ' after
	same_host
	expect_cleanups
}

tc poweroff "a VM that powers off: its taps are given back, the tap vmrun made destroyed"
poweroff_body()
{
	setup
	need_bridge
	ends_clean 'FAKE_BHYVE_RUNTIME=0.2 ./run' 1
	grep -q '^open$' bhyve.taps || atf_fail "bhyve did not open its taps"
}

# The strace(1) of a start and its end (trace) shows no ifconfig or ip
# anywhere in the process tree, and vmrun itself starting no program but
# the fake bhyve and bhyvectl.
atf_test_case no_fork cleanup
CASES="$CASES no_fork"
no_fork_head()
{
	atf_set descr "bridging, describing and bringing up taps runs no program: strace sees no ifconfig or ip, and vmrun's own children are bhyve and bhyvectl"
	atf_set require.progs 'timeout python3 strace'
}
no_fork_cleanup()
{
	cleanup
}
no_fork_body()
{
	setup
	need_bridge
	# LeakSanitizer stops the process with ptrace at exit, which it
	# cannot under strace: a sanitizer build checks leaks everywhere else.
	ends_clean 'ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" FAKE_BHYVE_RUNTIME=0.2 strace -f -qq -o trace -e trace=execve,clone,clone3,fork,vfork ./run' 1
	grep -q 'execve(' trace || atf_fail "strace saw no program run"
	! grep -E 'execve\("[^"]*/(ifconfig|ip)"' trace > ran ||
	    atf_fail "ran: $(oneline ran)"
	python3 - trace > children <<'EOF'
import re, sys
vmrun, kids, prog = None, set(), {}
for line in open(sys.argv[1]):
    # strace pads the pid to five columns: "3470  execve(".
    m = re.match(r'(\d+)\s+execve\("([^"]+)"', line)
    if m:
        pid, path = m.groups()
        if path.endswith("/vmrun") and vmrun is None:
            vmrun = pid
        prog.setdefault(pid, path.rsplit("/", 1)[-1])
        continue
    m = re.match(r'(\d+)\s+(?:<\.\.\. )?(?:clone3?|v?fork)\b.* = (\d+)$', line)
    if m:
        kids.add((m.group(1), m.group(2)))
for p in sorted({prog.get(c, "?") for v, c in kids if v == vmrun}):
    print(p)
EOF
	atf_check -o inline:'fake-bhyve\nfake-bhyvectl\n' cat children
}

tc reboots "guest reboots keep the taps bridged; only the end undoes them"
reboots_body()
{
	setup
	need_bridge
	ends_clean 'FAKE_BHYVE_STATUS="0 0 1" ./run' 1
	atf_check -o inline:'3\n' cat bhyve.runs
	# Each run opened its taps: they were kept free between runs.
	grep -q '^open$' bhyve.taps || atf_fail "bhyve did not open its taps"
}

tc crash_loop "a crash-loop stop (restart_limit, exit 76) gives the taps back"
crash_loop_body()
{
	setup
	need_bridge
	config '' ' "reboot_on": [4], "restart_limit": {"count": 1, "seconds": 60},'
	ends_clean 'FAKE_BHYVE_STATUS=4 ./run 2> run.err' 76
	grep -q 'restart limit exceeded' run.err || atf_fail "$(oneline run.err)"
}

tc failed_start "a start that fails after its taps are set up (bhyve cannot be run) leaves the host as before"
failed_start_body()
{
	setup
	need_bridge
	ends_clean './run --bhyve "$PWD/no-such-bhyve" 2> run.err' 69
}

tc tap_busy "bhyve cannot open a tap another process holds: the run fails with 4, and what vmrun did is undone"
tap_busy_body()
{
	setup
	need_bridge
	# tap4 is held open, as by another VM, and the host checks are
	# skipped: vmrun bridges it, bhyve cannot open it.  The holder set
	# it up: the host is compared from then on.
	cat > busy.sh <<EOF
python3 "$H/tap-open" held tap4 &
holder=\$!
while [ ! -e held ]; do sleep 0.05; done
python3 snap.py > before.busy
./run --no-requirement-check 2> run.err
st=\$?
python3 snap.py > after.busy
kill \$holder
wait \$holder
exit \$st
EOF
	in_ns busy.sh
	atf_check -o inline:'open\n' cat held
	atf_check -o inline:'4\n' cat rc
	grep -q 'open of tap device /dev/tap4 failed' run.err ||
	    atf_fail "bhyve did not fail on tap4: $(oneline run.err)"
	diff -u before.busy after.busy > host.diff ||
	    atf_fail "the host changed: $(oneline host.diff)"
	expect_cleanups
}

tc vlan "with \"vlan\", the tap is an untagged member of that VLAN while the VM runs, where the bridge filters VLANs; otherwise the start is refused"
vlan_body()
{
	setup
	need_bridge
	config ', "vlan": 7'
	cat_during
	in_ns during.sh 'ip link set br0 type bridge vlan_filtering 1 || : > novlan'
	if [ -e novlan ]; then
		# This kernel has no VLAN filtering: the host check says so,
		# and nothing is done.
		atf_check -o inline:'69\n' cat rc
		grep -q 'bridge br0 does not filter VLANs' err ||
		    atf_fail "no word of VLAN filtering: $(oneline err)"
		same_host
		[ -z "$(cleanups)" ] || atf_fail "undone: $(cleanups)"
		return
	fi
	atf_check -o inline:'1\n' cat rc
	grep -q "^vlan tap3 .*(7, ('PVID', 'Egress Untagged'))" during ||
	    atf_fail "tap3 is not in VLAN 7: $(oneline during)"
	same_host
	expect_cleanups 7
}

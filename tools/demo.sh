#!/bin/sh
# make demo: what vmrun does with the bundled example configuration.
set -e
cd "$(dirname "$0")/.."
ex=examples/freebsd-test.json

echo "== $ex, default target: the bhyve command vmrun would run"
./vmrun/vmrun -c "$ex" --dry-run
echo
echo "== the same configuration, target \"install\" (adds the installer ISO)"
./vmrun/vmrun -c "$ex" -t install --dry-run
echo
echo "== the slot map of every target, through libvmrun (examples/slotmap)"
./examples/slotmap "$ex"
echo
echo "== a configuration with mistakes: every problem at once, by JSON path"
printf '%s\n' '{"name": "bad vm", "cpu": 0, "mem": "512X",' \
    ' "emulations": [{"device": "virtio-blk"}, {"devise": "virtio-net"}]}' |
    ./vmrun/vmrun -c - --dry-run || echo "(exit status $?)"

echo
echo "== examples/linux-grub.json: a Linux VM booted by grub-bhyve, which runs"
echo "   before every start with the device.map vmrun writes from the VM's"
echo "   disks (its install target adds the installer CD and boots from it)"
./vmrun/vmrun -c examples/linux-grub.json --dry-run
./vmrun/vmrun -c examples/linux-grub.json -t install --dry-run
echo "   the device map of the install target (--debug):"
./vmrun/vmrun -c examples/linux-grub.json -t install --debug |
    sed -n '/"device_map"/,/}/p'

echo
echo "== host checks (--check): what this host lacks to start the install target"
./vmrun/vmrun -c "$ex" -t install --check --vmm-dir "${TMPDIR:-/tmp}" \
    -P "${TMPDIR:-/tmp}/vmrun-demo-check.pid" || echo "(exit status $?)"

echo
if [ "$(uname -s)" = FreeBSD ]; then
	echo "== to run the example for real (as root, with vmm loaded, tap3 and disk.img present):"
	echo "   vmrun -c $ex -t install --events /var/run/vmrun/freebsd-test.events"
	exit 0
fi
echo "== SIMULATED lifecycle: bhyve cannot run here, so the fake bhyve, bhyvectl"
echo "   and bhyveload of the test suite stand in for them (tests/helpers)."
echo "   The install target runs, the guest reboots into the default target,"
echo "   vmrun status asks the running vmrun through its control socket,"
echo "   which also keeps com1's output (\"com1\": \"capture\"),"
echo "   then vmrun receives SIGTERM and stops the VM gracefully.  The host"
echo "   checks are skipped (--no-requirement-check): this host has no tap3."
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vmrun-demo.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
h=$(pwd)/tests/helpers
# com1 captured instead of on stdio: the demo has no terminal of its
# own, and vmrun keeps the console from power-on.
sed 's/"com1": "stdio"/"com1": "capture"/' "$ex" > "$tmp/vm.json"
mkdir "$tmp/vmm"
FAKE_DIR=$tmp FAKE_VMM_DIR=$tmp/vmm FAKE_BHYVE_STATUS="0 1" \
    FAKE_BHYVE_CONSOLE='Consoles: EFI console\r\nBooting...\r\nFreeBSD/amd64 (freebsd-test) (ttyu0)\r\n\r\nlogin: ' \
    FAKE_BHYVE_RUNTIME=2 ./vmrun/vmrun -c "$tmp/vm.json" -t install \
    --bhyve "$h/fake-bhyve" --bhyvectl "$h/fake-bhyvectl" \
    --bhyveload "$h/fake-bhyveload" --vmm-dir "$tmp/vmm" \
    -P "$tmp/vmrun.pid" -p "$tmp/bhyve.pid.file" --events "$tmp/events" \
    --no-requirement-check &
vmrun=$!
# The first run (install) ends with a guest reboot after 2 s; look at it
# through the control socket 1 s into it, and again into the second
# (default) run, then stop the VM.
sleep 1
echo "-- vmrun status (the control socket, $tmp/freebsd-test.sock):"
./vmrun/vmrun status "$tmp/freebsd-test.sock" || echo "(exit status $?)"
sleep 2
echo "-- after the reboot:"
./vmrun/vmrun status "$tmp/freebsd-test.sock" | grep -E '^(state|target|run|reboots|last_exit) ' || echo "(exit status $?)"
echo "-- the captured console (com1), both boots, nobody attached:"
echo "   vmrun ctl SOCKET console-tail 10"
./vmrun/vmrun ctl "$tmp/freebsd-test.sock" console-tail 10 || echo "(exit status $?)"
kill -TERM "$vmrun"
status=0
wait "$vmrun" || status=$?
echo "vmrun exited with status $status (1: powered off)"
echo "-- events (--events FILE), one JSON object per line:"
sed 's/"argv":\[[^]]*\]/"argv":[...]/' "$tmp/events"

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
w=examples/windows11.json
echo "== $w: a Windows 11-style VM, UEFI with its own variables and a TPM"
echo "   on swtpm, which vmrun runs beside bhyve on a socket of its run"
echo "   directory (-P names it here); target \"install\" adds the installer"
./vmrun/vmrun -c "$w" -t install -P /var/run/vmrun/win11.pid --dry-run

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
mkdir -m 700 "$tmp/win"
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

echo
swtpm=$(command -v swtpm || true)
if [ -z "$swtpm" ]; then
	echo "== (swtpm is not installed: the Windows 11 lifecycle is skipped;"
	echo "   make deps installs it)"
	exit 0
fi
echo "== SIMULATED lifecycle of $w with the REAL swtpm ($swtpm) and the"
echo "   fake bhyve: before each run vmrun makes swtpm's socket and starts"
echo "   swtpm on it, then bhyve at once; the fake bhyve sends the firmware's"
echo "   first TPM 2.0 commands.  The guest reboots once (a fresh swtpm), then"
echo "   swtpm is killed: bhyve fails (\"is swtpm running?\"), which is an"
echo "   error, not a power-off (end reason sidecar-failed, status 4)."
# The firmware's variables: vmrun copies them from the template once.
head -c 131072 /dev/zero > "$tmp/win/VARS.template"
sed -e "s|/vm/win11/BHYVE_UEFI_VARS.fd|$tmp/win/VARS.fd|" \
    -e "s|/usr/local/share/uefi-firmware/BHYVE_UEFI_VARS.fd|$tmp/win/VARS.template|" \
    -e "s|\"tpm\": {\"type\": \"swtpm\"}|\"tpm\": {\"type\": \"swtpm\", \"state_dir\": \"$tmp/win/tpm\"}|" \
    "$w" > "$tmp/win/vm.json"
mkdir "$tmp/win/vmm"
FAKE_DIR=$tmp/win FAKE_VMM_DIR=$tmp/win/vmm FAKE_BHYVE_STATUS="0 1" \
    FAKE_BHYVE_RUNTIME=1 FAKE_BHYVE_TPM_WATCH=1 ./vmrun/vmrun \
    -c "$tmp/win/vm.json" --bhyve "$h/fake-bhyve" \
    --bhyvectl "$h/fake-bhyvectl" --swtpm "$swtpm" --vmm-dir "$tmp/win/vmm" \
    -P "$tmp/win/vmrun.pid" --events "$tmp/win/events" \
    --no-requirement-check 2> "$tmp/win/err" &
vmrun=$!
# The first run reboots after 1 s; 0.5 s into the second, swtpm goes.
n=0
: > "$tmp/win/tpm.answers"
while [ "$(grep -c getrandom "$tmp/win/tpm.answers" || true)" -lt 2 ] &&
    [ "$n" -lt 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
pkill -KILL -P "$vmrun" -x swtpm || true
status=0
wait "$vmrun" || status=$?
echo "vmrun exited with status $status (4: sidecar-failed)"
echo "-- what swtpm answered the firmware's TPM2_Startup and TPM2_GetRandom, per run:"
cat "$tmp/win/tpm.answers"
echo "-- the TPM's state, kept in its state directory:"
ls "$tmp/win/tpm"
echo "-- what vmrun said:"
cat "$tmp/win/err"
echo "-- events:"
sed 's/"argv":\[[^]]*\]/"argv":[...]/' "$tmp/win/events"

#! /usr/bin/env atf-sh
#
# The grub-bhyve loader against the fake programs (vmrun.json(5) LOADER,
# vmrun(8) FILES): its device.map and grub.cfg as grub-bhyve read them,
# written before every boot and removed at its end with a cleanup event,
# never over a file that was there; its failures; and a loader console on
# "capture", where vmrun console reaches the boot menu.
#
# fake-grub-bhyve takes grub-bhyve's options and copies the files it
# reads into the work directory (grub-map.N, grub-cfg.N, grub-files.N
# for its Nth run).  The run directory is the work directory (that of
# -P in ./run).

. "$(atf_get_srcdir)/common.subr"

TC_CLEANUP=kill_leftovers

# grub [LOADER MEMBERS] [TOP MEMBERS]: vm.json for the VM "lt" booted by
# grub-bhyve from a disk and an installer CD, with a cloud-init seed.
grub()
{
	config '"loader": {"type": "grub"'"${1:+, $1}"'},
	    "emulations": [
		{"device": "virtio-blk", "path": "'"$PWD"'/lt.img"},
		{"device": "ahci-cd", "id": "cloud-init", "path": "'"$PWD"'/seed.iso"},
		{"device": "ahci-cd", "path": "'"$PWD"'/install.iso"}
	    ]'"${2:+, $2}"
}

# gone FILE...: none of the files is left.
gone()
{
	local f

	for f in "$@"; do
		[ ! -e "$f" ] && [ ! -L "$f" ] || atf_fail "$f is left behind"
	done
}

tc map_per_boot "the device.map (the VM's disks, not the seed) is written 0600 before every boot and removed at its end"
map_per_boot_body()
{
	setup
	grub '' '"wire_guest_mem": true'
	export FAKE_BHYVE_STATUS="0 1"
	atf_check -s exit:1 -o empty -e ignore ./run
	runs 2
	atf_check -o inline:"grub-bhyve\nbhyve\ngrub-bhyve\nbhyve\n" \
	    awk '$1 != "bhyvectl" { print $1 }' order.log
	printf '(hd0) %s/lt.img\n(cd0) %s/install.iso\n' "$PWD" "$PWD" > want
	atf_check -o file:want cat grub-map.1
	atf_check -o file:want cat grub-map.2
	atf_check -o inline:"map 0600\n" cat grub-files.1
	[ ! -e grub-cfg.1 ] || atf_fail "grub read a grub.cfg from the host"
	atf_check -o inline:"grub-bhyve -m $PWD/lt.device.map -r hd0,1 -M 256M -S lt\n" \
	    sed -n 1p grub-bhyve.log
	gone lt.device.map
	# Removed after each boot, before the next one's loader.
	ev_assert "[n for n in names if n in ('loader', 'start', 'cleanup')] == ['loader', 'start', 'cleanup', 'cleanup'] * 2"
	ev_assert "[(e['resource'], e['action'], e['ok']) for e in ev('cleanup')] == [('$PWD/lt.device.map', 'remove', True), ('$PWD/vmm/lt', 'destroy', True)] * 2"
	ev_assert "all(e['argv'][0] == '$H/fake-grub-bhyve' and e['status'] == 0 for e in ev('loader'))"
	no_leftovers
}

tc commands "commands: a grub.cfg of them in the run directory, read from the host, both files removed at the end"
commands_body()
{
	setup
	grub '"commands": ["kopenbsd -h com0 (hd0,openbsd1)/bsd", "boot"]'
	export FAKE_BHYVE_STATUS=1
	atf_check -s exit:1 -o empty -e ignore ./run
	runs 1
	atf_check -o inline:"kopenbsd -h com0 (hd0,openbsd1)/bsd\nboot\n" \
	    cat grub-cfg.1
	atf_check -o inline:"map 0600\ncfg 0600\n" cat grub-files.1
	atf_check -o inline:"grub-bhyve -m $PWD/lt.device.map -r host -d $PWD -g lt.grub.cfg -M 256M lt\n" \
	    cat grub-bhyve.log
	gone lt.device.map lt.grub.cfg
	# Newest first.
	ev_assert "[e['resource'] for e in ev('cleanup')][:2] == ['$PWD/lt.grub.cfg', '$PWD/lt.device.map']"
	no_leftovers
}

tc given_map "a given device_map is written as given, and root is the configuration's"
given_map_body()
{
	setup
	grub '"device_map": {"cd0": "/iso/a.iso", "hd0": "/img/b.img"}, "root": "cd0", "directory": "/boot/grub2", "config": "serial.cfg"'
	export FAKE_BHYVE_STATUS=1
	atf_check -s exit:1 -o empty -e ignore ./run
	atf_check -o inline:"(cd0) /iso/a.iso\n(hd0) /img/b.img\n" cat grub-map.1
	atf_check -o inline:"grub-bhyve -m $PWD/lt.device.map -r cd0 -d /boot/grub2 -g serial.cfg -M 256M lt\n" \
	    cat grub-bhyve.log
	gone lt.device.map
	no_leftovers
}

tc failing "grub-bhyve exiting non-zero ends vmrun with 4, its files removed, bhyve never started"
failing_body()
{
	setup
	grub '"commands": ["boot"]'
	export FAKE_GRUB_STATUS=1 FAKE_GRUB_STDERR='error: no such partition.'
	atf_check -s exit:4 -o empty -e save:err ./run
	runs 0
	[ "$(count_in err 'error: no such partition.')" -ge 1 ] ||
	    atf_fail "grub-bhyve's stderr not quoted: $(oneline err)"
	gone lt.device.map lt.grub.cfg
	ev_assert "ev('end')[0]['exit_status'] == 4 and ev('end')[0]['reason'] == 'loader-failed'"
	ev_assert "[(e['resource'], e['ok']) for e in ev('cleanup')][:2] == [('$PWD/lt.grub.cfg', True), ('$PWD/lt.device.map', True)]"
	no_leftovers
}

tc missing "a grub-bhyve that cannot be executed: 69, its files removed"
missing_body()
{
	setup
	grub
	atf_check -s exit:69 -o empty -e save:err \
	    env GRUB_BHYVE="$PWD/nonexistent" ./run
	vmrun_says 'nonexistent'
	runs 0
	gone lt.device.map
	ev_assert "[e['resource'] for e in ev('cleanup') if e['action'] == 'remove'] == ['$PWD/lt.device.map']"
	no_leftovers
}

tc never_overwritten "a device.map or grub.cfg already there (a file, a link) is never written over or removed: 69"
never_overwritten_body()
{
	setup
	grub '"commands": ["boot"]'
	echo mine > lt.device.map
	atf_check -s exit:69 -o empty -e save:err ./run
	vmrun_says "cannot make $PWD/lt.device.map"
	atf_check -o inline:"mine\n" cat lt.device.map
	runs 0
	[ ! -e grub-bhyve.log ] || atf_fail "grub-bhyve ran"
	rm lt.device.map
	echo precious > target
	ln -s target lt.grub.cfg
	reset
	atf_check -s exit:69 -o empty -e save:err ./run
	vmrun_says "cannot make $PWD/lt.grub.cfg: it is a symbolic link"
	atf_check -o inline:"precious\n" cat target
	[ -L lt.grub.cfg ] || atf_fail "the link was removed"
	# The map made before it is undone.
	gone lt.device.map
	ev_assert "[e['resource'] for e in ev('cleanup')] == ['$PWD/lt.device.map']"
	no_leftovers
}

# The boot menu, as a loader writes it to its console.
MENU='GNU GRUB  version 2.06\r\n\r\n*Debian GNU/Linux\r\n Advanced options\r\n'

tc grub_capture "a grub console on \"capture\": the boot menu reaches the ring and vmrun console"
grub_capture_body()
{
	setup
	grub '"console": "capture"' '"com1": "capture"'
	export FAKE_BHYVE_RUNTIME=forever FAKE_GRUB_MENU="$MENU"
	export FAKE_GRUB_HOLD="$PWD/booted"
	./run > out 2> err &
	BG=$!
	echo "$BG" >> bg.pids
	wait_for '[ -S lt.sock ]'
	# Attached while grub-bhyve runs, before bhyve starts.
	"$V" console --read-only "$PWD/lt.sock" < /dev/null > console.out \
	    2> console.err &
	con=$!
	echo "$con" >> bg.pids
	wait_for 'grep -q "Debian GNU/Linux" console.out'
	[ "$(nruns)" = 0 ] || atf_fail "bhyve started before grub-bhyve ended"
	: > booted
	wait_for '[ "$(nruns)" -ge 1 ]'
	atf_check -o match:"^GNU GRUB  version 2.06\$" \
	    "$V" ctl "$PWD/lt.sock" console-tail
	tty=$(sed -n 's/.* -c \([^ ]*\) .*/\1/p' grub-bhyve.log)
	case "$tty" in
	/dev/*) ;;
	*) atf_fail "grub-bhyve not given a terminal: $(oneline grub-bhyve.log)" ;;
	esac
	grep -q -- "-l com1,$tty " bhyve.log ||
	    atf_fail "grub-bhyve's terminal $tty is not com1's: $(oneline bhyve.log)"
	kill -TERM "$(oneline vmrun.pid)"
	finish_bg 1
	kill "$con" 2>/dev/null
	wait "$con"
	no_leftovers
}

tc bhyveload_capture "a bhyveload console on \"capture\": its menu reaches vmrun console-tail"
bhyveload_capture_body()
{
	setup
	config '"loader": {"type": "bhyveload", "disk": "/dev/null", "console": "capture"}, "com1": "capture"'
	export FAKE_BHYVE_RUNTIME=forever
	export FAKE_BHYVELOAD_MENU='Welcome to FreeBSD\r\n1. Boot Multi user [Enter]\r\n'
	start_bg
	wait_for '[ -S lt.sock ]'
	wait_for '"$V" ctl "$PWD/lt.sock" console-tail | grep -q "Boot Multi user"'
	atf_check -o inline:"Welcome to FreeBSD\n1. Boot Multi user [Enter]\n" \
	    "$V" ctl "$PWD/lt.sock" console-tail
	grep -q -- '-c /dev/' bhyveload.log ||
	    atf_fail "bhyveload not given a terminal: $(oneline bhyveload.log)"
	sig_vmrun TERM
	finish_bg 1
	no_leftovers
}

tc example "examples/linux-grub.json: its dry runs, and its install target's CD in the map, then the disk alone"
example_body()
{
	local ex

	setup
	ex=$(layout linux-example) || atf_fail "the layout names no Linux example"
	cat > expout <<EOF
/usr/local/sbin/grub-bhyve -m /run/vmrun/debian.device.map -r hd0,1 -c /dev/pts/N -M 2G debian
/usr/sbin/bhyve -A -H -u -c cpus=2,sockets=1,cores=1,threads=2 -m 2G -s 0:0:0,hostbridge -s 0:1:0,virtio-net,tap4 -s 0:2:0,virtio-blk,/vm/debian/disk.img -s 0:3:0,virtio-rnd -s 0:31:0,lpc -l com1,/dev/pts/N debian
/usr/local/sbin/grub-bhyve -m /run/vmrun/debian.device.map -r cd0 -c /dev/pts/N -M 2G debian
/usr/sbin/bhyve -A -H -u -c cpus=2,sockets=1,cores=1,threads=2 -m 2G -s 0:0:0,hostbridge -s 0:1:0,virtio-net,tap4 -s 0:2:0,virtio-blk,/vm/debian/disk.img -s 0:3:0,virtio-rnd -s 0:4:0,ahci-cd,/vm/iso/debian-12-amd64-netinst.iso -s 0:31:0,lpc -l com1,/dev/pts/N debian
EOF
	{
		env -u VMRUN_GRUB_BHYVE "$V" -c "$ex" -d -P /run/vmrun/debian.pid
		env -u VMRUN_GRUB_BHYVE "$V" -c "$ex" -d -t install \
		    -P /run/vmrun/debian.pid
	} > out 2> err
	atf_check -o file:expout cat out
	atf_check -o empty cat err
	# As the fakes run it: install, then the installed system.
	sed 's/"debian"/"lt"/' "$ex" > vm.json
	export FAKE_BHYVE_STATUS="0 1"
	atf_check -s exit:1 -o empty -e ignore ./run -t install
	atf_check -o inline:"(hd0) /vm/debian/disk.img\n(cd0) /vm/iso/debian-12-amd64-netinst.iso\n" \
	    cat grub-map.1
	atf_check -o inline:"(hd0) /vm/debian/disk.img\n" cat grub-map.2
	atf_check -o inline:"-r cd0\n-r hd0,1\n" \
	    grep -o -e '-r [^ ]*' grub-bhyve.log
	gone lt.device.map
	no_leftovers
}

tc stop_in_menu "vmrun stopped while grub-bhyve shows its menu: grub-bhyve ends, its files are removed, bhyve never starts"
stop_in_menu_body()
{
	setup
	grub '"console": "capture", "commands": ["boot"]' '"com1": "capture"'
	export FAKE_GRUB_MENU="$MENU" FAKE_GRUB_HOLD="$PWD/never"
	./run > out 2> err &
	BG=$!
	echo "$BG" >> bg.pids
	wait_for '[ -s grub-bhyve.pid ] && [ -s vmrun.pid ]'
	wait_for '"$V" ctl "$PWD/lt.sock" console-tail | grep -q "GNU GRUB"'
	[ -f lt.device.map ] && [ -f lt.grub.cfg ] ||
	    atf_fail "grub-bhyve's files are not there while it runs"
	kill -TERM "$(oneline vmrun.pid)"
	finish_bg 1
	runs 0
	gone lt.device.map lt.grub.cfg
	ev_assert "ev('end')[0]['reason'] == 'stopped'"
	ev_assert "[e['resource'] for e in ev('cleanup') if e['action'] == 'remove'] == ['$PWD/lt.grub.cfg', '$PWD/lt.device.map']"
	no_leftovers
}

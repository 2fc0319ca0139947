#! /usr/bin/env atf-sh
#
# What vmrun makes on the host and keeps (vmrun.json(5) "create",
# "cloud_init"; vmrun(8) FILES): disks created at the first start, the
# cloud-init seed.  Persistent state outlives the run; what was there
# already is never changed.
#
# Every case runs vmrun through ./run (written by setup, in common.subr);
# every wait is bounded and every case has a cleanup part that kills
# whatever a failed case left running.

. "$(atf_get_srcdir)/common.subr"

TC_CLEANUP=kill_leftovers

# disk_config PATH [MEMBERS]: a VM with a virtio-blk disk at PATH that
# vmrun may create (64 MiB), and an nvme one beside it.
disk_config()
{
	config '"emulations": [{"device": "virtio-blk", "path": "'"$1"'", "create": "64M"}'"${2:+, $2}"']'
}

# ---------------------------------------------------------------------
# Disks created on first start (create)

tc disk_created "a missing disk with create is made sparse, 0600, before bhyve starts"
disk_created_body()
{
	setup
	disk_config "$PWD/disk.img" \
	    '{"device": "nvme", "path": "'"$PWD"'/nv.img", "create": 1048576}'
	export FAKE_BHYVE_PROBE="$PWD/disk.img $PWD/nv.img"
	atf_check -s exit:1 -o empty -e ignore ./run
	atf_check -o inline:"$PWD/disk.img file\n$PWD/nv.img file\n" \
	    cat bhyve.probe
	atf_check -o inline:"67108864 600\n" stat -c '%s %a' disk.img
	atf_check -o inline:"1048576 600\n" stat -c '%s %a' nv.img
	# Sparse: no block written (a file system may keep a few).
	[ "$(stat -c %b disk.img)" -lt 64 ] ||
	    atf_fail "disk.img is not sparse: $(stat -c %b disk.img) blocks"
	# A second start leaves it as it is.
	reset
	printf 'GUEST' | dd of=disk.img conv=notrunc status=none
	atf_check -s exit:1 -o empty -e ignore ./run
	atf_check -o inline:"67108864 600\n" stat -c '%s %a' disk.img
	atf_check -o inline:"GUEST" dd if=disk.img bs=5 count=1 status=none
	no_leftovers
}

tc disk_kept "an existing disk is never truncated, resized or re-moded"
disk_kept_body()
{
	local before

	setup
	disk_config "$PWD/disk.img"
	printf 'precious' > disk.img
	chmod 0644 disk.img
	before=$(stat -c '%s %a %i %Y' disk.img)
	atf_check -s exit:1 -o empty -e ignore ./run
	atf_check -o inline:"$before\n" stat -c '%s %a %i %Y' disk.img
	atf_check -o inline:"precious" cat disk.img
	no_leftovers
}

tc disk_symlink "a disk is never created through a symbolic link"
disk_symlink_body()
{
	setup
	disk_config "$PWD/disk.img"
	ln -s "$PWD/elsewhere.img" disk.img
	atf_check -s exit:69 -o empty -e match:"symbolic link to nothing" \
	    ./run
	[ ! -e elsewhere.img ] || atf_fail "created through the link"
	runs 0
	# The host check says so before the start.
	atf_check -s exit:69 -o empty -e match:"disk.img is a symbolic link" \
	    "$V" -c vm.json --check
	no_leftovers
}

tc disk_check_warns "--check: a disk to create is a warning, not a problem, and nothing is made"
disk_check_warns_body()
{
	setup
	touch rom.fd
	config '"bootrom": "'"$PWD"'/rom.fd", "emulations": [{"device": "virtio-blk", "path": "'"$PWD"'/disk.img", "create": "2G"}]'
	atf_check -s exit:0 -o empty \
	    -e match:"disk.img does not exist; will be created at start \(2G, sparse" \
	    "$V" -c vm.json --check --vmm-dir "$PWD/vmm" -P "$PWD/vmrun.pid"
	[ ! -e disk.img ] || atf_fail "--check created the disk"
	# A missing directory cannot hold it: a problem.
	config '"bootrom": "'"$PWD"'/rom.fd", "emulations": [{"device": "virtio-blk", "path": "'"$PWD"'/no/disk.img", "create": "2G"}]'
	atf_check -s exit:69 -o empty -e match:"no: No such file" \
	    "$V" -c vm.json --check --vmm-dir "$PWD/vmm" -P "$PWD/vmrun.pid"
}

# ---------------------------------------------------------------------
# The cloud-init seed (cloud_init), built with the real makefs and read
# back with xorriso.

# seed_config [MEMBERS]: a VM with a seed in ./state; the members are
# added to the top level.
seed_config()
{
	config '"uuid": "6f1c3a2e-1b2c-4d5e-8f90-123456789abc", "state_dir": "'"$PWD"'/state", "emulations": [{"device": "virtio-rnd"}]'"${1:+, $1}"
}

# counting_makefs [STATUS]: ./makefs runs the real makefs and counts its
# runs in makefs.count; with STATUS it fails instead, as makefs would.
counting_makefs()
{
	if [ -n "${1:-}" ]; then
		printf '#!/bin/sh\necho run >> "%s/makefs.count"\necho "makefs: cannot write the image" >&2\nexit %s\n' \
		    "$PWD" "$1" > makefs
	else
		printf '#!/bin/sh\necho run >> "%s/makefs.count"\nexec /usr/sbin/makefs "$@"\n' \
		    "$PWD" > makefs
	fi
	chmod +x makefs
}

# iso_volid ISO: the volume identifier of the image, as xorriso reads it.
iso_volid()
{
	xorriso -indev "$1" -pvd_info 2>/dev/null |
	    sed -n "s/^Volume [Ii]d *: *'\{0,1\}\([^']*\)'\{0,1\}$/\1/p" | head -1
}

# volid_is ID ISO: the volume identifier of the image is ID, exactly.
volid_is()
{
	local v

	v=$(iso_volid "$2")
	[ "$v" = "$1" ] || atf_fail "$2: volume id '$v', expected '$1'"
}

# iso_extract ISO DIR: the files of the image into DIR.
iso_extract()
{
	xorriso -osirrox on -indev "$1" -extract / "$2" > /dev/null 2>&1 ||
	    atf_fail "xorriso cannot read $1"
}

tc seed_built "the seed: user-data, meta-data and network-config in a Rock Ridge ISO labelled cidata, attached read-only"
seed_built_body()
{
	local modes

	setup
	counting_makefs
	seed_config '"cloud_init": {"user_data": "#cloud-config\nusers:\n  - name: me\n", "meta_data": {"local-hostname": "web1", "zone": "a \"b\""}, "network_config": "version: 2\n"}'
	atf_check -s exit:1 -o empty -e ignore ./run --makefs "$PWD/makefs"
	runs 1
	atf_check -o inline:"run\n" cat makefs.count
	# Before bhyve, and given to it read-only after the other devices.
	grep -q "ahci-cd,$PWD/state/cloud-init/seed.iso,ro " bhyve.log ||
	    atf_fail "no seed in bhyve's arguments: $(oneline bhyve.log)"
	modes=$(stat -c '%a' state state/cloud-init state/cloud-init/seed.iso |
	    tr '\n' ' ')
	[ "$modes" = "700 700 600 " ] || atf_fail "modes: $modes"
	volid_is cidata state/cloud-init/seed.iso
	iso_extract state/cloud-init/seed.iso x
	atf_check -o inline:"meta-data\nnetwork-config\nuser-data\n" ls x
	printf '#cloud-config\nusers:\n  - name: me\n' > want.user
	atf_check -o file:want.user cat x/user-data
	printf 'instance-id: "6f1c3a2e-1b2c-4d5e-8f90-123456789abc"\nlocal-hostname: "web1"\nzone: "a \\"b\\""\n' > want.meta
	atf_check -o file:want.meta cat x/meta-data
	atf_check -o inline:"version: 2\n" cat x/network-config
	# The files are kept beside it, as written.
	atf_check -o file:want.user cat state/cloud-init/user-data
	no_leftovers
}

tc seed_defaults "the seed's defaults: user-data #cloud-config, instance-id the name without a uuid, no network-config"
seed_defaults_body()
{
	setup
	counting_makefs
	config '"state_dir": "'"$PWD"'/state", "cloud_init": {}'
	atf_check -s exit:1 -o empty -e ignore ./run --makefs "$PWD/makefs"
	iso_extract state/cloud-init/seed.iso x
	atf_check -o inline:"meta-data\nuser-data\n" ls x
	atf_check -o inline:"#cloud-config\n" cat x/user-data
	atf_check -o inline:'instance-id: "lt"\nlocal-hostname: "lt"\n' \
	    cat x/meta-data
	volid_is cidata state/cloud-init/seed.iso
}

tc seed_rebuild "the seed is built again only when its inputs change (VMRUN_MAKEFS)"
seed_rebuild_body()
{
	local ino

	setup
	counting_makefs
	echo '#cloud-config' > ud
	seed_config '"cloud_init": {"user_data": {"file": "'"$PWD"'/ud"}}'
	export VMRUN_MAKEFS="$PWD/makefs"
	# A guest reboot, then a power-off: one build for both boots.
	FAKE_BHYVE_STATUS="0 1" atf_check -s exit:1 -o empty -e ignore ./run
	runs 2
	atf_check -o inline:"run\n" cat makefs.count
	ino=$(stat -c '%i %Y' state/cloud-init/seed.iso)
	# Another start with the same inputs: no makefs, the same image.
	reset
	atf_check -s exit:1 -o empty -e ignore ./run
	atf_check -o inline:"run\n" cat makefs.count
	atf_check -o inline:"$ino\n" stat -c '%i %Y' state/cloud-init/seed.iso
	# The file's content changed: built again.
	reset
	echo 'packages: [tmux]' >> ud
	atf_check -s exit:1 -o empty -e ignore ./run
	atf_check -o inline:"run\nrun\n" cat makefs.count
	iso_extract state/cloud-init/seed.iso x
	atf_check -o file:ud cat x/user-data
	# A seed removed by hand is built again, inputs unchanged.
	reset
	rm state/cloud-init/seed.iso
	atf_check -s exit:1 -o empty -e ignore ./run
	atf_check -o inline:"run\nrun\nrun\n" cat makefs.count
	volid_is cidata state/cloud-init/seed.iso
}

tc seed_removed "a target that removes cloud-init gets no seed and runs no makefs"
seed_removed_body()
{
	setup
	counting_makefs
	seed_config '"cloud_init": {}, "targets": {"plain": {"remove": ["cloud-init"]}}'
	atf_check -s exit:1 -o empty -e ignore ./run --makefs "$PWD/makefs" -t plain
	runs 1
	[ ! -e makefs.count ] || atf_fail "makefs ran"
	[ ! -e state ] || atf_fail "the state directory was made"
	! grep -q ahci-cd bhyve.log || atf_fail "a seed: $(oneline bhyve.log)"
}

tc seed_dry_run "a dry run shows the seed in bhyve's command and builds nothing"
seed_dry_run_body()
{
	setup
	counting_makefs
	seed_config '"cloud_init": {}'
	atf_check -s exit:0 -o match:"-s 0:2:0,ahci-cd,$PWD/state/cloud-init/seed.iso,ro " \
	    -e empty "$V" -c vm.json -d --makefs "$PWD/makefs"
	[ ! -e state ] || atf_fail "the dry run made the state directory"
	[ ! -e makefs.count ] || atf_fail "the dry run ran makefs"
}

tc seed_makefs_fails "makefs failing ends vmrun with 74, its message quoted, bhyve not started"
seed_makefs_fails_body()
{
	setup
	counting_makefs 1
	seed_config '"cloud_init": {}'
	atf_check -s exit:74 -o empty \
	    -e match:"makefs exited with status 1" \
	    -e match:"cannot write the image" ./run --makefs "$PWD/makefs"
	runs 0
	[ ! -e state/cloud-init/seed.iso ] || atf_fail "a seed was left"
	[ ! -e state/cloud-init/.seed.iso.tmp ] || atf_fail "its temporary file was left"
	no_leftovers
}

tc seed_stop_during_makefs "a stop while makefs runs ends it: no seed, no bhyve, nothing left"
seed_stop_during_makefs_body()
{
	setup
	printf '#!/bin/sh\necho $$ > "%s/makefs.pid"\necho run >> "%s/makefs.count"\nexec sleep 30\n' \
	    "$PWD" "$PWD" > makefs
	chmod +x makefs
	seed_config '"cloud_init": {}'
	./run --makefs "$PWD/makefs" > out 2> err &
	BG=$!
	echo "$BG" >> bg.pids
	wait_for '[ -s makefs.count ] && [ -s vmrun.pid ]'
	VMRUN=$(oneline vmrun.pid)
	cat makefs.pid >> bg.pids
	sig_vmrun TERM
	finish_bg 1
	runs 0
	[ ! -e state/cloud-init/seed.iso ] || atf_fail "a seed was left"
	[ ! -e state/cloud-init/.seed.iso.tmp ] ||
	    atf_fail "its temporary file was left"
	[ ! -e state/cloud-init/seed.hash ] || atf_fail "a hash was left"
	ev_assert "names == ['stop-requested', 'end'] and ev('end')[0]['reason'] == 'stopped'"
	! alive "$(oneline makefs.pid)" || atf_fail "makefs still runs"
	no_leftovers
}

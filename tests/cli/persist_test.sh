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

#! /usr/bin/env atf-sh
#
# vmrun's command line: options, their combinations and exit statuses
# (vmrun(8) OPTIONS, EXIT STATUS).

. "$(atf_get_srcdir)/layout.subr"

# atf_check runs programs, not shell functions: every body calls setup.
setup() { V=$(layout vmrun); }

seed() { cp "$(layout example)" vm.json; }

SEED_ARGV='/usr/sbin/bhyve -A -H -u -c cpus=2,sockets=1,cores=1,threads=2 -m 512M -s 0:0:0,hostbridge -s 0:1:0,virtio-net,tap3 -s 0:2:0,virtio-blk,disk.img -s 0:31:0,lpc -l com1,stdio -l bootrom,/usr/local/share/uefi-firmware/BHYVE_UEFI.fd freebsd-test'

atf_test_case dry_run
dry_run_head() { atf_set descr "-d prints the bhyve command and exits 0"; }
dry_run_body() {
	setup
	seed
	echo "$SEED_ARGV" > expout
	atf_check -s exit:0 -o file:expout -e empty "$V" -c vm.json -d
	atf_check -s exit:0 -o file:expout -e empty "$V" --config vm.json \
	    --dry-run
}

atf_test_case stdin_config
stdin_config_head() { atf_set descr "-c - reads the configuration from standard input"; }
stdin_config_body() {
	setup
	seed
	echo "$SEED_ARGV" > expout
	atf_check -s exit:0 -o file:expout -e empty -x \
	    "\"$V\" -c - -d < vm.json"
}

atf_test_case stdin_errors_named
stdin_errors_named_head() { atf_set descr "problems in standard input are reported as <stdin>"; }
stdin_errors_named_body() {
	setup
	echo '{"name": "x", "cpu": 1}' > vm.json
	atf_check -s exit:65 -o empty \
	    -e inline:"vmrun: <stdin>: mem: required key is missing\n" -x \
	    "\"$V\" -c - -d < vm.json"
}

atf_test_case target
target_head() { atf_set descr "-t selects a target"; }
target_body() {
	setup
	seed
	echo "$SEED_ARGV" | sed 's| -s 0:31:0,lpc| -s 0:3:0,ahci-cd,FreeBSD-13.0-RELEASE-amd64-disc1.iso&|' > expout
	atf_check -s exit:0 -o file:expout -e empty "$V" -c vm.json -t install -d
	atf_check -s exit:0 -o file:expout -e empty "$V" -c vm.json --target=install -d
}

atf_test_case target_default
target_default_head() { atf_set descr "-t default is the base configuration"; }
target_default_body() {
	setup
	seed
	echo "$SEED_ARGV" > expout
	atf_check -s exit:0 -o file:expout -e empty "$V" -c vm.json -t default -d
}

atf_test_case unknown_target
unknown_target_head() { atf_set descr "-t naming a missing target is a usage error (64)"; }
unknown_target_body() {
	setup
	seed
	atf_check -s exit:64 -o empty -e inline:"vmrun: vm.json: no target named \"nope\" (targets: default, install)\n" \
	    "$V" -c vm.json -t nope -d
}

atf_test_case missing_file
missing_file_head() { atf_set descr "an unreadable configuration is exit 66"; }
missing_file_body() {
	setup
	atf_check -s exit:66 -o empty \
	    -e inline:"vmrun: nonexistent.json: No such file or directory\n" \
	    "$V" -c nonexistent.json -d
	mkdir dir.json
	atf_check -s exit:66 -o empty -e match:"dir.json" "$V" -c dir.json -d
}

atf_test_case invalid_config
invalid_config_head() { atf_set descr "an invalid configuration is exit 65 with every problem"; }
invalid_config_body() {
	setup
	cat > vm.json <<'JSON'
{"name": "bad name", "cpu": 0, "mem": "1.5G",
 "emulations": [{"device": "virtio-blk"}, {"device": "virtio-nett", "name": "tap0"}]}
JSON
	cat > experr <<'ERR'
vmrun: vm.json: name: "bad name" is not a valid VM name: use 1 to 31 letters, digits, '.', '_' or '-', starting with a letter or digit
vmrun: vm.json: cpu: 0 vCPUs: expected 1 to 1024
vmrun: vm.json: mem: "1.5G" is not a size: expected a number followed by K, M, G or T (e.g. "512M")
vmrun: vm.json: emulations[0].path: required key is missing
vmrun: vm.json: emulations[1].device: unknown device "virtio-nett"; did you mean "virtio-net"?
ERR
	atf_check -s exit:65 -o empty -e file:experr "$V" -c vm.json -d
}

atf_test_case syntax_error
syntax_error_head() { atf_set descr "a syntax error names line and column"; }
syntax_error_body() {
	setup
	printf '{\n  "name": "x",\n  "cpu": 1,,\n}\n' > vm.json
	atf_check -s exit:65 -o empty -e match:"^vmrun: vm.json:3:[0-9]+: " \
	    "$V" -c vm.json -d
}

atf_test_case too_large
too_large_head() { atf_set descr "input over 1 MiB is refused with exit 65"; }
too_large_body() {
	setup
	awk 'BEGIN { printf "{\"name\": \"x\", \"pad\": \""; for (i = 0; i < 1100000; i++) printf "a"; printf "\"}\n" }' > vm.json
	atf_check -s exit:65 -o empty -e match:"the limit is 1048576" \
	    "$V" -c vm.json -d
	atf_check -s exit:65 -o empty -e match:"the limit is 1048576" -x \
	    "\"$V\" -c - -d < vm.json"
}

atf_test_case json_errors
json_errors_head() { atf_set descr "--json with -d prints configuration errors as JSON on stdout"; }
json_errors_body() {
	setup
	echo '{"name": "x", "cpu": 1, "mem": "1X"}' > vm.json
	atf_check -s exit:65 -e empty \
	    -o inline:'{"vm":null,"ok":false,"diagnostics":[{"severity":"error","code":"bad-size","group":"vm","path":"mem","message":"\"1X\" is not a size: expected a number followed by K, M, G or T (e.g. \"512M\")","fix":null}]}\n' \
	    "$V" -c vm.json -d --json
}

atf_test_case dry_run_json
dry_run_json_head() { atf_set descr "-d --json prints target, loader, bhyve argv and slots"; }
dry_run_json_body() {
	setup
	seed
	atf_check -s exit:0 -e empty \
	    -o inline:'{"target":"install","loader":null,"bhyve":["/usr/sbin/bhyve","-A","-H","-u","-c","cpus=2,sockets=1,cores=1,threads=2","-m","512M","-s","0:0:0,hostbridge","-s","0:1:0,virtio-net,tap3","-s","0:2:0,virtio-blk,disk.img","-s","0:3:0,ahci-cd,FreeBSD-13.0-RELEASE-amd64-disc1.iso","-s","0:31:0,lpc","-l","com1,stdio","-l","bootrom,/usr/local/share/uefi-firmware/BHYVE_UEFI.fd","freebsd-test"],"slots":[{"slot":"0:0:0","device":"hostbridge","id":null},{"slot":"0:1:0","device":"virtio-net","id":null},{"slot":"0:2:0","device":"virtio-blk","id":null},{"slot":"0:3:0","device":"ahci-cd","id":null},{"slot":"0:31:0","device":"lpc","id":null}],"diagnostics":[]}\n' \
	    "$V" -c vm.json -t install -d --json
}

atf_test_case exclusive_modes
exclusive_modes_head() { atf_set descr "-d, --debug, --emit-config and --check exclude each other"; }
exclusive_modes_body() {
	setup
	seed
	for pair in "-d --debug" "-d --emit-config" "--debug --check" \
	    "--emit-config --check" "-d --check"; do
		atf_check -s exit:64 -o empty -e match:"exclude each other" \
		    "$V" -c vm.json $pair
	done
}

atf_test_case json_needs_mode
json_needs_mode_head() { atf_set descr "--json goes with -d or --check only"; }
json_needs_mode_body() {
	setup
	seed
	atf_check -s exit:64 -o empty -e match:"--json goes with -d or --check" \
	    "$V" -c vm.json --json
	atf_check -s exit:64 -o empty -e match:"--json goes with -d or --check" \
	    "$V" -c vm.json --json --debug
}

atf_test_case usage_errors
usage_errors_head() { atf_set descr "bad command lines are exit 64 with a hint"; }
usage_errors_body() {
	setup
	seed
	atf_check -s exit:64 -o empty -e match:"a configuration is required" "$V" -d
	atf_check -s exit:64 -o empty -e match:"unknown option -x" "$V" -c vm.json -x
	atf_check -s exit:64 -o empty -e match:"needs an argument" "$V" -c
	atf_check -s exit:64 -o empty -e match:"--bogus" "$V" -c vm.json --bogus
	atf_check -s exit:64 -o empty -e match:"unexpected argument \"stray\"" \
	    "$V" -c vm.json -d stray
	atf_check -s exit:64 -o empty -e match:"Try 'vmrun --help'" "$V" -c vm.json -x
}

atf_test_case option_values
option_values_head() { atf_set descr "a value given to an option that takes none, or none to one that needs it, names that option"; }
option_values_body() {
	local o

	setup
	seed
	for o in json check debug fix no-reboot force dry-run emit-config \
	    no-requirement-check version help; do
		atf_check -s exit:64 -o empty \
		    -e match:"^vmrun: option --$o takes no value\$" \
		    "$V" -c vm.json --$o=1
	done
	atf_check -s exit:64 -o empty \
	    -e match:"^vmrun: option --events needs an argument\$" \
	    "$V" -c vm.json --events
	atf_check -s exit:64 -o empty \
	    -e match:"^vmrun: option -p needs an argument\$" "$V" -c vm.json -p
	atf_check -s exit:64 -o empty \
	    -e match:"^vmrun: unknown option --frob\$" "$V" -c vm.json --frob=2
}

atf_test_case too_large
too_large_head() { atf_set descr "a configuration over 1 MiB: its real size from a file, 'more than' from a pipe"; }
too_large_body() {
	setup
	python3 -c 'print("{\"name\": \"" + "a" * 3000000 + "\"}")' > big.json
	atf_check -s exit:65 -o empty \
	    -e inline:"vmrun: big.json: configuration is 3000013 bytes; the limit is 1048576 (1 MiB)\n" \
	    "$V" -c big.json -d
	atf_check -s exit:65 -o empty \
	    -e inline:"vmrun: <stdin>: configuration is more than 1048576 bytes (1 MiB), the limit\n" \
	    sh -c "cat big.json | '$V' -c - -d"
}

atf_test_case json_warnings
json_warnings_head() { atf_set descr "with --json, warnings are in the document and stderr stays quiet"; }
json_warnings_body() {
	setup
	printf '%s\n' '{"name": "w", "cpu": 1, "mem": "1G", "graphic": {"vga": "on"}}' > w.json
	atf_check -s exit:0 -e empty -o save:d.json "$V" -c w.json -d --json
	atf_check -o inline:'warning vga-on graphic.vga\n' python3 -c '
import json
for d in json.load(open("d.json"))["diagnostics"]:
    print(d["severity"], d["code"], d["path"])'
	atf_check -s exit:69 -e empty -o save:c.json "$V" -c w.json --check \
	    --json --vmm-dir "$PWD" -P "$PWD/w.pid"
	atf_check -o match:'^warning vga-on$' python3 -c '
import json
for d in json.load(open("c.json"))["diagnostics"]:
    print(d["severity"], d["code"])'
	# Without --json the warning is text on stderr, as before.
	atf_check -s exit:0 -o ignore -e match:'graphic.vga: warning: ' \
	    "$V" -c w.json -d
}

atf_test_case json_documented
json_documented_head()
{
	atf_set descr "vmrun(8) shows every member of the -d --json" \
	    "document, the warnings included"
}
json_documented_body()
{
	local src

	setup
	src=$(layout source) || atf_skip "the installed suite has no" \
	    "manual page sources"
	printf '%s\n' '{"name": "w", "cpu": 1, "mem": "1G", "graphic": {"vga": "on"}}' > w.json
	atf_check -s exit:0 -e empty -o save:d.json "$V" -c w.json -d --json
	# The members of the literal block under "Dry run", and the real ones.
	atf_check -o inline:'same\n' python3 -c '
import json, re, sys
man = open(sys.argv[1]).read()
block = re.search(r"^\.Ss Dry run\n(?:.*\n)*?\.Bd -literal.*\n((?:.*\n)*?)\.Ed$",
    man, re.M).group(1)
shown = set(re.findall(r"\"([a-z_]+)\":", block))
d = json.load(open("d.json"))
real = set(d) | set().union(*[set(s) for s in d["slots"]])
assert [w["code"] for w in d["diagnostics"]] == ["vga-on"], d
print("same" if shown == real else
    "only in vmrun(8): %s; only in the document: %s" %
    (sorted(shown - real), sorted(real - shown)))' "$src/man/vmrun.8"
}

atf_test_case json_any_bytes
json_any_bytes_head() { atf_set descr "a syntax error quoting bytes that are not UTF-8 still gives a JSON document"; }
json_any_bytes_body() {
	setup
	printf '{"a":"\\\303\251"}' > u.json
	atf_check -s exit:65 -e empty -o save:u.out "$V" -c u.json -d --json
	atf_check -o inline:'syntax 1 8\n' python3 -c '
import json
d = json.load(open("u.out"))["diagnostics"][0]
print(d["code"], d["line"], d["column"])'
}

atf_test_case extra_args
extra_args_head() { atf_set descr "arguments after -- go to bhyve, before the VM name"; }
extra_args_body() {
	setup
	seed
	echo "$SEED_ARGV" | sed 's| freebsd-test$| -o config.dump=1 freebsd-test|' > expout
	atf_check -s exit:0 -o file:expout -e empty "$V" -c vm.json -d -- -o config.dump=1
}

atf_test_case bhyve_path
bhyve_path_head() { atf_set descr "--bhyve and VMRUN_BHYVE choose argv[0]; the option wins"; }
bhyve_path_body() {
	setup
	seed
	atf_check -s exit:0 -o match:"^/opt/bhyve -A " -e empty "$V" -c vm.json -d --bhyve /opt/bhyve
	atf_check -s exit:0 -o match:"^/env/bhyve -A " -e empty env VMRUN_BHYVE=/env/bhyve "$V" -c vm.json -d
	atf_check -s exit:0 -o match:"^/opt/bhyve -A " -e empty env VMRUN_BHYVE=/env/bhyve "$V" -c vm.json -d --bhyve /opt/bhyve
}

atf_test_case loader_first
loader_first_head() { atf_set descr "the dry run prints the loader before bhyve, with the same memory"; }
loader_first_body() {
	setup
	cat > vm.json <<'JSON'
{"name": "fbsd", "cpu": 1, "mem": "1G", "com1": "stdio",
 "loader": {"type": "bhyveload", "disk": "/vm/fbsd.img"},
 "emulations": [{"device": "virtio-blk", "path": "/vm/fbsd.img"}]}
JSON
	cat > expout <<'OUT'
/usr/sbin/bhyveload -m 1G -c stdio -d /vm/fbsd.img fbsd
/usr/sbin/bhyve -A -H -u -c cpus=1,sockets=1,cores=1,threads=1 -m 1G -s 0:0:0,hostbridge -s 0:1:0,virtio-blk,/vm/fbsd.img -s 0:31:0,lpc -l com1,stdio fbsd
OUT
	atf_check -s exit:0 -o file:expout -e empty "$V" -c vm.json -d
	atf_check -s exit:0 -o match:"^/l/bhyveload -m 1G" -e empty "$V" -c vm.json -d --bhyveload /l/bhyveload
}

atf_test_case grub_program
grub_program_head() { atf_set descr "the dry run's grub-bhyve: --grub-bhyve, else VMRUN_GRUB_BHYVE, else the config's loader, else the default; its files in -P's directory"; }
grub_program_body() {
	setup
	cat > vm.json <<'JSON'
{"name": "lx", "cpu": 1, "mem": "1G",
 "loader": {"type": "grub"},
 "emulations": [{"device": "virtio-blk", "path": "/vm/lx.img"}],
 "targets": {"own": {"loader": {"type": "grub", "loader": "/c/grub-bhyve"}}}}
JSON
	atf_check -s exit:0 -o match:"^/usr/local/sbin/grub-bhyve -m /run/x/lx.device.map -r hd0,1 -M 1G lx\$" \
	    -e empty env -u VMRUN_GRUB_BHYVE "$V" -c vm.json -d -P /run/x/lx.pid
	atf_check -s exit:0 -o match:"^/e/grub-bhyve -m \./lx\.device\.map " -e empty \
	    env VMRUN_GRUB_BHYVE=/e/grub-bhyve "$V" -c vm.json -d -P lx.pid
	atf_check -s exit:0 -o match:"^/o/grub-bhyve -m " -e empty \
	    env VMRUN_GRUB_BHYVE=/e/grub-bhyve "$V" -c vm.json -d \
	    --grub-bhyve /o/grub-bhyve -t own
	atf_check -s exit:0 -o match:"^/c/grub-bhyve -m " -e empty \
	    env -u VMRUN_GRUB_BHYVE "$V" -c vm.json -d -t own
	# bhyveload's option is not grub-bhyve's.
	atf_check -s exit:0 -o match:"^/usr/local/sbin/grub-bhyve " -e empty \
	    env -u VMRUN_GRUB_BHYVE "$V" -c vm.json -d --bhyveload /l/bhyveload
	atf_check -s exit:0 -o match:"--grub-bhyve PATH" -e empty "$V" --help
}

atf_test_case shell_quoting
shell_quoting_head() { atf_set descr "dry-run words with blanks or quotes are shell-quoted and paste back exactly"; }
shell_quoting_body() {
	setup
	cat > vm.json <<'JSON'
{"name": "q", "cpu": 1, "mem": "256M",
 "emulations": [{"device": "virtio-blk", "path": "/vm/my disk's.img"}]}
JSON
	atf_check -s exit:0 -o save:out -e empty "$V" -c vm.json -d
	atf_check -s exit:0 -o match:"'0:1:0,virtio-blk,/vm/my disk'\\\\''s.img'" cat out
	# The printed line, run through a shell, gives back the exact argv.
	sed 's|^/usr/sbin/bhyve|printf "%s\\n"|' out > words.sh
	atf_check -s exit:0 -o inline:"0:1:0,virtio-blk,/vm/my disk's.img\n" -x "sh words.sh | grep virtio-blk"
}

atf_test_case debug
debug_head() { atf_set descr "--debug prints the resolved configuration as JSON"; }
debug_body() {
	setup
	seed
	atf_check -s exit:0 -o save:out -e empty "$V" -c vm.json -t install --debug
	atf_check -s exit:0 -o match:'"target": "install"' cat out
	atf_check -s exit:0 -o match:'"next_target": "default"' cat out
	atf_check -s exit:0 -o match:'"slot": "0:3:0"' cat out
	atf_check -s exit:0 -o match:'"mem": "512M"' cat out
}

atf_test_case emit_config
emit_config_head() { atf_set descr "--emit-config prints bhyve_config(5) lines"; }
emit_config_body() {
	setup
	seed
	cat > expout <<'OUT'
name=freebsd-test
cpus=2
sockets=1
cores=1
threads=2
memory.size=512M
acpi_tables=true
x86.vmexit_on_hlt=true
rtc.use_localtime=false
pci.0.0.0.device=hostbridge
pci.0.1.0.device=virtio-net
pci.0.1.0.backend=tap3
pci.0.2.0.device=virtio-blk
pci.0.2.0.path=disk.img
pci.0.31.0.device=lpc
lpc.com1.path=stdio
lpc.bootrom=/usr/local/share/uefi-firmware/BHYVE_UEFI.fd
OUT
	atf_check -s exit:0 -o file:expout -e empty "$V" -c vm.json --emit-config
}

atf_test_case emit_config_refuses_raw
emit_config_refuses_raw_head() { atf_set descr "--emit-config refuses what has no config form (65)"; }
emit_config_refuses_raw_body() {
	setup
	cat > vm.json <<'JSON'
{"name": "r", "cpu": 1, "mem": "256M", "extra_options": "-w",
 "emulations": [{"device": "raw", "value": "virtio-blk,/a"}]}
JSON
	atf_check -s exit:65 -o empty -e match:"emulations\\[0\\]: a raw device" \
	    "$V" -c vm.json --emit-config
	atf_check -s exit:65 -o empty -e match:"extra_options: extra_options are" \
	    "$V" -c vm.json --emit-config
}

atf_test_case version_help
version_help_head() { atf_set descr "-V and -h print to stdout and exit 0"; }
version_help_body() {
	setup
	atf_check -s exit:0 -o match:"^vmrun [0-9]+\\.[0-9]+\\.[0-9]+$" -e empty "$V" -V
	atf_check -s exit:0 -o match:"^vmrun [0-9]" -e empty "$V" --version
	atf_check -s exit:0 -o match:"^usage: vmrun -c FILE" -e empty "$V" -h
	atf_check -s exit:0 -o match:"--dry-run" -e empty "$V" --help
}

atf_test_case warnings_do_not_fail
warnings_do_not_fail_head() { atf_set descr "a warning is printed, the dry run still succeeds"; }
warnings_do_not_fail_body() {
	setup
	cat > vm.json <<'JSON'
{"name": "w", "cpu": 1, "mem": "256M", "graphic": {"vga": "on"}}
JSON
	atf_check -s exit:0 -o match:"fbuf,tcp=127.0.0.1:5900,vga=on" \
	    -e match:"^vmrun: vm.json: graphic.vga: warning: " "$V" -c vm.json -d
}

atf_test_case stdout_error
stdout_error_head() { atf_set descr "a failed write to standard output is an error, not silence"; }
stdout_error_body() {
	setup
	seed
	[ -w /dev/full ] || atf_skip "/dev/full is not available on this system"
	atf_check -s exit:71 -o empty -e match:"standard output" -x \
	    "\"$V\" -c vm.json -d > /dev/full"
}

atf_test_case no_stdio
no_stdio_head() { atf_set descr "--no-stdio refuses a stdio console in every mode, before anything runs, naming the key and suggesting capture; a captured port passes"; }
no_stdio_body() {
	setup
	seed
	# The example puts com1 on stdio.
	cat > experr <<'EOF2'
vmrun: vm.json: com1: "stdio" needs a terminal, and vmrun --no-stdio has none
  fix: set "com1": "capture" and use vmrun console freebsd-test, or a terminal device such as "/dev/nmdm0A"
EOF2
	for m in -d --check --debug --emit-config --no-requirement-check; do
		atf_check -s exit:65 -o empty -e file:experr "$V" -c vm.json \
		    --no-stdio $m --bhyve "$PWD/bhyve" --bhyveload "$PWD/bhyve"
	done
	# A start is refused before it runs anything: bhyve would say so.
	printf '#!/bin/sh\ntouch "%s/ran"\n' "$PWD" > bhyve
	chmod +x bhyve
	atf_check -s exit:65 -o empty -e file:experr "$V" -c vm.json \
	    --no-stdio --no-requirement-check -P "$PWD/vm.pid" --control '' \
	    --bhyve "$PWD/bhyve" --vmm-dir "$PWD"
	[ ! -e ran ] || atf_fail "bhyve was run"
	atf_check -s exit:65 -e empty -o save:out.json "$V" -c vm.json \
	    --no-stdio --check --json
	atf_check -o inline:'freebsd-test False stdio-no-terminal lpc com1 com1\n' \
	    python3 -c '
import json
j = json.load(open("out.json"))
d = j["diagnostics"]
assert len(d) == 1, d
print(j["vm"], j["ok"], d[0]["code"], d[0]["group"], d[0]["path"])'
	sed 's|"com1": "stdio"|"com1": "capture"|' vm.json > cap.json
	grep -q '"com1": "capture"' cap.json || atf_fail "no com1 in the example"
	atf_check -s exit:0 -o ignore -e empty "$V" -c cap.json --no-stdio -d
	atf_check -s exit:0 -o ignore -e empty "$V" -c vm.json -d
}

atf_init_test_cases() {
	atf_add_test_case dry_run
	atf_add_test_case stdin_config
	atf_add_test_case stdin_errors_named
	atf_add_test_case target
	atf_add_test_case target_default
	atf_add_test_case unknown_target
	atf_add_test_case missing_file
	atf_add_test_case invalid_config
	atf_add_test_case syntax_error
	atf_add_test_case too_large
	atf_add_test_case json_errors
	atf_add_test_case dry_run_json
	atf_add_test_case exclusive_modes
	atf_add_test_case json_needs_mode
	atf_add_test_case usage_errors
	atf_add_test_case extra_args
	atf_add_test_case bhyve_path
	atf_add_test_case loader_first
	atf_add_test_case grub_program
	atf_add_test_case shell_quoting
	atf_add_test_case debug
	atf_add_test_case emit_config
	atf_add_test_case option_values
	atf_add_test_case json_warnings
	atf_add_test_case json_documented
	atf_add_test_case json_any_bytes
	atf_add_test_case too_large
	atf_add_test_case emit_config_refuses_raw
	atf_add_test_case version_help
	atf_add_test_case warnings_do_not_fail
	atf_add_test_case stdout_error
	atf_add_test_case no_stdio
}

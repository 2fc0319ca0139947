#!/usr/bin/env python3
#
# make bench: what the supervisor costs while a guest runs, and how fast
# it reacts, measured against tools/bench/fakebhyve (C, so that its own
# cost hides nothing) with bhyvectl = true:
#
#   - private memory (smaps Private_Clean + Private_Dirty), RSS and open
#     descriptors of vmrun while the guest runs: alone, where its own
#     code counts as private, and beside a second vmrun, which shares
#     that code (what one more VM costs); and of a C program that only
#     waits, the floor of any process
#   - system calls vmrun makes over 5 s while the guest runs quietly
#     (strace -c, the calls column)
#   - reboot turnaround: bhyve exits 0, the next bhyve starts; the
#     median of the medians of 5 runs of 200 reboots, and the max,
#     beside tools/bench/rebootfloor (a plain fork+exec+waitpid loop)
#     over the same fake in the same mode, the same gaps between the
#     same stamps, its runs alternated with vmrun's, and the ratio
#   - stop latency: the fake powers off on SIGTERM; from its exit to the
#     exit event reaching a reader of --events; median and max
#   - soak: 1000 reboots in one vmrun, after a warm-up; its open
#     descriptors and private memory before and after them, which must
#     not grow (bench.py exits 1 when they do)
#   - start latency: from vmrun's exec to the fake bhyve's start, for a
#     VM without a network device beside one whose tap vmrun creates,
#     describes, bridges and brings up (then destroys), in a private
#     network namespace with a bridge of its own (root only; otherwise
#     the rows say why they were not measured)
#   - the control socket: a status request's round trip
#   - the captured console (com1 is "capture" in every run): how fast a
#     chatty guest's output goes through the pty into the ring
#   - the plan path: instructions (callgrind), wall time and RSS of dry
#     runs -- the seed example beside a program that only exits, and
#     100 to 8000 devices, with the ratio to 1000
#   - many VMs (--vms, 1000 by default): examples/manager supervising
#     them in one process, beside as many vmrun processes and beside
#     tools/bench/manyfloor (posix_spawn, pidfds, one poll loop): private
#     memory and descriptors per VM, the manager's system calls over 5 s
#     while every guest is quiet, a reboot storm (every fake exits 0 at
#     once, on SIGUSR1) until all are running again, for the manager and
#     for the floor, alternated while both run, and vmrun list over the
#     manager's run directory
#   - a VM with a TPM on the real swtpm: the time from swtpm's spawn to
#     bhyve's (stamped alike by tools/bench/stampexec, given as --swtpm,
#     and by the fake), median / max over TPM_RUNS VMs; and vmrun's
#     system calls over 5 s while the guest is quiet and swtpm runs
#     beside it
#
# The fake stamps CLOCK_MONOTONIC, the clock time.monotonic_ns() reads.
# Prints a table and writes it, with the machine it ran on, to --out.
# Not part of make check: wall times belong here, not in tests.

import argparse
import os
import platform
import re
import resource
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

REBOOTS = 200
# Runs of REBOOTS reboots, vmrun's and rebootfloor's alternated: the
# medians of their medians are compared (one run of each on 2 shared
# CPUs varied from 1.09 x to 1.36 x).
REBOOT_RUNS = 5
STOPS = 20
IDLE_SECONDS = 5
# Reboot storms of the many-VMs table, the manager's and the floor's
# alternated while both run: the median counts (one storm on 2 shared
# CPUs varies by 2x, and what else the machine does drifts).
STORMS = 5
STATUS_CALLS = 1000
TPM_RUNS = 20
START_RUNS = 20
BENCH_BRIDGE = "brbench0"
CONSOLE_MIB = 64
PLAN_DEVICES = (100, 1000, 2000, 4000, 8000)
# The soak: SOAK_WARMUP seconds of reboots first, longer than the
# restart_limit window of the VM's configuration (1 s): the crash-loop
# guard keeps the times of the restarts within it, so its memory grows
# for that long, as does whatever is allocated on first use.  Then vmrun
# is measured, and again after SOAK_REBOOTS more reboots.
SOAK_WARMUP = 1.5
SOAK_REBOOTS = 1000
# Growth of private memory the soak lets pass, in KiB: one page.  The
# allocator shows none (the guard's restart times are bounded by the
# fake's pace, see fakebhyve.c), but Private_Clean counts the pages of a
# file that no other process maps: when another program on the machine
# stops using a page of libc that vmrun uses too, vmrun's private memory
# grows by it.  The smallest leak, one 32-byte malloc chunk (glibc's
# least) a reboot, is 1000 * 32 bytes, 7.8 pages over the soak: one page
# of slack still fails every leak of a reboot.
SOAK_SLACK_KIB = 4


def need(tool):
    """tool on the PATH, installed with apt-get when it can be."""
    if shutil.which(tool):
        return True
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("bench: installing %s" % tool, file=sys.stderr)
        subprocess.run(["apt-get", "install", "-y", "-qq", tool],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       check=False)
    return shutil.which(tool) is not None


class VM:
    """One vmrun against the fake, events read from a FIFO."""

    def __init__(self, args, work, mode, n):
        self.dir = os.path.join(work, "vm%d" % n)
        os.makedirs(os.path.join(self.dir, "vmm"))
        disk = os.path.join(self.dir, "disk.img")
        rom = os.path.join(self.dir, "rom.fd")
        for p in (disk, rom):
            open(p, "wb").close()
        cfg = os.path.join(self.dir, "vm.json")
        with open(cfg, "w") as f:
            f.write('{"name": "bench", "cpu": 1, "mem": "256M", '
                    '"bootrom": "%s", "emulations": [{"device": '
                    '"virtio-blk", "path": "%s"}], "restart_limit": '
                    '{"count": 100000, "seconds": 1}, "com1": "capture"}\n'
                    % (rom, disk))
        self.log = os.path.join(self.dir, "stamps")
        fifo = os.path.join(self.dir, "events")
        os.mkfifo(fifo)
        self.efd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        self.buf = b""
        env = dict(os.environ, BENCH_LOG=self.log, BENCH_MODE=mode)
        self.proc = subprocess.Popen(
            [args.vmrun, "-c", cfg, "--bhyve", args.fake,
             "--bhyvectl", shutil.which("true"),
             "--vmm-dir", os.path.join(self.dir, "vmm"),
             "-P", os.path.join(self.dir, "vmrun.pid"),
             "--events", fifo],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE)

    def stamps(self):
        try:
            with open(self.log) as f:
                return [(l.split()[0], int(l.split()[1])) for l in f]
        except FileNotFoundError:
            return []

    def wait_started(self):
        deadline = time.monotonic() + 10
        while not any(k == "S" for k, _ in self.stamps()):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                sys.exit("bench: the fake bhyve did not start: %s"
                         % self.proc.stderr.read().decode(errors="replace"))
            time.sleep(0.01)

    def wait_event(self, name, timeout=20):
        """The monotonic time at which event NAME was read."""
        deadline = time.monotonic() + timeout
        pat = ('"event":"%s"' % name).encode()
        while True:
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                if pat in line:
                    return self.got
            left = deadline - time.monotonic()
            if left <= 0:
                sys.exit("bench: no %s event" % name)
            r, _, _ = select.select([self.efd], [], [], left)
            if r:
                data = os.read(self.efd, 65536)
                self.got = time.monotonic_ns()
                if not data:
                    time.sleep(0.001)	# no writer yet, or gone
                self.buf += data

    def finish(self):
        """Wait for vmrun, reading its events meanwhile (a full FIFO
        would hold it up)."""
        deadline = time.monotonic() + 60
        while self.proc.poll() is None:
            if time.monotonic() > deadline:
                self.proc.kill()
                sys.exit("bench: vmrun did not end")
            r, _, _ = select.select([self.efd], [], [], 0.05)
            if r and not os.read(self.efd, 65536):
                time.sleep(0.01)
        self.proc.wait()
        self.proc.stderr.close()
        os.close(self.efd)
        return self.proc.returncode


def start_latency(args, work, bridged):
    """Nanoseconds from vmrun's exec to the fake's start stamp, for each
    of START_RUNS starts; bridged: with a tap in BENCH_BRIDGE."""
    d = tempfile.mkdtemp(prefix="start.", dir=work)
    os.makedirs(os.path.join(d, "vmm"))
    rom = os.path.join(d, "rom.fd")
    open(rom, "wb").close()
    net = (', "emulations": [{"device": "virtio-net", "name": "tap90", '
           '"bridge": "%s"}]' % BENCH_BRIDGE) if bridged else ""
    cfg = os.path.join(d, "vm.json")
    with open(cfg, "w") as f:
        f.write('{"name": "bench", "cpu": 1, "mem": "256M", '
                '"bootrom": "%s"%s}\n' % (rom, net))
    lat = []
    for i in range(START_RUNS):
        log = os.path.join(d, "stamps%d" % i)
        env = dict(os.environ, BENCH_LOG=log, BENCH_MODE="idle")
        t0 = time.monotonic_ns()
        p = subprocess.Popen(
            [args.vmrun, "-c", cfg, "--bhyve", args.fake,
             "--bhyvectl", shutil.which("true"),
             "--vmm-dir", os.path.join(d, "vmm"),
             "-P", os.path.join(d, "vmrun.pid")],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        start = None
        while start is None:
            try:
                with open(log) as f:
                    start = next((int(l.split()[1]) for l in f
                                  if l.startswith("S ")), None)
            except FileNotFoundError:
                pass
            if start is None and (time.monotonic() > deadline or
                                  p.poll() is not None):
                p.kill()
                sys.exit("bench: start latency: the fake did not start: %s"
                         % p.communicate()[1].decode(errors="replace"))
            if start is None:
                time.sleep(0.001)
        lat.append(start - t0)
        p.send_signal(signal.SIGTERM)
        p.communicate(timeout=30)
    return lat


def start_only(args):
    """--start-only, run in a network namespace of its own: the bridge,
    then both series, printed as two lines of nanoseconds."""
    subprocess.run(["ip", "link", "add", BENCH_BRIDGE, "type", "bridge"],
                   check=True)
    work = tempfile.mkdtemp(prefix="vmrun-bench-start.")
    try:
        for bridged in (False, True):
            print(" ".join(str(n) for n in
                           start_latency(args, work, bridged)))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def start_rows(args):
    """Start latency without a network device and with a bridged tap,
    measured in a private network namespace (unshare -n, as root)."""
    what = ("start latency, exec to bhyve started, median / max of %d: %s"
            % (START_RUNS, "%s"))
    rows = [what % "no network device", what %
            "a tap created, described, bridged and brought up"]
    why = None
    if os.geteuid() != 0:
        why = "not measured: needs root (a network namespace and a bridge)"
    elif not shutil.which("unshare") or not shutil.which("ip"):
        why = "not measured: no unshare or ip"
    if why is None:
        r = subprocess.run(["unshare", "-n", sys.executable,
                            os.path.abspath(__file__), "--start-only"] +
                           sys.argv[1:], capture_output=True, text=True)
        if r.returncode != 0:
            why = "not measured: %s" % (r.stderr.strip().splitlines() or
                                        ["the namespace failed"])[-1]
    if why is not None:
        return [(rows[0], why, ""), (rows[1], why, "no fork for the tap")]
    plain, bridged = ([int(n) for n in l.split()]
                      for l in r.stdout.splitlines()[:2])
    return [(rows[0], "%s / %s" % (ms(statistics.median(plain)),
                                   ms(max(plain))), ""),
            (rows[1], "%s / %s (+%s median)" % (
                ms(statistics.median(bridged)), ms(max(bridged)),
                ms(statistics.median(bridged) - statistics.median(plain))),
             "no fork for the tap")]


def smaps(pid):
    m = {}
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if v.strip().endswith("kB"):
                m[k] = int(v.split()[0])
    return m


def private_kib(m):
    return m.get("Private_Clean", 0) + m.get("Private_Dirty", 0)


def reboot_gaps(st):
    """From the fake's stamps in reboot mode: each exit 0 ("E") to the
    next start ("S"), in ns."""
    return [st[i + 1][1] - st[i][1] for i in range(1, len(st) - 1, 2)
            if st[i][0] == "E" and st[i + 1][0] == "S"]


def rebootfloor_gaps(args, work, run):
    """The reboot turnaround's floor: tools/bench/rebootfloor runs the
    fake as vmrun's reboot run does (BENCH_MODE "reboot REBOOTS", its own
    BENCH_LOG), restarting it on exit 0 with nothing else in between."""
    log = os.path.join(work, "rebootfloor%d.stamps" % run)
    env = dict(os.environ, BENCH_LOG=log, BENCH_MODE="reboot %d" % REBOOTS)
    r = subprocess.run([args.rebootfloor, args.fake], env=env,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       timeout=120)
    with open(log) as f:
        gaps = reboot_gaps([(l.split()[0], int(l.split()[1])) for l in f])
    if r.returncode != 0 or len(gaps) != REBOOTS:
        sys.exit("bench: rebootfloor: exit %d, %d reboots" %
                 (r.returncode, len(gaps)))
    return gaps


def soak_rows(args, work):
    """SOAK_REBOOTS reboots in one vmrun, measured before and after while
    the fake holds a run: (rows, what grew)."""
    vm = VM(args, work, "soak", STOPS + 2)
    starts = 0

    def drain(until):
        """Read the events (a full FIFO would hold vmrun up) until
        until() or 10 s; counts the start events."""
        nonlocal starts
        deadline = time.monotonic() + 10
        while not until():
            if time.monotonic() > deadline:
                sys.exit("bench: soak: stuck after %d starts" % starts)
            r, _, _ = select.select([vm.efd], [], [], 0.01)
            if r:
                vm.buf += os.read(vm.efd, 65536)
                lines = vm.buf.split(b"\n")
                vm.buf = lines.pop()
                starts += sum(b'"event":"start"' in l for l in lines)

    def pause():
        """Hold the next run and measure vmrun: the fake's pid, the
        reboots before the run, vmrun's descriptors and smaps."""
        held = len([k for k, _ in vm.stamps() if k == "N"])
        open(vm.log + ".pause", "w").close()
        drain(lambda: len([k for k, _ in vm.stamps() if k == "N"]) > held)
        st = vm.stamps()
        run = [v for k, v in st if k == "N"][-1]
        # Its start event: vmrun is done starting it.
        drain(lambda: starts >= run + 1)
        time.sleep(0.2)
        return ([v for k, v in st if k == "P"][-1], run,
                len(os.listdir("/proc/%d/fd" % vm.proc.pid)),
                smaps(vm.proc.pid))

    drain(lambda: starts > 0)
    t0 = time.monotonic()
    drain(lambda: time.monotonic() - t0 >= SOAK_WARMUP)
    fake, run1, fd1, m1 = pause()
    os.kill(fake, signal.SIGUSR1)
    drain(lambda: starts > run1 + SOAK_REBOOTS)
    fake, run2, fd2, m2 = pause()
    os.kill(fake, signal.SIGTERM)
    rc = vm.finish()
    if rc != 1:
        sys.exit("bench: soak: exit %d" % rc)
    grew = []
    if fd2 != fd1:
        grew.append("open descriptors %d -> %d" % (fd1, fd2))
    if private_kib(m2) > private_kib(m1) + SOAK_SLACK_KIB:
        grew.append("private memory %d KiB -> %d KiB" % (private_kib(m1),
                                                          private_kib(m2)))
    after = "after reboot %d / %d" % (run1, run2)
    rows = [("soak: open descriptors %s" % after,
             "%d / %d" % (fd1, fd2), "equal"),
            ("soak: private memory %s (Clean + Dirty)" % after,
             "%d KiB (%d + %d) / %d KiB (%d + %d)" % (
                 private_kib(m1), m1.get("Private_Clean", 0),
                 m1.get("Private_Dirty", 0), private_kib(m2),
                 m2.get("Private_Clean", 0), m2.get("Private_Dirty", 0)),
             "<= %d KiB growth" % SOAK_SLACK_KIB)]
    return rows, grew


def strace_calls(pid, seconds):
    """System calls pid makes over seconds, by name, from strace -c."""
    out = tempfile.mktemp()
    st = subprocess.Popen(["strace", "-c", "-q", "-o", out, "-p", str(pid)],
                          stderr=subprocess.DEVNULL)
    time.sleep(seconds)
    st.send_signal(signal.SIGINT)
    st.wait(timeout=10)
    calls = {}
    with open(out) as f:
        for line in f:
            fl = line.split()
            if len(fl) >= 5 and re.match(r"^[0-9.]+$", fl[0]) and \
                    fl[-1] != "total":
                calls[fl[-1]] = int(fl[3])
    os.unlink(out)
    return calls


def tpm_vm(args, d, mode):
    """vmrun of a VM with a TPM on swtpm (through stampexec) against
    the fake in mode; its stamps in d/stamps, swtpm's in d/tstamps."""
    os.makedirs(os.path.join(d, "vmm"))
    rom = os.path.join(d, "rom.fd")
    open(rom, "wb").close()
    cfg = os.path.join(d, "vm.json")
    with open(cfg, "w") as f:
        f.write('{"name": "benchtpm", "cpu": 1, "mem": "256M", '
                '"bootrom": "%s", "state_dir": "%s", '
                '"tpm": {"type": "swtpm"}, "restart_limit": '
                '{"count": 100000, "seconds": 1}}\n'
                % (rom, os.path.join(d, "state")))
    env = dict(os.environ, BENCH_LOG=os.path.join(d, "stamps"),
               BENCH_MODE=mode, BENCH_TPM_LOG=os.path.join(d, "tstamps"),
               BENCH_TPM_PROG=shutil.which("swtpm"))
    return subprocess.Popen(
        [args.vmrun, "-c", cfg, "--bhyve", args.fake,
         "--bhyvectl", shutil.which("true"), "--swtpm", args.stampexec,
         "--vmm-dir", os.path.join(d, "vmm"),
         "-P", os.path.join(d, "vmrun.pid"), "--control", ""],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)


def stamps_of(path, what):
    try:
        with open(path) as f:
            return [int(l.split()[1]) for l in f if l.split()[0] == what]
    except FileNotFoundError:
        return []


def tpm_rows(args, work, have_strace):
    """swtpm's spawn to bhyve's, and the quiet supervisor beside it.  A
    vmrun per sample, each guest running until both stamps are there: a
    guest that reboots at once would have its swtpm stopped before the
    stamp is written."""
    spawn = "swtpm's spawn to bhyve's spawn, median / max of %d VMs" % \
        TPM_RUNS
    quiet = "system calls over %d s, guest quiet, swtpm running" % \
        IDLE_SECONDS
    if not need("swtpm"):
        return [(spawn, "not measured: no swtpm", "<= 2 ms"),
                (quiet, "not measured: no swtpm", "0")]
    gaps = []
    calls = None
    for n in range(TPM_RUNS):
        d = os.path.join(work, "tpm%d" % n)
        p = tpm_vm(args, d, "idle")
        try:
            deadline = time.monotonic() + 10
            while not (stamps_of(os.path.join(d, "stamps"), "S") and
                       stamps_of(os.path.join(d, "tstamps"), "T")):
                if time.monotonic() > deadline or p.poll() is not None:
                    sys.exit("bench: the TPM VM did not start")
                time.sleep(0.01)
            gaps.append(stamps_of(os.path.join(d, "stamps"), "S")[0] -
                        stamps_of(os.path.join(d, "tstamps"), "T")[0])
            if n == TPM_RUNS - 1 and have_strace:
                time.sleep(0.5)
                calls = strace_calls(p.pid, IDLE_SECONDS)
        finally:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    rows = [(spawn, "%s / %s" % (ms(statistics.median(gaps)),
                                 ms(max(gaps))), "<= 2 ms")]
    if calls is None:
        rows.append((quiet, "not measured: no strace", "0"))
    else:
        what = ", ".join("%s %d" % kv for kv in sorted(calls.items()))
        rows.append((quiet, "%d%s" % (sum(calls.values()), " (%s)" % what
                                      if what else ""), "0"))
    return rows


def control_rows(path):
    """The status round trip on the control socket, one connection."""
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    f = s.makefile("rb")
    times = []
    for _ in range(STATUS_CALLS):
        t0 = time.monotonic_ns()
        s.sendall(b'{"request":"status"}\n')
        if not f.readline().startswith(b'{"version":1,"ok":true'):
            sys.exit("bench: a status request failed")
        times.append(time.monotonic_ns() - t0)
    s.close()
    return ("control socket: status round trip, median / max of %d" %
            STATUS_CALLS, "%s / %s" % (ms(statistics.median(times)),
                                       ms(max(times))), "")


def instructions(argv):
    """Instructions the whole process executes (callgrind)."""
    out = tempfile.mktemp()
    r = subprocess.run(["valgrind", "--tool=callgrind",
                        "--callgrind-out-file=" + out] + argv,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       text=True)
    if os.path.exists(out):
        os.unlink(out)
    m = re.search(r"Collected : (\d+)", r.stderr)
    return int(m.group(1)) if m else None


def wall_rss(args, argv, runs=5):
    """Median wall time of runs runs, and the peak RSS (maxrss)."""
    times = []
    for _ in range(runs):
        t0 = time.monotonic_ns()
        subprocess.run(argv, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        times.append(time.monotonic_ns() - t0)
    r = subprocess.run([args.maxrss] + argv, stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    rss = int(r.stdout.split()[-1]) if r.stdout.split() else 0
    return statistics.median(times), rss


def plan_rows(args, work):
    """The dry run: the seed example, then N devices, beside a floor."""
    rows = []
    seed = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "..", "..", "examples", "freebsd-test.json")
    cases = [("a program that only exits (the floor)", [args.floor]),
             ("dry run of examples/freebsd-test.json",
              [args.vmrun, "-c", seed, "-d"])]
    for n in PLAN_DEVICES:
        path = os.path.join(work, "dev%d.json" % n)
        with open(path, "w") as f:
            f.write('{"name": "big", "cpu": 1, "mem": "1G", '
                    '"emulations": [%s]}\n' % ", ".join(
                        '{"device": "virtio-blk", "path": "/vm/d%d.img"}' % i
                        for i in range(n)))
        cases.append(("dry run of %d virtio-blk devices" % n,
                      [args.vmrun, "-c", path, "-d"]))
    # Every device with a mistake: diagnostics, their groups, the report.
    path = os.path.join(work, "bad8000.json")
    with open(path, "w") as f:
        f.write('{"name": "big", "cpu": 1, "mem": "1G", '
                '"emulations": [%s]}\n' % ", ".join(
                    '{"device": "virtio-blk", "pth": "/vm/d%d.img"}' % i
                    for i in range(8000)))
    cases.append(("dry run of 8000 devices, each with a mistake",
                  [args.vmrun, "-c", path, "-d"]))
    base = None
    for name, argv in cases:
        ins = instructions(argv)
        wall, rss = wall_rss(args, argv)
        note = ""
        if name.endswith(" 1000 virtio-blk devices"):
            base = ins
        elif base and ins and "virtio-blk devices" in name:
            note = "%.2f x the 1000-device run" % (ins / base)
        rows.append((name, "%s instructions, %s, %d KiB RSS" % (
            "{:,}".format(ins) if ins else "?", ms(wall), rss), note))
    return rows


def children(pid):
    """The pids of pid's children."""
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def end_all(procs, timeout=30):
    """SIGTERM every supervisor still running, then SIGKILL it and its
    children when it has not ended within timeout: nothing is left."""
    for p in procs:
        if p.poll() is None:
            try:
                p.send_signal(signal.SIGTERM)
            except OSError:
                pass
    deadline = time.monotonic() + timeout
    for p in procs:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            for c in children(p.pid):
                try:
                    os.kill(c, signal.SIGKILL)
                except OSError:
                    pass
            p.kill()
            p.wait()


class Stamps:
    """The S lines of a log every fake of a run appends to."""

    def __init__(self, path):
        self.path = path

    def starts(self, after=0):
        try:
            with open(self.path) as f:
                return [int(l.split()[1]) for l in f
                        if l.startswith("S ") and int(l.split()[1]) > after]
        except FileNotFoundError:
            return []

    def wait(self, n, what, procs, after=0, timeout=120):
        """The S stamps after after, once there are n of them."""
        deadline = time.monotonic() + timeout
        while True:
            st = self.starts(after)
            if len(st) >= n:
                return st
            if time.monotonic() > deadline or any(
                    p.poll() is not None for p in procs):
                sys.exit("bench: many VMs: %s: %d of %d fakes started" %
                         (what, len(st), n))
            time.sleep(0.05)


def cpu_ns(pid):
    """The CPU time pid has used, user + system, and that of its reaped
    children (clock ticks, in ns)."""
    with open("/proc/%d/stat" % pid) as f:
        fl = f.read().rsplit(")", 1)[1].split()
    tick = 1e9 / os.sysconf("SC_CLK_TCK")
    return ((int(fl[11]) + int(fl[12])) * tick,
            (int(fl[13]) + int(fl[14])) * tick)


def storms(sups, n, procs):
    """STORMS times, for each (pid, stamps) of sups in turn, every fake
    under pid exits 0 at once (SIGUSR1): for each, the median time from
    the first signal to the last fake's start stamp, the times, and the
    median CPU time the supervisor used meanwhile."""
    times = [[] for _ in sups]
    cpus = [[] for _ in sups]
    for _ in range(STORMS):
        for i, (pid, stamps) in enumerate(sups):
            time.sleep(0.5)
            t, c = storm1(pid, stamps, n, procs)
            times[i].append(t)
            cpus[i].append(c)
    return [(statistics.median(times[i]), times[i],
             (statistics.median(c[0] for c in cpus[i]),
              statistics.median(c[1] for c in cpus[i])))
            for i in range(len(sups))]


def storm1(pid, stamps, n, procs):
    """One storm: its time and the supervisor's CPU time."""
    kids = children(pid)
    if len(kids) != n:
        sys.exit("bench: many VMs: %d fakes, not %d" % (len(kids), n))
    c0 = cpu_ns(pid)
    t0 = time.monotonic_ns()
    for c in kids:
        os.kill(c, signal.SIGUSR1)
    t = max(stamps.wait(n, "reboot storm", procs, after=t0)) - t0
    c1 = cpu_ns(pid)
    return t, (c1[0] - c0[0], c1[1] - c0[1])


def many_rows(args, work):
    """args.vms VMs: in examples/manager, as vmrun processes, and in the
    floor program; (rows, what to note)."""
    n = args.vms
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 8 * n + 256
    if soft != resource.RLIM_INFINITY and soft < want:
        soft = want if hard == resource.RLIM_INFINITY else min(want, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    base = os.path.join(work, "many")
    cfgdir = os.path.join(base, "cfg")
    rundir = os.path.join(base, "run")
    vmm = os.path.join(base, "vmm")
    for d in (cfgdir, rundir, vmm):
        os.makedirs(d)
    rom = os.path.join(base, "rom.fd")
    open(rom, "wb").close()
    for i in range(n):
        disk = os.path.join(base, "disk%04d.img" % i)
        open(disk, "wb").close()
        with open(os.path.join(cfgdir, "vm%04d.json" % i), "w") as f:
            f.write('{"name": "vm%04d", "cpu": 1, "mem": "256M", '
                    '"bootrom": "%s", "emulations": [{"device": '
                    '"virtio-blk", "path": "%s"}], "restart_limit": '
                    '{"count": 100000, "seconds": 1}}\n' % (i, rom, disk))
    rows = []
    procs = []

    def spawn(argv, log):
        env = dict(os.environ, BENCH_LOG=log, BENCH_MODE="many")
        p = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        procs.append(p)
        return p

    def per_vm(pids):
        """Private memory (KiB, Clean, Dirty) and descriptors, summed
        over pids, divided by n."""
        c = d = fds = 0
        for pid in pids:
            m = smaps(pid)
            c += m.get("Private_Clean", 0)
            d += m.get("Private_Dirty", 0)
            fds += len(os.listdir("/proc/%d/fd" % pid))
        return (c + d) / n, c, d, fds / n

    try:
        # The floor: one process, pidfds, one poll loop.
        fst = Stamps(os.path.join(base, "floor.log"))
        fl = spawn([args.manyfloor, str(n), args.fake], fst.path)
        fst.wait(n, "floor", [fl])
        time.sleep(0.5)
        f_mem, f_c, f_d, f_fds = per_vm([fl.pid])

        # examples/manager: every VM in one process.
        st = Stamps(os.path.join(base, "manager.log"))
        mg = spawn([args.manager, "-b", args.fake, "-c",
                    shutil.which("true"), "-r", rundir, "-v", vmm, cfgdir],
                   st.path)
        t0 = time.monotonic()
        st.wait(n, "manager", [mg, fl])
        m_up = time.monotonic() - t0
        time.sleep(1)
        m_mem, m_c, m_d, m_fds = per_vm([mg.pid])
        if shutil.which("strace"):
            calls = strace_calls(mg.pid, IDLE_SECONDS)
            total = sum(calls.values())
            what = ", ".join("%s %d" % kv for kv in sorted(calls.items()))
            idle = "%d%s" % (total, " (%s)" % what if what else "")
        else:
            idle = "not measured: no strace"
        t0 = time.monotonic_ns()
        r = subprocess.run([args.vmrun, "list", rundir],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
        t_list = time.monotonic_ns() - t0
        listed = r.stdout.splitlines()
        running = sum(" running " in " %s " % l for l in listed)
        # Their storms alternated, every guest of the other quiet.
        (m_storm, m_all, m_cpu), (f_storm, f_all, f_cpu) = storms(
            [(mg.pid, st), (fl.pid, fst)], n, [mg, fl])
        end_all([mg, fl])

        # As many vmrun processes, one VM each.
        st = Stamps(os.path.join(base, "vmrun.log"))
        vms = []
        for i in range(n):
            name = "vm%04d" % i
            vms.append(spawn(
                [args.vmrun, "-c", os.path.join(cfgdir, name + ".json"),
                 "--bhyve", args.fake, "--bhyvectl", shutil.which("true"),
                 "--vmm-dir", vmm, "-P", os.path.join(rundir, name + ".pid"),
                 "--control", os.path.join(rundir, name + ".sock")],
                st.path))
        st.wait(n, "vmrun processes", vms, timeout=300)
        time.sleep(1)
        v_mem, v_c, v_d, v_fds = per_vm([p.pid for p in vms])
        end_all(vms, timeout=60)
    finally:
        end_all(procs)

    def kib(mem, c, d):
        return "%.1f KiB (%d + %d KiB in all)" % (mem, c, d)

    rows.append(("private memory per VM, examples/manager (its Private_"
                 "Clean + Private_Dirty / %d)" % n, kib(m_mem, m_c, m_d),
                 "<= 24 KiB"))
    rows.append(("the same, %d vmrun processes (their sum / %d)" % (n, n),
                 kib(v_mem, v_c, v_d), ""))
    rows.append(("the same, the floor program", kib(f_mem, f_c, f_d), ""))
    rows.append(("open descriptors per VM: manager / vmrun processes / "
                 "floor", "%.2f / %.2f / %.2f" % (m_fds, v_fds, f_fds), ""))
    rows.append(("manager: system calls over %d s, every guest quiet" %
                 IDLE_SECONDS, idle, "0"))
    rows.append(("reboot storm (every fake exits 0 at once) until all %d "
                 "run again, median of %d: manager / floor" % (n, STORMS),
                 "%s / %s (%.2f x)" % (ms(m_storm), ms(f_storm),
                                       m_storm / f_storm), "<= 1.5 x"))
    rows.append(("the same, every storm: manager / floor",
                 "%s / %s" % (", ".join("%.0f" % (t / 1e6) for t in m_all),
                              ", ".join("%.0f ms" % (t / 1e6)
                                        for t in f_all)), ""))
    rows.append(("the same: CPU time (user + system) of the supervisor, "
                 "and of the fakes it reaped, median: manager / floor",
                 "%s and %s / %s and %s" % (ms(m_cpu[0]), ms(m_cpu[1]),
                                            ms(f_cpu[0]), ms(f_cpu[1])),
                 ""))
    rows.append(("vmrun list over the manager's run directory",
                 "%s, %d lines, %d running" % (ms(t_list), len(listed),
                                                running), "< 1 s"))
    rows.append(("manager: from its start until all %d fakes run" % n,
                 "%.2f s" % m_up, ""))
    return rows


def many_table(args, many):
    """The many-VMs section's lines."""
    return ["## Many VMs", "",
            "%d VMs of tools/bench/fakebhyve (bhyvectl = true, host checks "
            "on, no console) supervised by examples/manager in one process "
            "(-r: every control socket in one run directory), beside %d "
            "vmrun processes and beside tools/bench/manyfloor (posix_spawn, "
            "pidfds, one poll loop, restart on exit 0, nothing else)." %
            (args.vms, args.vms), "",
            "| measure | value | target |", "|---|---|---|"] + [
                "| %s | %s | %s |" % r for r in many]


def ms(ns):
    return "%.3f ms" % (ns / 1e6)


def machine():
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return "%s %s %s, %s, %d CPUs" % (platform.system(), platform.release(),
                                      platform.machine(), cpu,
                                      os.cpu_count() or 0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vmrun", required=True)
    ap.add_argument("--fake", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--floor", required=True)
    ap.add_argument("--maxrss", required=True)
    ap.add_argument("--manager", required=True)
    ap.add_argument("--manyfloor", required=True)
    ap.add_argument("--rebootfloor", required=True)
    ap.add_argument("--stampexec", required=True)
    ap.add_argument("--vms", type=int, default=1000)
    ap.add_argument("--only-tpm", action="store_true",
                    help="measure only the TPM rows, print them")
    ap.add_argument("--only-many", action="store_true",
                    help="measure only the many-VMs table, print it")
    ap.add_argument("--start-only", action="store_true",
                    help=argparse.SUPPRESS)
    args = ap.parse_args()
    args.vmrun = os.path.abspath(args.vmrun)
    args.fake = os.path.abspath(args.fake)
    args.floor = os.path.abspath(args.floor)
    args.maxrss = os.path.abspath(args.maxrss)
    args.manager = os.path.abspath(args.manager)
    args.manyfloor = os.path.abspath(args.manyfloor)
    args.rebootfloor = os.path.abspath(args.rebootfloor)
    args.stampexec = os.path.abspath(args.stampexec)
    # SIGTERM (or a closed terminal) ends the bench through the finally
    # clauses, which end every process it started.
    signal.signal(signal.SIGTERM, lambda sig, frame: sys.exit(1))
    signal.signal(signal.SIGHUP, lambda sig, frame: sys.exit(1))
    if args.start_only:
        start_only(args)
        return
    have_strace = need("strace")
    # A binary just built has pages not yet written back, which smaps
    # counts as dirty: write them out first.
    os.sync()
    work = tempfile.mkdtemp(prefix="vmrun-bench.")
    rows = []
    if args.only_tpm:
        try:
            tpm = tpm_rows(args, work, have_strace)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        sys.stdout.write("".join("| %s | %s | %s |\n" % r for r in tpm))
        return
    if args.only_many:
        try:
            many = many_rows(args, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        sys.stdout.write("\n".join(many_table(args, many)) + "\n")
        return
    try:
        # The guest runs: memory, descriptors, system calls; then a stop.
        vm = VM(args, work, "idle", 0)
        vm.wait_started()
        vm.wait_event("start")
        time.sleep(0.5)
        m = smaps(vm.proc.pid)
        nfd = len(os.listdir("/proc/%d/fd" % vm.proc.pid))
        rows.append(("private memory while the guest runs, vmrun alone "
                     "(Private_Clean + Private_Dirty)",
                     "%d KiB (%d + %d)" % (m.get("Private_Clean", 0) +
                                           m.get("Private_Dirty", 0),
                                           m.get("Private_Clean", 0),
                                           m.get("Private_Dirty", 0)),
                     "its own code counts while no other process maps it"))
        # Clean pages of files no other process maps count as private
        # until a second vmrun maps them too: what one more VM costs.
        other = VM(args, work, "idle", 99)
        other.wait_started()
        other.wait_event("start")
        time.sleep(0.3)
        m2 = smaps(vm.proc.pid)
        rows.append(("the same while a second vmrun runs (what one more "
                     "VM costs)",
                     "%d KiB (%d + %d)" % (m2.get("Private_Clean", 0) +
                                           m2.get("Private_Dirty", 0),
                                           m2.get("Private_Clean", 0),
                                           m2.get("Private_Dirty", 0)),
                     "<= 200 KiB"))
        # What any process has of its own here, for scale: libc's and
        # the loader's data, a stack.
        fl = subprocess.Popen([args.floor, "wait"])
        time.sleep(0.3)
        mf = smaps(fl.pid)
        fl.kill()
        fl.wait()
        rows.append(("the same of a C program that only waits, alone",
                     "%d KiB (%d + %d)" % (private_kib(mf),
                                           mf.get("Private_Clean", 0),
                                           mf.get("Private_Dirty", 0)),
                     "the floor"))
        other.proc.send_signal(signal.SIGTERM)
        other.finish()
        rows.append(("RSS while the guest runs (mostly shared libc)",
                     "%d KiB" % m.get("Rss", 0), ""))
        rows.append(("open descriptors", str(nfd), ""))
        if have_strace:
            calls = strace_calls(vm.proc.pid, IDLE_SECONDS)
            total = sum(calls.values())
            what = ", ".join("%s %d" % kv for kv in sorted(calls.items()))
            rows.append(("system calls over %d s, guest quiet" %
                         IDLE_SECONDS, "%d%s" % (total, " (%s)" % what
                                                 if what else ""), "0"))
        else:
            rows.append(("system calls over %d s, guest quiet" %
                         IDLE_SECONDS, "not measured: no strace", "0"))
        rows.append(control_rows(os.path.join(vm.dir, "bench.sock")))
        vm.proc.send_signal(signal.SIGTERM)
        lat = [vm.wait_event("exit") - vm.stamps()[-1][1]]
        vm.finish()

        for n in range(1, STOPS):
            vm = VM(args, work, "idle", n)
            vm.wait_started()
            vm.wait_event("start")
            vm.proc.send_signal(signal.SIGTERM)
            lat.append(vm.wait_event("exit") - vm.stamps()[-1][1])
            vm.finish()

        # A chatty guest: its console through the pty into the ring.
        vm = VM(args, work, "console %d" % CONSOLE_MIB, STOPS + 1)
        vm.wait_started()
        deadline = time.monotonic() + 60
        while not any(k == "W" for k, _ in vm.stamps()):
            if time.monotonic() > deadline:
                sys.exit("bench: the console was not read")
            time.sleep(0.01)
        st = dict(vm.stamps())
        rows.append(("console: guest output through the ring (%d MiB)" %
                     CONSOLE_MIB, "%.0f MiB/s" % (CONSOLE_MIB /
                                                 ((st["W"] - st["S"]) / 1e9)),
                     ""))
        vm.proc.send_signal(signal.SIGTERM)
        vm.finish()

        # vmrun's reboots, each run beside its baseline in the same
        # bench: the same fake, mode and stamps, restarted by a plain
        # fork+exec+waitpid; alternated, so that what else the machine
        # does falls on both alike.
        gaps, fgaps, meds, fmeds = [], [], [], []
        for i in range(REBOOT_RUNS):
            vm = VM(args, work, "reboot %d" % REBOOTS, 100 + i)
            rc = vm.finish()
            g = reboot_gaps(vm.stamps())
            if rc != 1 or len(g) != REBOOTS:
                sys.exit("bench: reboot run: exit %d, %d reboots" %
                         (rc, len(g)))
            f = rebootfloor_gaps(args, work, i)
            gaps += g
            fgaps += f
            meds.append(statistics.median(g))
            fmeds.append(statistics.median(f))
        med, fmed = statistics.median(meds), statistics.median(fmeds)
        rows.append(("reboot turnaround, median of the medians of %d runs "
                     "/ max, %d reboots each" % (REBOOT_RUNS, REBOOTS),
                     "%s / %s" % (ms(med), ms(max(gaps))),
                     "<= 1 ms / <= 5 ms"))
        rows.append(("the same, tools/bench/rebootfloor (a plain fork+exec+"
                     "waitpid of the fake), its runs alternated with "
                     "vmrun's", "%s / %s" % (ms(fmed), ms(max(fgaps))),
                     "the floor"))
        rows.append(("reboot turnaround, median: vmrun / rebootfloor",
                     "%s / %s (%.2f x)" % (ms(med), ms(fmed), med / fmed),
                     "<= 1.15 x"))
        rows.append(("the same, every run's median: vmrun / rebootfloor",
                     "%s / %s ms" % (
                         ", ".join("%.3f" % (m / 1e6) for m in meds),
                         ", ".join("%.3f" % (m / 1e6) for m in fmeds)),
                     ""))
        rows.append(("stop: fake's exit to the exit event, median / max "
                     "of %d" % STOPS,
                     "%s / %s" % (ms(statistics.median(lat)), ms(max(lat))),
                     "<= 1 ms"))
        rows += start_rows(args)
        soak, grew = soak_rows(args, work)
        rows += soak
        rows += tpm_rows(args, work, have_strace)
        plan = plan_rows(args, work) if need("valgrind") else [
            ("plan path", "not measured: no valgrind", "")]
        many = many_rows(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    lines = ["# make bench", "",
             "Machine: %s." % machine(),
             "Measured %s." % time.strftime("%Y-%m-%d %H:%M UTC",
                                            time.gmtime()), "",
             "## Supervisor", "",
             "vmrun against tools/bench/fakebhyve, bhyvectl = true, host "
             "checks on, com1 captured.", "",
             "| measure | value | target |", "|---|---|---|"]
    lines += ["| %s | %s | %s |" % r for r in rows]
    lines += ["", "## Plan path", "",
              "Instructions of the whole process (callgrind), the median "
              "wall time of 5 runs and the largest RSS.", "",
              "| run | measured | note |", "|---|---|---|"]
    lines += ["| %s | %s | %s |" % r for r in plan]
    lines += [""] + many_table(args, many)
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text)
    if grew:
        sys.exit("bench: the soak grew: %s" % "; ".join(grew))


main()

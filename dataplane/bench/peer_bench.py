#!/usr/bin/python3
"""Our target next to SPDK's, side by side on this machine (a benchmark, not a test).

Each target runs alone, pinned to one CPU (--target-cpu), serving a RAM namespace over
NVMe/TCP on 127.0.0.1: dpu-target with one reactor and a RAM backend, SPDK's nvmf_tgt with
a Malloc bdev of the same size and block size. The same initiator, pinned to the other CPU
(--initiator-cpu), drives each: SPDK's spdk_nvme_perf, and dpu-loadgen as a second opinion.
Every measurement starts a fresh target; runs go ours, SPDK, ours, SPDK... and the whole
matrix repeats (--repeats) so the noise shows. Target CPU time (utime+stime from
/proc/<pid>/stat) is sampled around the I/O alone. Then each target's idle cost: CPU used
while a host holds an admin and an I/O queue open and sends nothing.

Writes peer.json and peer.png to --out; with --doc, (re)writes the SPDK section of that
Markdown file (peer_report.py, which also regenerates it from a JSON file alone).

Our variants are --modes (offload modes) x --polling (Sleep, Adaptive, BusyPoll); each is
one more target in the interleaving. --cases and --digests narrow the matrix for a quick look.

usage: peer_bench.py --build dataplane/build [--spdk DIR] --out DIR [--duration 3] [--repeats 3]
                     [--modes ZeroCopy] [--polling Sleep,Adaptive,BusyPoll]
                     [--initiators spdk_nvme_perf,dpu-loadgen] [--cases randread:4096:1,...] [--digests off,on]
"""
import argparse
import datetime
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
from idle_host import IdleHost  # noqa: E402
from run_bench import cpu_seconds, machine  # noqa: E402
from spdk_peer import Hugepages, SpdkTarget, run_perf  # noqa: E402
from target_harness import Target, host_nqn, loadgen_args  # noqa: E402

CASES = [("randread", 4096, 1), ("randread", 4096, 32), ("randwrite", 4096, 1), ("randwrite", 4096, 32),
         ("read", 131072, 8), ("write", 131072, 8)]
NQN = "nqn.2024-01.dev.dpu:peer-bench"
HOST = host_nqn(42)
BLOCK = 4096
INITIATORS = ("spdk_nvme_perf", "dpu-loadgen")
# OffloadProfile spec.polling values (the standalone target's reactorPolling).
POLLING = ("Sleep", "Adaptive", "BusyPoll")


def spdk_version():
    """The pinned release, read from the build script's settings (one owner)."""
    out = subprocess.run(["bash", "-c", ". '%s' && echo $SPDK_VERSION $SPDK_COMMIT"
                          % os.path.join(HERE, "spdk", "version.sh")], stdout=subprocess.PIPE, text=True, check=True)
    version, commit = out.stdout.split()
    return version, commit


def build_spdk():
    r = subprocess.run([os.path.join(HERE, "spdk", "build.sh")], stdout=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise SystemExit("building SPDK failed (see the messages above)")
    return r.stdout.strip().splitlines()[-1]


def variant_name(v):
    return " ".join(x for x in (v["mode"], v["polling"] if v["polling"] != "Sleep" else None) if x)


def pin_all_threads(pid, cpu):
    for tid in os.listdir("/proc/%d/task" % pid):
        os.sched_setaffinity(int(tid), {cpu})


def precondition(t, build, initiator_cpu, size_bytes):
    """Write the whole namespace once so reads touch real memory: dpu-target's RAM backend maps
    anonymous memory that reads as the shared zero page until written (SPDK's Malloc bdev is
    zeroed hugepage memory, already real). Nothing to do for SPDK's target."""
    if not isinstance(t, OurTarget):
        return
    args = ["taskset", "-c", str(initiator_cpu)] + loadgen_args(
        build, t.port, NQN, hostnqn=HOST, rw="write", bs=131072, qd=8, ops=size_bytes // 131072)
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)


class OurTarget(Target):
    """dpu-target with one reactor on the target CPU, every thread pinned there."""

    def __init__(self, build, workdir, mode, polling, cpu, size_bytes):
        cfg = {
            "reactors": 1, "reactorCpus": [cpu],
            "offload": {"mode": mode, "fallback": "Degrade"},
            "subsystems": [{"nqn": NQN, "hosts": [HOST], "namespaces": [
                {"nsid": 1, "backend": "ram", "sizeBytes": size_bytes, "blockSize": BLOCK}]}],
        }
        if polling != "Sleep":  # the default; left out so that a build without the key runs too
            cfg["reactorPolling"] = polling
        super().__init__(build, cfg, workdir)
        self.cpu, self.size_bytes = cpu, size_bytes

    def __enter__(self):
        try:
            super().__enter__()
            pin_all_threads(self.proc.pid, self.cpu)
        except BaseException:
            if self.proc and self.proc.poll() is None:  # never left holding the target CPU
                self.proc.kill()
                self.proc.wait()
            raise
        return self


class Bench:
    def __init__(self, args, work):
        self.args, self.work = args, work
        self.hz = machine()["cpuMHz"] * 1e6
        self.size = args.size_mib << 20
        self.perf_log = os.path.join(args.out, "spdk_nvme_perf.log")
        self.runs, self.idle, self.failures = [], [], []

    def targets(self):
        """(target, variant, factory) for each target, ours first; variant: our mode and polling."""
        out = [("ours", {"mode": m, "polling": p},
                lambda m=m, p=p: OurTarget(self.args.build, self.work, m, p, self.args.target_cpu, self.size))
               for m in self.args.modes for p in self.args.polling]
        out.append(("spdk", {"mode": None, "polling": None}, lambda: SpdkTarget(self.args.spdk_bin, self.work, NQN, self.args.target_cpu,
                                                      self.size, BLOCK)))
        return out

    def precondition(self, t):
        precondition(t, self.args.build, self.args.initiator_cpu, self.size)

    def loadgen(self, t, rw, bs, qd, digests, on_start, on_end):
        json_path = os.path.join(self.work, "loadgen.json")
        args = ["taskset", "-c", str(self.args.initiator_cpu)] + loadgen_args(
            self.args.build, t.port, NQN, hostnqn=HOST, rw=rw, bs=bs, qd=qd, duration_s=self.args.duration,
            header_digest=digests, data_digest=digests, interval_ms=60000, json=json_path)
        on_start()
        r = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                           timeout=self.args.duration + 120)
        on_end()
        if r.returncode != 0 or not os.path.getsize(json_path):
            return r.returncode or 1, None, r.stderr
        with open(json_path) as f:
            return 0, json.load(f), r.stderr

    def measure(self, label, variant, factory, initiator, rw, bs, qd, digests, repeat):
        row = {"target": label, **variant, "initiator": initiator, "repeat": repeat, "rw": rw, "bs": bs,
               "qd": qd, "digests": digests}
        try:
            with factory() as t:
                self.precondition(t)
                pid, marks = t.proc.pid, {}

                def start():
                    marks["c0"], marks["t0"] = cpu_seconds(pid), time.monotonic()

                def end():
                    marks["c1"], marks["t1"] = cpu_seconds(pid), time.monotonic()

                for attempt in (1, 2):
                    marks.clear()
                    if initiator == "spdk_nvme_perf":
                        rc, s, out = run_perf(self.args.spdk_bin, self.args.initiator_cpu, t.port, NQN, HOST, rw, bs,
                                              qd, self.args.duration, digests, self.perf_log, start, end)
                        no_io = "c0" not in marks
                    else:
                        rc, s, out = self.loadgen(t, rw, bs, qd, digests, start, end)
                        no_io = rc == 2  # dpu-loadgen: usage or connection error
                    if (rc == 0 and s and "c1" in marks) or not no_io or attempt == 2:
                        break
                    # Failed before any I/O (connecting, on a loaded machine): once more, and say so.
                    row["retriedAfter"] = out[-600:]
                    print("retrying %s against %s: it failed before any I/O" % (initiator, label), flush=True)
                if rc != 0 or not s or "c1" not in marks:
                    raise RuntimeError("%s exited with %s:\n%s\n--- target log (tail) ---\n%s" % (
                        initiator, rc, out[-1500:], t.log_text()[-1500:]))
                if digests and isinstance(t, OurTarget):
                    # Our target logs what each connection negotiated: proof the digests were on.
                    row["digestsConfirmedByTarget"] = "header digest on, data digest on" in t.log_text()
        except (RuntimeError, subprocess.SubprocessError, OSError) as e:
            row["error"] = str(e)
            self.failures.append(row)
            print("FAILED %-5s %-14s %-9s bs=%-6d qd=%-2d dig=%-5s: %s" % (
                label, initiator, rw, bs, qd, digests, str(e).splitlines()[0]), flush=True)
            return
        cpu, wall = marks["c1"] - marks["c0"], marks["t1"] - marks["t0"]
        ops = s["ops"]
        row.update({"iops": s["iops"], "bytesPerSecond": s["bytesPerSecond"], "errors": s.get("errors", 0),
                    "latencyUs": s["latencyUs"], "targetCpuSeconds": cpu, "wallSeconds": wall,
                    "targetCoreBusy": cpu / wall if wall else None,
                    "cpuSecondsPerIo": cpu / ops if ops else None,
                    "cyclesPerIo": cpu * self.hz / ops if ops else None})
        self.runs.append(row)
        print("%-5s %-10s %-14s %-9s bs=%-6d qd=%-2d dig=%-5s %9.0f IOPS %8.1f MB/s p50 %7.1f us p99 %7.1f us "
              "core %3.0f%% %7.0f cycles/IO" % (
                  label, variant_name(variant), initiator, rw, bs, qd, digests, s["iops"], s["bytesPerSecond"] / 1e6,
                  s["latencyUs"]["p50"] or 0, s["latencyUs"]["p99"] or 0, 100 * (row["targetCoreBusy"] or 0),
                  row["cyclesPerIo"] or 0), flush=True)

    def measure_idle(self, label, variant, factory):
        try:
            with factory() as t:
                with IdleHost("127.0.0.1", t.port, NQN, HOST):
                    time.sleep(1.0)
                    c0, t0 = cpu_seconds(t.proc.pid), time.monotonic()
                    time.sleep(self.args.idle_seconds)
                    cpu, wall = cpu_seconds(t.proc.pid) - c0, time.monotonic() - t0
        except (RuntimeError, OSError) as e:
            self.failures.append({"target": label, **variant, "idle": True, "error": str(e)})
            print("FAILED idle %s: %s" % (label, e), flush=True)
            return
        self.idle.append({"target": label, **variant, "seconds": wall, "cpuSeconds": cpu, "coreBusy": cpu / wall})
        print("idle  %-5s %-10s %.2f CPU-s in %.1f s with a host connected and no I/O: %.1f%% of a core" % (
            label, variant_name(variant), cpu, wall, 100 * cpu / wall), flush=True)

    def preflight(self, targets):
        """Each of our variants starts (a config this build refuses fails here, not 48 times)."""
        for label, variant, factory in targets:
            if label == "ours":
                try:
                    with factory():
                        pass
                except RuntimeError as e:
                    raise SystemExit("our target %s does not start: %s" % (variant_name(variant), e))

    def run(self):
        targets = self.targets()
        self.preflight(targets)
        for repeat in range(self.args.repeats):
            for rw, bs, qd in self.args.cases:
                for digests in self.args.digests:
                    for initiator in self.args.initiators:
                        for label, variant, factory in targets:
                            self.measure(label, variant, factory, initiator, rw, bs, qd, digests, repeat)
        for label, variant, factory in targets:
            self.measure_idle(label, variant, factory)


def settle(max_seconds, quiet_load=0.5):
    """Wait (at most max_seconds) for the 1-minute load average to fall below quiet_load: right after
    another benchmark it still shows that run's load for a minute or two, and the report judges the
    machine by the load at the start."""
    deadline = time.monotonic() + max_seconds
    while os.getloadavg()[0] >= quiet_load and time.monotonic() < deadline:
        print("waiting for the machine to settle: load average %.2f (want < %.1f, %.0f s left)" % (
            os.getloadavg()[0], quiet_load, deadline - time.monotonic()), flush=True)
        time.sleep(10)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", required=True, help="dataplane build folder (dpu-target, dpu-loadgen)")
    ap.add_argument("--spdk", help="SPDK build folder with bin/nvmf_tgt and bin/spdk_nvme_perf "
                                   "(default: run spdk/build.sh, instant once built)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--duration", type=int, default=3, help="seconds per measurement")
    ap.add_argument("--repeats", type=int, default=3, help="times the whole matrix runs (the best counts, the range shows the noise)")
    ap.add_argument("--modes", default="ZeroCopy", help="our offload modes to measure, comma-separated")
    ap.add_argument("--polling", default=",".join(POLLING),
                    help="our reactors' polling to measure, comma-separated (default: all of %s)" % ", ".join(POLLING))
    ap.add_argument("--initiators", default=",".join(INITIATORS))
    ap.add_argument("--cases", default=",".join("%s:%d:%d" % c for c in CASES),
                    help="workloads as rw:block-size:queue-depth, comma-separated (default: all six)")
    ap.add_argument("--digests", default="off,on", help="digest settings to measure: off, on or both")
    ap.add_argument("--target-cpu", type=int, default=0)
    ap.add_argument("--initiator-cpu", type=int, default=1)
    ap.add_argument("--size-mib", type=int, default=256, help="namespace size of both targets")
    ap.add_argument("--idle-seconds", type=float, default=5.0)
    ap.add_argument("--settle-seconds", type=float, default=150,
                    help="wait up to this long for the load average to fall below 0.5 before starting")
    ap.add_argument("--hugepages", type=int, default=1024, help="2 MiB hugepages reserved while SPDK runs")
    ap.add_argument("--doc", help="also write the SPDK section of this Markdown file (PNG/JSON copied next to it)")
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)
    args.modes = [m for m in args.modes.split(",") if m]
    args.polling = [p for p in args.polling.split(",") if p]
    for p in args.polling:
        if p not in POLLING:
            ap.error("--polling: unknown %r (known: %s)" % (p, ", ".join(POLLING)))
    try:
        args.cases = [(rw, int(bs), int(qd)) for rw, bs, qd in (c.split(":") for c in args.cases.split(",") if c)]
    except ValueError:
        ap.error("--cases: expected rw:block-size:queue-depth items, e.g. randread:4096:1")
    if not args.cases:
        ap.error("--cases: no workload given")
    args.digests = [{"off": False, "on": True}[d] for d in args.digests.split(",") if d in ("off", "on")]
    if not args.digests:
        ap.error("--digests: give off, on or off,on")
    args.initiators = [i for i in args.initiators.split(",") if i]
    for i in args.initiators:
        if i not in INITIATORS:
            ap.error("--initiators: unknown %r (known: %s)" % (i, ", ".join(INITIATORS)))
    allowed = os.sched_getaffinity(0)
    for name in ("target_cpu", "initiator_cpu"):
        if getattr(args, name) not in allowed:
            ap.error("--%s %d: not a CPU this process may use (%s)" % (
                name.replace("_", "-"), getattr(args, name), sorted(allowed)))
    if args.duration < 1:
        ap.error("--duration must be at least 1 (spdk_nvme_perf counts whole seconds)")
    args.spdk_bin = os.path.join(os.path.abspath(args.spdk or build_spdk()), "bin")
    for b in ("nvmf_tgt", "spdk_nvme_perf"):
        if not os.access(os.path.join(args.spdk_bin, b), os.X_OK):
            ap.error("--spdk: no %s in %s (build it with dataplane/bench/spdk/build.sh)" % (b, args.spdk_bin))
    os.makedirs(args.out, exist_ok=True)
    version, commit = spdk_version()
    # SIGTERM (timeout, a CI runner) unwinds like Ctrl-C: targets stopped, hugepages given back.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    settle(args.settle_seconds)
    start = machine()
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="dpd-peer-") as work, Hugepages(args.hugepages):
        bench = Bench(args, work)
        bench.run()
    result = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": start, "loadAverageAfter": os.getloadavg(), "elapsedSeconds": time.monotonic() - t0,
        "settings": {"durationSeconds": args.duration, "repeats": args.repeats, "targetCpu": args.target_cpu,
                     "initiatorCpu": args.initiator_cpu, "namespaceBytes": args.size_mib << 20,
                     "blockSize": BLOCK, "ourModes": args.modes, "ourPolling": args.polling, "initiators": args.initiators,
                     "cases": ["%s:%d:%d" % c for c in args.cases], "digests": args.digests,
                     "idleSeconds": args.idle_seconds, "spdkVersion": version, "spdkCommit": commit},
        "runs": bench.runs, "idle": bench.idle, "failures": bench.failures,
    }
    import peer_report
    json_path, png_path = peer_report.save(result, args.out)
    print("wrote", json_path, png_path)
    if args.doc:
        peer_report.write_doc(result, args.doc, png_path, json_path)
        print("wrote the SPDK section of", args.doc)
    for why in peer_report.validity(result):
        print("NOT VALID FOR CONCLUSIONS:", why)
    if bench.failures:
        print("%d measurement(s) failed; see 'failures' in %s" % (len(bench.failures), json_path))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

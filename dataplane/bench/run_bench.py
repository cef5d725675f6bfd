#!/usr/bin/python3
"""One benchmark run of the data path on this machine (not a test).

Measures, with the real dpu-target and dpu-loadgen over loopback TCP, on a file
namespace served through io_uring: 4 KiB random read/write IOPS and 128 KiB sequential
read/write bandwidth at queue depth 1 and 32, for each offload mode, with and without
AES-256-XTS and with and without header+data digests; p50/p99/p999 latency; target CPU
cycles per I/O; payload copies per I/O from the target's stats. In the same run it
measures the ceilings: raw io_uring on the same file, single-core memcpy, AES-256-XTS,
CRC32C and loopback TCP (dpu-bench-limits). Writes results.json and performance.png to
--out, and with --doc a Markdown report.

usage: run_bench.py --build dataplane/build --out DIR [--duration 2] [--doc docs/performance.md]
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
from target_harness import Target, host_nqn, run_loadgen  # noqa: E402

WORKLOADS = [("randread", 4096), ("randwrite", 4096), ("read", 131072), ("write", 131072)]
DEPTHS = [1, 32]
MODES = ["NonOffload", "ZeroCopy"]
NQN = "nqn.2024-01.dev.dpu:bench"


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine():
    info = {"kernel": platform.release(), "cpus": os.cpu_count()}
    with open("/proc/cpuinfo") as f:
        for line in f:
            k, _, v = line.partition(":")
            k, v = k.strip(), v.strip()
            if k == "model name":
                info.setdefault("cpuModel", v)
            elif k == "cpu MHz":
                info.setdefault("cpuMHz", float(v))
            elif k == "flags":
                flags = set(v.split())
                info.setdefault("cpuFlags", sorted(flags & {"aes", "vaes", "sse4_2", "avx2", "avx512f"}))
    info["loadAverage"] = os.getloadavg()
    return info


def run_matrix(build, work, backing, duration, key_path):
    runs, copies = [], {}
    hz = machine()["cpuMHz"] * 1e6
    for mode in MODES:
        for enc in (False, True):
            cfg = {
                "reactors": 2,
                "offload": {"mode": mode, "fallback": "Degrade"},
                "subsystems": [{"nqn": NQN, "hosts": [host_nqn(42)], "namespaces": [
                    {"nsid": 1, "backend": "file", "path": backing, "sizeBytes": 256 << 20, "blockSize": 4096}]}],
            }
            if enc:
                cfg["offload"]["encryption"] = {"algorithm": "AES-256-XTS", "keyFile": key_path}
            with Target(build, cfg, work) as t:
                for digests in (False, True):
                    for rw, bs in WORKLOADS:
                        for qd in DEPTHS:
                            c0 = cpu_seconds(t.proc.pid)
                            rc, s, err = run_loadgen(build, t.port, NQN, work, hostnqn=host_nqn(42), rw=rw, bs=bs,
                                                     qd=qd, duration_s=duration, header_digest=digests,
                                                     data_digest=digests, interval_ms=60000)
                            cpu = cpu_seconds(t.proc.pid) - c0
                            if rc != 0 or not s:
                                raise RuntimeError("loadgen failed (%s %s qd %d): %s" % (mode, rw, qd, err[-500:]))
                            runs.append({
                                "mode": mode, "encryption": enc, "digests": digests, "rw": rw, "bs": bs, "qd": qd,
                                "iops": s["iops"], "bytesPerSecond": s["bytesPerSecond"], "errors": s["errors"],
                                "latencyUs": s["latencyUs"], "targetCpuSeconds": cpu,
                                "cyclesPerIo": cpu * hz / s["ops"] if s["ops"] else None,
                            })
                            print("%-10s xts=%-5s dig=%-5s %-9s bs=%-6d qd=%-2d %9.0f IOPS %8.1f MB/s p99 %8.1f us "
                                  "%7.0f cycles/IO" % (mode, enc, digests, rw, bs, qd, s["iops"],
                                                       s["bytesPerSecond"] / 1e6, s["latencyUs"]["p99"],
                                                       runs[-1]["cyclesPerIo"] or 0), flush=True)
                st = t.stats()["namespaces"][0]
                ops = st["readOps"] + st["writeOps"]
                copies["%s%s" % (mode, "+XTS" if enc else "")] = {
                    "ios": ops, "payloadCopies": st["payloadCopies"],
                    "copiesPerIo": st["payloadCopies"] / ops if ops else None}
    return runs, copies


REMOTE_NQN = "nqn.2024-01.dev.dpu:bench-storage-server"
REMOTE_HOST = "nqn.2024-01.dev.dpu:dpu.bench"


def run_remote(build, work, backing, duration):
    """The remote NVMe/TCP backend against the same storage served directly, in the same run.

    A second dpu-target plays the storage server (the backing file through io_uring, as above);
    the first serves a namespace on it through its nvme-tcp backend (ZeroCopy, no XTS, no digests).
    Each workload runs directly against the storage server and through the extra hop, back to
    back, so the difference is what the hop adds."""
    rows = []
    server_cfg = {
        "reactors": 1,
        "subsystems": [{"nqn": REMOTE_NQN, "hosts": [REMOTE_HOST, host_nqn(42)], "namespaces": [
            {"nsid": 1, "backend": "file", "path": backing, "sizeBytes": 256 << 20, "blockSize": 4096}]}],
    }
    with Target(build, server_cfg, work) as server:
        dpu_cfg = {
            "reactors": 1,
            "offload": {"mode": "ZeroCopy", "fallback": "Degrade"},
            "hostNqn": REMOTE_HOST,
            "remotes": [{"name": "storage", "address": "127.0.0.1", "port": server.port,
                         "subsystemNqn": REMOTE_NQN}],
            "subsystems": [{"nqn": NQN, "hosts": [host_nqn(42)], "namespaces": [
                {"nsid": 1, "backend": "nvme-tcp", "remote": "storage", "remoteNsid": 1,
                 "sizeBytes": 256 << 20, "blockSize": 4096}]}],
        }
        with Target(build, dpu_cfg, work) as dpu:
            # First I/O waits for the backend's connection; keep that out of the figures.
            run_loadgen(build, dpu.port, NQN, work, hostnqn=host_nqn(42), rw="randread", bs=4096, qd=1,
                        duration_s=0.5, interval_ms=60000)
            for rw, bs in WORKLOADS:
                for qd in DEPTHS:
                    for path, port, nqn in (("direct", server.port, REMOTE_NQN), ("remote", dpu.port, NQN)):
                        rc, s, err = run_loadgen(build, port, nqn, work, hostnqn=host_nqn(42), rw=rw, bs=bs, qd=qd,
                                                 duration_s=duration, interval_ms=60000)
                        if rc != 0 or not s:
                            raise RuntimeError("loadgen failed (%s %s qd %d): %s" % (path, rw, qd, err[-500:]))
                        rows.append({"path": path, "rw": rw, "bs": bs, "qd": qd, "iops": s["iops"],
                                     "bytesPerSecond": s["bytesPerSecond"], "errors": s["errors"],
                                     "latencyUs": s["latencyUs"]})
                        print("%-6s %-9s bs=%-6d qd=%-2d %9.0f IOPS %8.1f MB/s p50 %8.1f us" % (
                            path, rw, bs, qd, s["iops"], s["bytesPerSecond"] / 1e6, s["latencyUs"]["p50"]), flush=True)
    return rows


def full_offload_status(build, work):
    cfg = {"offload": {"mode": "FullOffload", "fallback": "Fail"},
           "subsystems": [{"nqn": NQN, "allowAnyHost": True,
                           "namespaces": [{"nsid": 1, "backend": "ram", "sizeBytes": 1 << 20, "blockSize": 4096}]}]}
    try:
        with Target(build, cfg, work):
            return "available"
    except RuntimeError as e:
        msg = str(e)
        return ("unavailable (dpu-target with FullOffload and fallback Fail refuses to start: %s)"
                % msg[msg.find("offload.mode"):].split("\n")[0]) if "offload.mode" in msg else msg


def plot(result, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs, lim = result["runs"], result["limits"]
    variants = [(m, e, d) for m in MODES for e in (False, True) for d in (False, True)]
    labels = ["%s%s%s" % ({"NonOffload": "NonOff", "ZeroCopy": "ZeroCopy"}[m], "\n+XTS" if e else "",
                          "\n+digests" if d else "") for m, e, d in variants]

    def pick(rw, bs, qd, key):
        out = []
        for m, e, d in variants:
            r = [x for x in runs if x["mode"] == m and x["encryption"] == e and x["digests"] == d
                 and x["rw"] == rw and x["bs"] == bs and x["qd"] == qd]
            out.append(key(r[0]) if r else 0)
        return out

    def uring(rw, bs, qd, key):
        r = [x for x in lim["uring"] if x["rw"] == rw and x["bs"] == bs and x["qd"] == qd]
        return key(r[0]) if r else 0

    fig, axes = plt.subplots(3, 2, figsize=(16, 15))
    x = range(len(variants))
    w = 0.2
    ax = axes[0][0]
    for i, (rw, qd) in enumerate([("randread", 1), ("randread", 32), ("randwrite", 1), ("randwrite", 32)]):
        vals = [v / 1e3 for v in pick(rw, 4096, qd, lambda r: r["iops"])]
        ax.bar([k + (i - 1.5) * w for k in x], vals, w, label="%s qd%d (raw io_uring %.0fk)" % (
            rw, qd, uring(rw, 4096, qd, lambda r: r["iops"]) / 1e3))
    ax.set_title("4 KiB random IOPS (thousands)")
    ax.set_xticks(list(x))
    ax.set_xticklabels(labels, fontsize=7)
    ax.legend(fontsize=7)
    ax = axes[0][1]
    for i, (rw, qd) in enumerate([("read", 1), ("read", 32), ("write", 1), ("write", 32)]):
        vals = [v / 1e9 for v in pick(rw, 131072, qd, lambda r: r["bytesPerSecond"])]
        ax.bar([k + (i - 1.5) * w for k in x], vals, w, label="%s qd%d (raw io_uring %.2f)" % (
            rw, qd, uring(rw, 131072, qd, lambda r: r["bytesPerSecond"]) / 1e9))
    for name, key, style in (("loopback TCP", "loopbackTcpBytesPerSecond", "--"),
                             ("AES-256-XTS 1 core", "aesXts256BytesPerSecond", ":"),
                             ("CRC32C 1 core", "crc32cBytesPerSecond", "-.")):
        ax.axhline(lim[key] / 1e9, linestyle=style, color="gray")
        ax.text(len(variants) - 0.5, lim[key] / 1e9, " %s %.1f" % (name, lim[key] / 1e9), fontsize=7,
                va="bottom", ha="right")
    ax.set_title("128 KiB sequential bandwidth (GB/s); lines: ceilings measured in the same run\n"
                 "(single-core memcpy, off the scale: %.1f GB/s)" % (lim["memcpyBytesPerSecond"] / 1e9), fontsize=10)
    ax.set_xticks(list(x))
    ax.set_xticklabels(labels, fontsize=7)
    ax.legend(fontsize=7)
    ax = axes[1][0]
    for i, (pct, rw) in enumerate([("p50", "randread"), ("p99", "randread"), ("p50", "randwrite"),
                                   ("p99", "randwrite")]):
        vals = pick(rw, 4096, 1, lambda r, p=pct: r["latencyUs"][p])
        ax.bar([k + (i - 1.5) * w for k in x], vals, w, label="%s %s qd1 (raw io_uring %.0f us)" % (
            rw, pct, uring(rw, 4096, 1, lambda r, p=pct: r["latencyUs"][p])))
    ax.set_yscale("log")
    ax.set_title("4 KiB latency at queue depth 1 (us, log scale)")
    ax.set_xticks(list(x))
    ax.set_xticklabels(labels, fontsize=7)
    ax.legend(fontsize=7)
    ax = axes[1][1]
    for i, (rw, bs) in enumerate([("randread", 4096), ("randwrite", 4096), ("read", 131072), ("write", 131072)]):
        vals = [v / 1e3 for v in pick(rw, bs, 32, lambda r: r["cyclesPerIo"] or 0)]
        ax.bar([k + (i - 1.5) * w for k in x], vals, w, label="%s %d KiB qd32" % (rw, bs // 1024))
    ax.set_title("target CPU cycles per I/O (thousands), queue depth 32")
    ax.set_xticks(list(x))
    ax.set_xticklabels(labels, fontsize=7)
    ax.legend(fontsize=7)
    plot_remote(axes[2], result["remote"])
    m = result["machine"]
    fig.suptitle("dpu-target data path, %s, %d CPUs (shared with other work), %s" % (
        m.get("cpuModel", "?"), m["cpus"], result["date"]), fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def plot_remote(axes, remote):
    """Bottom row: the remote backend next to the same storage served directly (same run)."""
    cases = [(rw, bs, qd) for rw, bs in WORKLOADS for qd in DEPTHS]
    labels = ["%s %dK\nqd%d" % (rw, bs // 1024, qd) for rw, bs, qd in cases]

    def val(path, case, key):
        r = [x for x in remote if x["path"] == path and (x["rw"], x["bs"], x["qd"]) == case]
        return key(r[0]) if r else 0

    x = range(len(cases))
    for ax, title, key in ((axes[0], "IOPS (thousands): direct to the storage server vs through the DPU's remote backend",
                            lambda r: r["iops"] / 1e3),
                           (axes[1], "p50 latency (us): what the extra hop adds", lambda r: r["latencyUs"]["p50"])):
        ax.bar([k - 0.2 for k in x], [val("direct", c, key) for c in cases], 0.4, label="direct")
        ax.bar([k + 0.2 for k in x], [val("remote", c, key) for c in cases], 0.4, label="via remote backend")
        ax.set_title(title, fontsize=10)
        ax.set_xticks(list(x))
        ax.set_xticklabels(labels, fontsize=7)
        ax.legend(fontsize=7)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--duration", type=float, default=2.0)
    ap.add_argument("--backing-dir", default="/dev/shm")
    ap.add_argument("--doc", help="also write the Markdown report here (PNG/JSON copied next to it)")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    os.makedirs(args.out, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="dpd-bench-") as work, \
            tempfile.TemporaryDirectory(prefix="dpd-bench-", dir=args.backing_dir) as bdir:
        backing = os.path.join(bdir, "bench.img")
        with open(backing, "wb") as f:  # real data everywhere: no sparse holes to read
            for _ in range(256):
                f.write(os.urandom(1 << 20))
        key_path = os.path.join(work, "xts.key")
        with open(key_path, "wb") as f:
            f.write(os.urandom(64))
        start = machine()
        lim = json.loads(subprocess.run([os.path.join(build, "dpu-bench-limits"), backing, str(args.duration)],
                                        check=True, stdout=subprocess.PIPE).stdout)
        runs, copies = run_matrix(build, work, backing, args.duration, key_path)
        remote = run_remote(build, work, backing, args.duration)
        result = {
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": start, "loadAverageAfter": os.getloadavg(), "durationPerRunSeconds": args.duration,
            "backing": "file on %s (tmpfs), 256 MiB, 4096-byte blocks, served through io_uring" % args.backing_dir,
            "limits": lim, "runs": runs, "copiesPerIo": copies, "remote": remote,
            "fullOffload": full_offload_status(build, work),
        }
    json_path = os.path.join(args.out, "results.json")
    png_path = os.path.join(args.out, "performance.png")
    with open(json_path, "w") as f:
        json.dump(result, f, indent=1)
    plot(result, png_path)
    print("wrote", json_path, png_path)
    if args.doc:
        import report
        report.write(result, args.doc, png_path, json_path)
        print("wrote", args.doc)


if __name__ == "__main__":
    sys.path.insert(0, HERE)
    main()

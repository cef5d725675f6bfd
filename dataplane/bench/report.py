"""Markdown report of one benchmark run (called by run_bench.py --doc)."""
import os
import shutil


def _ratio(v, ref):
    return "%.0f%%" % (100.0 * v / ref) if ref else "-"


def write(result, doc_path, png_path, json_path):
    d = os.path.dirname(os.path.abspath(doc_path))
    os.makedirs(d, exist_ok=True)
    shutil.copy(png_path, os.path.join(d, "performance.png"))
    shutil.copy(json_path, os.path.join(d, "performance.json"))
    m, lim = result["machine"], result["limits"]
    uring = {(x["rw"], x["bs"], x["qd"]): x for x in lim["uring"]}
    out = []
    w = out.append
    w("# Data path performance\n")
    w("One run of `make -C dataplane bench` (`dataplane/bench/run_bench.py`) on %s. Every figure "
      "below comes from that single run on the same machine; the raw numbers are in "
      "[performance.json](performance.json), the plot is [performance.png](performance.png).\n" % result["date"])
    w("## Read this first\n")
    w("- **Machine:** %s, %d CPUs, kernel %s, CPU flags used: %s. The target (2 reactors), the load generator "
      "and the reference measurements all share these two CPUs (load average %.1f when the run started, %.1f "
      "when it ended; the run itself keeps both CPUs busy). Expect run-to-run variation of tens of percent, "
      "and latency tails (p99.9, max) dominated by the scheduling of target and load generator on the same "
      "CPUs rather than by the data path; `make bench-peer` (below) pins target and initiator to a CPU each "
      "and repeats its runs." % (m.get("cpuModel", "?"), m["cpus"], m["kernel"],
                                 ", ".join(m.get("cpuFlags", [])), m["loadAverage"][0],
                                 result["loadAverageAfter"][0]))
    w("- **Path measured:** dpu-loadgen (our NVMe/TCP initiator, one I/O queue) -> loopback TCP -> "
      "dpu-target (2 reactors) -> io_uring -> a 256 MiB file on tmpfs with 4096-byte blocks. The backing file "
      "is on tmpfs so that the data path, not a shared virtual disk, is what is measured; raw io_uring on the "
      "same file is the backend ceiling. %.1f s per measurement." % result["durationPerRunSeconds"])
    w("- **CPU cycles per I/O** = CPU time of the dpu-target process during the measurement (utime+stime, "
      "10 ms tick granularity) x the nominal clock (%.0f MHz) / I/Os completed. It counts target work only, "
      "not the load generator." % m.get("cpuMHz", 0))
    w("- **FullOffload:** %s. No offload provider (DPU hardware or kernel nvmet facility) exists on this "
      "machine, so FullOffload is not measured; a profile asking for it with fallback Degrade runs ZeroCopy.\n"
      % result["fullOffload"])
    w("## Ceilings measured in the same run\n")
    w("Single-core rates are bytes per CPU-second of the measuring thread (its CPU clock), so "
      "waiting for a CPU on the shared machine does not lower them; io_uring and TCP figures are wall-clock, "
      "like the data path figures.\n")
    w("| what | result |")
    w("|---|---|")
    w("| single-core memcpy (128 KiB buffers) | %.2f GB/s |" % (lim["memcpyBytesPerSecond"] / 1e9))
    w("| AES-256-XTS, one core, OpenSSL EVP (4 KiB data units) | %.2f GB/s |" % (lim["aesXts256BytesPerSecond"] / 1e9))
    w("| CRC32C, one core (%s) | %.2f GB/s |" % (lim["crc32cImplementation"],
                                                lim["crc32cBytesPerSecond"] / 1e9))
    w("| loopback TCP, one stream | %.2f GB/s |" % (lim["loopbackTcpBytesPerSecond"] / 1e9))
    w("")
    w("Raw io_uring on the same backing file (O_DIRECT: %s):\n" % ("yes" if lim["oDirect"] else "no"))
    w("| workload | qd | IOPS | MB/s | p50 us | p99 us | p99.9 us |")
    w("|---|---|---|---|---|---|---|")
    for x in lim["uring"]:
        w("| %s %d KiB | %d | %.0f | %.1f | %.1f | %.1f | %.1f |" % (
            x["rw"], x["bs"] // 1024, x["qd"], x["iops"], x["bytesPerSecond"] / 1e6, x["latencyUs"]["p50"],
            x["latencyUs"]["p99"], x["latencyUs"]["p999"]))
    w("")
    w("## Through the target\n")
    w("![benchmark plot](performance.png)\n")
    w("Mode = offload mode; XTS = AES-256-XTS on the namespace; digests = NVMe/TCP header and data digests "
      "(CRC32C) on the connection. \"of raw\" compares with raw io_uring on the same file at the same depth.\n")
    w("| mode | XTS | digests | workload | qd | IOPS | MB/s | of raw | p50 us | p99 us | p99.9 us | cycles/IO |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in result["runs"]:
        ref = uring.get((r["rw"], r["bs"], r["qd"]))
        w("| %s | %s | %s | %s %d KiB | %d | %.0f | %.1f | %s | %.1f | %.1f | %.1f | %s |" % (
            r["mode"], "on" if r["encryption"] else "off", "on" if r["digests"] else "off", r["rw"],
            r["bs"] // 1024, r["qd"], r["iops"], r["bytesPerSecond"] / 1e6,
            _ratio(r["iops"], ref["iops"] if ref else 0), r["latencyUs"]["p50"], r["latencyUs"]["p99"],
            r["latencyUs"]["p999"], "%.0f" % r["cyclesPerIo"] if r["cyclesPerIo"] else "-"))
    w("")
    w("## Payload copies per I/O (from the target's stats after the runs above)\n")
    w("| mode | I/Os | payload copies | copies per I/O |")
    w("|---|---|---|---|")
    for k, v in result["copiesPerIo"].items():
        w("| %s | %d | %d | %s |" % (k, v["ios"], v["payloadCopies"],
                                     "%.2f" % v["copiesPerIo"] if v["copiesPerIo"] is not None else "-"))
    w("")
    w("NonOffload moves every payload through a staging buffer (network buffer -> staging, processed "
      "there, staging -> backend buffer, and back for reads): two memcpy per I/O. ZeroCopy hands the "
      "buffer the payload landed in to io_uring; with XTS it is encrypted in place, one pass.\n")
    w("## Remote NVMe/TCP backend (initiator-side DPU)\n")
    w("Same run: a second dpu-target serves the backing file as the \"storage server\"; the first serves a "
      "namespace on it through its nvme-tcp backend (ZeroCopy, no XTS, no digests, one reactor each). Each "
      "workload ran directly against the storage server and through the extra hop, back to back. \"via "
      "remote\" = loadgen -> DPU target -> remote backend -> storage server; the ratio and the added p50 "
      "are what the hop costs on this machine, where all three processes share the two CPUs.\n")
    w("| workload | qd | direct IOPS | via remote IOPS | ratio | direct p50 us | via remote p50 us | added p50 us |")
    w("|---|---|---|---|---|---|---|---|")
    by = {(x["path"], x["rw"], x["bs"], x["qd"]): x for x in result.get("remote", [])}
    for (path, rw, bs, qd), d in sorted(by.items()):
        if path != "direct" or ("remote", rw, bs, qd) not in by:
            continue
        r = by[("remote", rw, bs, qd)]
        w("| %s %d KiB | %d | %.0f | %.0f | %s | %.1f | %.1f | %.1f |" % (
            rw, bs // 1024, qd, d["iops"], r["iops"], _ratio(r["iops"], d["iops"]), d["latencyUs"]["p50"],
            r["latencyUs"]["p50"], r["latencyUs"]["p50"] - d["latencyUs"]["p50"]))
    w("")
    w("## What the figures say\n")
    hz = m.get("cpuMHz", 0) * 1e6
    mc = lim["memcpyBytesPerSecond"]

    def med(rows):
        v = sorted(x["cyclesPerIo"] for x in rows if x["cyclesPerIo"])
        return v[len(v) // 2] if v else 0

    for bs in (4096, 131072):
        copy_cycles = 2 * bs / mc * hz if mc else 0
        rows = [x for x in result["runs"] if x["bs"] == bs and x["qd"] == 32]
        w("- %d KiB: the two staging copies of NonOffload cost %.0f cycles per I/O at the measured memcpy "
          "rate, against a median of %.0f target cycles per I/O at queue depth 32 (%.1f%%)." % (
              bs // 1024, copy_cycles, med(rows), 100.0 * copy_cycles / med(rows) if med(rows) else 0))
    xts4 = 4096 / lim["aesXts256BytesPerSecond"] * hz if lim["aesXts256BytesPerSecond"] else 0
    w("- AES-256-XTS of a 4 KiB block costs about %.0f cycles at the measured single-core rate; CRC32C of "
      "it about %.0f." % (xts4, 4096 / lim["crc32cBytesPerSecond"] * hz if lim["crc32cBytesPerSecond"] else 0))
    w("- On this machine per-I/O protocol and scheduling work (tens of thousands of cycles per 4 KiB I/O, "
      "with the load generator competing for the same two CPUs) dwarfs copy, cipher and CRC costs, so the "
      "differences between modes and options in this run - in both directions, ZeroCopy is not always "
      "ahead of NonOffload - are run-to-run noise of target and load generator sharing two CPUs, larger than the copy and cipher "
      "shares computed above. Loopback TCP (one stream) bounds what one connection can carry. Treat single "
      "figures as indications; the copy counts are exact. The side-by-side run below (a CPU each for target and "
      "initiator, repeated) resolves the modes better.\n")
    w("## Reproduce\n")
    w("```\nmake -C dataplane all bench            # writes dataplane/build/bench/{results.json,performance.png}\n"
      "/usr/bin/python3 dataplane/bench/run_bench.py --build dataplane/build --out /tmp/bench --doc docs/performance.md\n```\n")
    w("Python 3 with matplotlib from Debian (`python3-matplotlib`) is needed for the plot.\n")
    # The SPDK side-by-side section has its own run and generator (peer_report.py): keep it.
    import peer_report
    kept = ""
    if os.path.exists(doc_path):
        with open(doc_path) as f:
            kept = peer_report.extract(f.read())
    with open(doc_path, "w") as f:
        f.write("\n".join(out) + ("\n" + kept if kept else ""))

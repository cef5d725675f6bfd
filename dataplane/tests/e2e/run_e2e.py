#!/usr/bin/python3
"""End-to-end checks of the data-path features with the real target and the real load
generator over loopback (run by `make -C dataplane e2e-check`):

  QoS        - a limited tenant's IOPS and bandwidth are within 5% of its limits over
               10 s; a victim tenant's p99 with a saturating, QoS-limited aggressor stays
               within 1.5x of its p99 alone; a limit changed live takes effect within 1 s;
               no I/O fails.
  AES-XTS    - data written through the target and read back straight from the backing
               file decrypts block by block (key from the key file, tweak = LBA) with the
               openssl CLI to what was written; the file never holds the plaintext.
  Copies     - payload copies per I/O read from the target's stats after real I/O:
               NonOffload 2, ZeroCopy 0; FullOffload without a provider degrades or fails.
  Remote     - two dpu-target processes: the first's namespace lives on the second through
               its nvme-tcp backend (digests on both hops, transfers above the remote's
               MDTS); data written through the first is verified through it and read
               straight from the second; the first's stats count what it forwarded.

Prints one PASS/FAIL line per check and "N passed, M failed"; exits 1 on any failure.
"""
import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from target_harness import Loadgen, Target, host_nqn, run_loadgen  # noqa: E402
from xts_reference import decrypt_blocks, loadgen_pattern  # noqa: E402

RESULTS = []


def check(name, ok, detail):
    RESULTS.append(ok)
    print("%s %s: %s" % ("PASS" if ok else "FAIL", name, detail), flush=True)


def subsystem(name, tenant, host, size=64 << 20, **ns):
    entry = {"nsid": 1, "backend": "ram", "sizeBytes": size, "blockSize": 4096}
    entry.update(ns)
    return {"nqn": "nqn.2024-01.dev.dpu:e2e." + name, "tenant": tenant, "hosts": [host], "namespaces": [entry]}


def nqn(name):
    return "nqn.2024-01.dev.dpu:e2e." + name


def no_errors(label, rc, summary, err):
    ok = rc == 0 and summary is not None and summary["errors"] == 0
    if not ok:
        print("  %s: loadgen exit %s, summary %s\n  %s" % (label, rc, summary and summary.get("errors"), err[-2000:]))
    return ok


# ------------------------------------------------------------ QoS

IOPS_LIMIT = 4000
BW_LIMIT = 48 << 20
AGGRESSOR_LIMIT = 1000
LIVE_BEFORE, LIVE_AFTER = 600, 1800


def qos_config():
    return {
        "reactors": 2,
        "subsystems": [
            subsystem("iops", "iops-tenant", host_nqn(1)),
            subsystem("bw", "bw-tenant", host_nqn(2)),
            subsystem("victim", "victim", host_nqn(3)),
            subsystem("aggressor", "aggressor", host_nqn(4)),
            subsystem("live", "live", host_nqn(5)),
        ],
        "tenants": [
            {"name": "aggressor", "limits": {"totalIops": AGGRESSOR_LIMIT}},
            {"name": "bw-tenant", "limits": {"totalBytesPerSecond": BW_LIMIT}},
            {"name": "iops-tenant", "limits": {"totalIops": IOPS_LIMIT}},
            {"name": "live", "limits": {"totalIops": LIVE_BEFORE}},
            {"name": "victim", "limits": {}},
        ],
    }


def test_qos(build, work):
    cfg = qos_config()
    with Target(build, cfg, work) as t:
        # 1. Accuracy over 10 s: an IOPS-limited reader and a bandwidth-limited writer at once.
        a = Loadgen(build, t.port, nqn("iops"), work, hostnqn=host_nqn(1), rw="randread", qd=16, queues=2,
                    bs=4096, duration_s=10)
        b = Loadgen(build, t.port, nqn("bw"), work, hostnqn=host_nqn(2), rw="randwrite", qd=8, bs=131072,
                    duration_s=10)
        time.sleep(8)
        live = [q for q in t.stats()["queues"] if q["host"] == host_nqn(1) and q["qid"] > 0]
        ra, rb = a.result(), b.result()
        per_queue = [q["readOps"] for q in live]
        check("qos_queues_of_one_tenant_share_its_limit", len(per_queue) == 2 and min(per_queue) >= 0.35 * sum(per_queue),
              "reads per I/O queue of the limited tenant after 8 s: %s" % per_queue)
        ok_a, ok_b = no_errors("iops", *ra), no_errors("bw", *rb)
        iops = ra[1]["iops"] if ra[1] else 0
        bw = rb[1]["bytesPerSecond"] if rb[1] else 0
        check("qos_iops_limit_within_5_percent", ok_a and abs(iops - IOPS_LIMIT) <= 0.05 * IOPS_LIMIT,
              "limit %d IOPS, measured %.0f IOPS over 10 s" % (IOPS_LIMIT, iops))
        check("qos_bandwidth_limit_within_5_percent", ok_b and abs(bw - BW_LIMIT) <= 0.05 * BW_LIMIT,
              "limit %.1f MiB/s, measured %.2f MiB/s over 10 s" % (BW_LIMIT / 2**20, bw / 2**20))
        st = t.stats()
        tenants = {x["name"]: x for x in st["tenants"]}
        throttled = tenants["iops-tenant"]["throttledIos"]
        check("qos_throttled_io_waits_and_is_counted",
              throttled > 0 and tenants["iops-tenant"]["errors"] == 0 and tenants["iops-tenant"]["throttledNs"] > 0,
              "iops-tenant: %d I/Os waited %.1f s in total, errors %d" % (
                  throttled, tenants["iops-tenant"]["throttledNs"] / 1e9, tenants["iops-tenant"]["errors"]))

        # 2. Isolation. Latency at the 100 us scale on a 2-core machine also moves with
        #    whatever else the machine runs, so a failed measurement is taken once more; the
        #    check fails when both attempts exceed 1.5x, and reports both.
        def measure_isolation():
            # The victim runs for 10 s; an aggressor that wants far more than its
            # limit (queue depth 64) is switched on for one second in every 2.5. Each
            # 250 ms interval of the victim has its own p99; the median over the intervals
            # with the aggressor on is compared with the median over those with it off.
            # Interleaving puts both under the same background load of this shared machine.
            lg = Loadgen(build, t.port, nqn("victim"), work, hostnqn=host_nqn(3), rw="randread", qd=16, bs=4096,
                         duration_s=10.5, interval_ms=250)
            windows, aggs = [], []
            for k in range(4):
                while time.monotonic() - lg.started < 1.0 + 2.5 * k:
                    time.sleep(0.01)
                windows.append(time.monotonic() - lg.started)
                aggs.append(Loadgen(build, t.port, nqn("aggressor"), work, hostnqn=host_nqn(4), rw="randrw",
                                    qd=64, bs=4096, duration_s=1.0))
                time.sleep(1.05)
            results = [a.result() for a in aggs]
            rc, summary, err = lg.result()
            ok = no_errors("victim", rc, summary, err) and all(no_errors("aggressor", *r) for r in results)
            on, off = [], []
            for x in (summary["intervals"] if summary else []):
                lo, hi = x["t"] - 0.25, x["t"]
                if lo < 0.5 or x["ops"] == 0:
                    continue
                if any(a + 0.15 <= lo and hi <= a + 1.0 for a in windows):
                    on.append(x["latencyUs"]["p99"])
                elif all(hi < a - 0.05 or lo > a + 1.15 for a in windows):
                    off.append(x["latencyUs"]["p99"])
            p_off = sorted(off)[len(off) // 2] if off else 0
            p_on = sorted(on)[len(on) // 2] if on else 0
            agg_iops = sum(r[1]["iops"] for r in results if r[1]) / len(results)
            return (ok and len(on) >= 8 and len(off) >= 8 and p_on <= 1.5 * p_off,
                    "victim p99 (median over %d intervals) alone %.1f us; with an aggressor limited to %d IOPS (it got "
                    "%.0f) %.1f us (median over %d intervals) = %.2fx" % (
                      len(off), p_off, AGGRESSOR_LIMIT, agg_iops, p_on, len(on), p_on / p_off if p_off else 0))

        attempts = []
        for _ in range(2):
            passed, detail = measure_isolation()
            attempts.append(detail)
            if passed:
                break
        check("qos_victim_p99_within_1_5x_of_alone", passed,
              "; previous attempt: ".join(reversed(attempts)))

        # 3. Live limit change, applied with SIGHUP while the tenant's queue stays connected.
        lg = Loadgen(build, t.port, nqn("live"), work, hostnqn=host_nqn(5), rw="randread", qd=32, bs=4096,
                     duration_s=5.5, interval_ms=250)
        time.sleep(2.5)
        # Loadgen's clock starts after it connected, a few ms after launch: measuring the
        # change from the launch places it slightly late in loadgen time, never early.
        changed_at = time.monotonic() - lg.started
        for x in cfg["tenants"]:
            if x["name"] == "live":
                x["limits"] = {"totalIops": LIVE_AFTER}
        t.reload(cfg)
        rc, summary, err = lg.result()
        ok = no_errors("live", rc, summary, err)
        iv = summary["intervals"] if summary else []

        def rate(lo, hi):  # IOPS over the 250 ms intervals lying inside [lo, hi]
            sel = [x["ops"] for x in iv if x["t"] - 0.25 >= lo - 0.01 and x["t"] <= hi + 0.01]
            return sum(sel) / (0.25 * len(sel)) if sel else 0

        before = rate(0.5, changed_at - 0.1)
        after = rate(changed_at + 1.0, changed_at + 2.0)
        check("qos_live_limit_change_within_1_s",
              ok and abs(before - LIVE_BEFORE) <= 0.1 * LIVE_BEFORE and abs(after - LIVE_AFTER) <= 0.1 * LIVE_AFTER,
              "before the change %.0f IOPS (limit %d); in the second after the first second %.0f IOPS (new limit %d)"
              % (before, LIVE_BEFORE, after, LIVE_AFTER))
        reloaded = "tenants reloaded" in t.log_text()
        check("qos_no_io_failed", ok and reloaded and all(x["errors"] == 0 for x in t.stats()["tenants"]),
              "all loadgen runs exited 0 with zero errors; target counts zero errors per tenant")


# ------------------------------------------------------------ AES-XTS at rest

def test_xts(build, work):
    key = os.urandom(64)
    while key[:32] == key[32:]:
        key = os.urandom(64)
    key_path = os.path.join(work, "xts.key")
    with open(key_path, "wb") as f:
        f.write(key)
    os.chmod(key_path, 0o600)
    backing = os.path.join(work, "xts.img")
    bs, nblocks, seed = 4096, 256, 4242
    cfg = {
        "reactors": 2,
        "offload": {"mode": "ZeroCopy", "fallback": "Degrade",
                    "encryption": {"algorithm": "AES-256-XTS", "keyFile": key_path}},
        "subsystems": [subsystem("xts", "xts", host_nqn(9), size=16 << 20, backend="file", path=backing)],
        "tenants": [{"name": "xts"}],
    }
    with Target(build, cfg, work) as t:
        w = run_loadgen(build, t.port, nqn("xts"), work, hostnqn=host_nqn(9), rw="write", ops=nblocks, qd=8,
                        bs=bs, verify=True, seed=seed, size=nblocks * bs)
        r = run_loadgen(build, t.port, nqn("xts"), work, hostnqn=host_nqn(9), rw="randread", ops=2 * nblocks,
                        qd=8, bs=bs, verify=True, seed=seed, size=nblocks * bs)
        ok_io = no_errors("xts write", *w) and no_errors("xts read", *r)
        logged_key = key.hex()[:32] in t.log_text()
        ns = t.stats()["namespaces"][0]
    ios = ns["readOps"] + ns["writeOps"]
    check("zero_copy_file_io_uses_io_uring_fixed_buffers", ios == 3 * nblocks and ns["fixedBufferIos"] >= ios,
          "%d I/Os, %d backend operations from io_uring registered buffers" % (ios, ns["fixedBufferIos"]))
    check("xts_round_trip_through_target", ok_io, "%d blocks written and read back verified through the target"
          % nblocks)
    with open(backing, "rb") as f:
        stored = f.read(nblocks * bs)
    plain = b"".join(loadgen_pattern(seed, lba, bs) for lba in range(nblocks))
    decrypted = decrypt_blocks(key, 0, stored, bs)
    bad = [i for i in range(nblocks) if decrypted[i * bs:(i + 1) * bs] != plain[i * bs:(i + 1) * bs]]
    check("xts_backing_file_decrypts_with_openssl", len(stored) == nblocks * bs and not bad,
          "%d of %d blocks from the backing file decrypt (openssl aes-256-ecb composed into XTS, tweak = LBA) "
          "to the written data" % (nblocks - len(bad), nblocks))
    leaks = sum(1 for i in range(nblocks) if plain[i * bs + 64:i * bs + 96] in stored)
    check("xts_backing_file_never_holds_plaintext", leaks == 0 and stored != plain and not logged_key,
          "no 32-byte plaintext fragment of any block found in the file; key not in the log")


# ------------------------------------------------------------ copies per payload

def copies_for(build, work, mode, fallback="Degrade"):
    cfg = {
        "reactors": 2,
        "offload": {"mode": mode, "fallback": fallback},
        "subsystems": [subsystem("copies", "copies", host_nqn(7), size=16 << 20)],
        "tenants": [{"name": "copies"}],
    }
    with Target(build, cfg, work) as t:
        w = run_loadgen(build, t.port, nqn("copies"), work, hostnqn=host_nqn(7), rw="randrw", read_percent=50,
                        ops=4000, qd=16, bs=8192)
        st = t.stats()
    ns = st["namespaces"][0]
    ops = ns["readOps"] + ns["writeOps"]
    return no_errors(mode, *w), st["offloadMode"], ops, ns["payloadCopies"], ns["copiedBytes"], \
        ns["readBytes"] + ns["writeBytes"]


def test_copies(build, work):
    ok, mode, ops, copies, copied, moved = copies_for(build, work, "NonOffload")
    check("copies_non_offload_two_per_payload", ok and mode == "NonOffload" and ops == 4000 and copies == 2 * ops
          and copied == 2 * moved, "%s: %d I/Os, %d payload copies (%.2f per I/O), %d bytes copied"
          % (mode, ops, copies, copies / ops if ops else 0, copied))
    ok, mode, ops, copies, copied, _ = copies_for(build, work, "ZeroCopy")
    check("copies_zero_copy_none", ok and mode == "ZeroCopy" and ops == 4000 and copies == 0 and copied == 0,
          "%s: %d I/Os, %d payload copies" % (mode, ops, copies))
    ok, mode, ops, copies, _, _ = copies_for(build, work, "FullOffload", "Degrade")
    check("full_offload_without_provider_degrades", ok and mode == "ZeroCopy" and copies == 0,
          "FullOffload requested, no provider on this machine: running %s" % mode)
    cfg = {"offload": {"mode": "FullOffload", "fallback": "Fail"},
           "subsystems": [subsystem("fail", None, host_nqn(8))]}
    del cfg["subsystems"][0]["tenant"]
    try:
        with Target(build, cfg, work):
            refused = False
    except RuntimeError as e:
        refused = "offload.mode" in str(e) and "unavailable" in str(e)
    check("full_offload_without_provider_fails_when_policy_is_fail", refused,
          "dpu-target refuses to start and names offload.mode")


# ------------------------------------------------------------ remote chain

def wait_remote(t, state, timeout=20):
    deadline = time.time() + timeout
    r = None
    while time.time() < deadline:
        rs = t.stats().get("remotes", [])
        r = rs[0] if rs else None
        if r and r["state"] == state:
            return r
        time.sleep(0.2)
    return r


def test_remote(build, work):
    dpu_host = host_nqn(20)  # the first target's host NQN towards the second
    size, seed = 16 << 20, 77
    storage = {
        "reactors": 1,
        "offload": {"maxTransferBytes": 16384, "inCapsuleDataBytes": 4096},
        "subsystems": [subsystem("storage", None, dpu_host, size=64 << 20)],
    }
    del storage["subsystems"][0]["tenant"]
    with Target(build, storage, work) as b:
        dpu = {
            "reactors": 2,
            "hostNqn": dpu_host,
            "remotes": [{"name": "storage", "address": "127.0.0.1", "port": b.port, "subsystemNqn": nqn("storage"),
                         "headerDigest": True, "dataDigest": True, "ctrlLossTimeoutSeconds": 5}],
            "subsystems": [subsystem("dpu", "dpu", host_nqn(21), size=64 << 20, backend="nvme-tcp",
                                     remote="storage")],
            "tenants": [{"name": "dpu"}],
        }
        with Target(build, dpu, work) as a:
            r = wait_remote(a, "Connected")
            check("remote_chain_connects", r is not None and r["state"] == "Connected",
                  "the first target's remote: %s" % (r and {k: r[k] for k in ("state", "reason")}))
            w = run_loadgen(build, a.port, nqn("dpu"), work, hostnqn=host_nqn(21), rw="write", ops=size // 65536,
                            qd=8, bs=65536, verify=True, seed=seed, size=size, header_digest=True, data_digest=True)
            rd = run_loadgen(build, a.port, nqn("dpu"), work, hostnqn=host_nqn(21), rw="read", ops=size // 65536,
                             qd=8, bs=65536, verify=True, seed=seed, size=size, header_digest=True, data_digest=True)
            check("remote_chain_write_verify_through_the_first_target",
                  no_errors("write", *w) and no_errors("read back", *rd),
                  "%d MiB in 64 KiB commands (4x the remote's MDTS) written and read back verified, digests on"
                  % (size >> 20))
            direct = run_loadgen(build, b.port, nqn("storage"), work, hostnqn=dpu_host, rw="read",
                                 ops=size // 16384, qd=8, bs=16384, verify=True, seed=seed, size=size)
            check("remote_chain_remote_holds_what_the_host_wrote", no_errors("direct read", *direct),
                  "the second target's namespace, read directly, verifies against the host's pattern")
            r = a.stats()["remotes"][0]
            check("remote_chain_counts_forwarded_io",
                  r["writeBytes"] == size and r["readBytes"] == size and r["writeOps"] == size // 65536
                  and r["errorsTransport"] == 0 and r["errorsPath"] == 0 and r["latencyUs"]["p50"] > 0,
                  "forwarded %d writes / %d bytes, %d reads / %d bytes, round trip p50 %.0f us" % (
                      r["writeOps"], r["writeBytes"], r["readOps"], r["readBytes"], r["latencyUs"]["p50"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(os.path.dirname(__file__), "..", "..", "build"))
    ap.add_argument("--only", choices=["qos", "xts", "copies", "remote"])
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    with tempfile.TemporaryDirectory(prefix="dpd-e2e-") as work:
        for name, fn in (("xts", test_xts), ("copies", test_copies), ("remote", test_remote), ("qos", test_qos)):
            if args.only in (None, name):
                try:
                    fn(build, work)
                except Exception as e:  # a crashed check is a failed check, with its reason
                    check(name, False, "%s: %s" % (type(e).__name__, e))
    passed = sum(RESULTS)
    print("%d passed, %d failed" % (passed, len(RESULTS) - passed))
    return 0 if passed == len(RESULTS) and RESULTS else 1


if __name__ == "__main__":
    sys.exit(main())

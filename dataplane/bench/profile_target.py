#!/usr/bin/python3
"""Where a target's CPU goes per I/O: one workload against ours or SPDK's target, profiled.

The target runs as in peer_bench.py (pinned to --target-cpu, a RAM namespace, a fresh process),
spdk_nvme_perf drives it from --initiator-cpu, and while the I/O runs `perf record` samples the
target process (CPU clock; virtual machines often have no hardware counters) and `perf stat`
counts its system calls. The samples are grouped by what they pay for - the kernel's TCP send
and receive paths, system call entry, epoll, the scheduler, copies, our own code - and printed
per I/O next to the raw top symbols. A benchmark aid, not a test; nothing here asserts timing.

usage: profile_target.py --build dataplane/build [--target ours|spdk] [--polling Sleep|Adaptive|BusyPoll]
                         [--case randwrite:4096:1] [--digests] [--seconds 5] [--out DIR]
       profile_target.py --table DIR [DIR ...]     # a Markdown table of earlier runs' profile.json
Writes DIR/profile.json and DIR/perf.data (open it with `perf report -i`).
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
from peer_bench import HOST, NQN, POLLING, OurTarget, build_spdk, precondition  # noqa: E402
from run_bench import cpu_seconds, machine  # noqa: E402
from spdk_peer import Hugepages, SpdkTarget, run_perf  # noqa: E402

# Symbol -> what it pays for, first match wins. Kernel symbols are matched by the subsystem they
# belong to; anything not named lands in "other kernel" / "other user".
GROUPS = [
    ("scheduler and wake-ups", r"finish_task_switch|schedule|_raw_spin_unlock_irq|try_to_wake_up|"
                               r"ttwu|enqueue_task|dequeue_task|pick_next|update_curr|psi_"),
    ("epoll", r"epoll|ep_send_events|ep_poll|ep_item_poll|sock_poll|tcp_poll"),
    ("payload copies", r"memmove|memcpy|_copy_to_iter|_copy_from_iter|copy_user|rep_movs|"
                       r"__skb_datagram_iter|skb_copy_datagram"),
    ("CRC32C and AES-XTS", r"crc32|aes|xts|gf_"),
    ("TCP send", r"tcp_sendmsg|tcp_write_xmit|__tcp_transmit_skb|tcp_push|ip_queue_xmit|ip_finish_output|"
                 r"__dev_queue_xmit|dev_hard_start_xmit|loopback_xmit|sk_stream_alloc|__alloc_skb|tcp_skb|"
                 r"sendmsg|ip_output|ip_local_out|tcp_event|tcp_rate|bbr|tcp_cwnd|tcp_tso"),
    ("TCP receive", r"tcp_recvmsg|tcp_v4_rcv|tcp_rcv|tcp_ack|tcp_data|ip_rcv|ip_local_deliver|"
                    r"__netif_receive|netif_rx|process_backlog|net_rx_action|tcp_clean_rtx|skb_release|"
                    r"kfree_skb|__kfree_skb|skb_attempt_defer|skb_defer|recvmsg|tcp_cleanup_rbuf|"
                    r"__inet_lookup|tcp_queue_rcv|tcp_urg|tcp_event_data_recv"),
    ("netfilter", r"nf_|ipv4_conntrack|nf_conntrack"),
    ("system call entry and exit", r"do_syscall_64|entry_SYSCALL|syscall_exit|syscall_return|x64_sys_call|"
                                   r"__x64_sys|fdget|fput|__fget|exit_to_user|"
                                   r"__GI___pthread_disable_asynccancel|__GI___pthread_enable_asynccancel"),
    ("clock reads", r"clock_gettime|read_tsc|ktime_get"),
    ("page faults", r"page_fault|handle_mm_fault|clear_page|do_anonymous_page|filemap_map"),
]


def group_of(sym, kernel):
    for name, pattern in GROUPS:
        if re.search(pattern, sym):
            return name
    return "other kernel" if kernel else "other user space"


def perf_report(data_path):
    """[(percent, kernel?, symbol)] of the self time, from `perf report`."""
    out = subprocess.run(["perf", "report", "-i", data_path, "--no-children", "--sort", "sym", "-g", "none",
                          "--stdio", "--percent-limit", "0.05"], capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        m = re.match(r"\s*([\d.]+)%\s+\[([k.])\]\s+(\S+)", line)
        if m:
            rows.append((float(m.group(1)), m.group(2) == "k", m.group(3)))
    return rows


# System calls counted one by one (the rest only in the total).
COUNTED_SYSCALLS = ("epoll_wait", "recvmsg", "sendmsg", "recvfrom", "sendto", "readv", "writev", "io_uring_enter")


def drive(args, spdk_bin, t, rw, bs, qd, pid, tool):
    """One spdk_nvme_perf run against target t with `tool` (a perf command) attached to the target for
    the I/O alone; returns ({summary, ios, c0, c1, t0, t1}, the tool's stderr)."""
    marks, procs = {}, []

    def start():
        marks["c0"], marks["t0"] = cpu_seconds(pid), time.monotonic()
        procs.append(subprocess.Popen(tool, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))

    def end():
        marks["c1"], marks["t1"] = cpu_seconds(pid), time.monotonic()
        procs[0].send_signal(signal.SIGINT)

    rc, s, out = run_perf(spdk_bin, args.initiator_cpu, t.port, NQN, HOST, rw, bs, qd, args.seconds,
                          args.digests, os.path.join(args.out, "spdk_nvme_perf.log"), start, end)
    err = procs[0].communicate(timeout=120)[1] if procs else ""
    if rc != 0 or not s or "c1" not in marks:
        raise SystemExit("spdk_nvme_perf failed (%s):\n%s" % (rc, out[-1500:]))
    marks["summary"], marks["ios"] = s, s["iops"] * (marks["t1"] - marks["t0"])
    return marks, err


# Columns of --table: (heading, groups summed into it).
TABLE_COLUMNS = [
    ("payload copies", ("payload copies",)),
    ("TCP/IP + netfilter", ("TCP send", "TCP receive", "netfilter")),
    ("syscalls + epoll", ("system call entry and exit", "epoll")),
    ("wake-ups", ("scheduler and wake-ups",)),
    ("clock", ("clock reads",)),
    ("CRC/AES", ("CRC32C and AES-XTS",)),
    ("target's own code", ("other user space",)),
    ("other kernel", ("other kernel", "page faults")),
]


def table(dirs):
    """Markdown rows, cycles per I/O by column, of the profile.json in each of dirs."""
    out = ["| workload | target | IOPS | cycles/IO | %s | syscalls/IO |" % " | ".join(c for c, _ in TABLE_COLUMNS),
           "|---|---|---|---|%s---|" % ("---|" * len(TABLE_COLUMNS))]
    for d in dirs:
        with open(os.path.join(d, "profile.json")) as f:
            p = json.load(f)
        c, cyc = p["case"], p["cyclesPerIo"]
        cells = ["%.0f" % (cyc * sum(p["groups"].get(g, 0) for g in groups)) for _, groups in TABLE_COLUMNS]
        out.append("| %s %d KiB qd%d%s | %s | %.0f | %.0f | %s | %.2f |" % (
            c["rw"], c["bs"] // 1024, c["qd"], " +dig" if c["digests"] else "", p["target"], p["iops"], cyc,
            " | ".join(cells), p["syscallsPerIo"].get("all", 0)))
    return "\n".join(out)


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--table":
        print(table(sys.argv[2:]))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", required=True, help="dataplane build folder (dpu-target, dpu-loadgen)")
    ap.add_argument("--spdk", help="SPDK build folder (default: spdk/build.sh, instant once built)")
    ap.add_argument("--target", choices=("ours", "spdk"), default="ours")
    ap.add_argument("--mode", default="ZeroCopy", help="our offload mode")
    ap.add_argument("--polling", choices=POLLING, default="BusyPoll", help="our reactors' polling")
    ap.add_argument("--case", default="randwrite:4096:1", help="rw:block-size:queue-depth")
    ap.add_argument("--digests", action="store_true", help="header and data digests on")
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--target-cpu", type=int, default=0)
    ap.add_argument("--initiator-cpu", type=int, default=1)
    ap.add_argument("--top", type=int, default=15, help="top symbols to print")
    ap.add_argument("--out", default="build/profile")
    args = ap.parse_args()
    rw, bs, qd = args.case.split(":")
    bs, qd = int(bs), int(qd)
    spdk_bin = os.path.join(os.path.abspath(args.spdk or build_spdk()), "bin")
    os.makedirs(args.out, exist_ok=True)
    data_path = os.path.join(os.path.abspath(args.out), "perf.data")
    size = 256 << 20
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="dpd-profile-") as work, Hugepages(1024):
        if args.target == "ours":
            target = OurTarget(os.path.abspath(args.build), work, args.mode, args.polling, args.target_cpu, size)
        else:
            target = SpdkTarget(spdk_bin, work, NQN, args.target_cpu, size, 4096)
        with target as t:
            precondition(t, os.path.abspath(args.build), args.initiator_cpu, size)
            pid = t.proc.pid
            # Two windows of the same workload: the profile first, then the system call counts
            # (tracepoints cost the target time of their own, which must not show in the profile).
            marks, _ = drive(args, spdk_bin, t, rw, bs, qd, pid, ["perf", "record", "-q", "-F", "4999", "-g",
                                                                  "-p", str(pid), "-o", data_path])
            marks2, stat_err = drive(args, spdk_bin, t, rw, bs, qd, pid, ["perf", "stat", "-x", ",", "-e", ",".join(
                "syscalls:sys_enter_" + c for c in COUNTED_SYSCALLS) + ",raw_syscalls:sys_enter", "-p", str(pid)])
    counts = {}
    for line in stat_err.splitlines():
        f = line.split(",")
        if len(f) > 2 and f[0].isdigit():
            counts[f[2].replace("syscalls:sys_enter_", "").replace("raw_syscalls:sys_enter", "all")] = int(f[0])
    ios2 = marks2["ios"]
    syscalls = {k: v / ios2 for k, v in counts.items()} if ios2 else {}
    wall = marks["t1"] - marks["t0"]
    s, ios = marks["summary"], marks["ios"]
    cpu = marks["c1"] - marks["c0"]
    hz = machine()["cpuMHz"] * 1e6
    rows = perf_report(data_path)
    total = sum(p for p, _, _ in rows) or 1.0
    cycles_per_io = cpu * hz / ios if ios else 0
    groups = {}
    for p, k, sym in rows:
        g = group_of(sym, k)
        groups[g] = groups.get(g, 0.0) + p / total
    label = "ours %s %s" % (args.mode, args.polling) if args.target == "ours" else "SPDK"
    result = {"target": label, "case": {"rw": rw, "bs": bs, "qd": qd, "digests": args.digests},
              "iops": s["iops"], "latencyUs": s["latencyUs"], "targetCoreBusy": cpu / wall if wall else None,
              "cyclesPerIo": cycles_per_io, "syscallsPerIo": syscalls,
              "groups": {g: round(v, 4) for g, v in sorted(groups.items(), key=lambda x: -x[1])},
              "top": [{"percent": p, "kernel": k, "symbol": sym} for p, k, sym in rows[:args.top]],
              "perfData": data_path}
    with open(os.path.join(args.out, "profile.json"), "w") as f:
        json.dump(result, f, indent=1)
    print("%s, %s %d KiB qd%d%s: %.0f IOPS, p50 %.1f us, core %.0f%%, %.0f cycles/IO; system calls per I/O: %s" % (
        label, rw, bs // 1024, qd, " +digests" if args.digests else "", s["iops"], s["latencyUs"]["p50"] or 0,
        100 * (result["targetCoreBusy"] or 0), cycles_per_io,
        ", ".join("%s %.2f" % kv for kv in sorted(syscalls.items(), key=lambda kv: -kv[1]))))
    print("%-30s %7s %12s" % ("where the target's CPU goes", "share", "cycles/IO"))
    for g, v in result["groups"].items():
        print("%-30s %6.1f%% %12.0f" % (g, 100 * v, v * cycles_per_io))
    print("top symbols (self time):")
    for p, k, sym in rows[:args.top]:
        print("  %5.1f%%  [%s] %s" % (100 * p / total, "k" if k else "u", sym))
    print("wrote", os.path.join(args.out, "profile.json"), "and", data_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

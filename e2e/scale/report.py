#!/usr/bin/python3
"""Collects scenario.py results into OUT/scale.json, draws OUT/scale.png (convergence time and
operator memory against fleet size) and prints the Markdown table of docs/scale.md.

  report.py --out DIR RESULT.json...
Results for a size already in OUT/scale.json are replaced, others kept (sizes may be run apart).
"""
import argparse
import json
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

MIB = 1024 * 1024


def row(r):
    change = r.get("one_tenant_change", {})
    conv = r.get("convergence", {})
    op = conv.get("operator_requests", {})
    op_writes = sum(v for k, v in op.items() if k.split(" ")[1] in ("create", "update", "patch", "delete"))
    sizes = r.get("configmaps", {}).values()
    return [
        r["nodes"], r["tenants"], r.get("volumes_per_tenant", "?"), r.get("apply_seconds"),
        r.get("pools_ready_seconds"), r.get("pools_ready_after_apply_seconds"), r.get("all_nodes_applied_seconds"),
        f"{r['memory']['heap_bytes_peak_sampled'] / MIB:.0f}",
        f"{r['memory']['rss_bytes_peak_vmhwm'] / MIB:.0f}",
        sum(op.values()), op_writes,
        conv.get("reconciles", {}).get("DpuStoragePool"),
        sum(r.get("steady", {}).get("operator_writes", {}).values()),
        change.get("seconds_to_every_node"), change.get("reconciles", {}).get("DpuStoragePool"),
        len(change.get("pools_rerendered", [])),
        f"{max((s['object_bytes'] for s in sizes), default=0) / 1024:.0f}",
        f"{r['load_average_start'][0]:.1f} / {r.get('load_average_1min_max', 0):.1f} / {r['load_average_end'][0]:.1f}",
    ]


HEADER = ["nodes", "tenants", "vol/tenant", "kubectl apply (s)", "apply start → all pools Ready (s)",
          "apply end → all pools Ready (s)", "apply start → every node runs the final config (s)",
          "operator heap peak (MiB)", "operator RSS peak (MiB)", "operator API requests (converge)",
          "of them writes", "pool reconciles (converge)", "operator writes in 20 s steady",
          "limit change → every node of its pool (s)", "pool reconciles for the change", "pools re-rendered",
          "largest ConfigMap (KiB)", "load avg (1 min) start / max / end"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--agent", help="agent.py's result")
    ap.add_argument("results", nargs="*")
    a = ap.parse_args()
    path = os.path.join(a.out, "scale.json")
    runs = {}
    agent = None
    if os.path.exists(path):
        old = json.load(open(path))
        for r in old["runs"]:
            runs[r["nodes"]] = r
        agent = old.get("agent")
    if a.agent and os.path.exists(a.agent):
        agent = json.load(open(a.agent))
    for f in a.results:
        if os.path.exists(f):
            r = json.load(open(f))
            r.pop("memory_samples", None)
            runs[r["nodes"]] = r
    ordered = [runs[n] for n in sorted(runs)]
    with open(path, "w") as f:
        json.dump({"runs": ordered, "agent": agent}, f, indent=1)

    xs = [r["nodes"] for r in ordered]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    ax1.plot(xs, [r.get("pools_ready_seconds") or 0 for r in ordered], "o-", label="every pool Ready, from the start of apply")
    ax1.plot(xs, [r.get("pools_ready_after_apply_seconds") or 0 for r in ordered], "s--",
             label="every pool Ready, from the end of kubectl apply")
    ax1.axhline(60, color="grey", lw=0.8, ls=":", label="goal: 60 s")
    ax1.set_xlabel("DPU nodes (10 pools, one tenant per node)")
    ax1.set_ylabel("seconds from apply")
    ax1.set_title("Convergence")
    ax1.legend()
    ax2.plot(xs, [r["memory"]["rss_bytes_peak_vmhwm"] / MIB for r in ordered], "o-", label="RSS peak (VmHWM)")
    ax2.plot(xs, [r["memory"]["heap_bytes_peak_sampled"] / MIB for r in ordered], "s--", label="heap used peak")
    ax2.axhline(512, color="grey", lw=0.8, ls=":", label="goal: 512 MiB")
    ax2.set_xlabel("DPU nodes")
    ax2.set_ylabel("MiB")
    ax2.set_title("Operator memory")
    ax2.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(a.out, "scale.png"), dpi=90)

    if agent:
        print(f"agent: {agent['tenants']} tenants, {agent['namespaces']} namespaces, config {agent['config_bytes']} bytes: "
              f"applied {agent.get('start_to_applied_seconds')} s after start, RSS peak "
              f"{agent.get('rss_bytes_peak_vmhwm', 0) / MIB:.0f} MiB, heap {agent.get('heap_bytes_used', 0) / MIB:.0f} MiB; "
              f"scrape {agent['scrape']['series']} series, {agent['scrape']['bytes'] / MIB:.1f} MiB, "
              f"{agent['scrape']['seconds']} s; one-tenant change {agent.get('one_tenant_change_seconds')} s")
    print("| " + " | ".join(HEADER) + " |")
    print("|" + " --- |" * len(HEADER))
    for r in ordered:
        print("| " + " | ".join("-" if v is None else str(v) for v in row(r)) + " |")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Draws a preview PNG of each dashboard in dashboards/grafana/: every panel at its grid position,
from the same queries (template variables filled in from Prometheus as "All"), run against a real
Prometheus. It is a picture of what the dashboard shows, not Grafana: time series as lines (limit
series dashed), stats as numbers, tables as text.

  render.py --prometheus URL --out DIR [--minutes N]

Writes DIR/<dashboard>.png. Needs matplotlib (Debian: python3-matplotlib, installed by setup.sh).
"""
import argparse
import re
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.gridspec import GridSpec  # noqa: E402

import dashlib  # noqa: E402

UNIT_SCALE = {"Bps": (1 / 2**20, "MiB/s"), "bytes": (1 / 2**10, "KiB"), "s": (1e3, "ms"),
              "percentunit": (100, "%"), "iops": (1, "IOPS"), "ops": (1, "per s"), "none": (1, "")}


def legend(fmt, metric):
    text = re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: metric.get(m.group(1), ""), fmt or "")
    return text.strip() or ", ".join(f"{k}={v}" for k, v in metric.items() if k != "__name__") or "value"


def draw_timeseries(ax, panel, exprs, prom, start, end):
    scale, unit = UNIT_SCALE.get(panel["fieldConfig"]["defaults"]["unit"], (1, ""))
    limit_re = None
    for o in panel["fieldConfig"].get("overrides", []):
        limit_re = re.compile(o["matcher"]["options"])
    lines = 0
    for target, expr in exprs:
        data = prom.query_range(expr, start, end, 5)
        for s in data["result"]:
            xs = [(float(t) - end) / 60 for t, _ in s["values"]]
            ys = [float(v) * scale for _, v in s["values"]]
            name = legend(target.get("legendFormat"), s["metric"])
            dashed = limit_re is not None and limit_re.fullmatch(name)
            ax.plot(xs, ys, linestyle="--" if dashed else "-", color="red" if dashed else None,
                    linewidth=1.2, label=name[:40])
            lines += 1
    ax.set_xlabel("minutes", fontsize=6)
    if unit:
        ax.set_ylabel(unit, fontsize=6)
    ax.tick_params(labelsize=6)
    ax.grid(alpha=0.3)
    if lines:
        ax.legend(fontsize=5, loc="upper left", ncol=2 if lines > 4 else 1, framealpha=0.6)
    else:
        ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes)


def instant_rows(exprs, prom):
    rows = []
    for target, expr in exprs:
        for s in prom.query(expr)["result"]:
            rows.append((legend(target.get("legendFormat"), s["metric"]), s["metric"], float(s["value"][1])))
    return rows


def draw_stat(ax, panel, exprs, prom):
    scale, unit = UNIT_SCALE.get(panel["fieldConfig"]["defaults"]["unit"], (1, ""))
    rows = instant_rows(exprs, prom)
    ax.axis("off")
    if not rows:
        ax.text(0.5, 0.5, "no data", ha="center", va="center")
        return
    for i, (name, _, value) in enumerate(rows[:6]):
        x = (i + 0.5) / min(len(rows), 6)
        ax.text(x, 0.55, f"{value * scale:g}{(' ' + unit) if unit else ''}", ha="center", va="center",
                fontsize=16, color="#1f77b4", transform=ax.transAxes)
        ax.text(x, 0.2, name[:28], ha="center", va="center", fontsize=7, transform=ax.transAxes)


def draw_table(ax, exprs, prom):
    rows = instant_rows(exprs, prom)
    ax.axis("off")
    if not rows:
        ax.text(0.5, 0.5, "no data", ha="center", va="center")
        return
    keys = [k for k in rows[0][1] if k not in ("__name__", "job", "instance", "version")]
    cells = [[m.get(k, "") for k in keys] + [f"{v:g}"] for _, m, v in rows[:8]]
    t = ax.table(cellText=cells, colLabels=keys + ["value"], loc="center", cellLoc="left")
    t.auto_set_font_size(False)
    t.set_fontsize(6)


def render(file, dash, prom, out, minutes):
    regex, _ = dashlib.resolve_variables(dash, prom)
    panels = dash["panels"]
    rows = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in panels)
    fig = plt.figure(figsize=(16, rows / 8 * 3.0 + 0.8), dpi=72)
    grid = GridSpec(rows, 24, figure=fig, hspace=6, wspace=3, top=1 - 0.8 / (rows / 8 * 3.0 + 0.8))
    fig.suptitle(f"{dash['title']} - PREVIEW drawn by dashboards/tools/render.py from the sandbox's "
                 f"Prometheus (not Grafana)", fontsize=11, fontweight="bold")
    end = time.time()
    start = end - minutes * 60
    for p in panels:
        g = p["gridPos"]
        ax = fig.add_subplot(grid[g["y"]:g["y"] + g["h"] - 1, g["x"]:g["x"] + g["w"]])
        ax.set_title(p["title"], fontsize=8, loc="left")
        exprs = [(t, dashlib.substitute(t["expr"], regex)) for t in p["targets"]]
        if p["type"] == "timeseries":
            draw_timeseries(ax, p, exprs, prom, start, end)
        elif p["type"] == "stat":
            draw_stat(ax, p, exprs, prom)
        else:
            draw_table(ax, exprs, prom)
    path = Path(out) / file.replace(".json", ".png")
    fig.savefig(path)
    plt.close(fig)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prometheus", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--minutes", type=float, default=3)
    args = ap.parse_args()
    Path(args.out).mkdir(parents=True, exist_ok=True)
    prom = dashlib.Prometheus(args.prometheus)
    for file, dash in dashlib.grafana_dashboards():
        print(f"preview: {render(file, dash, prom, args.out, args.minutes)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

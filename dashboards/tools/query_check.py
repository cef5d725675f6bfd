#!/usr/bin/env python3
"""Runs every query of every panel of every dashboard in dashboards/grafana/ against a real
Prometheus, with the template variables filled in from Prometheus (as Grafana does with "All"),
and fails unless every query returns at least one finite value. Also checks that every metric
name used by a dashboard or an alert rule is in a real scrape, and that Prometheus has loaded the
generated rules without evaluation errors.

  query_check.py --prometheus URL [--metrics-url URL ...]

Prints one line per query and "coverage: N queries run, M returning data (P%)"; exit 1 below 100%
or on any other failure. e2e/dashboards-live.sh runs it in the sandbox while I/O runs.
"""
import argparse
import re
import sys
import urllib.request

import yaml

import dashlib


def scraped_names(urls):
    names = set()
    for url in urls:
        with urllib.request.urlopen(url, timeout=30) as r:
            for line in r.read().decode().splitlines():
                m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", line)
                if m:
                    names.add(m.group(1))
    return names


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prometheus", required=True)
    ap.add_argument("--metrics-url", action="append", default=[],
                    help="a /metrics endpoint whose names count as 'in a real scrape' (repeat)")
    args = ap.parse_args()
    prom = dashlib.Prometheus(args.prometheus)
    problems = []

    run = with_data = 0
    for file, dash in dashlib.grafana_dashboards():
        try:
            regex, values = dashlib.resolve_variables(dash, prom)
        except Exception as e:  # noqa: BLE001 - reported, counted as failure
            problems.append(f"{file}: template variables: {e}")
            continue
        for name, vals in values.items():
            print(f"{'PASS' if vals else 'FAIL'}  {file}: ${name} = {', '.join(vals) or 'no values'}")
            if not vals:
                problems.append(f"{file}: variable ${name} has no values")
        for panel, target in dashlib.panel_queries(dash):
            expr = dashlib.substitute(target["expr"], regex)
            run += 1
            where = f"{file}: {panel['title']} [{target['refId']}]"
            try:
                data = prom.query(expr)
                n = dashlib.finite_samples(data)
                detail = f"{len(data['result'])} series, {n} finite values"
            except Exception as e:  # noqa: BLE001
                n, detail = 0, f"query error: {e}"
            if n > 0:
                with_data += 1
                print(f"PASS  {where}: {detail}")
            else:
                print(f"FAIL  {where}: {detail}\n      {expr}")

    # Metric names: from the dashboards and the rules, each one in a real scrape.
    used = {}
    for file, dash in dashlib.grafana_dashboards():
        for _, t in dashlib.panel_queries(dash):
            for n in dashlib.metric_names(t["expr"]):
                used.setdefault(n, file)
    for rule, expr in dashlib.rule_exprs():
        for n in dashlib.metric_names(expr):
            used.setdefault(n, f"rule {rule}")
    if args.metrics_url:
        scraped = scraped_names(args.metrics_url)
        missing = []
        used = {n: w for n, w in used.items() if ":" not in n}  # recording rules: not scraped
        for n in sorted(used):
            if n in ("up", "ALERTS"):  # made by Prometheus itself: ask it
                ok = bool(prom.query(f"count({n})")["result"])
            elif n.endswith("_"):
                ok = any(s.startswith(n) for s in scraped)
            else:
                ok = n in scraped
            if not ok:
                missing.append(f"{n} (used by {used[n]})")
        print(f"{'PASS' if not missing else 'FAIL'}  metric names in a real scrape: "
              f"{len(used) - len(missing)} of {len(used)}" + (f"; missing: {', '.join(missing)}" if missing else ""))
        if missing:
            problems.append("metric names not in any scrape: " + ", ".join(missing))

    # The rules Prometheus loaded: every generated group, no evaluation errors.
    want = {g["name"]: len(g["rules"]) for g in yaml.safe_load(dashlib.RULES.read_text())["groups"]}
    loaded = {g["name"]: g for g in prom.rules()["groups"]}
    for name, count in want.items():
        g = loaded.get(name)
        if g is None:
            problems.append(f"rule group {name} not loaded by Prometheus")
            continue
        bad = [f"{r['name']}: {r.get('lastError')}" for r in g["rules"] if r.get("health") != "ok"]
        if len(g["rules"]) != count or bad:
            problems.append(f"rule group {name}: {len(g['rules'])} of {count} rules loaded; unhealthy: {bad}")
    firing = prom.query('count by (alertname, alertstate) (ALERTS{alertname=~"Dpu.*"})')["result"]
    states = ", ".join(f"{s['metric']['alertname']} {s['metric']['alertstate']}" for s in firing) or "none"
    print(f"{'PASS' if not any(p.startswith('rule group') for p in problems) else 'FAIL'}  "
          f"rules loaded: {sum(want.values())} rules in {len(want)} groups; alerts now: {states}")

    pct = 100.0 * with_data / run if run else 0.0
    print(f"coverage: {run} queries run, {with_data} returning data ({pct:.1f}%)")
    if with_data < run:
        problems.append(f"{run - with_data} queries returned no data")
    for p in problems:
        print(f"problem: {p}", file=sys.stderr)
    return 1 if problems or run == 0 else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The static checks of dashboards/, no Prometheus needed (dashboards/check.sh runs them):

  generated    grafana/*.json and generated/*.yaml match their sources (tools/generate.py)
  structure    each dashboard: uid/title/schemaVersion, a `datasource` variable of type
               datasource, every panel and query on ${datasource} (no hard-coded data source
               UID), unique panel ids, grid positions inside the 24-column grid and not
               overlapping, every panel with at least one non-empty query, every $variable
               used defined and every variable defined used
  metrics      every metric name in a dashboard query or a rule is listed in docs/metrics.md
  alerts       every alert has severity (critical|warning|info), summary, description and a
               runbook_url whose anchor exists in docs/runbooks.md; every runbook section
               belongs to an alert
  tests        every alert has a firing and a non-firing case in tests/alerts.test.yaml
  prometheusrule  the PrometheusRule carries exactly the groups of the plain rule file
  component    (when kubectl is given) the kustomize component builds: one ConfigMap per
               dashboard labelled grafana_dashboard: "1" holding that dashboard, and the
               PrometheusRule

  check.py [--kubectl PATH]

Prints one line per check and "N passed, M failed"; exit 1 when any failed.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

import dashlib
import generate

results = []


def check(name, problems, detail=""):
    ok = not problems
    results.append(ok)
    print(f"{'PASS' if ok else 'FAIL'}  {name:<16} {detail if ok else '; '.join(problems)}")


def check_generated():
    stale = [rel for rel, content in generate.outputs().items()
             if not (dashlib.DASHBOARDS / rel).exists() or (dashlib.DASHBOARDS / rel).read_text() != content]
    extra = [p.name for p in dashlib.GRAFANA.glob("*.json")
             if f"grafana/{p.name}" not in generate.outputs()]
    problems = [f"dashboards/{s} is stale: run python3 dashboards/tools/generate.py" for s in stale]
    problems += [f"dashboards/grafana/{e} has no source in src/dashboards.py" for e in extra]
    check("generated", problems, f"{len(generate.outputs())} files match their sources")


def overlaps(a, b):
    return (a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"]
            and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"])


def structure_problems(file, d):
    p = []
    for key in ("uid", "title", "schemaVersion", "panels", "templating"):
        if not d.get(key):
            p.append(f"{file}: no {key}")
    if p:
        return p
    if d["schemaVersion"] < 36:
        p.append(f"{file}: schemaVersion {d['schemaVersion']} predates data source variables in panels")
    variables = {v["name"]: v for v in d["templating"]["list"]}
    ds = variables.get("datasource")
    if not ds or ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        p.append(f"{file}: no `datasource` variable of type datasource (query prometheus)")
    ds_ref = {"type": "prometheus", "uid": "${datasource}"}
    for v in variables.values():
        if v["type"] == "query" and v.get("datasource") != ds_ref:
            p.append(f"{file}: variable {v['name']} not on ${{datasource}}")
    ids, grids, used = set(), [], set()
    for panel in d["panels"]:
        where = f"{file}: panel {panel.get('id')} {panel.get('title')!r}"
        if panel.get("id") in ids:
            p.append(f"{where}: duplicate id")
        ids.add(panel.get("id"))
        g = panel.get("gridPos") or {}
        if not all(isinstance(g.get(k), int) for k in "xywh") or g["w"] <= 0 or g["h"] <= 0 \
                or g["x"] < 0 or g["y"] < 0 or g["x"] + g["w"] > 24:
            p.append(f"{where}: bad gridPos {g}")
        else:
            for other_title, og in grids:
                if overlaps(g, og):
                    p.append(f"{where}: overlaps {other_title!r}")
            grids.append((panel.get("title"), g))
        if panel.get("type") == "row":
            continue
        if panel.get("datasource") != ds_ref:
            p.append(f"{where}: data source {panel.get('datasource')} is not ${{datasource}}")
        targets = panel.get("targets") or []
        if not targets or not all((t.get("expr") or "").strip() for t in targets):
            p.append(f"{where}: a panel without a query, or an empty query")
        for t in targets:
            if t.get("datasource") != ds_ref:
                p.append(f"{where} [{t.get('refId')}]: data source {t.get('datasource')} is not ${{datasource}}")
            used.update(re.findall(r"\$(\w+)", t.get("expr", "")))
    for v in variables.values():
        if v["type"] == "query":
            used.update(re.findall(r"\$(\w+)", v["query"]["query"]))
    builtin = {"__rate_interval", "__interval", "__range", "1"}
    for name in sorted(used - set(variables) - builtin):
        p.append(f"{file}: ${name} used but not defined")
    for name in sorted(set(variables) - used - {"datasource"}):
        p.append(f"{file}: variable {name} defined but never used")
    text = json.dumps(d)
    for m in re.finditer(r'"uid":\s*"([^"]*)"', text):
        if m.group(1) not in (d["uid"], "${datasource}"):
            p.append(f"{file}: hard-coded uid {m.group(1)!r}")
    return p


def check_structure():
    problems, panels = [], 0
    uids = {}
    for file, d in dashlib.grafana_dashboards():
        problems += structure_problems(file, d)
        panels += len(d.get("panels", []))
        if d.get("uid") in uids:
            problems.append(f"{file}: uid {d['uid']} also used by {uids[d['uid']]}")
        uids[d.get("uid")] = file
    check("structure", problems, f"{len(uids)} dashboards, {panels} panels")


def check_metrics():
    doc = dashlib.METRICS_DOC.read_text()
    used = {}
    for file, d in dashlib.grafana_dashboards():
        for _, t in dashlib.panel_queries(d):
            for n in dashlib.metric_names(t["expr"]):
                used.setdefault(n, file)
    for rule, expr in dashlib.rule_exprs():
        for n in dashlib.metric_names(expr):
            used.setdefault(n, f"rule {rule}")
    recorded = {r["record"] for g in yaml.safe_load(dashlib.RULES.read_text())["groups"]
                for r in g["rules"] if "record" in r}
    missing = []
    for n, w in sorted(used.items()):
        if ":" in n:  # a recording rule's series: must be recorded by our rules
            if n not in recorded:
                missing.append(f"{n} (used by {w}) is recorded by no rule")
        elif not dashlib.documented_name(n, doc):
            missing.append(f"{n} (used by {w}) is not in docs/metrics.md")
    check("metrics", missing, f"{len(used)} metric names: in docs/metrics.md, or recorded by a rule")


def alerts():
    return [r for g in yaml.safe_load(dashlib.RULES.read_text())["groups"] for r in g["rules"] if "alert" in r]


def check_alerts():
    problems = []
    anchors = dashlib.runbook_anchors()
    base = dashlib.alert_source()["runbookBase"]
    linked = set()
    for a in alerts():
        name = a["alert"]
        if a.get("labels", {}).get("severity") not in ("critical", "warning", "info"):
            problems.append(f"{name}: severity {a.get('labels', {}).get('severity')!r}")
        ann = a.get("annotations", {})
        for key in ("summary", "description", "runbook_url"):
            if not (ann.get(key) or "").strip():
                problems.append(f"{name}: no {key}")
        url = ann.get("runbook_url", "")
        if not url.startswith(base + "#"):
            problems.append(f"{name}: runbook_url {url!r} is not into docs/runbooks.md")
            continue
        anchor = url.split("#", 1)[1]
        linked.add(anchor)
        if anchor not in anchors:
            problems.append(f"{name}: runbook anchor #{anchor} does not exist in docs/runbooks.md")
    # Sections of docs/runbooks.md named after an alert must belong to one that exists.
    for anchor in sorted(a for a in anchors if a.startswith("dpu") and a not in linked):
        problems.append(f"docs/runbooks.md#{anchor} belongs to no alert")
    check("alerts", problems, f"{len(alerts())} alerts with severity, summary, description and an existing runbook anchor")


def check_tests():
    tests = yaml.safe_load(dashlib.ALERT_TESTS.read_text())
    firing, quiet = set(), set()
    for t in tests.get("tests", []):
        for c in t.get("alert_rule_test", []):
            (firing if c.get("exp_alerts") else quiet).add(c["alertname"])
    problems = []
    for a in alerts():
        if a["alert"] not in firing:
            problems.append(f"{a['alert']} has no firing case in tests/alerts.test.yaml")
        if a["alert"] not in quiet:
            problems.append(f"{a['alert']} has no non-firing case in tests/alerts.test.yaml")
    check("tests", problems, f"{len(alerts())} alerts, each with a firing and a non-firing case")


def check_prometheus_rule():
    plain = yaml.safe_load(dashlib.RULES.read_text())["groups"]
    cr = yaml.safe_load(dashlib.PROMETHEUS_RULE.read_text())
    problems = []
    if cr.get("apiVersion") != "monitoring.coreos.com/v1" or cr.get("kind") != "PrometheusRule":
        problems.append("generated/prometheusrule.yaml is not a monitoring.coreos.com/v1 PrometheusRule")
    if cr.get("spec", {}).get("groups") != plain:
        problems.append("the PrometheusRule's groups differ from generated/rules.yaml")
    check("prometheusrule", problems, "same groups as generated/rules.yaml")


def check_component(kubectl):
    with tempfile.TemporaryDirectory() as tmp:
        rel = os.path.relpath(dashlib.DASHBOARDS, tmp)  # kustomize wants it relative
        Path(tmp, "kustomization.yaml").write_text(
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: monitoring\n"
            f"components: [{rel}]\n")
        run = subprocess.run([kubectl, "kustomize", tmp], capture_output=True, text=True)
    if run.returncode != 0:
        check("component", [f"kubectl kustomize failed: {run.stderr.strip()}"])
        return
    objs = [o for o in yaml.safe_load_all(run.stdout) if o]
    problems = []
    maps = [o for o in objs if o["kind"] == "ConfigMap"]
    dashboards = dict(dashlib.grafana_dashboards())
    seen = set()
    for m in maps:
        if m["metadata"].get("labels", {}).get("grafana_dashboard") != "1":
            problems.append(f"ConfigMap {m['metadata']['name']} lacks the label grafana_dashboard: \"1\"")
        if m["metadata"].get("namespace") != "monitoring":
            problems.append(f"ConfigMap {m['metadata']['name']} does not take the including namespace")
        for key, value in m.get("data", {}).items():
            if key not in dashboards or json.loads(value) != dashboards[key]:
                problems.append(f"ConfigMap {m['metadata']['name']}: {key} is not dashboards/grafana/{key}")
            seen.add(key)
    for missing in sorted(set(dashboards) - seen):
        problems.append(f"no ConfigMap holds dashboards/grafana/{missing}")
    rules = [o for o in objs if o["kind"] == "PrometheusRule"]
    plain = yaml.safe_load(dashlib.RULES.read_text())["groups"]
    if len(rules) != 1 or rules[0]["spec"]["groups"] != plain:
        problems.append("the component does not carry exactly the generated PrometheusRule")
    check("component", problems, f"{len(maps)} ConfigMaps labelled grafana_dashboard=1 and the PrometheusRule")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kubectl", help="kubectl to build the kustomize component with (skipped without)")
    args = ap.parse_args()
    check_generated()
    check_structure()
    check_metrics()
    check_alerts()
    check_tests()
    check_prometheus_rule()
    if args.kubectl:
        check_component(args.kubectl)
    failed = results.count(False)
    print(f"{results.count(True)} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

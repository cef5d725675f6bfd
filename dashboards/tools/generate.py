#!/usr/bin/env python3
"""Writes the generated files of dashboards/ from their sources:

  src/dashboards.py -> grafana/<name>.json          (Grafana dashboards, current schema)
  src/alerts.yaml   -> generated/rules.yaml         (plain Prometheus rule file)
                    -> generated/prometheusrule.yaml (the same groups as a PrometheusRule)

python3 dashboards/tools/generate.py          write them
python3 dashboards/tools/generate.py --check  fail (exit 1) naming every file that is stale
"""
import json
import sys

import dashlib

SCHEMA_VERSION = 39
GRID_WIDTH = 24
PANEL_HEIGHT = 8
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}


# ----------------------------------------------------------------- dashboards

def variable(name, query):
    return {
        "name": name,
        "label": name,
        "type": "query",
        "datasource": DATASOURCE,
        "definition": query,
        "query": {"query": query, "refId": f"{name}-values"},
        "refresh": 2,
        "multi": True,
        "includeAll": True,
        "allValue": ".*",
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
        "sort": 1,
        "hide": 0,
    }


def field_config(p):
    defaults = {"unit": p["unit"]}
    if p["kind"] == "timeseries":
        defaults["custom"] = {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10, "showPoints": "never"}
    overrides = []
    if p["limit_series"]:
        overrides.append({
            "matcher": {"id": "byRegexp", "options": p["limit_series"]},
            "properties": [
                {"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [10, 10]}},
                {"id": "custom.fillOpacity", "value": 0},
                {"id": "color", "value": {"mode": "fixed", "fixedColor": "red"}},
            ],
        })
    return {"defaults": defaults, "overrides": overrides}


def grafana_panel(p, pid, x, y, w):
    out = {
        "id": pid,
        "type": p["kind"],
        "title": p["title"],
        "description": p["description"],
        "datasource": DATASOURCE,
        "gridPos": {"x": x, "y": y, "w": w, "h": PANEL_HEIGHT},
        "fieldConfig": field_config(p),
        "targets": [
            {
                "refId": chr(ord("A") + i),
                "datasource": DATASOURCE,
                "expr": q["expr"],
                "legendFormat": q["legend"],
                "instant": p["kind"] != "timeseries",
                "range": p["kind"] == "timeseries",
                **({"format": "table"} if p["kind"] == "table" else {}),
            }
            for i, q in enumerate(p["queries"])
        ],
    }
    if p["kind"] == "timeseries":
        out["options"] = {"legend": {"displayMode": "list", "placement": "bottom"}, "tooltip": {"mode": "multi"}}
    elif p["kind"] == "stat":
        out["options"] = {"reduceOptions": {"calcs": ["lastNotNull"]}, "textMode": "value_and_name"}
    return out


def dashboard(d):
    panels, pid, y = [], 1, 0
    for row in d["rows"]:
        fixed = sum(p["width"] or 0 for p in row)
        free = [p for p in row if not p["width"]]
        share = (GRID_WIDTH - fixed) // len(free) if free else 0
        x = 0
        for p in row:
            w = p["width"] or share
            panels.append(grafana_panel(p, pid, x, y, w))
            pid, x = pid + 1, x + w
        y += PANEL_HEIGHT
    templating = [{
        "name": "datasource",
        "label": "Data source",
        "type": "datasource",
        "query": "prometheus",
        "current": {},
        "hide": 0,
        "refresh": 1,
    }] + [variable(n, q) for n, q in d["variables"]]
    return {
        "uid": d["uid"],
        "title": d["title"],
        "description": d["description"],
        "tags": ["dpu-offload"],
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "editable": True,
        "graphTooltip": 1,
        "time": {"from": "now-1h", "to": "now"},
        "refresh": "30s",
        "timezone": "",
        "annotations": {"list": []},
        "links": [{"type": "dashboards", "tags": ["dpu-offload"], "asDropdown": True, "title": "DPU offload"}],
        "templating": {"list": templating},
        "panels": panels,
    }


# --------------------------------------------------------------------- alerts

def slo_expr(slo):
    """Per-pool p99 thresholds: listed pools first, every other pool the default."""
    parts = [
        'label_replace(label_replace(vector({s}), "namespace", "{n}", "", ""), "pool", "{p}", "", "")'.format(
            s=p["seconds"], n=p["namespace"], p=p["pool"])
        for p in slo.get("pools", [])
    ]
    parts.append(f'max by (namespace, pool) (dpu_agent_ready) * 0 + {slo["defaultSeconds"]}')
    return "\n  or\n".join(parts)


def rule_groups(src):
    groups = [{
        "name": "dpu-offload-recording",
        "rules": [
            {
                "record": "dpu:pool_io_latency_p99_seconds:rate5m",
                "expr": "histogram_quantile(0.99, sum by (namespace, pool, le) "
                        '(rate(dpu_dataplane_io_latency_seconds_bucket{stage="e2e"}[5m])))',
            },
            {"record": "dpu:pool_io_latency_p99_slo_seconds", "expr": slo_expr(src["latencySlo"])},
        ],
    }]
    for g in src["groups"]:
        rules = []
        for a in g["rules"]:
            rules.append({
                "alert": a["alert"],
                "expr": a["expr"],
                "for": a["for"],
                "labels": {"severity": a["severity"]},
                "annotations": {
                    "summary": a["summary"],
                    "description": a["description"],
                    "runbook_url": f'{src["runbookBase"]}#{a["runbook"]}',
                },
            })
        groups.append({"name": g["name"], "rules": rules})
    return groups


HEADER = "# Generated by dashboards/tools/generate.py from dashboards/src/alerts.yaml - do not edit.\n"


def outputs():
    """{path relative to dashboards/: content} of every generated file."""
    files = {}
    for d in dashlib.dashboard_sources():
        files[f"grafana/{d['file']}"] = json.dumps(dashboard(d), indent=2) + "\n"
    src = dashlib.alert_source()
    groups = rule_groups(src)
    files["generated/rules.yaml"] = HEADER + dashlib.yaml_dump({"groups": groups})
    rule = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {
            "name": "dpu-offload",
            "labels": {"app.kubernetes.io/name": "dpu-offload", "app.kubernetes.io/component": "monitoring"},
        },
        "spec": {"groups": groups},
    }
    files["generated/prometheusrule.yaml"] = HEADER + dashlib.yaml_dump(rule)
    return files


def main(argv):
    check = "--check" in argv
    stale = []
    for rel, content in outputs().items():
        path = dashlib.DASHBOARDS / rel
        current = path.read_text() if path.exists() else None
        if current == content:
            continue
        if check:
            stale.append(rel)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)
            print(f"wrote dashboards/{rel}")
    if stale:
        print("stale generated files (run python3 dashboards/tools/generate.py): "
              + ", ".join(f"dashboards/{s}" for s in stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""What the dashboards/ tools share: paths, the sources, the queries of the generated dashboards,
metric names in PromQL, and a small Prometheus HTTP API client. Python 3 and PyYAML only."""
import importlib.util
import json
import math
import re
import urllib.parse
import urllib.request
from pathlib import Path

import yaml

DASHBOARDS = Path(__file__).resolve().parent.parent
REPO = DASHBOARDS.parent
GRAFANA = DASHBOARDS / "grafana"
RULES = DASHBOARDS / "generated" / "rules.yaml"
PROMETHEUS_RULE = DASHBOARDS / "generated" / "prometheusrule.yaml"
ALERT_TESTS = DASHBOARDS / "tests" / "alerts.test.yaml"
METRICS_DOC = REPO / "docs" / "metrics.md"
RUNBOOKS_DOC = REPO / "docs" / "runbooks.md"

# What Grafana puts in for $__rate_interval with a 5 s scrape interval is 4 x 15 s at most; the
# tools use one minute, the window the docs' own examples use.
RATE_INTERVAL = "1m"


def dashboard_sources():
    spec = importlib.util.spec_from_file_location("dashboards_src", DASHBOARDS / "src" / "dashboards.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.DASHBOARDS


def alert_source():
    return yaml.safe_load((DASHBOARDS / "src" / "alerts.yaml").read_text())


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper, s):
    style = "|" if "\n" in s else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", s, style=style)


_Dumper.add_representer(str, _str)


def yaml_dump(obj):
    return yaml.dump(obj, Dumper=_Dumper, sort_keys=False, width=120, allow_unicode=True)


def grafana_dashboards():
    """[(file name, dashboard JSON)] of the generated dashboards, sorted by name."""
    return [(p.name, json.loads(p.read_text())) for p in sorted(GRAFANA.glob("*.json"))]


def panel_queries(dash):
    """[(panel, target)] of every query of every panel."""
    return [(p, t) for p in dash.get("panels", []) for t in p.get("targets", [])]


def rule_exprs():
    """[(name, expr)] of every rule of the generated rule file."""
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [(r.get("alert") or r.get("record"), r["expr"]) for g in groups for r in g["rules"]]


_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or",
             "unless", "offset", "inf", "nan",
             # aggregation operators, which may stand before by/without instead of "("
             "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
             "bottomk", "topk", "quantile"}


def metric_names(expr):
    """Metric names in a PromQL expression: every identifier that is not a function, keyword,
    label or duration. A name ending in "_" is a prefix from a {__name__=~"prefix_.+"} selector;
    names with a colon are recording rules."""
    names = set()
    for m in re.finditer(r'__name__\s*=~\s*"([a-zA-Z0-9_:]+)\.\+"', expr):
        names.add(m.group(1))
    bare = _QUOTED.sub('""', expr)
    bare = re.sub(r"\{[^}]*\}", " ", bare)                     # label matchers
    bare = re.sub(r"\[[^\]]*\]", " ", bare)                    # range and subquery windows
    bare = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", r"\1", bare)
    for m in re.finditer(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()", bare):
        if m.group(1) not in _KEYWORDS:
            names.add(m.group(1))
    return names


def documented_name(name, doc_text):
    """True when docs/metrics.md lists the metric (histogram series by their base name, prefixes
    as `prefix<...>`)."""
    if name.endswith("_"):
        return f"`{name}<" in doc_text
    candidates = [name] + [name[: -len(s)] for s in ("_bucket", "_count", "_sum") if name.endswith(s)]
    return any(f"`{c}`" in doc_text for c in candidates)


def github_anchor(heading):
    """The anchor GitHub gives a Markdown heading."""
    a = heading.strip().lower()
    a = re.sub(r"[^\w\- ]", "", a)
    return a.replace(" ", "-")


def runbook_anchors():
    anchors = set()
    for line in RUNBOOKS_DOC.read_text().splitlines():
        if line.startswith("#"):
            anchors.add(github_anchor(line.lstrip("#")))
    return anchors


# ----------------------------------------------------------- Prometheus client

class Prometheus:
    def __init__(self, url):
        self.url = url.rstrip("/")

    def _get(self, path, params):
        q = urllib.parse.urlencode(params, doseq=True)
        with urllib.request.urlopen(f"{self.url}{path}?{q}", timeout=30) as r:
            body = json.load(r)
        if body.get("status") != "success":
            raise RuntimeError(f"{path} {params}: {body.get('error')}")
        return body["data"]

    def query(self, expr, time=None):
        params = {"query": expr}
        if time is not None:
            params["time"] = time
        return self._get("/api/v1/query", params)

    def query_range(self, expr, start, end, step):
        return self._get("/api/v1/query_range", {"query": expr, "start": start, "end": end, "step": step})

    def label_values(self, match, label):
        return sorted(self._get(f"/api/v1/label/{label}/values", {"match[]": match}))

    def rules(self):
        return self._get("/api/v1/rules", {})


def finite_samples(data):
    """Number of finite values in a query result (vector, matrix or scalar)."""
    kind, result = data["resultType"], data["result"]
    if kind == "scalar":
        return 1 if math.isfinite(float(result[1])) else 0
    n = 0
    for series in result:
        values = series.get("values") or [series.get("value")]
        n += sum(1 for v in values if v and math.isfinite(float(v[1])))
    return n


_LABEL_VALUES = re.compile(r"^label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$")


def resolve_variables(dash, prom):
    """Fills the dashboard's query variables the way Grafana does with "All" selected: each
    one's label_values() query (earlier variables filled in) gives its values, joined into a
    regex. Returns ({name: regex}, {name: [values]}); a variable without values maps to None."""
    regex, values = {}, {}
    for v in dash["templating"]["list"]:
        if v["type"] != "query":
            continue
        m = _LABEL_VALUES.match(v["query"]["query"])
        if not m:
            raise ValueError(f"{dash['title']}: variable {v['name']}: not a label_values() query")
        match = substitute(m.group(1), regex)
        vals = prom.label_values(match, m.group(2))
        values[v["name"]] = vals
        regex[v["name"]] = "|".join(re.escape(x) for x in vals) if vals else None
    return regex, values


def substitute(expr, regex):
    out = expr.replace("$__rate_interval", RATE_INTERVAL)
    for name in sorted(regex, key=len, reverse=True):
        if regex[name] is not None:
            out = out.replace(f"${name}", regex[name].replace("\\", "\\\\"))
    return out

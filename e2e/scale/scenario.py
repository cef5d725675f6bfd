#!/usr/bin/python3
"""The scale scenario on a running scale cluster (e2e/scale/cluster.sh): apply a fleet, wait for
convergence, watch a steady state, change one tenant, and measure all along.

  scenario.py --dir STATE --kubectl KUBECTL --operator-pid PID --operator-url URL --out RESULT.json
              [--timeout S] [--steady S] [--check]

Measured (RESULT.json): time from apply to every pool Ready (and to every ConfigMap rendered and
every node up to date, as the simulated agents saw it); the operator's peak RSS (/proc VmHWM and
sampled VmRSS) and peak heap (jvm_memory_used_bytes{area="heap"} at /q/metrics); API requests by
resource and verb (the API server's apiserver_request_total, before/after) and, from the audit
log, the operator's own requests; reconciles per controller (operator_sdk_reconciliations_started_total);
writes by the operator in a steady window; for a change of one TenantQoS's limits: the time until
every node of its pool reported the new generation, the reconciles and writes it caused, and
whether any other pool's ConfigMap changed; the ConfigMap size per pool.
With --check, the counts a test can assert (never timings) are checked and the exit status says
whether they held: every pool converged, zero operator writes in the steady window, the one-tenant
change re-rendered exactly its pool and reached every node of it.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request

OPERATOR_USER = "system:serviceaccount:dpu-offload-system:dpu-offload-operator"
OPERATOR_AGENT = "fabric8-kubernetes-client/"
WRITE_VERBS = {"create", "update", "patch", "delete", "deletecollection"}
NS = "scale"


def log(msg):
    print(f"[scale] {msg}", file=sys.stderr, flush=True)


class Cluster:
    def __init__(self, kubectl, kubeconfig):
        self.base = [kubectl, "--kubeconfig", kubeconfig]

    def run(self, *args, stdin=None):
        r = subprocess.run(self.base + list(args), input=stdin, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"kubectl {' '.join(args)}: {r.stderr.strip()[:500]}")
        return r.stdout

    def get(self, *args):
        return json.loads(self.run("get", "-o", "json", *args))

    def request_counts(self):
        """apiserver_request_total summed by (resource[/subresource], verb), long-running watches included."""
        counts = {}
        for line in self.run("get", "--raw", "/metrics").splitlines():
            if not line.startswith("apiserver_request_total{"):
                continue
            labels = dict(re.findall(r'(\w+)="([^"]*)"', line[: line.rindex("}")]))
            res = labels.get("resource", "") + ("/" + labels["subresource"] if labels.get("subresource") else "")
            key = f"{res or '(non-resource)'} {labels.get('verb', '')}"
            counts[key] = counts.get(key, 0) + float(line.rsplit(" ", 1)[1])
        return counts


def delta(after, before):
    out = {k: int(v - before.get(k, 0)) for k, v in after.items() if v - before.get(k, 0) > 0}
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


class Audit:
    """Reads the API server's audit log (JSON lines) from an offset: requests by who, verb, resource."""

    def __init__(self, path):
        self.path = path

    def offset(self):
        return os.path.getsize(self.path) if os.path.exists(self.path) else 0

    def requests(self, start, end=None):
        events = []
        with open(self.path, "rb") as f:
            f.seek(start)
            data = f.read() if end is None else f.read(end - start)
        for raw in data.splitlines():
            try:
                e = json.loads(raw)
            except ValueError:
                continue  # a line still being written
            if e.get("stage") != "ResponseComplete":
                continue
            user = (e.get("impersonatedUser") or e.get("user") or {}).get("username", "")
            ref = e.get("objectRef") or {}
            res = ref.get("resource", "") + ("/" + ref["subresource"] if ref.get("subresource") else "")
            events.append({"user": user, "agent": e.get("userAgent", ""), "verb": e.get("verb", ""),
                           "resource": res, "name": ref.get("name", ""), "namespace": ref.get("namespace", ""),
                           "code": (e.get("responseStatus") or {}).get("code", 0)})
        return events

    @staticmethod
    def operator(events):
        # The operator's kubeconfig impersonates its service account, but the fabric8 client does
        # not send the impersonation headers from a kubeconfig's "as:" (the audit log shows the
        # admin user); it is the only fabric8 client here, so its user agent names it as well.
        return [e for e in events if e["user"] == OPERATOR_USER or e["agent"].startswith(OPERATOR_AGENT)]

    @staticmethod
    def by_verb(events):
        out = {}
        for e in events:
            k = f"{e['resource']} {e['verb']}"
            out[k] = out.get(k, 0) + 1
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))

    @staticmethod
    def writes(events):
        return [e for e in events if e["verb"] in WRITE_VERBS]


class OperatorProbe:
    """Samples the operator's memory every second (RSS from /proc, heap from its metrics)."""

    def __init__(self, pid, url):
        self.pid, self.url = pid, url
        self.peak_rss = self.peak_heap = self.peak_load = 0
        self.samples = []
        self.stop = threading.Event()
        threading.Thread(target=self.loop, daemon=True).start()

    def metrics(self):
        with urllib.request.urlopen(self.url + "/q/metrics", timeout=10) as r:
            return r.read().decode()

    def heap(self, text):
        return sum(float(l.rsplit(" ", 1)[1]) for l in text.splitlines()
                   if l.startswith("jvm_memory_used_bytes{") and 'area="heap"' in l)

    def reconciles(self):
        out = {}
        for l in self.metrics().splitlines():
            if l.startswith("operator_sdk_reconciliations_started_total{"):
                kind = re.search(r'kind="([^"]*)"', l).group(1)
                out[kind] = out.get(kind, 0) + float(l.rsplit(" ", 1)[1])
        return out

    def status(self):
        fields = {}
        with open(f"/proc/{self.pid}/status") as f:
            for l in f:
                k, _, v = l.partition(":")
                fields[k] = v.strip()
        return int(fields["VmRSS"].split()[0]) * 1024, int(fields["VmHWM"].split()[0]) * 1024

    def loop(self):
        while not self.stop.is_set():
            try:
                rss, _ = self.status()
                heap = self.heap(self.metrics())
                self.peak_rss, self.peak_heap = max(self.peak_rss, rss), max(self.peak_heap, heap)
                self.samples.append((round(time.time(), 1), rss, heap))
                self.peak_load = max(self.peak_load, os.getloadavg()[0])
            except Exception:
                pass
            self.stop.wait(1)

    def summary(self):
        rss, hwm = self.status()
        return {"rss_bytes_now": rss, "rss_bytes_peak_vmhwm": hwm, "rss_bytes_peak_sampled": self.peak_rss,
                "heap_bytes_peak_sampled": int(self.peak_heap)}


class SimLog:
    """The agent simulator's observations (agentsim.py's JSON lines)."""

    def __init__(self, path):
        self.path = path

    def events(self):
        out = []
        with open(self.path) as f:
            for l in f:
                if l.startswith("{"):
                    try:
                        out.append(json.loads(l))
                    except ValueError:
                        pass
        return out

    def first(self, event, **match):
        for e in self.events():
            if e["event"] == event and all(e.get(k) == v for k, v in match.items()):
                return e
        return None


def apply_fleet(k, path, tmp, workers):
    """Namespace, Secret and profiles first, then pools and tenants from WORKERS concurrent
    server-side applies (as a GitOps tool syncing a large application does)."""
    with open(path) as f:
        docs = [d for d in f.read().split("\n---\n") if d.strip()]
    base = [d for d in docs if json.loads(d)["kind"] in ("Namespace", "Secret", "OffloadProfile")]
    rest = [d for d in docs if d not in base]
    k.run("apply", "--server-side", "-f", "-", stdin="\n---\n".join(base))
    procs = []
    for w in range(workers):
        part = rest[w::workers]
        if not part:
            continue
        chunk = os.path.join(tmp, f"fleet-part-{w}.yaml")
        with open(chunk, "w") as f:
            f.write("\n---\n".join(part))
        procs.append(subprocess.Popen(k.base + ["apply", "--server-side", "-f", chunk],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
    for p in procs:
        _, err = p.communicate()
        if p.returncode != 0:
            raise RuntimeError(f"kubectl apply: {err.strip()[:500]}")


def wait_for(what, timeout, fn, every=1.0):
    start = time.time()
    last = None
    while time.time() - start < timeout:
        try:
            ok, last = fn()
        except RuntimeError as e:
            ok, last = False, str(e)
        if ok:
            return True, last
        time.sleep(every)
    log(f"{what}: not reached after {timeout}s (last: {last})")
    return False, last


def cond(obj, type_):
    for c in (obj.get("status") or {}).get("conditions") or []:
        if c["type"] == type_:
            return c
    return {}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--kubectl", required=True)
    ap.add_argument("--operator-pid", type=int, required=True)
    ap.add_argument("--operator-url", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--settle", type=float, default=10, help="seconds after convergence before the steady window")
    ap.add_argument("--steady", type=float, default=20, help="seconds of the steady window")
    ap.add_argument("--apply-workers", type=int, default=4, help="concurrent kubectl applies of pools and tenants")
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()

    k = Cluster(a.kubectl, os.path.join(a.dir, "control-plane", "admin.kubeconfig"))
    audit = Audit(os.path.join(a.dir, "audit.log"))
    sim = SimLog(os.path.join(a.dir, "agentsim.log"))
    with open(os.path.join(a.dir, "fleet.json")) as f:
        layout = json.load(f)
    pools = sorted(layout["pools"])
    nodes = sum(len(v) for v in layout["pools"].values())
    tenants = sum(len(v) for v in layout["tenants"].values())
    probe = OperatorProbe(a.operator_pid, a.operator_url)
    result = {"nodes": nodes, "pools": len(pools), "tenants": tenants, "load_average_start": os.getloadavg()}
    checks = []

    def check(name, ok, detail=""):
        checks.append({"check": name, "ok": bool(ok), "detail": detail})
        log(f"{'PASS' if ok else 'FAIL'} {name}{': ' + str(detail) if detail else ''}")

    # 1. Apply everything at once, as Argo CD would.
    req0, aud0, rec0 = k.request_counts(), audit.offset(), probe.reconciles()
    t0 = time.time()
    log(f"applying {len(pools)} pools, {tenants} tenants for {nodes} nodes")
    apply_fleet(k, os.path.join(a.dir, "fleet.yaml"), a.dir, a.apply_workers)
    result["apply_seconds"] = round(time.time() - t0, 2)
    result["apply_workers"] = a.apply_workers

    def all_ready():
        items = k.get("dpustoragepools", "-n", NS)["items"]
        ready = [p for p in items if cond(p, "Ready").get("status") == "True"
                 and (p.get("status") or {}).get("observedGeneration") == p["metadata"]["generation"]]
        return len(ready) == len(pools), f"{len(ready)} of {len(pools)} pools Ready"

    ds_ready = {}

    def all_ready_and_pods():
        # When every agent pod (kwok's fakes, made by the real DaemonSet controller) was ready.
        if "t" not in ds_ready:
            items = k.get("daemonsets", "-n", NS)["items"]
            if len(items) == len(pools) and all(
                    (d.get("status") or {}).get("numberReady", 0) == len(layout["pools"][d["metadata"]["labels"]["storage.dpu.dev/pool"]])
                    for d in items):
                ds_ready["t"] = time.time()
        return all_ready()

    ok, last = wait_for("every pool Ready", a.timeout, all_ready_and_pods)
    t_ready = time.time()
    result["daemonset_pods_ready_seconds"] = round(ds_ready["t"] - t0, 2) if "t" in ds_ready else None
    result["pools_ready_seconds"] = round(t_ready - t0, 2) if ok else None
    result["pools_ready_after_apply_seconds"] = round(t_ready - t0 - result["apply_seconds"], 2) if ok else None
    check("every pool converges (Ready, every node up to date)", ok, last)
    # The last generation each pool was rendered in before Ready, and when it was seen and applied.
    seen = {}
    applied = {}
    for e in sim.events():
        if e["event"] == "seen" and e["t"] <= t_ready:
            seen[e["pool"]] = (e["generation"], e["t"])
    for e in sim.events():
        if e["event"] == "applied" and e["pool"] in seen and e["generation"] == seen[e["pool"]][0]:
            applied[e["pool"]] = e["t"]
    result["config_generations_until_ready"] = {p: g for p, (g, _) in sorted(seen.items())}
    seen = {p: t for p, (_, t) in seen.items()}
    result["all_configmaps_rendered_seconds"] = round(max(seen.values()) - t0, 2) if len(seen) == len(pools) else None
    result["all_nodes_applied_seconds"] = round(max(applied.values()) - t0, 2) if len(applied) == len(pools) else None

    def tenants_ready():
        items = k.get("tenantqoses", "-n", NS)["items"]
        n = sum(1 for t in items if cond(t, "Ready").get("status") == "True")
        return n == tenants, f"{n} of {tenants} TenantQoS Ready"

    ok, last = wait_for("every TenantQoS Ready", 120, tenants_ready)
    check("every TenantQoS Ready", ok, last)
    volumes = sum(layout.get("volumes", {}).values())

    def volumes_ready():
        items = k.get("dpuvolumes", "-n", NS)["items"]
        n = sum(1 for v in items if cond(v, "Ready").get("status") == "True")
        served = {p["metadata"]["name"]: (p.get("status") or {}).get("volumesServed")
                  for p in k.get("dpustoragepools", "-n", NS)["items"]}
        short = {p: (s, layout["volumes"][p]) for p, s in served.items() if s != layout.get("volumes", {}).get(p)}
        return n == volumes and not short, f"{n} of {volumes} DpuVolumes Ready; pools serving fewer: {short}"

    ok, last = wait_for("every DpuVolume Ready", 120, volumes_ready)
    result["volumes"] = volumes
    check(f"every DpuVolume Ready ({volumes}) and every pool serves all of its volumes", ok, last)
    aud1 = audit.offset()
    req1, rec1 = k.request_counts(), probe.reconciles()
    conv = audit.requests(aud0, aud1)
    result["convergence"] = {
        "apiserver_requests": delta(req1, req0),
        "operator_requests": Audit.by_verb(Audit.operator(conv)),
        "simulated_agent_requests": Audit.by_verb([e for e in conv if e["agent"] == "dpu-agent-sim"]),
        "reconciles": {kind: int(v - rec0.get(kind, 0)) for kind, v in rec1.items()},
    }
    result["memory_after_convergence"] = probe.summary()

    # 2. Steady state: nothing changes, so the operator must not write.
    time.sleep(a.settle)
    s0, r0 = audit.offset(), probe.reconciles()
    time.sleep(a.steady)
    s1, r1 = audit.offset(), probe.reconciles()
    steady = audit.requests(s0, s1)
    # The leader election's Lease renewals are the only writes a steady operator must make.
    op_writes = [e for e in Audit.writes(Audit.operator(steady)) if e["resource"] != "leases"]
    result["steady"] = {
        "seconds": a.steady,
        "operator_writes": Audit.by_verb(op_writes),
        "operator_lease_renewals": len([e for e in Audit.writes(Audit.operator(steady)) if e["resource"] == "leases"]),
        "operator_requests": Audit.by_verb(Audit.operator(steady)),
        "all_requests": Audit.by_verb(steady),
        "reconciles": {kind: int(v - r0.get(kind, 0)) for kind, v in r1.items()},
    }
    check(f"zero operator writes in {a.steady:.0f} s of steady state (leader Lease renewals aside)", not op_writes,
          ", ".join(f"{e['verb']} {e['resource']} {e['name']}" for e in op_writes[:10]))

    # 3. One tenant's limit changes: only its pool is re-rendered, every node of it applies it.
    def generations():
        out = {}
        for cm in k.get("configmaps", "-n", NS, "-l", "app.kubernetes.io/component=config")["items"]:
            out[cm["metadata"]["labels"]["storage.dpu.dev/pool"]] = int(
                cm["metadata"]["annotations"]["storage.dpu.dev/generation"])
        return out

    pool0 = pools[0]
    tenant = layout["tenants"][pool0][0]
    gen_before = generations()
    c0, cr0 = audit.offset(), probe.reconciles()
    t1 = time.time()
    k.run("patch", "tenantqos", "-n", NS, tenant, "--type", "merge", "-p",
          json.dumps({"spec": {"limits": {"totalIops": 12345}}}))

    def pool0_applied():
        e = None
        for ev in sim.events():
            if ev["event"] == "applied" and ev["pool"] == pool0 and ev["generation"] > gen_before[pool0] and ev["t"] >= t1:
                e = ev
                break
        return e is not None, e

    ok, ev = wait_for(f"every node of {pool0} applying the new generation", 120, pool0_applied, every=0.2)
    change = {"tenant": tenant, "pool": pool0}
    if ok:
        change["seconds_to_every_node"] = round(ev["t"] - t1, 2)
        seen_ev = sim.first("seen", pool=pool0, generation=ev["generation"])
        change["seconds_to_configmap"] = round(seen_ev["t"] - t1, 2) if seen_ev else None
    check(f"the limit change of {tenant} reaches every node of {pool0}", ok)
    # Let the node states' echo settle (pool status), then count what the change caused.
    ok, _ = wait_for("pool Ready again", 120, all_ready)
    time.sleep(a.settle)
    c1, cr1 = audit.offset(), probe.reconciles()
    gen_after = generations()
    changed = sorted(p for p in pools if gen_after.get(p) != gen_before.get(p))
    ops = audit.requests(c0, c1)
    cm_writes = [e for e in Audit.writes(Audit.operator(ops)) if e["resource"] == "configmaps"]
    change.update({
        "pools_rerendered": changed,
        "operator_writes": Audit.by_verb(Audit.writes(Audit.operator(ops))),
        "configmap_writes": [e["name"] for e in cm_writes],
        "reconciles": {kind: int(v - cr0.get(kind, 0)) for kind, v in cr1.items()},
    })
    result["one_tenant_change"] = change
    check(f"a one-tenant change re-renders exactly one pool ({pool0})", changed == [pool0], f"changed: {changed}")
    check("and writes exactly one ConfigMap", [e for e in cm_writes] and {e["name"] for e in cm_writes} == {f"{pool0}-dataplane"},
          f"ConfigMap writes: {[e['name'] for e in cm_writes]}")
    # Besides that ConfigMap the change may write status (pool, tenant) and Events, nothing else:
    # the DaemonSet, Services and RBAC objects did not change.
    other = [e for e in Audit.writes(Audit.operator(ops))
             if e["resource"] not in ("configmaps", "leases", "events")
             and not e["resource"].endswith("/status")]
    check("and no other object (DaemonSet, Service, RBAC)", not other,
          ", ".join(sorted({f"{e['verb']} {e['resource']} {e['name']}" for e in other})[:10]))

    # 3b. One DpuVolume grows: the same for a volume object - its pool only, nothing but status else.
    pool1 = pools[1 % len(pools)]
    volume = f"{layout['tenants'][pool1][0]}-v0"
    gen_before = generations()
    v0, vr0 = audit.offset(), probe.reconciles()
    t2 = time.time()
    k.run("patch", "dpuvolume", "-n", NS, volume, "--type", "merge", "-p", json.dumps({"spec": {"size": "512Mi"}}))

    def pool1_applied():
        for ev in sim.events():
            if ev["event"] == "applied" and ev["pool"] == pool1 and ev["generation"] > gen_before[pool1] and ev["t"] >= t2:
                return True, ev
        return False, None

    ok, ev = wait_for(f"every node of {pool1} applying the grown volume", 120, pool1_applied, every=0.2)
    vchange = {"volume": volume, "pool": pool1}
    if ok:
        vchange["seconds_to_every_node"] = round(ev["t"] - t2, 2)
    check(f"the size change of DpuVolume {volume} reaches every node of {pool1}", ok)
    ok, _ = wait_for("pool Ready again", 120, all_ready)
    time.sleep(a.settle)
    v1, vr1 = audit.offset(), probe.reconciles()
    gen_after = generations()
    changed = sorted(p for p in pools if gen_after.get(p) != gen_before.get(p))
    vops = Audit.writes(Audit.operator(audit.requests(v0, v1)))
    vchange.update({
        "pools_rerendered": changed,
        "operator_writes": Audit.by_verb(vops),
        "reconciles": {kind: int(v - vr0.get(kind, 0)) for kind, v in vr1.items()},
    })
    result["one_volume_change"] = vchange
    check(f"a one-volume change re-renders exactly one pool ({pool1})", changed == [pool1], f"changed: {changed}")
    other = [e for e in vops if e["resource"] not in ("configmaps", "leases", "events")
             and not e["resource"].endswith("/status")]
    check("and writes no other object than its ConfigMap and status", not other
          and {e["name"] for e in vops if e["resource"] == "configmaps"} == {f"{pool1}-dataplane"},
          ", ".join(sorted({f"{e['verb']} {e['resource']} {e['name']}" for e in vops})[:10]))

    # 4. ConfigMap size per pool (the object as stored, and the configuration inside).
    sizes = {}
    for cm in k.get("configmaps", "-n", NS, "-l", "app.kubernetes.io/component=config")["items"]:
        p = cm["metadata"]["labels"]["storage.dpu.dev/pool"]
        cm.get("metadata", {}).pop("managedFields", None)
        seen_sizes = [e for e in sim.events() if e["event"] == "seen" and e["pool"] == p]
        sizes[p] = {"object_bytes": len(json.dumps(cm)),
                    "config_bytes": seen_sizes[-1]["bytes"] if seen_sizes else None,
                    "compressed": bool(cm.get("binaryData"))}
    result["configmaps"] = sizes
    bad = [e for e in sim.events() if e["event"] == "bad"]
    check("every ConfigMap the agents read matches its config hash", not bad, bad[:3])
    # The operator's own metrics: how many series, and none naming a pool or tenant.
    text = probe.metrics()
    series = [l for l in text.splitlines() if l and not l.startswith("#")]
    named = [l for l in series if re.search(r'="(pool|tenant)-[0-9]', l)]
    result["operator_metrics"] = {"series": len(series), "bytes": len(text), "series_naming_objects": len(named)}
    check("the operator's metrics name no pool or tenant", not named, named[:3])
    result["memory"] = probe.summary()
    result["memory_samples"] = probe.samples
    result["load_average_end"] = os.getloadavg()
    result["load_average_1min_max"] = round(probe.peak_load, 2)
    result["checks"] = checks
    probe.stop.set()
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)
    failed = [c for c in checks if not c["ok"]]
    log(f"{len(checks) - len(failed)} checks passed, {len(failed)} failed; results in {a.out}")
    if a.check and failed:
        sys.exit(1)


if __name__ == "__main__":
    main()

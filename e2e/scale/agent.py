#!/usr/bin/python3
"""One real agent at fleet size, for the scale benchmark: the packaged agent (standalone mode, the
same apply path as in a cluster) with a configuration of T tenants and T x V RAM namespaces.

  agent.py --java JAVA --jar AGENT_JAR --library LIBDPUDP --dir DIR --port HTTP --nvme-port PORT
           [--tenants 1000] [--volumes 4] --out RESULT.json

Measured: time from start to the configuration applied (health ready and the tenants' limits in
/q/metrics), the agent's RSS (VmHWM) and heap, five /q/metrics scrapes (series in all and `dpu_*`
series by family, bytes, seconds of each), and the time a change of one tenant's limit takes to be
applied (the new generation in the readiness check) and to show in the metrics (the config file is
polled every 200 ms: up to that much of both figures is the poll), with the RSS after it.
"""
import argparse
import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.request


def config(tenants, volumes, nvme_port, limit_of_first=10000):
    subsystems, limits = [], []
    for t in range(tenants):
        name = f"tenant-{t:04d}"
        subsystems.append({
            "nqn": f"nqn.2024-01.dev.dpu:storage.pool-scale.{name}", "tenant": name, "allowAnyHost": False,
            "hosts": [f"nqn.2014-08.org.nvmexpress:uuid:5ca1e000-0000-4000-8000-{t:012d}"],
            "namespaces": [{"nsid": v + 1, "volume": f"{name}-v{v}", "backend": "ram",
                            "sizeBytes": 16 << 20, "blockSize": 512} for v in range(volumes)]})
        limits.append({"name": name, "limits": {"totalIops": limit_of_first if t == 0 else 10000 + t,
                                                 "burstIops": 40000}})
    return {"pool": "pool-scale", "listen": {"address": "127.0.0.1", "port": nvme_port}, "reactors": 1,
            "subsystems": subsystems, "tenants": limits}


def scrape(port):
    start = time.time()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/q/metrics", timeout=60) as r:
        text = r.read().decode()
    return text, time.time() - start


def generation(port):
    """The configuration generation the agent serves, from its readiness check's data (no scrape)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/q/health/ready", timeout=10) as r:
            body = json.loads(r.read().decode())
    except urllib.error.HTTPError as e:
        body = json.loads(e.read().decode() or "{}")
    except OSError:
        return None
    for check in body.get("checks", []):
        if "generation" in check.get("data", {}):
            return int(check["data"]["generation"])
    return None


def limit_of(text, tenant):
    m = re.search(r'dpu_dataplane_tenant_limit\{[^}]*tenant="' + tenant + r'"[^}]*limit="total_iops"[^}]*\} (\S+)', text)
    if not m:
        m = re.search(r'dpu_dataplane_tenant_limit\{[^}]*limit="total_iops"[^}]*tenant="' + tenant + r'"[^}]*\} (\S+)', text)
    return float(m.group(1)) if m else None


def vm(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for a in ("--java", "--jar", "--library", "--dir", "--out"):
        ap.add_argument(a, required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--nvme-port", type=int, required=True)
    ap.add_argument("--tenants", type=int, default=1000)
    ap.add_argument("--volumes", type=int, default=4)
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    path = os.path.join(a.dir, "dataplane.json")
    with open(path, "w") as f:
        json.dump(config(a.tenants, a.volumes, a.nvme_port), f, indent=2)
    result = {"tenants": a.tenants, "namespaces": a.tenants * a.volumes, "config_bytes": os.path.getsize(path)}
    log = open(os.path.join(a.dir, "agent.log"), "w")
    t0 = time.time()
    proc = subprocess.Popen([a.java, "-Xmx256m", f"-Ddpu.agent.config-file={path}",
                             "-Ddpu.agent.config-poll-interval=200ms", f"-Ddpu.dataplane.library={a.library}",
                             "-Dquarkus.http.host=127.0.0.1", f"-Dquarkus.http.port={a.port}", "-jar", a.jar],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        last = "tenant-%04d" % (a.tenants - 1)
        deadline = time.time() + 300
        while time.time() < deadline:
            try:
                text, _ = scrape(a.port)
                if limit_of(text, last) is not None:
                    break
            except OSError:
                pass
            if proc.poll() is not None:
                raise SystemExit(f"agent exited with {proc.returncode}; see {a.dir}/agent.log")
            time.sleep(0.2)
        else:
            raise SystemExit(f"agent did not apply the configuration within 300 s; see {a.dir}/agent.log")
        result["start_to_applied_seconds"] = round(time.time() - t0, 2)
        result["rss_bytes_after_apply"] = vm(proc.pid, "VmRSS")
        times = []
        for _ in range(5):
            text, secs = scrape(a.port)
            times.append(round(secs, 3))
        series = [l for l in text.splitlines() if l and not l.startswith("#")]
        by_family = {}
        for l in series:
            fam = re.split(r"[{ ]", l, 1)[0]
            fam = re.sub(r"_(bucket|sum|count)$", "", fam)
            by_family[fam] = by_family.get(fam, 0) + 1
        result["scrape"] = {"series": len(series), "dpu_series": sum(1 for l in series if l.startswith("dpu_")),
                            "bytes": len(text), "seconds": sorted(times)[len(times) // 2], "seconds_each": times,
                            "largest_families": dict(sorted(by_family.items(), key=lambda kv: -kv[1])[:8]),
                            "dpu_families": {k: v for k, v in sorted(by_family.items()) if k.startswith("dpu_")}}
        # One tenant's limit changes: the new limit in the metrics means it was applied.
        with open(path + ".new", "w") as f:
            json.dump(config(a.tenants, a.volumes, a.nvme_port, limit_of_first=12345), f, indent=2)
        served = generation(a.port)
        t1 = time.time()
        os.replace(path + ".new", path)
        while time.time() - t1 < 60:
            g = generation(a.port)
            if g is not None and served is not None and g > served:
                # Applied: the readiness check reports the new generation (the 200 ms file poll included).
                result["one_tenant_change_applied_seconds"] = round(time.time() - t1, 2)
                break
            time.sleep(0.02)
        while time.time() - t1 < 60:
            text, _ = scrape(a.port)
            if limit_of(text, "tenant-0000") == 12345:
                result["one_tenant_change_seconds"] = round(time.time() - t1, 2)
                result["rss_bytes_after_change"] = vm(proc.pid, "VmRSS")
                break
            time.sleep(0.05)
        result["rss_bytes_peak_vmhwm"] = vm(proc.pid, "VmHWM")
        heap = sum(float(l.rsplit(" ", 1)[1]) for l in text.splitlines()
                   if l.startswith("jvm_memory_used_bytes{") and 'area="heap"' in l)
        result["heap_bytes_used"] = int(heap)
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Simulated DPU agents for the scale benchmark: one process standing in for every node's agent.

What a real agent does towards the API server, and nothing more (no data path, no JVM per node):
  - watch its pool's rendered ConfigMap (<pool>-dataplane; one watch over all of them here),
  - read dataplane.json (or its compressed form, dataplane.json.gz) and check it against the
    config-hash annotation, as the agent does before applying,
  - after a short "apply" delay, write its DpuNodeState with server-side apply under the field
    manager dpu-agent: the resource (spec) and then the status subresource, two requests, with
    the applied generation and hash and a Ready condition,
  - rewrite the same state every --resync seconds (the agent's dpu.agent.node-state-resync, 60 s).

Nodes and pools come from a JSON file: {"namespace": ..., "pools": {"<pool>": ["node", ...]}}.
Every observation is one JSON line on stdout: {"t": epoch seconds, "event": ..., ...}:
  seen      pool, generation, hash, bytes, compressed   the ConfigMap generation arrived
  applied   pool, generation, nodes                     every node of the pool wrote it
  bad       pool, generation, why                       the payload did not match its hash
  error     why                                         a request failed (retried)
"""
import argparse
import base64
import gzip
import hashlib
import http.client
import json
import queue
import random
import ssl
import sys
import threading
import time
import urllib.parse

GROUP_PATH = "/apis/storage.dpu.dev/v1alpha1"
CONFIG_KEY = "dataplane.json"
COMPRESSED_KEY = "dataplane.json.gz"
GENERATION = "storage.dpu.dev/generation"
HASH = "storage.dpu.dev/config-hash"
SELECTOR = "app.kubernetes.io/managed-by=dpu-offload-operator,app.kubernetes.io/component=config"

out_lock = threading.Lock()


def emit(event, **fields):
    fields = {"t": round(time.time(), 3), "event": event, **fields}
    with out_lock:
        sys.stdout.write(json.dumps(fields) + "\n")
        sys.stdout.flush()


class Api:
    """One keep-alive HTTPS connection per thread to the API server, admin client certificate."""

    def __init__(self, server, ca, cert, key):
        u = urllib.parse.urlparse(server)
        self.host, self.port = u.hostname, u.port or 443
        self.ctx = ssl.create_default_context(cafile=ca)
        self.ctx.load_cert_chain(cert, key)
        self.local = threading.local()

    def conn(self, timeout=30):
        c = getattr(self.local, "conn", None)
        if c is None:
            c = http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=timeout)
            self.local.conn = c
        return c

    def request(self, method, path, body=None, content_type="application/json"):
        for attempt in range(2):
            c = self.conn()
            try:
                headers = {"User-Agent": "dpu-agent-sim", "Accept": "application/json"}
                if body is not None:
                    headers["Content-Type"] = content_type
                c.request(method, path, body=body, headers=headers)
                r = c.getresponse()
                data = r.read()
                return r.status, data
            except (http.client.HTTPException, OSError):
                c.close()
                self.local.conn = None
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def stream(self, path):
        c = http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=3600)
        c.request("GET", path, headers={"User-Agent": "dpu-agent-sim", "Accept": "application/json"})
        return c, c.getresponse()


def decode_config(cm):
    """The config text the agent would apply, as DataplaneContract reads it (plain or gzip)."""
    data = cm.get("data") or {}
    binary = cm.get("binaryData") or {}
    if CONFIG_KEY in data:
        return data[CONFIG_KEY], False
    if COMPRESSED_KEY in binary:
        return gzip.decompress(base64.b64decode(binary[COMPRESSED_KEY])).decode("utf-8"), True
    return None, False


class Fleet:
    def __init__(self, api, namespace, pools, apply_delay, workers, resync):
        self.api, self.ns, self.pools = api, namespace, pools
        self.apply_delay, self.resync = apply_delay, resync
        self.node_pool = {n: p for p, nodes in pools.items() for n in nodes}
        self.applied = {}  # node -> (generation, hash) it reports
        self.target = {}  # pool -> (generation, hash) last seen
        self.pending = {}  # (pool, generation) -> nodes still to write it
        self.queued = set()  # nodes with a write waiting: more changes meanwhile make no second one
        self.lock = threading.Lock()
        self.work = queue.Queue()
        for _ in range(workers):
            threading.Thread(target=self.worker, daemon=True).start()

    # One node's agent, after applying: spec first (creates the object), then status.
    def write_state(self, node):
        pool = self.node_pool[node]
        with self.lock:
            gen, digest = self.applied.get(node, (0, ""))
        base = f"{GROUP_PATH}/namespaces/{self.ns}/dpunodestates/{node}"
        q = "?fieldManager=dpu-agent&force=true"
        obj = {
            "apiVersion": "storage.dpu.dev/v1alpha1",
            "kind": "DpuNodeState",
            "metadata": {"name": node, "namespace": self.ns,
                         "labels": {"app.kubernetes.io/managed-by": "dpu-agent", "storage.dpu.dev/pool": pool}},
            "spec": {"nodeName": node, "pool": pool},
        }
        status, body = self.api.request("PATCH", base + q, json.dumps(obj), "application/apply-patch+yaml")
        if status >= 300:
            raise RuntimeError(f"apply {node}: HTTP {status}: {body[:200]!r}")
        observed = json.loads(body)["metadata"].get("generation", 1)
        status_obj = {
            "apiVersion": "storage.dpu.dev/v1alpha1",
            "kind": "DpuNodeState",
            "metadata": {"name": node, "namespace": self.ns},
            "status": {
                "capabilities": {"aesNi": True, "vaes": False, "crc32c": True, "ioUring": True, "offloadProviders": []},
                "reactors": 1,
                "effectiveOffloadMode": "ZeroCopy",
                "listenerAddress": "0.0.0.0:4420",
                "observedGeneration": observed,
                "conditions": [{
                    "type": "Ready", "status": "True", "reason": "Serving",
                    "message": "The data path serves the configuration.",
                    "observedGeneration": observed, "lastTransitionTime": "2026-01-01T00:00:00Z"}],
            },
        }
        if gen > 0:
            status_obj["status"]["appliedConfigGeneration"] = gen
            status_obj["status"]["appliedConfigHash"] = digest
        status, body = self.api.request("PATCH", base + "/status" + q, json.dumps(status_obj),
                                        "application/apply-patch+yaml")
        if status >= 300:
            raise RuntimeError(f"apply {node}/status: HTTP {status}: {body[:200]!r}")
        return gen

    def enqueue(self, due, node):
        # The agent's writer coalesces: while a write waits, newer changes ride on it.
        with self.lock:
            if node in self.queued:
                return
            self.queued.add(node)
        self.work.put((due, node))

    def worker(self):
        while True:
            due, node = self.work.get()
            wait = due - time.time()
            if wait > 0:
                time.sleep(wait)
            with self.lock:
                self.queued.discard(node)
            try:
                gen = self.write_state(node)
            except Exception as e:  # keep going like the agent does: retry in 5 s
                emit("error", why=str(e)[:300])
                self.enqueue(time.time() + 5, node)
                continue
            pool = self.node_pool[node]
            done = []
            with self.lock:
                # Writing generation g reports every older one of the pool as passed, too.
                for key in [k for k in self.pending if k[0] == pool and k[1] <= gen]:
                    self.pending[key].discard(node)
                    if not self.pending[key]:
                        del self.pending[key]
                        done.append(key[1])
            for g in sorted(done):
                emit("applied", pool=pool, generation=g, nodes=len(self.pools[pool]))

    def on_config(self, cm):
        pool = cm["metadata"]["labels"].get("storage.dpu.dev/pool") or cm["metadata"]["name"].removesuffix("-dataplane")
        if pool not in self.pools:
            return
        ann = cm["metadata"].get("annotations") or {}
        gen, digest = int(ann.get(GENERATION, "0")), ann.get(HASH, "")
        with self.lock:
            if self.target.get(pool, (0, ""))[0] >= gen:
                return
            self.target[pool] = (gen, digest)
        text, compressed = decode_config(cm)
        size = len(text.encode("utf-8")) if text is not None else 0
        emit("seen", pool=pool, generation=gen, hash=digest, bytes=size, compressed=compressed)
        if text is None or hashlib.sha256(text.encode("utf-8")).hexdigest() != digest:
            emit("bad", pool=pool, generation=gen, why="payload missing or its sha256 differs from the annotation")
            return
        now = time.time()
        with self.lock:
            self.pending[(pool, gen)] = set(self.pools[pool])
            for node in self.pools[pool]:
                self.applied[node] = (gen, digest)
        for node in self.pools[pool]:
            self.enqueue(now + self.apply_delay * random.uniform(0.5, 1.5), node)

    def watch_configs(self):
        rv = None
        while True:
            try:
                if rv is None:
                    status, body = self.api.request(
                        "GET", f"/api/v1/namespaces/{self.ns}/configmaps?labelSelector={urllib.parse.quote(SELECTOR)}")
                    lst = json.loads(body)
                    for cm in lst["items"]:
                        self.on_config(cm)
                    rv = lst["metadata"]["resourceVersion"]
                conn, resp = self.api.stream(
                    f"/api/v1/namespaces/{self.ns}/configmaps?watch=1&allowWatchBookmarks=true"
                    f"&labelSelector={urllib.parse.quote(SELECTOR)}&resourceVersion={rv}")
                while True:
                    line = resp.readline()
                    if not line:
                        break
                    ev = json.loads(line)
                    if ev["type"] == "ERROR":
                        rv = None
                        break
                    rv = ev["object"]["metadata"]["resourceVersion"]
                    if ev["type"] in ("ADDED", "MODIFIED"):
                        self.on_config(ev["object"])
                conn.close()
            except Exception as e:
                emit("error", why="watch: " + str(e)[:300])
                rv = None
                time.sleep(1)

    def resync_loop(self):
        # Each node's own 60 s timer, started at a random phase like agents started at different times.
        nodes = list(self.node_pool)
        random.shuffle(nodes)
        step = self.resync / max(1, len(nodes))
        while True:
            for node in nodes:
                with self.lock:
                    started = node in self.applied
                if started:
                    self.enqueue(time.time(), node)
                time.sleep(step)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--server", required=True)
    ap.add_argument("--ca", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--fleet", required=True, help="JSON file: namespace and pool -> nodes")
    ap.add_argument("--apply-delay", type=float, default=0.05, help="seconds an agent takes to apply a config")
    ap.add_argument("--workers", type=int, default=16, help="concurrent writers (agents writing at once)")
    ap.add_argument("--resync", type=float, default=60.0, help="seconds between unchanged rewrites; 0: never")
    args = ap.parse_args()
    with open(args.fleet) as f:
        fleet = json.load(f)
    api = Api(args.server, args.ca, args.cert, args.key)
    sim = Fleet(api, fleet["namespace"], fleet["pools"], args.apply_delay, args.workers, args.resync)
    emit("started", nodes=len(sim.node_pool), pools=len(sim.pools))
    if args.resync > 0:
        threading.Thread(target=sim.resync_loop, daemon=True).start()
    sim.watch_configs()


if __name__ == "__main__":
    main()

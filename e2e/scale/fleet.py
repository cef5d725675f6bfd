#!/usr/bin/python3
"""The simulated fleet of the scale benchmark and of e2e/scale-check.sh, as Kubernetes objects.

  fleet.py nodes  --nodes N --pools P                 Node objects for kwok (YAML on stdout)
  fleet.py fleet  --nodes N --pools P --tenants T --volumes V --out DIR
        writes DIR/fleet.yaml (namespace, key Secret, two OffloadProfiles - one with AES-256-XTS
        encryption, one without -, P pools, T TenantQoS and V DpuVolumes per tenant) and
        DIR/fleet.json (namespace, pool -> nodes, pool -> tenants, pool -> volume count) for the
        agent simulator and the measurements.

Volumes are DpuVolume objects, as a CSI driver would create them, so a pool holds as many as its
tenants need (spec.volumes, the inline form, stops at 256).

Nodes are spread evenly over the pools by a label (scale.dpu.dev/pool); tenants too. Pools with
an even index use the plain profile, odd ones the encrypted profile.
"""
import argparse
import base64
import json
import os

NAMESPACE = "scale"
POOL_LABEL = "scale.dpu.dev/pool"


def pool_name(i):
    return f"pool-{i}"


def node_name(i):
    return f"dpu-{i:04d}"


def pool_of_node(i, nodes, pools):
    return i * pools // nodes


def tenant_name(i):
    return f"tenant-{i:04d}"


def nodes_yaml(nodes, pools):
    docs = []
    for i in range(nodes):
        docs.append(f"""apiVersion: v1
kind: Node
metadata:
  name: {node_name(i)}
  annotations: {{kwok.x-k8s.io/node: fake}}
  labels:
    kubernetes.io/hostname: {node_name(i)}
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    storage.dpu.dev/dpu: "true"
    {POOL_LABEL}: {pool_name(pool_of_node(i, nodes, pools))}
    type: kwok
status:
  allocatable: {{cpu: "16", memory: 64Gi, pods: "110"}}
  capacity: {{cpu: "16", memory: 64Gi, pods: "110"}}
""")
    return "---\n".join(docs)


def tenant_limits(i, total_iops=None):
    return {"totalIops": total_iops or 10000 + 10 * i, "burstIops": 20000 + 10 * i,
            "totalBytesPerSecond": 209715200}


def fleet(nodes, pools, tenants, volumes):
    objs = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}},
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "xts-key", "namespace": NAMESPACE},
         "type": "Opaque", "data": {"key": base64.b64encode(os.urandom(64)).decode()}},
        {"apiVersion": "storage.dpu.dev/v1alpha1", "kind": "OffloadProfile",
         "metadata": {"name": "plain", "namespace": NAMESPACE},
         "spec": {"mode": "ZeroCopy", "fallback": "Degrade"}},
        {"apiVersion": "storage.dpu.dev/v1alpha1", "kind": "OffloadProfile",
         "metadata": {"name": "encrypted", "namespace": NAMESPACE},
         "spec": {"mode": "ZeroCopy", "fallback": "Degrade", "headerDigest": True, "dataDigest": True,
                  "encryption": {"algorithm": "AES-256-XTS", "keySecretRef": {"name": "xts-key", "key": "key"}}}},
    ]
    by_pool = {pool_name(p): [] for p in range(pools)}
    for t in range(tenants):
        by_pool[pool_name(t % pools)].append(t)
    layout = {"namespace": NAMESPACE, "pools": {}, "tenants": {}}
    for p in range(pools):
        name = pool_name(p)
        objs.append({
            "apiVersion": "storage.dpu.dev/v1alpha1", "kind": "DpuStoragePool",
            "metadata": {"name": name, "namespace": NAMESPACE},
            "spec": {"nodeSelector": {"storage.dpu.dev/dpu": "true", POOL_LABEL: name},
                     "offloadProfileRef": {"name": "plain" if p % 2 == 0 else "encrypted"},
                     "listener": {"port": 4420},
                     "backends": [{"name": "mem", "type": "Ram"}],
                     "rollout": {"maxUnavailable": "25%"}}})
        layout["pools"][name] = [node_name(i) for i in range(nodes) if pool_of_node(i, nodes, pools) == p]
        layout["tenants"][name] = [tenant_name(t) for t in by_pool[name]]
        layout.setdefault("volumes", {})[name] = len(by_pool[name]) * volumes
    for t in range(tenants):
        name = tenant_name(t)
        objs.append({
            "apiVersion": "storage.dpu.dev/v1alpha1", "kind": "TenantQoS",
            "metadata": {"name": name, "namespace": NAMESPACE},
            "spec": {"poolRef": {"name": pool_name(t % pools)},
                     "hostNqns": [f"nqn.2014-08.org.nvmexpress:uuid:5ca1e000-0000-4000-8000-{t:012d}"],
                     "volumes": [f"{name}-v{v}" for v in range(volumes)],
                     "limits": tenant_limits(t)}})
        for v in range(volumes):
            objs.append({
                "apiVersion": "storage.dpu.dev/v1alpha1", "kind": "DpuVolume",
                "metadata": {"name": f"{name}-v{v}", "namespace": NAMESPACE},
                "spec": {"poolRef": {"name": pool_name(t % pools)}, "tenant": name, "nsid": v + 1,
                         "size": "256Mi", "backend": "mem"}})
    return objs, layout


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["nodes", "fleet"])
    ap.add_argument("--nodes", type=int, required=True)
    ap.add_argument("--pools", type=int, default=10)
    ap.add_argument("--tenants", type=int, default=0)
    ap.add_argument("--volumes", type=int, default=4)
    ap.add_argument("--out")
    a = ap.parse_args()
    if a.what == "nodes":
        print(nodes_yaml(a.nodes, a.pools))
        return
    objs, layout = fleet(a.nodes, a.pools, a.tenants, a.volumes)
    with open(os.path.join(a.out, "fleet.yaml"), "w") as f:
        f.write("\n---\n".join(json.dumps(o) for o in objs) + "\n")
    with open(os.path.join(a.out, "fleet.json"), "w") as f:
        json.dump(layout, f)


if __name__ == "__main__":
    main()

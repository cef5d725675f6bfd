#!/usr/bin/env bash
# Proves the KinD cluster of e2e/kind/cluster.sh carries real pods the way the project needs:
# brings it up (building what is missing), runs a Deployment on the pod network (one pod per
# worker, busybox httpd) with a ClusterIP and a NodePort Service, and a host-network DaemonSet
# on the DPU-labelled workers listening on 4420 and 9480, then checks
#   - all nodes Ready, the workers labelled storage.dpu.dev/dpu=true
#   - pod -> pod across nodes, by pod IP
#   - pod -> the kubernetes Service (API server) by IP and by DNS name; pod -> our Service by name
#   - pod -> each worker's host-network pod by the node's address (Prometheus -> agents)
#   - host -> each worker's published 127.0.0.1 ports -> the host-network pod on that worker
#   - host -> the control plane's published NodePort 30090 -> a pod
# and deletes everything again (the cluster too, unless --keep or it existed before).
# Prints one line per check and "N passed, M failed". Settings: those of cluster.sh.
set -uo pipefail

KIND_SELFTEST_DIR="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
. "$KIND_SELFTEST_DIR/lib.sh"
# shellcheck source=../lib/checks.sh
. "$E2E_DIR/lib/checks.sh"
# shellcheck source=../images/debian-base.sh
. "$E2E_DIR/images/debian-base.sh"

keep=no
[ "${1:-}" != --keep ] || keep=yes
CLUSTER="$KIND_DIR/cluster.sh"
NS=kind-selftest
IMAGE="dpu-offload/kind-selftest:latest"
BUSYBOX=${BUSYBOX:-/bin/busybox}
t_start=$SECONDS

file "$BUSYBOX" 2>/dev/null | grep -q 'statically linked' ||
    kind_die "$BUSYBOX is not a static busybox; install busybox-static (setup.sh) or set BUSYBOX"

existed=no
"$CLUSTER" status >/dev/null 2>&1 && existed=yes
t0=$SECONDS
"$CLUSTER" up || kind_die "cluster.sh up failed"
t_up=$((SECONDS - t0))
# shellcheck source=/dev/null
. "$KIND_STATE_DIR/ports.env"
export KUBECONFIG
kc() { "$KUBE_BIN_DIR/kubectl" "$@"; }
cleanup() {
    if [ "$keep" = no ] && [ "$existed" = no ]; then
        local t=$SECONDS
        "$CLUSTER" down
        kind_log "cluster.sh down took $((SECONDS - t)) s"
    else
        kc delete namespace "$NS" --wait=true --timeout=120s >/dev/null 2>&1
    fi
}
trap cleanup EXIT

# The test image: the Debian base + the host's static busybox (httpd, wget, nc).
recipe=$( { cat "$0" "$BUSYBOX"; image_recipe "$DEBIAN_BASE_IMAGE"; } | recipe_hash -)
if ! image_current "$IMAGE" "$recipe"; then
    ctx=$(mktemp -d)
    cp "$BUSYBOX" "$ctx/busybox"
    printf 'FROM %s\nCOPY busybox /bin/busybox\n' "$DEBIAN_BASE_IMAGE" > "$ctx/Dockerfile"
    kind_docker_build "$IMAGE" "$recipe" "$ctx" || kind_die "building $IMAGE failed"
    rm -rf "$ctx"
fi
"$CLUSTER" load "$IMAGE" || kind_die "loading $IMAGE into the cluster failed"

kc create namespace "$NS" >/dev/null
kc apply -n "$NS" -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: echo}
spec:
  replicas: $WORKERS
  selector: {matchLabels: {app: echo}}
  template:
    metadata: {labels: {app: echo}}
    spec:
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - {labelSelector: {matchLabels: {app: echo}}, topologyKey: kubernetes.io/hostname}
      containers:
      - name: httpd
        image: $IMAGE
        imagePullPolicy: Never
        env:
        - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
        command: [/bin/sh, -c, 'mkdir -p /www && echo "\$POD_NAME" > /www/index.html && exec busybox httpd -f -p 8080 -h /www']
        readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 2}
---
apiVersion: v1
kind: Service
metadata: {name: echo}
spec:
  selector: {app: echo}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: echo-nodeport}
spec:
  type: NodePort
  selector: {app: echo}
  ports: [{port: 80, targetPort: 8080, nodePort: 30090}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: hostnet}
spec:
  selector: {matchLabels: {app: hostnet}}
  template:
    metadata: {labels: {app: hostnet}}
    spec:
      hostNetwork: true
      nodeSelector: {storage.dpu.dev/dpu: "true"}
      containers:
      - name: httpd
        image: $IMAGE
        imagePullPolicy: Never
        env:
        - {name: NODE_NAME, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
        command: [/bin/sh, -c, 'mkdir -p /www && echo "\$NODE_NAME" > /www/index.html && busybox httpd -p 4420 -h /www && exec busybox httpd -f -p 9480 -h /www']
        readinessProbe: {tcpSocket: {port: 9480}, periodSeconds: 2}
YAML

t0=$SECONDS
if kc -n "$NS" rollout status deployment/echo --timeout=180s >/dev/null &&
    kc -n "$NS" rollout status daemonset/hostnet --timeout=180s >/dev/null; then
    check_ok "workloads running" "Deployment echo ($WORKERS pods) and DaemonSet hostnet ready in $((SECONDS - t0)) s"
else
    check_failed "workloads running" "not ready in 180 s"
    kc -n "$NS" get pods -o wide
    kc -n kube-system get pods -o wide
fi

ready=$(kc get nodes --no-headers | awk '$2 == "Ready"' | wc -l)
dpu=$(kc get nodes -l storage.dpu.dev/dpu=true --no-headers | wc -l)
if [ "$ready" -eq $((WORKERS + 1)) ] && [ "$dpu" -eq "$WORKERS" ]; then
    check_ok "nodes" "$ready Ready, $dpu labelled storage.dpu.dev/dpu=true"
else
    check_failed "nodes" "$ready Ready (want $((WORKERS + 1))), $dpu labelled (want $WORKERS)"
fi

# pods with their node and IP
mapfile -t pods < <(kc -n "$NS" get pods -l app=echo -o jsonpath='{range .items[*]}{.metadata.name} {.spec.nodeName} {.status.podIP}{"\n"}{end}')
# busybox's own wget -T crashes (Debian 12's busybox-static), so its timeout applet bounds each call
inpod() { kc -n "$NS" exec "$1" -- busybox timeout 10 busybox "${@:2}"; }
pairs=0 good=0 detail=""
for a in "${pods[@]}"; do
    for b in "${pods[@]}"; do
        read -r an anode _ <<< "$a"
        read -r bn bnode bip <<< "$b"
        [ "$anode" != "$bnode" ] || continue
        pairs=$((pairs + 1))
        got=$(inpod "$an" wget -qO- "http://$bip:8080/" 2>&1)
        if [ "$got" = "$bn" ]; then good=$((good + 1)); else detail+=" $anode->$bnode($bip): ${got:0:80};"; fi
    done
done
if [ "$pairs" -gt 0 ] && [ "$good" -eq "$pairs" ]; then
    check_ok "pod to pod" "$good of $pairs cross-node pod pairs answered by pod IP"
else
    check_failed "pod to pod" "$good of $pairs cross-node pairs answered;$detail"
fi

first=${pods[0]%% *}
kip=$(kc get service kubernetes -o jsonpath='{.spec.clusterIP}')
got=$(inpod "$first" wget -qO- --no-check-certificate "https://$kip/version" 2>&1)
if echo "$got" | grep -q "\"gitVersion\": \"$KUBE_VERSION\""; then
    check_ok "pod to API Service" "https://$kip/version (kubernetes Service) says $KUBE_VERSION"
else
    check_failed "pod to API Service" "https://$kip/version: ${got:0:200}"
fi
got=$(inpod "$first" wget -qO- --no-check-certificate "https://kubernetes.default.svc/version" 2>&1)
if echo "$got" | grep -q "\"gitVersion\": \"$KUBE_VERSION\""; then
    check_ok "pod DNS to API" "https://kubernetes.default.svc/version resolved by CoreDNS"
else
    check_failed "pod DNS to API" "https://kubernetes.default.svc/version: ${got:0:200}"
fi
# Service by name, repeated so that both a local and a remote backend answer
names=""
for _ in 1 2 3 4 5 6 7 8; do
    names+="$(inpod "$first" wget -qO- "http://echo.$NS.svc/" 2>/dev/null) "
done
answered=$(echo "$names" | tr ' ' '\n' | grep -c . | tr -d ' ')
backends=$(echo "$names" | tr ' ' '\n' | grep . | sort -u | wc -l)
if [ "$answered" -eq 8 ]; then
    check_ok "pod to Service" "http://echo.$NS.svc answered 8 of 8 from $backends backend pod(s)"
else
    check_failed "pod to Service" "http://echo.$NS.svc answered $answered of 8"
fi

# pod -> a host-network pod on every worker by the node's address (how Prometheus reaches agents)
mapfile -t dpu_nodes < <(kc get nodes -l storage.dpu.dev/dpu=true -o jsonpath='{range .items[*]}{.metadata.name} {.status.addresses[?(@.type=="InternalIP")].address}{"\n"}{end}')
for w in "${dpu_nodes[@]}"; do
    read -r wname wip <<< "$w"
    got=$(inpod "$first" wget -qO- "http://$wip:9480/" 2>&1)
    if [ "$got" = "$wname" ]; then
        check_ok "pod to host network" "$first -> $wip:9480 (host-network pod on $wname)"
    else
        check_failed "pod to host network" "$first -> $wip:9480: want $wname, got ${got:0:120}"
    fi
done

for ((i = 1; i <= WORKERS; i++)); do
    node_var="WORKER_${i}_NODE" nvme_var="WORKER_${i}_NVME_PORT" http_var="WORKER_${i}_HTTP_PORT"
    node=${!node_var}
    for port in "${!nvme_var}" "${!http_var}"; do
        got=$(curl -sS --max-time 5 "http://127.0.0.1:$port/" 2>&1)
        if [ "$got" = "$node" ]; then
            check_ok "published port" "127.0.0.1:$port -> host-network pod on $node"
        else
            check_failed "published port" "127.0.0.1:$port: want $node, got ${got:0:120}"
        fi
    done
done
got=$(curl -sS --max-time 5 "http://127.0.0.1:$PROMETHEUS_PORT/" 2>&1)
if echo "$got" | grep -q '^echo-'; then
    check_ok "published NodePort" "127.0.0.1:$PROMETHEUS_PORT -> NodePort 30090 -> pod $got"
else
    check_failed "published NodePort" "127.0.0.1:$PROMETHEUS_PORT: ${got:0:120}"
fi

kind_log "cluster.sh up took $t_up s; checks took $((SECONDS - t_start - t_up)) s"
checks_summary

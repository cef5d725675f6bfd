#!/usr/bin/env bash
# The local sandbox: the whole system as local processes on loopback, no containers.
#   e2e/sandbox.sh up       start everything below and print how to use it
#   e2e/sandbox.sh down     stop exactly the processes `up` started, then the control plane
#   e2e/sandbox.sh status   say what runs
# What `up` starts (docs/sandbox.md has the details):
#   1. the control plane (e2e/control-plane.sh up --with-controllers),
#   2. kwok, keeping $SANDBOX_NODES simulated DPU nodes Ready and running their pods as fakes,
#   3. the CRDs, the operator's RBAC and the packaged operator, acting as its service account,
#   4. samples/basic (profile, pool, two tenants) with the listener on 127.0.0.1,
#   5. one real agent for node dpu-node-0, acting as the pool's agent service account,
#   6. samples/remote: a "storage server" (our standalone dpu-target), node dpu-initiator-0 and a
#      second real agent whose pool-remote forwards its volume to the storage server,
#   7. Prometheus scraping the agents and the operator.
# Needs e2e/build-kube.sh and `./mvnw package -DskipTests` done first (./run.sh does both).
# Environment (defaults in brackets): SANDBOX_DIR [$DPU_CACHE_DIR/sandbox], SANDBOX_NODES [3],
#   SANDBOX_APISERVER_PORT [6443], SANDBOX_ETCD_PORT [2379], SANDBOX_NVME_PORT [4420],
#   SANDBOX_AGENT_HTTP_PORT [9480], SANDBOX_OPERATOR_HTTP_PORT [8080], SANDBOX_PROMETHEUS_PORT [9090],
#   SANDBOX_STORAGE_PORT [4430], SANDBOX_REMOTE_NVME_PORT [4431], SANDBOX_REMOTE_AGENT_HTTP_PORT [9490].
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib/cache.sh"
REPO_DIR="$(cd "$here/.." && pwd)"

SANDBOX_DIR="${SANDBOX_DIR:-$DPU_CACHE_DIR/sandbox}"
SANDBOX_NODES="${SANDBOX_NODES:-3}"
SANDBOX_APISERVER_PORT="${SANDBOX_APISERVER_PORT:-6443}"
SANDBOX_ETCD_PORT="${SANDBOX_ETCD_PORT:-2379}"
SANDBOX_NVME_PORT="${SANDBOX_NVME_PORT:-4420}"
SANDBOX_AGENT_HTTP_PORT="${SANDBOX_AGENT_HTTP_PORT:-9480}"
SANDBOX_OPERATOR_HTTP_PORT="${SANDBOX_OPERATOR_HTTP_PORT:-8080}"
SANDBOX_PROMETHEUS_PORT="${SANDBOX_PROMETHEUS_PORT:-9090}"
SANDBOX_STORAGE_PORT="${SANDBOX_STORAGE_PORT:-4430}"
SANDBOX_REMOTE_NVME_PORT="${SANDBOX_REMOTE_NVME_PORT:-4431}"
SANDBOX_REMOTE_AGENT_HTTP_PORT="${SANDBOX_REMOTE_AGENT_HTTP_PORT:-9490}"
SANDBOX_NAMESPACE=storage SANDBOX_POOL=pool-a SANDBOX_AGENT_NODE=dpu-node-0
SANDBOX_KUBECONFIG="$SANDBOX_DIR/control-plane/admin.kubeconfig"
OPERATOR_JAR="$REPO_DIR/operator/controller/target/quarkus-app/quarkus-run.jar"
AGENT_JAR="$REPO_DIR/dpu-daemonset/target/quarkus-app/quarkus-run.jar"
# Our processes, in start order; `down` stops them in reverse, then the control plane.
PROCESSES=(kwok operator agent storage-server agent-remote prometheus)

. "$here/sandbox/procs.sh"
. "$here/sandbox/kube.sh"
. "$here/sandbox/print.sh"
. "$here/sandbox/remote.sh"

control_plane() {
    CONTROL_PLANE_DIR="$SANDBOX_DIR/control-plane" APISERVER_PORT="$SANDBOX_APISERVER_PORT" \
        ETCD_PORT="$SANDBOX_ETCD_PORT" "$here/control-plane.sh" "$@"
}

java_bin() {
    # shellcheck source=../jdk.sh
    (. "$REPO_DIR/jdk.sh" && dpu_select_jdk >/dev/null && echo "$JAVA_HOME/bin/java")
}

preflight() {
    local f p
    for f in "$KUBE_BIN_DIR/kubectl" "$KUBE_BIN_DIR/kwok"; do
        [ -x "$f" ] || sb_die "$f missing: run e2e/build-kube.sh first"
    done
    for f in "$OPERATOR_JAR" "$AGENT_JAR"; do
        [ -f "$f" ] || sb_die "$f missing: run ./mvnw -B package -DskipTests first"
    done
    command -v prometheus >/dev/null || sb_die "prometheus missing: run ./setup.sh (Debian package prometheus)"
    for p in SANDBOX_APISERVER_PORT SANDBOX_ETCD_PORT SANDBOX_NVME_PORT SANDBOX_AGENT_HTTP_PORT \
        SANDBOX_OPERATOR_HTTP_PORT SANDBOX_PROMETHEUS_PORT SANDBOX_STORAGE_PORT SANDBOX_REMOTE_NVME_PORT \
        SANDBOX_REMOTE_AGENT_HTTP_PORT; do
        case "$p" in
            SANDBOX_APISERVER_PORT | SANDBOX_ETCD_PORT) control_plane status >/dev/null 2>&1 && continue ;;
            SANDBOX_NVME_PORT) sb_pid agent >/dev/null && continue ;;
            SANDBOX_AGENT_HTTP_PORT) sb_pid agent >/dev/null && continue ;;
            SANDBOX_OPERATOR_HTTP_PORT) sb_pid operator >/dev/null && continue ;;
            SANDBOX_PROMETHEUS_PORT) sb_pid prometheus >/dev/null && continue ;;
            SANDBOX_STORAGE_PORT) sb_pid storage-server >/dev/null && continue ;;
            SANDBOX_REMOTE_NVME_PORT | SANDBOX_REMOTE_AGENT_HTTP_PORT) sb_pid agent-remote >/dev/null && continue ;;
        esac
        sb_port_free "${!p}" || sb_die "port 127.0.0.1:${!p} is in use; set $p to a free port"
    done
}

start_kwok() {
    sb_log "2/7 kwok with $SANDBOX_NODES simulated DPU nodes"
    # Our stage file only, so that a user's ~/.kwok/kwok.yaml is not read. The copy in the state
    # dir is the pid-file marker that tells our kwok from anyone else's.
    cp "$here/sandbox/kwok-stages.yaml" "$SANDBOX_DIR/kwok-stages.yaml"
    sb_start kwok "$SANDBOX_DIR/kwok-stages.yaml" "$KUBE_BIN_DIR/kwok" --kubeconfig "$SANDBOX_KUBECONFIG" \
        --config "$SANDBOX_DIR/kwok-stages.yaml" --manage-all-nodes=false \
        --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
        --node-lease-duration-seconds=40 --cidr=10.244.0.0/16
    sb_apply_nodes "$SANDBOX_NODES"
    sb_wait "$SANDBOX_NODES simulated nodes Ready" 60 kwok nodes_ready "$SANDBOX_NODES"
}

start_operator() {
    sb_log "3/7 CRDs, the operator's RBAC and the operator"
    kc apply -k "$REPO_DIR/crds" >/dev/null
    kc apply -f "$REPO_DIR/operator/deploy/namespace.yaml" >/dev/null
    kc apply -k "$REPO_DIR/operator/deploy/rbac" >/dev/null
    kc wait --for condition=established --timeout=60s crd --all >/dev/null
    sb_kubeconfig_as "$SANDBOX_DIR/operator.kubeconfig" dpu-offload-operator dpu-offload-system
    # Once more if the first start fails: on an API server that has just come up, an informer's
    # first list can see its connection closed, which stops the operator (it would be restarted
    # by its Deployment in a cluster). The log keeps both attempts.
    run_operator || { sb_log "starting the operator once more"; run_operator; }
}

run_operator() {
    # Quarkus' %prod profile, as in the cluster; leader election on (the Lease is real too).
    KUBECONFIG="$SANDBOX_DIR/operator.kubeconfig" QUARKUS_HTTP_HOST=127.0.0.1 \
        QUARKUS_HTTP_PORT="$SANDBOX_OPERATOR_HTTP_PORT" \
        sb_start operator "$SANDBOX_DIR/operator.kubeconfig" "$JAVA" -Xmx256m \
        -Dkubeconfig="$SANDBOX_DIR/operator.kubeconfig" $(sb_impersonate dpu-offload-operator dpu-offload-system) \
        -jar "$OPERATOR_JAR"
    sb_wait "the operator's /q/health/ready" 120 operator \
        curl -fsS "http://127.0.0.1:$SANDBOX_OPERATOR_HTTP_PORT/q/health/ready"
}

pool_rendered() {
    [ -n "$(kc -n "$SANDBOX_NAMESPACE" get configmap "$SANDBOX_POOL-dataplane" \
        -o jsonpath='{.metadata.annotations.storage\.dpu\.dev/generation}' 2>/dev/null)" ] &&
        [ -n "$(kc -n "$SANDBOX_NAMESPACE" get serviceaccount "$SANDBOX_POOL-agent" -o name 2>/dev/null)" ]
}

daemonset_scheduled() {
    local want got
    want=$(kc -n "$SANDBOX_NAMESPACE" get daemonset "$SANDBOX_POOL-agent" -o jsonpath='{.status.desiredNumberScheduled}')
    got=$(kc -n "$SANDBOX_NAMESPACE" get daemonset "$SANDBOX_POOL-agent" -o jsonpath='{.status.numberReady}')
    [ "${want:-0}" -ge "$SANDBOX_NODES" ] && [ "${got:-0}" = "$want" ]
}

apply_samples() {
    sb_log "4/7 samples/basic: OffloadProfile, DpuStoragePool, two TenantQoS in namespace $SANDBOX_NAMESPACE"
    # Server-side apply, as Argo CD (samples/argocd) or a user's `kubectl apply --server-side` does.
    kc apply --server-side --force-conflicts -k "$(sb_write_overlay)" >/dev/null
    sb_wait "the operator rendering pool $SANDBOX_POOL (ConfigMap $SANDBOX_POOL-dataplane)" 90 operator pool_rendered
    sb_wait "DaemonSet $SANDBOX_POOL-agent scheduled on the $SANDBOX_NODES simulated nodes (fake pods)" 90 kwok daemonset_scheduled
}

node_state_ready() {
    [ "$(kc -n "$SANDBOX_NAMESPACE" get dpunodestate "$SANDBOX_AGENT_NODE" \
        -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}

start_agent() {
    sb_log "5/7 the agent for node $SANDBOX_AGENT_NODE (NVMe/TCP on 127.0.0.1:$SANDBOX_NVME_PORT)"
    sb_kubeconfig_as "$SANDBOX_DIR/agent.kubeconfig" "$SANDBOX_POOL-agent" "$SANDBOX_NAMESPACE"
    # The same environment the operator's DaemonSet gives the agent's container.
    KUBECONFIG="$SANDBOX_DIR/agent.kubeconfig" NODE_NAME="$SANDBOX_AGENT_NODE" \
        POD_NAMESPACE="$SANDBOX_NAMESPACE" DPU_POOL="$SANDBOX_POOL" DPU_CONFIGMAP="$SANDBOX_POOL-dataplane" \
        QUARKUS_HTTP_HOST=127.0.0.1 QUARKUS_HTTP_PORT="$SANDBOX_AGENT_HTTP_PORT" \
        sb_start agent "$SANDBOX_DIR/agent.kubeconfig" "$JAVA" -Xmx384m \
        -Dkubeconfig="$SANDBOX_DIR/agent.kubeconfig" $(sb_impersonate "$SANDBOX_POOL-agent" "$SANDBOX_NAMESPACE") \
        -jar "$AGENT_JAR"
    sb_wait "the agent's /q/health/ready" 120 agent \
        curl -fsS "http://127.0.0.1:$SANDBOX_AGENT_HTTP_PORT/q/health/ready"
    sb_wait "DpuNodeState $SANDBOX_AGENT_NODE Ready" 60 agent node_state_ready
}

start_prometheus() {
    sb_log "7/7 Prometheus on 127.0.0.1:$SANDBOX_PROMETHEUS_PORT"
    # More agents (e.g. standalone ones started by e2e/sandbox/dashboards.sh) are scraped by
    # dropping a file_sd file into prometheus-targets/; the project's alert rules are loaded, so
    # the sandbox shows them firing or pending like a real installation does.
    mkdir -p "$SANDBOX_DIR/prometheus-targets"
    cat > "$SANDBOX_DIR/prometheus.yml" <<PROM
# Generated by e2e/sandbox.sh.
global: {scrape_interval: 5s, evaluation_interval: 5s}
rule_files: ["$REPO_DIR/dashboards/generated/rules.yaml"]
scrape_configs:
  - job_name: dpu-agent
    metrics_path: /q/metrics
    static_configs:
      - targets: ["127.0.0.1:$SANDBOX_AGENT_HTTP_PORT"]
        labels: {namespace: $SANDBOX_NAMESPACE}
      - targets: ["127.0.0.1:$SANDBOX_REMOTE_AGENT_HTTP_PORT"]
        labels: {namespace: $REMOTE_NAMESPACE}
    file_sd_configs:
      - files: ["$SANDBOX_DIR/prometheus-targets/*.json"]
        refresh_interval: 5s
  - job_name: dpu-offload-operator
    metrics_path: /q/metrics
    static_configs:
      - targets: ["127.0.0.1:$SANDBOX_OPERATOR_HTTP_PORT"]
PROM
    sb_start prometheus "$SANDBOX_DIR/prometheus.yml" prometheus \
        --config.file="$SANDBOX_DIR/prometheus.yml" --storage.tsdb.path="$SANDBOX_DIR/prometheus-data" \
        --web.listen-address="127.0.0.1:$SANDBOX_PROMETHEUS_PORT" --storage.tsdb.retention.time=1d
    sb_wait "Prometheus /-/ready" 60 prometheus curl -fsS "http://127.0.0.1:$SANDBOX_PROMETHEUS_PORT/-/ready"
    # Ready is not yet scraping: until the first scrape of the agent, I/O done now would show in
    # Prometheus only as a flat counter (rate 0). Come back when the agent's series are there.
    sb_wait "Prometheus's first scrape of the agent" 60 prometheus prometheus_scraped_agent
}

prometheus_scraped_agent() {
    curl -fsS "http://127.0.0.1:$SANDBOX_PROMETHEUS_PORT/api/v1/query" \
        --data-urlencode 'query=count(dpu_dataplane_io_ops_total{job="dpu-agent"})' |
        jq -e '(.data.result[0].value[1] // "0" | tonumber) > 0' >/dev/null
}

up() {
    mkdir -p "$SANDBOX_DIR"
    # Whatever step fails has said what and where its log is; what already runs stays up for a look.
    trap 'sb_log "up did not finish; state and logs in $SANDBOX_DIR; ./run.sh down stops what was started"' EXIT
    preflight
    JAVA=$(java_bin) || sb_die "no JDK 22+ found (see jdk.sh)"
    sb_log "1/7 control plane (etcd, kube-apiserver, controller-manager, scheduler) on 127.0.0.1:$SANDBOX_APISERVER_PORT"
    control_plane up --with-controllers >/dev/null
    start_kwok
    start_operator
    apply_samples
    start_agent
    start_storage_server
    start_remote_pool
    start_prometheus
    trap - EXIT
    sb_print_usage
}

down() {
    local i
    for ((i = ${#PROCESSES[@]} - 1; i >= 0; i--)); do sb_stop "${PROCESSES[$i]}"; done
    [ -d "$SANDBOX_DIR/control-plane" ] && control_plane down
    return 0
}

status() {
    local p pid
    for p in "${PROCESSES[@]}"; do
        if pid=$(sb_pid "$p"); then echo "$p: running (pid $pid)"; else echo "$p: stopped"; fi
    done
    control_plane status
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    status) status ;;
    *) echo "usage: $0 up | down | status" >&2; exit 2 ;;
esac

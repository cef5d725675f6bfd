# shellcheck shell=bash
# The scale scenario's machinery, shared by e2e/scale/run.sh (benchmark) and e2e/scale-check.sh
# (test): the real control plane with an audit log, kwok keeping N simulated DPU nodes Ready and
# running the pools' agent pods as fakes, the packaged operator acting as its service account, and
# the agent simulator (agentsim.py) writing DpuNodeStates. Sourced, not executed; the caller sets
# SCALE_DIR (state, wiped by scale_up) and may set the SCALE_* ports below.
# Reuses the sandbox's process tracking (pid files with markers: only our processes are stopped).

SCALE_HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$SCALE_HERE/../lib/cache.sh"
SCALE_REPO="$(cd "$SCALE_HERE/../.." && pwd)"
# Below the kernel's ephemeral range (32768-60999): a client connection's local port there once
# took the operator's HTTP port while hundreds of connections came and went.
SCALE_APISERVER_PORT="${SCALE_APISERVER_PORT:-26443}"
SCALE_ETCD_PORT="${SCALE_ETCD_PORT:-26379}"
SCALE_OPERATOR_HTTP_PORT="${SCALE_OPERATOR_HTTP_PORT:-28080}"
# The operator's heap: the sandbox's, well inside the 512Mi limit of operator/deploy.
SCALE_OPERATOR_JAVA_OPTS="${SCALE_OPERATOR_JAVA_OPTS:--Xmx256m}"
SCALE_PROCESSES=(kwok operator agentsim)

# The sandbox's helpers (sb_start, sb_stop, sb_wait, kc, sb_kubeconfig_as) read these names.
# shellcheck disable=SC2034 # read by sandbox/procs.sh
SANDBOX_DIR="$SCALE_DIR"
SANDBOX_APISERVER_PORT="$SCALE_APISERVER_PORT"
SANDBOX_KUBECONFIG="$SCALE_DIR/control-plane/admin.kubeconfig"
. "$SCALE_HERE/../sandbox/procs.sh"
. "$SCALE_HERE/../sandbox/kube.sh"
sb_log() { printf '[scale] %s\n' "$*" >&2; }
sb_die() { printf '[scale] ERROR: %s\n' "$*" >&2; exit 1; }

scale_control_plane() {
    CONTROL_PLANE_DIR="$SCALE_DIR/control-plane" APISERVER_PORT="$SCALE_APISERVER_PORT" \
        ETCD_PORT="$SCALE_ETCD_PORT" APISERVER_EXTRA_ARGS="$SCALE_AUDIT_ARGS" \
        CONTROLLER_MANAGER_EXTRA_ARGS="--node-monitor-grace-period=300s" \
        "$SCALE_HERE/../control-plane.sh" "$@"
}

scale_preflight() {
    local f p
    for f in "$KUBE_BIN_DIR/kubectl" "$KUBE_BIN_DIR/kwok" "$SCALE_REPO/operator/controller/target/quarkus-app/quarkus-run.jar"; do
        [ -e "$f" ] || sb_die "$f missing: run e2e/build-kube.sh and ./mvnw -B -pl operator/controller -am package -DskipTests first"
    done
    [ -x /usr/bin/python3 ] || sb_die "/usr/bin/python3 missing: run ./setup.sh"
    for p in SCALE_APISERVER_PORT SCALE_ETCD_PORT SCALE_OPERATOR_HTTP_PORT; do
        sb_port_free "${!p}" || sb_die "port 127.0.0.1:${!p} is in use; set $p to a free port"
    done
    p=$((SCALE_ETCD_PORT + 1))
    sb_port_free "$p" || sb_die "port 127.0.0.1:$p (etcd peer) is in use; set SCALE_ETCD_PORT to a free port"
}

# scale_up NODES POOLS: control plane, kwok with NODES nodes spread over POOLS pool labels,
# CRDs, RBAC and the operator. Everything runs until scale_down.
scale_up() {
    local nodes=$1 pools=$2
    scale_preflight
    rm -rf "$SCALE_DIR"
    mkdir -p "$SCALE_DIR"
    # Every request's user, verb and resource (no bodies): attributes API requests to the
    # operator, whose service account the audit event names as impersonatedUser.
    cat > "$SCALE_DIR/audit-policy.yaml" <<'POLICY'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived, ResponseStarted]
rules:
  - level: Metadata
POLICY
    SCALE_AUDIT_ARGS="--audit-policy-file=$SCALE_DIR/audit-policy.yaml --audit-log-path=$SCALE_DIR/audit.log --audit-log-format=json --audit-log-maxsize=0 --audit-log-maxbackup=0"
    # kwok renews hundreds of node Leases from one process; on a loaded machine a renewal can come
    # late, and the node lifecycle controller would then mark every pod of the node not ready for
    # good (kwok's stages make only pending pods ready). A simulated node is as healthy as kwok
    # says: give its heartbeat five minutes instead of 50 s (kube-controller-manager's flag).
    sb_log "control plane on 127.0.0.1:$SCALE_APISERVER_PORT (audit log $SCALE_DIR/audit.log)"
    scale_control_plane up --with-controllers >/dev/null
    JAVA=$(. "$SCALE_REPO/jdk.sh" && dpu_select_jdk >/dev/null && echo "$JAVA_HOME/bin/java") || sb_die "no JDK 22+ (jdk.sh)"

    cp "$SCALE_HERE/../sandbox/kwok-stages.yaml" "$SCALE_DIR/kwok-stages.yaml"
    sb_start kwok "$SCALE_DIR/kwok-stages.yaml" "$KUBE_BIN_DIR/kwok" --kubeconfig "$SANDBOX_KUBECONFIG" \
        --config "$SCALE_DIR/kwok-stages.yaml" --manage-all-nodes=false \
        --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
        --node-lease-duration-seconds=40 --cidr=10.244.0.0/16
    sb_log "$nodes simulated nodes in $pools groups"
    /usr/bin/python3 "$SCALE_HERE/fleet.py" nodes --nodes "$nodes" --pools "$pools" | kc create -f - >/dev/null
    sb_wait "$nodes simulated nodes Ready" 300 kwok nodes_ready "$nodes"

    kc apply -k "$SCALE_REPO/crds" >/dev/null
    kc apply -f "$SCALE_REPO/operator/deploy/namespace.yaml" >/dev/null
    kc apply -k "$SCALE_REPO/operator/deploy/rbac" >/dev/null
    kc wait --for condition=established --timeout=60s crd --all >/dev/null
    sb_kubeconfig_as "$SCALE_DIR/operator.kubeconfig" dpu-offload-operator dpu-offload-system
    scale_run_operator || { sb_log "starting the operator once more"; scale_run_operator; }
}

scale_run_operator() {
    # shellcheck disable=SC2086 # the options are words
    KUBECONFIG="$SCALE_DIR/operator.kubeconfig" QUARKUS_HTTP_HOST=127.0.0.1 \
        QUARKUS_HTTP_PORT="$SCALE_OPERATOR_HTTP_PORT" \
        sb_start operator "$SCALE_DIR/operator.kubeconfig" "$JAVA" $SCALE_OPERATOR_JAVA_OPTS \
        -Dkubeconfig="$SCALE_DIR/operator.kubeconfig" \
        -jar "$SCALE_REPO/operator/controller/target/quarkus-app/quarkus-run.jar"
    sb_wait "the operator's /q/health/ready" 180 operator \
        curl -fsS "http://127.0.0.1:$SCALE_OPERATOR_HTTP_PORT/q/health/ready"
}

# scale_start_sim FLEET_JSON [agentsim options]: the simulated agents of every node; their
# observations go to $SCALE_DIR/agentsim.jsonl.
scale_start_sim() {
    local fleet=$1 pki="$SCALE_DIR/control-plane/pki"
    shift
    sb_start agentsim "$fleet" /usr/bin/python3 -u "$SCALE_HERE/agentsim.py" \
        --server "https://127.0.0.1:$SCALE_APISERVER_PORT" --ca "$pki/ca.crt" --cert "$pki/admin.crt" \
        --key "$pki/admin.key" --fleet "$fleet" "$@"
    # Its stdout is the observation log (sb_start appends stdout and stderr to agentsim.log).
    ln -sf "$SCALE_DIR/agentsim.log" "$SCALE_DIR/agentsim.jsonl"
}

scale_down() {
    local i
    for ((i = ${#SCALE_PROCESSES[@]} - 1; i >= 0; i--)); do sb_stop "${SCALE_PROCESSES[$i]}"; done
    [ -d "$SCALE_DIR/control-plane" ] && scale_control_plane down
    return 0
}

scale_operator_pid() { sb_pid operator; }

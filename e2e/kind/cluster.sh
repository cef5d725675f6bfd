#!/usr/bin/env bash
# A multi-node KinD cluster built and run without any image registry. See docs/kind.md.
#
#   e2e/kind/cluster.sh up            build what is missing (cached), create the cluster
#   e2e/kind/cluster.sh build         only build what is missing (kind CLI, binaries, images)
#   e2e/kind/cluster.sh down          delete the cluster; stop dockerd if our scripts started it
#   e2e/kind/cluster.sh status        the nodes and the published ports
#   e2e/kind/cluster.sh load IMAGE... load local Docker images into every node
#   e2e/kind/cluster.sh kubeconfig    print the path of the cluster's kubeconfig
#
# Settings (environment):
#   KIND_CLUSTER_NAME (dpu-offload), KIND_WORKERS (2, labelled storage.dpu.dev/dpu=true),
#   KIND_NODE_IMAGE   (empty: the node image built here; "stock": kind's default public image,
#                      for Docker hosts that can pull; or any image name),
#   KIND_NVME_PORT_BASE (14420) and KIND_HTTP_PORT_BASE (19480): worker i publishes its
#       ports 4420 and 9480 on 127.0.0.1:BASE+i, or on KIND_WORKER_<i>_NVME_PORT / _HTTP_PORT,
#   KIND_PROMETHEUS_PORT (19090): the control plane's NodePort 30090 on 127.0.0.1,
#   KIND_API_PORT (empty: kind picks one) for the API server on 127.0.0.1,
#   KIND_READY_TIMEOUT (300 s), KIND_RETAIN=1 keeps failed nodes for debugging,
#   DPU_CACHE_DIR (~/.cache/dpu-offload), DPU_STATE_DIR (~/.local/state/dpu-offload).
# State: $DPU_STATE_DIR/kind/<name>/{kubeconfig,ports.env,kind-config.yaml,host.env}.
set -euo pipefail

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=../lib/docker-engine.sh
. "$E2E_DIR/lib/docker-engine.sh"
# shellcheck source=build-tools.sh
. "$KIND_DIR/build-tools.sh"
# shellcheck source=../images/debian-base.sh
. "$E2E_DIR/images/debian-base.sh"
# shellcheck source=base-image.sh
. "$KIND_DIR/base-image.sh"
# shellcheck source=component-images.sh
. "$KIND_DIR/component-images.sh"
# shellcheck source=node-image.sh
. "$KIND_DIR/node-image.sh"
# shellcheck source=privileged.sh
. "$KIND_DIR/privileged.sh"

KIND_WORKERS="${KIND_WORKERS:-2}"
KIND_NODE_IMAGE="${KIND_NODE_IMAGE:-}"
KIND_NVME_PORT_BASE="${KIND_NVME_PORT_BASE:-14420}"
KIND_HTTP_PORT_BASE="${KIND_HTTP_PORT_BASE:-19480}"
KIND_PROMETHEUS_PORT="${KIND_PROMETHEUS_PORT:-19090}"
KIND_API_PORT="${KIND_API_PORT:-}"
KIND_READY_TIMEOUT="${KIND_READY_TIMEOUT:-300}"
KIND_DPU_LABEL="storage.dpu.dev/dpu"
KUBECONFIG_FILE="$KIND_STATE_DIR/kubeconfig"
PORTS_FILE="$KIND_STATE_DIR/ports.env"
HOST_FILE="$KIND_STATE_DIR/host.env"

KUBECTL="$KUBE_BIN_DIR/kubectl"
[ -x "$KUBECTL" ] || KUBECTL=$(command -v kubectl || echo "$KUBECTL")
kc() { "$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" "$@"; }

step_no=0
step_total=9
step() { step_no=$((step_no + 1)); kind_log "($step_no/$step_total) $*"; }

[[ "$KIND_WORKERS" =~ ^[1-9][0-9]?$ ]] || kind_die "KIND_WORKERS must be a number from 1 to 99, not '$KIND_WORKERS'"
[[ "$KIND_CLUSTER_NAME" =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] ||
    kind_die "KIND_CLUSTER_NAME must be lower-case letters, digits and '-', not '$KIND_CLUSTER_NAME'"

# build: everything the cluster needs, each step cached; sets NODE_IMAGE and KIND_BIN.
build() {
    local t0=$SECONDS
    step "Docker engine"
    docker_engine_up || kind_die "no Docker engine; see above"
    # One build at a time per cache: a second `up` waits for the first one's images. (Taken
    # after dockerd starts, so that dockerd does not inherit the lock.)
    mkdir -p "$KIND_CACHE_DIR"
    exec 9> "$KIND_CACHE_DIR/.build.lock"
    if ! flock -n 9; then
        kind_log "another e2e/kind build runs on this cache ($DPU_CACHE_DIR); waiting for it (at most 60 min)"
        flock -w 3600 9 || kind_die "the other build did not finish within 60 min"
    fi
    step "kind CLI $KIND_VERSION"
    KIND_BIN=$(kind_tool kind)
    if [ "$KIND_NODE_IMAGE" = stock ]; then
        NODE_IMAGE=$(sed -n 's/^const Image = "\(.*\)"/\1/p' "$(kind_module_dir)/pkg/apis/config/defaults/image.go")
        step_no=8
        kind_log "KIND_NODE_IMAGE=stock: kind's default node image $NODE_IMAGE (docker pull)"
        docker image inspect "$NODE_IMAGE" >/dev/null 2>&1 || docker pull "$NODE_IMAGE" >&2 ||
            kind_die "cannot pull $NODE_IMAGE; on a host without a registry leave KIND_NODE_IMAGE empty"
    elif [ -n "$KIND_NODE_IMAGE" ]; then
        NODE_IMAGE=$KIND_NODE_IMAGE
        step_no=8
        docker image inspect "$NODE_IMAGE" >/dev/null 2>&1 || kind_die "KIND_NODE_IMAGE=$NODE_IMAGE is not a local image"
    else
        step "Kubernetes $KUBE_VERSION binaries (e2e/build-kube.sh --node; first run: 20-40 min)"
        "$E2E_DIR/build-kube.sh" --node >&2 || kind_die "building Kubernetes failed; see above"
        step "CoreDNS $COREDNS_VERSION and pause"
        kind_tool coredns >/dev/null
        kind_tool pause >/dev/null
        step "Debian $DEBIAN_SUITE base image"
        debian_base_image
        step "kind base image and netbase image"
        kind_base_image
        kind_netbase_image
        step "images kubeadm $KUBE_VERSION expects"
        kind_component_images
        step "node image"
        kind_node_image
        NODE_IMAGE=$KIND_BUILT_NODE_IMAGE
    fi
    mkdir -p "$KIND_STATE_DIR"
    kind_detect_host "$NODE_IMAGE"
    printf 'KIND_PRIVILEGED=%s\nKIND_CGROUP_VERSION=%s\n' "$KIND_PRIVILEGED" "$KIND_CGROUP_VERSION" > "$HOST_FILE"
    if [ "$KIND_PRIVILEGED" = no ]; then
        NODE_IMAGE=$(kind_unprivileged_node_image "$NODE_IMAGE")
    fi
    exec 9>&-
    kind_log "build done in $((SECONDS - t0)) s; node image $NODE_IMAGE"
}

# load_host: the detection made by `up`, for commands run later.
load_host() {
    if [ -f "$HOST_FILE" ]; then
        # shellcheck source=/dev/null
        . "$HOST_FILE"
    else
        KIND_PRIVILEGED=yes
    fi
    KIND_BIN=$(kind_tool_path kind)
    [ -x "$KIND_BIN" ] || KIND_BIN=$(kind_tool kind)
}

cluster_exists() {
    local clusters
    clusters=$(kind_run get clusters 2>/dev/null) || return 1
    grep -qx "$KIND_CLUSTER_NAME" <<< "$clusters"
}

port_for() { # worker-index kind(NVME|HTTP)
    local var="KIND_WORKER_$1_$2_PORT" base
    if [ "$2" = NVME ]; then base=$KIND_NVME_PORT_BASE; else base=$KIND_HTTP_PORT_BASE; fi
    echo "${!var:-$((base + $1))}"
}

check_port_free() { # port setting
    if ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; then
        kind_die "port $1 on this host is taken; choose another with $2"
    fi
}

write_config() {
    local cfg=$1 i p
    check_port_free "$KIND_PROMETHEUS_PORT" KIND_PROMETHEUS_PORT
    {
        echo "kind: Cluster"
        echo "apiVersion: kind.x-k8s.io/v1alpha4"
        echo "networking:"
        echo "  apiServerAddress: \"127.0.0.1\""
        [ -z "$KIND_API_PORT" ] || echo "  apiServerPort: $KIND_API_PORT"
        echo "  podSubnet: \"$KIND_POD_SUBNET\""
        echo "nodes:"
        echo "- role: control-plane"
        echo "  extraPortMappings:"
        echo "  - {containerPort: 30090, hostPort: $KIND_PROMETHEUS_PORT, listenAddress: \"127.0.0.1\", protocol: TCP}"
        for ((i = 1; i <= KIND_WORKERS; i++)); do
            echo "- role: worker"
            echo "  labels:"
            echo "    $KIND_DPU_LABEL: \"true\""
            echo "  extraPortMappings:"
            p=$(port_for "$i" NVME); check_port_free "$p" "KIND_WORKER_${i}_NVME_PORT or KIND_NVME_PORT_BASE"
            echo "  - {containerPort: 4420, hostPort: $p, listenAddress: \"127.0.0.1\", protocol: TCP}"
            p=$(port_for "$i" HTTP); check_port_free "$p" "KIND_WORKER_${i}_HTTP_PORT or KIND_HTTP_PORT_BASE"
            echo "  - {containerPort: 9480, hostPort: $p, listenAddress: \"127.0.0.1\", protocol: TCP}"
        done
        if [ "$KIND_CGROUP_VERSION" = 1 ]; then
            echo "kubeadmConfigPatches:"
            echo "- |"
            echo "  kind: KubeletConfiguration"
            echo "  failCgroupV1: false"
        fi
    } > "$cfg"
}

# published PORT/tcp of a node container, as host port
published() { docker port "$1" "$2/tcp" 2>/dev/null | sed -n 's/^127\.0\.0\.1:\([0-9]*\)$/\1/p' | head -1; }

write_ports() {
    local cp workers i=0 n api
    cp=$(docker ps --filter "label=io.x-k8s.kind.cluster=$KIND_CLUSTER_NAME" --filter label=io.x-k8s.kind.role=control-plane --format '{{.Names}}' | head -1)
    workers=$(docker ps --filter "label=io.x-k8s.kind.cluster=$KIND_CLUSTER_NAME" --filter label=io.x-k8s.kind.role=worker --format '{{.Names}}' | sort -V)
    api=$(sed -n 's|.*server: https://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$KUBECONFIG_FILE" | head -1)
    {
        echo "# KinD cluster $KIND_CLUSTER_NAME: everything is published on 127.0.0.1 (written by e2e/kind/cluster.sh)"
        echo "KIND_CLUSTER_NAME=$KIND_CLUSTER_NAME"
        echo "KUBECONFIG=$KUBECONFIG_FILE"
        echo "API_SERVER_PORT=$api"
        echo "CONTROL_PLANE_NODE=$cp"
        echo "PROMETHEUS_PORT=$(published "$cp" 30090)"
        echo "WORKERS=$(echo "$workers" | grep -c .)"
        for n in $workers; do
            i=$((i + 1))
            echo "WORKER_${i}_NODE=$n"
            echo "WORKER_${i}_NVME_PORT=$(published "$n" 4420)"
            echo "WORKER_${i}_HTTP_PORT=$(published "$n" 9480)"
        done
    } > "$PORTS_FILE"
}

# wait_for WHAT SECONDS COMMAND...: poll every 2 s, report every 30 s, fail after SECONDS.
wait_for() {
    local what=$1 secs=$2 start=$SECONDS; shift 2
    until "$@" >/dev/null 2>&1; do
        if ((SECONDS - start >= secs)); then
            kind_log "ERROR: $what not within ${secs}s"
            return 1
        fi
        (((SECONDS - start) % 30 < 2)) && ((SECONDS - start > 1)) && kind_log "still waiting for $what ($((SECONDS - start))s)"
        sleep 2
    done
}

nodes_ready() {
    local want=$((KIND_WORKERS + 1)) ready
    ready=$(kc get nodes --no-headers 2>/dev/null | awk '$2 == "Ready"' | wc -l)
    [ "$ready" -eq "$want" ]
}

# routes_ready: every node routes every other node's podCIDR (the CNI DaemonSet adds them a few
# seconds after a node registers; until then cross-node pod traffic fails).
routes_ready() {
    local cidrs node line cidr
    cidrs=$(kc get nodes -o jsonpath='{range .items[*]}{.metadata.name} {.spec.podCIDR}{"\n"}{end}') || return 1
    while read -r node _; do
        while read -r line; do
            [ -n "$line" ] || continue
            cidr=${line#* }
            [ "${line%% *}" != "$node" ] || continue
            [ -n "$cidr" ] || return 1
            [[ "$(docker exec "$node" ip route show "$cidr" < /dev/null)" == *" via "* ]] || return 1
        done <<< "$cidrs"
    done <<< "$cidrs"
}

cmd_up() {
    local t0=$SECONDS cfg create_log
    build
    step_no=8
    step "cluster $KIND_CLUSTER_NAME: 1 control plane + $KIND_WORKERS workers"
    mkdir -p "$KIND_STATE_DIR"
    if cluster_exists; then
        kind_log "cluster $KIND_CLUSTER_NAME exists already; refreshing its kubeconfig and ports"
        kind_run get kubeconfig --name "$KIND_CLUSTER_NAME" > "$KUBECONFIG_FILE"
    else
        cfg="$KIND_STATE_DIR/kind-config.yaml"
        write_config "$cfg"
        create_log="$KIND_STATE_DIR/create.log"
        local t1=$SECONDS
        if ! kind_run create cluster --name "$KIND_CLUSTER_NAME" --image "$NODE_IMAGE" --config "$cfg" \
            --kubeconfig "$KUBECONFIG_FILE" --wait 0s ${KIND_RETAIN:+--retain} > "$create_log" 2>&1; then
            kind_log "ERROR: kind create cluster failed; last lines of $create_log:"
            tail -n 30 "$create_log" >&2
            kind_die "nothing is left running${KIND_RETAIN:+ except the retained nodes (kind export logs --name $KIND_CLUSTER_NAME; then e2e/kind/cluster.sh down)}; set KIND_RETAIN=1 to keep failed nodes for debugging"
        fi
        kind_log "kind create cluster took $((SECONDS - t1)) s"
    fi
    chmod 0600 "$KUBECONFIG_FILE"
    wait_for "all $((KIND_WORKERS + 1)) nodes Ready" "$KIND_READY_TIMEOUT" nodes_ready ||
        { kc get nodes -o wide >&2 || true; kc -n kube-system get pods -o wide >&2 || true
          kind_die "the cluster did not become ready; inspect with KUBECONFIG=$KUBECONFIG_FILE, then e2e/kind/cluster.sh down"; }
    wait_for "routes between the nodes' pod networks" 120 routes_ready ||
        kind_die "the nodes do not route each other's pod networks (kubectl -n kube-system logs -l app=dpu-bridge-cni)"
    wait_for "CoreDNS" "$KIND_READY_TIMEOUT" kc -n kube-system rollout status deployment/coredns --timeout=5s ||
        kind_die "CoreDNS did not become available (kubectl -n kube-system describe pods -l k8s-app=kube-dns)"
    write_ports
    kind_log "cluster $KIND_CLUSTER_NAME is up ($((SECONDS - t0)) s in all); KUBECONFIG=$KUBECONFIG_FILE; ports in $PORTS_FILE:"
    grep -E '^(API_SERVER|PROMETHEUS|WORKER_)' "$PORTS_FILE" | tr '\n' ' ' | sed 's/ $/\n/' >&2
}

cmd_down() {
    local t0=$SECONDS
    load_host
    if docker info >/dev/null 2>&1 && [ -x "$KIND_BIN" ] && cluster_exists; then
        kind_run delete cluster --name "$KIND_CLUSTER_NAME" --kubeconfig "$KUBECONFIG_FILE" >&2
        kind_log "deleted cluster $KIND_CLUSTER_NAME in $((SECONDS - t0)) s"
    else
        kind_log "no cluster $KIND_CLUSTER_NAME"
    fi
    rm -f "$KUBECONFIG_FILE" "$PORTS_FILE"
    docker_engine_down
}

cmd_status() {
    load_host
    docker info >/dev/null 2>&1 || { kind_log "no Docker engine answers: no cluster"; return 1; }
    cluster_exists || { kind_log "no cluster $KIND_CLUSTER_NAME"; return 1; }
    kc get nodes -o wide
    [ ! -f "$PORTS_FILE" ] || cat "$PORTS_FILE"
}

cmd_load() {
    [ $# -gt 0 ] || kind_die "usage: $0 load IMAGE..."
    load_host
    cluster_exists || kind_die "no cluster $KIND_CLUSTER_NAME; run e2e/kind/cluster.sh up first"
    local img
    for img in "$@"; do
        docker image inspect "$img" >/dev/null 2>&1 || kind_die "no local image $img; build it first"
    done
    kind_run load docker-image --name "$KIND_CLUSTER_NAME" "$@" >&2
}

case "${1:-}" in
    up) cmd_up ;;
    build) build ;;
    down) cmd_down ;;
    status) cmd_status ;;
    load) shift; cmd_load "$@" ;;
    kubeconfig) [ -f "$KUBECONFIG_FILE" ] || kind_die "no kubeconfig at $KUBECONFIG_FILE; run e2e/kind/cluster.sh up"; echo "$KUBECONFIG_FILE" ;;
    *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# End to end on real pods: the whole system in a multi-node KinD cluster built offline
# (e2e/kind/system.sh), driven from the host through the ports the cluster publishes on
# 127.0.0.1 - the stock Linux NVMe/TCP initiator in QEMU, our load generator, kubectl and
# Prometheus' API. Checks, in order:
#   system-up            cluster, images, operator, samples/basic, Prometheus; pool Ready
#   agent-pods           one agent pod per worker, the built image, uid 10001, no capabilities
#   node-states          every worker's DpuNodeState Ready, io_uring usable in the pod
#   nvme-per-node        each worker's published NVMe/TCP port serves verified I/O
#   tenant-added-live    a tenant and its volume added to the running pool, no pod restarted
#   (guest checks)       the Linux initiator in a VM: connect as the allowed host through
#                        worker 1's published port, verified I/O, keep-alive, reconnect,
#                        digests, a foreign host refused (e2e/vm/initiator-checks.sh)
#   refused-host-logged  the agent pod's log names the refused host
#   qos-live             a TenantQoS limit change reaches every agent (Prometheus shows it),
#                        no pod restarted
#   rolling-restart      an OffloadProfile change that needs a restart rolls the DaemonSet one
#                        node at a time while I/O on the other node keeps running
#   readiness-in-status  a node whose agent fails its readiness probe shows in the pool status
#   pool-deleted         deleting the pool removes what it owned
#   teardown             the cluster is gone (dockerd stopped if our scripts started it)
# Prints one line per check and "N passed, M failed"; exits 0 only when all passed. The cluster
# is always deleted at the end, also on failure or Ctrl-C (KIND_E2E_KEEP=1 keeps it for a look).
# Environment: KIND_CLUSTER_NAME [dpu-offload-e2e] and the port settings of e2e/kind/cluster.sh,
#   KIND_E2E_KEEP [0], KI_VM_TIMEOUT [600] (the initiator VM), DPU_CACHE_DIR.
# Needs the Maven build (run here when its jars are missing), e2e/build-kube.sh (run by
# cluster.sh), Docker (docker.io), QEMU and Debian's kernel (setup.sh).
set -uo pipefail
E2E="$(cd "$(dirname "$0")" && pwd)"
REPO_DIR="$(cd "$E2E/.." && pwd)"
. "$E2E/lib/cache.sh"
. "$E2E/lib/checks.sh"
. "$E2E/lib/vm.sh"
. "$E2E/lib/initiator-vm.sh"

export KIND_CLUSTER_NAME="${KIND_CLUSTER_NAME:-dpu-offload-e2e}"
KIND_E2E_KEEP="${KIND_E2E_KEEP:-0}"
VM_TIMEOUT="${KI_VM_TIMEOUT:-600}"
NS=storage POOL=pool-a
E2E_TENANT=tenant-e2e E2E_VOLUME=e2e-data E2E_VOLUME_BYTES=50331648   # 48 MiB: fits the VM's tmpfs twice
HOSTNQN=nqn.2014-08.org.nvmexpress:uuid:6b1f7c1e-0d2a-4c39-9a57-1e2f3a4b5c6e
BAD_HOSTNQN=nqn.2014-08.org.nvmexpress:uuid:0bad0bad-0000-4000-8000-000000000bad
RED_HOSTNQN=nqn.2014-08.org.nvmexpress:uuid:0e0d0000-0000-4000-8000-000000000002
RED_NQN=nqn.2024-01.dev.dpu:storage.pool-a.tenant-red
GUEST_CHECKS="vm-boot connect io-queues ns1-size write-verify idle-keepalive disconnect
    reconnect reconnect-data-kept disconnect-again
    connect-digests digest-data-kept digest-write-verify disconnect-digests refused-host"
LOADGEN="$REPO_DIR/dataplane/build/dpu-loadgen"
KUBECTL="$KUBE_BIN_DIR/kubectl"
PORTS_FILE="$DPU_STATE_DIR/kind/$KIND_CLUSTER_NAME/ports.env"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kind-e2e.XXXXXX")
BG_PIDS=()
TORN_DOWN=0
UNBLOCK_NODE=

log() { printf '[kind-e2e %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
kc() { "$KUBECTL" --kubeconfig "$KUBECONFIG" "$@"; }

# poll SECONDS COMMAND...: true as soon as COMMAND succeeds, false after SECONDS.
poll() {
    local secs=$1 start=$SECONDS
    shift
    until "$@" >/dev/null 2>&1; do
        ((SECONDS - start >= secs)) && return 1
        sleep 2
    done
}

# What to look at when a check fails: pods, recent events, the agents' and operator's logs.
diagnose() {
    {
        echo "---- diagnostics after: $1"
        kc get pods -A -o wide 2>&1 | grep -v '^kube-system'
        kc -n "$NS" get events --sort-by=.lastTimestamp 2>&1 | tail -n 12
        kc -n "$NS" get dsp "$POOL" -o jsonpath='{.status}' 2>&1 | head -c 1500; echo
        local p
        for p in $(kc -n "$NS" get pods -l app.kubernetes.io/name=dpu-agent -o name 2>/dev/null); do
            echo "---- $p (last 15 lines)"
            kc -n "$NS" logs "$p" --tail=15 2>&1
        done
        echo "---- operator (last 15 lines)"
        kc -n dpu-offload-system logs deploy/dpu-offload-operator --tail=15 2>&1
    } | sed 's/^/    | /' >&2
}

fail() { # NAME DETAIL: a failed check, with diagnostics
    check_failed "$1" "$2"
    diagnose "$1"
}

teardown() {
    [ "$TORN_DOWN" = 1 ] && return 0
    TORN_DOWN=1
    local pid
    [ -z "$INITIATOR_VM_PID" ] || vm_stop "$INITIATOR_VM_PID"
    for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    if [ -n "$UNBLOCK_NODE" ]; then unblock_http "$UNBLOCK_NODE"; fi
    if [ "$KIND_E2E_KEEP" = 1 ]; then
        log "KIND_E2E_KEEP=1: cluster $KIND_CLUSTER_NAME kept (KUBECONFIG=${KUBECONFIG:-?}); e2e/kind/system.sh down removes it"
        return 0
    fi
    log "deleting cluster $KIND_CLUSTER_NAME"
    "$E2E/kind/system.sh" down > "$WORK/down.log" 2>&1
}

cleanup() {
    teardown
    vm_work_dir_cleanup "$WORK" 0
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- pieces the checks share --------------------------------------------------------------
agent_pods() { # -> "node pod uid restarts" lines, sorted by node
    kc -n "$NS" get pods -l app.kubernetes.io/name=dpu-agent \
        -o jsonpath='{range .items[*]}{.spec.nodeName} {.metadata.name} {.metadata.uid} {.status.containerStatuses[0].restartCount}{"\n"}{end}' | sort
}

pool_status() { # JSONPATH
    kc -n "$NS" get dsp "$POOL" -o jsonpath="$1" 2>/dev/null
}

pool_settled() { # every node ready and up to date with the current configuration generation
    [ "$(pool_status '{.status.conditions[?(@.type=="Ready")].status}')" = True ] &&
        [ "$(pool_status '{.status.nodesReady}/{.status.nodesUpToDate}')" = "$WORKERS/$WORKERS" ] &&
        [ "$(pool_status '{.status.observedGeneration}')" = "$(pool_status '{.metadata.generation}')" ]
}

prom_query() { # PROMQL -> the result vector as "labels value" lines
    curl -fsS --max-time 5 "http://127.0.0.1:$PROMETHEUS_PORT/api/v1/query" --data-urlencode "query=$1" |
        jq -r '.data.result[] | "\(.metric | del(.__name__) | to_entries | map("\(.key)=\(.value)") | join(",")) \(.value[1])"'
}

prom_value() { # PROMQL -> the first result's value, or nothing
    curl -fsS --max-time 5 "http://127.0.0.1:$PROMETHEUS_PORT/api/v1/query" --data-urlencode "query=$1" |
        jq -r '.data.result[0].value[1] // empty'
}

loadgen() { # PORT NQN HOSTNQN EXTRA...: verified random read/write, JSON summary on stdout
    local port=$1 nqn=$2 host=$3
    shift 3
    "$LOADGEN" --address 127.0.0.1 --port "$port" --nqn "$nqn" --hostnqn "$host" --nsid 1 \
        --rw randrw --qd 8 --verify "$@"
}

# ---- checks ---------------------------------------------------------------------------------
check_system_up() {
    local start=$SECONDS
    log "bringing the system up (e2e/kind/system.sh up; log $WORK/system-up.log)"
    if ! "$E2E/kind/system.sh" up > "$WORK/system-up.log" 2>&1; then
        check_failed system-up "e2e/kind/system.sh up failed after $((SECONDS - start))s; its log ends with:"
        tail -n 40 "$WORK/system-up.log" | sed 's/^/    | /' >&2
        return 1
    fi
    # shellcheck source=/dev/null
    . "$PORTS_FILE"
    eval "$("$E2E/images/build.sh" --print-names)"
    check_ok system-up "$((SECONDS - start))s: $WORKERS workers, pool $POOL $(pool_status '{.status.nodesReady}')/$WORKERS nodes ready, Prometheus on 127.0.0.1:$PROMETHEUS_PORT"
}

check_agent_pods() {
    local line node pod restarts image user caps bad="" n=0
    while read -r node pod _ restarts; do
        [ -n "$pod" ] || continue
        n=$((n + 1))
        image=$(kc -n "$NS" get pod "$pod" -o jsonpath='{.spec.containers[0].image}')
        user=$(kc -n "$NS" exec "$pod" -- id -u 2>&1)
        caps=$(kc -n "$NS" exec "$pod" -- sh -c 'grep CapEff /proc/1/status' 2>&1 | awk '{print $2}')
        [ "$image" = "$AGENT_IMAGE" ] || bad+="$pod runs $image; "
        [ "$user" = 10001 ] || bad+="$pod runs as uid $user; "
        [ "$caps" = 0000000000000000 ] || bad+="$pod has capabilities $caps; "
        [ "$restarts" = 0 ] || bad+="$pod restarted $restarts times (probes, memory?); "
        line="$node: $pod"
    done <<< "$(agent_pods)"
    if [ "$n" = "$WORKERS" ] && [ -z "$bad" ]; then
        check_ok agent-pods "$n pods ($AGENT_IMAGE), uid 10001, CapEff 0, never restarted, e.g. $line"
    else
        fail agent-pods "$n pods for $WORKERS workers; ${bad:-}"
    fi
}

check_node_states() {
    local out ready
    out=$(kc -n "$NS" get dpunodestates -o jsonpath='{range .items[*]}{.metadata.name} ready={.status.conditions[?(@.type=="Ready")].status} ioUring={.status.capabilities.ioUring} mode={.status.effectiveOffloadMode} listener={.status.listenerAddress}{"\n"}{end}')
    ready=$(echo "$out" | grep -c 'ready=True ioUring=true')
    if [ "$ready" = "$WORKERS" ]; then
        check_ok node-states "$(echo "$out" | tr '\n' ';' | sed 's/;$//; s/;/; /g')"
    else
        fail node-states "$ready of $WORKERS Ready with io_uring: $(echo "$out" | tr '\n' ';')"
    fi
}

check_nvme_per_node() {
    local i port out detail="" bad=""
    for ((i = 1; i <= WORKERS; i++)); do
        port="WORKER_${i}_NVME_PORT"
        port=${!port}
        if out=$(loadgen "$port" "$RED_NQN" "$RED_HOSTNQN" --duration-s 3 --json - 2> "$WORK/loadgen-node$i.err" | tail -n 1) &&
            [ "$(echo "$out" | jq -r '.ops > 0 and .errors == 0 and .verifyMismatches == 0')" = true ]; then
            detail+="127.0.0.1:$port $(echo "$out" | jq -r '"\(.ops) ops, 0 errors"'); "
        else
            bad+="127.0.0.1:$port: ${out:-$(tail -n 2 "$WORK/loadgen-node$i.err" | tr '\n' ' ')}; "
        fi
    done
    if [ -z "$bad" ]; then
        check_ok nvme-per-node "verified I/O as tenant-red on every worker: $detail"
    else
        fail nvme-per-node "$bad"
    fi
}

check_tenant_added_live() {
    local before after gen
    before=$(agent_pods)
    gen=$(pool_status '{.status.configGeneration}')
    kc -n "$NS" patch dsp "$POOL" --type json -p "[{\"op\":\"add\",\"path\":\"/spec/volumes/-\",\"value\":{\"name\":\"$E2E_VOLUME\",\"nsid\":1,\"size\":\"$E2E_VOLUME_BYTES\",\"backend\":\"mem\",\"tenant\":\"$E2E_TENANT\"}}]" > /dev/null &&
        kc apply -f - > /dev/null <<YAML
apiVersion: storage.dpu.dev/v1alpha1
kind: TenantQoS
metadata: {name: $E2E_TENANT, namespace: $NS}
spec:
  poolRef: {name: $POOL}
  hostNqns: ["$HOSTNQN"]
  volumes: [$E2E_VOLUME]
  limits: {totalIops: 50000}
YAML
    [ $? -eq 0 ] || { fail tenant-added-live "kubectl could not add the tenant"; return 1; }
    tenant_nqn() { E2E_NQN=$(kc -n "$NS" get tqos "$E2E_TENANT" -o jsonpath='{.status.subsystemNqn}'); [ -n "$E2E_NQN" ]; }
    new_generation_applied() { [ "$(pool_status '{.status.configGeneration}')" != "$gen" ] && pool_settled; }
    if ! poll 120 tenant_nqn || ! poll 120 new_generation_applied; then
        fail tenant-added-live "pool did not apply the new tenant within 120 s (generation $gen -> $(pool_status '{.status.configGeneration}'))"
        return 1
    fi
    tenant_nqn
    after=$(agent_pods)
    if [ "$before" = "$after" ]; then
        check_ok tenant-added-live "$E2E_NQN on every node, configuration generation $gen -> $(pool_status '{.status.configGeneration}'), pods unchanged"
    else
        fail tenant-added-live "pods changed: before [$before] after [$after]"
    fi
}

# The stock Linux initiator (Debian's kernel in QEMU, e2e/vm/) against worker 1's agent pod,
# through the port the cluster publishes on the host (10.0.2.2 is the host seen from the VM).
run_initiator_vm() {
    local start=$SECONDS name
    if ! initiator_vm_image "$WORK/vm.err"; then
        for name in $GUEST_CHECKS; do check_failed "$name" "skipped: no VM image: $(cat "$WORK/vm.err")"; done
        return 1
    fi
    initiator_vm_params "$WORK" "TRSVCID=$WORKER_1_NVME_PORT" "SUBNQN=$E2E_NQN" \
        "HOSTNQN=$HOSTNQN" "BAD_HOSTNQN=$BAD_HOSTNQN" "NAMESPACES=1:$E2E_VOLUME_BYTES:512" ||
        { for name in $GUEST_CHECKS; do check_failed "$name" "skipped: could not write the VM's parameters"; done; return 1; }
    log "booting the initiator VM (kernel $VM_KERNEL_VERSION) -> 10.0.2.2:$WORKER_1_NVME_PORT ($WORKER_1_NODE), at most $VM_TIMEOUT s"
    initiator_vm_run "$WORK" "vm "
    initiator_vm_count_checks "$WORK" "$GUEST_CHECKS"
    if ! initiator_vm_finished "$WORK"; then
        log "the initiator VM did not finish; last lines of $WORK/initiator-console.log:"
        vm_console_tail "$WORK/initiator-console.log" 25
    fi
    if echo "$INITIATOR_VM_MARKERS" | grep -q '^FAIL'; then
        initiator_vm_dmesg "$WORK" | grep -iE 'nvme|nvmf' | tail -n 20 | sed 's/^/    | kernel: /' >&2
        diagnose "initiator VM"
    fi
    log "initiator VM finished after $((SECONDS - start)) s"
}

check_refusal_logged() {
    local pod line
    pod=$(kc -n "$NS" get pods -l app.kubernetes.io/name=dpu-agent --field-selector "spec.nodeName=$WORKER_1_NODE" -o name | head -1)
    line=$(kc -n "$NS" logs "$pod" 2>/dev/null | grep -F "$BAD_HOSTNQN" | grep -iE 'not allowed|refus|reject|denied' | head -n 1)
    if [ -n "$line" ]; then
        check_ok refused-host-logged "$pod: $(echo "$line" | cut -c1-220)"
    else
        fail refused-host-logged "no line in the log of $pod names $BAD_HOSTNQN as refused"
    fi
}

check_qos_live() {
    local before after want=3000 got
    before=$(agent_pods)
    kc -n "$NS" patch tqos tenant-blue --type merge -p "{\"spec\":{\"limits\":{\"totalIops\":$want}}}" > /dev/null ||
        { fail qos-live "kubectl patch failed"; return 1; }
    limit_everywhere() {
        [ "$(prom_value "count(dpu_dataplane_tenant_limit{tenant=\"tenant-blue\",limit=\"total_iops\"} == $want)")" = "$WORKERS" ]
    }
    if ! poll 90 limit_everywhere; then
        got=$(prom_query 'dpu_dataplane_tenant_limit{tenant="tenant-blue",limit="total_iops"}' | tr '\n' ';')
        fail qos-live "Prometheus does not show total_iops=$want for tenant-blue on all $WORKERS nodes within 90 s: ${got:-no series}"
        return 1
    fi
    after=$(agent_pods)
    got=$(prom_query 'dpu_dataplane_tenant_limit{tenant="tenant-blue",limit="total_iops"}' | sed 's/.*node=\([^,]*\).* \(.*\)/\1=\2/' | tr '\n' ' ')
    if [ "$before" = "$after" ]; then
        check_ok qos-live "Prometheus (127.0.0.1:$PROMETHEUS_PORT): total_iops $got; pods' uid and restartCount unchanged"
    else
        fail qos-live "limit applied but pods changed: before [$before] after [$after]"
    fi
}

# Pod readiness per node, one line per second: "epoch node1:ready|notready|none node2:..."
watch_rollout() {
    local n r
    while :; do
        line="$(date +%s)"
        for ((n = 1; n <= WORKERS; n++)); do
            local node="WORKER_${n}_NODE"
            r=$(kc -n "$NS" get pods -l app.kubernetes.io/name=dpu-agent --field-selector "spec.nodeName=${!node}" \
                -o jsonpath='{range .items[*]}{.metadata.uid}={.status.conditions[?(@.type=="Ready")].status}{","}{end}' 2>/dev/null)
            line+=" ${r:-none}"
        done
        echo "$line"
        sleep 1
    done
}

check_rolling_restart() {
    local before queues i port pid watch_pid first_node other t_down t_up bad ops lines
    before=$(agent_pods)
    queues=$(kc -n "$NS" get offprof fast -o jsonpath='{.spec.queues}')
    # I/O against every node for the whole rollout; each stream ends when its own node's pod
    # goes. Its lines "t=Ns iops=..." are turned into epoch seconds with the start time.
    for ((i = 1; i <= WORKERS; i++)); do
        port="WORKER_${i}_NVME_PORT"
        date +%s > "$WORK/rollout-io-node$i.start"
        loadgen "${!port}" "$RED_NQN" "$RED_HOSTNQN" --duration-s 400 --interval-ms 1000 > "$WORK/rollout-io-node$i.raw" 2>&1 &
        BG_PIDS+=($!)
    done
    watch_rollout > "$WORK/rollout-pods.log" &
    watch_pid=$!
    BG_PIDS+=("$watch_pid")
    sleep 3
    log "OffloadProfile fast: queues $queues -> $((queues - 1)) (needs a restart: the DaemonSet rolls)"
    kc -n "$NS" patch offprof fast --type merge -p "{\"spec\":{\"queues\":$((queues - 1))}}" > /dev/null ||
        { fail rolling-restart "kubectl patch failed"; return 1; }
    all_replaced() {
        local now
        now=$(agent_pods)
        [ "$(echo "$now" | grep -c .)" = "$WORKERS" ] &&
            [ -z "$(comm -12 <(echo "$before" | awk '{print $3}' | sort) <(echo "$now" | awk '{print $3}' | sort))" ] &&
            pool_settled
    }
    if ! poll 420 all_replaced; then
        kill "$watch_pid" 2>/dev/null
        fail rolling-restart "the DaemonSet did not replace every pod and settle within 420 s"
        return 1
    fi
    sleep 2
    kill "$watch_pid" 2>/dev/null
    for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    for ((i = 1; i <= WORKERS; i++)); do
        awk -v t0="$(cat "$WORK/rollout-io-node$i.start")" '/^t=[0-9]+s / {t = substr($1, 3) + 0; print t0 + t, $0}' \
            "$WORK/rollout-io-node$i.raw" > "$WORK/rollout-io-node$i.log"
    done
    # maxUnavailable 1: never two nodes without a ready pod at the same second.
    bad=$(awk '{down = 0; for (i = 2; i <= NF; i++) if ($i !~ /=True,$/) down++; if (down > 1) print}' "$WORK/rollout-pods.log" | head -n 1)
    # The first node to go: the first line where a node is not ready; the window it is down.
    first_node=$(awk '{for (i = 2; i <= NF; i++) if ($i !~ /=True,$/) { print i - 1; exit }}' "$WORK/rollout-pods.log")
    if [ -n "$bad" ] || [ -z "$first_node" ]; then
        fail rolling-restart "${bad:+two nodes down at once: $bad}${first_node:-no node was seen going down}"
        return 1
    fi
    t_down=$(awk -v c=$((first_node + 1)) '$c !~ /=True,$/ {print $1; exit}' "$WORK/rollout-pods.log")
    t_up=$(awk -v c=$((first_node + 1)) -v t="$t_down" '$1 > t && $c ~ /=True,$/ {print $1; exit}' "$WORK/rollout-pods.log")
    other=$((first_node % WORKERS + 1))
    # The window ends when the first node is back, or when the other node's own pod starts
    # going (the DaemonSet moves on as soon as it sees the first one ready; pod states are
    # sampled every second or two, so the last two seconds are left out).
    t_other=$(awk -v c=$((other + 1)) -v t="$t_down" '$1 > t && $c !~ /=True,$/ {print $1; exit}' "$WORK/rollout-pods.log")
    [ -z "$t_up" ] || { [ -n "$t_other" ] && [ "$t_other" -lt "$t_up" ] && t_up=$t_other; t_up=$((t_up - 2)); }
    # I/O on the other node during that window: every interval line with ops and no errors.
    lines=$(awk -v a="$t_down" -v b="$t_up" '$1 >= a && $1 <= b && /iops=/' "$WORK/rollout-io-node$other.log")
    ops=$(echo "$lines" | grep -c 'errors=0' )
    if [ -n "$t_up" ] && [ "$ops" -ge $((t_up - t_down - 2)) ] && ! echo "$lines" | grep -q 'errors=[1-9]' &&
        ! echo "$lines" | grep -q 'iops=0 '; then
        check_ok rolling-restart "one node at a time (never two down); while node $first_node's agent restarted, node $other served I/O every second ($ops intervals of 1 s, 0 errors); then node $other's; pool settled, all pods new"
    else
        fail rolling-restart "node $first_node down from $t_down to ${t_up:-?}; node $other's I/O then: $(echo "$lines" | head -n 3 | tr '\n' '|') ($ops good intervals; logs $WORK/rollout-*.log)"
    fi
}

block_http() { docker exec "$1" iptables -I INPUT -p tcp --dport 9480 -j DROP; }
unblock_http() { docker exec "$1" iptables -D INPUT -p tcp --dport 9480 -j DROP 2>/dev/null; UNBLOCK_NODE=; }

check_readiness_in_status() {
    local reason msg
    log "blocking the agent's HTTP port on $WORKER_1_NODE (iptables), so the kubelet's readiness probe fails"
    block_http "$WORKER_1_NODE" || { fail readiness-in-status "iptables in node $WORKER_1_NODE failed"; return 1; }
    UNBLOCK_NODE=$WORKER_1_NODE
    shows_not_ready() {
        [ "$(pool_status '{.status.conditions[?(@.type=="Ready")].status}')" = False ] &&
            [ "$(pool_status '{.status.nodesReady}')" = "$((WORKERS - 1))" ]
    }
    if ! poll 60 shows_not_ready; then
        unblock_http "$WORKER_1_NODE"
        fail readiness-in-status "pool status still says $(pool_status '{.status.nodesReady}') nodes ready, Ready=$(pool_status '{.status.conditions[?(@.type=="Ready")].status}') after 60 s"
        return 1
    fi
    reason=$(pool_status '{.status.conditions[?(@.type=="Ready")].reason}')
    msg=$(pool_status '{.status.conditions[?(@.type=="Ready")].message}')
    unblock_http "$WORKER_1_NODE"
    if ! poll 120 pool_settled; then
        fail readiness-in-status "shown ($reason), but the pool did not become Ready again within 120 s of unblocking"
        return 1
    fi
    check_ok readiness-in-status "nodesReady $((WORKERS - 1))/$WORKERS, Ready False $reason: $(echo "$msg" | cut -c1-120)...; Ready again after unblocking"
}

check_pool_deleted() {
    local left
    kc -n "$NS" delete dsp "$POOL" --wait=false > /dev/null || { fail pool-deleted "kubectl delete failed"; return 1; }
    owned_left() {
        left=$(kc -n "$NS" get daemonset/$POOL-agent configmap/$POOL-dataplane service/$POOL-metrics \
            serviceaccount/$POOL-agent role/$POOL-agent rolebinding/$POOL-agent -o name --ignore-not-found 2>/dev/null)
        left+=$(kc -n "$NS" get pods -l app.kubernetes.io/name=dpu-agent -o name 2>/dev/null)
        echo "$left"
        [ -z "$left" ]
    }
    if poll 120 owned_left; then
        check_ok pool-deleted "DaemonSet, ConfigMap, Service, ServiceAccount, Role, RoleBinding and the agent pods gone"
    else
        fail pool-deleted "still there after 120 s: $(owned_left | tr '\n' ' ')"
    fi
}

check_teardown() {
    local left
    teardown
    left=$(docker ps -a --filter "label=io.x-k8s.kind.cluster=$KIND_CLUSTER_NAME" --format '{{.Names}}' 2>/dev/null | tr '\n' ' ')
    if [ "$KIND_E2E_KEEP" = 1 ]; then
        check_ok teardown "KIND_E2E_KEEP=1: cluster kept"
    elif [ -z "$left" ]; then
        check_ok teardown "cluster $KIND_CLUSTER_NAME deleted; $(grep -E 'dockerd' "$WORK/down.log" | tail -n 1 | sed 's/^\[[^]]*\] //' || true)"
    else
        check_failed teardown "containers left: $left (log $WORK/down.log)"
    fi
}

skip_all() { # REASON
    local name
    for name in agent-pods node-states nvme-per-node tenant-added-live $GUEST_CHECKS refused-host-logged \
        qos-live rolling-restart readiness-in-status pool-deleted; do
        check_failed "$name" "skipped: $1"
    done
}

main() {
    local start=$SECONDS
    log "KinD end to end, cluster $KIND_CLUSTER_NAME, work dir $WORK"
    if [ ! -f "$REPO_DIR/operator/controller/target/quarkus-app/quarkus-run.jar" ] ||
        [ ! -f "$REPO_DIR/dpu-daemonset/target/quarkus-app/quarkus-run.jar" ] || [ ! -x "$LOADGEN" ]; then
        log "building the operator, the agent and the load generator (./mvnw package -DskipTests)"
        (cd "$REPO_DIR" && . ./jdk.sh && dpu_select_jdk >/dev/null &&
            ./mvnw -B -ntp -q package -DskipTests -pl operator/controller,dpu-daemonset -am) > "$WORK/mvn.log" 2>&1 ||
            { check_failed build "./mvnw package failed (log $WORK/mvn.log)"; skip_all "no build"; checks_summary; return; }
    fi
    if check_system_up; then
        check_agent_pods
        check_node_states
        check_nvme_per_node
        if check_tenant_added_live; then
            run_initiator_vm
            check_refusal_logged
        else
            for name in $GUEST_CHECKS refused-host-logged; do check_failed "$name" "skipped: no e2e tenant"; done
        fi
        check_qos_live
        check_rolling_restart
        check_readiness_in_status
        check_pool_deleted
    else
        skip_all "the system did not come up"
    fi
    check_teardown
    log "done in $((SECONDS - start)) s"
    checks_summary
}

# On one line, so bash has read all it will run before main starts.
main; exit $?

#!/usr/bin/env bash
# Checks ./run.sh the way a person uses the sandbox: bring it up, look at the pool and the node
# state, drive NVMe/TCP I/O as an allowed and as a foreign host, read IOPS back from Prometheus,
# change a tenant's limit and see the running agent apply it, apply every sample in samples/
# (e2e/sandbox/samples.sh), check the initiator-side pool (e2e/sandbox/remote-checks.sh), run
# every dashboard query against Prometheus while I/O runs (e2e/dashboards-live.sh), evaluate the
# Argo CD health checks on the objects, use `kubectl dpu` and install the Helm chart
# (e2e/sandbox/gitops.sh), then `./run.sh down` and find no
# process left. Its own state directory and ports, so a sandbox already up is not touched.
# Reuses the jars built before (./test.sh has run ./mvnw verify); SMOKE_BUILD=1 builds them.
# Prints one line per check and "N passed, M failed".
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
. "$here/lib/cache.sh"
. "$here/lib/checks.sh"

SANDBOX_DIR="$(mktemp -d /tmp/dpu-sandbox-smoke.XXXXXX)" || exit 1
export SANDBOX_DIR
# Its own ports (overridable, so two checkouts can run it side by side).
export SANDBOX_APISERVER_PORT="${SMOKE_APISERVER_PORT:-26443}" SANDBOX_ETCD_PORT="${SMOKE_ETCD_PORT:-26379}" \
    SANDBOX_NVME_PORT="${SMOKE_NVME_PORT:-24420}" SANDBOX_AGENT_HTTP_PORT="${SMOKE_AGENT_HTTP_PORT:-29480}" \
    SANDBOX_OPERATOR_HTTP_PORT="${SMOKE_OPERATOR_HTTP_PORT:-28080}" SANDBOX_PROMETHEUS_PORT="${SMOKE_PROMETHEUS_PORT:-29090}" \
    SANDBOX_STORAGE_PORT="${SMOKE_STORAGE_PORT:-24430}" SANDBOX_REMOTE_NVME_PORT="${SMOKE_REMOTE_NVME_PORT:-24431}" \
    SANDBOX_REMOTE_AGENT_HTTP_PORT="${SMOKE_REMOTE_AGENT_HTTP_PORT:-29490}"
[ "${SMOKE_BUILD:-0}" = 1 ] || export RUN_SKIP_BUILD=1
kubeconfig="$SANDBOX_DIR/control-plane/admin.kubeconfig"
kc() { "$KUBE_BIN_DIR/kubectl" --kubeconfig "$kubeconfig" -n storage "$@"; }
. "$here/sandbox/samples.sh"
. "$here/sandbox/remote-checks.sh"
. "$here/sandbox/gitops.sh"
loadgen="$repo/dataplane/build/dpu-loadgen"
blue_nqn=nqn.2024-01.dev.dpu:storage.pool-a.tenant-blue
blue_host=nqn.2014-08.org.nvmexpress:uuid:0b1ee000-0000-4000-8000-000000000001
foreign_host=nqn.2014-08.org.nvmexpress:uuid:f0f0f0f0-0000-4000-8000-00000000dead

cleanup() {
    gitops_cleanup
    "$repo/run.sh" down >/dev/null 2>&1
    rm -rf "$SANDBOX_DIR"
}
trap cleanup EXIT

# poll SECONDS COMMAND...: true as soon as COMMAND succeeds.
poll() {
    local secs=$1 i; shift
    for ((i = 0; i < secs; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
    return 1
}
result() { # name, detail, command...: PASS when the command succeeds
    local name=$1 detail=$2; shift 2
    if "$@"; then check_ok "$name" "$detail"; else check_failed "$name" "$detail"; fi
}
prom_value() { # PROMQL: the first sample's value, empty when there is none
    curl -fsS "http://127.0.0.1:$SANDBOX_PROMETHEUS_PORT/api/v1/query" --data-urlencode "query=$1" |
        jq -r '.data.result[0].value[1] // empty'
}
agent_metric() { # SERIES-PREFIX: the value of the first line starting with it
    curl -fsS "http://127.0.0.1:$SANDBOX_AGENT_HTTP_PORT/q/metrics" | grep -F "$1" | head -1 | awk '{print $NF}'
}

echo "sandbox-smoke: ./run.sh up in $SANDBOX_DIR (log: $SANDBOX_DIR/run.out)"
"$repo/run.sh" > "$SANDBOX_DIR/run.out" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
    tail -n 30 "$SANDBOX_DIR/run.out"
    check_failed "run.sh up" "exit $rc; output above, logs in $SANDBOX_DIR"
    checks_summary
    exit 1
fi
result "run.sh up" "prints the KUBECONFIG export" grep -qF "export KUBECONFIG=$kubeconfig" "$SANDBOX_DIR/run.out"
agent_pid=$(awk '{print $1}' "$SANDBOX_DIR/agent.pid")
all_pids="$(cat "$SANDBOX_DIR"/*.pid "$SANDBOX_DIR"/control-plane/*.pid 2>/dev/null | awk '{print $1}')"

# The pool counts the one node with a real agent; kwok's fake pods on the others never report.
pool_counts() {
    [ "$(kc get dsp pool-a -o jsonpath='{.status.nodesDesired}/{.status.nodesReady}/{.status.nodesUpToDate}')" = 3/1/1 ]
}
poll 30 pool_counts
result "pool status" "$(kc get dsp pool-a -o jsonpath='desired {.status.nodesDesired}, ready {.status.nodesReady}, up to date {.status.nodesUpToDate}; {.status.conditions[?(@.type=="Ready")].message}')" pool_counts

gen=$(kc get dsp pool-a -o jsonpath='{.status.configGeneration}')
hash=$(kc get dsp pool-a -o jsonpath='{.status.configHash}')
state_applied() { # GENERATION HASH
    [ "$(kc get dpunode dpu-node-0 -o jsonpath='{.status.appliedConfigGeneration}/{.status.appliedConfigHash}')" = "$1/$2" ]
}
result "node state applied" "DpuNodeState dpu-node-0 runs generation $gen (hash ${hash:0:12}...)" \
    state_applied "$gen" "$hash"

"$loadgen" --address 127.0.0.1 --port "$SANDBOX_NVME_PORT" --nqn "$blue_nqn" --hostnqn "$blue_host" \
    --nsid 1 --rw randrw --qd 8 --duration-s 8 --verify --json "$SANDBOX_DIR/loadgen.json" \
    > "$SANDBOX_DIR/loadgen.out" 2>&1
lg_rc=$?
ops=$(jq -r '.ops // 0' "$SANDBOX_DIR/loadgen.json" 2>/dev/null || echo 0)
errs=$(jq -r '(.errors // 1) + (.verifyMismatches // 0)' "$SANDBOX_DIR/loadgen.json" 2>/dev/null || echo 1)
result "I/O as allowed host" "dpu-loadgen exit $lg_rc, $ops I/Os, $errs errors or mismatches" \
    [ "$lg_rc" -eq 0 -a "${ops:-0}" -gt 0 -a "${errs:-1}" -eq 0 ]

# The DpuVolume of samples/basic: Ready, and served by the real agent as namespace 2 of tenant-blue.
volume_served() { [ "$(kc get dpuvol blue-scratch -o jsonpath='{.status.conditions[?(@.type=="Ready")].reason}')" = Served ]; }
poll 30 volume_served
"$loadgen" --address 127.0.0.1 --port "$SANDBOX_NVME_PORT" --nqn "$blue_nqn" --hostnqn "$blue_host" \
    --nsid 2 --rw randrw --qd 4 --ops 2000 --verify --json "$SANDBOX_DIR/loadgen-dpuvolume.json" \
    > "$SANDBOX_DIR/loadgen-dpuvolume.out" 2>&1
lg_rc=$?
ops=$(jq -r '.ops // 0' "$SANDBOX_DIR/loadgen-dpuvolume.json" 2>/dev/null || echo 0)
errs=$(jq -r '(.errors // 1) + (.verifyMismatches // 0)' "$SANDBOX_DIR/loadgen-dpuvolume.json" 2>/dev/null || echo 1)
result "DpuVolume served" "blue-scratch $(kc get dpuvol blue-scratch -o jsonpath='{.status.conditions[?(@.type=="Ready")].reason}'); dpu-loadgen on nsid 2: exit $lg_rc, $ops I/Os, $errs errors or mismatches" \
    [ "$lg_rc" -eq 0 -a "${ops:-0}" -gt 0 -a "${errs:-1}" -eq 0 ]

"$loadgen" --address 127.0.0.1 --port "$SANDBOX_NVME_PORT" --nqn "$blue_nqn" --hostnqn "$foreign_host" \
    --nsid 1 --rw randread --ops 10 > "$SANDBOX_DIR/foreign.out" 2>&1
fg_rc=$?
result "foreign host refused" "exit $fg_rc: $(tr '\n' ' ' < "$SANDBOX_DIR/foreign.out" | cut -c1-90)" \
    grep -q 'host not allowed' "$SANDBOX_DIR/foreign.out"

iops_query='sum(rate(dpu_dataplane_tenant_io_ops_total{tenant="tenant-blue"}[1m]))'
prom_has_iops() { awk -v v="$(prom_value "$iops_query")" 'BEGIN { exit !(v + 0 > 0) }'; }
# A loaded machine can make the agent's first scrapes slow: give Prometheus a minute, and
# say what it saw of the agent's target if the series never shows.
poll 60 prom_has_iops
agent_target() {
    curl -fsS "http://127.0.0.1:$SANDBOX_PROMETHEUS_PORT/api/v1/targets" |
        jq -r '.data.activeTargets[] | select(.labels.job=="dpu-agent") | "agent target \(.health) \(.lastError)"'
}
result "Prometheus IOPS" "$iops_query = $(prom_value "$iops_query"); $(agent_target)" prom_has_iops

operator_up='up{job="dpu-offload-operator"}'
operator_scraped() { [ "$(prom_value "$operator_up")" = 1 ]; }
poll 20 operator_scraped
result "Prometheus operator" "$operator_up = $(prom_value "$operator_up")" operator_scraped

# A live QoS change: new generation in the ConfigMap, applied by the same agent process.
kc patch tqos tenant-blue --type merge -p '{"spec":{"limits":{"totalIops":5000,"burstIops":5000}}}' >/dev/null
new_gen_seen() { [ "$(kc get dsp pool-a -o jsonpath='{.status.configGeneration}')" -gt "$gen" ]; }
poll 30 new_gen_seen
new_gen=$(kc get dsp pool-a -o jsonpath='{.status.configGeneration}')
new_hash=$(kc get dsp pool-a -o jsonpath='{.status.configHash}')
poll 30 state_applied "$new_gen" "$new_hash"
result "limit change applied" "generation $gen -> $new_gen in DpuNodeState dpu-node-0" state_applied "$new_gen" "$new_hash"
limit_is_5000() { [ "$(agent_metric 'dpu_dataplane_tenant_limit{pool="pool-a",node="dpu-node-0",tenant="tenant-blue",limit="total_iops"}')" = 5000.0 ]; }
poll 10 limit_is_5000
result "limit in agent metrics" "dpu_dataplane_tenant_limit total_iops = $(agent_metric 'dpu_dataplane_tenant_limit{pool="pool-a",node="dpu-node-0",tenant="tenant-blue",limit="total_iops"}')" limit_is_5000
result "agent not restarted" "pid $agent_pid before, $(awk '{print $1}' "$SANDBOX_DIR/agent.pid") after" \
    [ "$(awk '{print $1}' "$SANDBOX_DIR/agent.pid")" = "$agent_pid" -a -d "/proc/$agent_pid" ]

check_samples
check_remote_pool

# Every dashboard query against this sandbox's Prometheus while I/O runs (e2e/dashboards-live.sh:
# two more standalone agents, a throttled tenant, an encrypted namespace with digests).
"$here/dashboards-live.sh" > "$SANDBOX_DIR/dashboards-live.out" 2>&1
dash_rc=$?
[ $dash_rc -eq 0 ] || grep -E '^FAIL|^problem|ERROR' "$SANDBOX_DIR/dashboards-live.out" | head -20
result "dashboard queries" "$(grep -h '^coverage:' "$SANDBOX_DIR/dashboards-live.out" || echo "no coverage line; see $SANDBOX_DIR/dashboards-live.out")" \
    [ $dash_rc -eq 0 ]
result "dashboard metrics" "$(grep -h 'metric names in a real scrape' "$SANDBOX_DIR/dashboards-live.out" | cut -c7-)" \
    grep -q '^PASS  metric names in a real scrape' "$SANDBOX_DIR/dashboards-live.out"
result "alert rules loaded" "$(grep -h 'rules loaded' "$SANDBOX_DIR/dashboards-live.out" | cut -c7- | cut -c1-150)" \
    grep -q '^PASS  rules loaded' "$SANDBOX_DIR/dashboards-live.out"

check_argocd_health
check_kubectl_dpu
# Last: it stops the sandbox's operator to run the one the Helm chart deploys.
check_helm_install

"$repo/run.sh" down > "$SANDBOX_DIR/down.out" 2>&1
left=""
for p in $all_pids; do [ -d "/proc/$p" ] && left+="$p "; done
# Anything else still running from the state dir (a child that escaped its parent).
for d in /proc/[0-9]*; do
    # (a process may exit between the glob and the read: the redirection's error is silenced too)
    { cmd=$(tr '\0' ' ' < "$d/cmdline"); } 2>/dev/null || continue
    [[ $cmd == *"$SANDBOX_DIR/"* ]] && left+="${d#/proc/} "
done
result "run.sh down" "${left:-no process left of $(echo $all_pids | wc -w) started}" [ -z "$left" ]

checks_summary

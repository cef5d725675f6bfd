#!/usr/bin/env bash
# Runs every query of every dashboard in dashboards/ against the sandbox's real Prometheus while
# real I/O runs, and fails unless each one returns data. Needs a sandbox that is up
# (e2e/sandbox.sh up, same SANDBOX_DIR and SANDBOX_*_PORT settings); e2e/sandbox-smoke.sh runs it
# as one of its checks. What it adds to the sandbox, and removes again at the end:
#   - two standalone agents (the real agent jar and data path, no Kubernetes) scraped by the
#     sandbox's Prometheus through its file_sd directory:
#       pool-secure (namespace storage-secure, node dpu-secure-0): NonOffload, AES-256-XTS, header
#         and data digests required, two reactors, tenant "payments" limited to 300 IOPS;
#       pool-edge (namespace storage-edge, node dpu-edge-0): asks for FullOffload, which this
#         machine has no provider for, so it falls back to ZeroCopy (Degrade);
#   - dpu-loadgen runs: tenant-blue (randrw) and tenant-red (writes over its 2000 IOPS write
#     limit: throttled) on pool-a, payments with digests on pool-secure (encrypted, throttled), a
#     reader on pool-edge; a foreign host and a host without digests, both refused.
# Then dashboards/tools/query_check.py runs the queries with the template variables filled in
# from Prometheus and prints "queries run / returning data", checks the metric names against a
# real scrape and the loaded alert rules. --previews also draws docs/dashboards/*.png from the
# same queries (dashboards/tools/render.py); DASHBOARDS_PREVIEW_DIR overrides where to.
# Ports used besides the sandbox's: SANDBOX_NVME_PORT+1, +2 and SANDBOX_AGENT_HTTP_PORT+1, +2.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
. "$here/lib/cache.sh"

SANDBOX_DIR="${SANDBOX_DIR:-$DPU_CACHE_DIR/sandbox}"
SANDBOX_NVME_PORT="${SANDBOX_NVME_PORT:-4420}"
SANDBOX_AGENT_HTTP_PORT="${SANDBOX_AGENT_HTTP_PORT:-9480}"
SANDBOX_PROMETHEUS_PORT="${SANDBOX_PROMETHEUS_PORT:-9090}"
IO_SECONDS="${DASHBOARDS_IO_SECONDS:-40}"
previews=0
# Debian's python3 with python3-yaml and python3-matplotlib (setup.sh), not whatever python3 is first on PATH.
python="${DASHBOARDS_PYTHON:-/usr/bin/python3}"
[ "${1:-}" = --previews ] && previews=1

prom="http://127.0.0.1:$SANDBOX_PROMETHEUS_PORT"
work="$SANDBOX_DIR/dashboards"
loadgen="$repo/dataplane/build/dpu-loadgen"
agent_jar="$repo/dpu-daemonset/target/quarkus-app/quarkus-run.jar"
blue_nqn=nqn.2024-01.dev.dpu:storage.pool-a.tenant-blue
blue_host=nqn.2014-08.org.nvmexpress:uuid:0b1ee000-0000-4000-8000-000000000001
red_nqn=nqn.2024-01.dev.dpu:storage.pool-a.tenant-red
red_host=nqn.2014-08.org.nvmexpress:uuid:0e0d0000-0000-4000-8000-000000000002
secure_nqn=nqn.2024-01.dev.dpu:storage-secure.pool-secure.payments
secure_host=nqn.2014-08.org.nvmexpress:uuid:5a1e0000-0000-4000-8000-0000000000a1
edge_nqn=nqn.2024-01.dev.dpu:storage-edge.pool-edge.analytics
edge_host=nqn.2014-08.org.nvmexpress:uuid:a9a10000-0000-4000-8000-0000000000b1
foreign_host=nqn.2014-08.org.nvmexpress:uuid:f0f0f0f0-0000-4000-8000-00000000dead

log() { printf '[dashboards-live] %s\n' "$*"; }
die() { printf '[dashboards-live] ERROR: %s\n' "$*" >&2; exit 1; }

curl -fsS "$prom/-/ready" >/dev/null 2>&1 || die "no Prometheus at $prom: bring the sandbox up first (e2e/sandbox.sh up) with the same SANDBOX_* settings"
[ -d "$SANDBOX_DIR/prometheus-targets" ] || die "$SANDBOX_DIR/prometheus-targets missing: the sandbox was started by an older e2e/sandbox.sh; restart it"
for f in "$loadgen" "$agent_jar"; do
    [ -e "$f" ] || die "$f missing: build first (./mvnw -B package -DskipTests)"
done
java=$(. "$repo/jdk.sh" && dpu_select_jdk >/dev/null && echo "$JAVA_HOME/bin/java") || die "no JDK 22+ (see jdk.sh)"
mkdir -p "$work"

pids=()
stop_all() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do
        for _ in $(seq 1 80); do kill -0 "$p" 2>/dev/null || break; sleep 0.25; done
        kill -9 "$p" 2>/dev/null
    done
    rm -f "$SANDBOX_DIR/prometheus-targets/dashboards-live.json"
    declare -F cleanup_quota >/dev/null && cleanup_quota
}
trap stop_all EXIT

# agent_config NAME MODE NQN HOST TENANT_JSON EXTRA_OFFLOAD REACTORS NVME_PORT
agent_config() {
    cat > "$work/$1.json" <<JSON
{"pool":"$1","listen":{"address":"127.0.0.1","port":$8},"reactors":$7,
 "offload":{"mode":"$2","fallback":"Degrade"$6},
 "subsystems":[{"nqn":"$3","tenant":"${5%%:*}","hosts":["$4"],
   "namespaces":[{"nsid":1,"volume":"$1-data","backend":"ram","sizeBytes":134217728,"blockSize":4096}]}],
 "tenants":[{"name":"${5%%:*}","limits":${5#*:}}]}
JSON
}

# start_agent NAME NODE HTTP_PORT: the agent jar in standalone mode with the config written above.
start_agent() {
    setsid "$java" -Xmx128m -XX:TieredStopAtLevel=1 -Ddpu.agent.config-file="$work/$1.json" \
        -Ddpu.agent.node-name="$2" -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$3" \
        -jar "$agent_jar" > "$work/$1.log" 2>&1 < /dev/null &
    pids+=($!)
    log "started standalone agent $1 as node $2 (pid $!, http 127.0.0.1:$3, log $work/$1.log)"
}

head -c 64 /dev/urandom > "$work/pool-secure.key"
secure_http=$((SANDBOX_AGENT_HTTP_PORT + 1)) edge_http=$((SANDBOX_AGENT_HTTP_PORT + 2))
secure_port=$((SANDBOX_NVME_PORT + 1)) edge_port=$((SANDBOX_NVME_PORT + 2))
agent_config pool-secure NonOffload "$secure_nqn" "$secure_host" 'payments:{"totalIops":300,"burstIops":300}' \
    ",\"requireHeaderDigest\":true,\"requireDataDigest\":true,\"encryption\":{\"algorithm\":\"AES-256-XTS\",\"keySecret\":\"pool-secure-xts-key\",\"keyFile\":\"$work/pool-secure.key\"}" \
    2 "$secure_port"
agent_config pool-edge FullOffload "$edge_nqn" "$edge_host" 'analytics:{"readBytesPerSecond":524288000}' "" 1 "$edge_port"
start_agent pool-secure dpu-secure-0 "$secure_http"
start_agent pool-edge dpu-edge-0 "$edge_http"
cat > "$SANDBOX_DIR/prometheus-targets/dashboards-live.json.tmp" <<JSON
[{"targets":["127.0.0.1:$secure_http"],"labels":{"namespace":"storage-secure"}},
 {"targets":["127.0.0.1:$edge_http"],"labels":{"namespace":"storage-edge"}}]
JSON
mv "$SANDBOX_DIR/prometheus-targets/dashboards-live.json.tmp" "$SANDBOX_DIR/prometheus-targets/dashboards-live.json"

ready() { curl -fsS "http://127.0.0.1:$1/q/health/ready" >/dev/null 2>&1; }
for port in "$secure_http" "$edge_http"; do
    for _ in $(seq 1 90); do ready "$port" && break; sleep 1; done
    ready "$port" || die "standalone agent on http port $port not ready after 90 s; logs in $work"
done
scraped() {
    curl -fsS "$prom/api/v1/query" --data-urlencode 'query=count(dpu_agent_ready{pool=~"pool-secure|pool-edge"})' |
        jq -e '(.data.result[0].value[1] // "0" | tonumber) == 2' >/dev/null
}
for _ in $(seq 1 60); do scraped && break; sleep 1; done
scraped || die "Prometheus does not scrape the standalone agents (file_sd $SANDBOX_DIR/prometheus-targets)"

# A reconcile that fails, as it does when a namespace's ResourceQuota forbids the pool's
# ConfigMap: the operator's error series exist only once something failed.
kc() { "$KUBE_BIN_DIR/kubectl" --kubeconfig "$SANDBOX_DIR/control-plane/admin.kubeconfig" "$@"; }
quota_ns=dashboards-quota
kc apply -f - > "$work/quota.out" 2>&1 <<YAML || die "could not create the quota namespace: $(cat "$work/quota.out")"
apiVersion: v1
kind: Namespace
metadata: {name: $quota_ns}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: no-configmaps, namespace: $quota_ns}
spec: {hard: {count/configmaps: "0"}}
---
apiVersion: storage.dpu.dev/v1alpha1
kind: OffloadProfile
metadata: {name: plain, namespace: $quota_ns}
spec: {mode: ZeroCopy}
---
apiVersion: storage.dpu.dev/v1alpha1
kind: DpuStoragePool
metadata: {name: pool-quota, namespace: $quota_ns}
spec:
  nodeSelector: {storage.dpu.dev/pool: none}
  offloadProfileRef: {name: plain}
  listener: {port: 4420}
  backends: [{name: mem, type: Ram}]
  volumes: [{name: v, nsid: 1, size: 16Mi, backend: mem, tenant: nobody}]
YAML
cleanup_quota() { kc delete namespace "$quota_ns" --wait=false >/dev/null 2>&1; }

# lg NAME PORT NQN HOST ARGS...: one dpu-loadgen run in the background.
lg() {
    local name=$1 port=$2 nqn=$3 host=$4; shift 4
    "$loadgen" --address 127.0.0.1 --port "$port" --nqn "$nqn" --hostnqn "$host" --nsid 1 "$@" \
        > "$work/loadgen-$name.out" 2>&1 &
    lg_pids+=("$!:$name")
}
lg_pids=()
log "I/O for ${IO_SECONDS}s: tenant-blue randrw, tenant-red writes over its limit, payments encrypted with digests, analytics reads"
lg blue "$SANDBOX_NVME_PORT" "$blue_nqn" "$blue_host" --rw randrw --qd 4 --duration-s "$IO_SECONDS" --verify
lg red "$SANDBOX_NVME_PORT" "$red_nqn" "$red_host" --rw randwrite --qd 16 --duration-s "$IO_SECONDS"
lg payments "$secure_port" "$secure_nqn" "$secure_host" --rw randrw --qd 8 --duration-s "$IO_SECONDS" \
    --header-digest --data-digest --verify
lg analytics "$edge_port" "$edge_nqn" "$edge_host" --rw randread --qd 4 --bs 65536 --duration-s "$IO_SECONDS"
sleep 3
# Refusals the dashboards count: a host not on the allow-list, a host without required digests.
"$loadgen" --address 127.0.0.1 --port "$SANDBOX_NVME_PORT" --nqn "$blue_nqn" --hostnqn "$foreign_host" \
    --nsid 1 --rw randread --ops 1 > "$work/loadgen-foreign.out" 2>&1
"$loadgen" --address 127.0.0.1 --port "$secure_port" --nqn "$secure_nqn" --hostnqn "$secure_host" \
    --nsid 1 --rw randread --ops 1 > "$work/loadgen-nodigest.out" 2>&1
# Let the rates and histograms fill (scrape interval 5 s; the queries use 1 minute windows).
sleep $((IO_SECONDS * 3 / 4))

check_args=(--prometheus "$prom" --metrics-url "http://127.0.0.1:$SANDBOX_AGENT_HTTP_PORT/q/metrics"
    --metrics-url "http://127.0.0.1:$secure_http/q/metrics")
[ -n "${SANDBOX_OPERATOR_HTTP_PORT:-}" ] && check_args+=(--metrics-url "http://127.0.0.1:$SANDBOX_OPERATOR_HTTP_PORT/q/metrics")
# The initiator-side pool's agent (samples/remote in the sandbox): the remote backend's series.
check_args+=(--metrics-url "http://127.0.0.1:${SANDBOX_REMOTE_AGENT_HTTP_PORT:-9490}/q/metrics")
"$python" "$repo/dashboards/tools/query_check.py" "${check_args[@]}"
rc=$?
if [ "$previews" = 1 ]; then
    "$python" "$repo/dashboards/tools/render.py" --prometheus "$prom" \
        --minutes 1 --out "${DASHBOARDS_PREVIEW_DIR:-$repo/docs/dashboards}" || rc=1
fi

io_failed=0
for entry in "${lg_pids[@]}"; do
    wait "${entry%%:*}" || { log "dpu-loadgen ${entry#*:} failed: $(tail -2 "$work/loadgen-${entry#*:}.out" | tr '\n' ' ')"; io_failed=1; }
done
[ "$io_failed" = 0 ] || rc=1
exit $rc

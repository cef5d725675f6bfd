#!/usr/bin/env bash
# The scale benchmark (not a test): the operator against a simulated fleet on the real control
# plane, for each fleet size, measured; results in docs/scale.json and docs/scale.png.
#   e2e/scale/run.sh [--nodes 100,300,1000] [--pools 10] [--tenants-per-node 1] [--volumes 4]
#                    [--agent-tenants 1000] [--out DIR]
# Per size N: the control plane (with an audit log), kwok with N nodes, the packaged operator as
# its service account, the agent simulator (agentsim.py: every node's DpuNodeState by server-side
# apply, as agents write it), then scenario.py: apply P pools (half of them with an encrypted
# profile and its key Secret), N x tenants-per-node TenantQoS and V DpuVolumes per tenant, and
# measure (see scenario.py).
# Then one real agent (agent.py, standalone mode) with --agent-tenants tenants of V volumes each:
# time to apply, memory, a metrics scrape, a one-tenant change; skipped when the agent is not built.
# Needs e2e/build-kube.sh and ./mvnw -B -pl operator/controller,dpu-daemonset -am package -DskipTests first.
# Environment: SCALE_DIR [$DPU_CACHE_DIR/scale-bench], SCALE_APISERVER_PORT [26443],
#   SCALE_ETCD_PORT [26379 and +1], SCALE_OPERATOR_HTTP_PORT [28080], SCALE_OPERATOR_JAVA_OPTS [-Xmx256m],
#   SCALE_TIMEOUT [900] (seconds to converge before a size counts as failed),
#   SCALE_AGENT_HTTP_PORT [29480], SCALE_AGENT_NVME_PORT [29420].
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/../lib/cache.sh"
SIZES=100,300,1000 POOLS=10 PER_NODE=1 VOLUMES=4 AGENT_TENANTS=1000 OUT="$here/../../docs"
while [ $# -gt 0 ]; do
    case "$1" in
        --nodes) SIZES=$2; shift 2 ;;
        --pools) POOLS=$2; shift 2 ;;
        --tenants-per-node) PER_NODE=$2; shift 2 ;;
        --volumes) VOLUMES=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        --agent-tenants) AGENT_TENANTS=$2; shift 2 ;;
        *) echo "usage: $0 [--nodes 100,300,1000] [--pools 10] [--tenants-per-node 1] [--volumes 4] [--agent-tenants 1000] [--out DIR]" >&2; exit 2 ;;
    esac
done
BASE_DIR="${SCALE_DIR:-$DPU_CACHE_DIR/scale-bench}"
mkdir -p "$OUT" "$BASE_DIR"
OUT="$(cd "$OUT" && pwd)"
results=()
for n in ${SIZES//,/ }; do
    SCALE_DIR="$BASE_DIR/n$n"
    . "$here/cluster.sh"
    tenants=$((n * PER_NODE))
    volumes=$VOLUMES
    echo "[scale] === $n nodes, $POOLS pools, $tenants tenants with $volumes volumes each ===" >&2
    trap 'scale_down' EXIT
    scale_up "$n" "$POOLS"
    /usr/bin/python3 "$here/fleet.py" fleet --nodes "$n" --pools "$POOLS" --tenants "$tenants" \
        --volumes "$volumes" --out "$SCALE_DIR"
    scale_start_sim "$SCALE_DIR/fleet.json"
    rc=0
    /usr/bin/python3 "$here/scenario.py" --dir "$SCALE_DIR" --kubectl "$KUBE_BIN_DIR/kubectl" \
        --operator-pid "$(scale_operator_pid)" --operator-url "http://127.0.0.1:$SCALE_OPERATOR_HTTP_PORT" \
        --timeout "${SCALE_TIMEOUT:-900}" --out "$SCALE_DIR/result.json" || rc=$?
    [ -f "$SCALE_DIR/result.json" ] && /usr/bin/python3 - "$SCALE_DIR/result.json" "$volumes" "$SCALE_OPERATOR_JAVA_OPTS" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); r["volumes_per_tenant"] = int(sys.argv[2]); r["operator_java_opts"] = sys.argv[3]
json.dump(r, open(sys.argv[1], "w"), indent=1)
PY
    results+=("$SCALE_DIR/result.json")
    scale_down
    trap - EXIT
    [ "$rc" -eq 0 ] || echo "[scale] scenario for $n nodes exited with $rc (results kept)" >&2
done
# One real agent with a fleet-size configuration (no cluster needed: standalone mode applies the
# same way), when the agent is built (./mvnw -B -pl dpu-daemonset -am package -DskipTests).
agent_result=()
AGENT_JAR="$here/../../dpu-daemonset/target/quarkus-app/quarkus-run.jar"
if [ "$AGENT_TENANTS" -gt 0 ] && [ -f "$AGENT_JAR" ] && [ -f "$here/../../dataplane/build/libdpudp.so" ]; then
    echo "[scale] === one agent with $AGENT_TENANTS tenants, $((AGENT_TENANTS * VOLUMES)) namespaces ===" >&2
    JAVA=$(. "$here/../../jdk.sh" && dpu_select_jdk >/dev/null && echo "$JAVA_HOME/bin/java")
    /usr/bin/python3 "$here/agent.py" --java "$JAVA" --jar "$AGENT_JAR" \
        --library "$here/../../dataplane/build/libdpudp.so" --dir "$BASE_DIR/agent" \
        --port "${SCALE_AGENT_HTTP_PORT:-29480}" --nvme-port "${SCALE_AGENT_NVME_PORT:-29420}" \
        --tenants "$AGENT_TENANTS" --volumes "$VOLUMES" --out "$BASE_DIR/agent/result.json" >/dev/null &&
        agent_result=(--agent "$BASE_DIR/agent/result.json")
else
    echo "[scale] no agent measurement (--agent-tenants 0, or the agent and dataplane/build/libdpudp.so not built)" >&2
fi
/usr/bin/python3 "$here/report.py" --out "$OUT" "${agent_result[@]}" "${results[@]}"

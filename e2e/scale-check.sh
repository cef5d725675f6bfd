#!/usr/bin/env bash
# The scale scenario reduced to a test (a stage of ./test.sh; the full benchmark is
# e2e/scale/run.sh): 100 kwok nodes in 10 pools, 100 tenants with 4 DpuVolumes each, the packaged operator and the agent
# simulator on the real control plane. Asserts counts, never timings:
#   - every pool converges (Ready, every node running the rendered generation) within a bounded wait,
#   - every DpuVolume is Ready and each pool serves all of its volumes,
#   - zero writes by the operator over 20 s of steady state (its leader Lease renewals aside; the
#     API server's audit log attributes every request),
#   - one tenant's limit change re-renders exactly its own pool (the other ConfigMaps keep their
#     generation), writes that one ConfigMap and no DaemonSet, Service or RBAC object, and reaches
#     every node of the pool,
#   - one DpuVolume's size change does the same for its pool: only that pool re-rendered, only its
#     ConfigMap and status written, every node of it applying the new generation,
#   - every ConfigMap the simulated agents read matches its config hash.
# Needs e2e/build-kube.sh and the operator's package (./mvnw -B -pl operator/controller -am package).
# Environment: SCALE_CHECK_NODES [100], SCALE_CHECK_TENANTS [100], SCALE_CHECK_DIR
#   [$DPU_CACHE_DIR/scale-check], SCALE_CHECK_APISERVER_PORT [26543], SCALE_CHECK_ETCD_PORT [26479 and +1],
#   SCALE_CHECK_OPERATOR_HTTP_PORT [28180].
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib/cache.sh"
NODES="${SCALE_CHECK_NODES:-100}"
TENANTS="${SCALE_CHECK_TENANTS:-100}"
export SCALE_DIR="${SCALE_CHECK_DIR:-$DPU_CACHE_DIR/scale-check}"
export SCALE_APISERVER_PORT="${SCALE_CHECK_APISERVER_PORT:-26543}"
export SCALE_ETCD_PORT="${SCALE_CHECK_ETCD_PORT:-26479}"
export SCALE_OPERATOR_HTTP_PORT="${SCALE_CHECK_OPERATOR_HTTP_PORT:-28180}"
. "$here/scale/cluster.sh"

trap 'rc=$?; [ $rc -eq 0 ] || sb_log "failed; logs kept in $SCALE_DIR (operator.log, agentsim.log, audit.log, result.json)"; scale_down' EXIT
start=$SECONDS
scale_up "$NODES" 10
/usr/bin/python3 "$here/scale/fleet.py" fleet --nodes "$NODES" --pools 10 --tenants "$TENANTS" --volumes 4 --out "$SCALE_DIR"
scale_start_sim "$SCALE_DIR/fleet.json"
/usr/bin/python3 "$here/scale/scenario.py" --dir "$SCALE_DIR" --kubectl "$KUBE_BIN_DIR/kubectl" \
    --operator-pid "$(scale_operator_pid)" --operator-url "http://127.0.0.1:$SCALE_OPERATOR_HTTP_PORT" \
    --timeout 300 --settle 5 --steady 20 --check --out "$SCALE_DIR/result.json"
sb_log "scale check passed in $((SECONDS - start)) s"

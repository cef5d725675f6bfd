#!/usr/bin/env bash
# Checks e2e/control-plane.sh the way a person uses it: `up` prints a kubeconfig that answers
# /readyz with "ok", `status` reports the processes, `down` leaves none of them behind.
# Uses its own state directory and ports so it never touches a control plane already up.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export CONTROL_PLANE_DIR="$(mktemp -d /tmp/dpu-cp-smoke.XXXXXX)"
export APISERVER_PORT="${SMOKE_APISERVER_PORT:-16443}" ETCD_PORT="${SMOKE_ETCD_PORT:-12379}"
. "$here/lib/cache.sh"
passed=0 failed=0
check() { # name, condition result (0 = pass), detail
  if [ "$2" -eq 0 ]; then echo "PASS $1"; passed=$((passed + 1)); else echo "FAIL $1: $3"; failed=$((failed + 1)); fi
}
cleanup() { "$here/control-plane.sh" down >/dev/null 2>&1; rm -rf "$CONTROL_PLANE_DIR"; }
trap cleanup EXIT

kubeconfig=$("$here/control-plane.sh" up --with-controllers)
check "up prints a kubeconfig path" $([ -f "$kubeconfig" ]; echo $?) "got '$kubeconfig'"

readyz=$("$KUBE_BIN_DIR/kubectl" --kubeconfig "$kubeconfig" get --raw /readyz 2>&1)
check "kubectl get --raw /readyz answers ok" $([ "$readyz" = ok ]; echo $?) "got '$readyz'"

"$KUBE_BIN_DIR/kubectl" --kubeconfig "$kubeconfig" create namespace smoke >/dev/null 2>&1
ns=$("$KUBE_BIN_DIR/kubectl" --kubeconfig "$kubeconfig" get namespace smoke -o jsonpath='{.status.phase}' 2>&1)
check "the API server stores objects" $([ "$ns" = Active ]; echo $?) "namespace phase '$ns'"

status_out=$("$here/control-plane.sh" status)
running=$(grep -c ': running' <<<"$status_out")
check "status lists the 4 running components" $([ "$running" -eq 4 ]; echo $?) "$status_out"

pids=$(cat "$CONTROL_PLANE_DIR"/*.pid 2>/dev/null)
"$here/control-plane.sh" down >/dev/null 2>&1
left=""
for p in $pids; do kill -0 "$p" 2>/dev/null && left+="$p "; done
check "down leaves no process behind" $([ -z "$left" ]; echo $?) "still running: $left"

"$here/control-plane.sh" status >/dev/null
check "status after down says nothing runs" $([ $? -ne 0 ]; echo $?) "status still reports running components"

echo "control-plane: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

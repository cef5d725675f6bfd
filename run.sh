#!/usr/bin/env bash
# The main job: sets up a fresh machine, builds the project and brings up the local sandbox -
# the whole system as local processes on loopback: a real Kubernetes control plane built from
# the Kubernetes Go modules, kwok's simulated DPU nodes, the operator, one real agent serving
# NVMe/TCP, Prometheus, and samples/basic applied - then prints what to do next
# (docs/sandbox.md). `./run.sh down` stops exactly what it started.
# `./run.sh kind` brings up the same system on real pods instead: a multi-node KinD cluster
# built offline, the operator, the agents and Prometheus as containers (e2e/kind/system.sh);
# `./run.sh kind down` deletes it, `./run.sh kind status` shows it.
# Environment: SANDBOX_DIR, SANDBOX_*_PORT, SANDBOX_NODES (see e2e/sandbox.sh); for kind the
#              KIND_* settings of e2e/kind/cluster.sh and e2e/kind/system.sh;
#              RUN_SKIP_BUILD=1 reuses the jars already built instead of running ./mvnw package.
set -euo pipefail
cd "$(dirname "$0")"

target=sandbox
if [ "${1:-}" = kind ]; then
  target=kind
  shift
fi
case "$target:${1:-up}" in
  sandbox:down) exec e2e/sandbox.sh down ;;
  sandbox:status) exec e2e/sandbox.sh status ;;
  kind:down) exec e2e/kind/system.sh down ;;
  kind:status) exec e2e/kind/system.sh status ;;
  *:up) ;;
  *) echo "usage: $0 [up | down | status]    the process sandbox (quick)" >&2
     echo "       $0 kind [up | down | status]   the same system on real pods in KinD" >&2
     exit 2 ;;
esac

echo "[run] installing missing system packages (./setup.sh)"
./setup.sh
. ./jdk.sh
dpu_select_jdk
echo "[run] using the JDK at $JAVA_HOME"
echo "[run] Kubernetes components (e2e/build-kube.sh; cached after the first build)"
e2e/build-kube.sh
if [ "${RUN_SKIP_BUILD:-0}" = 1 ]; then
  echo "[run] RUN_SKIP_BUILD=1: using the jars already in */target"
else
  echo "[run] building the project (./mvnw package, tests skipped; ./test.sh runs them)"
  ./mvnw -B -ntp -q package -DskipTests
fi
if [ "$target" = kind ]; then
  echo "[run] the system on KinD (e2e/kind/system.sh up; the first run builds the node image too)"
  exec e2e/kind/system.sh up
fi
exec e2e/sandbox.sh up

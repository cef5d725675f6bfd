#!/usr/bin/env bash
# The main job: sets up a fresh machine and brings up the local sandbox - a real Kubernetes
# control plane on loopback (etcd, kube-apiserver, controller-manager, scheduler) built from
# the Kubernetes Go modules - and prints how to use it. `./run.sh down` stops it again.
set -euo pipefail
cd "$(dirname "$0")"

if [ "${1:-}" = down ]; then
  exec e2e/control-plane.sh down
fi

./setup.sh
. ./jdk.sh
dpu_select_jdk
echo "Using JDK at $JAVA_HOME"
e2e/build-kube.sh
echo "Building the project (./mvnw package, tests skipped; ./test.sh runs them)"
./mvnw -B -ntp -q package -DskipTests
kubeconfig=$(e2e/control-plane.sh up --with-controllers)
. e2e/lib/cache.sh
cat <<MSG

The sandbox control plane is up (state and logs in $(dirname "$kubeconfig")).
  export KUBECONFIG=$kubeconfig
  export PATH=$KUBE_BIN_DIR:\$PATH
  kubectl get --raw /readyz
  kubectl apply -f crds/            # once the operator's CRDs are generated
Stop it with: ./run.sh down
MSG

# Shared cache locations for e2e scripts. Sourced, not executed.
# Everything built or downloaded lives outside git, keyed by version.
DPU_CACHE_DIR="${DPU_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dpu-offload}"
E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../versions.env
. "$E2E_DIR/versions.env"
KUBE_BIN_DIR="$DPU_CACHE_DIR/kube/$KUBE_VERSION/bin"
# fabric8 kube-api-test offline layout: <dir>/k8s/<version>-linux-amd64/{etcd,kube-apiserver,kubectl}
KUBE_API_TEST_DIR="$DPU_CACHE_DIR/kubeapitest"
KUBE_API_TEST_BIN_DIR="$KUBE_API_TEST_DIR/k8s/${KUBE_VERSION#v}-linux-amd64"
# Run-time state of e2e scripts (pid files, logs, kubeconfigs): not a cache, never keyed by version.
DPU_STATE_DIR="${DPU_STATE_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/dpu-offload}"
# Helm built from its Go module by e2e/build-helm.sh (the chart's tests).
HELM_BIN_DIR="$DPU_CACHE_DIR/helm/$HELM_VERSION/bin"
HELM_BIN="$HELM_BIN_DIR/helm"

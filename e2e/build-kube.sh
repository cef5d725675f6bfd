#!/usr/bin/env bash
# Builds the real Kubernetes components (kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl), etcd and kwok from their Go modules at the versions pinned in
# e2e/versions.env, and caches them outside git. A second run finds the cache and exits
# at once. The first run takes roughly 10-20 minutes on 2 cores.
#
#   e2e/build-kube.sh          the control plane for tests and the sandbox (list above)
#   e2e/build-kube.sh --node   also what a KinD node runs: kubelet, kubeadm, kube-proxy
#                              (e2e/kind/ builds its node image from these; ~10 more minutes)
#
# Why a generated Go module: `go install k8s.io/kubernetes/cmd/...@version` is refused
# because kubernetes' go.mod has replace directives (golang/go#44840). Our own module
# requires k8s.io/kubernetes and replaces each staging module with its published v0.Y.Z.
set -euo pipefail
. "$(dirname "$0")/lib/cache.sh"

log() { printf '[build-kube %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

control_plane_components=(kube-apiserver kube-controller-manager kube-scheduler kubectl etcd kwok)
node_components=(kubelet kubeadm kube-proxy)
case "${1:-}" in
  "") components=("${control_plane_components[@]}") ;;
  --node) components=("${control_plane_components[@]}" "${node_components[@]}") ;;
  *) echo "usage: $0 [--node]   (--node adds kubelet, kubeadm, kube-proxy for KinD nodes)" >&2; exit 2 ;;
esac
# The cache is valid for this exact build recipe: after a changed script or Kubernetes/kwok
# version every component is built again, which is quick: Go's build cache has the packages,
# and Go does not even relink a binary that is already up to date.
recipe=$( { cat "$0"; echo "$KUBE_VERSION $KWOK_VERSION"; } | sha256sum | cut -c1-16)
stale=no
[ "$(cat "$KUBE_BIN_DIR/.recipe" 2>/dev/null)" = "$recipe" ] || stale=yes
missing=()
for c in "${components[@]}"; do
  if [ "$stale" = yes ] || [ ! -x "$KUBE_BIN_DIR/$c" ]; then missing+=("$c"); fi
done
if [ "$stale" = yes ]; then
  # components of the other set were made by another recipe: drop them, the next --node run rebuilds
  for c in "${control_plane_components[@]}" "${node_components[@]}"; do
    [[ " ${components[*]} " == *" $c "* ]] || rm -f "$KUBE_BIN_DIR/$c"
  done
fi

layout_for_kube_api_test() {
  mkdir -p "$KUBE_API_TEST_BIN_DIR"
  for c in etcd kube-apiserver kubectl; do
    ln -sf "$KUBE_BIN_DIR/$c" "$KUBE_API_TEST_BIN_DIR/$c"
  done
}

if [ ${#missing[@]} -eq 0 ]; then
  layout_for_kube_api_test
  log "cached: ${components[*]} of Kubernetes $KUBE_VERSION are in $KUBE_BIN_DIR"
  exit 0
fi

command -v go >/dev/null || { echo "Go is required to build Kubernetes components (apt-get install golang)" >&2; exit 1; }
log "building ${missing[*]} for Kubernetes $KUBE_VERSION into $KUBE_BIN_DIR (first run: ~10-20 min on 2 cores)"

work="$DPU_CACHE_DIR/kube/$KUBE_VERSION/gomod"
mkdir -p "$work" "$KUBE_BIN_DIR"
staging_version="v0.${KUBE_VERSION#v1.}"
export GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0

if [ ! -f "$work/go.sum" ]; then
  log "resolving k8s.io/kubernetes@$KUBE_VERSION"
  kube_mod=$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  {
    echo "module dpu.dev/kube-build"
    echo
    echo "go 1.25"
    echo
    echo "require k8s.io/kubernetes $KUBE_VERSION"
    echo
    echo "replace ("
    sed -n '/^replace (/,/^)/p' "$kube_mod" | grep '=> ./staging' |
      awk -v v="$staging_version" '{print "\t" $1 " => " $1 " " v}'
    echo ")"
  } > "$work/go.mod"
  cat > "$work/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
	_ "k8s.io/kubernetes/cmd/kubeadm"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
)
GO
  (cd "$work" && go get "k8s.io/kubernetes@$KUBE_VERSION" && go mod tidy -e >/dev/null 2>&1 || true)
fi

declare -A pkg=(
  [kube-apiserver]=k8s.io/kubernetes/cmd/kube-apiserver
  [kube-controller-manager]=k8s.io/kubernetes/cmd/kube-controller-manager
  [kube-scheduler]=k8s.io/kubernetes/cmd/kube-scheduler
  [kubectl]=k8s.io/kubernetes/cmd/kubectl
  [kubelet]=k8s.io/kubernetes/cmd/kubelet
  [kubeadm]=k8s.io/kubernetes/cmd/kubeadm
  [kube-proxy]=k8s.io/kubernetes/cmd/kube-proxy
  [etcd]=go.etcd.io/etcd/server/v3
)
# Stamp the version the way Kubernetes' own build does (hack/lib/version.sh), so the API
# server reports v1.Y.Z and kubectl does not warn about an unknown skew.
minor=${KUBE_VERSION#v1.}; minor=${minor%%.*}
version_ldflags=""
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  version_ldflags+=" -X $p.gitVersion=$KUBE_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
  version_ldflags+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
done
rm -f "$KUBE_BIN_DIR/.recipe"
n=0
for c in "${missing[@]}"; do
  n=$((n + 1))
  if [ "$c" = kwok ]; then
    log "($n/${#missing[@]}) building kwok $KWOK_VERSION"
    GOBIN="$KUBE_BIN_DIR" go install "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
    continue
  fi
  log "($n/${#missing[@]}) building $c from ${pkg[$c]}"
  # straight to the target, so that Go can skip an up-to-date binary (an interrupted run leaves
  # no .recipe behind, so the next run has Go check every binary again)
  (cd "$work" && go build -trimpath -ldflags "-s -w$version_ldflags" -o "$KUBE_BIN_DIR/$c" "${pkg[$c]}")
done
layout_for_kube_api_test
echo "$recipe" > "$KUBE_BIN_DIR/.recipe"
log "done: $(ls "$KUBE_BIN_DIR" | tr '\n' ' ')"

#!/usr/bin/env bash
# Builds the real Helm CLI from its Go module (helm.sh/helm/v3/cmd/helm) at HELM_VERSION of
# e2e/versions.env and caches it outside git, like e2e/build-kube.sh does for Kubernetes:
#   e2e/build-helm.sh     prints nothing but a log line when the cached binary is current
# The binary lands in $DPU_CACHE_DIR/helm/$HELM_VERSION/bin/helm (lib/cache.sh: HELM_BIN).
# The first build takes a few minutes on 2 cores (module downloads included); later runs
# find the cache and exit at once.
set -euo pipefail
. "$(dirname "$0")/lib/cache.sh"

log() { printf '[build-helm %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

# The cache is valid for this exact recipe (script and version): a changed one builds again.
recipe=$( { cat "$0"; echo "$HELM_VERSION"; } | sha256sum | cut -c1-16)
if [ -x "$HELM_BIN" ] && [ "$(cat "$HELM_BIN_DIR/.recipe" 2>/dev/null)" = "$recipe" ]; then
  log "cached: helm $HELM_VERSION is $HELM_BIN"
  exit 0
fi
command -v go >/dev/null || { echo "Go is required to build Helm (see README: Prerequisites)" >&2; exit 1; }
log "building helm $HELM_VERSION into $HELM_BIN_DIR (first run: a few minutes on 2 cores)"
mkdir -p "$HELM_BIN_DIR"
rm -f "$HELM_BIN_DIR/.recipe"
# Stamp the versions the way Helm's Makefile does: its own (helm version), and the Kubernetes
# version `helm template` and `helm lint` assume without a cluster - that of the client-go it is
# built with, plus one minor as the Makefile does (left unset, it would be v1.20 and refuse
# charts that need a newer Kubernetes).
gomod=$(go mod download -json "helm.sh/helm/v3@$HELM_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
client_go=$(awk '$1 == "k8s.io/client-go" {print $2}' "$gomod")
[ -n "$client_go" ] || { echo "no k8s.io/client-go in $gomod" >&2; exit 1; }
minor=${client_go#v0.}; minor=${minor%%.*}
ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
for p in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
  ldflags+=" -X $p.k8sVersionMajor=1 -X $p.k8sVersionMinor=$minor"
done
GOFLAGS="-buildvcs=false" CGO_ENABLED=0 GOBIN="$HELM_BIN_DIR" go install -trimpath -ldflags "$ldflags" \
  "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
echo "$recipe" > "$HELM_BIN_DIR/.recipe"
log "done: $("$HELM_BIN" version --short)"

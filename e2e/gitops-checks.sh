#!/usr/bin/env bash
# Fast checks of what GitOps users install, without a cluster (a stage of ./test.sh):
#   - the Argo CD health checks (operator/argocd/resource_customizations): every health_test.yaml
#     case through gopher-lua, the Lua engine Argo CD embeds, as Argo CD runs argocd-cm checks;
#   - samples/argocd/argocd-cm-health.yaml is what the health.lua files generate;
#   - the Helm chart (operator/helm/dpu-offload-operator): `helm lint --strict` with the real Helm
#     (e2e/build-helm.sh), its crds/ are exactly crds/, `helm template` renders the same objects as
#     `kubectl kustomize operator/deploy`, each value reaches the Deployment, bad values are refused.
# Prints one line per check and "N passed, M failed".
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
. "$here/lib/cache.sh"
. "$here/lib/checks.sh"

chart="$repo/operator/helm/dpu-offload-operator"
customizations="$repo/operator/argocd/resource_customizations"
work=$(mktemp -d /tmp/dpu-gitops-checks.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT

"$here/build-helm.sh" >"$work/build-helm.log" 2>&1 || { cat "$work/build-helm.log"; check_failed "helm built" "e2e/build-helm.sh failed"; checks_summary; exit 1; }
# Helm says on stderr that it follows the chart's links to crds/ and operator/deploy/rbac: expected.
helm() { "$HELM_BIN" "$@" 2> >(grep -v 'found symbolic link in path' >&2); }
healthcheck() { (cd "$repo/operator/argocd/healthcheck" && go run . "$@"); }
chartcheck() { (cd "$repo/operator/helm/chartcheck" && go run . "$@"); }

# --- Argo CD health checks ---
healthcheck test "$customizations" > "$work/health.out" 2>&1
rc=$?
grep '^FAIL' -A2 "$work/health.out"
result() { # name, detail, command...
    local name=$1 detail=$2; shift 2
    if "$@"; then check_ok "$name" "$detail"; else check_failed "$name" "$detail"; fi
}
result "argocd health tests" "$(tail -1 "$work/health.out") (gopher-lua, health_test.yaml cases of $(ls -d "$customizations"/*/*/ | wc -l) kinds)" [ $rc -eq 0 ]
healthcheck argocd-cm "$customizations" > "$work/argocd-cm.yaml" 2>&1
result "argocd-cm patch current" "samples/argocd/argocd-cm-health.yaml $(cmp -s "$work/argocd-cm.yaml" "$repo/samples/argocd/argocd-cm-health.yaml" && echo "matches the health.lua files" || echo "differs; regenerate it (command in its header)")" \
    cmp -s "$work/argocd-cm.yaml" "$repo/samples/argocd/argocd-cm-health.yaml"

# --- Helm chart ---
out=$(helm lint --strict "$chart" 2>&1)
result "helm lint" "$(echo "$out" | tail -1)" [ $? -eq 0 ]

crds_match() {
    local f want have
    want=$(sed -n 's/^  - \(.*\.yml\)$/\1/p' "$repo/crds/kustomization.yaml" | sort)
    have=$(cd "$chart/crds" && ls | sort)
    [ "$want" = "$have" ] || { echo "chart crds/: $have; crds/kustomization.yaml: $want"; return 1; }
    for f in $want; do cmp -s "$repo/crds/$f" "$chart/crds/$f" || { echo "$f differs"; return 1; }; done
    # And what Helm itself installs from them.
    helm show crds "$chart" > "$work/show-crds.yaml" || return 1
    [ "$(grep -c '^kind: "CustomResourceDefinition"' "$work/show-crds.yaml")" -eq "$(echo "$want" | wc -w)" ]
}
detail=$(crds_match 2>&1)
result "chart CRDs are crds/" "${detail:-$(ls "$chart/crds" | wc -l) CRDs, the same bytes as crds/ (links), all in helm show crds}" [ -z "$detail" ]

helm template dpu-offload "$chart" --namespace dpu-offload-system --include-crds > "$work/helm.yaml"
"$KUBE_BIN_DIR/kubectl" kustomize "$repo/operator/deploy" > "$work/kustomize.yaml"
chartcheck "$work/helm.yaml" "$work/kustomize.yaml" > "$work/compare.out" 2>&1
rc=$?
grep -v '^PASS' "$work/compare.out" | grep -v 'passed, ' | head -30
result "chart = operator/deploy" "helm template vs kubectl kustomize, object by object: $(tail -1 "$work/compare.out")" [ $rc -eq 0 ]

# The monitoring bundle: the chart's objects (monitoring.enabled) = the dashboards/ Component's.
mkdir -p "$work/monitoring"
cat > "$work/monitoring/kustomization.yaml" <<KUST
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: monitoring
components:
  - $(realpath --relative-to="$work/monitoring" "$repo/dashboards")
KUST
helm template dpu-offload "$chart" --namespace dpu-offload-system --set monitoring.enabled=true \
    --set monitoring.namespace=monitoring --show-only templates/monitoring.yaml > "$work/helm-monitoring.yaml"
"$KUBE_BIN_DIR/kubectl" kustomize "$work/monitoring" > "$work/kustomize-monitoring.yaml"
chartcheck "$work/helm-monitoring.yaml" "$work/kustomize-monitoring.yaml" > "$work/compare-monitoring.out" 2>&1
rc=$?
grep -v '^PASS' "$work/compare-monitoring.out" | grep -v 'passed, ' | head -30
result "chart monitoring = dashboards/" "helm template --set monitoring.enabled=true vs the kustomize Component, object by object: $(tail -1 "$work/compare-monitoring.out")" [ $rc -eq 0 ]

# Each value reaches the Deployment the operator runs from (env names as the operator reads them).
env_of() { # rendered YAML -> NAME=value lines of the operator container's env
    awk '/- name: /{n=$3} /^ +value: /{v=$0; sub(/^ +value: /, "", v); gsub(/"/, "", v); if (n != "") print n "=" v; n=""}' "$1"
}
helm template x "$chart" --namespace ops --set image.repository=registry.example/op --set image.tag=9.9 \
    --set agentImage=registry.example/agent:7 --set replicas=1 --set leaderElection.enabled=false \
    --set 'watchNamespaces={storage,storage-secure}' --set logLevel=DEBUG \
    --set resources.limits.memory=1Gi --set fullnameOverride=dpu-x > "$work/values.yaml" 2>&1
missing=""
for want in "image: \"registry.example/op:9.9\"" "replicas: 1" "memory: 1Gi" "serviceAccountName: dpu-x" \
    "namespace: ops"; do
    grep -qF "$want" "$work/values.yaml" || missing+="[$want] "
done
for want in DPU_AGENT_IMAGE=registry.example/agent:7 DPU_OPERATOR_LEADER_ELECTION_ENABLED=false \
    DPU_OPERATOR_LEADER_ELECTION_LEASE_NAME=dpu-x-lease DPU_OPERATOR_WATCH_NAMESPACES=storage,storage-secure \
    QUARKUS_LOG_LEVEL=DEBUG; do
    env_of "$work/values.yaml" | grep -qxF "$want" || missing+="[$want] "
done
grep -q 'kind: Role$' "$work/values.yaml" && missing+="[no leader-election Role when it is off] "
result "chart values applied" "${missing:-image, agentImage, replicas, leaderElection, watchNamespaces, logLevel, resources, fullnameOverride all in the rendered objects}" [ -z "$missing" ]

refused=""
for bad in "logLevel=TRACE" "watchNamespaces={Bad_NS}" "replicas=2,leaderElection.enabled=false" "replica=1"; do
    if out=$(helm template x "$chart" --set "$bad" 2>&1); then refused+="[$bad accepted] "; fi
done
result "chart refuses bad values" "${refused:-logLevel TRACE, a bad namespace name, 2 replicas without leader election, an unknown value: each refused}" [ -z "$refused" ]

checks_summary

# shellcheck shell=bash
# Checks that every sample in samples/ is accepted by a real API server (the sandbox's, with the
# operator running), the way a user would apply it. Sourced by e2e/sandbox-smoke.sh, which
# provides kc (kubectl on the sandbox), poll, result and $repo.
#   samples/basic      applied by the sandbox itself; here also the unmodified files, server-side dry run
#   samples/encrypted  applied for real: the operator must find the key Secret valid (profile Ready)
#   samples/argocd     Argo CD's own CRDs (from its Go module, cached by Go) installed, the project and
#                      Applications applied for real; each Application's path must exist in this
#                      repository and its content pass a server-side dry run

# Argo CD release whose CRDs validate samples/argocd (manifests/crds of its Go module).
ARGOCD_MODULE=github.com/argoproj/argo-cd/v3@v3.2.0

samples_kc() { "$KUBE_BIN_DIR/kubectl" --kubeconfig "$kubeconfig" "$@"; }

check_samples() {
    local dir name out rc
    for dir in "$repo"/samples/*/; do
        name=samples/$(basename "$dir")
        out=$(samples_kc kustomize "$dir" 2>&1 >/dev/null)
        result "$name builds" "kubectl kustomize ${out:+: $out}" [ -z "$out" ]
    done

    # Forced: the smoke test has changed tenant-blue's limits with kubectl patch by now.
    out=$(samples_kc apply --server-side --force-conflicts --dry-run=server -k "$repo/samples/basic" 2>&1)
    rc=$?
    [ $rc -eq 0 ] && out="$(echo "$out" | grep -c 'serverside-applied') objects, server-side dry run"
    result "samples/basic accepted" "$(echo "$out" | tr '\n' ' ' | cut -c1-160)" [ $rc -eq 0 ]

    check_encrypted_sample
    check_argocd_sample
}

check_encrypted_sample() {
    local out profile_ready pool_ready
    out=$(samples_kc apply --server-side -k "$repo/samples/encrypted" 2>&1)
    if [ $? -ne 0 ]; then
        result "samples/encrypted applied" "$out" false
        return
    fi
    profile_ready() {
        [ "$(samples_kc -n storage-secure get offprof encrypted -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ]
    }
    # No sandbox node carries storage.dpu.dev/pool=pool-secure: no node to wait for, so Ready.
    pool_ready() {
        [ "$(samples_kc -n storage-secure get dsp pool-secure -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ]
    }
    poll 30 profile_ready
    poll 30 pool_ready
    result "samples/encrypted applied" \
        "profile Ready: $(samples_kc -n storage-secure get offprof encrypted -o jsonpath='{.status.conditions[?(@.type=="Ready")].reason}'), pool Ready: $(samples_kc -n storage-secure get dsp pool-secure -o jsonpath='{.status.conditions[?(@.type=="Ready")].reason}')" \
        profile_ready
    result "samples/encrypted pool" "Ready with the key Secret found and valid" pool_ready
}

check_argocd_sample() {
    local crds out rc app path failed=""
    crds=$(go mod download -json "$ARGOCD_MODULE" 2>/dev/null | jq -r '.Dir // empty')/manifests/crds
    if [ ! -f "$crds/application-crd.yaml" ]; then
        result "samples/argocd applied" "could not get Argo CD's CRDs (go mod download $ARGOCD_MODULE)" false
        return
    fi
    samples_kc apply --server-side -f "$crds/application-crd.yaml" -f "$crds/appproject-crd.yaml" >/dev/null
    argocd_crds_established() {
        [ "$(samples_kc get crd applications.argoproj.io appprojects.argoproj.io \
            -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Established")].status}{end}')" = TrueTrue ]
    }
    poll 60 argocd_crds_established
    samples_kc create namespace argocd --dry-run=client -o yaml | samples_kc apply -f - >/dev/null
    out=$(samples_kc apply --server-side -k "$repo/samples/argocd" 2>&1)
    rc=$?
    result "samples/argocd applied" "$(echo "$out" | tr '\n' ' ' | cut -c1-110)" [ $rc -eq 0 ]
    for app in $(samples_kc -n argocd get applications -o name); do
        path=$(samples_kc -n argocd get "$app" -o jsonpath='{.spec.source.path}')
        if [ ! -f "$repo/$path/kustomization.yaml" ]; then
            failed+="$app: $path has no kustomization.yaml; "
        elif ! out=$(samples_kc apply --server-side --force-conflicts --dry-run=server -k "$repo/$path" 2>&1); then
            failed+="$app: $(echo "$out" | tail -1); "
        fi
    done
    [ -n "$failed" ] || failed="none: every Application path builds and passes a server-side dry run"
    result "argocd paths deploy" "$failed" [ "${failed#none: }" != "$failed" ]
}

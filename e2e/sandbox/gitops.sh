# shellcheck shell=bash
# What GitOps users get, checked on the sandbox's real API server (sourced by e2e/sandbox-smoke.sh,
# which provides kc, poll, result, $repo, $kubeconfig, $SANDBOX_DIR and the SANDBOX_* ports; the
# sandbox runs samples/basic, and check_samples has applied samples/encrypted):
#   check_argocd_health  the Argo CD health checks evaluated on the status objects the operator and
#                        the agent wrote: samples Healthy (pool-a Progressing: 2 of its 3 nodes are
#                        kwok fakes without an agent), a pool whose key Secret is missing Degraded
#                        with the operator's own message, Healthy again once the Secret exists;
#   check_kubectl_dpu    `kubectl dpu status` while I/O runs (IOPS from the agent's metrics) and
#                        `kubectl dpu connect` (the printed command's parameters drive verified I/O;
#                        a foreign host refused with the reason);
#   check_helm_install   the chart installed with `helm install`; the operator it deploys run as a
#                        process (kwok's pods are fakes) as the chart's ServiceAccount with the
#                        Deployment's environment: its RBAC, watched namespace, leader Lease and log
#                        level checked; `helm uninstall` removes what it installed. Stops the
#                        sandbox's own operator first (two operators would share every namespace),
#                        so it runs last.
: "${kubeconfig:?}" "${repo:?}" "${SANDBOX_DIR:?}"
. "$repo/e2e/sandbox/procs.sh"   # sb_start, sb_stop, sb_wait (kube.sh is not sourced: it has its own kc)

gitops_kc() { "$KUBE_BIN_DIR/kubectl" --kubeconfig "$kubeconfig" "$@"; }
gitops_health() { # FILE: one JSON line per object, from the health.lua files
    (cd "$repo/operator/argocd/healthcheck" && go run . eval ../resource_customizations "$1")
}
# health_of KIND NAMESPACE NAME: "status|message" as evaluated from the objects in $SANDBOX_DIR/argocd-health.json
health_of() {
    jq -r --arg k "$1" --arg n "$2" --arg m "$3" \
        'select(.kind == $k and .namespace == $n and .name == $m) | "\(.status)|\(.message)"' "$SANDBOX_DIR/argocd-health.json"
}
ready_message() { # KIND NAMESPACE NAME TYPE: the message of the object's condition TYPE
    gitops_kc -n "$2" get "$1" "$3" -o jsonpath="{.status.conditions[?(@.type==\"$4\")].message}"
}
evaluate_health() { # capture every storage.dpu.dev object and evaluate it
    gitops_kc get dpustoragepools,offloadprofiles,tenantqoses,dpuvolumes,dpunodestates -A -o yaml > "$SANDBOX_DIR/argocd-health-objects.yaml" &&
        gitops_health "$SANDBOX_DIR/argocd-health-objects.yaml" > "$SANDBOX_DIR/argocd-health.json"
}

check_argocd_health() {
    local want got failed="" spec
    # A pool whose profile needs a key Secret that does not exist (yet).
    gitops_kc apply --server-side -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Namespace
metadata: {name: storage-broken}
---
apiVersion: storage.dpu.dev/v1alpha1
kind: OffloadProfile
metadata: {name: encrypted, namespace: storage-broken}
spec:
  mode: ZeroCopy
  encryption: {keySecretRef: {name: missing-xts-key}}
---
apiVersion: storage.dpu.dev/v1alpha1
kind: DpuStoragePool
metadata: {name: pool-broken, namespace: storage-broken}
spec:
  nodeSelector: {storage.dpu.dev/pool: pool-broken}
  offloadProfileRef: {name: encrypted}
  backends: [{name: mem, type: Ram}]
  volumes: [{name: vol-a, nsid: 1, size: 64Mi, backend: mem, tenant: tenant-a}]
YAML
    broken_stalled() {
        [ "$(gitops_kc -n storage-broken get dsp pool-broken -o jsonpath='{.status.conditions[?(@.type=="Stalled")].reason}')" = KeySecretNotFound ]
    }
    poll 30 broken_stalled
    if ! evaluate_health 2> "$SANDBOX_DIR/argocd-health.err"; then
        result "argocd health (sandbox)" "evaluating the objects failed: $(tail -1 "$SANDBOX_DIR/argocd-health.err")" false
        return
    fi
    # What a user of the samples sees in Argo CD, object by object.
    for spec in "DpuStoragePool storage pool-a Progressing" "OffloadProfile storage fast Healthy" \
        "TenantQoS storage tenant-blue Healthy" "TenantQoS storage tenant-red Healthy" \
        "DpuVolume storage blue-scratch Healthy" \
        "DpuNodeState storage dpu-node-0 Healthy" "DpuStoragePool storage-secure pool-secure Healthy" \
        "OffloadProfile storage-secure encrypted Healthy"; do
        set -- $spec
        got=$(health_of "$1" "$2" "$3")
        [ "${got%%|*}" = "$4" ] || failed+="$1 $2/$3: ${got:-not evaluated}, want $4; "
    done
    result "argocd health samples" "${failed:-pool-a Progressing ($(health_of DpuStoragePool storage pool-a | cut -d'|' -f2)), profiles, tenants, volume, node state, pool-secure Healthy}" [ -z "$failed" ]

    want="Degraded|$(ready_message dsp storage-broken pool-broken Stalled)"
    got=$(health_of DpuStoragePool storage-broken pool-broken)
    result "argocd health broken" "missing key Secret: pool-broken $got" [ "$got" = "$want" -a "${want#Degraded|}" != "" ]
    got=$(health_of OffloadProfile storage-broken encrypted)
    result "argocd health profile" "its profile ${got%%|*}: ${got#*|}" [ "${got%%|*}" = Degraded ]

    # The Secret appears: Argo CD would turn the pool green (no node selected: Ready at once).
    head -c 64 /dev/urandom > "$SANDBOX_DIR/xts.key"
    gitops_kc -n storage-broken create secret generic missing-xts-key --from-file=key="$SANDBOX_DIR/xts.key" >/dev/null
    broken_ready() {
        [ "$(gitops_kc -n storage-broken get dsp pool-broken -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ]
    }
    poll 30 broken_ready
    evaluate_health 2>> "$SANDBOX_DIR/argocd-health.err"
    got=$(health_of DpuStoragePool storage-broken pool-broken)
    result "argocd health repaired" "Secret created: pool-broken $got" [ "${got%%|*}" = Healthy ]
    gitops_kc delete namespace storage-broken --wait=false >/dev/null
}

check_kubectl_dpu() {
    local plugin="$repo/operator/kubectl-dpu/kubectl-dpu" out rc line args lg_rc
    # I/O while status looks, so the tenant's current IOPS are not zero.
    "$loadgen" --address 127.0.0.1 --port "$SANDBOX_NVME_PORT" --nqn "$blue_nqn" --hostnqn "$blue_host" \
        --nsid 1 --rw randrw --qd 4 --duration-s 8 > "$SANDBOX_DIR/kubectl-dpu-load.out" 2>&1 &
    local load=$!
    sleep 2
    "$plugin" status -n storage --kubeconfig "$kubeconfig" > "$SANDBOX_DIR/kubectl-dpu-status.out" 2>&1
    rc=$?
    wait "$load"
    sed 's/^/      | /' "$SANDBOX_DIR/kubectl-dpu-status.out"
    status_shows() {
        local f="$SANDBOX_DIR/kubectl-dpu-status.out"
        grep -Eq '^storage +pool-a +fast +1/3 +1/3 +ZeroCopy -> ZeroCopy +NotReady \(RollingOut\)' "$f" &&
            grep -Eq '^storage +tenant-red +pool-a +1 +read 5000 IOPS, write 2000 IOPS' "$f" &&
            grep -q 'Agent metrics: 1 of 1 endpoint(s) answered' "$f"
    }
    local iops
    iops=$(python3 - "$SANDBOX_DIR/kubectl-dpu-status.out" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
hdr = next(l for l in lines if l.startswith("NAMESPACE") and " TENANT " in l)
start = hdr.index("IOPS ", hdr.index("LIMITS"))
row = next(l for l in lines if l.split()[:2] == ["storage", "tenant-blue"])
print(row[start:].split()[0])
PY
)
    result "kubectl dpu status" "exit $rc; pool-a 1/3 ready, ZeroCopy -> ZeroCopy, limits, tenant-blue at ${iops:-?} IOPS from the agent" \
        eval '[ $rc -eq 0 ] && status_shows && awk -v v="${iops%k}" "BEGIN { exit !(v + 0 > 0) }"'

    out=$("$plugin" connect tenant-blue -n storage --host-nqn "$blue_host" --kubeconfig "$kubeconfig" 2>&1)
    rc=$?
    echo "$out" > "$SANDBOX_DIR/kubectl-dpu-connect.out"
    echo "$out" | sed 's/^/      | /'
    line=$(echo "$out" | grep '^nvme connect ' | head -1)
    # Its parameters, given to our load generator: the same target, subsystem and host.
    args=$(echo "$line" | sed -E 's/^nvme connect -t tcp -a ([^ ]+) -s ([0-9]+) -n ([^ ]+) --hostnqn ([^ ]+).*/--address \1 --port \2 --nqn \3 --hostnqn \4/')
    # shellcheck disable=SC2086
    "$loadgen" $args --nsid 1 --rw randrw --qd 4 --ops 2000 --verify > "$SANDBOX_DIR/kubectl-dpu-connect-io.out" 2>&1
    lg_rc=$?
    result "kubectl dpu connect" "exit $rc; ${line:-no nvme connect line}; dpu-loadgen with its parameters: exit $lg_rc" \
        [ $rc -eq 0 -a "$line" = "nvme connect -t tcp -a 127.0.0.1 -s $SANDBOX_NVME_PORT -n $blue_nqn --hostnqn $blue_host" -a $lg_rc -eq 0 ]

    out=$("$plugin" connect tenant-blue -n storage --host-nqn "$foreign_host" --kubeconfig "$kubeconfig" 2>&1)
    rc=$?
    echo "$out" > "$SANDBOX_DIR/kubectl-dpu-refused.out"
    result "kubectl dpu refuses" "exit $rc: $(echo "$out" | cut -c1-140)" \
        eval '[ $rc -eq 1 ] && echo "$out" | grep -q "is not allowed to connect to tenant storage/tenant-blue"'
}

check_helm_install() {
    local chart="$repo/operator/helm/dpu-offload-operator" ns=dpu-helm-system name=dpu-helm-operator out rc
    local port=$((SANDBOX_OPERATOR_HTTP_PORT + 1))
    if ! "$repo/e2e/build-helm.sh" > "$SANDBOX_DIR/build-helm.log" 2>&1; then
        result "helm install" "e2e/build-helm.sh failed; see $SANDBOX_DIR/build-helm.log" false
        return
    fi
    helm_sb() { "$HELM_BIN" --kubeconfig "$kubeconfig" "$@" 2> >(grep -v 'found symbolic link in path' >&2); }
    out=$(helm_sb install dpu-helm "$chart" --namespace "$ns" --create-namespace --set fullnameOverride=$name \
        --set replicas=1 --set 'watchNamespaces={storage-helm}' --set logLevel=DEBUG --wait --timeout 120s 2>&1)
    rc=$?
    result "helm install" "exit $rc: $(echo "$out" | grep -E '^(STATUS|Error)' | tr '\n' ' ')$(gitops_kc -n $ns get deploy $name -o jsonpath='deployment {.status.readyReplicas}/{.spec.replicas} ready (kwok pod)' 2>/dev/null)" [ $rc -eq 0 ]
    [ $rc -eq 0 ] || return

    # The sandbox's own operator watches every namespace: stop it, so what follows is the chart's.
    sb_stop operator 2>/dev/null
    (. "$repo/e2e/sandbox/kube.sh" && sb_kubeconfig_as "$SANDBOX_DIR/helm-operator.kubeconfig" $name $ns)
    local java
    java=$(. "$repo/jdk.sh" && dpu_select_jdk >/dev/null && echo "$JAVA_HOME/bin/java")
    local env
    env=$(gitops_kc -n $ns get deploy $name -o json | jq -r '.spec.template.spec.containers[0].env[] | "\(.name)=\(.value)"')
    echo "$env" > "$SANDBOX_DIR/helm-operator.env"
    (
        # shellcheck disable=SC2046 # NAME=value lines, none with spaces (the chart quotes nothing else)
        export $(echo "$env" | tr '\n' ' ') KUBECONFIG="$SANDBOX_DIR/helm-operator.kubeconfig" \
            QUARKUS_HTTP_HOST=127.0.0.1 QUARKUS_HTTP_PORT=$port
        sb_start helm-operator "$SANDBOX_DIR/helm-operator.kubeconfig" "$java" -Xmx256m \
            -Dkubeconfig="$SANDBOX_DIR/helm-operator.kubeconfig" $(. "$repo/e2e/sandbox/kube.sh" && sb_impersonate $name $ns) \
            -jar "$repo/operator/controller/target/quarkus-app/quarkus-run.jar"
    )
    sb_wait "the chart's operator /q/health/ready" 120 helm-operator curl -fsS "http://127.0.0.1:$port/q/health/ready"
    rc=$?
    result "chart operator starts" "as system:serviceaccount:$ns:$name with $(echo "$env" | wc -l) env settings from the Deployment; exit $rc" [ $rc -eq 0 ]

    for n in storage-helm storage-helm-other; do
        gitops_kc apply --server-side -f - >/dev/null <<YAML
apiVersion: v1
kind: Namespace
metadata: {name: $n}
---
apiVersion: storage.dpu.dev/v1alpha1
kind: OffloadProfile
metadata: {name: fast, namespace: $n}
spec: {mode: ZeroCopy}
---
apiVersion: storage.dpu.dev/v1alpha1
kind: DpuStoragePool
metadata: {name: pool-h, namespace: $n}
spec:
  nodeSelector: {storage.dpu.dev/pool: pool-h}
  offloadProfileRef: {name: fast}
  backends: [{name: mem, type: Ram}]
  volumes: [{name: vol-a, nsid: 1, size: 64Mi, backend: mem, tenant: tenant-h}]
---
apiVersion: storage.dpu.dev/v1alpha1
kind: TenantQoS
metadata: {name: tenant-h, namespace: $n}
spec: {poolRef: {name: pool-h}, allowAnyHost: true, volumes: [vol-a]}
YAML
    done
    helm_pool_ready() {
        [ "$(gitops_kc -n storage-helm get dsp pool-h -o jsonpath='{.status.conditions[?(@.type=="Ready")].reason}')" = Available ] &&
            gitops_kc -n storage-helm get daemonset pool-h-agent >/dev/null 2>&1 &&
            gitops_kc -n storage-helm get rolebinding pool-h-agent >/dev/null 2>&1
    }
    poll 60 helm_pool_ready
    result "chart operator reconciles" "storage-helm/pool-h $(gitops_kc -n storage-helm get dsp pool-h -o jsonpath='{.status.conditions[?(@.type=="Ready")].reason}'), DaemonSet, agent Role/RoleBinding made with the chart's RBAC" helm_pool_ready
    sleep 3
    out=$(gitops_kc -n storage-helm-other get dsp,offprof,tqos -o jsonpath='{range .items[*]}{.kind}:{.status.observedGeneration}{" "}{end}')
    result "chart watchNamespaces" "storage-helm reconciled, storage-helm-other not (status: ${out:-none})" \
        eval 'helm_pool_ready && [ -z "$(echo "$out" | grep -o ":[0-9]")" ] &&
            ! gitops_kc -n storage-helm-other get configmap pool-h-dataplane >/dev/null 2>&1'
    out=$(gitops_kc -n $ns get lease $name-lease -o jsonpath='{.spec.holderIdentity}' 2>&1)
    result "chart leaderElection" "Lease $ns/$name-lease held by ${out:-nobody}" [ -n "$out" -a "${out#Error}" = "$out" ]
    result "chart logLevel" "$(grep -c ' DEBUG ' "$SANDBOX_DIR/helm-operator.log") DEBUG lines in helm-operator.log (logLevel=DEBUG)" \
        grep -q ' DEBUG ' "$SANDBOX_DIR/helm-operator.log"

    sb_stop helm-operator 2>/dev/null
    gitops_kc delete namespace storage-helm storage-helm-other --wait=false >/dev/null
    out=$(helm_sb uninstall dpu-helm --namespace $ns --wait 2>&1)
    rc=$?
    result "helm uninstall" "exit $rc; ClusterRole $name $(gitops_kc get clusterrole $name >/dev/null 2>&1 && echo left behind || echo removed); CRDs kept: $(gitops_kc get crd dpustoragepools.storage.dpu.dev -o name 2>/dev/null | wc -l)" \
        eval '[ $rc -eq 0 ] && ! gitops_kc get clusterrole $name >/dev/null 2>&1'
}

# For the smoke test's exit trap: the chart's operator is not one of run.sh's processes.
gitops_cleanup() { sb_stop helm-operator 2>/dev/null; }

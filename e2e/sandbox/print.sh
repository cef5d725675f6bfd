# shellcheck shell=bash
# What `e2e/sandbox.sh up` prints at the end: how to use what runs. Sourced, not executed.
# Subsystem NQNs and host NQNs are read back from the API (TenantQoS status and spec), so what
# is printed is what the agent serves.

sb_print_usage() {
    local tenants t nqn host first_nqn="" first_host=""
    tenants=$(kc -n "$SANDBOX_NAMESPACE" get tenantqos -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}')
    cat <<MSG

The sandbox is up. State and logs: $SANDBOX_DIR
  export KUBECONFIG=$SANDBOX_KUBECONFIG
  export PATH=$KUBE_BIN_DIR:\$PATH
  kubectl get nodes                                  # $SANDBOX_NODES simulated DPU nodes (kwok)
  kubectl get dsp,offprof,tqos,dpunode -A            # pools, profiles, tenants, node states
  kubectl -n $SANDBOX_NAMESPACE describe dsp $SANDBOX_POOL
  kubectl -n $SANDBOX_NAMESPACE get daemonset,pods -o wide   # fake agent pods on the simulated nodes
  kubectl events -n $SANDBOX_NAMESPACE
  $REPO_DIR/operator/kubectl-dpu/kubectl-dpu status -n $SANDBOX_NAMESPACE   # kubectl dpu (docs/gitops.md)

Only node $SANDBOX_AGENT_NODE runs a real agent (a local process, log $SANDBOX_DIR/agent.log);
the pods on the other simulated nodes are kwok's fakes and report no DpuNodeState, so the pool
counts 1 of $SANDBOX_NODES nodes ready (docs/sandbox.md).

NVMe/TCP target: 127.0.0.1:$SANDBOX_NVME_PORT
MSG
    for t in $tenants; do
        nqn=$(kc -n "$SANDBOX_NAMESPACE" get tenantqos "$t" -o jsonpath='{.status.subsystemNqn}')
        host=$(kc -n "$SANDBOX_NAMESPACE" get tenantqos "$t" -o jsonpath='{.spec.hostNqns[0]}')
        printf '  %-12s subsystem %s\n  %-12s allowed host %s\n' "$t" "$nqn" "" "$host"
        [ -z "$first_nqn" ] && first_nqn=$nqn first_host=$host
    done
    cat <<MSG

Drive I/O with our load generator (namespace 1 of the first tenant, 10 s random read/write):
  $REPO_DIR/dataplane/build/dpu-loadgen --address 127.0.0.1 --port $SANDBOX_NVME_PORT \\
      --nqn $first_nqn \\
      --hostnqn $first_host \\
      --nsid 1 --rw randrw --qd 16 --duration-s 10 --verify
From a Linux host with nvme-cli (on this machine: modprobe nvme-tcp first):
  nvme connect -t tcp -a 127.0.0.1 -s $SANDBOX_NVME_PORT -n $first_nqn \\
      --hostnqn $first_host
  nvme list; nvme disconnect -n $first_nqn
Change a tenant's limits; the agent applies it live (watch dpu_dataplane_tenant_limit):
  kubectl -n $SANDBOX_NAMESPACE patch tqos tenant-blue --type merge -p '{"spec":{"limits":{"totalIops":5000}}}'

Initiator-side pool (samples/remote, namespace $REMOTE_NAMESPACE): node $REMOTE_AGENT_NODE runs a second
real agent (log $SANDBOX_DIR/agent-remote.log) that serves 127.0.0.1:$SANDBOX_REMOTE_NVME_PORT and forwards
volume vol-db to the storage server on 127.0.0.1:$SANDBOX_STORAGE_PORT (dpu-target, log
$SANDBOX_DIR/storage-server.log), connecting as $REMOTE_HOST_NQN:
  kubectl -n $REMOTE_NAMESPACE get dpunode $REMOTE_AGENT_NODE -o jsonpath='{.status.remoteBackends}'
  $REPO_DIR/dataplane/build/dpu-loadgen --address 127.0.0.1 --port $SANDBOX_REMOTE_NVME_PORT \
      --nqn nqn.2024-01.dev.dpu:storage.$REMOTE_POOL.tenant-db \
      --hostnqn nqn.2014-08.org.nvmexpress:uuid:0db00000-0000-4000-8000-000000000003 \
      --nsid 1 --rw randrw --qd 16 --duration-s 10 --verify
Stop the storage server (kill \$(cut -d' ' -f1 $SANDBOX_DIR/storage-server.pid)) and watch the node
state go Connecting and I/O wait; e2e/sandbox.sh up starts it again.

Metrics:
  Prometheus  http://127.0.0.1:$SANDBOX_PROMETHEUS_PORT  e.g. sum by (tenant) (rate(dpu_dataplane_tenant_io_ops_total[1m]))
  agent       http://127.0.0.1:$SANDBOX_AGENT_HTTP_PORT/q/metrics
  remote pool http://127.0.0.1:$SANDBOX_REMOTE_AGENT_HTTP_PORT/q/metrics  e.g. dpu_dataplane_remote_state
  operator    http://127.0.0.1:$SANDBOX_OPERATOR_HTTP_PORT/q/metrics

Stop everything: ./run.sh down   (status: e2e/sandbox.sh status)
MSG
}

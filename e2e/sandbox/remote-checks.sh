# shellcheck shell=bash
# Checks of samples/remote in the sandbox: the initiator-side pool's node connects to the storage
# server, host I/O goes through it, and what the host wrote is what the storage server holds.
# Sourced by e2e/sandbox-smoke.sh, which provides poll, result, prom_value and $loadgen.

REMOTE_NS=storage-remote
remote_kc() { "$KUBE_BIN_DIR/kubectl" --kubeconfig "$kubeconfig" -n "$REMOTE_NS" "$@"; }
remote_subsystem=nqn.2024-01.dev.dpu:storage.pool-remote.tenant-db
remote_host=nqn.2014-08.org.nvmexpress:uuid:0db00000-0000-4000-8000-000000000003
storage_subsystem=nqn.2024-01.dev.example:storage-server-1
initiator_host_nqn=nqn.2024-01.dev.dpu:dpu.dpu-initiator-0

# run_loadgen NAME PORT NQN HOST ARGS...: dpu-loadgen with a JSON report; prints "exit ops errors".
run_loadgen() {
    local name=$1 port=$2 nqn=$3 host=$4; shift 4
    "$loadgen" --address 127.0.0.1 --port "$port" --nqn "$nqn" --hostnqn "$host" --nsid 1 \
        --json "$SANDBOX_DIR/$name.json" "$@" > "$SANDBOX_DIR/$name.out" 2>&1
    local rc=$?
    echo "$rc $(jq -r '(.ops // 0|tostring) + " " + ((.errors // 1) + (.verifyMismatches // 0)|tostring)' \
        "$SANDBOX_DIR/$name.json" 2>/dev/null || echo '0 1')"
}
loadgen_ok() { # "exit ops errors" EXPECTED_OPS
    local rc ops errs
    read -r rc ops errs <<< "$1"
    [ "$rc" = 0 ] && [ "${ops:-0}" -ge "$2" ] && [ "${errs:-1}" = 0 ]
}

check_remote_pool() {
    local state out size=$((16 << 20)) ios=$(((16 << 20) / 4096))
    remote_state() {
        remote_kc get dpunodestate dpu-initiator-0 \
            -o jsonpath='{.status.hostNqn} {.status.remoteBackends[0].name} {.status.remoteBackends[0].state}'
    }
    state=$(remote_state)
    result "remote backend connected" "DpuNodeState dpu-initiator-0: $state" \
        [ "$state" = "$initiator_host_nqn storage-server-1 Connected" ]
    pool_counts_remote() {
        [ "$(remote_kc get dsp pool-remote -o jsonpath='{.status.nodesReady}/{.status.nodesRemotesConnected}')" = 1/1 ]
    }
    poll 30 pool_counts_remote
    result "remote pool status" "$(remote_kc get dsp pool-remote -o jsonpath='ready {.status.nodesReady}, remotes connected on {.status.nodesRemotesConnected}; {.status.conditions[?(@.type=="Ready")].reason}')" \
        pool_counts_remote

    # The host writes 16 MiB through its DPU; the DPU forwards every write to the storage server.
    out=$(run_loadgen remote-write "$SANDBOX_REMOTE_NVME_PORT" "$remote_subsystem" "$remote_host" \
        --rw write --bs 4096 --qd 16 --size "$size" --ops "$ios" --verify --seed 7)
    result "I/O through the remote" "16 MiB written by the host (exit, ops, errors: $out)" loadgen_ok "$out" "$ios"
    # Read straight from the storage server, as the DPU's host NQN: it holds exactly that data.
    out=$(run_loadgen remote-direct "$SANDBOX_STORAGE_PORT" "$storage_subsystem" "$initiator_host_nqn" \
        --rw read --bs 4096 --qd 16 --size "$size" --ops "$ios" --verify --seed 7)
    result "storage server holds the data" "16 MiB read back directly and compared (exit, ops, errors: $out)" \
        loadgen_ok "$out" "$ios"
    # And the host reads it back through the DPU.
    out=$(run_loadgen remote-read "$SANDBOX_REMOTE_NVME_PORT" "$remote_subsystem" "$remote_host" \
        --rw read --bs 4096 --qd 16 --size "$size" --ops "$ios" --verify --seed 7)
    result "reads through the remote" "16 MiB read back by the host (exit, ops, errors: $out)" loadgen_ok "$out" "$ios"

    remote_forwarded() {
        awk -v v="$(prom_value 'sum(dpu_dataplane_remote_ops_total{pool="pool-remote",remote="storage-server-1",op="write"})')" \
            -v want="$ios" 'BEGIN { exit !(v + 0 >= want) }'
    }
    poll 30 remote_forwarded
    result "remote metrics" "Prometheus: writes forwarded $(prom_value 'sum(dpu_dataplane_remote_ops_total{pool="pool-remote",op="write"})'), state connected $(prom_value 'dpu_dataplane_remote_state{pool="pool-remote",state="connected"}')" \
        remote_forwarded

    # A host NQN the storage server does not allow: the node reports Failed with the reason, the
    # pool stops (Stalled) and a Warning Event says what to do; back to the allowed one, it heals.
    local wrong=nqn.2024-01.dev.dpu:dpu.not-allowed-on-the-server reason
    remote_kc patch dsp pool-remote --type merge -p "{\"spec\":{\"hostNqn\":\"$wrong\"}}" >/dev/null
    remote_failed() {
        [ "$(remote_kc get dpunodestate dpu-initiator-0 -o jsonpath='{.status.remoteBackends[0].state}')" = Failed ] &&
            [ "$(remote_kc get dsp pool-remote -o jsonpath='{.status.conditions[?(@.type=="Ready")].reason}')" = RemoteBackendFailed ]
    }
    poll 60 remote_failed
    reason=$(remote_kc get dpunodestate dpu-initiator-0 -o jsonpath='{.status.remoteBackends[0].reason}')
    result "refused host NQN reported" "node: ${reason:0:140}; pool: $(remote_kc get dsp pool-remote -o jsonpath='{.status.conditions[?(@.type=="Stalled")].status} {.status.conditions[?(@.type=="Ready")].reason}')" \
        remote_failed
    remote_event() {
        remote_kc get events --field-selector reason=RemoteBackendFailed,type=Warning -o jsonpath='{.items[*].message}' |
            grep -qF "$wrong"
    }
    poll 20 remote_event
    result "refused host NQN event" "$(remote_kc get events --field-selector reason=RemoteBackendFailed -o jsonpath='{.items[0].message}' | cut -c1-140)" \
        remote_event
    remote_kc patch dsp pool-remote --type json -p '[{"op":"remove","path":"/spec/hostNqn"}]' >/dev/null
    remote_healed() {
        [ "$(remote_kc get dpunodestate dpu-initiator-0 -o jsonpath='{.status.remoteBackends[0].state}')" = Connected ] &&
            [ "$(remote_kc get dsp pool-remote -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ]
    }
    poll 60 remote_healed
    result "remote backend healed" "node state $(remote_kc get dpunodestate dpu-initiator-0 -o jsonpath='{.status.remoteBackends[0].state}'), pool Ready $(remote_kc get dsp pool-remote -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" \
        remote_healed
}

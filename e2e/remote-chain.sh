#!/usr/bin/env bash
# The remote chain with real peers: the stock Linux NVMe/TCP initiator (Debian's kernel in
# QEMU) -> our target (dataplane/build/dpu-target) on host loopback -> its nvme-tcp backend
# -> the Linux kernel's own target (nvmet-tcp) in a second QEMU VM, reached through QEMU's
# hostfwd on 127.0.0.1.
#
#   e2e/remote-chain.sh [--reference] [--keep-logs]
#
#   --reference   no target of ours: the Linux host connects straight to the kernel target,
#                 with the Linux host's own ctrl_loss_tmo in place of our remotes' setting.
#                 Tests this harness and shows what the Linux host itself does on the same
#                 faults; the encryption check becomes a plain comparison.
#   --keep-logs   keep the work directory (logs, configs, captures) even when every check passed
#
# Environment: DPU_TARGET_BIN (target binary), RC_VM_TIMEOUT (seconds the initiator VM may run,
# default 600), KI_KERNEL_VERSION (kernel under /boot to boot), KI_TARGET_LOG_LEVEL (default
# info), DPU_CACHE_DIR (where the initramfs is cached).
#
# Prints one line per check and a last line "N passed, M failed"; exits 0 only when every
# check passed. What it checks and how to read failures: docs/testing-remote-chain.md.
set -uo pipefail
E2E="$(cd "$(dirname "$0")" && pwd)"
. "$E2E/lib/cache.sh"
. "$E2E/lib/checks.sh"
. "$E2E/lib/vm.sh"
. "$E2E/lib/vm-control.sh"
. "$E2E/lib/initiator-vm.sh"
. "$E2E/lib/nvmet-vm.sh"
. "$E2E/lib/dpu-target.sh"

REFERENCE=0
KEEP_LOGS=0
while [ $# -gt 0 ]; do
    case "$1" in
        --reference) REFERENCE=1; shift ;;
        --keep-logs) KEEP_LOGS=1; shift ;;
        -h | --help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done

VM_TIMEOUT=${RC_VM_TIMEOUT:-600}
MIB=1048576
HOSTNQN=nqn.2014-08.org.nvmexpress:uuid:3c0f6a52-7d1b-4e8e-9a41-52c1a9d0e7f1     # the Linux host
DPU_HOSTNQN=nqn.2014-08.org.nvmexpress:uuid:9e2d4b10-58a7-4c3e-8f06-d1c7e4a2b3c9 # our target, as a host
CHAIN_NQN=nqn.2024-01.dev.dpu:e2e-remote-chain     # the subsystem our target serves
DATA_NQN=nqn.2024-01.dev.dpu:e2e-storage-a         # kernel target, port 4420: data, secret
FRAGILE_NQN=nqn.2024-01.dev.dpu:e2e-storage-b      # kernel target, port 4421: fragile
# The volumes: data (plaintext) and secret (AES-256-XTS in our target) hold the 64 MiB the
# host writes and verifies; their blocks live on two virtio disks of the kernel-target VM,
# files here. fragile lives on a tmpfs file there and is the one whose remote goes away.
DATA_SIZE=$((32 * MIB)) DATA_BS=512
SECRET_SIZE=$((32 * MIB)) SECRET_BS=4096
FRAGILE_SIZE=$((4 * MIB)) FRAGILE_BS=4096
DATA_LOSS_TIMEOUT=60   # ctrlLossTimeoutSeconds of the data remote: outlives the restart
FRAGILE_LOSS_TIMEOUT=5 # ctrlLossTimeoutSeconds of the fragile remote: shorter than its outage
OUTAGE_S=5             # how long the data remote is down while the host writes
LOSS_MIN_S=$((FRAGILE_LOSS_TIMEOUT - 2))
LOSS_MAX_S=25          # below the Linux host's 30 s I/O timeout: an error sooner is the target's
GUEST_CHECKS="vm-boot connect volume-sizes write-verify restart-writes restart-data loss-errors"
[ "$REFERENCE" = 0 ] && GUEST_CHECKS="$GUEST_CHECKS loss-recovers"
GUEST_CHECKS="$GUEST_CHECKS disconnect"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/remote-chain.XXXXXX")
AGENT_PID=
DPU_TARGET_PID=

log() { printf '%s\n' "$*" >&2; }
loud() { printf '!!! %s\n' "$*" >&2; }

cleanup() {
    [ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null
    [ -n "$INITIATOR_VM_PID" ] && vm_stop "$INITIATOR_VM_PID"
    [ -n "$NVMET_VM_PID" ] && vm_stop "$NVMET_VM_PID"
    [ -n "$DPU_TARGET_PID" ] && dpu_target_stop
    rm -f "$WORK"/*.fifo.in "$WORK"/*.fifo.out
    # The disk images (160 MiB) only stay with --keep-logs.
    [ "$KEEP_LOGS" = 1 ] || rm -f "$WORK"/*.img
    vm_work_dir_cleanup "$WORK" "$KEEP_LOGS"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- test data and the remote's disks -------------------------------------------------
# data.img: set A for data, set A for secret, set B for data (see remote-chain-host.sh).
make_disks() {
    head -c $((DATA_SIZE + SECRET_SIZE + DATA_SIZE)) /dev/urandom > "$WORK/data.img" &&
        truncate -s "$DATA_SIZE" "$WORK/remote-data.img" &&
        truncate -s "$SECRET_SIZE" "$WORK/remote-secret.img" &&
        head -c 64 /dev/urandom > "$WORK/secret.key"
}

# --- the remote: the kernel target VM --------------------------------------------------
start_remote() {
    local allowed=$DPU_HOSTNQN qemu_args
    [ "$REFERENCE" = 1 ] && allowed=$HOSTNQN
    FWD_DATA=$(free_loopback_port) && FWD_FRAGILE=$(free_loopback_port) ||
        { check_failed remote-ready "no free loopback port"; return 1; }
    vm_write_params "$WORK/nvmet.env" ROLE=nvmet CONTROL=1 "HOSTNQN=$allowed" \
        "EXPORTS=4420|$DATA_NQN|1@disk:remote-data,2@disk:remote-secret 4421|$FRAGILE_NQN|1@file:$FRAGILE_SIZE"
    mapfile -t qemu_args < <(vm_disk_args remote-data "$WORK/remote-data.img" "$DATA_BS"
        vm_disk_args remote-secret "$WORK/remote-secret.img" "$SECRET_BS"
        vm_control_args "$WORK/nvmet.fifo"
        vm_capture_args "$WORK/remote-hop.pcap")
    log "booting the kernel-target VM (nvmet-tcp; 127.0.0.1:$FWD_DATA -> :4420, 127.0.0.1:$FWD_FRAGILE -> :4421)..."
    if ! nvmet_vm_start "$WORK" $((VM_TIMEOUT + 300)) \
        ",hostfwd=tcp:127.0.0.1:$FWD_DATA-:4420,hostfwd=tcp:127.0.0.1:$FWD_FRAGILE-:4421" "${qemu_args[@]}"; then
        check_failed remote-ready "$NVMET_VM_WHY"
        vm_log_tail "$WORK/nvmet-console.log" "kernel-target VM console"
        return 1
    fi
    check_ok remote-ready "kernel nvmet-tcp in a VM:$NVMET_VM_READY"
}

# --- our target in the middle ------------------------------------------------------------
# remote_json NAME PORT NQN CTRL_LOSS_S
remote_json() {
    printf '    { "name": "%s", "address": "127.0.0.1", "port": %s, "subsystemNqn": "%s",\n' "$1" "$2" "$3"
    printf '      "headerDigest": true, "dataDigest": true, "ctrlLossTimeoutSeconds": %s }' "$4"
}
# namespace_json NSID REMOTE REMOTE_NSID SIZE BS [KEYFILE]
namespace_json() {
    printf '        { "nsid": %s, "backend": "nvme-tcp", "remote": "%s", "remoteNsid": %s, "sizeBytes": %s, "blockSize": %s%s }' \
        "$1" "$2" "$3" "$4" "$5" "${6:+, \"keyFile\": \"$6\"}"
}
write_target_config() {
    {
        printf '{\n  "listen": { "address": "127.0.0.1", "port": %s },\n  "reactors": 2,\n' "$PORT"
        printf '  "hostNqn": "%s",\n  "remotes": [\n' "$DPU_HOSTNQN"
        remote_json data "$FWD_DATA" "$DATA_NQN" "$DATA_LOSS_TIMEOUT"; printf ',\n'
        remote_json fragile "$FWD_FRAGILE" "$FRAGILE_NQN" "$FRAGILE_LOSS_TIMEOUT"; printf '\n  ],\n'
        printf '  "subsystems": [\n    {\n      "nqn": "%s",\n      "serial": "DPUE2ECHAIN01",\n' "$CHAIN_NQN"
        printf '      "allowAnyHost": false,\n      "hosts": ["%s"],\n      "namespaces": [\n' "$HOSTNQN"
        namespace_json 1 data 1 "$DATA_SIZE" "$DATA_BS"; printf ',\n'
        namespace_json 2 data 2 "$SECRET_SIZE" "$SECRET_BS" "$WORK/secret.key"; printf ',\n'
        namespace_json 3 fragile 1 "$FRAGILE_SIZE" "$FRAGILE_BS"
        printf '\n      ]\n    }\n  ]\n}\n'
    } > "$WORK/target.json"
}

start_target() {
    if ! dpu_target_ensure_built 2> "$WORK/build.log"; then
        check_failed target-listening "no target binary at $DPU_TARGET_BIN; build failed: $(tail -n 5 "$WORK/build.log")"
        return 1
    fi
    PORT=$(free_loopback_port) || { check_failed target-listening "no free loopback port"; return 1; }
    write_target_config
    if ! dpu_target_start "$WORK/target.json" "$WORK/target.log" "$PORT" 2> "$WORK/start.err"; then
        check_failed target-listening "$DPU_TARGET_BIN: $(cat "$WORK/start.err"); its log ends with: $(tail -n 5 "$WORK/target.log" | tr '\n' '|')"
        return 1
    fi
    check_ok target-listening "$DPU_TARGET_BIN (pid $DPU_TARGET_PID) on 127.0.0.1:$PORT, remotes data -> 127.0.0.1:$FWD_DATA, fragile -> 127.0.0.1:$FWD_FRAGILE"
}

# --- the Linux host ----------------------------------------------------------------------
# Answers the guest's requests on its control channel: "remote-down NAME" / "remote-up NAME"
# take the remote's nvmet port down or up through the kernel-target VM's control channel.
handle_guest_request() {
    local req=$1 verb svc answer
    case "$req" in
        "remote-down "*) verb=down ;;
        "remote-up "*) verb=up ;;
        *) echo "error $req: unknown request"; return ;;
    esac
    case "${req#* }" in
        data) svc=4420 ;;
        fragile) svc=4421 ;;
        *) echo "error $req: no remote '${req#* }'"; return ;;
    esac
    if answer=$(vm_control_request "$WORK/nvmet.fifo" 30 "$verb $svc"); then
        log "  [host] $req: kernel target's port $svc is $verb ($(date -u +%T))"
        echo "ok $req: port $svc $verb"
    else
        log "  [host] $req failed: $answer"
        echo "error $req: $answer"
    fi
}

run_host_vm() {
    local connects volumes qemu_args start=$SECONDS
    if [ "$REFERENCE" = 1 ]; then
        connects="$FWD_DATA|$DATA_NQN|hdr_digest,data_digest,ctrl_loss_tmo=$DATA_LOSS_TIMEOUT,reconnect_delay=1"
        connects="$connects $FWD_FRAGILE|$FRAGILE_NQN|hdr_digest,data_digest,ctrl_loss_tmo=$FRAGILE_LOSS_TIMEOUT,reconnect_delay=1"
        volumes="data|$DATA_NQN|1|$DATA_SIZE|$DATA_BS secret|$DATA_NQN|2|$SECRET_SIZE|$SECRET_BS"
        volumes="$volumes fragile|$FRAGILE_NQN|1|$FRAGILE_SIZE|$FRAGILE_BS"
    else
        connects="$PORT|$CHAIN_NQN|hdr_digest,data_digest"
        volumes="data|$CHAIN_NQN|1|$DATA_SIZE|$DATA_BS secret|$CHAIN_NQN|2|$SECRET_SIZE|$SECRET_BS"
        volumes="$volumes fragile|$CHAIN_NQN|3|$FRAGILE_SIZE|$FRAGILE_BS"
    fi
    vm_write_params "$WORK/initiator.env" ROLE=chain TRADDR=10.0.2.2 "HOSTNQN=$HOSTNQN" \
        "CONNECTS=$connects" "VOLUMES=$volumes" DATA_SERIAL=testdata "OUTAGE_S=$OUTAGE_S" \
        "LOSS_MIN_S=$LOSS_MIN_S" "LOSS_MAX_S=$LOSS_MAX_S" "RECOVERY=$((1 - REFERENCE))"
    vm_initrd_with_params "$INITRAMFS" "$WORK/initiator.env" "$WORK/initiator.initrd" ||
        { loud "could not write $WORK/initiator.initrd"; VM_RC=1; return 1; }
    mapfile -t qemu_args < <(vm_disk_args testdata "$WORK/data.img" 512 ro
        vm_control_args "$WORK/initiator.fifo"
        vm_capture_args "$WORK/host-hop.pcap")
    vm_control_serve "$WORK/initiator.fifo" handle_guest_request &
    AGENT_PID=$!
    log "booting the Linux host VM (TCG, 2 CPUs, at most $VM_TIMEOUT s)..."
    initiator_vm_run "$WORK" "" "${qemu_args[@]}"
    kill "$AGENT_PID" 2>/dev/null
    wait "$AGENT_PID" 2>/dev/null
    AGENT_PID=
    log "Linux host VM finished after $((SECONDS - start)) s"
}


# --- what the remote stored, and what went over the wire ----------------------------------
# Run once the kernel-target VM has stopped (QEMU flushed its disks; with cache=writethrough
# every completed write was in the file already).
check_remote_images() {
    local out
    if out=$(python3 "$E2E/remote-chain/image_check.py" plain "$WORK/remote-data.img" "$WORK/data.img" \
        $((DATA_SIZE + SECRET_SIZE)) "$DATA_SIZE" "$DATA_BS" 2>&1); then
        check_ok remote-data "$out (set B, written while the remote restarted)"
    else
        check_failed remote-data "$out"
    fi
    if [ "$REFERENCE" = 1 ]; then
        if out=$(python3 "$E2E/remote-chain/image_check.py" plain "$WORK/remote-secret.img" "$WORK/data.img" \
            "$DATA_SIZE" "$SECRET_SIZE" "$SECRET_BS" 2>&1); then
            check_ok remote-secret "$out (no encryption without our target)"
        else
            check_failed remote-secret "$out"
        fi
    elif out=$(python3 "$E2E/remote-chain/image_check.py" xts "$WORK/remote-secret.img" "$WORK/data.img" \
        "$DATA_SIZE" "$SECRET_SIZE" "$SECRET_BS" "$WORK/secret.key" 2>&1); then
        check_ok remote-ciphertext "$out"
    else
        check_failed remote-ciphertext "$out"
    fi
}

check_digests() { # NAME PCAP MIN_CONNECTIONS WHAT
    local out
    if out=$(python3 "$E2E/remote-chain/digests.py" "$2" "$3" 2>&1); then
        check_ok "$1" "$4: $out"
    else
        check_failed "$1" "$4: $out"
    fi
}

skip_remaining() { # REASON
    local name
    for name in $GUEST_CHECKS remote-data digests-host-hop digests-remote-hop; do check_failed "$name" "skipped: $1"; done
    if [ "$REFERENCE" = 1 ]; then
        check_failed remote-secret "skipped: $1"
    else
        check_failed remote-ciphertext "skipped: $1"
        check_failed target-stops-cleanly "skipped: $1"
    fi
}

main() {
    local start=$SECONDS
    log "remote chain test$([ "$REFERENCE" = 1 ] && echo ' (reference: no target of ours)'), work dir: $WORK"
    if ! initiator_vm_image "$WORK/vm-image.err"; then
        check_failed vm-image "$(cat "$WORK/vm-image.err")"
        skip_remaining "no VM image"
        checks_summary
        return
    fi
    check_ok vm-image "kernel $VM_KERNEL_VERSION, initramfs $INITRAMFS"
    if ! make_disks; then
        check_failed test-data "could not write the test data and disk images to $WORK"
        skip_remaining "no test data"
        checks_summary
        return
    fi
    if ! start_remote || { [ "$REFERENCE" = 0 ] && ! start_target; }; then
        loud "the chain is not up; no host checks possible"
        skip_remaining "chain not up"
        checks_summary
        return
    fi
    run_host_vm
    initiator_vm_report "$WORK" "$GUEST_CHECKS" "Linux host VM" RC_VM_TIMEOUT
    [ "$REFERENCE" = 0 ] && dpu_target_check_stops
    vm_stop "$NVMET_VM_PID"
    NVMET_VM_PID=
    check_remote_images
    check_digests digests-host-hop "$WORK/host-hop.pcap" 3 "Linux host <-> $([ "$REFERENCE" = 1 ] && echo 'kernel target' || echo 'our target')"
    check_digests digests-remote-hop "$WORK/remote-hop.pcap" 2 "$([ "$REFERENCE" = 1 ] && echo 'Linux host' || echo 'our target') <-> kernel target"
    if [ "$CHECKS_FAILED" -gt 0 ]; then
        [ -s "$WORK/initiator-dmesg.log" ] && { loud "Linux host's NVMe messages ($WORK/initiator-dmesg.log):"; grep -iE 'nvme|nvmf|I/O error' "$WORK/initiator-dmesg.log" | tail -n 30 | sed 's/^/    | /' >&2; }
        vm_log_tail "$WORK/nvmet-console.log" "kernel-target VM console"
        [ "$REFERENCE" = 0 ] && vm_log_tail "$WORK/target.log" "target's log"
    fi
    log "remote chain test took $((SECONDS - start)) s"
    checks_summary
}

# On one line, so bash has read all it will run before main starts.
main; exit $?

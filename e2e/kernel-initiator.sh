#!/usr/bin/env bash
# Interoperability test: the stock Linux NVMe/TCP initiator (Debian's kernel, booted in
# QEMU) against our target (dataplane/build/dpu-target) on host loopback.
#
#   e2e/kernel-initiator.sh [--peer dpu-target|kernel-nvmet] [--keep-logs]
#
#   --peer dpu-target    (default) our target, built with `make -C dataplane all` if missing
#   --peer kernel-nvmet  the kernel's own target (nvmet-tcp) in a second VM, reached through
#                        QEMU's hostfwd: the reference peer, to test this harness itself
#   --keep-logs          keep the work directory (logs, config) even when every check passed
#
# Environment: DPU_TARGET_BIN (target binary), KI_VM_TIMEOUT (seconds the initiator VM may
# run, default 600), KI_KERNEL_VERSION (kernel under /boot to boot), KI_TARGET_LOG_LEVEL
# (default info), DPU_CACHE_DIR (where the initramfs is cached).
#
# Prints one line per check and a last line "N passed, M failed"; exits 0 only when every
# check passed. How it works and how to read failures: docs/testing-kernel-initiator.md.
set -uo pipefail
E2E="$(cd "$(dirname "$0")" && pwd)"
. "$E2E/lib/cache.sh"
. "$E2E/lib/checks.sh"
. "$E2E/lib/vm.sh"
. "$E2E/lib/initiator-vm.sh"
. "$E2E/lib/dpu-target.sh"
. "$E2E/lib/nvmet-vm.sh"

PEER=dpu-target
KEEP_LOGS=0
while [ $# -gt 0 ]; do
    case "$1" in
        --peer) PEER=${2:-}; shift 2 ;;
        --peer=*) PEER=${1#--peer=}; shift ;;
        --keep-logs) KEEP_LOGS=1; shift ;;
        -h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done
case "$PEER" in
    dpu-target | kernel-nvmet) ;;
    *) echo "--peer must be dpu-target or kernel-nvmet, not '$PEER'" >&2; exit 2 ;;
esac

VM_TIMEOUT=${KI_VM_TIMEOUT:-600}
SUBNQN=nqn.2024-01.dev.dpu:e2e-kernel-initiator
HOSTNQN=nqn.2014-08.org.nvmexpress:uuid:6b1f7c1e-0d2a-4c39-9a57-1e2f3a4b5c6d
BAD_HOSTNQN=nqn.2014-08.org.nvmexpress:uuid:0bad0bad-0000-4000-8000-000000000bad
# nsid:sizeBytes:blockSize. The first is RAM-backed, the second file-backed; together
# they hold exactly the 64 MiB the data checks write, so every block (the last included)
# is written and read back.
NAMESPACES="1:41943040:512 2:25165824:4096"
# Every check the guest reports, in order; a name that never shows up is a failure.
GUEST_CHECKS="vm-boot connect io-queues ns1-size ns2-size write-verify idle-keepalive disconnect
    reconnect reconnect-data-kept disconnect-again
    connect-digests digest-data-kept digest-write-verify disconnect-digests refused-host"
# Against our target only: a second instance requires the header digest
# (offload.requireHeaderDigest); the kernel's nvmet has no such setting.
DIGEST_CHECKS="hdr-digest-required-refused hdr-digest-required-connect hdr-digest-required-disconnect"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kernel-initiator.XXXXXX")
TARGET_LOG=
DPU_TARGET_PID=
DIGEST_TARGET_PID=
DIGEST_PORT=
DIGEST_TARGET_LOG=

log() { printf '%s\n' "$*" >&2; }
loud() { printf '!!! %s\n' "$*" >&2; }

cleanup() {
    [ -n "$INITIATOR_VM_PID" ] && vm_stop "$INITIATOR_VM_PID"
    [ -n "$NVMET_VM_PID" ] && vm_stop "$NVMET_VM_PID"
    [ -n "$DPU_TARGET_PID" ] && dpu_target_stop
    [ -n "$DIGEST_TARGET_PID" ] && { DPU_TARGET_PID=$DIGEST_TARGET_PID; DIGEST_TARGET_PID=; dpu_target_stop; }
    vm_work_dir_cleanup "$WORK" "$KEEP_LOGS"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the VM image --------------------------------------------------------------------
prepare_vm() {
    initiator_vm_image "$WORK/vm-image.err" || { check_failed vm-image "$(cat "$WORK/vm-image.err")"; return 1; }
    check_ok vm-image "kernel $VM_KERNEL_VERSION, initramfs $INITRAMFS"
}

# --- the peer (target under test) ----------------------------------------------------
start_dpu_target() {
    if ! dpu_target_ensure_built 2> "$WORK/build.log"; then
        check_failed target-listening "no target binary at $DPU_TARGET_BIN; build failed: $(tail -n 5 "$WORK/build.log")"
        return 1
    fi
    PORT=$(free_loopback_port) || { check_failed target-listening "no free loopback port"; return 1; }
    dpu_target_write_config "$WORK/target.json" "$PORT" "$SUBNQN" "$HOSTNQN" "$NAMESPACES" "$WORK/ns.img"
    TARGET_LOG=$WORK/target.log
    if ! dpu_target_start "$WORK/target.json" "$TARGET_LOG" "$PORT" 2> "$WORK/start.err"; then
        check_failed target-listening "$DPU_TARGET_BIN: $(cat "$WORK/start.err"); its log ends with: $(tail -n 5 "$TARGET_LOG" | tr '\n' '|')"
        return 1
    fi
    check_ok target-listening "$DPU_TARGET_BIN (pid $DPU_TARGET_PID) on 127.0.0.1:$PORT"
}

# A second dpu-target that requires the header digest, on its own port; the first one's
# DPU_TARGET_PID is kept aside while it starts.
start_digest_target() {
    local main_pid=$DPU_TARGET_PID rc=0
    DIGEST_PORT=$(free_loopback_port) || { check_failed digest-target-listening "no free loopback port"; DIGEST_PORT=; return 1; }
    dpu_target_write_config "$WORK/digest-target.json" "$DIGEST_PORT" "$SUBNQN" "$HOSTNQN" "$NAMESPACES" \
        "$WORK/ns-digest.img" 1
    DIGEST_TARGET_LOG=$WORK/digest-target.log
    if dpu_target_start "$WORK/digest-target.json" "$DIGEST_TARGET_LOG" "$DIGEST_PORT" 2> "$WORK/digest-start.err"; then
        DIGEST_TARGET_PID=$DPU_TARGET_PID
        check_ok digest-target-listening "second target requiring the header digest (pid $DIGEST_TARGET_PID) on 127.0.0.1:$DIGEST_PORT"
    else
        check_failed digest-target-listening "$(cat "$WORK/digest-start.err"); its log ends with: $(tail -n 5 "$DIGEST_TARGET_LOG" | tr '\n' '|')"
        DIGEST_PORT=
        rc=1
    fi
    DPU_TARGET_PID=$main_pid
    return $rc
}

start_kernel_nvmet() {
    PORT=$(free_loopback_port) || { check_failed target-listening "no free loopback port"; return 1; }
    vm_write_params "$WORK/nvmet.env" ROLE=nvmet "SUBNQN=$SUBNQN" "HOSTNQN=$HOSTNQN" "NAMESPACES=$NAMESPACES"
    TARGET_LOG=$WORK/nvmet-console.log
    log "booting the kernel-target VM (nvmet-tcp, forwarded to 127.0.0.1:$PORT)..."
    # Lives until the initiator is done; the timeout only bounds a run whose host script died.
    if ! nvmet_vm_start "$WORK" $((VM_TIMEOUT + 300)) ",hostfwd=tcp:127.0.0.1:$PORT-:4420"; then
        check_failed target-listening "$NVMET_VM_WHY"
        vm_log_tail "$TARGET_LOG" "kernel-target VM console"
        return 1
    fi
    check_ok target-listening "kernel nvmet-tcp in a VM, 127.0.0.1:$PORT -> guest :4420"
}


# --- the initiator VM ----------------------------------------------------------------
# Boots the initiator VM, shows its progress and check lines as they come, and sets
# VM_RC. Check lines are counted afterwards from the console log (initiator_vm_report).
run_initiator_vm() {
    local start=$SECONDS
    initiator_vm_params "$WORK" "TRSVCID=$PORT" \
        "SUBNQN=$SUBNQN" "HOSTNQN=$HOSTNQN" "BAD_HOSTNQN=$BAD_HOSTNQN" "NAMESPACES=$NAMESPACES" \
        "DIGEST_TRSVCID=$DIGEST_PORT" ||
        { loud "could not write $WORK/initiator.initrd"; VM_RC=1; return 1; }
    log "booting the initiator VM (TCG, 2 CPUs, at most $VM_TIMEOUT s)..."
    initiator_vm_run "$WORK"
    log "initiator VM finished after $((SECONDS - start)) s"
}


# --- checks on the target's side -----------------------------------------------------
# The refused connect must be visible to whoever runs the target: one log line naming
# the host, the subsystem and the refusal (a line that merely names both, such as a
# "controller created" line, proves nothing).
REFUSAL_WORDS='not allowed|refus|reject|denied|not permitted|unauthori'
check_refusal_logged() {
    local line
    line=$(tr -d '\r' < "$TARGET_LOG" | grep -F "$BAD_HOSTNQN" | grep -F "$SUBNQN" |
        grep -iE "$REFUSAL_WORDS" | head -n 1)
    if [ -n "$line" ]; then
        check_ok refused-host-logged "target log: $(echo "$line" | sed 's/^\[ *[0-9.]*\] //' | cut -c1-300)"
    else
        check_failed refused-host-logged "no line in $TARGET_LOG names $BAD_HOSTNQN and $SUBNQN as refused (${REFUSAL_WORDS//|/, })"
    fi
}

# The refusal for a missing digest must be visible on the target: a warning naming the
# refused connection and what the host has to enable.
check_digest_refusal_logged() {
    local line
    line=$(tr -d '\r' < "$DIGEST_TARGET_LOG" | grep -F "refused at ICReq" | grep -F "requires header digest" | head -n 1)
    if [ -n "$line" ]; then
        check_ok hdr-digest-refusal-logged "target log: $(echo "$line" | sed 's/^\[ *[0-9.]*\] //' | cut -c1-300)"
    else
        check_failed hdr-digest-refusal-logged "no line in $DIGEST_TARGET_LOG says a connection was refused at ICReq for a required header digest"
    fi
}

show_initiator_kernel_errors() {
    [ -s "$WORK/initiator-dmesg.log" ] || return 0
    loud "initiator kernel's NVMe messages ($WORK/initiator-dmesg.log):"
    grep -iE 'nvme|nvmf' "$WORK/initiator-dmesg.log" | tail -n 40 | sed 's/^/    | /' >&2
}

skip_remaining() { # REASON
    local name
    for name in $GUEST_CHECKS refused-host-logged; do check_failed "$name" "skipped: $1"; done
    if [ "$PEER" = dpu-target ]; then
        for name in $DIGEST_CHECKS hdr-digest-refusal-logged; do check_failed "$name" "skipped: $1"; done
    fi
}

main() {
    log "kernel-initiator interop test, peer: $PEER, work dir: $WORK"
    if ! prepare_vm; then
        loud "cannot build the VM; nothing else can run"
        skip_remaining "no VM image"
        checks_summary
        return
    fi
    local start_peer=start_dpu_target
    [ "$PEER" = kernel-nvmet ] && start_peer=start_kernel_nvmet
    if ! "$start_peer"; then
        loud "the target under test is not running; no initiator checks possible"
        skip_remaining "target not running"
        checks_summary
        return
    fi
    [ "$PEER" = dpu-target ] && { start_digest_target; GUEST_CHECKS="$GUEST_CHECKS $DIGEST_CHECKS"; }
    run_initiator_vm
    initiator_vm_report "$WORK" "$GUEST_CHECKS" "initiator VM" KI_VM_TIMEOUT
    check_refusal_logged
    [ "$PEER" = dpu-target ] && [ -n "$DIGEST_PORT" ] && check_digest_refusal_logged
    [ "$PEER" = dpu-target ] && dpu_target_check_stops
    if [ "$CHECKS_FAILED" -gt 0 ]; then
        show_initiator_kernel_errors
        vm_log_tail "$TARGET_LOG" "target's log"
    fi
    checks_summary
}

# On one line, so bash has read all it will run before main starts.
main; exit $?

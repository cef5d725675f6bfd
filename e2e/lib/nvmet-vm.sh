# shellcheck shell=bash
# The kernel-target VM: Linux's own nvmet-tcp (e2e/vm/nvmet-peer.sh) as a peer, reached
# through QEMU's hostfwd on 127.0.0.1. Used by kernel-initiator.sh (the reference peer) and
# remote-chain.sh (the remote target behind ours). Sourced, not executed; needs
# lib/vm.sh, lib/initiator-vm.sh (vm_write_params, vm_console_tail) and INITRAMFS
# (initiator_vm_image).

# shellcheck disable=SC2034 # read by the callers
NVMET_VM_PID=   # set while the VM runs; the caller's cleanup stops it (vm_stop)
NVMET_VM_WHY=   # why nvmet_vm_start failed
NVMET_VM_READY= # what the guest exported (its @@NVMET READY line)

# nvmet_vm_start DIR LIMIT HOSTFWDS [QEMU_ARG...]: boots the VM (TCG, 1 CPU, 768 MiB) with
# the parameters in DIR/nvmet.env (vm_write_params: ROLE=nvmet, see nvmet-peer.sh) and its
# console in DIR/nvmet-console.log, stopped after LIMIT seconds at the latest. HOSTFWDS is
# QEMU netdev text such as ",hostfwd=tcp:127.0.0.1:PORT-:4420". Waits (120 s at most) until
# the guest says it serves; sets NVMET_VM_PID, and NVMET_VM_WHY on failure.
nvmet_vm_start() {
    local dir=$1 limit=$2 fwd=$3 console=$1/nvmet-console.log state=
    shift 3
    NVMET_VM_WHY=
    if ! vm_initrd_with_params "$INITRAMFS" "$dir/nvmet.env" "$dir/nvmet.initrd"; then
        NVMET_VM_WHY="could not write $dir/nvmet.initrd"
        return 1
    fi
    vm_start "$console" "$limit" "$dir/nvmet.initrd" 1 768M "$fwd" "" "$@"
    NVMET_VM_PID=$VM_PID
    for _ in $(seq 1 600); do
        grep -q '@@NVMET READY' "$console" && { state=ready; break; }
        grep -q '@@NVMET FAILED' "$console" && { state=failed; break; }
        kill -0 "$NVMET_VM_PID" 2>/dev/null || { state=exited; break; }
        sleep 0.2
    done
    if [ "$state" != ready ]; then
        NVMET_VM_WHY="kernel-target VM ${state:-not ready after 120 s}: $(tr -d '\r' < "$console" | grep -E '@@NVMET|Kernel panic' | tail -n 2)"
        return 1
    fi
    NVMET_VM_READY=$(tr -d '\r' < "$console" | sed -n 's/.*@@NVMET READY *//p' | head -n 1)
}

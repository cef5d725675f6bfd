# shellcheck shell=bash
# Test VMs: Debian's own kernel booted in QEMU from a busybox initramfs (no disk image).
# Sourced, not executed; needs lib/cache.sh first. See docs/testing-kernel-initiator.md.

VM_GUEST_DIR="$E2E_DIR/vm"

# vm_pick_kernel: sets VM_KERNEL_VERSION and VM_KERNEL_IMAGE to the newest kernel under
# /boot that has its modules installed (KI_KERNEL_VERSION picks another one).
vm_pick_kernel() {
    local img ver
    VM_KERNEL_VERSION=
    for img in $(printf '%s\n' /boot/vmlinuz-* | sort -V); do
        [ -e "$img" ] || continue
        ver=${img#/boot/vmlinuz-}
        [ -d "/lib/modules/$ver/kernel" ] || continue
        if [ -z "${KI_KERNEL_VERSION:-}" ] || [ "$ver" = "$KI_KERNEL_VERSION" ]; then
            VM_KERNEL_VERSION=$ver
            VM_KERNEL_IMAGE=$img
        fi
    done
    if [ -z "$VM_KERNEL_VERSION" ]; then
        echo "no kernel under /boot with modules in /lib/modules${KI_KERNEL_VERSION:+ (wanted $KI_KERNEL_VERSION)};" \
            "install linux-image-amd64 (setup.sh)" >&2
        return 1
    fi
    if [ ! -r "$VM_KERNEL_IMAGE" ]; then
        echo "$VM_KERNEL_IMAGE is not readable; chmod 0644 it (setup.sh does)" >&2
        return 1
    fi
}

# vm_missing_tools: prints the host tools the VMs need but this machine lacks.
vm_missing_tools() {
    local t
    for t in qemu-system-x86_64 cpio gzip modinfo timeout; do
        command -v "$t" > /dev/null || echo "$t"
    done
    [ -x /bin/busybox ] && file_is_static /bin/busybox || echo "static /bin/busybox (busybox-static)"
}
file_is_static() { ! LC_ALL=C ldd "$1" 2>&1 | grep -q '=>'; }

# The archive's cache key: kernel version (in the path), the guest scripts, the module
# list and this builder, plus the module files' identity (a kernel update keeps the ABI
# name but replaces the files).
vm_initramfs_key() {
    local m
    {
        cat "$VM_GUEST_DIR"/* "${BASH_SOURCE[0]}"
        sha256sum /bin/busybox
        for m in $(grep -v '^#' "$VM_GUEST_DIR/modules.list"); do
            stat -L -c '%n %s %Y' "$(modinfo -k "$VM_KERNEL_VERSION" -n "$m")"
        done
    } | sha256sum | cut -c1-16
}

# vm_initramfs: prints the path of the cached base initramfs (gzip'd newc cpio with
# busybox, the modules, /init and the guest scripts), building it when missing.
vm_initramfs() {
    local dir key out stage m src tmp
    dir="$DPU_CACHE_DIR/vm/$VM_KERNEL_VERSION"
    key=$(vm_initramfs_key) || return 1
    out="$dir/initramfs-$key.cpio.gz"
    if [ -s "$out" ]; then
        echo "$out"
        return 0
    fi
    mkdir -p "$dir"
    stage=$(mktemp -d "$dir/stage.XXXXXX")
    mkdir -p "$stage/bin" "$stage/modules" "$stage/guest" "$stage/dev" "$stage/proc" \
        "$stage/sys" "$stage/run" "$stage/tmp"
    cp /bin/busybox "$stage/bin/busybox"
    cp "$VM_GUEST_DIR/init" "$stage/init"
    cp "$VM_GUEST_DIR"/*.sh "$stage/guest/"
    chmod 0755 "$stage/init"
    for m in $(grep -v '^#' "$VM_GUEST_DIR/modules.list"); do
        src=$(modinfo -k "$VM_KERNEL_VERSION" -n "$m") || { echo "module $m not found for $VM_KERNEL_VERSION" >&2; rm -rf "$stage"; return 1; }
        case "$src" in # busybox insmod wants plain .ko files
            *.xz) xz -dc "$src" > "$stage/modules/$m.ko" ;;
            *.zst) zstd -qdc "$src" > "$stage/modules/$m.ko" ;;
            *) cp "$src" "$stage/modules/$m.ko" ;;
        esac || { rm -rf "$stage"; return 1; }
    done
    # Written under a unique name and renamed, so a concurrent run never sees half a file.
    tmp=$(mktemp "$dir/initramfs.XXXXXX")
    (cd "$stage" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 | gzip -6) > "$tmp" &&
        mv "$tmp" "$out"
    rm -rf "$stage" "$tmp"
    # Archives for older guest scripts are dead weight.
    find "$dir" -maxdepth 1 -name 'initramfs-*.cpio.gz' ! -path "$out" -delete
    [ -s "$out" ] && echo "$out"
}

# vm_initrd_with_params BASE PARAMS_FILE OUT: BASE followed by a one-file archive holding
# PARAMS_FILE as /params.env (the kernel unpacks concatenated archives in order).
vm_initrd_with_params() {
    local stage
    stage=$(mktemp -d)
    cp "$2" "$stage/params.env"
    { cat "$1"; (cd "$stage" && echo params.env | cpio --quiet -o -H newc -R 0:0 | gzip -1); } > "$3"
    local rc=$?
    rm -rf "$stage"
    return $rc
}

# vm_start CONSOLE_LOG TIMEOUT_S INITRD SMP MEM NETDEV_EXTRA APPEND_EXTRA [QEMU_ARG...]:
# boots a VM in the background and sets VM_PID (the `timeout` wrapping QEMU: signalling it
# stops QEMU). TCG only: KVM is exposed on these machines but broken. The NIC (netdev n0)
# gets no option ROM: the kernel is loaded directly, so iPXE would only cost boot time.
# The console is the first serial port (ttyS0); QEMU_ARGs add devices (vm_disk_args,
# vm_control_args, vm_capture_args).
vm_start() {
    local log=$1 limit=$2 initrd=$3 smp=$4 mem=$5 netx=$6 appendx=$7
    shift 7
    : > "$log" # exists before QEMU starts, for whoever follows it with tail -f
    timeout --kill-after=10 "$limit" qemu-system-x86_64 \
        -accel tcg -cpu max -smp "$smp" -m "$mem" \
        -nographic -monitor none -serial stdio -no-reboot \
        -kernel "$VM_KERNEL_IMAGE" -initrd "$initrd" \
        -append "console=ttyS0 panic=-1 oops=panic $appendx" \
        -netdev "user,id=n0$netx" -device virtio-net-pci,netdev=n0,romfile= \
        "$@" < /dev/null > "$log" 2>&1 &
    VM_PID=$! # read by the caller
}

# vm_disk_args ID FILE BLOCK_SIZE [ro]: QEMU arguments, one a line (read them with
# mapfile), for a virtio disk backed by FILE on this machine. The guest finds it by its
# serial number ID (/sys/block/vdX/serial), sees BLOCK_SIZE-byte logical blocks, and every
# write it completes is in FILE (cache=writethrough), so the host can read FILE afterwards.
vm_disk_args() {
    local id=$1 file=$2 bs=$3 ro=
    [ "${4:-}" = ro ] && ro=,readonly=on
    printf '%s\n' -drive "file=$file,if=none,id=$id,format=raw,cache=writethrough$ro" \
        -device "virtio-blk-pci,drive=$id,serial=$id,logical_block_size=$bs,physical_block_size=$bs"
}

# vm_control_args PATH: QEMU arguments for a control channel, the guest's second serial
# port (ttyS1), joined to the FIFOs PATH.in (host to guest) and PATH.out (guest to host),
# which it creates. QEMU opens both read-write, so neither side ever blocks on open; the
# host side is in lib/vm-control.sh.
vm_control_args() {
    rm -f "$1.in" "$1.out"
    mkfifo "$1.in" "$1.out" || return 1
    printf '%s\n' -serial "pipe:$1"
}

# vm_capture_args FILE: QEMU arguments that record the VM's network traffic (netdev n0,
# both directions) as a pcap file, each frame cut to its first 256 bytes: enough for the
# protocol headers at the start of a TCP segment, not the data.
vm_capture_args() {
    printf '%s\n' -object "filter-dump,id=capture0,netdev=n0,file=$1,maxlen=256"
}

# vm_stop PID: stop a VM started by vm_start (and only that one). `timeout` passes TERM
# on to QEMU; it also leads its own process group, so the KILL fallback takes QEMU along.
vm_stop() {
    local pid=$1
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL -- "-$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

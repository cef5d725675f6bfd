# shellcheck shell=bash
# The Linux initiator VM (e2e/vm/initiator-checks.sh) driven from the host: its image, its
# parameters, its run and the checks it reports. Used by kernel-initiator.sh and kind-e2e.sh.
# Sourced, not executed; needs lib/checks.sh, lib/vm.sh, VM_TIMEOUT (seconds the VM may run)
# and the caller's log function (one message to stderr). Not part of lib/vm.sh: that file's
# text is in the initramfs cache key, and driving the VM does not change what it boots.

INITIATOR_VM_PID=     # set while the initiator VM runs; the caller's cleanup stops it (vm_stop)
VM_RC=                # exit status of the last initiator VM run (124: out of time)
INITIATOR_VM_MARKERS= # "PASS|FAIL name" for every check the guest reported (its first report)

# vm_write_params FILE NAME=VALUE...: a guest's parameters (its /params.env), one shell
# assignment a line.
vm_write_params() {
    local f=$1 kv
    shift
    : > "$f"
    for kv in "$@"; do printf "%s='%s'\n" "${kv%%=*}" "${kv#*=}" >> "$f"; done
}

# initiator_vm_image ERR_FILE: checks this machine's tools, picks the kernel
# (VM_KERNEL_VERSION) and sets INITRAMFS to its base initramfs, built when missing. On
# failure ERR_FILE holds what is wrong.
initiator_vm_image() {
    local err=$1 missing why
    missing=$(vm_missing_tools)
    if [ -n "$missing" ]; then
        echo "missing on this machine: ${missing//$'\n'/, } (run setup.sh)" > "$err"
        return 1
    fi
    vm_pick_kernel 2> "$err" || return 1
    log "building or reusing the initramfs for $VM_KERNEL_VERSION..."
    if ! INITRAMFS=$(vm_initramfs 2> "$err"); then
        why=$(tail -n 3 "$err")
        echo "could not build the initramfs: $why" > "$err"
        return 1
    fi
}

# initiator_vm_params DIR NAME=VALUE...: the guest's parameters as DIR/initiator.env (after
# ROLE=initiator and TRADDR=10.0.2.2, the host as QEMU's user network shows it) and the VM's
# initrd (INITRAMFS plus those parameters) as DIR/initiator.initrd.
initiator_vm_params() {
    local dir=$1
    shift
    vm_write_params "$dir/initiator.env" ROLE=initiator TRADDR=10.0.2.2 "$@"
    vm_initrd_with_params "$INITRAMFS" "$dir/initiator.env" "$dir/initiator.initrd"
}

# initiator_vm_run DIR [LABEL [QEMU_ARG...]]: boots the initiator VM from DIR/initiator.initrd
# (TCG, 2 CPUs, 1 GiB, at most VM_TIMEOUT s; QEMU_ARGs add devices, see vm_start) with its
# console in DIR/initiator-console.log, shows its progress ("  [LABEL<seconds> s] ...") and
# check lines as they come, and sets VM_RC once it has stopped. The check lines are counted
# afterwards (initiator_vm_count_checks).
initiator_vm_run() {
    local dir=$1 label=${2:-} console=$1/initiator-console.log start=$SECONDS line s n d
    shift $(($# < 2 ? $# : 2))
    # loglevel=4: kernel errors still reach the console, chatter does not (it would split
    # marker lines); the guest prints its whole dmesg as @@KLOG lines at the end.
    vm_start "$console" "$VM_TIMEOUT" "$dir/initiator.initrd" 2 1G "" "loglevel=4" "$@"
    INITIATOR_VM_PID=$VM_PID
    tail -n +1 -f --pid="$INITIATOR_VM_PID" "$console" 2>/dev/null | while IFS= read -r line; do
        line=${line%$'\r'}
        case "$line" in
            *@@PROGRESS*) log "  [$label$((SECONDS - start)) s] ${line#*@@PROGRESS }" ;;
            # The marker may follow kernel output on the same console line.
            *@@CHECK\ *) read -r s n d <<< "${line#*@@CHECK }"; check_line "$s" "$n" "$d" ;;
        esac
    done
    wait "$INITIATOR_VM_PID"
    # shellcheck disable=SC2034 # read by the caller
    VM_RC=$?
    INITIATOR_VM_PID=
}

# initiator_vm_count_checks DIR EXPECTED: counts every check the guest reported in
# DIR/initiator-console.log (one the caller does not expect still counts, so a guest check
# added without updating EXPECTED fails nothing silently) and fails every name in EXPECTED
# that never came. Sets INITIATOR_VM_MARKERS.
initiator_vm_count_checks() {
    local console=$1/initiator-console.log status name
    [ -f "$console" ] || : > "$console"
    INITIATOR_VM_MARKERS=$(tr -d '\r' < "$console" |
        sed -n 's/.*@@CHECK \(PASS\|FAIL\) \([^ ]*\).*/\1 \2/p' | awk '!seen[$2]++')
    while read -r status name; do
        [ -n "$name" ] && check_count "$status"
    done <<< "$INITIATOR_VM_MARKERS"
    for name in $2; do
        echo "$INITIATOR_VM_MARKERS" | awk -v n="$name" '$2 == n { f = 1 } END { exit !f }' ||
            check_failed "$name" "no result: the guest stopped before this check"
    done
}

# initiator_vm_finished DIR: true when the guest got through all its checks.
initiator_vm_finished() { grep -q '@@GUEST DONE' "$1/initiator-console.log"; }

# initiator_vm_dmesg DIR: the guest kernel's log, as the guest printed it at the end.
initiator_vm_dmesg() { tr -d '\r' < "$1/initiator-console.log" | sed -n 's/^.*@@KLOG //p'; }

# vm_log_tail FILE TITLE: the last 40 lines of a VM's console, to stderr, after a failure.
vm_log_tail() {
    printf '!!! last 40 lines of the %s (%s):\n' "$2" "$1" >&2
    vm_console_tail "$1" 40
}

# initiator_vm_report DIR CHECKS NAME TIMEOUT_SETTING: after initiator_vm_run, counts the
# checks the guest reported (CHECKS: every name expected), keeps its kernel log in
# DIR/initiator-dmesg.log and, when the VM did not finish, says why (panic, out of time - the
# TIMEOUT_SETTING variable raises the limit - or stopped) with the end of its console. NAME is
# how the VM is called in those lines ("initiator VM").
initiator_vm_report() {
    local dir=$1 checks=$2 name=$3 setting=$4 console=$1/initiator-console.log
    initiator_vm_count_checks "$dir" "$checks"
    initiator_vm_dmesg "$dir" > "$dir/initiator-dmesg.log"
    initiator_vm_finished "$dir" && return 0
    if tr -d '\r' < "$console" | grep -q 'Kernel panic'; then
        printf '!!! the %s panicked: %s\n' "$name" "$(tr -d '\r' < "$console" | grep -m1 'Kernel panic')" >&2
    elif [ "$VM_RC" = 124 ]; then
        printf '!!! the %s did not finish within %s s (%s)\n' "$name" "$VM_TIMEOUT" "$setting" >&2
    else
        printf '!!! the %s stopped before finishing (QEMU/timeout exit status %s)\n' "$name" "$VM_RC" >&2
    fi
    vm_log_tail "$console" "$name console"
}

# vm_console_tail FILE LINES: the last LINES lines of a console (or other) log without the
# guest's dmesg lines, indented, on stderr.
vm_console_tail() { tr -d '\r' < "$1" | grep -v '@@KLOG' | tail -n "$2" | sed 's/^/    | /' >&2; }

# vm_work_dir_cleanup DIR KEEP: for the EXIT trap. Removes the run's work directory when
# every check passed and KEEP is not 1; otherwise keeps it for a look, without the initrds and
# namespace images (large, and made again by every run).
vm_work_dir_cleanup() {
    if [ "$2" = 1 ] || [ "$CHECKS_FAILED" -gt 0 ]; then
        rm -f "$1"/*.initrd "$1"/ns.img.*
        log "logs kept in $1"
    else
        rm -rf "$1"
    fi
}

# shellcheck shell=dash
# The checks the Linux NVMe/TCP host runs against the target under test (ROLE=initiator).
# Parameters from /params.env:
#   TRADDR, TRSVCID   where the target listens, as seen from the guest (10.0.2.2 = host loopback)
#   SUBNQN            the subsystem to use
#   HOSTNQN           a host NQN on the subsystem's allow-list
#   BAD_HOSTNQN       a host NQN that is not, and must be refused
#   NAMESPACES        "nsid:sizeBytes:blockSize ..." as configured on the target
#   DIGEST_TRSVCID    (optional) port of a second target with the same subsystem that
#                     requires the header digest
# Every check prints one "@@CHECK PASS|FAIL name detail" line; a check whose precondition
# failed is reported as failed with "skipped", so the host always sees every name.

. /guest/nvme-host.sh
. /guest/block-io.sh

# Dependencies first (modprobe --show-depends order); crc32c_generic is needed for digests.
INITIATOR_MODULES="crc32c_generic crct10dif_common crct10dif_generic crc-t10dif crc64
    crc64-rocksoft crc64_rocksoft_generic t10-pi nvme-core nvme-fabrics nvme-tcp
    virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
    failover net_failover virtio_net"
IO_QUEUES=2

skip() { check_fail "$1" "skipped: $2"; }

total_bytes() {
    local ns sum=0
    for ns in $NAMESPACES; do sum=$((sum + $(echo "$ns" | cut -d: -f2))); done
    echo "$sum"
}
TOTAL_MIB=$(( $(total_bytes) / 1048576 ))

# connect CHECK_NAME EXTRA_OPTIONS: connect as the allowed host and wait for every
# namespace; sets INSTANCE. Reports the check.
connect() {
    local reply
    INSTANCE=
    if ! reply=$(fabrics_connect "$(fabrics_options "$HOSTNQN" "nr_io_queues=$IO_QUEUES${2:+,$2}")"); then
        check_fail "$1" "connect refused: ${reply:-no reply} / kernel: $(recent_nvme_dmesg)"
        return 1
    fi
    INSTANCE=$(instance_of "$reply")
    if [ -z "$INSTANCE" ]; then
        check_fail "$1" "unexpected reply from /dev/nvme-fabrics: $reply"
        return 1
    fi
    if ! wait_until 30 all_namespaces_present; then
        check_fail "$1" "connected ($reply) but not every namespace appeared with its size within 30 s"
        return 1
    fi
    check_pass "$1" "$reply state=$(ctrl_attr "$INSTANCE" state) ${2:+options=$2}"
}

# The kernel exposes admin + I/O queues as queue_count and logs the blk-mq mapping.
check_io_queues() {
    local count mapped
    count=$(ctrl_attr "$INSTANCE" queue_count)
    mapped=$(dmesg | grep "nvme$INSTANCE: mapped" | tail -n 1 | sed 's/.*mapped/mapped/')
    if [ "$count" = "$((IO_QUEUES + 1))" ]; then
        check_pass io-queues "queue_count=$count (admin + $IO_QUEUES I/O), $mapped"
    else
        check_fail io-queues "queue_count=${count:-missing}, expected $((IO_QUEUES + 1)) (admin + $IO_QUEUES I/O); $mapped"
    fi
}

namespace_checks() {
    local ns
    for ns in $NAMESPACES; do echo "ns${ns%%:*}-size"; done
}

check_namespaces() {
    local ns nsid size lbs dev got_size got_lbs
    for ns in $NAMESPACES; do
        nsid=${ns%%:*}
        size=$(echo "$ns" | cut -d: -f2)
        lbs=$(echo "$ns" | cut -d: -f3)
        if ! dev=$(find_ns_dev "$SUBNQN" "$nsid"); then
            check_fail "ns$nsid-size" "namespace $nsid has no block device"
            continue
        fi
        got_size=$(blockdev --getsize64 "$dev")
        got_lbs=$(blockdev --getss "$dev")
        if [ "$got_size" = "$size" ] && [ "$got_lbs" = "$lbs" ]; then
            check_pass "ns$nsid-size" "$dev $got_size bytes, $got_lbs-byte blocks"
        else
            check_fail "ns$nsid-size" "$dev is $got_size bytes with $got_lbs-byte blocks, expected $size and $lbs"
        fi
    done
}

# make_data: fresh random content for every namespace, kept in tmpfs to compare against.
make_data() {
    local ns nsid size
    for ns in $NAMESPACES; do
        nsid=${ns%%:*}
        size=$(echo "$ns" | cut -d: -f2)
        head -c "$size" /dev/urandom > "/run/data-ns$nsid" || return 1
    done
}

# write_all PHASE / verify_all PHASE: every namespace, whole device, mixed block sizes.
# Both print what went over the wire on success, or what failed.
write_all() {
    local ns nsid size lbs dev out runs=0 blocks=0 before cmds
    before=$(ctrl_io_count "$INSTANCE" writes)
    for ns in $NAMESPACES; do
        nsid=${ns%%:*}; size=$(echo "$ns" | cut -d: -f2); lbs=$(echo "$ns" | cut -d: -f3)
        dev=$(find_ns_dev "$SUBNQN" "$nsid") || { echo "namespace $nsid vanished"; return 1; }
        out=$(write_region "/run/data-ns$nsid" "$dev" "$size" "$lbs" "$1") ||
            { echo "ns$nsid: $out / kernel: $(recent_nvme_dmesg)"; return 1; }
        runs=$((runs + ${out% *})); blocks=$((blocks + ${out#* }))
    done
    cmds=$(( $(ctrl_io_count "$INSTANCE" writes) - before ))
    io_summary "$blocks" "$runs" "$cmds" write
}
# io_summary BLOCKS DD_RUNS COMMANDS KIND: direct I/O never merges dd blocks, it can only
# split them, so fewer commands than blocks means the page cache was in the way.
io_summary() {
    if [ "$3" -lt "$1" ]; then
        echo "only $3 $4 commands reached the controller for $1 dd blocks: O_DIRECT was not in effect"
        return 1
    fi
    echo "$1 blocks in $2 dd runs, $3 $4 commands"
}
verify_all() {
    local ns nsid size lbs dev out runs=0 blocks=0 before cmds diff
    echo 3 > /proc/sys/vm/drop_caches
    before=$(ctrl_io_count "$INSTANCE" reads)
    for ns in $NAMESPACES; do
        nsid=${ns%%:*}; size=$(echo "$ns" | cut -d: -f2); lbs=$(echo "$ns" | cut -d: -f3)
        dev=$(find_ns_dev "$SUBNQN" "$nsid") || { echo "namespace $nsid vanished"; return 1; }
        out=$(read_region "$dev" "/run/back-ns$nsid" "$size" "$lbs" "$1") ||
            { echo "ns$nsid: $out / kernel: $(recent_nvme_dmesg)"; return 1; }
        if ! diff=$(cmp "/run/data-ns$nsid" "/run/back-ns$nsid" 2>&1); then
            echo "ns$nsid read back differs from what was written: $diff"
            return 1
        fi
        rm -f "/run/back-ns$nsid"
        runs=$((runs + ${out% *})); blocks=$((blocks + ${out#* }))
    done
    cmds=$(( $(ctrl_io_count "$INSTANCE" reads) - before ))
    io_summary "$blocks" "$runs" "$cmds" read
}

# write_and_verify CHECK_NAME WRITE_PHASE READ_PHASE
write_and_verify() {
    local t0 out_w out_r
    progress "generating $TOTAL_MIB MiB of random data"
    make_data || { check_fail "$1" "could not generate test data in tmpfs"; return 1; }
    progress "writing $TOTAL_MIB MiB (block sizes 512 B to 1 MiB, O_DIRECT)..."
    t0=$(now)
    out_w=$(write_all "$2") || { check_fail "$1" "write: $out_w"; return 1; }
    progress "reading back $TOTAL_MIB MiB and comparing..."
    out_r=$(verify_all "$3") || { check_fail "$1" "$out_r"; return 1; }
    check_pass "$1" "$TOTAL_MIB MiB written ($out_w), read back identical ($out_r), $(( $(now) - t0 )) s"
}

# verify_kept CHECK_NAME READ_PHASE: the data written earlier is still there.
verify_kept() {
    local t0 out
    progress "reading back $TOTAL_MIB MiB after reconnect..."
    t0=$(now)
    out=$(verify_all "$2") || { check_fail "$1" "$out"; return 1; }
    check_pass "$1" "$TOTAL_MIB MiB identical ($out) in $(( $(now) - t0 )) s"
}

# An idle connection must survive: the host sends Keep Alive every KATO/2 and expects
# the target to count them (a target that ignores them drops the host after KATO).
check_idle_keepalive() {
    local kato before dev lost
    kato=$(ctrl_attr "$INSTANCE" kato)
    [ "${kato:-0}" -gt 0 ] 2>/dev/null || kato=5
    before=$(dmesg | wc -l)
    progress "idling $((kato * 3)) s with the connection open (keep-alive timeout $kato s)"
    sleep $((kato * 3))
    lost=$(dmesg | tail -n +"$((before + 1))" | grep -iE 'nvme' | grep -iE 'error recovery|keep.?alive|timeout|reset' | head -n 3 | tr '\n' '|')
    dev=$(find_ns_dev "$SUBNQN" "${NAMESPACES%%:*}")
    if [ "$(ctrl_attr "$INSTANCE" state)" = live ] && [ -z "$lost" ] &&
        dd if="$dev" of=/dev/null bs=4096 count=1 iflag=direct status=none 2>/dev/null; then
        check_pass idle-keepalive "still live after $((kato * 3)) s idle with keep-alive timeout $kato s"
    else
        check_fail idle-keepalive "state $(ctrl_attr "$INSTANCE" state) after $((kato * 3)) s idle; kernel: ${lost:-$(recent_nvme_dmesg)}"
    fi
}

check_disconnect() {
    if disconnect "$INSTANCE"; then
        check_pass "$1" "nvme$INSTANCE deleted, namespaces gone"
    else
        check_fail "$1" "nvme$INSTANCE still present 30 s after delete_controller"
        return 1
    fi
}

# A host NQN missing from the allow-list must get no controller, and for the right
# reason: the target answered Connect with "Connect Invalid Host", which the kernel logs
# as "Connect for subsystem ... is not allowed". A dead or broken target also makes the
# connect fail, but that is not a refusal.
check_refused_host() {
    local reply before reason
    before=$(dmesg | wc -l)
    if reply=$(fabrics_connect "$(fabrics_options "$BAD_HOSTNQN")"); then
        check_fail refused-host "connect as $BAD_HOSTNQN succeeded ($reply)"
        disconnect "$(instance_of "$reply")"
        return 1
    fi
    if [ "$(controllers_of "$BAD_HOSTNQN")" != 0 ]; then
        check_fail refused-host "connect failed but a controller for $BAD_HOSTNQN exists"
        return 1
    fi
    reason=$(dmesg | tail -n +"$((before + 1))" | grep -iE 'nvme|nvmf' | sed 's/^\[[^]]*\] //')
    if echo "$reason" | grep -qF "Connect for subsystem $SUBNQN is not allowed, hostnqn: $BAD_HOSTNQN"; then
        check_pass refused-host "connect refused (${reply:-error}); kernel: $(echo "$reason" | grep -m1 'not allowed')"
    else
        check_fail refused-host "connect failed, but not as an unknown host (${reply:-error}); kernel: $(echo "$reason" | tr '\n' '|')"
    fi
}

# A target that requires the header digest: a connect without hdr_digest must fail in
# the ICReq exchange - the kernel names the header digest mismatch - and leave no
# controller; the same connect with hdr_digest must work.
check_hdr_digest_required() {
    local main_port=$TRSVCID reply before reason
    TRSVCID=$DIGEST_TRSVCID
    before=$(dmesg | wc -l)
    if reply=$(fabrics_connect "$(fabrics_options "$HOSTNQN")"); then
        check_fail hdr-digest-required-refused "connect without hdr_digest succeeded ($reply)"
        disconnect "$(instance_of "$reply")"
    elif [ "$(controllers_of "$HOSTNQN")" != 0 ]; then
        check_fail hdr-digest-required-refused "connect failed but a controller for $HOSTNQN exists"
    else
        reason=$(dmesg | tail -n +"$((before + 1))" | grep -iE 'nvme|nvmf' | sed 's/^\[[^]]*\] //')
        if echo "$reason" | grep -qi 'header digest'; then
            check_pass hdr-digest-required-refused "connect refused (${reply:-error}); kernel: $(echo "$reason" | grep -i -m1 'header digest')"
        else
            check_fail hdr-digest-required-refused "connect failed, but the kernel does not name the header digest (${reply:-error}); kernel: $(echo "$reason" | tr '\n' '|')"
        fi
    fi
    if connect hdr-digest-required-connect "hdr_digest"; then
        check_disconnect hdr-digest-required-disconnect
    else
        skip hdr-digest-required-disconnect "no connection with hdr_digest"
    fi
    TRSVCID=$main_port
}

run_checks() {
    local boot_out
    if boot_out=$(load_modules $INITIATOR_MODULES 2>&1 && net_up 2>&1); then
        check_pass vm-boot "kernel $(uname -r), $(nproc) CPUs, nvme-tcp and virtio-net loaded, eth0 up"
    else
        check_fail vm-boot "$boot_out"
        return
    fi

    progress "connecting to $TRADDR:$TRSVCID $SUBNQN (no digests, $IO_QUEUES I/O queues)"
    if connect connect ""; then
        check_io_queues
        check_namespaces
        write_and_verify write-verify 0 3
        check_idle_keepalive
        check_disconnect disconnect
    else
        for c in io-queues $(namespace_checks) write-verify idle-keepalive disconnect; do skip "$c" "no connection"; done
    fi

    progress "reconnecting"
    if connect reconnect ""; then
        verify_kept reconnect-data-kept 5
        check_disconnect disconnect-again
    else
        for c in reconnect-data-kept disconnect-again; do skip "$c" "no reconnection"; done
    fi

    progress "connecting with header and data digests"
    if connect connect-digests "hdr_digest,data_digest"; then
        verify_kept digest-data-kept 7
        write_and_verify digest-write-verify 2 8
        check_disconnect disconnect-digests
    else
        for c in digest-data-kept digest-write-verify disconnect-digests; do skip "$c" "no connection with digests"; done
    fi

    progress "connecting as a host that is not allowed"
    check_refused_host

    if [ -n "$DIGEST_TRSVCID" ]; then
        progress "connecting to a target that requires the header digest ($TRADDR:$DIGEST_TRSVCID)"
        check_hdr_digest_required
    fi
}

run_checks
# The whole kernel log, for the host to keep next to the console log.
dmesg | sed 's/^/@@KLOG /'
echo "@@GUEST DONE"

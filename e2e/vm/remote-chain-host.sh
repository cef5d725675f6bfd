# shellcheck shell=dash
# The Linux host at the front of the remote chain (ROLE=chain, e2e/remote-chain.sh): it
# connects to the target under test, writes and verifies data on three volumes, and has
# the host script take their remote targets down while it writes.
# Parameters from /params.env:
#   TRADDR            the host's loopback as the guest sees it (10.0.2.2)
#   HOSTNQN           this host's NQN
#   CONNECTS          "TRSVCID|SUBNQN|OPTIONS ..." one fabrics connect each; OPTIONS are
#                     added to the connect string after ctrl_loss_tmo=0 (so may override it)
#   VOLUMES           "NAME|SUBNQN|NSID|SIZE|BLOCKSIZE ..." for the volumes data, secret and
#                     fragile (data and secret on one remote, fragile on another)
#   DATA_SERIAL       serial of the read-only virtio disk holding the test data: set A for
#                     data then secret (written first), then set B for data (written while
#                     the remote restarts); the host compares the remotes' disks with it
#   OUTAGE_S          how long the data remote stays down while the host writes
#   LOSS_MIN_S, LOSS_MAX_S  writes to fragile, once its remote is gone for good, must fail
#                     no sooner than LOSS_MIN_S (they wait for the remote first) and no later
#                     than LOSS_MAX_S (an error, not a hang)
#   RECOVERY          1: fragile must come back by itself once its remote does
# The host script acts on "remote-down NAME" / "remote-up NAME" requests sent on the control
# channel (ttyS1). Every check prints one "@@CHECK PASS|FAIL name detail" line.

. /guest/nvme-host.sh
. /guest/block-io.sh

CHAIN_MODULES="crc32c_generic crct10dif_common crct10dif_generic crc-t10dif crc64
    crc64-rocksoft crc64_rocksoft_generic t10-pi nvme-core nvme-fabrics nvme-tcp
    virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
    failover net_failover virtio_net virtio_blk"
IO_QUEUES=2
MIB=1048576
LOSS_REMOTE_DOWN=0

skip() { check_fail "$1" "skipped: $2"; }

# vol NAME FIELD: a field of a volume in VOLUMES (subnqn, nsid, size, bs).
vol() {
    local v
    for v in $VOLUMES; do
        [ "${v%%|*}" = "$1" ] || continue
        case "$2" in
            subnqn) echo "$v" | cut -d'|' -f2 ;;
            nsid) echo "$v" | cut -d'|' -f3 ;;
            size) echo "$v" | cut -d'|' -f4 ;;
            bs) echo "$v" | cut -d'|' -f5 ;;
        esac
        return 0
    done
    return 1
}
vol_dev() { find_ns_dev "$(vol "$1" subnqn)" "$(vol "$1" nsid)"; }
# vol_instance NAME: the controller instance the volume is reached through.
vol_instance() {
    local c
    for c in /sys/class/nvme/nvme*; do
        [ "$(cat "$c/subsysnqn" 2>/dev/null)" = "$(vol "$1" subnqn)" ] && { echo "${c##*/nvme}"; return 0; }
    done
    return 1
}

# host_request SECONDS REQUEST: asks the host script to act and waits for its answer
# ("ok REQUEST ..." / "error REQUEST: why"), which it prints.
host_request() {
    local end=$(( $(now) + $1 )) left
    ctl_send "$2"
    while left=$((end - $(now))); [ "$left" -gt 0 ]; do
        ctl_recv "$left" || continue
        case "$CTL_LINE" in
            "ok $2"*) echo "$CTL_LINE"; return 0 ;;
            "error $2"*) echo "$CTL_LINE"; return 1 ;;
        esac
    done
    echo "no answer from the host script within $1 s"
    return 1
}

# run_bg NAME COMMAND...: runs COMMAND in the background, output to /run/NAME.out; its
# exit status lands in /run/NAME.rc when it ends (bg_done NAME).
run_bg() {
    local name=$1
    shift
    rm -f "/run/$name.rc" "/run/$name.out"
    ( "$@" > "/run/$name.out" 2>&1; echo $? > "/run/$name.rc.tmp"; mv "/run/$name.rc.tmp" "/run/$name.rc" ) &
}
bg_done() { [ -e "/run/$1.rc" ]; }
bg_rc() { cat "/run/$1.rc"; }

# io_errors_since LINE: the kernel's I/O error messages after dmesg line LINE.
io_errors_since() {
    dmesg | tail -n +"$(($1 + 1))" | grep -iE 'I/O error|critical medium|failing I/O|blk_update_request' |
        sed 's/^\[[^]]*\] //' | head -n 3 | tr '\n' '|'
}
nvme_messages_since() {
    local m
    m=$(dmesg | tail -n +"$(($1 + 1))" | grep -iE 'nvme' | sed 's/^\[[^]]*\] //' | tail -n 4 | tr '\n' '|')
    echo "${m:-no NVMe messages}"
}

# --- test data -----------------------------------------------------------------------
# /run/A-data, /run/A-secret, /run/B-data from the data disk (see DATA_SERIAL).
load_data() {
    local disk b dsize ssize
    for b in /sys/block/vd*; do
        [ "$(cat "$b/serial" 2>/dev/null)" = "$DATA_SERIAL" ] && disk=/dev/${b##*/}
    done
    [ -n "$disk" ] || { echo "no virtio disk with serial $DATA_SERIAL"; return 1; }
    dsize=$(vol data size); ssize=$(vol secret size)
    dd if="$disk" of=/run/A-data bs=$MIB count=$((dsize / MIB)) status=none &&
        dd if="$disk" of=/run/A-secret bs=$MIB skip=$((dsize / MIB)) count=$((ssize / MIB)) status=none &&
        dd if="$disk" of=/run/B-data bs=$MIB skip=$(((dsize + ssize) / MIB)) count=$((dsize / MIB)) status=none ||
        { echo "could not read the test data from $disk"; return 1; }
    [ "$(wc -c < /run/B-data)" = "$dsize" ] || { echo "$disk is too small for the test data"; return 1; }
}

# --- checks --------------------------------------------------------------------------
check_connect() {
    local c svc nqn opts reply done=""
    for c in $CONNECTS; do
        svc=${c%%|*}; nqn=$(echo "$c" | cut -d'|' -f2); opts=${c##*|}
        TRSVCID=$svc SUBNQN=$nqn
        if ! reply=$(fabrics_connect "$(fabrics_options "$HOSTNQN" "nr_io_queues=$IO_QUEUES${opts:+,$opts}")"); then
            check_fail connect "connect to $TRADDR:$svc $nqn refused: ${reply:-no reply} / kernel: $(recent_nvme_dmesg)"
            return 1
        fi
        done="$done $nqn ($opts): $reply state=$(ctrl_attr "$(instance_of "$reply")" state);"
    done
    if ! wait_until 30 all_volumes_present; then
        check_fail connect "connected ($done) but not every volume appeared within 30 s"
        return 1
    fi
    check_pass connect "$done"
}
all_volumes_present() {
    local v
    for v in $VOLUMES; do vol_dev "${v%%|*}" > /dev/null || return 1; done
}

check_sizes() {
    local v name dev size bs got bad="" seen=""
    for v in $VOLUMES; do
        name=${v%%|*}; size=$(vol "$name" size); bs=$(vol "$name" bs)
        dev=$(vol_dev "$name") || { bad="$bad $name: no block device;"; continue; }
        got="$(blockdev --getsize64 "$dev") $(blockdev --getss "$dev")"
        [ "$got" = "$size $bs" ] || bad="$bad $name ($dev): $got, expected $size $bs;"
        seen="$seen $name=$dev ${size}B/${bs};"
    done
    if [ -z "$bad" ]; then check_pass volume-sizes "$seen"; else check_fail volume-sizes "$bad"; fi
}

# write_verify NAME... : set A onto each volume, read back and compared (O_DIRECT,
# mixed block sizes, block-io.sh); counts the commands that reached the controllers.
check_write_verify() {
    local t0 name dev size bs out runs=0 blocks=0 wcmds=0 rcmds=0 before inst diff total=0
    t0=$(now)
    for name in data secret; do
        dev=$(vol_dev "$name") && inst=$(vol_instance "$name") || { check_fail write-verify "volume $name vanished"; return 1; }
        size=$(vol "$name" size); bs=$(vol "$name" bs)
        total=$((total + size))
        progress "writing $((size / MIB)) MiB of set A to $name ($dev, $bs-byte blocks)"
        before=$(ctrl_io_count "$inst" writes)
        out=$(write_region "/run/A-$name" "$dev" "$size" "$bs" 0) ||
            { check_fail write-verify "$name: $out / kernel: $(recent_nvme_dmesg)"; return 1; }
        wcmds=$((wcmds + $(ctrl_io_count "$inst" writes) - before))
        runs=$((runs + ${out% *})); blocks=$((blocks + ${out#* }))
    done
    echo 3 > /proc/sys/vm/drop_caches
    for name in data secret; do
        dev=$(vol_dev "$name") && inst=$(vol_instance "$name")
        size=$(vol "$name" size); bs=$(vol "$name" bs)
        progress "reading back $name and comparing"
        before=$(ctrl_io_count "$inst" reads)
        out=$(read_region "$dev" "/run/back-$name" "$size" "$bs" 3) ||
            { check_fail write-verify "$name: $out / kernel: $(recent_nvme_dmesg)"; return 1; }
        rcmds=$((rcmds + $(ctrl_io_count "$inst" reads) - before))
        if ! diff=$(cmp "/run/A-$name" "/run/back-$name" 2>&1); then
            check_fail write-verify "$name read back differs from what was written: $diff"
            return 1
        fi
        rm -f "/run/back-$name"
    done
    if [ "$wcmds" -lt "$blocks" ]; then
        check_fail write-verify "only $wcmds write commands reached the controller for $blocks dd blocks: O_DIRECT was not in effect"
        return 1
    fi
    check_pass write-verify "$((total / MIB)) MiB written ($blocks blocks in $runs dd runs, $wcmds write commands) and read back identical ($rcmds read commands), $(( $(now) - t0 )) s"
}

# The data remote goes down while set B is being written to data, and comes back after
# OUTAGE_S: the writes must wait (none completes while it is down), then all complete
# without an I/O error, and read back as set B.
check_restart() {
    local dev inst size bs w0 w1 w2 k0 answer running_down running_up errs t0 t_up rc
    dev=$(vol_dev data) && inst=$(vol_instance data) ||
        { skip restart-writes "volume data vanished"; skip restart-data "volume data vanished"; return 1; }
    size=$(vol data size); bs=$(vol data bs)
    k0=$(dmesg | wc -l)
    w0=$(ctrl_io_count "$inst" writes)
    progress "writing set B to data while its remote restarts"
    t0=$(now)
    run_bg restart write_region /run/B-data "$dev" "$size" "$bs" 6
    # Let the writes get going first (64 commands completed), so the outage hits them.
    if ! wait_until 60 writes_done_since "$inst" "$w0" 64; then
        check_fail restart-writes "writes to data did not get going within 60 s ($(( $(ctrl_io_count "$inst" writes) - w0 )) completed)"
        skip restart-data "no writes"
        return 1
    fi
    if ! answer=$(host_request 30 "remote-down data"); then
        check_fail restart-writes "could not take the remote down: $answer"
        wait_until 180 bg_done restart
        skip restart-data "no outage"
        return 1
    fi
    bg_done restart && running_down=no || running_down=yes
    sleep 1
    w1=$(ctrl_io_count "$inst" writes)
    sleep $((OUTAGE_S - 1))
    w2=$(ctrl_io_count "$inst" writes)
    bg_done restart && running_up=no || running_up=yes
    if ! answer=$(host_request 30 "remote-up data"); then
        check_fail restart-writes "could not bring the remote back: $answer"
        skip restart-data "remote not back"
        return 1
    fi
    t_up=$(now)
    progress "remote back after $OUTAGE_S s; waiting for the writes to finish"
    if ! wait_until 180 bg_done restart; then
        check_fail restart-writes "writes still not done 180 s after the remote came back (hang); kernel: $(nvme_messages_since "$k0")"
        skip restart-data "writes hung"
        return 1
    fi
    rc=$(bg_rc restart)
    errs=$(io_errors_since "$k0")
    if [ "$rc" != 0 ] || [ -n "$errs" ]; then
        check_fail restart-writes "the host saw I/O errors ($([ "$running_up" = yes ] && echo "after the remote came back" || echo "before the remote came back")): dd: $(tr '\n' ' ' < /run/restart.out) / kernel: ${errs:-none} $(nvme_messages_since "$k0")"
    elif [ "$running_down" != yes ] || [ "$running_up" != yes ]; then
        check_fail restart-writes "the writes were over before the outage ended (running when the remote went down: $running_down, when it came back: $running_up): the test proves nothing; write more data"
    elif [ "$w2" != "$w1" ]; then
        check_fail restart-writes "$((w2 - w1)) writes completed while the remote was down: acknowledged before the remote had them"
    elif [ "$(ctrl_attr "$inst" state)" != live ]; then
        check_fail restart-writes "writes done, but the controller is $(ctrl_attr "$inst" state)"
    else
        check_pass restart-writes "remote down for $OUTAGE_S s in the middle of $((size / MIB)) MiB of writes: no write completed while it was down (completed writes: $w1 one second in, $w2 at its end), all done without an I/O error $(( $(now) - t_up )) s after it came back ($(cat /run/restart.out | sed "s/ / dd runs, /") blocks); controller live; kernel: $(nvme_messages_since "$k0")"
    fi
    check_reread restart-data data /run/B-data 8
}
writes_done_since() { [ $(( $(ctrl_io_count "$1" writes) - $2 )) -ge "$3" ]; }

# check_reread CHECK NAME FILE PHASE: the volume reads back as FILE.
check_reread() {
    local dev size bs out diff
    echo 3 > /proc/sys/vm/drop_caches
    dev=$(vol_dev "$2"); size=$(vol "$2" size); bs=$(vol "$2" bs)
    out=$(read_region "$dev" "/run/back-$2" "$size" "$bs" "$4") ||
        { check_fail "$1" "$out / kernel: $(recent_nvme_dmesg)"; return 1; }
    if diff=$(cmp "$3" "/run/back-$2" 2>&1); then
        check_pass "$1" "$((size / MIB)) MiB of $2 read back identical to what was written (${out% *} dd runs, ${out#* } blocks)"
    else
        check_fail "$1" "$2 read back differs from what was written: $diff (divide the byte offset by $bs for the LBA)"
    fi
    rm -f "/run/back-$2"
}

# The fragile remote goes down and stays down: writes to fragile must fail with an I/O
# error after waiting for it (LOSS_MIN_S..LOSS_MAX_S), not hang; the other volumes'
# controller stays live and data stays readable.
check_loss() {
    local dev ddev inst answer k0 t0 t rc errs
    dev=$(vol_dev fragile) && ddev=$(vol_dev data) && inst=$(vol_instance data) ||
        { skip loss-errors "a volume vanished"; return 1; }
    k0=$(dmesg | wc -l)
    if ! answer=$(host_request 30 "remote-down fragile"); then
        check_fail loss-errors "could not take the remote down: $answer"
        return 1
    fi
    LOSS_REMOTE_DOWN=1
    progress "fragile's remote is down for good; writing to fragile"
    t0=$(now)
    run_bg loss dd if=/run/A-data of="$dev" bs=4096 count=256 oflag=direct conv=notrunc,fsync status=none
    wait_until "$LOSS_MAX_S" bg_done loss
    t=$(( $(now) - t0 ))
    errs=$(io_errors_since "$k0")
    if ! bg_done loss; then
        check_fail loss-errors "writes to fragile still blocked $LOSS_MAX_S s after its remote went away: a hang, not an error; kernel: $(nvme_messages_since "$k0")"
    elif [ "$(bg_rc loss)" = 0 ]; then
        check_fail loss-errors "writes to fragile succeeded after $t s although its remote is down"
    elif [ "$t" -lt "$LOSS_MIN_S" ]; then
        check_fail loss-errors "writes failed after only $t s; they should wait at least $LOSS_MIN_S s for the remote: $(tr '\n' ' ' < /run/loss.out)"
    elif ! dd if="$ddev" of=/dev/null bs=4096 count=16 iflag=direct status=none 2>/dev/null; then
        check_fail loss-errors "writes to fragile failed after $t s, but volume data is unreadable too; kernel: $(nvme_messages_since "$k0")"
    else
        check_pass loss-errors "writes to fragile failed after $t s with: $(tr '\n' ' ' < /run/loss.out) kernel: ${errs:-no I/O error line} $(nvme_messages_since "$k0"); data still readable"
    fi
}

# Once its remote is back, fragile works again without anything done on the host.
check_recovery() {
    local answer dev t0
    if ! answer=$(host_request 30 "remote-up fragile"); then
        check_fail loss-recovers "could not bring the remote back: $answer"
        return 1
    fi
    t0=$(now)
    progress "fragile's remote is back; waiting for writes to work again"
    if wait_until 60 fragile_write_works; then
        check_pass loss-recovers "a verified 64 KiB write to fragile worked $(( $(now) - t0 )) s after its remote came back"
    else
        check_fail loss-recovers "writes to fragile still fail 60 s after its remote came back: $(tr '\n' ' ' < /run/recover.out 2>/dev/null) / kernel: $(recent_nvme_dmesg)"
    fi
}
fragile_write_works() {
    local dev
    dev=$(vol_dev fragile) || return 1
    run_bg recover sh -c "dd if=/run/B-data of=$dev bs=65536 count=1 oflag=direct conv=notrunc status=none &&
        dd if=$dev of=/run/recover.back bs=65536 count=1 iflag=direct status=none &&
        head -c 65536 /run/B-data | cmp - /run/recover.back"
    # one attempt may wait for the reconnect; a hung one counts as a failed attempt
    wait_until 20 bg_done recover && [ "$(bg_rc recover)" = 0 ]
}

check_disconnect_all() {
    local c left=""
    for c in /sys/class/nvme/nvme*; do
        [ -e "$c/delete_controller" ] && echo 1 > "$c/delete_controller"
    done
    if wait_until 30 no_controllers; then
        check_pass disconnect "every controller deleted, volumes gone"
    else
        for c in /sys/class/nvme/nvme*; do left="$left ${c##*/}"; done
        check_fail disconnect "still present 30 s after delete_controller:$left"
    fi
}
no_controllers() { ! ls /sys/class/nvme/nvme* > /dev/null 2>&1; }

run_checks() {
    local boot_out c
    # ctl_open outside $(...): the descriptor it opens must stay open in this shell.
    if boot_out=$(load_modules $CHAIN_MODULES 2>&1 && net_up 2>&1 && load_data 2>&1) && ctl_open; then
        check_pass vm-boot "kernel $(uname -r), $(nproc) CPUs, nvme-tcp, virtio-net, virtio-blk, control channel, test data loaded"
    else
        check_fail vm-boot "${boot_out:-no control channel on ttyS1}"
        return
    fi
    progress "connecting: $CONNECTS"
    if ! check_connect; then
        for c in volume-sizes write-verify restart-writes restart-data loss-errors disconnect; do
            skip "$c" "no connection"
        done
        [ "$RECOVERY" = 1 ] && skip loss-recovers "no connection"
        return
    fi
    check_sizes
    check_write_verify
    check_restart
    check_loss
    if [ "$RECOVERY" != 1 ]; then
        :
    elif [ "$LOSS_REMOTE_DOWN" = 1 ]; then
        check_recovery
    else
        skip loss-recovers "the fragile remote was not taken down"
    fi
    check_disconnect_all
}

run_checks
dmesg | sed 's/^/@@KLOG /'
echo "@@GUEST DONE"

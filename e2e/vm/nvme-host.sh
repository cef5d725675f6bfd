# shellcheck shell=dash
# NVMe over Fabrics host helpers for the guest (busybox ash, no nvme-cli): connecting is a
# write of an option string to /dev/nvme-fabrics, disconnecting a write to sysfs.

# fabrics_connect OPTIONS: prints "instance=N,cntlid=M" and succeeds, or prints the
# write error and fails. The write blocks while the kernel connects, so it runs in a
# child under `timeout`: a target that never answers costs 60 s, not the whole run.
fabrics_connect() {
    timeout 60 sh -c '
        exec 3<>/dev/nvme-fabrics || exit 1
        echo -n "$1" >&3 || exit 1
        read -r reply <&3
        echo "$reply"
    ' fabrics-connect "$1" 2>&1
}

# Options common to every connect: where the target is and which subsystem, as whom.
# ctrl_loss_tmo=0 stops a broken connection from being retried in the background
# while later checks run.
fabrics_options() { # HOSTNQN [EXTRA_OPTIONS]
    echo "transport=tcp,traddr=$TRADDR,trsvcid=$TRSVCID,nqn=$SUBNQN,hostnqn=$1,ctrl_loss_tmo=0${2:+,$2}"
}

# instance_of "instance=N,cntlid=M" -> N
instance_of() { echo "$1" | sed -n 's/.*instance=\([0-9]*\).*/\1/p'; }

ctrl_attr() { cat "/sys/class/nvme/nvme$1/$2" 2>/dev/null; }

# disconnect INSTANCE: delete the controller and wait until it and its namespaces are gone.
disconnect() {
    [ -e "/sys/class/nvme/nvme$1/delete_controller" ] || return 1
    echo 1 > "/sys/class/nvme/nvme$1/delete_controller" || return 1
    gone_instance=$1
    wait_until 30 controller_gone
}
controller_gone() {
    [ ! -e "/sys/class/nvme/nvme$gone_instance" ] && ! find_ns_dev "$SUBNQN" "${NAMESPACES%%:*}" > /dev/null
}

# controllers_of HOSTNQN: how many controllers this host NQN currently has.
controllers_of() {
    local c n=0
    for c in /sys/class/nvme/nvme*; do
        [ -e "$c/hostnqn" ] && [ "$(cat "$c/hostnqn")" = "$1" ] && n=$((n + 1))
    done
    echo "$n"
}

# find_ns_dev SUBNQN NSID: the /dev node of that namespace, found through sysfs rather
# than guessed from names (with native multipath the disk is nvme<subsystem>n<nsid>, and
# the subsystem instance can change across reconnects).
find_ns_dev() {
    local b name
    for b in /sys/block/nvme*n*; do
        [ -e "$b" ] || continue
        name=${b##*/}
        case "$name" in *c*) continue ;; esac # hidden per-path disk of a multipath head
        [ "$(cat "$b/nsid" 2>/dev/null)" = "$2" ] || continue
        [ "$(cat "$b/device/subsysnqn" 2>/dev/null)" = "$1" ] || continue
        echo "/dev/$name"
        return 0
    done
    return 1
}

# all_namespaces_present: every namespace in $NAMESPACES has a block device with its size.
all_namespaces_present() {
    local ns nsid size dev
    for ns in $NAMESPACES; do
        nsid=${ns%%:*}
        size=$(echo "$ns" | cut -d: -f2)
        dev=$(find_ns_dev "$SUBNQN" "$nsid") || return 1
        [ "$(blockdev --getsize64 "$dev" 2>/dev/null)" = "$size" ] || return 1
    done
}

# ctrl_io_count INSTANCE reads|writes: I/O commands completed through this controller
# so far, summed over its namespaces' per-path disks (field 1 or 5 of their stat file).
ctrl_io_count() {
    local field=1 f sum=0 n
    [ "$2" = writes ] && field=5
    for f in /sys/class/nvme/nvme"$1"/nvme*n*/stat; do
        [ -r "$f" ] || continue
        n=$(awk -v i="$field" '{ print $i }' "$f")
        sum=$((sum + n))
    done
    echo "$sum"
}

# recent_nvme_dmesg: the kernel's last NVMe line, for one-line check details.
recent_nvme_dmesg() { dmesg | grep -iE 'nvme|nvmf' | tail -n 1 | sed 's/^\[[^]]*\] //'; }

# shellcheck shell=dash
# The Linux kernel's own NVMe/TCP target (nvmet-tcp) as a peer (ROLE=nvmet).
# Parameters from /params.env:
#   HOSTNQN    the one host allowed on every subsystem
#   EXPORTS    "TRSVCID|SUBNQN|NSID@BACKING,NSID@BACKING ..." one subsystem per port, where
#              BACKING is disk:SERIAL (the virtio disk with that serial: a file on the host),
#              file:SIZE (a file in tmpfs, buffered; 4096-byte blocks) or ram:SIZE (a brd RAM
#              disk, 512-byte blocks; once per VM)
#   SUBNQN, NAMESPACES  when EXPORTS is empty: the layout of our target's test config for
#              e2e/kernel-initiator.sh ("nsid:sizeBytes:blockSize", exactly two: the first on
#              a RAM disk, the second on a tmpfs file) on port 4420
#   CONTROL    1: serve requests from the host on the control channel (ttyS1):
#              "down TRSVCID" unlinks the port's subsystem (nvmet drops the port's connections
#              and stops listening), "up TRSVCID" links it again; answers "ok ..." or "error ..."
# The host reaches the ports through QEMU's hostfwd. Kernel messages (refused hosts
# included) go to the console, which the host script keeps as this target's log.

NVMET_MODULES="crct10dif_common crct10dif_generic crc-t10dif crc64 crc64-rocksoft
    crc64_rocksoft_generic t10-pi crc32c_generic configfs nvmet nvmet-tcp
    virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
    failover net_failover virtio_net virtio_blk"
NVMET_CFG=/sys/kernel/config/nvmet

nvmet_fail() { echo "@@NVMET FAILED $*"; }

# disk_by_serial SERIAL: the /dev node of the virtio disk with that serial number.
disk_by_serial() {
    local b
    for b in /sys/block/vd*; do
        [ "$(cat "$b/serial" 2>/dev/null)" = "$1" ] && { echo "/dev/${b##*/}"; return 0; }
    done
    return 1
}

# backing NAME SPEC: makes the backing store SPEC (see EXPORTS) and prints its path.
backing() {
    case "$2" in
        disk:*)
            wait_until 10 disk_by_serial "${2#disk:}" > /dev/null || { echo "no virtio disk with serial ${2#disk:}" >&2; return 1; }
            disk_by_serial "${2#disk:}" ;;
        file:*)
            head -c "${2#file:}" /dev/zero > "/run/$1.img" && echo "/run/$1.img" ;;
        ram:*)
            [ ! -e /dev/ram0 ] || { echo "only one ram: backing per VM" >&2; return 1; }
            insmod /modules/brd.ko rd_nr=1 rd_size=$((${2#ram:} / 1024)) && echo /dev/ram0 ;;
        *) echo "unknown backing '$2'" >&2; return 1 ;;
    esac
}

# nvmet_export PORT_ID TRSVCID SUBNQN NAMESPACES: one subsystem, allowing HOSTNQN, with
# NAMESPACES ("NSID@BACKING,..."), on its own TCP port.
nvmet_export() {
    local id=$1 svc=$2 nqn=$3 sub=$NVMET_CFG/subsystems/$3 port=$NVMET_CFG/ports/$1 ns nsid spec path
    mkdir "$sub" && echo 0 > "$sub/attr_allow_any_host" &&
        ln -s "$NVMET_CFG/hosts/$HOSTNQN" "$sub/allowed_hosts/$HOSTNQN" || return 1
    for ns in $(echo "$4" | tr ',' ' '); do
        nsid=${ns%%@*}
        spec=${ns#*@}
        path=$(backing "ns-$svc-$nsid" "$spec") || return 1
        mkdir "$sub/namespaces/$nsid" && echo "$path" > "$sub/namespaces/$nsid/device_path" || return 1
        case "$spec" in file:*) echo 1 > "$sub/namespaces/$nsid/buffered_io" || return 1 ;; esac
        echo 1 > "$sub/namespaces/$nsid/enable" || return 1
        echo " $svc:$nqn/$nsid=$path" >> /run/exported
    done
    mkdir "$port" &&
        echo tcp > "$port/addr_trtype" &&
        echo ipv4 > "$port/addr_adrfam" &&
        echo 0.0.0.0 > "$port/addr_traddr" &&
        echo "$svc" > "$port/addr_trsvcid" &&
        ln -s "$sub" "$port/subsystems/$nqn" &&
        echo "$nqn" > "/run/port-$svc.nqn" && echo "$id" > "/run/port-$svc.id"
}

legacy_exports() {
    set -- $NAMESPACES
    [ $# -eq 2 ] || { echo "need exactly two namespaces, got '$NAMESPACES'" >&2; return 1; }
    echo "4420|$SUBNQN|${1%%:*}@ram:$(echo "$1" | cut -d: -f2),${2%%:*}@file:$(echo "$2" | cut -d: -f2)"
}

start_nvmet() {
    local e id=0 svc nqn nss why
    [ -n "${EXPORTS:-}" ] || EXPORTS=$(legacy_exports) || { nvmet_fail "bad NAMESPACES"; return 1; }
    load_modules $NVMET_MODULES || { nvmet_fail "modules"; return 1; }
    net_up || { nvmet_fail "network"; return 1; }
    mount -t configfs none /sys/kernel/config || { nvmet_fail "configfs"; return 1; }
    mkdir "$NVMET_CFG/hosts/$HOSTNQN" || { nvmet_fail "configfs host $HOSTNQN"; return 1; }
    for e in $EXPORTS; do
        id=$((id + 1))
        svc=${e%%|*}; nqn=$(echo "$e" | cut -d'|' -f2); nss=${e##*|}
        why=$(nvmet_export "$id" "$svc" "$nqn" "$nss" 2>&1) ||
            { nvmet_fail "export of $nqn on port $svc: $why $(dmesg | tail -n 3 | tr '\n' '|')"; return 1; }
    done
    echo "@@NVMET READY$(tr -d '\n' < /run/exported)"
}

# port_down TRSVCID / port_up TRSVCID: what "restarting the target" means here. Unlinking
# the only subsystem of a port makes nvmet delete that port's controllers (their
# connections close) and stop listening; linking it again listens again.
port_down() {
    local nqn id
    nqn=$(cat "/run/port-$1.nqn" 2>/dev/null) && id=$(cat "/run/port-$1.id") || { echo "no port $1"; return 1; }
    [ -e "$NVMET_CFG/ports/$id/subsystems/$nqn" ] || { echo "port $1 is already down"; return 1; }
    rm "$NVMET_CFG/ports/$id/subsystems/$nqn"
}
port_up() {
    local nqn id
    nqn=$(cat "/run/port-$1.nqn" 2>/dev/null) && id=$(cat "/run/port-$1.id") || { echo "no port $1"; return 1; }
    [ ! -e "$NVMET_CFG/ports/$id/subsystems/$nqn" ] || { echo "port $1 is already up"; return 1; }
    ln -s "$NVMET_CFG/subsystems/$nqn" "$NVMET_CFG/ports/$id/subsystems/$nqn"
}

# Serve control requests until the host stops this VM (bounded in case it never does).
serve_control() {
    local i=0 out
    ctl_open || { echo "@@NVMET no control channel on ttyS1"; return 1; }
    while [ "$i" -lt 3600 ]; do
        i=$((i + 1))
        ctl_recv 5 || continue
        case "$CTL_LINE" in
            "down "*) out=$(port_down "${CTL_LINE#down }" 2>&1) ;;
            "up "*) out=$(port_up "${CTL_LINE#up }" 2>&1) ;;
            *) out="unknown request"; false ;;
        esac
        if [ $? -eq 0 ]; then
            echo "@@NVMET $CTL_LINE done at $(date +%s)"
            ctl_send "ok $CTL_LINE"
        else
            echo "@@NVMET $CTL_LINE failed: $out"
            ctl_send "error $CTL_LINE: $out"
        fi
    done
}

if start_nvmet; then
    if [ "${CONTROL:-0}" = 1 ]; then
        serve_control
    else
        # Serve until the host stops this VM; the bound only matters if the host script died.
        i=0
        while [ "$i" -lt 3600 ]; do sleep 1; i=$((i + 1)); done
    fi
fi

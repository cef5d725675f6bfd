# shellcheck shell=dash
# The Linux kernel's own NVMe/TCP target (nvmet-tcp) as a reference peer (ROLE=nvmet).
# It serves the same layout as our target's test config so the initiator checks can run
# unchanged against either: namespace 1 on a RAM disk (brd, 512-byte blocks), namespace 2
# on a file in tmpfs (nvmet's file backend, 4096-byte blocks from tmpfs' block size).
# Parameters from /params.env: SUBNQN, HOSTNQN (the one allowed host), NAMESPACES
# ("nsid:sizeBytes:blockSize ..."; exactly two, RAM then file, as above).
# The host reaches port 4420 through QEMU's hostfwd. Kernel messages (refused hosts
# included) go to the console, which the host script keeps as this target's log.

NVMET_MODULES="crct10dif_common crct10dif_generic crc-t10dif crc64 crc64-rocksoft
    crc64_rocksoft_generic t10-pi crc32c_generic configfs nvmet nvmet-tcp
    virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
    failover net_failover virtio_net"

nvmet_fail() { echo "@@NVMET FAILED $*"; }

start_nvmet() {
    local ns1 ns2 size1 size2 cfg=/sys/kernel/config/nvmet sub
    set -- $NAMESPACES
    [ $# -eq 2 ] || { nvmet_fail "need exactly two namespaces, got '$NAMESPACES'"; return 1; }
    ns1=${1%%:*}; size1=$(echo "$1" | cut -d: -f2)
    ns2=${2%%:*}; size2=$(echo "$2" | cut -d: -f2)

    load_modules $NVMET_MODULES || { nvmet_fail "modules"; return 1; }
    insmod /modules/brd.ko rd_nr=1 rd_size=$((size1 / 1024)) || { nvmet_fail "brd"; return 1; }
    net_up || { nvmet_fail "network"; return 1; }
    mount -t configfs none /sys/kernel/config || { nvmet_fail "configfs"; return 1; }
    head -c "$size2" /dev/zero > /run/ns2.img || { nvmet_fail "file backend"; return 1; }

    sub=$cfg/subsystems/$SUBNQN
    mkdir "$sub" "$cfg/hosts/$HOSTNQN" &&
        echo 0 > "$sub/attr_allow_any_host" &&
        ln -s "$cfg/hosts/$HOSTNQN" "$sub/allowed_hosts/$HOSTNQN" &&
        mkdir "$sub/namespaces/$ns1" &&
        echo /dev/ram0 > "$sub/namespaces/$ns1/device_path" &&
        echo 1 > "$sub/namespaces/$ns1/enable" &&
        mkdir "$sub/namespaces/$ns2" &&
        echo /run/ns2.img > "$sub/namespaces/$ns2/device_path" &&
        echo 1 > "$sub/namespaces/$ns2/buffered_io" &&
        echo 1 > "$sub/namespaces/$ns2/enable" &&
        mkdir "$cfg/ports/1" &&
        echo tcp > "$cfg/ports/1/addr_trtype" &&
        echo ipv4 > "$cfg/ports/1/addr_adrfam" &&
        echo 0.0.0.0 > "$cfg/ports/1/addr_traddr" &&
        echo 4420 > "$cfg/ports/1/addr_trsvcid" &&
        ln -s "$sub" "$cfg/ports/1/subsystems/$SUBNQN" ||
        { nvmet_fail "configfs setup: $(dmesg | tail -n 3)"; return 1; }
    echo "@@NVMET READY $SUBNQN ns$ns1=/dev/ram0 ns$ns2=/run/ns2.img port 4420"
}

if start_nvmet; then
    # Serve until the host stops this VM; the bound only matters if the host script died.
    i=0
    while [ "$i" -lt 3600 ]; do sleep 1; i=$((i + 1)); done
fi

# shellcheck shell=dash
# Helpers for the guest scripts (busybox ash). Sourced by /init.

# --- reporting -----------------------------------------------------------------------
# One marker line per check; the host counts them. A failure also copies the kernel's
# recent NVMe messages to the console, since they usually say why.
check_pass() { echo "@@CHECK PASS $1 ${2:-}"; }
check_fail() {
    echo "@@CHECK FAIL $1 ${2:-}"
    dmesg | grep -iE 'nvme|nvmf' | tail -n 15 | sed 's/^/@@DMESG /'
}
progress() { echo "@@PROGRESS $*"; }
now() { date +%s; }

# --- bounded waiting -----------------------------------------------------------------
# wait_until SECONDS COMMAND...: poll COMMAND every 0.2 s; fail after SECONDS.
wait_until() {
    local limit=$(( $1 * 5 )) i=0
    shift
    while [ "$i" -lt "$limit" ]; do
        "$@" && return 0
        usleep 200000
        i=$((i + 1))
    done
    return 1
}

# --- boot ----------------------------------------------------------------------------
# load_modules NAME...: insmod /modules/NAME.ko in the given order (dependencies first).
load_modules() {
    local m
    for m in "$@"; do
        insmod "/modules/$m.ko" || { echo "insmod $m failed"; return 1; }
    done
}

# User-mode networking: the guest is 10.0.2.15, the host's loopback is 10.0.2.2.
net_up() {
    wait_until 10 test -e /sys/class/net/eth0 || { echo "no eth0"; return 1; }
    ip link set lo up
    ip link set eth0 up &&
        ip addr add 10.0.2.15/24 dev eth0 &&
        ip route add default via 10.0.2.2
}

# --- control channel -----------------------------------------------------------------
# The second serial port (ttyS1) joined to a pair of FIFOs on the host (lib/vm.sh
# vm_control_args, lib/vm-control.sh): one line per request, one line per answer.
# ctl_open: raw mode (no echo, no CR/LF translation), opened as fd 4 both ways.
ctl_open() {
    [ -c /dev/ttyS1 ] && stty -F /dev/ttyS1 raw -echo 2>/dev/null && exec 4<>/dev/ttyS1
}
ctl_send() { echo "$*" >&4; }
# ctl_recv SECONDS: the next line into CTL_LINE; fails when none came within SECONDS.
ctl_recv() { CTL_LINE=; read -r -t "$1" CTL_LINE <&4; }

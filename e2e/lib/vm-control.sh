# shellcheck shell=bash
# The host's end of a test VM's control channel: the guest's second serial port (ttyS1),
# joined by QEMU to the FIFOs PATH.in (host to guest) and PATH.out (guest to host) that
# vm_control_args (lib/vm.sh) made. One line per request, one line per answer; the
# guest's end is ctl_open/ctl_send/ctl_recv in e2e/vm/lib.sh. Sourced, not executed.
# Every wait is bounded. The FIFOs are opened read-write: such an open never blocks, and
# while QEMU holds them a line written by either side waits in the pipe until read.

# vm_control_request PATH SECONDS REQUEST: sends REQUEST to the guest and prints its answer
# ("ok REQUEST..." or "error REQUEST: why"); fails on an error answer or none within SECONDS.
vm_control_request() {
    local path=$1 limit=$2 req=$3 in out line partial='' end rc=2
    end=$((SECONDS + limit))
    exec {out}<>"$path.out" {in}<>"$path.in"
    printf '%s\n' "$req" >&"$in"
    while [ "$SECONDS" -lt "$end" ]; do
        if IFS= read -r -t 1 line <&"$out"; then
            line=${partial}${line%$'\r'}
            partial=
            case "$line" in
                "ok $req"*) rc=0; break ;;
                "error $req"*) rc=1; break ;;
            esac
        else
            partial=$partial$line # a line cut by the 1 s timeout goes on in the next read
        fi
    done
    exec {out}<&- {in}>&-
    [ "$rc" = 2 ] && line="error $req: no answer within $limit s"
    echo "$line"
    [ "$rc" = 0 ]
}

# vm_control_serve PATH HANDLER: answers the guest's requests until killed: each line the
# guest sends is passed to HANDLER, whose one-line output goes back ("ok REQUEST ..." or
# "error REQUEST: why"). Run it in the background and kill it when the VM has stopped; it
# also ends by itself once the script that started it is gone.
vm_control_serve() {
    local path=$1 handler=$2 in out line partial=''
    exec {out}<>"$path.out" {in}<>"$path.in"
    while kill -0 "$$" 2>/dev/null; do
        if IFS= read -r -t 1 line <&"$out"; then
            line=${partial}${line%$'\r'}
            partial=
            [ -n "$line" ] && printf '%s\n' "$("$handler" "$line" | head -n 1)" >&"$in"
        else
            partial=$partial$line
        fi
    done
}

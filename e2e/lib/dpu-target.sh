# shellcheck shell=bash
# Our standalone NVMe/TCP target (dataplane/build/dpu-target) for e2e scripts: config
# file, start, wait until it listens, stop. Sourced, not executed; needs lib/cache.sh.
# The config format is the one in the target's contract (JSON, read with json-c).

DPU_REPO_DIR="$(cd "$E2E_DIR/.." && pwd)"
DPU_TARGET_BIN="${DPU_TARGET_BIN:-$DPU_REPO_DIR/dataplane/build/dpu-target}"

# dpu_target_ensure_built: build the target with the project's Makefile when it is
# missing (only for the default path: an explicit DPU_TARGET_BIN must exist).
dpu_target_ensure_built() {
    [ -x "$DPU_TARGET_BIN" ] && return 0
    if [ "$DPU_TARGET_BIN" != "$DPU_REPO_DIR/dataplane/build/dpu-target" ]; then
        echo "DPU_TARGET_BIN=$DPU_TARGET_BIN is not an executable file" >&2
        return 1
    fi
    echo "building the target: make -C dataplane all" >&2
    make -C "$DPU_REPO_DIR/dataplane" all >&2 && [ -x "$DPU_TARGET_BIN" ]
}

# free_loopback_port: a port nothing listens on right now (the target's bind is the
# final word; a lost race shows up as a failed start).
free_loopback_port() {
    local p
    for _ in $(seq 1 50); do
        p=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

# dpu_target_write_config FILE PORT SUBNQN HOSTNQN NAMESPACES FILE_BACKEND_PATH [REQUIRE_HDGST]
# NAMESPACES is "nsid:sizeBytes:blockSize ...": the first is RAM-backed, the others
# file-backed (FILE_BACKEND_PATH.<nsid>). REQUIRE_HDGST=1 makes the target refuse hosts
# that do not enable the header digest (offload.requireHeaderDigest).
dpu_target_write_config() {
    local file=$1 port=$2 subnqn=$3 hostnqn=$4 namespaces=$5 path=$6 require_hdgst=${7:-0} ns nsid size bs sep="" first=1
    {
        printf '{\n  "listen": { "address": "127.0.0.1", "port": %s },\n' "$port"
        printf '  "reactors": 2,\n'
        if [ "$require_hdgst" = 1 ]; then
            printf '  "offload": { "requireHeaderDigest": true },\n'
        fi
        printf '  "subsystems": [\n    {\n'
        printf '      "nqn": "%s",\n      "serial": "DPUE2E0000001",\n' "$subnqn"
        printf '      "allowAnyHost": false,\n      "hosts": ["%s"],\n' "$hostnqn"
        printf '      "namespaces": [\n'
        for ns in $namespaces; do
            IFS=: read -r nsid size bs <<< "$ns"
            if [ "$first" = 1 ]; then
                printf '%s        { "nsid": %s, "backend": "ram", "sizeBytes": %s, "blockSize": %s }' \
                    "$sep" "$nsid" "$size" "$bs"
            else
                printf '%s        { "nsid": %s, "backend": "file", "path": "%s.%s", "sizeBytes": %s, "blockSize": %s }' \
                    "$sep" "$nsid" "$path" "$nsid" "$size" "$bs"
            fi
            first=0
            sep=$',\n'
        done
        printf '\n      ]\n    }\n  ]\n}\n'
    } > "$file"
}

# dpu_target_start CONFIG LOG PORT: start the target in the background, set
# DPU_TARGET_PID, and wait (at most 30 s) for its "listening on 127.0.0.1:PORT" line.
dpu_target_start() {
    local config=$1 log=$2 port=$3
    "$DPU_TARGET_BIN" --config "$config" --log-level "${KI_TARGET_LOG_LEVEL:-info}" \
        < /dev/null > "$log" 2>&1 &
    DPU_TARGET_PID=$!
    for _ in $(seq 1 150); do
        grep -q "listening on 127.0.0.1:$port" "$log" && return 0
        kill -0 "$DPU_TARGET_PID" 2>/dev/null || { wait "$DPU_TARGET_PID"; echo "target exited with status $? before listening" >&2; DPU_TARGET_PID=; return 1; }
        sleep 0.2
    done
    echo "target did not print 'listening on 127.0.0.1:$port' within 30 s" >&2
    return 1
}

# dpu_target_stop: SIGTERM, then wait up to 15 s for the exit the contract promises
# (in-flight I/O finished, file backends flushed). Sets DPU_TARGET_EXIT to the exit
# status, or "killed" when it had to be killed, and DPU_TARGET_DIED_EARLY to 1 when it
# was no longer running before the SIGTERM. Call it from the shell that started the
# target (not in a $(...) subshell: only the parent can collect the exit status).
dpu_target_stop() {
    local pid=$DPU_TARGET_PID
    DPU_TARGET_EXIT=
    DPU_TARGET_DIED_EARLY=0
    [ -n "$pid" ] || return 0
    DPU_TARGET_PID=
    if ! kill -0 "$pid" 2>/dev/null; then # crashed or exited on its own before we asked
        wait "$pid"
        DPU_TARGET_EXIT=$?
        DPU_TARGET_DIED_EARLY=1
        return 1
    fi
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 75); do
        if ! kill -0 "$pid" 2>/dev/null; then
            wait "$pid"
            DPU_TARGET_EXIT=$?
            return 0
        fi
        sleep 0.2
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    DPU_TARGET_EXIT=killed
    return 1
}

# dpu_target_check_stops: stops the target (dpu_target_stop) and records the check
# target-stops-cleanly (lib/checks.sh): exit status 0 within 15 s of SIGTERM, and not
# gone before it.
dpu_target_check_stops() {
    dpu_target_stop
    if [ "$DPU_TARGET_DIED_EARLY" = 1 ]; then
        check_failed target-stops-cleanly "it had already exited by itself with status $DPU_TARGET_EXIT before SIGTERM (134/139: abort/segfault; see its log)"
    elif [ "$DPU_TARGET_EXIT" = 0 ]; then
        check_ok target-stops-cleanly "exit status 0 after SIGTERM"
    elif [ "$DPU_TARGET_EXIT" = killed ]; then
        check_failed target-stops-cleanly "still running 15 s after SIGTERM; killed"
    else
        check_failed target-stops-cleanly "exit status $DPU_TARGET_EXIT after SIGTERM"
    fi
}

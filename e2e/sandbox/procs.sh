# shellcheck shell=bash
# Local processes of the sandbox, each tracked by a pid file in $SANDBOX_DIR. Sourced, not executed.
# A pid file says "<pid> <marker>": the process is ours only while its /proc/<pid>/cmdline still
# contains the marker (a unique path in the sandbox), so a recycled pid is never killed.

sb_log() { printf '[sandbox] %s\n' "$*" >&2; }
sb_die() { printf '[sandbox] ERROR: %s\n' "$*" >&2; exit 1; }

# sb_pid NAME: print the pid of our running process NAME, fail when it does not run.
sb_pid() {
    local file="$SANDBOX_DIR/$1.pid" pid marker
    [ -f "$file" ] || return 1
    read -r pid marker < "$file"
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
    tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$marker" || return 1
    echo "$pid"
}

# sb_start NAME MARKER COMMAND...: run COMMAND in its own session, log to $SANDBOX_DIR/NAME.log.
# MARKER must appear in the command line (e.g. a config or log path under $SANDBOX_DIR).
sb_start() {
    local name=$1 marker=$2; shift 2
    if sb_pid "$name" >/dev/null; then
        sb_log "$name already runs (pid $(sb_pid "$name"))"
        return 0
    fi
    setsid "$@" >> "$SANDBOX_DIR/$name.log" 2>&1 < /dev/null &
    echo "$! $marker" > "$SANDBOX_DIR/$name.pid"
    sb_log "started $name (pid $!, log $SANDBOX_DIR/$name.log)"
}

# sb_stop NAME: SIGTERM, wait up to 30 s (the agent drains I/O), then SIGKILL.
sb_stop() {
    local name=$1 pid
    if pid=$(sb_pid "$name"); then
        kill "$pid" 2>/dev/null
        for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
        if kill -0 "$pid" 2>/dev/null; then
            sb_log "$name (pid $pid) ignored SIGTERM for 30 s; killing it"
            kill -9 "$pid" 2>/dev/null
        fi
        sb_log "stopped $name (pid $pid)"
    fi
    rm -f "$SANDBOX_DIR/$name.pid"
}

# sb_wait WHAT SECONDS NAME COMMAND...: poll COMMAND every second; fail early when process NAME
# died (its log is the place to look), fail after SECONDS with the log named.
sb_wait() {
    local what=$1 secs=$2 name=$3 i; shift 3
    for ((i = 0; i < secs; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        if [ -n "$name" ] && ! sb_pid "$name" >/dev/null; then
            sb_log "ERROR: $name exited while waiting for $what; last lines of $SANDBOX_DIR/$name.log:"
            tail -n 20 "$SANDBOX_DIR/$name.log" >&2
            return 1
        fi
        sleep 1
    done
    sb_log "ERROR: $what not reached after ${secs}s${name:+; see $SANDBOX_DIR/$name.log}"
    return 1
}

# sb_free_port PORT: fail when something already listens on 127.0.0.1:PORT.
sb_port_free() {
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

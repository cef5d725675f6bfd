# shellcheck shell=bash
# The Docker engine for the image builds and the KinD cluster. Sourced, not executed.
#
# docker_engine_up: use the running engine if `docker info` answers; otherwise start Debian's
#   dockerd (package docker.io, installed by setup.sh) in the background, log to
#   $DPU_STATE_DIR/docker/dockerd.log, and remember in a pid file that we started it.
# docker_engine_down: stop dockerd only if docker_engine_up started it, so the engine is
#   left as it was found. Running containers (another user's, or a cluster still up) keep it
#   running: it says so and leaves it.
# Needs e2e/lib/cache.sh sourced first (DPU_STATE_DIR).

DOCKER_ENGINE_DIR="${DOCKER_ENGINE_DIR:-$DPU_STATE_DIR/docker}"
DOCKER_ENGINE_PIDFILE="$DOCKER_ENGINE_DIR/dockerd.pid"
DOCKER_ENGINE_LOG="$DOCKER_ENGINE_DIR/dockerd.log"
DOCKER_ENGINE_WAIT_SECONDS="${DOCKER_ENGINE_WAIT_SECONDS:-60}"

docker_engine_log() { printf '[docker %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# docker_engine_ours: print the pid of the dockerd we started, fail when there is none.
docker_engine_ours() {
    local pid
    [ -f "$DOCKER_ENGINE_PIDFILE" ] || return 1
    read -r pid < "$DOCKER_ENGINE_PIDFILE"
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
    tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q 'dockerd' || return 1
    echo "$pid"
}

docker_engine_up() {
    if ! command -v docker >/dev/null 2>&1; then
        docker_engine_log "ERROR: no docker command; run ./setup.sh (it installs Debian's docker.io)"
        return 1
    fi
    if docker info >/dev/null 2>&1; then
        return 0
    fi
    if ! command -v dockerd >/dev/null 2>&1; then
        docker_engine_log "ERROR: no Docker engine answers and dockerd is not installed; run ./setup.sh (docker.io)"
        return 1
    fi
    if [ "$(id -u)" -ne 0 ]; then
        docker_engine_log "ERROR: no Docker engine answers and starting dockerd needs root; start it (e.g. systemctl start docker) and retry"
        return 1
    fi
    if [ -S /var/run/docker.sock ] && pgrep -x dockerd >/dev/null; then
        docker_engine_log "ERROR: a dockerd runs but does not answer 'docker info'; see its log (ours: $DOCKER_ENGINE_LOG)"
        return 1
    fi
    mkdir -p "$DOCKER_ENGINE_DIR"
    docker_engine_log "no Docker engine answers; starting dockerd (log $DOCKER_ENGINE_LOG)"
    # its own session, so it outlives this shell; -w keeps setsid alive as long as dockerd in
    # case setsid has to fork, so the pid file names a live process while we wait
    setsid -w dockerd >> "$DOCKER_ENGINE_LOG" 2>&1 < /dev/null &
    local launcher=$!
    echo "$launcher" > "$DOCKER_ENGINE_PIDFILE"
    local i
    for ((i = 0; i < DOCKER_ENGINE_WAIT_SECONDS; i++)); do
        if [ -S /var/run/docker.sock ] && docker info >/dev/null 2>&1; then
            # from now on remember dockerd itself, by the pid file it writes
            [ ! -s /var/run/docker.pid ] || cat /var/run/docker.pid > "$DOCKER_ENGINE_PIDFILE"
            docker_engine_log "dockerd is up (pid $(cat "$DOCKER_ENGINE_PIDFILE"), $(docker info -f '{{.ServerVersion}}, {{.Driver}}, cgroup v{{.CgroupVersion}}' 2>/dev/null))"
            return 0
        fi
        # liveness of the launcher, not its command line: right after the fork the child can
        # still be a copy of this shell that has not yet exec'd setsid/dockerd
        if ! kill -0 "$launcher" 2>/dev/null; then
            wait "$launcher" 2>/dev/null
            docker_engine_log "ERROR: dockerd exited at start (exit $?); last lines of $DOCKER_ENGINE_LOG:"
            tail -n 20 "$DOCKER_ENGINE_LOG" >&2
            rm -f "$DOCKER_ENGINE_PIDFILE"
            return 1
        fi
        sleep 1
    done
    docker_engine_log "ERROR: dockerd did not answer within ${DOCKER_ENGINE_WAIT_SECONDS}s; stopping it; last lines of $DOCKER_ENGINE_LOG:"
    tail -n 20 "$DOCKER_ENGINE_LOG" >&2
    [ ! -s /var/run/docker.pid ] || cat /var/run/docker.pid > "$DOCKER_ENGINE_PIDFILE"
    docker_engine_stop_ours
    return 1
}

# docker_engine_stop_ours: SIGTERM our dockerd, wait up to 30 s, then SIGKILL.
docker_engine_stop_ours() {
    local pid i
    pid=$(docker_engine_ours) || { rm -f "$DOCKER_ENGINE_PIDFILE"; return 0; }
    kill "$pid" 2>/dev/null
    for ((i = 0; i < 120; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    if kill -0 "$pid" 2>/dev/null; then
        docker_engine_log "dockerd (pid $pid) ignored SIGTERM for 30 s; killing it"
        kill -9 "$pid" 2>/dev/null
    fi
    rm -f "$DOCKER_ENGINE_PIDFILE"
    docker_engine_log "stopped dockerd (pid $pid), which we had started: engine left as found"
}

docker_engine_down() {
    if ! docker_engine_ours >/dev/null; then
        rm -f "$DOCKER_ENGINE_PIDFILE"
        if docker info >/dev/null 2>&1; then
            docker_engine_log "dockerd was running before our scripts needed it: left running"
        fi
        return 0
    fi
    local running
    running=$(docker ps -q 2>/dev/null | wc -l)
    if [ "$running" -gt 0 ]; then
        docker_engine_log "dockerd (started by us) keeps running: $running container(s) still run ($(docker ps --format '{{.Names}}' | tr '\n' ' '))"
        return 0
    fi
    docker_engine_stop_ours
}

# shellcheck shell=bash
# What this Docker host needs for kind nodes, detected rather than assumed. Sourced; needs lib.sh.
#
# kind_detect_host IMAGE: sets
#   KIND_PRIVILEGED=yes|no    whether `docker run --privileged IMAGE` works (a throw-away probe).
#                             "no" means: kind's docker calls go through e2e/kind/shim/docker and
#                             the nodes run the -unprivileged variant of the node image.
#   KIND_CGROUP_VERSION=1|2   the host's cgroup version as Docker reports it; on 1 the kubelet
#                             configuration gets failCgroupV1: false (Kubernetes >= 1.35 refuses
#                             cgroup v1 otherwise).
kind_detect_host() {
    local image=$1 out
    if out=$(docker run --rm --privileged --entrypoint /bin/true "$image" 2>&1); then
        KIND_PRIVILEGED=yes
    else
        KIND_PRIVILEGED=no
        kind_log "docker run --privileged fails on this host ($(grep -m1 -oE 'unable to apply caps[^"]*' <<< "$out" || head -1 <<< "$out" | cut -c1-160));" \
            "kind's docker calls go through e2e/kind/shim/docker, nodes use the unprivileged variant"
    fi
    KIND_CGROUP_VERSION=$(docker info -f '{{.CgroupVersion}}' 2>/dev/null || echo 2)
    [ "$KIND_CGROUP_VERSION" = 2 ] || kind_log "cgroup v$KIND_CGROUP_VERSION host: the kubelets get failCgroupV1: false"
}

# kind_run ARGS...: run the kind CLI, through the docker shim when the host needs it.
kind_run() {
    if [ "${KIND_PRIVILEGED:-yes}" = no ]; then
        KIND_REAL_DOCKER=$(command -v docker) PATH="$KIND_DIR/shim:$PATH" "$KIND_BIN" "$@"
    else
        "$KIND_BIN" "$@"
    fi
}

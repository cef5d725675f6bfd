# shellcheck shell=bash
# Shared names, logging and helpers of the KinD scripts in e2e/kind/. Sourced, not executed.
# shellcheck disable=SC2034 # the names are used by the scripts that source this file

KIND_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/cache.sh
. "$KIND_DIR/../lib/cache.sh"
# shellcheck source=../lib/images.sh
. "$E2E_DIR/lib/images.sh"

KIND_CLUSTER_NAME="${KIND_CLUSTER_NAME:-dpu-offload}"
KIND_CACHE_DIR="$DPU_CACHE_DIR/kind"
KIND_STATE_DIR="$DPU_STATE_DIR/kind/$KIND_CLUSTER_NAME"
# Images of the cluster, all built here; each carries its recipe hash as a label.
KIND_BASE_IMAGE="${KIND_BASE_IMAGE:-dpu-offload/kind-base:$DEBIAN_SUITE}"
KIND_NETBASE_IMAGE="${KIND_NETBASE_IMAGE:-dpu-offload/kind-netbase:$DEBIAN_SUITE}"
KIND_BUILT_NODE_IMAGE="dpu-offload/kind-node:$KUBE_VERSION"
KIND_POD_SUBNET="${KIND_POD_SUBNET:-10.244.0.0/16}"

kind_log() { printf '[kind %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
kind_die() { printf '[kind %s] ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2; exit 1; }

# kind_module_dir: the sigs.k8s.io/kind module source (from the Go module proxy), which holds
# the files of kind's base image (entrypoint, systemd units, containerd config).
kind_module_dir() {
    local dir
    dir=$(GOFLAGS=-mod=mod go mod download -json "sigs.k8s.io/kind@$KIND_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
    [ -d "$dir/images/base/files" ] || { kind_log "ERROR: no images/base/files in the kind module at $dir"; return 1; }
    echo "$dir"
}

# kind_binary_id FILE...: what identifies the binaries' content, cheaply: a Go binary's build
# ID (Go builds are reproducible), else its sha256. Recipes use it, so a rebuild that produced
# the same binaries rebuilds no image.
kind_binary_id() {
    local f
    for f in "$@"; do
        if go version "$f" 2>/dev/null | grep -q ": go[0-9]"; then
            echo "$(basename "$f") $(go tool buildid "$f")"
        else
            echo "$(basename "$f") $(sha256sum < "$f" | cut -c1-64)"
        fi
    done
}

# kind_docker_build TAG RECIPE CONTEXT_DIR: build CONTEXT_DIR/Dockerfile as TAG with the recipe
# label; the build's output goes to $KIND_CACHE_DIR/logs/<tag>.log and is shown on failure.
kind_docker_build() {
    local tag=$1 recipe=$2 context=$3 log
    log="$KIND_CACHE_DIR/logs/$(echo "$tag" | tr '/:' '__').log"
    mkdir -p "$(dirname "$log")"
    if ! DOCKER_BUILDKIT=0 nice -n 10 docker build --label "$IMAGE_RECIPE_LABEL=$recipe" -t "$tag" "$context" > "$log" 2>&1; then
        kind_log "ERROR: docker build of $tag failed; last lines of $log:"
        tail -n 25 "$log" >&2
        return 1
    fi
}

#!/usr/bin/env bash
# The programs a kind cluster needs besides Kubernetes' own (those come from e2e/build-kube.sh):
#   kind     the CLI, from its Go module sigs.k8s.io/kind@$KIND_VERSION
#   coredns  the cluster DNS, from github.com/coredns/coredns@$COREDNS_VERSION
#   pause    the sandbox container: the static C program in k8s.io/kubernetes@$KUBE_VERSION build/pause
# each built once into $KIND_TOOLS_DIR under a name that carries its version.
# Run it (builds all three) or source it and call kind_tool NAME (prints the binary's path).
# shellcheck source=../lib/cache.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/cache.sh"
KIND_TOOLS_DIR="$DPU_CACHE_DIR/kind/bin"

kind_tools_log() { printf '[kind-tools %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# kind_tool_path NAME: the cached binary of NAME at its pinned version.
kind_tool_path() {
    case "$1" in
        kind) echo "$KIND_TOOLS_DIR/kind-$KIND_VERSION" ;;
        coredns) echo "$KIND_TOOLS_DIR/coredns-$COREDNS_VERSION" ;;
        pause) echo "$KIND_TOOLS_DIR/pause-k8s-$KUBE_VERSION" ;;
        *) kind_tools_log "ERROR: unknown tool $1"; return 1 ;;
    esac
}

# kind_go_install MODULE@VERSION OUT: go install into a scratch GOBIN, then move the binary to OUT.
kind_go_install() {
    local module=$1 out=$2 gobin
    command -v go >/dev/null || { kind_tools_log "ERROR: Go is needed to build ${module%@*}; install Go >= 1.21"; return 1; }
    gobin=$(mktemp -d "$KIND_TOOLS_DIR/.gobin.XXXXXX")
    if ! GOBIN="$gobin" CGO_ENABLED=0 GOFLAGS="-mod=mod -buildvcs=false" \
        nice -n 10 go install -trimpath -ldflags "-s -w" "$module"; then
        rm -rf "$gobin"
        kind_tools_log "ERROR: go install $module failed (see above)"
        return 1
    fi
    mv "$gobin"/* "$out"
    rm -rf "$gobin"
}

# kind_tool NAME: build NAME unless cached; print its path.
kind_tool() {
    local out src
    out=$(kind_tool_path "$1")
    if [ -x "$out" ]; then echo "$out"; return 0; fi
    mkdir -p "$KIND_TOOLS_DIR"
    case "$1" in
        kind)
            kind_tools_log "building the kind CLI $KIND_VERSION from sigs.k8s.io/kind"
            kind_go_install "sigs.k8s.io/kind@$KIND_VERSION" "$out" ;;
        coredns)
            kind_tools_log "building CoreDNS $COREDNS_VERSION from github.com/coredns/coredns (first run: several minutes)"
            kind_go_install "github.com/coredns/coredns@$COREDNS_VERSION" "$out" ;;
        pause)
            src=$(go env GOMODCACHE)/k8s.io/kubernetes@$KUBE_VERSION/build/pause/linux/pause.c
            [ -f "$src" ] || GOFLAGS=-mod=mod go mod download "k8s.io/kubernetes@$KUBE_VERSION"
            command -v gcc >/dev/null || { kind_tools_log "ERROR: gcc is needed for pause; run ./setup.sh"; return 1; }
            kind_tools_log "building pause from $src"
            gcc -Os -Wall -static -DVERSION="k8s-$KUBE_VERSION" -o "$out.tmp" "$src"
            strip "$out.tmp"
            mv "$out.tmp" "$out" ;;
    esac
    echo "$out"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    for t in "${@:-kind coredns pause}"; do
        for name in $t; do kind_tool "$name" >/dev/null; done
    done
    kind_tools_log "ready: $(find "$KIND_TOOLS_DIR" -maxdepth 1 -type f -printf '%f ')"
fi

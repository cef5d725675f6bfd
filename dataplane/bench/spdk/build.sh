#!/usr/bin/env bash
# Builds the benchmark's peer: SPDK's NVMe/TCP target (nvmf_tgt) and its initiator
# (spdk_nvme_perf), at a pinned release with SPDK's bundled DPDK, into a cache outside git.
# Idempotent: a second run finds the stamp and only prints where the binaries are.
#
# The last line on stdout is the directory that holds bin/nvmf_tgt and bin/spdk_nvme_perf.
#
# Settings (environment):
#   SPDK_SRC             a local SPDK checkout (or bare clone) to build from instead of
#                        cloning SPDK_GIT_URL; its dpdk/, isa-l/, isa-l-crypto/ submodules are
#                        used when initialised there. The pinned commit must be in it.
#   SPDK_GIT_URL         default https://github.com/spdk/spdk.git
#   DPDK_GIT_URL         default: the URL in SPDK's .gitmodules (github.com/spdk/dpdk)
#   ISAL_GIT_URL         default: .gitmodules (github.com/spdk/isa-l)
#   ISAL_CRYPTO_GIT_URL  default: .gitmodules (github.com/intel/isa-l_crypto)
#   SPDK_CACHE           default ~/.cache/dpu-offload/spdk
#   SPDK_JOBS            parallel make jobs, default: number of CPUs
#   SPDK_NICE            nice level of the build, default 10 (the machine may be shared)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=version.sh
. "$HERE/version.sh"

CACHE=${SPDK_CACHE:-$HOME/.cache/dpu-offload/spdk}
JOBS=${SPDK_JOBS:-$(nproc)}
NICE=${SPDK_NICE:-10}
DIR=$CACHE/$(spdk_build_key)
SRC=$DIR/src
LOG=$DIR/build.log
T0=$(date +%s)

log() { printf '[spdk %4ss] %s\n' "$(($(date +%s) - T0))" "$*" >&2; }
die() { printf '[spdk] ERROR: %s\n' "$*" >&2; exit 1; }

if [ -x "$DIR/bin/nvmf_tgt" ] && [ -x "$DIR/bin/spdk_nvme_perf" ] && [ -f "$DIR/built" ]; then
  log "SPDK $SPDK_VERSION already built in $DIR"
  echo "$DIR"
  exit 0
fi

# Debian packages SPDK's build needs (version.sh lists them; setup.sh installs them).
missing=()
for p in "${SPDK_BUILD_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] || die "missing Debian packages: ${missing[*]} - run ./setup.sh (or apt-get install ${missing[*]})"

mkdir -p "$DIR"
log "building SPDK $SPDK_VERSION ($SPDK_COMMIT) in $DIR (make -j$JOBS, nice $NICE; log: $LOG)"

# A local path as a git remote: submodule clones from it need protocol.file.allow.
git_src() {
  case "$1" in
    /* | file://*) git -c protocol.file.allow=always "${@:2}" ;;
    *) git "${@:2}" ;;
  esac
}

fetch_source() {
  local url=${SPDK_SRC:-${SPDK_GIT_URL:-https://github.com/spdk/spdk.git}}
  if [ ! -d "$SRC/.git" ]; then
    log "cloning SPDK from $url"
    rm -rf "$SRC"
    git_src "$url" clone -q --no-checkout "$url" "$SRC"
  fi
  git -C "$SRC" cat-file -e "$SPDK_COMMIT^{commit}" 2>/dev/null ||
    git -C "$SRC" fetch -q origin "refs/tags/$SPDK_VERSION:refs/tags/$SPDK_VERSION" ||
    die "commit $SPDK_COMMIT ($SPDK_VERSION) is not in $url"
  git -C "$SRC" -c advice.detachedHead=false checkout -q "$SPDK_COMMIT"
  local name var sub
  for name in dpdk isa-l isa-l-crypto; do
    case $name in
      dpdk) var=${DPDK_GIT_URL:-} ;;
      isa-l) var=${ISAL_GIT_URL:-} ;;
      isa-l-crypto) var=${ISAL_CRYPTO_GIT_URL:-} ;;
    esac
    # A user's checkout with its submodules initialised serves them too.
    if [ -z "$var" ] && [ -n "${SPDK_SRC:-}" ] && [ -e "$SPDK_SRC/$name/.git" ]; then
      var=$SPDK_SRC/$name
    fi
    sub=$(git -C "$SRC" ls-tree HEAD "$name" | awk '{print $3}')
    if [ "$(git -C "$SRC/$name" rev-parse HEAD 2>/dev/null)" = "$sub" ]; then
      continue
    fi
    git -C "$SRC" submodule init -q "$name"
    [ -z "$var" ] || git -C "$SRC" config "submodule.$name.url" "$var"
    var=$(git -C "$SRC" config "submodule.$name.url")
    log "fetching submodule $name ($sub) from $var"
    git_src "$var" -C "$SRC" submodule update -q "$name" ||
      die "could not fetch submodule $name from $var (set ${name^^} URL through DPDK_GIT_URL / ISAL_GIT_URL / ISAL_CRYPTO_GIT_URL)"
  done
}

fetch_source

cd "$SRC"
if [ ! -f "$DIR/configured" ] || [ "$(cat "$DIR/configured")" != "${SPDK_CONFIGURE_FLAGS[*]}" ]; then
  log "configure ${SPDK_CONFIGURE_FLAGS[*]}"
  nice -n "$NICE" ./configure "${SPDK_CONFIGURE_FLAGS[@]}" >>"$LOG" 2>&1 || { tail -30 "$LOG" >&2; die "configure failed (full log: $LOG)"; }
  echo "${SPDK_CONFIGURE_FLAGS[*]}" >"$DIR/configured"
fi

# Only what the two binaries need: the libraries and modules (DPDK, ISA-L first), then the
# nvmf_tgt app and the perf example. Compile lines go to the log; progress to stderr.
build() {
  local what=$1
  shift
  log "make $what"
  # ISA-L's build prints nothing for minutes: a heartbeat says it is alive.
  (while sleep 60; do log "  still making $what"; done) &
  local ticker=$!
  # shellcheck disable=SC2064
  trap "kill $ticker 2>/dev/null" EXIT
  if ! nice -n "$NICE" make -j"$JOBS" "$@" 2>&1 | tee -a "$LOG" | awk -v what="$what" '
      /^ *(CC|CXX|LIB|LINK|SO) / || /^\[[0-9]+\/[0-9]+\]/ { n++; if (n % 50 == 0) { printf "[spdk]   %s: %d steps, now %s\n", what, n, $0; fflush() } }
      END { printf "[spdk]   %s: %d steps\n", what, n }' >&2; then
    tail -40 "$LOG" >&2
    die "make $what failed (full log: $LOG)"
  fi
  kill "$ticker" 2>/dev/null
  wait "$ticker" 2>/dev/null || true
}
# SPDK's top-level make hands its goals down to every folder, so each folder is made on its
# own, in the order the top-level Makefile gives them.
build "build folders and config.h" build_dir include/spdk/config.h
build "ISA-L" -C isalbuild all
build "ISA-L-crypto" -C isalcryptobuild all
build "DPDK" -C dpdkbuild all
build "SPDK libraries" -C lib all
build "SPDK modules" -C module all
build "nvmf_tgt" -C app/nvmf_tgt all
build "spdk_nvme_perf" -C examples/nvme/perf all

mkdir -p "$DIR/bin"
cp "$SRC/build/bin/nvmf_tgt" "$DIR/bin/nvmf_tgt"
cp "$SRC/build/examples/perf" "$DIR/bin/spdk_nvme_perf"
date -u +%FT%TZ >"$DIR/built"
log "done: $DIR/bin/nvmf_tgt, $DIR/bin/spdk_nvme_perf"
echo "$DIR"

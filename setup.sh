#!/usr/bin/env bash
# Installs what this project needs from Debian's packages, only what is missing, and says
# what it does. Safe to run again and again. Needs root (or sudo) only when something
# is actually missing. Other issues add their packages to PACKAGES below.
set -euo pipefail

PACKAGES=(
  build-essential pkg-config make   # C toolchain for dataplane/
  liburing-dev                      # io_uring backends
  libssl-dev openssl                # AES-XTS through OpenSSL EVP; openssl CLI in tests
  libisal-dev                       # CRC32C digests through ISA-L (dataplane/src/common/crc32c.c)
  libjson-c-dev                     # config file parsing in the standalone target
  curl unzip ca-certificates        # the Maven wrapper fetches Maven from Maven Central
  jq                                # e2e scripts read JSON (Prometheus API, load generator)
  qemu-system-x86 linux-image-amd64 busybox-static cpio kmod  # Linux NVMe/TCP initiator VM
  prometheus                        # real Prometheus scraping real agents in tests
  python3 python3-matplotlib python3-yaml  # benchmark plots; dashboards/ tools (rules, preview PNGs)
  linux-perf                        # dataplane/bench/profile_target.py: where a target's CPU goes per I/O
  docker.io mmdebstrap              # container images built locally and the KinD cluster (e2e/kind/)
)
# The benchmark's peer, SPDK, is built from source (dataplane/bench/spdk/build.sh); its
# build dependencies are listed, with the reasons, next to the version it pins.
# shellcheck source=dataplane/bench/spdk/version.sh
. "$(dirname "${BASH_SOURCE[0]}")/dataplane/bench/spdk/version.sh"
PACKAGES+=("${SPDK_BUILD_PACKAGES[@]}")

log() { printf '[setup] %s\n' "$*"; }

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

missing=()
for p in "${PACKAGES[@]}"; do
  installed "$p" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  log "all ${#PACKAGES[@]} system packages present"
else
  log "installing missing packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "[setup] need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    SUDO=sudo
  fi
  export DEBIAN_FRONTEND=noninteractive
  # Refresh the package lists once if they are absent or older than a day.
  if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -1)" ]; then
    log "apt-get update"
    $SUDO apt-get update -qq
  fi
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  log "installed: ${missing[*]}"
fi

# Go builds the real Kubernetes components (e2e/build-kube.sh). Debian 12's golang-go (1.19)
# is too old for Kubernetes 1.35; any Go >= 1.21 fetches the toolchain the build needs through
# the Go module proxy by itself (GOTOOLCHAIN=auto).
if ! command -v go >/dev/null 2>&1; then
  echo "[setup] ERROR: no Go toolchain on PATH; install Go >= 1.21 (it fetches newer toolchains itself)" >&2
  exit 1
fi

# The kernel initiator VM reads /boot/vmlinuz-*; Debian makes it root-only (0600).
for k in /boot/vmlinuz-*; do
  [ -r "$k" ] || { log "making $k readable for the initiator VM"; ${SUDO:-} chmod a+r "$k"; }
done

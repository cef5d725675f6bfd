# The SPDK release the benchmark compares with, how it is configured, and what its build
# needs from Debian. Sourced by build.sh; one place for these facts.
# shellcheck shell=bash disable=SC2034
SPDK_VERSION=v23.05
SPDK_COMMIT=dfebd168c2f4201d5bdecb56bf08a1e47b559304 # the tag's commit, checked after cloning

# Only the NVMe/TCP target and the initiator's perf tool are used: no tests, no vhost,
# virtio, RDMA, iSCSI, FUSE, CUSE, OCF, crypto bdev or USDT probes. ISA-L (and ISA-L-crypto,
# which SPDK's configure requires with it) stay on: they are SPDK's CRC32C for digests on
# x86, as in a default SPDK build.
SPDK_CONFIGURE_FLAGS=(
  --disable-tests --disable-unit-tests
  --without-vhost --without-virtio --without-rdma --without-iscsi-initiator
  --without-fuse --without-nvme-cuse --without-ocf --without-crypto --without-usdt
  --without-uring --without-xnvme --without-vfio-user --without-rbd --without-daos
)

# Debian packages for that build (setup.sh installs them from this list). meson, ninja and pyelftools
# build the bundled DPDK; nasm, autoconf, automake and libtool build ISA-L.
SPDK_BUILD_PACKAGES=(
  gcc g++ make git python3 libaio-dev libnuma-dev libssl-dev uuid-dev
  meson ninja-build python3-pyelftools nasm autoconf automake libtool
)

# Where a build of these settings lives in the cache: version plus a hash of the commit
# and the flags, so changing either builds afresh next to the old one.
spdk_build_key() {
  printf '%s-%s\n' "$SPDK_VERSION" \
    "$(printf '%s %s' "$SPDK_COMMIT" "${SPDK_CONFIGURE_FLAGS[*]}" | sha256sum | cut -c1-10)"
}

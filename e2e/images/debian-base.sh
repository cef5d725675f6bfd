#!/usr/bin/env bash
# The one Debian base image of the project, made here without a registry:
#   mmdebstrap --variant=minbase <suite> -> rootfs tar (cached) -> docker import.
# Every other image derives from it (FROM $DEBIAN_BASE_IMAGE + RUN apt-get install ...:
# containers reach Debian's mirror). Cached twice: the rootfs tar in
# $DPU_CACHE_DIR/debian/<suite>-<recipe>.tar (so a pruned Docker re-imports in seconds) and the
# image, labelled with the recipe hash (so an existing image is not touched). The recipe is the
# list of inputs below, not this file's text, so editing comments rebuilds nothing downstream.
#
# Run it, or source it and call debian_base_image. Prints nothing on stdout; the image name is
# $DEBIAN_BASE_IMAGE (default dpu-offload/debian:<suite>).
DEBIAN_BASE_SH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/debian-base.sh"
# shellcheck source=../lib/cache.sh
. "$(dirname "$DEBIAN_BASE_SH")/../lib/cache.sh"
# shellcheck source=../lib/images.sh
. "$E2E_DIR/lib/images.sh"

DEBIAN_BASE_IMAGE="${DEBIAN_BASE_IMAGE:-dpu-offload/debian:$DEBIAN_SUITE}"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
DEBIAN_SECURITY_MIRROR="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"

debian_base_log() { printf '[debian-base %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# What the rootfs is made from; change it (and DEBIAN_BASE_RECIPE_VERSION with any change to the
# build below) to rebuild the base and, through their recipes, every image derived from it.
DEBIAN_BASE_PACKAGES=ca-certificates
DEBIAN_BASE_RECIPE_VERSION=1

debian_base_image() {
    local recipe tar
    recipe=$(echo "$DEBIAN_BASE_RECIPE_VERSION minbase $DEBIAN_BASE_PACKAGES $DEBIAN_SUITE $DEBIAN_MIRROR $DEBIAN_SECURITY_MIRROR" | recipe_hash -)
    if image_current "$DEBIAN_BASE_IMAGE" "$recipe"; then
        debian_base_log "cached: $DEBIAN_BASE_IMAGE (recipe $recipe)"
        return 0
    fi
    tar="$DPU_CACHE_DIR/debian/$DEBIAN_SUITE-$recipe.tar"
    if [ ! -s "$tar" ]; then
        command -v mmdebstrap >/dev/null || { debian_base_log "ERROR: mmdebstrap is missing; run ./setup.sh"; return 1; }
        mkdir -p "$(dirname "$tar")"
        debian_base_log "making a minbase $DEBIAN_SUITE rootfs with mmdebstrap (first run: a few minutes; log $tar.log)"
        # minbase is essential packages + apt; ca-certificates lets images fetch over https later.
        if ! nice -n 10 mmdebstrap --variant=minbase --include="$DEBIAN_BASE_PACKAGES" \
            --aptopt='Acquire::Retries "3"' \
            "$DEBIAN_SUITE" "$tar.part.tar" \
            "deb $DEBIAN_MIRROR $DEBIAN_SUITE main" \
            "deb $DEBIAN_MIRROR $DEBIAN_SUITE-updates main" \
            "deb $DEBIAN_SECURITY_MIRROR $DEBIAN_SUITE-security main" > "$tar.log" 2>&1; then
            debian_base_log "ERROR: mmdebstrap failed (Debian's mirror unreachable?); last lines of $tar.log:"
            tail -n 20 "$tar.log" >&2
            rm -f "$tar.part.tar"
            return 1
        fi
        mv "$tar.part.tar" "$tar"
        # older rootfs tars of this suite belong to older recipes
        find "$(dirname "$tar")" -maxdepth 1 -name "$DEBIAN_SUITE-*.tar" ! -name "$(basename "$tar")" -delete
    fi
    debian_base_log "importing $tar as $DEBIAN_BASE_IMAGE"
    docker import \
        --change "LABEL $IMAGE_RECIPE_LABEL=$recipe" \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["/bin/bash"]' \
        "$tar" "$DEBIAN_BASE_IMAGE" >/dev/null
    debian_base_log "built $DEBIAN_BASE_IMAGE (recipe $recipe)"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    # shellcheck source=../lib/docker-engine.sh
    . "$E2E_DIR/lib/docker-engine.sh"
    docker_engine_up
    debian_base_image
fi

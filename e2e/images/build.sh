#!/usr/bin/env bash
# Builds the project's container images with Docker, without any registry:
#   debian      $DEBIAN_BASE_IMAGE                     Debian rootfs (e2e/images/debian-base.sh)
#   jre         dpu-offload/jre:<jdk version>          Debian + a runtime jlinked from the local JDK
#   agent       dpu-offload/dpu-agent:<version>        dpu-daemonset/Dockerfile
#   operator    dpu-offload/dpu-offload-operator:<version>  operator/controller/src/main/docker/Dockerfile.jvm
#   prometheus  dpu-offload/prometheus:<debian suite>      Debian's prometheus package
# <version> is the project version in pom.xml. Each image carries a label with the hash of what
# went into it (Dockerfile, build arguments, input files); an image whose label matches is kept,
# so a second run with nothing changed builds nothing.
#
# Usage: e2e/images/build.sh [image...]      (default: agent operator prometheus)
#        e2e/images/build.sh --print-names   (NAME=image lines for scripts: AGENT_IMAGE=...)
# Needs: `./mvnw -B package -DskipTests -pl operator/controller,dpu-daemonset -am` of this checkout
# (the Java apps are copied from target/, never built twice), the JDK from jdk.sh, a Docker engine
# (started by e2e/lib/docker-engine.sh when none runs; left running, e2e scripts stop it).
# Environment: DEBIAN_BASE_IMAGE [dpu-offload/debian:bookworm] (see debian-base.sh). On a machine
#   with a registry, the Dockerfiles' defaults (eclipse-temurin:25-jre-noble, debian:bookworm)
#   work with a plain `docker build`; this script is for machines without one.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
REPO_DIR="$(cd "$here/../.." && pwd)"
# shellcheck source=../lib/cache.sh
. "$here/../lib/cache.sh"
# shellcheck source=../lib/docker-engine.sh
. "$here/../lib/docker-engine.sh"
# shellcheck source=debian-base.sh
. "$here/debian-base.sh"     # debian_base_image, $DEBIAN_BASE_IMAGE; lib/images.sh (recipe label)

IMAGES_CACHE="$DPU_CACHE_DIR/images"

log() { printf '[images %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { log "ERROR: $*" >&2; exit 1; }

project_version() {
    # The first <version> at two spaces of indentation is the project's own (not the parent's).
    sed -n 's:^  <version>\([^<]*\)</version>.*:\1:p' "$REPO_DIR/pom.xml" | head -1
}

VERSION="$(project_version)"
[ -n "$VERSION" ] || die "no project version in $REPO_DIR/pom.xml"
AGENT_IMAGE="dpu-offload/dpu-agent:$VERSION"
OPERATOR_IMAGE="dpu-offload/dpu-offload-operator:$VERSION"
PROMETHEUS_IMAGE="dpu-offload/prometheus:$DEBIAN_SUITE"

java_home() {
    (. "$REPO_DIR/jdk.sh" && dpu_select_jdk >/dev/null && echo "$JAVA_HOME")
}

jre_image() {
    local v
    v=$("$(java_home)/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.runtime.version = //p')
    echo "dpu-offload/jre:${v//+/_}"
}

print_names() {
    echo "AGENT_IMAGE=$AGENT_IMAGE"
    echo "OPERATOR_IMAGE=$OPERATOR_IMAGE"
    echo "PROMETHEUS_IMAGE=$PROMETHEUS_IMAGE"
    echo "PROJECT_VERSION=$VERSION"
}

# content_hash FILE_OR_DIR...: one hash over the names and contents of the given inputs, plus
# the build arguments in $HASH_EXTRA.
content_hash() {
    {
        printf '%s\n' "${HASH_EXTRA:-}"
        find "$@" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
    } | sha256sum | cut -c1-16
}

# build NAME IMAGE HASH CONTEXT DOCKERFILE [docker build args...]: build unless IMAGE already
# carries HASH; progress and timing on stdout, the build's own output in a log file.
build() {
    local name=$1 image=$2 hash=$3 ctx=$4 file=$5 start logf
    shift 5
    if image_current "$image" "$hash"; then
        log "$name: $image up to date (content $hash)"
        return 0
    fi
    mkdir -p "$IMAGES_CACHE/logs"
    logf="$IMAGES_CACHE/logs/$name.log"
    log "$name: building $image (content $hash; log $logf)"
    start=$(date +%s)
    if ! docker build --label "$IMAGE_RECIPE_LABEL=$hash" --label "org.opencontainers.image.version=$VERSION" \
        -t "$image" -f "$file" "$@" "$ctx" > "$logf" 2>&1; then
        tail -n 30 "$logf" >&2
        die "$name: docker build failed (log $logf)"
    fi
    log "$name: built $image in $(($(date +%s) - start))s ($(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}'))"
}

# The modules the operator and the agent use (Quarkus, Vert.x/Netty, fabric8, Jackson,
# Micrometer, FFM), found with jdeps on both apps and kept as a fixed list so that the runtime
# does not change with a dependency bump unnoticed (a missing module fails at start, loudly).
JRE_MODULES=java.base,java.compiler,java.instrument,java.logging,java.management,java.naming,java.net.http,java.rmi,java.scripting,java.security.jgss,java.security.sasl,java.sql,java.transaction.xa,java.xml,java.desktop,jdk.crypto.ec,jdk.jfr,jdk.management,jdk.naming.dns,jdk.unsupported,jdk.zipfs

build_jre() {
    local jh image ctx hash
    jh=$(java_home) || die "no JDK 22+ found (see jdk.sh)"
    image=$(jre_image)
    HASH_EXTRA="$DEBIAN_BASE_IMAGE $(docker image inspect -f '{{.Id}}' "$DEBIAN_BASE_IMAGE") $jh $image $JRE_MODULES"
    hash=$(content_hash "$here/jre/Dockerfile" "$jh/release")
    if image_current "$image" "$hash"; then
        log "jre: $image up to date (content $hash)"
        return 0
    fi
    ctx="$IMAGES_CACHE/jre-context"
    rm -rf "$ctx"
    mkdir -p "$ctx"
    log "jre: jlink $JRE_MODULES"
    "$jh/bin/jlink" --add-modules "$JRE_MODULES" --strip-debug --no-header-files --no-man-pages \
        --compress=zip-6 --output "$ctx/jre"
    cp "$here/jre/Dockerfile" "$ctx/Dockerfile"
    build jre "$image" "$hash" "$ctx" "$ctx/Dockerfile" --build-arg "DEBIAN_BASE_IMAGE=$DEBIAN_BASE_IMAGE"
    rm -rf "$ctx"
}

require_app() {
    [ -f "$1/quarkus-run.jar" ] ||
        die "$1 missing: run ./mvnw -B package -DskipTests -pl operator/controller,dpu-daemonset -am first"
}

build_agent() {
    local app="$REPO_DIR/dpu-daemonset/target/quarkus-app" jre hash
    require_app "$app"
    jre=$(jre_image)
    HASH_EXTRA="$jre $(docker image inspect -f '{{.Id}}' "$jre") $DEBIAN_BASE_IMAGE $(docker image inspect -f '{{.Id}}' "$DEBIAN_BASE_IMAGE")"
    hash=$(content_hash "$REPO_DIR/dpu-daemonset/Dockerfile" "$REPO_DIR/.dockerignore" "$app" \
        "$REPO_DIR/dataplane/Makefile" "$REPO_DIR/dataplane/features.mk" "$REPO_DIR/dataplane/include" "$REPO_DIR/dataplane/src")
    build agent "$AGENT_IMAGE" "$hash" "$REPO_DIR" "$REPO_DIR/dpu-daemonset/Dockerfile" \
        --build-arg "BASE_IMAGE=$jre" --build-arg "BUILD_IMAGE=$DEBIAN_BASE_IMAGE"
}

build_operator() {
    local dir="$REPO_DIR/operator/controller" jre hash
    require_app "$dir/target/quarkus-app"
    jre=$(jre_image)
    HASH_EXTRA="$jre $(docker image inspect -f '{{.Id}}' "$jre")"
    hash=$(content_hash "$dir/src/main/docker/Dockerfile.jvm" "$dir/.dockerignore" "$dir/target/quarkus-app")
    build operator "$OPERATOR_IMAGE" "$hash" "$dir" "$dir/src/main/docker/Dockerfile.jvm" --build-arg "BASE_IMAGE=$jre"
}

build_prometheus() {
    local hash
    HASH_EXTRA="$DEBIAN_BASE_IMAGE $(docker image inspect -f '{{.Id}}' "$DEBIAN_BASE_IMAGE")"
    hash=$(content_hash "$here/prometheus")
    build prometheus "$PROMETHEUS_IMAGE" "$hash" "$here/prometheus" "$here/prometheus/Dockerfile" \
        --build-arg "DEBIAN_BASE_IMAGE=$DEBIAN_BASE_IMAGE"
}

main() {
    local targets=("$@") t start
    if [ "${1:-}" = --print-names ]; then
        print_names
        return 0
    fi
    [ ${#targets[@]} -gt 0 ] || targets=(agent operator prometheus)
    for t in "${targets[@]}"; do
        case "$t" in agent | operator | prometheus | jre | debian) ;; *) die "unknown image '$t' (agent, operator, prometheus, jre, debian)" ;; esac
    done
    start=$(date +%s)
    docker_engine_up
    debian_base_image
    for t in "${targets[@]}"; do
        case "$t" in
            debian) ;;
            jre) build_jre ;;
            agent | operator) [ -n "${jre_done:-}" ] || build_jre; jre_done=1; "build_$t" ;;
            prometheus) build_prometheus ;;
        esac
    done
    log "done in $(($(date +%s) - start))s: $(for t in "${targets[@]}"; do case $t in agent) printf '%s ' "$AGENT_IMAGE" ;; operator) printf '%s ' "$OPERATOR_IMAGE" ;; prometheus) printf '%s ' "$PROMETHEUS_IMAGE" ;; esac; done)"
}

main "$@"

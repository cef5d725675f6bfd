# shellcheck shell=bash
# The container images a kubeadm cluster of $KUBE_VERSION runs, under exactly the names that
# `kubeadm config images list` prints, built here from our own binaries (no registry):
#   kube-apiserver, kube-controller-manager, kube-scheduler, etcd, coredns, pause:
#       FROM scratch + the static binary (all are built with CGO_ENABLED=0 / gcc -static)
#   kube-proxy: FROM the netbase image (iptables ...) + the binary behind kube-proxy-wrapper.sh,
#       which picks the iptables backend (nft or legacy) the node already uses
# plus the netbase image itself (our bridge CNI runs from it). All are saved into one archive,
# $KIND_CACHE_DIR/images/<kube version>-<recipe>.tar, that the node image build imports.
# Sourced by cluster.sh; needs lib.sh, build-tools.sh and base-image.sh.

# kind_kubeadm_images: the image names kubeadm of $KUBE_VERSION expects, one a line.
kind_kubeadm_images() {
    "$KUBE_BIN_DIR/kubeadm" config images list --kubernetes-version "$KUBE_VERSION" 2>/dev/null ||
        kind_die "cannot run $KUBE_BIN_DIR/kubeadm; run e2e/build-kube.sh --node"
}

# kind_kubeadm_image NAME: the full image name kubeadm expects for NAME (e.g. pause, etcd).
kind_kubeadm_image() {
    local image
    image=$(kind_kubeadm_images | grep -E "/$1:" | head -1)
    [ -n "$image" ] || kind_die "kubeadm $KUBE_VERSION lists no $1 image"
    echo "$image"
}

# kind_component_image IMAGE BINARY DEST FROM [ENTRYPOINT]: build one image into a scratch context.
kind_component_image() {
    local image=$1 binary=$2 dest=$3 from=$4 entrypoint=${5:-} recipe=$6 ctx
    ctx=$(mktemp -d)
    cp "$binary" "$ctx/bin"
    chmod 0755 "$ctx/bin"
    {
        echo "FROM $from"
        echo "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        if [ "$from" = scratch ]; then
            echo "COPY bin $dest"
        else
            cp "$KIND_DIR/kube-proxy-wrapper.sh" "$ctx/wrapper" && chmod 0755 "$ctx/wrapper"
            # modes come from the context (0755), so no RUN chmod layer copies the binary again
            echo "COPY bin $dest.real"
            echo "COPY wrapper $dest"
        fi
        [ -z "$entrypoint" ] || echo "ENTRYPOINT [\"$entrypoint\"]"
    } > "$ctx/Dockerfile"
    kind_docker_build "$image" "$recipe" "$ctx" || { rm -rf "$ctx"; return 1; }
    rm -rf "$ctx"
}

# kind_component_images: build the images and the archive unless cached; sets KIND_IMAGES_TAR.
kind_component_images() {
    local images recipe image name
    images=$(kind_kubeadm_images)
    recipe=$( { cat "$KIND_DIR/component-images.sh" "$KIND_DIR/kube-proxy-wrapper.sh"; echo "$images $(image_recipe "$KIND_NETBASE_IMAGE")";
                kind_binary_id "$KUBE_BIN_DIR"/{kube-apiserver,kube-controller-manager,kube-scheduler,kube-proxy,etcd} \
                    "$(kind_tool_path coredns)" "$(kind_tool_path pause)"; } | recipe_hash -)
    KIND_IMAGES_TAR="$KIND_CACHE_DIR/images/$KUBE_VERSION-$recipe.tar"
    if [ -s "$KIND_IMAGES_TAR" ]; then
        kind_log "cached: $(echo "$images" | wc -l) kubeadm images + netbase in $KIND_IMAGES_TAR"
        return 0
    fi
    for image in $images; do
        image_current "$image" "$recipe" && continue
        name=${image##*/}; name=${name%%:*}
        case "$name" in
            kube-apiserver | kube-controller-manager | kube-scheduler)
                kind_component_image "$image" "$KUBE_BIN_DIR/$name" "/usr/local/bin/$name" scratch "" "$recipe" ;;
            kube-proxy)
                kind_component_image "$image" "$KUBE_BIN_DIR/kube-proxy" /usr/local/bin/kube-proxy "$KIND_NETBASE_IMAGE" "" "$recipe" ;;
            etcd)
                kind_component_image "$image" "$KUBE_BIN_DIR/etcd" /usr/local/bin/etcd scratch "" "$recipe" ;;
            coredns)
                [ "${image##*:}" = "$COREDNS_VERSION" ] ||
                    kind_die "kubeadm $KUBE_VERSION expects $image but COREDNS_VERSION=$COREDNS_VERSION in e2e/versions.env; set it to ${image##*:}"
                kind_component_image "$image" "$(kind_tool_path coredns)" /coredns scratch /coredns "$recipe" ;;
            pause)
                kind_component_image "$image" "$(kind_tool_path pause)" /pause scratch /pause "$recipe" ;;
            *)
                kind_die "kubeadm $KUBE_VERSION wants $image, which e2e/kind/component-images.sh does not know how to build" ;;
        esac || return 1
        kind_log "built $image"
    done
    mkdir -p "$(dirname "$KIND_IMAGES_TAR")"
    # shellcheck disable=SC2086 # one image name a word
    docker save -o "$KIND_IMAGES_TAR.part" $images "$KIND_NETBASE_IMAGE"
    mv "$KIND_IMAGES_TAR.part" "$KIND_IMAGES_TAR"
    find "$(dirname "$KIND_IMAGES_TAR")" -maxdepth 1 -name "$KUBE_VERSION-*.tar" ! -name "$(basename "$KIND_IMAGES_TAR")" -delete
    kind_log "saved $(echo "$images" | wc -l) kubeadm images + netbase to $KIND_IMAGES_TAR ($(du -h "$KIND_IMAGES_TAR" | cut -f1))"
}

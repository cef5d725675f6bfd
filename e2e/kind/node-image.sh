# shellcheck shell=bash
# The kind node image, assembled the way kind's `build node-image` does (pkg/build/nodeimage),
# from local files only: start the base image, copy kubeadm, kubelet, kubectl into /usr/bin,
# write /kind/version and /kind/manifests/{default-cni,default-storage}.yaml, import every image
# the cluster needs into the node's containerd (namespace k8s.io, pinned), docker commit.
# Sourced by cluster.sh; needs lib.sh, component-images.sh (KIND_IMAGES_TAR) and base-image.sh.

# kind_node_image: build $KIND_BUILT_NODE_IMAGE unless current.
kind_node_image() {
    local recipe id
    recipe=$( { cat "$KIND_DIR/node-image.sh" "$KIND_DIR/manifests/bridge-cni.yaml" "$KIND_DIR/manifests/default-storage.yaml";
                echo "$(image_recipe "$KIND_BASE_IMAGE") $KIND_IMAGES_TAR"; kind_binary_id "$KUBE_BIN_DIR"/{kubeadm,kubelet,kubectl}; } | recipe_hash -)
    if image_current "$KIND_BUILT_NODE_IMAGE" "$recipe"; then
        kind_log "cached: $KIND_BUILT_NODE_IMAGE"
        return 0
    fi
    id="dpu-offload-kind-build-$$"
    docker rm -f "$id" >/dev/null 2>&1 || true
    docker run -d --name "$id" --entrypoint=sleep --security-opt seccomp=unconfined "$KIND_BASE_IMAGE" infinity >/dev/null ||
        kind_die "cannot start the build container from $KIND_BASE_IMAGE"
    if ! kind_node_image_assemble "$id" "$recipe"; then
        docker rm -f -v "$id" >/dev/null 2>&1
        return 1
    fi
    docker rm -f -v "$id" >/dev/null 2>&1
    kind_log "built $KIND_BUILT_NODE_IMAGE ($(docker image inspect -f '{{.Size}}' "$KIND_BUILT_NODE_IMAGE" | awk '{printf "%d MB", $1/1e6}'))"
}

# kind_node_image_assemble CONTAINER RECIPE: fill the build container and commit it.
kind_node_image_assemble() {
    local id=$1 recipe=$2 b wanted missing
    for b in kubeadm kubelet kubectl; do
        docker cp "$KUBE_BIN_DIR/$b" "$id:/usr/bin/$b" || { kind_log "ERROR: docker cp $b into the build container failed"; return 1; }
    done
    docker exec "$id" sh -c "chown root:root /usr/bin/kubeadm /usr/bin/kubelet /usr/bin/kubectl &&
        chmod 0755 /usr/bin/kubeadm /usr/bin/kubelet /usr/bin/kubectl &&
        echo $KUBE_VERSION > /kind/version && mkdir -p /kind/manifests" || return 1
    sed "s|__NETBASE_IMAGE__|$KIND_NETBASE_IMAGE|" "$KIND_DIR/manifests/bridge-cni.yaml" |
        docker exec -i "$id" sh -c 'cat > /kind/manifests/default-cni.yaml' || return 1
    docker exec -i "$id" sh -c 'cat > /kind/manifests/default-storage.yaml' < "$KIND_DIR/manifests/default-storage.yaml" || return 1

    kind_log "importing $(basename "$KIND_IMAGES_TAR") into the node's containerd"
    docker exec "$id" bash -c 'nohup containerd > /tmp/containerd.log 2>&1 &'
    docker exec "$id" bash -c 'for i in $(seq 1 30); do ctr version >/dev/null 2>&1 && exit 0; sleep 1; done
        echo "containerd did not start in the build container:"; cat /tmp/containerd.log; exit 1' >&2 || return 1
    docker exec -i "$id" ctr --namespace=k8s.io images import --label=io.cri-containerd.pinned=pinned \
        --all-platforms --no-unpack --digests - < "$KIND_IMAGES_TAR" >/dev/null || { kind_log "ERROR: ctr images import failed"; return 1; }
    wanted=$(docker exec "$id" kubeadm config images list --kubernetes-version "$KUBE_VERSION")
    missing=$(comm -23 <(echo "$wanted" | sort) <(docker exec "$id" ctr -n k8s.io images ls -q | sort))
    [ -z "$missing" ] || { kind_log "ERROR: the node image lacks images kubeadm needs: $missing"; return 1; }
    # stop containerd so its metadata is on disk before the commit; it stays a zombie (sleep is
    # PID 1 and reaps nothing), so wait until no containerd is left that is not one
    docker exec "$id" sh -c 'pkill containerd; for i in $(seq 1 120); do
            ps -C containerd -o stat= | grep -qv "^Z" || exit 0; sleep 0.5; done; exit 1' ||
        { kind_log "ERROR: containerd in the build container did not stop within 60 s"; return 1; }
    docker exec "$id" rm -f /tmp/containerd.log
    docker commit \
        --change 'ENTRYPOINT [ "/usr/local/bin/entrypoint", "/sbin/init" ]' \
        --change 'ENV HTTP_PROXY="" HTTPS_PROXY="" NO_PROXY=""' \
        --change "LABEL $IMAGE_RECIPE_LABEL=$recipe" \
        "$id" "$KIND_BUILT_NODE_IMAGE" >/dev/null || { kind_log "ERROR: docker commit of the node image failed"; return 1; }
}

# kind_unprivileged_node_image NODE_IMAGE: print the name of NODE_IMAGE's variant for Docker hosts
# where `docker run --privileged` fails (see privileged.sh), building it unless current:
#   - /usr/local/bin/entrypoint-unprivileged remounts the read-only cgroup mounts read-write
#     and then runs the node's own entrypoint;
#   - containerd's CRI gets restrict_oom_score_adj = true, since runc cannot lower a
#     process's oom_score_adj without CAP_SYS_RESOURCE.
kind_unprivileged_node_image() {
    local node=$1 recipe variant ctx
    recipe=$( { cat "$KIND_DIR/node-image.sh"; docker image inspect -f '{{.Id}}' "$node"; } | recipe_hash -)
    variant="${node%%:*}:${node##*:}-unprivileged"
    [ "$variant" != "$node" ] || variant="$node-unprivileged"
    if image_current "$variant" "$recipe"; then
        echo "$variant"
        return 0
    fi
    ctx=$(mktemp -d)
    cat > "$ctx/entrypoint-unprivileged" <<'SH'
#!/bin/sh
# Without --privileged Docker mounts the cgroup filesystems read-only; systemd and the kubelet
# in this node need them writable. Make those mount points read-write (a bind remount changes
# only this mount's flag), then run kind's entrypoint.
awk '$2 ~ "^/sys/fs/cgroup" && $4 ~ "(^|,)ro(,|$)" {print $2}' /proc/mounts | while read -r m; do
  mount -o remount,bind,rw "$m" || echo "entrypoint-unprivileged: cannot remount $m read-write" >&2
done
exec "$@"
SH
    cat > "$ctx/Dockerfile" <<DOCKERFILE
FROM $node
COPY entrypoint-unprivileged /usr/local/bin/entrypoint-unprivileged
RUN chmod 0755 /usr/local/bin/entrypoint-unprivileged \\
 && sed -i 's/restrict_oom_score_adj = false/restrict_oom_score_adj = true/' /etc/containerd/config.toml \\
 && grep -q 'restrict_oom_score_adj = true' /etc/containerd/config.toml
ENTRYPOINT [ "/usr/local/bin/entrypoint-unprivileged", "/usr/local/bin/entrypoint", "/sbin/init" ]
DOCKERFILE
    kind_log "building $variant (cgroup remount, restrict_oom_score_adj) for this Docker host"
    kind_docker_build "$variant" "$recipe" "$ctx" || { rm -rf "$ctx"; return 1; }
    rm -rf "$ctx"
    echo "$variant"
}

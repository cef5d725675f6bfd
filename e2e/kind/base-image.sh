# shellcheck shell=bash
# The kind base image, made the way kind's images/base does but from what Debian ships:
# the project's Debian base + systemd, containerd, runc, the CNI plugins, iptables/nftables,
# conntrack ... from Debian's packages, plus kind's entrypoint, systemd units and containerd
# config taken from the sigs.k8s.io/kind module at $KIND_VERSION at build time.
# Also the "netbase" image (Debian base + iptables, nftables, conntrack, ipset, iproute2, curl,
# jq) that kube-proxy and our bridge CNI run from. Sourced by cluster.sh; needs lib.sh.
#
# Differences from kind's own base image (which builds containerd 2.x, runc, crictl, the CNI
# plugins from source): Debian 12's containerd 1.6, runc 1.1, containernetworking-plugins 1.1
# (bridge, host-local, portmap, loopback ...), no crictl, no fuse-overlayfs, nfs or iscsi.

KIND_BASE_PACKAGES="systemd conntrack iptables nftables iproute2 ethtool util-linux mount kmod libseccomp2 pigz bash ca-certificates curl jq procps containerd runc containernetworking-plugins"
KIND_NETBASE_PACKAGES="iptables nftables conntrack ipset kmod iproute2 curl jq ca-certificates"

# kind_base_image: build $KIND_BASE_IMAGE unless current.
kind_base_image() {
    local base_recipe recipe moddir ctx pause
    base_recipe=$(image_recipe "$DEBIAN_BASE_IMAGE")
    pause=$(kind_kubeadm_image pause)
    [ -n "$base_recipe" ] || kind_die "$DEBIAN_BASE_IMAGE is missing; e2e/images/debian-base.sh makes it"
    recipe=$( { cat "$KIND_DIR/base-image.sh"; echo "$KIND_VERSION $pause $base_recipe"; } | recipe_hash -)
    if image_current "$KIND_BASE_IMAGE" "$recipe"; then
        kind_log "cached: $KIND_BASE_IMAGE"
        return 0
    fi
    moddir=$(kind_module_dir) || return 1
    ctx=$(mktemp -d)
    cp -r "$moddir/images/base/files" "$ctx/files"
    chmod -R u+w "$ctx/files"
    # one pause image for the node: the one kubeadm of this Kubernetes version expects
    sed -i "s|^\(\s*sandbox_image = \).*|\1\"$pause\"|" "$ctx/files/etc/containerd/config.toml"
    grep -qF "\"$pause\"" "$ctx/files/etc/containerd/config.toml" ||
        kind_die "kind $KIND_VERSION's containerd config has no sandbox_image line to set; check $moddir/images/base/files/etc/containerd/config.toml"
    cat > "$ctx/Dockerfile" <<DOCKERFILE
FROM $DEBIAN_BASE_IMAGE
RUN apt-get update -qq \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $KIND_BASE_PACKAGES \\
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*
# kind's files replace the packages' defaults (containerd's config.toml among them)
COPY files/usr/local/bin/ /usr/local/bin/
COPY files/kind/ /kind/
COPY files/etc/ /etc/
RUN chmod 0755 /usr/local/bin/* /kind/bin /kind/bin/* \\
 && find /lib/systemd/system/sysinit.target.wants/ -name systemd-tmpfiles-setup.service -delete \\
 && rm -f /lib/systemd/system/multi-user.target.wants/* /etc/systemd/system/*.wants/* \\
          /lib/systemd/system/local-fs.target.wants/* /lib/systemd/system/sockets.target.wants/*udev* \\
          /lib/systemd/system/sockets.target.wants/*initctl* /lib/systemd/system/basic.target.wants/* \\
 && echo "ReadKMsg=no" >> /etc/systemd/journald.conf \\
 && ln -sf "\$(command -v systemd || echo /lib/systemd/systemd)" /sbin/init \\
 && ln -sf /usr/bin/containerd /usr/local/bin/containerd \\
 && mkdir -p /opt/cni /etc/cni/net.d && rm -rf /opt/cni/bin && ln -s /usr/lib/cni /opt/cni/bin \\
 && ctr oci spec \\
    | jq '.hooks.createContainer[.hooks.createContainer | length] |= . + {"path": "/kind/bin/mount-product-files.sh"}' \\
    | jq 'del(.process.rlimits)' > /etc/containerd/cri-base.json \\
 && systemctl enable kubelet.service containerd.service undo-mount-hacks.service \\
 && systemctl mask systemd-binfmt.service \\
 && mkdir -p /etc/kubernetes/manifests \\
 && containerd --version && runc --version
ENV container=docker
STOPSIGNAL SIGRTMIN+3
ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]
DOCKERFILE
    kind_log "building $KIND_BASE_IMAGE from $DEBIAN_BASE_IMAGE and kind $KIND_VERSION's base files (apt-get inside: a few minutes)"
    kind_docker_build "$KIND_BASE_IMAGE" "$recipe" "$ctx" || { rm -rf "$ctx"; return 1; }
    rm -rf "$ctx"
}

# kind_netbase_image: build $KIND_NETBASE_IMAGE unless current.
kind_netbase_image() {
    local recipe ctx
    recipe=$( { echo "netbase 1: $KIND_NETBASE_PACKAGES"; image_recipe "$DEBIAN_BASE_IMAGE"; } | recipe_hash -)
    if image_current "$KIND_NETBASE_IMAGE" "$recipe"; then
        kind_log "cached: $KIND_NETBASE_IMAGE"
        return 0
    fi
    ctx=$(mktemp -d)
    cat > "$ctx/Dockerfile" <<DOCKERFILE
FROM $DEBIAN_BASE_IMAGE
RUN apt-get update -qq \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $KIND_NETBASE_PACKAGES \\
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*
DOCKERFILE
    kind_log "building $KIND_NETBASE_IMAGE (Debian base + iptables, iproute2 ...)"
    kind_docker_build "$KIND_NETBASE_IMAGE" "$recipe" "$ctx" || { rm -rf "$ctx"; return 1; }
    rm -rf "$ctx"
}

package dev.dpu.storage.kubectl;

import dev.dpu.storage.api.v1alpha1.DpuNodeState;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import java.util.Map;
import java.util.Optional;

/**
 * Where a node's data path is reached: the address it reports listening on, or - when it listens
 * on every address (0.0.0.0, ::) - the node's InternalIP, as a host on the cluster network would.
 */
final class NodeAddresses {
    private NodeAddresses() {}

    /** host and port of the node's NVMe/TCP listener, empty when unknown. */
    static Optional<HostPort> listener(DpuNodeState state, Map<String, Node> nodes, int defaultPort) {
        String reported = state.getStatus() == null ? null : state.getStatus().getListenerAddress();
        String host = null;
        int port = defaultPort;
        if (reported != null && !reported.isBlank()) {
            int colon = reported.lastIndexOf(':');
            host = reported.substring(0, colon).replace("[", "").replace("]", "");
            port = Integer.parseInt(reported.substring(colon + 1));
        }
        if (host == null || host.equals("0.0.0.0") || host.equals("::")) {
            host = internalIp(nodes.get(state.getSpec().getNodeName())).orElse(null);
        }
        return host == null ? Optional.empty() : Optional.of(new HostPort(host, port));
    }

    private static Optional<String> internalIp(Node node) {
        if (node == null || node.getStatus() == null || node.getStatus().getAddresses() == null) {
            return Optional.empty();
        }
        return node.getStatus().getAddresses().stream()
                .filter(a -> "InternalIP".equals(a.getType()))
                .map(NodeAddress::getAddress)
                .findFirst();
    }

    record HostPort(String host, int port) {
        String url(int httpPort) {
            return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + httpPort + "/q/metrics";
        }
    }
}

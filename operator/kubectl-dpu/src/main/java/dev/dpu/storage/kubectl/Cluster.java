package dev.dpu.storage.kubectl;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Reads shared by the commands. */
final class Cluster {
    private Cluster() {}

    /** Nodes by name, for their addresses; empty when the user may not list nodes. */
    static Map<String, Node> nodes(KubernetesClient client) {
        try {
            return client.nodes().list().getItems().stream()
                    .collect(Collectors.toMap(n -> n.getMetadata().getName(), Function.identity()));
        } catch (KubernetesClientException e) {
            if (e.getCode() == 403) {
                return Map.of();
            }
            throw e;
        }
    }
}

package dev.dpu.storage.operator.status;

import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.api.v1alpha1.NodeConflict;
import io.fabric8.kubernetes.api.model.Node;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Which nodes a pool serves. A node serves at most one pool (the data path owns the node's
 * NVMe/TCP port and cores): when several pools select a node, the oldest pool keeps it
 * (creation time, then namespace/name) and the others report the conflict and stay off it.
 *
 * @param selected nodes the pool's nodeSelector matches, sorted
 * @param served the selected nodes this pool actually serves, sorted
 * @param excluded the selected nodes an older pool serves, sorted
 * @param conflicts every selected node that other pools select too
 */
public record PoolTopology(
        List<String> selected, List<String> served, List<String> excluded, List<NodeConflict> conflicts) {

    /** Oldest first: the pool that keeps a contested node. */
    public static final Comparator<DpuStoragePool> PRECEDENCE = Comparator.comparing((DpuStoragePool p) ->
                    Objects.requireNonNullElse(p.getMetadata().getCreationTimestamp(), ""))
            .thenComparing(PoolTopology::key);

    public static PoolTopology of(DpuStoragePool pool, Collection<DpuStoragePool> allPools, Collection<Node> nodes) {
        List<DpuStoragePool> live = allPools.stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .sorted(PRECEDENCE)
                .toList();
        List<String> selected = new ArrayList<>();
        List<String> served = new ArrayList<>();
        List<String> excluded = new ArrayList<>();
        List<NodeConflict> conflicts = new ArrayList<>();
        nodes.stream()
                .sorted(Comparator.comparing(n -> n.getMetadata().getName()))
                .filter(n -> selects(pool, n))
                .forEach(node -> {
                    String name = node.getMetadata().getName();
                    selected.add(name);
                    List<String> contenders = live.stream()
                            .filter(p -> selects(p, node))
                            .map(PoolTopology::key)
                            .toList();
                    if (contenders.size() > 1) {
                        conflicts.add(new NodeConflict(name, contenders));
                    }
                    if (contenders.isEmpty() || contenders.getFirst().equals(key(pool))) {
                        served.add(name);
                    } else {
                        excluded.add(name);
                    }
                });
        return new PoolTopology(selected, served, excluded, conflicts);
    }

    /** The pool's nodeSelector matches the node's labels (an empty selector matches every node). */
    public static boolean selects(DpuStoragePool pool, Node node) {
        Map<String, String> selector = pool.getSpec().getNodeSelector();
        Map<String, String> labels =
                Objects.requireNonNullElse(node.getMetadata().getLabels(), Map.of());
        return selector == null
                || selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    public static String key(DpuStoragePool pool) {
        return pool.getMetadata().getNamespace() + "/" + pool.getMetadata().getName();
    }
}

package dev.dpu.storage.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.api.v1alpha1.DpuStoragePoolSpec;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PoolTopologyTest {
    private static DpuStoragePool pool(String ns, String name, String created, Map<String, String> selector) {
        var p = new DpuStoragePool();
        p.setMetadata(new ObjectMetaBuilder()
                .withNamespace(ns)
                .withName(name)
                .withCreationTimestamp(created)
                .build());
        var spec = new DpuStoragePoolSpec();
        spec.setNodeSelector(selector);
        p.setSpec(spec);
        return p;
    }

    private static Node node(String name, Map<String, String> labels) {
        return new NodeBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels)
                .endMetadata()
                .build();
    }

    private final DpuStoragePool older = pool("a", "fast", "2026-01-01T00:00:00Z", Map.of("dpu", "true"));
    private final DpuStoragePool younger = pool("b", "bulk", "2026-02-01T00:00:00Z", Map.of("rack", "r1"));
    private final List<Node> nodes = List.of(
            node("n1", Map.of("dpu", "true")),
            node("n2", Map.of("dpu", "true", "rack", "r1")),
            node("n3", Map.of("rack", "r1")),
            node("n4", Map.of()));

    @Test
    void theOlderPoolKeepsAContestedNodeAndBothReportIt() {
        var a = PoolTopology.of(older, List.of(older, younger), nodes);
        var b = PoolTopology.of(younger, List.of(younger, older), nodes);

        assertThat(a.served()).containsExactly("n1", "n2");
        assertThat(a.excluded()).isEmpty();
        assertThat(b.selected()).containsExactly("n2", "n3");
        assertThat(b.served()).containsExactly("n3");
        assertThat(b.excluded()).containsExactly("n2");
        assertThat(a.conflicts()).isEqualTo(b.conflicts());
        assertThat(b.conflicts()).singleElement().satisfies(c -> {
            assertThat(c.getNode()).isEqualTo("n2");
            assertThat(c.getPools()).containsExactly("a/fast", "b/bulk");
        });
    }

    @Test
    void aPoolBeingDeletedGivesUpItsNodes() {
        older.getMetadata().setDeletionTimestamp("2026-03-01T00:00:00Z");
        var b = PoolTopology.of(younger, List.of(younger, older), nodes);
        assertThat(b.served()).containsExactly("n2", "n3");
        assertThat(b.conflicts()).isEmpty();
    }

    @Test
    void anEmptySelectorSelectsEveryNode() {
        var all = pool("c", "all", "2026-03-01T00:00:00Z", Map.of());
        assertThat(PoolTopology.of(all, List.of(all), nodes).served()).containsExactly("n1", "n2", "n3", "n4");
    }
}

package dev.dpu.storage.operator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.api.v1alpha1.DpuStoragePoolStatus;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FleetMetricsTest {

    private static DpuStoragePool pool(
            String name, String ready, Integer desired, Integer nodesReady, Integer upToDate) {
        var pool = new DpuStoragePool();
        pool.setMetadata(
                new ObjectMetaBuilder().withName(name).withNamespace("storage").build());
        var status = new DpuStoragePoolStatus();
        status.setConditions(List.of(new ConditionBuilder()
                .withType("Ready")
                .withStatus(ready)
                .withReason("Test")
                .build()));
        status.setNodesDesired(desired);
        status.setNodesReady(nodesReady);
        status.setNodesUpToDate(upToDate);
        pool.setStatus(status);
        return pool;
    }

    @Test
    void gaugesSumThePoolsInTheCacheAtEachScrapeWithoutNamingAnyPool() {
        var registry = new SimpleMeterRegistry();
        List<DpuStoragePool> cache = new ArrayList<>();
        FleetMetrics.register(registry, () -> List.copyOf(cache));
        System.gc(); // the gauges must not depend on a weakly held function
        cache.add(pool("pool-a", "False", 3, 1, 1));
        cache.add(pool("pool-b", "True", 2, 2, 2));
        cache.add(new DpuStoragePool()); // not reconciled yet: no status

        assertThat(value(registry, "dpu.operator.pools", "ready", "true")).isEqualTo(1);
        assertThat(value(registry, "dpu.operator.pools", "ready", "false")).isEqualTo(2);
        assertThat(value(registry, "dpu.operator.pool.nodes", "state", "desired"))
                .isEqualTo(5);
        assertThat(value(registry, "dpu.operator.pool.nodes", "state", "ready")).isEqualTo(3);
        assertThat(value(registry, "dpu.operator.pool.nodes", "state", "up_to_date"))
                .isEqualTo(3);

        cache.removeFirst(); // pool-a deleted: it stops counting at once
        assertThat(value(registry, "dpu.operator.pool.nodes", "state", "desired"))
                .isEqualTo(2);
        assertThat(value(registry, "dpu.operator.pools", "ready", "false")).isEqualTo(1);

        assertThat(registry.getMeters())
                .flatExtracting(m -> m.getId().getTags())
                .allSatisfy(t -> assertThat(t.getKey()).isIn("ready", "state"));
    }

    private static double value(SimpleMeterRegistry registry, String name, String tag, String tagValue) {
        Meter meter = registry.find(name).tag(tag, tagValue).gauge();
        assertThat(meter).as("%s{%s=%s}", name, tag, tagValue).isNotNull();
        return registry.find(name).tag(tag, tagValue).gauge().value();
    }
}

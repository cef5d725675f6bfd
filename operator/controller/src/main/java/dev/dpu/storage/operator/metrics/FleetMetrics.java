package dev.dpu.storage.operator.metrics;

import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.api.v1alpha1.DpuStoragePoolStatus;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The fleet as the operator sees it, summed over every pool in its cache when Prometheus scrapes:
 * how many pools are Ready, how many nodes they want, have ready and running their rendered
 * configuration. No label names a pool (pools come and go; per-object labels would grow without
 * bound): which pool lags is in {@code kubectl get dsp -A}, and each agent's own metrics carry its
 * pool. Nothing is remembered between scrapes, so a deleted pool simply stops counting.
 */
public final class FleetMetrics {

    /** Totals over a set of pools. */
    public record Totals(int pools, int poolsReady, int nodesDesired, int nodesReady, int nodesUpToDate) {}

    private FleetMetrics() {}

    /** Sums the status the operator last wrote; a pool without status counts as not ready. */
    public static Totals totals(List<DpuStoragePool> pools) {
        int ready = 0, desired = 0, nodesReady = 0, upToDate = 0;
        for (DpuStoragePool pool : pools) {
            DpuStoragePoolStatus s = pool.getStatus();
            if (s == null) {
                continue;
            }
            if (s.getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()))) {
                ready++;
            }
            desired += orZero(s.getNodesDesired());
            nodesReady += orZero(s.getNodesReady());
            upToDate += orZero(s.getNodesUpToDate());
        }
        return new Totals(pools.size(), ready, desired, nodesReady, upToDate);
    }

    /** Registers the gauges; {@code pools} is read at every scrape (the operator's informer cache). */
    public static void register(MeterRegistry registry, Supplier<List<DpuStoragePool>> pools) {
        gauge(registry, "dpu.operator.pools", "ready", "true", pools, t -> t.poolsReady());
        gauge(registry, "dpu.operator.pools", "ready", "false", pools, t -> t.pools() - t.poolsReady());
        String nodes = "dpu.operator.pool.nodes";
        gauge(registry, nodes, "state", "desired", pools, t -> t.nodesDesired());
        gauge(registry, nodes, "state", "ready", pools, t -> t.nodesReady());
        gauge(registry, nodes, "state", "up_to_date", pools, t -> t.nodesUpToDate());
    }

    private static void gauge(
            MeterRegistry registry,
            String name,
            String tag,
            String value,
            Supplier<List<DpuStoragePool>> pools,
            ToDoubleFunction<Totals> pick) {
        // A Supplier gauge holds its function strongly (the object form would hold it weakly, and
        // a method reference nothing else keeps would be collected, leaving the gauge empty).
        Gauge.builder(name, () -> pick.applyAsDouble(totals(pools.get())))
                .description(description(name))
                .tag(tag, value)
                .register(registry);
    }

    private static String description(String name) {
        return name.equals("dpu.operator.pools")
                ? "DpuStoragePools by their Ready condition, over all namespaces."
                : "Nodes of all DpuStoragePools: desired, ready, and up_to_date (running the rendered"
                        + " configuration generation), from the pools' status.";
    }

    private static int orZero(Integer i) {
        return i == null ? 0 : i;
    }
}

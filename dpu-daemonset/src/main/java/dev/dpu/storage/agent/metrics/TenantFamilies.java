package dev.dpu.storage.agent.metrics;

import static dev.dpu.storage.agent.metrics.DataplaneCollector.PREFIX;
import static dev.dpu.storage.agent.metrics.DataplaneCollector.addBuckets;
import static dev.dpu.storage.agent.metrics.DataplaneCollector.with;
import static io.prometheus.client.Collector.MetricFamilySamples;

import dev.dpu.storage.dataplane.ffm.StatsSnapshot;
import dev.dpu.storage.dataplane.ffm.StatsSnapshot.Histogram;
import dev.dpu.storage.dataplane.ffm.StatsSnapshot.IoCounter;
import io.prometheus.client.Collector.Type;
import java.util.List;

/**
 * One tenant's I/O on this node, as the data path charges it (every queue of the tenant's hosts,
 * DPD_KIND_TENANT): 17 series per tenant (docs/metrics.md's b: 9 latency buckets, ops and bytes by
 * op, errors, throttled I/Os and seconds, open queues), plus one {@code tenant_limit} series per
 * rate limit the tenant sets. The latency histogram has
 * {@link PrometheusBuckets#TENANT_BOUNDS} and no {@code _sum}/{@code _count} (optional for a
 * histogram in OpenMetrics; the count would repeat the {@code le="+Inf"} bucket, which is the
 * tenant's reads plus writes of {@code tenant_io_ops_total}).
 */
final class TenantFamilies {

    /** dpd_tenant_set_limits argument order; the first six are rates, the last two bucket depths. */
    static final String[] LIMIT_NAMES = {
        "read_iops",
        "write_iops",
        "total_iops",
        "read_bytes_per_second",
        "write_bytes_per_second",
        "total_bytes_per_second",
        "burst_iops",
        "burst_bytes"
    };

    /** Limits exported: the six rates. Bursts are bucket depths, in the TenantQoS spec. */
    static final int RATE_LIMITS = 6;

    private TenantFamilies() {}

    static List<MetricFamilySamples> of(DataplaneCollector.Labels l, StatsSnapshot.Stats s) {
        MetricFamily latency = new MetricFamily(
                PREFIX + "tenant_io_latency_seconds",
                Type.HISTOGRAM,
                "End-to-end latency of the tenant's reads and writes (command received to response queued, "
                        + "QoS wait included), in coarse fixed buckets; buckets only.");
        MetricFamily ops = new MetricFamily(
                PREFIX + "tenant_io_ops", Type.COUNTER, "Reads and writes completed per tenant, by op.");
        MetricFamily bytes =
                new MetricFamily(PREFIX + "tenant_io_bytes", Type.COUNTER, "Payload bytes per tenant, by op.");
        MetricFamily errors = new MetricFamily(
                PREFIX + "tenant_io_errors",
                Type.COUNTER,
                "Reads and writes completed with an error status per tenant.");
        MetricFamily throttled = new MetricFamily(
                PREFIX + "qos_throttled_ios", Type.COUNTER, "I/Os that had to wait for the tenant's QoS limits.");
        MetricFamily throttledTime = new MetricFamily(
                PREFIX + "qos_throttled_seconds",
                Type.COUNTER,
                "Total time I/Os waited for the tenant's QoS limits; its rate is the mean number of the "
                        + "tenant's I/Os waiting.");
        MetricFamily connections =
                new MetricFamily(PREFIX + "tenant_connections", Type.GAUGE, "Open I/O queues charged to the tenant.");
        MetricFamily limits = new MetricFamily(
                PREFIX + "tenant_limit",
                Type.GAUGE,
                "QoS rate limit in force per tenant and limit (per second); only the limits the tenant sets.");
        for (StatsSnapshot.TenantStats t : s.tenants()) {
            List<String> id = List.of("tenant", t.name());
            StatsSnapshot.IoStats io = t.io();
            addBuckets(latency, id, io.histogram(Histogram.E2E), PrometheusBuckets.TENANT_BOUNDS);
            ops.add("_total", with(id, "op", "read"), io.get(IoCounter.READ_OPS));
            ops.add("_total", with(id, "op", "write"), io.get(IoCounter.WRITE_OPS));
            bytes.add("_total", with(id, "op", "read"), io.get(IoCounter.READ_BYTES));
            bytes.add("_total", with(id, "op", "write"), io.get(IoCounter.WRITE_BYTES));
            errors.add("_total", id, io.get(IoCounter.ERRORS));
            throttled.add("_total", id, io.get(IoCounter.THROTTLED));
            throttledTime.add("_total", id, io.get(IoCounter.THROTTLED_NS) / 1e9);
            connections.add("", id, io.get(IoCounter.CONNECTIONS));
            for (int i = 0; i < RATE_LIMITS; i++) {
                if (t.limits()[i] != 0) {
                    limits.add("", with(id, "limit", LIMIT_NAMES[i]), t.limits()[i]);
                }
            }
        }
        return List.of(
                latency.build(l),
                ops.build(l),
                bytes.build(l),
                errors.build(l),
                throttled.build(l),
                throttledTime.build(l),
                connections.build(l),
                limits.build(l));
    }
}

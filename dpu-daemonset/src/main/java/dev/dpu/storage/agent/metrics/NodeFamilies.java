package dev.dpu.storage.agent.metrics;

import static dev.dpu.storage.agent.metrics.DataplaneCollector.PREFIX;
import static dev.dpu.storage.agent.metrics.DataplaneCollector.addHistogram;
import static dev.dpu.storage.agent.metrics.DataplaneCollector.with;
import static io.prometheus.client.Collector.MetricFamilySamples;

import dev.dpu.storage.dataplane.ffm.StatsSnapshot;
import dev.dpu.storage.dataplane.ffm.StatsSnapshot.Histogram;
import dev.dpu.storage.dataplane.ffm.StatsSnapshot.IoCounter;
import dev.dpu.storage.dataplane.ffm.StatsSnapshot.NamespaceCounter;
import io.prometheus.client.Collector.Type;
import java.util.List;

/**
 * The node's whole I/O: every namespace of the data path summed, a fixed number of series
 * whatever the pool's volumes. Commands by op, bytes and errors are the target's per-namespace
 * counters summed here (a few native calls per namespace); the latency histograms, queue depth,
 * registered-buffer, XTS and copy counters come summed from the data path itself (DPD_KIND_NODE),
 * so the scrape does not read a thousand histogram buckets per namespace. Which volume of a
 * tenant is busy is not a metric (docs/metrics.md, "Why nothing per volume").
 */
final class NodeFamilies {

    private NodeFamilies() {}

    static List<MetricFamilySamples> of(DataplaneCollector.Labels l, StatsSnapshot.Stats s, String mode) {
        long[] sum = new long[NamespaceCounter.values().length];
        for (StatsSnapshot.NamespaceStats ns : s.namespaces()) {
            for (NamespaceCounter c : NamespaceCounter.values()) {
                sum[c.ordinal()] += ns.get(c);
            }
        }
        MetricFamily ops = new MetricFamily(
                PREFIX + "io_ops",
                Type.COUNTER,
                "I/O commands completed on this node (all namespaces), by op (read, write, flush, other).");
        ops.add("_total", List.of("op", "read"), sum[NamespaceCounter.READ_OPS.ordinal()]);
        ops.add("_total", List.of("op", "write"), sum[NamespaceCounter.WRITE_OPS.ordinal()]);
        ops.add("_total", List.of("op", "flush"), sum[NamespaceCounter.FLUSH_OPS.ordinal()]);
        ops.add("_total", List.of("op", "other"), sum[NamespaceCounter.OTHER_OPS.ordinal()]);
        MetricFamily bytes = new MetricFamily(
                PREFIX + "io_bytes", Type.COUNTER, "Payload bytes transferred on this node, by op (read, write).");
        bytes.add("_total", List.of("op", "read"), sum[NamespaceCounter.READ_BYTES.ordinal()]);
        bytes.add("_total", List.of("op", "write"), sum[NamespaceCounter.WRITE_BYTES.ordinal()]);
        MetricFamily errors = new MetricFamily(
                PREFIX + "io_errors", Type.COUNTER, "I/O commands completed with an error status on this node.");
        errors.add("_total", List.of(), sum[NamespaceCounter.ERRORS.ordinal()]);

        StatsSnapshot.IoStats node = s.node();
        MetricFamily latency = new MetricFamily(
                PREFIX + "io_latency_seconds",
                Type.HISTOGRAM,
                "I/O latency on this node (all namespaces), by stage: e2e (command received to response "
                        + "queued) and backend (backend submit to completion).");
        addHistogram(latency, List.of("stage", "e2e"), node.histogram(Histogram.E2E));
        addHistogram(latency, List.of("stage", "backend"), node.histogram(Histogram.BACKEND));
        MetricFamily inflight = new MetricFamily(
                PREFIX + "io_inflight", Type.GAUGE, "Reads and writes being executed now on this node.");
        inflight.add("", List.of(), node.get(IoCounter.INFLIGHT));
        MetricFamily fixed = new MetricFamily(
                PREFIX + "fixed_buffer_ios",
                Type.COUNTER,
                "Backend I/Os done from io_uring registered buffers (0 while the data path runs without "
                        + "them, e.g. when RLIMIT_MEMLOCK is too low to register them).");
        fixed.add("_total", List.of(), node.get(IoCounter.FIXED_BUFFER_IOS));
        MetricFamily xts = new MetricFamily(
                PREFIX + "xts_bytes",
                Type.COUNTER,
                "Payload bytes encrypted (writes) or decrypted (reads) with AES-256-XTS; stays 0 without keys.");
        xts.add("_total", List.of(), node.get(IoCounter.XTS_BYTES));
        MetricFamily copyOps = new MetricFamily(
                PREFIX + "payload_copies",
                Type.COUNTER,
                "Payload copies (memcpy) made by the data path, by offload mode in force: the measured "
                        + "cost difference between NonOffload and ZeroCopy.");
        copyOps.add("_total", with(List.of(), "mode", mode), node.get(IoCounter.PAYLOAD_COPIES));
        MetricFamily copyBytes = new MetricFamily(
                PREFIX + "payload_copied_bytes",
                Type.COUNTER,
                "Bytes copied by those payload copies, by offload mode in force.");
        copyBytes.add("_total", with(List.of(), "mode", mode), node.get(IoCounter.COPIED_BYTES));
        return List.of(
                ops.build(l),
                bytes.build(l),
                errors.build(l),
                latency.build(l),
                inflight.build(l),
                fixed.build(l),
                xts.build(l),
                copyOps.build(l),
                copyBytes.build(l));
    }
}

package dev.dpu.storage.kubectl;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * What one tenant's I/O did between two scrapes of its pool's agents, summed over the nodes:
 * IOPS and bandwidth of reads and writes, p99 latency (command received to response queued, from
 * the tenant's own histogram, interpolated in its buckets as Prometheus' histogram_quantile does;
 * null without I/O) and I/Os per second that waited for the tenant's QoS limits.
 */
record TenantRates(double iops, double bytesPerSecond, Double p99Seconds, double throttledPerSecond) {

    /** The agent's per-tenant end-to-end latency histogram (docs/metrics.md). */
    static final String LATENCY = "dpu_dataplane_tenant_io_latency_seconds_bucket";

    static TenantRates between(
            List<MetricSample> before, List<MetricSample> after, double seconds, String pool, String tenant) {
        Predicate<MetricSample> ours =
                s -> tenant.equals(s.label("tenant")) && (s.label("pool") == null || pool.equals(s.label("pool")));
        Predicate<MetricSample> io = s -> "read".equals(s.label("op")) || "write".equals(s.label("op"));
        double ops = delta(before, after, "dpu_dataplane_tenant_io_ops_total", ours.and(io));
        double bytes = delta(before, after, "dpu_dataplane_tenant_io_bytes_total", ours.and(io));
        double throttled = delta(before, after, "dpu_dataplane_qos_throttled_ios_total", ours);
        Map<Double, Double> buckets = new TreeMap<>();
        for (Double le : bounds(after)) {
            buckets.put(le, delta(before, after, LATENCY, ours.and(s -> le.equals(parseLe(s.label("le"))))));
        }
        return new TenantRates(ops / seconds, bytes / seconds, quantile(0.99, buckets), throttled / seconds);
    }

    /** The sum of a counter's increase over the matching series (a reset counts from zero). */
    private static double delta(
            List<MetricSample> before, List<MetricSample> after, String name, Predicate<MetricSample> match) {
        double sum = 0;
        for (MetricSample a : after) {
            if (!a.name().equals(name) || !match.test(a)) {
                continue;
            }
            double previous = before.stream()
                    .filter(b -> b.name().equals(name) && b.labels().equals(a.labels()))
                    .mapToDouble(MetricSample::value)
                    .findFirst()
                    .orElse(0);
            sum += a.value() >= previous ? a.value() - previous : a.value();
        }
        return sum;
    }

    private static List<Double> bounds(List<MetricSample> samples) {
        return samples.stream()
                .filter(s -> s.name().equals(LATENCY))
                .map(s -> parseLe(s.label("le")))
                .filter(Objects::nonNull)
                .distinct()
                .sorted()
                .toList();
    }

    private static Double parseLe(String le) {
        if (le == null) {
            return null;
        }
        return "+Inf".equals(le) ? Double.POSITIVE_INFINITY : Double.valueOf(le);
    }

    /** histogram_quantile over cumulative bucket counts keyed by upper bound; null without observations. */
    static Double quantile(double q, Map<Double, Double> cumulative) {
        if (cumulative.isEmpty()) {
            return null;
        }
        double total = cumulative.getOrDefault(Double.POSITIVE_INFINITY, 0.0);
        if (total <= 0) {
            return null;
        }
        double rank = q * total;
        double lowerBound = 0;
        double lowerCount = 0;
        for (var e : cumulative.entrySet()) {
            double bound = e.getKey();
            double count = e.getValue();
            if (count >= rank) {
                if (Double.isInfinite(bound)) {
                    return lowerBound; // the highest finite bound, as histogram_quantile does
                }
                return count == lowerCount
                        ? bound
                        : lowerBound + (bound - lowerBound) * (rank - lowerCount) / (count - lowerCount);
            }
            lowerBound = bound;
            lowerCount = count;
        }
        return lowerBound;
    }
}

package dev.dpu.storage.agent.metrics;

import dev.dpu.storage.dataplane.ffm.StatsSnapshot.LatencyHistogram;

/**
 * Folds the data path's fine log-linear latency buckets (over a thousand, each at most 1/32 of
 * its value wide) into a fixed, small set of Prometheus {@code le} bounds in seconds. Fixed so
 * that {@code histogram_quantile} can sum buckets across nodes. A native bucket is counted under
 * the first bound at or above its upper edge, so a quantile is never reported lower than it was
 * (at most one native bucket width, 3%, plus interpolation within the Prometheus bucket, higher).
 *
 * <p>Two sets: {@link #BOUNDS} for the node's and each remote's histograms (one of each per
 * agent, so they can afford 10µs to 10s in 1-2.5-5 steps), and {@link #TENANT_BOUNDS} for the
 * per-tenant histogram, which exists once per tenant and so is kept to 9 buckets: every one of its
 * bounds is also a bound of {@link #BOUNDS}, 50µs to 2.5ms in 2-2.5x steps (where NVMe/TCP I/O
 * on RAM, SSDs and remote targets falls), then 10ms and 100ms for I/O slowed by its QoS limits or a
 * slow backend.
 */
final class PrometheusBuckets {

    /** Upper bounds in seconds of the node's and remotes' histograms; +Inf is implied. */
    static final double[] BOUNDS = {
        0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
        2.5, 5, 10
    };

    /** Upper bounds in seconds of the per-tenant histogram; +Inf is implied. */
    static final double[] TENANT_BOUNDS = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.1};

    private PrometheusBuckets() {}

    /** Cumulative counts per bound, then the +Inf total as the last element. */
    static long[] cumulative(LatencyHistogram native_, double[] bounds) {
        long[] perBound = new long[bounds.length + 1];
        long[] upper = native_.upperNs();
        long[] counts = native_.counts();
        int bound = 0;
        for (int b = 0; b < counts.length; b++) {
            if (counts[b] == 0) {
                continue;
            }
            // Bounds are uint64 in C; the last bucket is open-ended (UINT64_MAX, negative as a long).
            double upperSeconds = upper[b] < 0 ? Double.POSITIVE_INFINITY : upper[b] / 1e9;
            while (bound < bounds.length && bounds[bound] < upperSeconds) {
                bound++;
            }
            perBound[bound] += counts[b];
        }
        for (int i = 1; i < perBound.length; i++) {
            perBound[i] += perBound[i - 1];
        }
        return perBound;
    }

    /** The le label value Prometheus clients use ("0.001", "+Inf") of bound {@code index} of {@code bounds}. */
    static String le(double[] bounds, int index) {
        return index >= bounds.length ? "+Inf" : io.prometheus.client.Collector.doubleToGoString(bounds[index]);
    }
}

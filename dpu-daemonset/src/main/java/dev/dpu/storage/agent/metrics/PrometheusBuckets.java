package dev.dpu.storage.agent.metrics;

import dev.dpu.storage.dataplane.ffm.StatsSnapshot.LatencyHistogram;

/**
 * Folds the data path's fine log-linear latency buckets (over a thousand, each at most 1/32 of
 * its value wide) into a fixed, small set of Prometheus {@code le} bounds in seconds. Fixed so
 * that {@code histogram_quantile} can sum buckets across nodes; small so a namespace costs about
 * twenty series per histogram. A native bucket is counted under the first bound at or above its
 * upper edge, so a quantile is never reported lower than it was (at most one native bucket width,
 * 3%, plus interpolation within the Prometheus bucket, higher).
 */
final class PrometheusBuckets {

    /** Upper bounds in seconds; +Inf is implied. */
    static final double[] BOUNDS = {
        0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
        2.5, 5, 10
    };

    private PrometheusBuckets() {}

    /** Cumulative counts per bound, then the +Inf total as the last element. */
    static long[] cumulative(LatencyHistogram native_) {
        long[] perBound = new long[BOUNDS.length + 1];
        long[] upper = native_.upperNs();
        long[] counts = native_.counts();
        int bound = 0;
        for (int b = 0; b < counts.length; b++) {
            // Bounds are uint64 in C; the last bucket is open-ended (UINT64_MAX, negative as a long).
            double upperSeconds = upper[b] < 0 ? Double.POSITIVE_INFINITY : upper[b] / 1e9;
            while (bound < BOUNDS.length && BOUNDS[bound] < upperSeconds) {
                bound++;
            }
            perBound[bound] += counts[b];
        }
        for (int i = 1; i < perBound.length; i++) {
            perBound[i] += perBound[i - 1];
        }
        return perBound;
    }

    /** The le label value Prometheus clients use ("0.001", "+Inf"). */
    static String le(int index) {
        return index >= BOUNDS.length ? "+Inf" : io.prometheus.client.Collector.doubleToGoString(BOUNDS[index]);
    }
}

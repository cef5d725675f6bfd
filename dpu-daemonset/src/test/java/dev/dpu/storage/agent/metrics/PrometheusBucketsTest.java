package dev.dpu.storage.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpu.storage.dataplane.ffm.StatsSnapshot.LatencyHistogram;
import org.junit.jupiter.api.Test;

class PrometheusBucketsTest {

    @Test
    void nativeBucketsFoldIntoTheFirstBoundAtOrAboveTheirUpperEdge() {
        // Native buckets ending at 9 us, 10 us, 10.3 us, 80 us, 2 ms, 30 s and the open-ended last
        // one (UINT64_MAX in C, -1 as a Java long).
        long[] upper = {9_000, 10_000, 10_300, 80_000, 2_000_000, 30_000_000_000L, -1L};
        long[] counts = {1, 2, 4, 8, 16, 32, 64};

        long[] cumulative = PrometheusBuckets.cumulative(new LatencyHistogram(upper, counts, 0));

        assertThat(cumulative).hasSize(PrometheusBuckets.BOUNDS.length + 1);
        assertThat(cumulative[0]).as("le=10us").isEqualTo(3);
        assertThat(cumulative[1]).as("le=25us: 10.3us lands here, never below").isEqualTo(7);
        assertThat(cumulative[3]).as("le=100us").isEqualTo(15);
        assertThat(cumulative[7]).as("le=2.5ms").isEqualTo(31);
        assertThat(cumulative[PrometheusBuckets.BOUNDS.length - 1]).as("le=10s").isEqualTo(31);
        assertThat(cumulative[PrometheusBuckets.BOUNDS.length])
                .as("+Inf is the total")
                .isEqualTo(127);
        assertThat(PrometheusBuckets.le(0)).isEqualTo("1.0E-5");
        assertThat(PrometheusBuckets.le(PrometheusBuckets.BOUNDS.length)).isEqualTo("+Inf");
    }
}

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

        long[] cumulative =
                PrometheusBuckets.cumulative(new LatencyHistogram(upper, counts, 0), PrometheusBuckets.BOUNDS);

        assertThat(cumulative).hasSize(PrometheusBuckets.BOUNDS.length + 1);
        assertThat(cumulative[0]).as("le=10us").isEqualTo(3);
        assertThat(cumulative[1]).as("le=25us: 10.3us lands here, never below").isEqualTo(7);
        assertThat(cumulative[3]).as("le=100us").isEqualTo(15);
        assertThat(cumulative[7]).as("le=2.5ms").isEqualTo(31);
        assertThat(cumulative[PrometheusBuckets.BOUNDS.length - 1]).as("le=10s").isEqualTo(31);
        assertThat(cumulative[PrometheusBuckets.BOUNDS.length])
                .as("+Inf is the total")
                .isEqualTo(127);
        assertThat(PrometheusBuckets.le(PrometheusBuckets.BOUNDS, 0)).isEqualTo("1.0E-5");
        assertThat(PrometheusBuckets.le(PrometheusBuckets.BOUNDS, PrometheusBuckets.BOUNDS.length))
                .isEqualTo("+Inf");
    }

    @Test
    void tenantBucketsAreNodeBoundsSoPercentilesAgreeAcrossTheTwo() {
        for (double bound : PrometheusBuckets.TENANT_BOUNDS) {
            assertThat(PrometheusBuckets.BOUNDS)
                    .as("tenant bound %s is a node bound", bound)
                    .contains(bound);
        }
        // 99 I/Os at 40-80 us and one at 2 ms: the tenant's p99 lies in (50us, 100us].
        long[] upper = {40_000, 80_000, 2_000_000, -1L};
        long[] counts = {50, 49, 1, 0};
        long[] tenant =
                PrometheusBuckets.cumulative(new LatencyHistogram(upper, counts, 0), PrometheusBuckets.TENANT_BOUNDS);
        assertThat(tenant).hasSize(PrometheusBuckets.TENANT_BOUNDS.length + 1);
        assertThat(tenant[0]).as("le=50us").isEqualTo(50);
        assertThat(tenant[1]).as("le=100us: rank 99 of 100 is here").isEqualTo(99);
        assertThat(tenant[5]).as("le=2.5ms").isEqualTo(100);
        assertThat(tenant[tenant.length - 1]).as("+Inf").isEqualTo(100);
        assertThat(PrometheusBuckets.le(PrometheusBuckets.TENANT_BOUNDS, 0)).isEqualTo("5.0E-5");
        assertThat(PrometheusBuckets.le(PrometheusBuckets.TENANT_BOUNDS, PrometheusBuckets.TENANT_BOUNDS.length))
                .isEqualTo("+Inf");
    }
}

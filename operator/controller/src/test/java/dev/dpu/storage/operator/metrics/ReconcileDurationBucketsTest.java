package dev.dpu.storage.operator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ReconcileDurationBucketsTest {

    @Test
    void reconcileTimersGetFixedBucketsOtherTimersDoNot() {
        var registry = new SimpleMeterRegistry();
        registry.config().meterFilter(ReconcileDurationBuckets.filter());
        // As JOSDK builds it: with Micrometer's percentile histogram asked for.
        Timer reconcile = Timer.builder(ReconcileDurationBuckets.TIMER_PREFIX + "reconcile")
                .tag("controller", "x")
                .publishPercentileHistogram()
                .register(registry);
        Timer other = registry.timer("http.server.requests");
        reconcile.record(Duration.ofMillis(30));
        other.record(Duration.ofMillis(30));

        var buckets = reconcile.takeSnapshot().histogramCounts();
        assertThat(buckets).hasSize(ReconcileDurationBuckets.BUCKETS.length);
        // 30 ms lands in every bucket from 50 ms up, none below.
        assertThat(buckets[2].count()).as("le 25ms").isZero();
        assertThat(buckets[3].count()).as("le 50ms").isEqualTo(1);
        assertThat(other.takeSnapshot().histogramCounts()).isEmpty();
    }
}

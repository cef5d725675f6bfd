package dev.dpu.storage.kubectl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class TenantRatesTest {
    static String scrape(long ops, long bytes, long throttled, long under100us, long total) {
        return """
                # TYPE dpu_dataplane_tenant_io_ops_total counter
                dpu_dataplane_tenant_io_ops_total{pool="pool-a",node="n0",tenant="tenant-blue",op="read"} %d.0
                dpu_dataplane_tenant_io_ops_total{pool="pool-a",node="n0",tenant="tenant-blue",op="write"} %d.0
                dpu_dataplane_tenant_io_ops_total{pool="pool-a",node="n0",tenant="tenant-red",op="read"} 999999.0
                dpu_dataplane_tenant_io_bytes_total{pool="pool-a",node="n0",tenant="tenant-blue",op="read"} %d.0
                dpu_dataplane_qos_throttled_ios_total{pool="pool-a",node="n0",tenant="tenant-blue"} %d.0
                dpu_dataplane_tenant_io_latency_seconds_bucket{pool="pool-a",node="n0",tenant="tenant-blue",le="5.0E-5"} 0.0
                dpu_dataplane_tenant_io_latency_seconds_bucket{pool="pool-a",node="n0",tenant="tenant-blue",le="1.0E-4"} %d.0
                dpu_dataplane_tenant_io_latency_seconds_bucket{pool="pool-a",node="n0",tenant="tenant-blue",le="2.5E-4"} %d.0
                dpu_dataplane_tenant_io_latency_seconds_bucket{pool="pool-a",node="n0",tenant="tenant-blue",le="+Inf"} %d.0
                dpu_dataplane_tenant_io_latency_seconds_bucket{pool="pool-a",node="n0",tenant="tenant-red",le="+Inf"} 777.0
                dpu_dataplane_io_latency_seconds_bucket{pool="pool-a",node="n0",stage="e2e",le="+Inf"} 12345.0
                """
                .formatted(ops / 2, ops - ops / 2, bytes, throttled, under100us, total, total);
    }

    @Test
    void ratesAreTheIncreaseOverTheIntervalForThisTenantOnly() {
        var before = MetricSample.parse(scrape(1000, 4096_000, 10, 900, 1000));
        var after = MetricSample.parse(scrape(3000, 12_288_000, 50, 2800, 3000));
        var r = TenantRates.between(before, after, 2.0, "pool-a", "tenant-blue");
        assertThat(r.iops()).isEqualTo(1000.0);
        assertThat(r.bytesPerSecond()).isEqualTo(4096_000.0);
        assertThat(r.throttledPerSecond()).isEqualTo(20.0);
        // 2000 I/Os in the interval, 1900 under 100 us: the 99th percentile lies in (100 us, 250 us].
        assertThat(r.p99Seconds()).isCloseTo(1.0e-4 + 1.5e-4 * (1980 - 1900) / 100.0, within(1e-9));
    }

    @Test
    void noIoMeansNoLatency() {
        var same = MetricSample.parse(scrape(1000, 1, 0, 900, 1000));
        assertThat(TenantRates.between(same, same, 1.0, "pool-a", "tenant-blue").p99Seconds())
                .isNull();
    }

    @Test
    void quantileInTheInfBucketIsTheHighestFiniteBound() {
        Map<Double, Double> cumulative = new TreeMap<>(Map.of(0.001, 10.0, Double.POSITIVE_INFINITY, 100.0));
        assertThat(TenantRates.quantile(0.99, cumulative)).isEqualTo(0.001);
    }

    @Test
    void labelValuesWithEscapesAndLinesWithoutLabelsParse() {
        var samples = MetricSample.parse("up 1\nx{a=\"q\\\"uote\",b=\"2\"} 3.5 1700000000\n# HELP x y\nbroken{\n");
        assertThat(samples)
                .containsExactly(
                        new MetricSample("up", Map.of(), 1.0),
                        new MetricSample("x", Map.of("a", "q\"uote", "b", "2"), 3.5));
        assertThat(List.of()).isEmpty();
    }
}

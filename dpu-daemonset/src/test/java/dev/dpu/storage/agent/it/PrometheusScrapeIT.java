package dev.dpu.storage.agent.it;

import static dev.dpu.storage.agent.it.PoolConfig.BLUE_HOST;
import static dev.dpu.storage.agent.it.PoolConfig.nqn;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dpu.storage.agent.it.PoolConfig.Ns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus scrapes the agent every second while the load generator drives I/O; the
 * queries a dashboard would run must return moving IOPS and bytes and a finite p99 latency.
 */
class PrometheusScrapeIT {

    @TempDir
    Path dir;

    @Test
    void prometheusSeesIopsBytesAndLatencyQuantiles() throws Exception {
        int nvmePort = AgentProcess.freePort();
        Path configFile = dir.resolve("dataplane.json");
        Files.writeString(
                configFile,
                new PoolConfig(nvmePort)
                        .subsystem("tenant-blue", BLUE_HOST, new Ns(1, "ram", 64L << 20))
                        .tenant("tenant-blue", 0)
                        .json());

        try (AgentProcess agent = AgentProcess.start(
                        dir,
                        Map.of(
                                "dpu.agent.config-file", configFile.toString(),
                                "dpu.agent.node-name", "node-prom",
                                "dpu.agent.pool", "pool-it"));
                RealPrometheus prometheus = awaitAgentThenPrometheus(agent)) {
            Loadgen io = Loadgen.startWithFlags(
                    dir, "io", nvmePort, nqn("tenant-blue"), BLUE_HOST, 1, "--rw randrw --duration-s 14 --qd 8");

            String ops = "sum(rate(dpu_dataplane_io_ops_total{pool=\"pool-it\",node=\"node-prom\"}[5s]))";
            String bytes = "sum(rate(dpu_dataplane_tenant_io_bytes_total{tenant=\"tenant-blue\"}[5s]))";
            String p99 = "histogram_quantile(0.99, sum by (le) "
                    + "(rate(dpu_dataplane_io_latency_seconds_bucket{stage=\"e2e\"}[5s])))";
            // The tenant's own percentiles, from its coarse per-tenant histogram (what the tenant
            // dashboard and a per-tenant SLO query).
            String tenantP99 = "histogram_quantile(0.99, sum by (tenant, le) "
                    + "(rate(dpu_dataplane_tenant_io_latency_seconds_bucket{tenant=\"tenant-blue\"}[5s])))";
            String tenantP50 = tenantP99.replace("0.99", "0.5");
            double iops = Double.NaN;
            double bandwidth = Double.NaN;
            double latency = Double.NaN;
            double tenantLatency = Double.NaN;
            long deadline = System.nanoTime() + 25_000_000_000L;
            while (System.nanoTime() < deadline) {
                iops = prometheus.scalar(ops);
                bandwidth = prometheus.scalar(bytes);
                latency = prometheus.scalar(p99);
                tenantLatency = prometheus.scalar(tenantP99);
                if (iops > 1000
                        && bandwidth > 1e6
                        && Double.isFinite(latency)
                        && latency > 0
                        && Double.isFinite(tenantLatency)
                        && tenantLatency > 0) {
                    break;
                }
                Thread.sleep(1000);
            }
            String context = "\nagent log:\n" + agent.log() + "\nprometheus log:\n" + prometheus.log();
            assertThat(iops).as("IOPS from Prometheus" + context).isGreaterThan(1000);
            assertThat(bandwidth).as("bytes/s from Prometheus").isGreaterThan(1e6);
            assertThat(latency).as("p99 e2e latency in seconds").isPositive().isLessThan(1.0);
            // All I/O is tenant-blue's: its p99 from 9 coarse buckets lies in the coarse bucket of the
            // node's p99 from the fine ones (both fold the same native samples; the two queries run a
            // moment apart, so a neighbouring bucket is allowed).
            assertThat(tenantLatency)
                    .as("p99 of tenant-blue in seconds")
                    .isPositive()
                    .isLessThan(0.1);
            assertThat(coarseBucket(tenantLatency))
                    .as("tenant p99 %s s and node p99 %s s", tenantLatency, latency)
                    .isBetween(coarseBucket(latency) - 1, coarseBucket(latency) + 1);
            assertThat(prometheus.scalar(tenantP50))
                    .as("tenant p50")
                    .isPositive()
                    .isLessThanOrEqualTo(tenantLatency);

            // The counters move between scrapes (not a constant exposed once).
            double before = prometheus.scalar("sum(dpu_dataplane_io_ops_total)");
            Thread.sleep(2500);
            double after = prometheus.scalar("sum(dpu_dataplane_io_ops_total)");
            assertThat(after).as("ops counter grows during I/O").isGreaterThan(before);

            // Agent-level series: one scrape target up, generation 1 applied, info with the mode.
            assertThat(prometheus.scalar("up{job=\"dpu-agent\"}")).isEqualTo(1.0);
            assertThat(prometheus.scalar("dpu_agent_config_generation")).isEqualTo(1.0);
            JsonNode info = prometheus.query("dpu_agent_info");
            assertThat(info).hasSize(1);
            assertThat(info.get(0).path("metric").path("effective_mode").asText())
                    .isEqualTo("ZeroCopy");
            assertThat(prometheus.scalar("sum(dpu_dataplane_connections)")).isPositive();

            assertThat(io.await(30)).as(io.log()).isZero();
            everyExposedMetricIsDocumented(agent);
        }
    }

    /** Index of the per-tenant histogram bucket (docs/metrics.md) holding a latency in seconds. */
    private static int coarseBucket(double seconds) {
        double[] bounds = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.1};
        int i = 0;
        while (i < bounds.length && seconds > bounds[i]) {
            i++;
        }
        return i;
    }

    /** docs/metrics.md lists every dpu_* family the agent exposes during I/O, and nothing else, in the agent's tables. */
    private static void everyExposedMetricIsDocumented(AgentProcess agent) throws Exception {
        Set<String> exposed = new TreeSet<>();
        Matcher type = Pattern.compile("(?m)^# TYPE (dpu_\\w+) (\\w+)$")
                .matcher(agent.get("/q/metrics").body());
        while (type.find()) {
            String name = type.group(1);
            exposed.add(type.group(2).equals("counter") && !name.endsWith("_total") ? name + "_total" : name);
        }
        Path doc = Path.of(System.getProperty("dpu.docs", "../docs"), "metrics.md");
        Set<String> documented = new TreeSet<>();
        // The agent's tables: those before the operator's own section.
        String text = Files.readString(doc);
        int operator = text.indexOf("\n## Operator");
        assertThat(operator).as("docs/metrics.md has an Operator section").isPositive();
        Matcher row = Pattern.compile("(?m)^\\| `(dpu_\\w+)` \\|").matcher(text.substring(0, operator));
        while (row.find()) {
            documented.add(row.group(1));
        }
        assertThat(exposed).as("metrics exposed").hasSizeGreaterThan(20);
        assertThat(documented).as("docs/metrics.md tables").isEqualTo(exposed);
    }

    private RealPrometheus awaitAgentThenPrometheus(AgentProcess agent) throws Exception {
        agent.awaitGeneration(1);
        return RealPrometheus.scraping(dir, "dpu-agent", agent.httpPort(), "/q/metrics");
    }
}

package dev.dpu.storage.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a Prometheus operator sizes a fleet by: the series one agent serves. docs/metrics.md gives
 * it as a + b x tenants + (rate limits set) + c x remotes, with no term for namespaces. The real
 * agent is given pools of different shapes, live, and each scrape must have exactly that many
 * {@code dpu_*} series: more volumes per tenant add none, and the fleet shape (1000
 * tenants with 4 volumes each on one node) stays under 20,000.
 */
class SeriesBoundIT {

    /** docs/metrics.md: the per-node series with R reactors, and the series per tenant. */
    private static final int REACTORS = 2;

    private static final int A = 72 + 2 * REACTORS;
    private static final int B = 17;

    @TempDir
    Path dir;

    @Test
    void seriesPerAgentFollowTheFormulaAndNotTheVolumes() throws Exception {
        int nvmePort = AgentProcess.freePort();
        Path configFile = dir.resolve("dataplane.json");
        PoolConfig.write(configFile, pool(nvmePort, 10, 1));
        try (AgentProcess agent = AgentProcess.start(
                dir,
                Map.of(
                        "dpu.agent.config-file", configFile.toString(),
                        "dpu.agent.config-poll-interval", "200ms",
                        "dpu.agent.node-name", "node-series"))) {
            agent.awaitGeneration(1);
            // 10 tenants, half of them with a limit: 5 limit series.
            assertThat(dpuSeries(agent)).as("10 tenants x 1 volume").isEqualTo(A + 10 * B + 5);

            PoolConfig.write(configFile, pool(nvmePort, 10, 8));
            agent.awaitGeneration(2);
            assertThat(dpuSeries(agent))
                    .as("the same 10 tenants with 8 volumes each: volumes add no series")
                    .isEqualTo(A + 10 * B + 5);

            PoolConfig.write(configFile, pool(nvmePort, 1000, 4));
            agent.awaitReadiness(
                    "generation 3 (1000 tenants, 4000 namespaces)",
                    d -> d.path("generation").asLong() == 3,
                    Duration.ofSeconds(180));
            Map<String, Integer> byFamily = new TreeMap<>();
            int series = dpuSeries(agent, byFamily);
            assertThat(series)
                    .as("1000 tenants x 4 volumes, 500 limits set; by family: %s", byFamily)
                    .isEqualTo(A + 1000 * B + 500)
                    .isLessThan(20_000);
        }
    }

    private static int dpuSeries(AgentProcess agent) throws Exception {
        return dpuSeries(agent, new TreeMap<>());
    }

    private static int dpuSeries(AgentProcess agent, Map<String, Integer> byFamily) throws Exception {
        int n = 0;
        for (String line : agent.get("/q/metrics").body().lines().toList()) {
            if (line.startsWith("dpu_")) {
                n++;
                byFamily.merge(line.split("[{ ]", 2)[0], 1, Integer::sum);
            }
        }
        return n;
    }

    /** T tenants, each with its own subsystem, host and V RAM volumes; even tenants set totalIops. */
    private static String pool(int port, int tenants, int volumes) {
        List<String> subsystems = new ArrayList<>();
        List<String> limits = new ArrayList<>();
        for (int t = 0; t < tenants; t++) {
            String name = "tenant-%04d".formatted(t);
            List<String> ns = new ArrayList<>();
            for (int v = 0; v < volumes; v++) {
                ns.add(
                        """
                        {"nsid":%d,"volume":"%s-v%d","backend":"ram","sizeBytes":1048576,"blockSize":512}"""
                                .formatted(v + 1, name, v));
            }
            subsystems.add(
                    """
                    {"nqn":"nqn.2024-01.dev.dpu:storage.pool-it.%s","tenant":"%s","allowAnyHost":false,
                     "hosts":["nqn.2014-08.org.nvmexpress:uuid:5ca1e000-0000-4000-8000-%012d"],"namespaces":[%s]}"""
                            .formatted(name, name, t, String.join(",", ns)));
            limits.add("""
                    {"name":"%s","limits":{"totalIops":%d}}"""
                    .formatted(name, t % 2 == 0 ? 10000 + t : 0));
        }
        return """
                {"pool":"pool-it","listen":{"address":"127.0.0.1","port":%d},"reactors":%d,
                 "subsystems":[%s],"tenants":[%s]}"""
                .formatted(port, REACTORS, String.join(",\n", subsystems), String.join(",\n", limits));
    }
}

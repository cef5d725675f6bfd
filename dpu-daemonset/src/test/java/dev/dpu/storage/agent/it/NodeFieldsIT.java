package dev.dpu.storage.agent.it;

import static dev.dpu.storage.agent.it.PoolConfig.BLUE_HOST;
import static dev.dpu.storage.agent.it.PoolConfig.nqn;
import static dev.dpu.storage.agent.it.PoolConfig.write;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dpu.storage.agent.it.PoolConfig.Ns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Profile fields that change what the data path does, seen from outside a standalone agent:
 * {@code reactors: 3} gives the agent process three reactor threads, and requiring the header
 * digest - applied live, without a restart - makes a host without it fail to connect while one
 * with it does I/O, counted as {@code connects_refused_total{reason="digest_required"}}.
 */
class NodeFieldsIT {

    private static final long MiB = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void reactorsRunAndRequiredHeaderDigestAppliesLive() throws Exception {
        int nvmePort = AgentProcess.freePort();
        Path configFile = dir.resolve("dataplane.json");
        PoolConfig config = new PoolConfig(nvmePort)
                .reactors(3)
                .subsystem("tenant-blue", BLUE_HOST, new Ns(1, "ram", 16 * MiB))
                .tenant("tenant-blue", 0);
        write(configFile, config.json());

        try (AgentProcess agent = AgentProcess.start(
                dir,
                Map.of(
                        "dpu.agent.config-file", configFile.toString(),
                        "dpu.agent.config-poll-interval", "200ms",
                        "dpu.agent.node-name", "node-it"))) {
            agent.awaitGeneration(1);
            assertThat(reactorThreads(agent.pid()))
                    .as("dpd-reactor-* threads of the agent")
                    .isEqualTo(3);
            assertThat(agent.log()).contains("3 reactors");

            Loadgen before = Loadgen.startWithFlags(
                    dir, "before", nvmePort, nqn("tenant-blue"), BLUE_HOST, 1, "--rw randread --ops 200 --qd 4");
            assertThat(before.await(60)).as(before.log()).isZero();

            write(configFile, config.requireHeaderDigest(true).json());
            JsonNode second = agent.awaitGeneration(2);
            assertThat(second.path("RestartPending").asText())
                    .as("a live change")
                    .startsWith("False");

            Loadgen without = Loadgen.startWithFlags(
                    dir, "without", nvmePort, nqn("tenant-blue"), BLUE_HOST, 1, "--rw randread --ops 200 --qd 4");
            assertThat(without.await(60)).as("no header digest: refused").isNotZero();
            Loadgen with = Loadgen.startWithFlags(
                    dir,
                    "with",
                    nvmePort,
                    nqn("tenant-blue"),
                    BLUE_HOST,
                    1,
                    "--rw randread --ops 200 --qd 4 --header-digest");
            assertThat(with.await(60)).as(with.log()).isZero();

            assertThat(refused(agent, "digest_required")).isEqualTo(1);
            assertThat(refused(agent, "fabrics_connect")).isZero();
            assertThat(agent.log()).contains("requires header digest and the host did not ask for it");
            assertThat(reactorThreads(agent.pid())).as("no restart").isEqualTo(3);
        }
    }

    private static long reactorThreads(long pid) throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            return tasks.filter(task -> {
                        try {
                            return Files.readString(task.resolve("comm")).startsWith("dpd-reactor-");
                        } catch (IOException e) {
                            return false; // the thread ended while we looked
                        }
                    })
                    .count();
        }
    }

    private static long refused(AgentProcess agent, String reason) throws Exception {
        String metrics = agent.get("/q/metrics").body();
        Matcher m = Pattern.compile(
                        "^dpu_dataplane_connects_refused_total\\{[^}]*reason=\"" + reason + "\"[^}]*} ([0-9.]+)",
                        Pattern.MULTILINE)
                .matcher(metrics);
        assertThat(m.find())
                .as("connects_refused_total{reason=%s} in\n%s", reason, metrics)
                .isTrue();
        return (long) Double.parseDouble(m.group(1));
    }
}

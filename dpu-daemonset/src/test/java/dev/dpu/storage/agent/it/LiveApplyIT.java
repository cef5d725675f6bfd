package dev.dpu.storage.agent.it;

import static dev.dpu.storage.agent.it.PoolConfig.BLUE_HOST;
import static dev.dpu.storage.agent.it.PoolConfig.GREEN_HOST;
import static dev.dpu.storage.agent.it.PoolConfig.RED_HOST;
import static dev.dpu.storage.agent.it.PoolConfig.nqn;
import static dev.dpu.storage.agent.it.PoolConfig.write;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dpu.storage.agent.it.PoolConfig.Ns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Standalone agent with the real data path: I/O from the real load generator on two tenants'
 * subsystems while the config file changes under it - a QoS change, a namespace and a third
 * tenant's subsystem added and removed, then three bad configs. The connections the changes do
 * not concern must see zero failed I/Os, what was added must really serve I/O, what was removed
 * must really be gone, and every bad config must be refused with a reason while the last good one
 * keeps serving.
 */
class LiveApplyIT {

    private static final long MiB = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void changesApplyLiveWithoutFailingUnaffectedIo() throws Exception {
        int nvmePort = AgentProcess.freePort();
        Path configFile = dir.resolve("dataplane.json");
        PoolConfig base = new PoolConfig(nvmePort)
                .subsystem("tenant-blue", BLUE_HOST, new Ns(1, "ram", 64 * MiB))
                .subsystem("tenant-green", GREEN_HOST, new Ns(1, "ram", 64 * MiB))
                .tenant("tenant-blue", 0)
                .tenant("tenant-green", 0);
        write(configFile, base.json());

        try (AgentProcess agent = AgentProcess.start(
                dir,
                Map.of(
                        "dpu.agent.config-file", configFile.toString(),
                        "dpu.agent.config-poll-interval", "200ms",
                        "dpu.agent.refused-retry-interval", "1s",
                        "dpu.agent.node-name", "node-it"))) {
            JsonNode first = agent.awaitGeneration(1);
            assertThat(first.path("listener").asText()).isEqualTo("127.0.0.1:" + nvmePort);
            assertThat(agent.log()).contains("bundled copy dev/dpu/storage/dataplane/native/");
            // The library's own log lines arrive through the Java logger, not raw on stderr.
            assertThat(agent.log()).containsPattern("INFO +\\[dpudp\\] engine started");
            // offload.queues (2 here) is what the data path grants a host that asks for more.
            Loadgen tooMany = Loadgen.startWithFlags(
                    dir,
                    "too-many-queues",
                    nvmePort,
                    nqn("tenant-blue"),
                    BLUE_HOST,
                    1,
                    "--rw randread --ops 10 --queues 3");
            assertThat(tooMany.await(30)).as(tooMany.log()).isNotZero();
            assertThat(tooMany.log()).contains("target granted 2 I/O queues, 3 requested");

            Loadgen blue = Loadgen.startWithFlags(
                    dir,
                    "blue",
                    nvmePort,
                    nqn("tenant-blue"),
                    BLUE_HOST,
                    1,
                    "--rw randrw --duration-s 14 --qd 8 --verify");
            Loadgen green = Loadgen.startWithFlags(
                    dir,
                    "green",
                    nvmePort,
                    nqn("tenant-green"),
                    GREEN_HOST,
                    1,
                    "--rw randrw --duration-s 14 --qd 8 --verify");
            long blueStart = System.nanoTime();
            Thread.sleep(1500);

            // 1. QoS change for green only.
            PoolConfig qos = new PoolConfig(nvmePort)
                    .subsystem("tenant-blue", BLUE_HOST, new Ns(1, "ram", 64 * MiB))
                    .subsystem("tenant-green", GREEN_HOST, new Ns(1, "ram", 64 * MiB))
                    .tenant("tenant-blue", 0)
                    .tenant("tenant-green", 5000);
            write(configFile, qos.json());
            JsonNode second = agent.awaitGeneration(2);
            assertThat(second.path("ConfigApplied").asText()).startsWith("True Applied");
            assertThat(second.path("Degraded").asText()).startsWith("False");
            long qosFrom = System.nanoTime();

            // 2. Namespace 2 added to green, and a new tenant's subsystem: both serve I/O at once.
            PoolConfig withNs2 = new PoolConfig(nvmePort)
                    .subsystem("tenant-blue", BLUE_HOST, new Ns(1, "ram", 64 * MiB))
                    .subsystem("tenant-green", GREEN_HOST, new Ns(1, "ram", 64 * MiB), new Ns(2, "ram", 16 * MiB))
                    .subsystem("tenant-red", RED_HOST, new Ns(1, "ram", 16 * MiB))
                    .tenant("tenant-blue", 0)
                    .tenant("tenant-green", 5000)
                    .tenant("tenant-red", 0);
            write(configFile, withNs2.json());
            agent.awaitGeneration(3);
            Loadgen onNs2 = Loadgen.startWithFlags(
                    dir,
                    "green-ns2",
                    nvmePort,
                    nqn("tenant-green"),
                    GREEN_HOST,
                    2,
                    "--rw randrw --ops 500 --qd 4 --verify");
            Loadgen onRed = Loadgen.startWithFlags(
                    dir, "red", nvmePort, nqn("tenant-red"), RED_HOST, 1, "--rw randrw --ops 500 --qd 4 --verify");
            assertThat(onNs2.await(30)).as(onNs2.log()).isZero();
            assertThat(onRed.await(30)).as(onRed.log()).isZero();

            // 3. ...and removed again: they must be gone.
            write(configFile, qos.json());
            agent.awaitGeneration(4);
            Loadgen gone = Loadgen.startWithFlags(
                    dir, "green-ns2-gone", nvmePort, nqn("tenant-green"), GREEN_HOST, 2, "--rw randread --ops 10");
            assertThat(gone.await(30))
                    .as("I/O to a removed namespace must fail\n" + gone.log())
                    .isNotZero();
            Loadgen redGone = Loadgen.startWithFlags(
                    dir, "red-gone", nvmePort, nqn("tenant-red"), RED_HOST, 1, "--rw randread --ops 10");
            assertThat(redGone.await(30))
                    .as("a removed subsystem must refuse\n" + redGone.log())
                    .isNotZero();

            // 4. Bad configs are refused, each with its reason; the last good generation keeps serving.
            PoolConfig tape = new PoolConfig(nvmePort)
                    .subsystem("tenant-blue", BLUE_HOST, new Ns(1, "tape", 64 * MiB))
                    .subsystem("tenant-green", GREEN_HOST, new Ns(1, "ram", 64 * MiB))
                    .tenant("tenant-blue", 0)
                    .tenant("tenant-green", 5000);
            expectRefused(agent, configFile, tape.json(), "InvalidConfig", "\"tape\" is not one of ram, file", 4);
            // Back to the content in force: accepted again (as generation 5), the refusal cleared.
            write(configFile, qos.json());
            assertThat(agent.awaitGeneration(5).path("ConfigApplied").asText()).startsWith("True Applied");
            expectRefused(agent, configFile, qos.json("nqn.bad"), "InvalidConfig", "is not a valid NQN", 5);
            PoolConfig keyless = new PoolConfig(nvmePort)
                    .subsystem("tenant-blue", BLUE_HOST, new Ns(1, "ram", 64 * MiB))
                    .subsystem("tenant-green", GREEN_HOST, new Ns(1, "ram", 64 * MiB))
                    .tenant("tenant-blue", 0)
                    .tenant("tenant-green", 5000)
                    .encryptionKeyFile(
                            "pool-it-xts-key",
                            dir.resolve("keys/pool-it-xts-key/key").toString());
            expectRefused(agent, configFile, keyless.json(), "KeyMissing", "Secret pool-it-xts-key", 5);
            // The Secret gets mounted late: the refused config is retried without a new change. The key
            // belongs to the process-wide offload settings, so it waits for the next pod start.
            Path key = dir.resolve("keys/pool-it-xts-key/key");
            Files.createDirectories(key.getParent());
            byte[] raw = new byte[64];
            for (int i = 0; i < raw.length; i++) {
                raw[i] = (byte) (0xa5 ^ i);
            }
            Files.write(key, raw);
            JsonNode retried = agent.awaitGeneration(6);
            assertThat(retried.path("RestartPending").asText())
                    .startsWith("True ProcessSettingsChanged")
                    .contains("offload");

            // The connections no change concerned: zero failed I/Os, and they did run throughout.
            for (Loadgen run : new Loadgen[] {blue, green}) {
                assertThat(run.await(40)).as(run.log()).isZero();
                JsonNode summary = run.summary();
                assertThat(summary.path("errors").asLong()).as(run.log()).isZero();
                assertThat(summary.path("ops").asLong()).isGreaterThan(1000);
                for (JsonNode interval : summary.path("intervals")) {
                    assertThat(interval.path("errors").asLong()).isZero();
                }
            }
            // The new limit bit on green's running connection, and only on green's.
            double greenAfter = iopsAfter(green.summary(), secondsSince(blueStart, qosFrom) + 1.0);
            double blueAfter = iopsAfter(blue.summary(), secondsSince(blueStart, qosFrom) + 1.0);
            assertThat(greenAfter).as("green IOPS under its 5000 limit").isLessThan(5000 * 1.25);
            assertThat(blueAfter).as("blue, unlimited, far above green's limit").isGreaterThan(10000);

            JsonNode after = agent.readiness();
            assertThat(after.path("generation").asLong()).isEqualTo(6);

            // Graceful shutdown: drains and flushes, then exits.
            agent.stop();
            assertThat(agent.log()).contains("data path stopped: in-flight I/O finished");
        }
    }

    private static double secondsSince(long from, long to) {
        return (to - from) / 1e9;
    }

    /** Mean IOPS of a run's intervals that start at or after {@code fromSeconds}. */
    private static double iopsAfter(JsonNode summary, double fromSeconds) {
        double ops = 0;
        double seconds = 0;
        double previous = 0;
        for (JsonNode interval : summary.path("intervals")) {
            double t = interval.path("t").asDouble();
            if (previous >= fromSeconds) {
                ops += interval.path("ops").asDouble();
                seconds += t - previous;
            }
            previous = t;
        }
        assertThat(seconds).as("intervals after %.1f s", fromSeconds).isGreaterThan(2);
        return ops / seconds;
    }

    private static void expectRefused(
            AgentProcess agent, Path configFile, String json, String reason, String messagePart, long serving)
            throws Exception {
        write(configFile, json);
        JsonNode data = agent.awaitReadiness(
                "refusal " + reason,
                d -> d.path("ConfigApplied").asText().startsWith("False " + reason)
                        && d.path("ConfigApplied").asText().contains(messagePart),
                Duration.ofSeconds(20));
        assertThat(data.path("generation").asLong()).isEqualTo(serving);
        assertThat(data.path("ConfigApplied").asText()).contains("generation " + serving + " keeps serving");
        assertThat(agent.get("/q/health/ready").statusCode()).isEqualTo(200);
        // What the generation-lag alert reads: the refused generation is newer than the one serving.
        String metrics = agent.get("/q/metrics").body();
        assertThat(metrics)
                .containsPattern("(?m)^dpu_agent_config_generation\\{[^}]*} " + serving + "\\.0$")
                .containsPattern("(?m)^dpu_agent_config_latest_generation\\{[^}]*} " + (serving + 1) + "\\.0$");
    }
}

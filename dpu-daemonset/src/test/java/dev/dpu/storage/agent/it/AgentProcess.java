package dev.dpu.storage.agent.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The packaged agent (target/quarkus-app/quarkus-run.jar) run as its own process, exactly as the
 * container runs it: it loads the libdpudp.so bundled in its jar (no override), serves HTTP on a
 * free loopback port, and stops on SIGTERM.
 */
final class AgentProcess implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final Path log;
    private final int httpPort;

    private AgentProcess(Process process, Path log, int httpPort) {
        this.process = process;
        this.log = log;
        this.httpPort = httpPort;
    }

    /** Starts the agent with the given dpu.agent.* (and other) properties. */
    static AgentProcess start(Path workDir, Map<String, String> properties) throws IOException {
        Path jar = Path.of(System.getProperty("dpu.agent.jar", "target/quarkus-app/quarkus-run.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no packaged agent at " + jar + ": run `mvnw package`");
        }
        int port = freePort();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.add("-Dquarkus.http.port=" + port);
        command.add("-Dquarkus.http.host=127.0.0.1");
        properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add("-jar");
        command.add(jar.toAbsolutePath().toString());
        Path log = workDir.resolve("agent-" + port + ".log");
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        // The bundled library must be what loads: drop any override inherited from the build.
        builder.environment().remove("DPU_DATAPLANE_LIBRARY");
        return new AgentProcess(builder.start(), log, port);
    }

    /** The agent's process id (to look at its threads under /proc). */
    long pid() {
        return process.pid();
    }

    int httpPort() {
        return httpPort;
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** GET a path on the agent's HTTP port; returns status and body. */
    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The readiness check's data (generation, listener, conditions). */
    JsonNode readiness() throws IOException, InterruptedException {
        HttpResponse<String> response = get("/q/health/ready");
        JsonNode body = JSON.readTree(response.body());
        return body.path("checks").path(0).path("data");
    }

    /** Waits until the readiness data satisfies the predicate; fails with the agent's log if not. */
    JsonNode awaitReadiness(String what, Predicate<JsonNode> condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError(
                        "agent exited with " + process.exitValue() + " while waiting for " + what + "\n" + log());
            }
            try {
                last = readiness();
                if (condition.test(last)) {
                    return last;
                }
            } catch (IOException e) {
                // HTTP not up yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; last " + "readiness data "
                + last + "\n" + log());
    }

    JsonNode awaitGeneration(long generation) throws InterruptedException {
        return awaitReadiness(
                "generation " + generation, d -> d.path("generation").asLong() == generation, Duration.ofSeconds(30));
    }

    /**
     * SIGTERM, then waits for the graceful exit: status 143 is the JVM ending through its shutdown
     * hooks on SIGTERM (the drain ran); anything else (137 = killed) fails.
     */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(40, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("agent did not exit within 40 s of SIGTERM\n" + log());
        }
        if (process.exitValue() != 143) {
            throw new AssertionError("agent exited with " + process.exitValue() + " on SIGTERM\n" + log());
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(40, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    /** Ports this test JVM has handed out: a closed probe socket's port is free again at once. */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    /**
     * A free loopback port not handed out before in this JVM. The kernel may give the port of a
     * probe socket just closed to the next probe, so a test asking for the data path's port and
     * then starting an agent (whose HTTP port comes from here too) could get the same number twice.
     */
    static int freePort() throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            try (ServerSocket socket = new ServerSocket(0)) {
                if (HANDED_OUT.add(socket.getLocalPort())) {
                    return socket.getLocalPort();
                }
            }
        }
        throw new IOException("no free port that this test run has not used already, after 100 tries");
    }
}

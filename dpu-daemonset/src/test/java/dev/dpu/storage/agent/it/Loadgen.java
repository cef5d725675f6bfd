package dev.dpu.storage.agent.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The project's NVMe/TCP load generator (dataplane/build/dpu-loadgen) as a real host. */
final class Loadgen {

    private final Process process;
    private final Path json;
    private final Path log;

    private Loadgen(Process process, Path json, Path log) {
        this.process = process;
        this.json = json;
        this.log = log;
    }

    /** Starts a run; extra are further flags such as --duration-s 8 or --ops 500. */
    static Loadgen start(Path dir, String name, int port, String nqn, String hostNqn, int nsid, String... extra)
            throws IOException {
        Path bin = Path.of(System.getProperty("dpu.dataplane.bin", "../dataplane/build"), "dpu-loadgen");
        if (!Files.isExecutable(bin)) {
            throw new IllegalStateException("no load generator at " + bin + ": `make -C dataplane all`");
        }
        Path json = dir.resolve(name + ".json");
        Path log = dir.resolve(name + ".log");
        List<String> command = new ArrayList<>(List.of(
                bin.toString(),
                "--address",
                "127.0.0.1",
                "--port",
                Integer.toString(port),
                "--nqn",
                nqn,
                "--hostnqn",
                hostNqn,
                "--nsid",
                Integer.toString(nsid),
                "--json",
                json.toString(),
                "--interval-ms",
                "500"));
        command.addAll(List.of(extra));
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        return new Loadgen(p, json, log);
    }

    /** As {@link #start}, with the flags as one space-separated string: {@code "--rw randread --ops 10"}. */
    static Loadgen startWithFlags(Path dir, String name, int port, String nqn, String hostNqn, int nsid, String flags)
            throws IOException {
        return start(dir, name, port, nqn, hostNqn, nsid, flags.split(" "));
    }

    /** Waits for the run to end; returns its exit code (0 = no I/O error). */
    int await(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("load generator still running after " + seconds + " s\n" + log());
        }
        return process.exitValue();
    }

    JsonNode summary() throws IOException {
        return new ObjectMapper().readTree(json.toFile());
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log)";
        }
    }
}

package dev.dpu.storage.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pool's AES-256-XTS key, mounted from a Secret as a file, reaches the data path: data written
 * through an encrypted namespace reads back intact, is not plaintext on the backing file (an agent
 * without the key reads garbage), and survives a restart with the key.
 */
class EncryptedNamespaceIT {

    private static final String HOST = PoolConfig.BLUE_HOST;
    private static final String NQN = "nqn.2024-01.dev.dpu:storage.pool-enc.tenant-blue";
    private static final int BLOCKS = 1024;

    @TempDir
    Path dir;

    @Test
    void writtenDataIsEncryptedAtRestAndReadableOnlyWithTheKey() throws Exception {
        Path backing = dir.resolve("vol.img");
        Path key = dir.resolve("keys/pool-enc-xts-key/key");
        Files.createDirectories(key.getParent());
        byte[] raw = new byte[64];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (byte) (31 * i + 7);
        }
        // As kubelet mounts a Secret made with `head -c 64 /dev/urandom > key`: the 64 raw bytes.
        Files.write(key, raw);

        // 1. With the key: write a known pattern, read it back intact.
        int port = AgentProcess.freePort();
        try (AgentProcess agent = start(port, backing, key)) {
            agent.awaitGeneration(1);
            assertThat(run("write", port, "--rw", "write", "--verify")).isZero();
            assertThat(run("read-back", port, "--rw", "read", "--verify")).isZero();
            // The encryption work is measured: every block written was encrypted, every block read
            // decrypted, and the reactor that did it was busy for part of the time.
            String metrics = agent.get("/q/metrics").body();
            assertThat(sample(metrics, "dpu_dataplane_xts_bytes_total{"))
                    .as("bytes through AES-XTS")
                    .isEqualTo(2.0 * BLOCKS * 4096);
            assertThat(sample(metrics, "dpu_dataplane_reactor_busy_seconds_total{"))
                    .isPositive();
            assertThat(sample(metrics, "dpu_dataplane_reactor_idle_seconds_total{"))
                    .isPositive();
            agent.stop();
        }

        // 2. Without the key, the same blocks do not read back as the pattern: they are ciphertext.
        try (AgentProcess agent = start(port, backing, null)) {
            agent.awaitGeneration(1);
            assertThat(run("read-without-key", port, "--rw", "read", "--verify"))
                    .as("plaintext must not be on the backing file")
                    .isNotZero();
            agent.stop();
        }

        // 3. With the key again, after a restart: intact.
        try (AgentProcess agent = start(port, backing, key)) {
            agent.awaitGeneration(1);
            assertThat(run("read-after-restart", port, "--rw", "read", "--verify"))
                    .isZero();
            agent.stop();
        }
    }

    /** The value of the first sample whose line starts with the prefix. */
    private static double sample(String metrics, String prefix) {
        return metrics.lines()
                .filter(line -> line.startsWith(prefix))
                .map(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + prefix + " in the scrape:\n" + metrics));
    }

    private AgentProcess start(int port, Path backing, Path key) throws Exception {
        String encryption = key == null
                ? "null"
                : "{\"algorithm\":\"AES-256-XTS\",\"keySecret\":\"pool-enc-xts-key\",\"keyFile\":\"" + key + "\"}";
        String json =
                """
        {"pool":"pool-enc","listen":{"address":"127.0.0.1","port":%d},
         "offload":{"mode":"ZeroCopy","fallback":"Degrade","encryption":%s},
         "subsystems":[{"nqn":"%s","tenant":"tenant-blue","hosts":["%s"],
           "namespaces":[{"nsid":1,"backend":"file","path":"%s","sizeBytes":%d,"blockSize":4096}]}],
         "tenants":[]}
        """
                        .formatted(port, encryption, NQN, HOST, backing, BLOCKS * 4096L);
        Path config = dir.resolve(key == null ? "plain.json" : "encrypted.json");
        Files.writeString(config, json);
        return AgentProcess.start(dir, Map.of("dpu.agent.config-file", config.toString()));
    }

    private int run(String name, int port, String... mode) throws Exception {
        String[] args = new String[mode.length + 8];
        System.arraycopy(mode, 0, args, 0, mode.length);
        System.arraycopy(
                new String[] {"--ops", Integer.toString(BLOCKS), "--bs", "4096", "--qd", "4", "--seed", "42"},
                0,
                args,
                mode.length,
                8);
        Loadgen loadgen = Loadgen.start(dir, name, port, NQN, HOST, 1, args);
        int exit = loadgen.await(60);
        if (exit == 2) {
            throw new AssertionError("load generator could not run (" + name + "): " + loadgen.log());
        }
        return exit;
    }
}

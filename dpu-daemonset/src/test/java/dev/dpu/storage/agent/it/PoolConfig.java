package dev.dpu.storage.agent.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Writes dataplane.json documents shaped like the operator's rendering, for the ITs. */
final class PoolConfig {

    static final String BLUE_HOST = "nqn.2014-08.org.nvmexpress:uuid:b1b1b1b1-0000-4000-8000-000000000001";
    static final String RED_HOST = "nqn.2014-08.org.nvmexpress:uuid:5ed5ed5e-0000-4000-8000-000000000003";
    static final String GREEN_HOST = "nqn.2014-08.org.nvmexpress:uuid:96969696-0000-4000-8000-000000000002";

    record Ns(int nsid, String backend, long sizeBytes) {}

    record Sub(String tenant, String host, List<Ns> namespaces) {}

    record Tenant(String name, long totalIops) {}

    private final int port;
    private final List<Sub> subsystems = new ArrayList<>();
    private final List<Tenant> tenants = new ArrayList<>();
    private String encryption = "null";
    private int reactors = 2;
    private boolean requireHeaderDigest;

    PoolConfig(int port) {
        this.port = port;
    }

    /** Atomic replace, as kubelet and editors do: the agent's poller never sees half a file. */
    static void write(Path file, String json) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, json);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static String nqn(String tenant) {
        return "nqn.2024-01.dev.dpu:storage.pool-it." + tenant;
    }

    PoolConfig subsystem(String tenant, String host, Ns... namespaces) {
        subsystems.add(new Sub(tenant, host, List.of(namespaces)));
        return this;
    }

    PoolConfig tenant(String name, long totalIops) {
        tenants.add(new Tenant(name, totalIops));
        return this;
    }

    PoolConfig encryptionKeyFile(String secret, String keyFile) {
        encryption = "{\"algorithm\":\"AES-256-XTS\",\"keySecret\":\"" + secret + "\",\"keyFile\":\"" + keyFile + "\"}";
        return this;
    }

    PoolConfig reactors(int count) {
        reactors = count;
        return this;
    }

    PoolConfig requireHeaderDigest(boolean required) {
        requireHeaderDigest = required;
        return this;
    }

    /** Same document with a raw subsystem NQN (to write malformed ones on purpose). */
    String json(String nqnOverride) {
        String subs = subsystems.stream()
                .map(s ->
                        """
        {"nqn":"%s","tenant":"%s","allowAnyHost":false,"hosts":["%s"],"namespaces":[%s]}"""
                                .formatted(
                                        nqnOverride != null ? nqnOverride : nqn(s.tenant()),
                                        s.tenant(),
                                        s.host(),
                                        s.namespaces().stream()
                                                .map(n ->
                                                        """
                {"nsid":%d,"volume":"vol-%d","backend":"%s","sizeBytes":%d,"blockSize":512}"""
                                                                .formatted(
                                                                        n.nsid(), n.nsid(), n.backend(), n.sizeBytes()))
                                                .collect(Collectors.joining(","))))
                .collect(Collectors.joining(",\n    "));
        String ten = tenants.stream()
                .map(t -> """
        {"name":"%s","limits":{"totalIops":%d}}""".formatted(t.name(), t.totalIops()))
                .collect(Collectors.joining(","));
        return """
        {
          "pool": "pool-it",
          "listen": {"address": "127.0.0.1", "port": %d},
          "offload": {"mode": "ZeroCopy", "fallback": "Degrade",
            "requireHeaderDigest": %s, "requireDataDigest": false, "queues": 2, "queueDepth": 128,
            "inCapsuleDataBytes": 8192, "maxTransferBytes": 131072,
            "encryption": %s},
          "reactors": %d,
          "subsystems": [
            %s
          ],
          "tenants": [%s]
        }
        """
                .formatted(port, requireHeaderDigest, encryption, reactors, subs, ten);
    }

    String json() {
        return json(null);
    }
}

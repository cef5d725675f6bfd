package dev.dpu.storage.api.dataplane;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The data-path configuration of a pool: {@code dataplane.json} in the pool's ConfigMap, written by
 * the operator and read by the agent (and, as a documented superset, by the standalone
 * {@code dpu-target}). This record is the contract: both sides use it, its JSON Schema is generated
 * from it, and the fixtures in {@code operator/api/src/test/resources/dataplane-fixtures} are
 * accepted or refused alike by the Java reader and the C loader.
 *
 * <p>Absent optional fields take the defaults below, resolved here once: the operator writes every
 * field, a hand-written standalone file may leave them out.
 *
 * <p>{@code listen}, {@code reactors}, {@code reactorCpus}, {@code reactorPolling} and {@code offload} except its two
 * digest requirements are process-wide: a change needs a restart of the data path (the operator's
 * restart checksum covers exactly them, see {@link DataplaneContract#restartChecksum}). Everything
 * else is applied live.
 */
@JsonClassDescription("dataplane.json: the data-path configuration of one DpuStoragePool.")
@JsonPropertyOrder({
    "pool",
    "listen",
    "reactors",
    "reactorCpus",
    "reactorPolling",
    "offload",
    "hostNqn",
    "remotes",
    "subsystems",
    "tenants"
})
public record DataplaneConfig(
        @JsonPropertyDescription("Name of the DpuStoragePool; labels the agent's metrics. Optional.")
                @JsonInclude(JsonInclude.Include.NON_NULL)
                String pool,
        @JsonProperty(required = true) @JsonPropertyDescription("Where the NVMe/TCP target listens.") Listen listen,
        @JsonPropertyDescription("Data-path reactor threads (OffloadProfile spec.cores), 1..64. Default 1.")
                Integer reactors,
        @JsonPropertyDescription("CPU numbers the reactors are pinned to, one per reactor (OffloadProfile spec.cpus);"
                        + " empty: no pinning, the process's CPU set applies. Default empty.")
                List<Integer> reactorCpus,
        @JsonPropertyDescription("How the reactors wait for work (OffloadProfile spec.polling): Sleep (block until"
                        + " work arrives; idle costs ~0 CPU), BusyPoll (spin, never block; each reactor keeps its"
                        + " CPU 100% busy) or Adaptive (spin for 50 us after the last work, then block as Sleep"
                        + " does). Default Sleep.")
                // Left out while Sleep: a pool that does not busy-poll renders the same bytes as before it existed.
                @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = OmitSleep.class)
                String reactorPolling,
        @JsonPropertyDescription("How the data path moves I/O. Default: every field at its default.") Offload offload,
        @JsonPropertyDescription("Host NQN the data path connects to remotes with; absent: the agent uses the"
                        + " node's default. Optional.")
                @JsonInclude(JsonInclude.Include.NON_NULL)
                String hostNqn,
        @JsonPropertyDescription("Remote NVMe/TCP targets that nvme-tcp namespaces live on. Default empty.")
                // Left out when empty: a pool without remotes renders the same bytes as before they existed.
                @JsonInclude(JsonInclude.Include.NON_EMPTY)
                List<RemoteSpec> remotes,
        @JsonPropertyDescription("One NVMe subsystem per tenant of the pool. Default empty.")
                List<SubsystemSpec> subsystems,
        @JsonPropertyDescription(
                        "QoS limits of tenants; a tenant named by a subsystem but not listed is unlimited. Default empty.")
                List<TenantSpec> tenants) {

    public static final int DEFAULT_REACTORS = 1;
    public static final int MAX_REACTORS = 64;
    public static final String SLEEP = "Sleep";
    public static final String BUSY_POLL = "BusyPoll";
    public static final String ADAPTIVE = "Adaptive";
    /** Every reactorPolling value, in the engine's order (DPD_POLLING_*). */
    public static final List<String> POLLING_MODES = List.of(SLEEP, BUSY_POLL, ADAPTIVE);

    public DataplaneConfig {
        reactors = Objects.requireNonNullElse(reactors, DEFAULT_REACTORS);
        reactorCpus = reactorCpus == null ? List.of() : List.copyOf(reactorCpus);
        reactorPolling = Objects.requireNonNullElse(reactorPolling, SLEEP);
        offload = Objects.requireNonNullElse(offload, Offload.DEFAULTS);
        remotes = remotes == null ? List.of() : List.copyOf(remotes);
        subsystems = subsystems == null ? List.of() : List.copyOf(subsystems);
        tenants = tenants == null ? List.of() : List.copyOf(tenants);
    }

    /** A configuration whose reactors sleep when idle (the default polling). */
    public DataplaneConfig(
            String pool,
            Listen listen,
            Integer reactors,
            List<Integer> reactorCpus,
            Offload offload,
            String hostNqn,
            List<RemoteSpec> remotes,
            List<SubsystemSpec> subsystems,
            List<TenantSpec> tenants) {
        this(pool, listen, reactors, reactorCpus, null, offload, hostNqn, remotes, subsystems, tenants);
    }

    /** A configuration without remotes (and without a host NQN for them). */
    public DataplaneConfig(
            String pool,
            Listen listen,
            Integer reactors,
            List<Integer> reactorCpus,
            Offload offload,
            List<SubsystemSpec> subsystems,
            List<TenantSpec> tenants) {
        this(pool, listen, reactors, reactorCpus, offload, null, List.of(), subsystems, tenants);
    }

    /** An empty configuration with these process-wide settings: what a fresh engine runs. */
    public DataplaneConfig emptied() {
        return new DataplaneConfig(
                pool, listen, reactors, reactorCpus, reactorPolling, offload, hostNqn, List.of(), List.of(), List.of());
    }

    /** Same process-wide settings and remotes, different subsystems and tenants. */
    public DataplaneConfig withContent(List<SubsystemSpec> newSubsystems, List<TenantSpec> newTenants) {
        return new DataplaneConfig(
                pool,
                listen,
                reactors,
                reactorCpus,
                reactorPolling,
                offload,
                hostNqn,
                remotes,
                newSubsystems,
                newTenants);
    }

    /** Same config with other remotes. */
    public DataplaneConfig withRemotes(List<RemoteSpec> newRemotes) {
        return new DataplaneConfig(
                pool, listen, reactors, reactorCpus, reactorPolling, offload, hostNqn, newRemotes, subsystems, tenants);
    }

    /** Same config with another host NQN for the remotes (the agent's per-node default). */
    public DataplaneConfig withHostNqn(String newHostNqn) {
        return new DataplaneConfig(
                pool, listen, reactors, reactorCpus, reactorPolling, offload, newHostNqn, remotes, subsystems, tenants);
    }

    /** The remote of that name, if listed. */
    public Optional<RemoteSpec> remote(String name) {
        return remotes.stream().filter(r -> r.name().equals(name)).findFirst();
    }

    /** The same config with other digest requirements (they apply live). */
    public DataplaneConfig withDigestRequirements(boolean header, boolean data) {
        DataplaneConfig.Offload o = offload;
        return new DataplaneConfig(
                pool,
                listen,
                reactors,
                reactorCpus,
                reactorPolling,
                new Offload(
                        o.mode,
                        o.fallback,
                        header,
                        data,
                        o.queues,
                        o.queueDepth,
                        o.inCapsuleDataBytes,
                        o.maxTransferBytes,
                        o.encryption),
                hostNqn,
                remotes,
                subsystems,
                tenants);
    }

    /** Same live content, other process-wide settings (those of the running engine). */
    public DataplaneConfig withProcessSettingsOf(DataplaneConfig running) {
        return new DataplaneConfig(
                pool,
                running.listen,
                running.reactors,
                running.reactorCpus,
                running.reactorPolling,
                offload.withDigestsOnly(running.offload),
                hostNqn,
                remotes,
                subsystems,
                tenants);
    }

    /**
     * Every tenant a subsystem names, with the tenants list's limits where it has an entry and
     * unlimited where not (the operator lists only tenants that have a TenantQoS).
     */
    @JsonIgnore
    public List<TenantSpec> tenantsWithImplicit() {
        Map<String, TenantSpec> all = new TreeMap<>();
        tenants.forEach(t -> all.put(t.name(), t));
        subsystems.stream()
                .map(SubsystemSpec::tenant)
                .filter(Objects::nonNull)
                .forEach(name -> all.putIfAbsent(name, new TenantSpec(name, TenantLimits.UNLIMITED)));
        return List.copyOf(all.values());
    }

    /** Jackson value filter (equal to what is left out): the default reactorPolling. */
    public static final class OmitSleep {
        @Override
        public boolean equals(Object other) {
            return SLEEP.equals(other);
        }

        @Override
        public int hashCode() {
            return SLEEP.hashCode();
        }
    }

    /** Where the NVMe/TCP target listens. */
    @JsonPropertyOrder({"address", "port"})
    public record Listen(
            @JsonProperty(required = true)
                    @JsonPropertyDescription("IPv4 or IPv6 address to bind; 0.0.0.0 for every address.")
                    String address,
            @JsonProperty(required = true)
                    @JsonPropertyDescription("TCP port, 0..65535; 0: a free port chosen at start (tests).")
                    int port) {}

    /**
     * How the data path moves I/O. {@code requireHeaderDigest} and {@code requireDataDigest} apply
     * live to new connections; the rest needs a restart.
     */
    @JsonPropertyOrder({
        "mode",
        "fallback",
        "requireHeaderDigest",
        "requireDataDigest",
        "queues",
        "queueDepth",
        "inCapsuleDataBytes",
        "maxTransferBytes",
        "encryption"
    })
    public record Offload(
            @JsonPropertyDescription("NonOffload, ZeroCopy or FullOffload. Default ZeroCopy.") String mode,
            @JsonPropertyDescription(
                            "A node that cannot run the mode: Degrade (next lower mode) or Fail. Default Degrade.")
                    String fallback,
            @JsonPropertyDescription(
                            "Refuse a connection whose host did not enable CRC32C header digests. Default false.")
                    Boolean requireHeaderDigest,
            @JsonPropertyDescription(
                            "Refuse a connection whose host did not enable CRC32C data digests. Default false.")
                    Boolean requireDataDigest,
            @JsonPropertyDescription("I/O queues granted per controller, 1..64. Default 4.") Integer queues,
            @JsonPropertyDescription("Entries per I/O queue, 16..1024. Default 128.") Integer queueDepth,
            @JsonPropertyDescription("In-capsule write data per command, 0..65536, a multiple of 16. Default 8192.")
                    Integer inCapsuleDataBytes,
            @JsonPropertyDescription("Largest transfer (MDTS), a power of two 4096..1048576. Default 131072.")
                    Integer maxTransferBytes,
            @JsonPropertyDescription("Inline AES-256-XTS encryption of every namespace; absent: none.")
                    @JsonInclude(JsonInclude.Include.NON_NULL)
                    Encryption encryption) {

        public static final String NON_OFFLOAD = "NonOffload";
        public static final String ZERO_COPY = "ZeroCopy";
        public static final String FULL_OFFLOAD = "FullOffload";
        public static final String DEGRADE = "Degrade";
        public static final String FAIL = "Fail";

        public static final Offload DEFAULTS = new Offload(null, null, null, null, null, null, null, null, null);

        public Offload {
            mode = Objects.requireNonNullElse(mode, ZERO_COPY);
            fallback = Objects.requireNonNullElse(fallback, DEGRADE);
            requireHeaderDigest = Objects.requireNonNullElse(requireHeaderDigest, false);
            requireDataDigest = Objects.requireNonNullElse(requireDataDigest, false);
            queues = Objects.requireNonNullElse(queues, 4);
            queueDepth = Objects.requireNonNullElse(queueDepth, 128);
            inCapsuleDataBytes = Objects.requireNonNullElse(inCapsuleDataBytes, 8192);
            maxTransferBytes = Objects.requireNonNullElse(maxTransferBytes, 131072);
        }

        /** These settings with the digest requirements of {@code other} (the live part). */
        Offload withDigestsOnly(Offload other) {
            return new Offload(
                    other.mode,
                    other.fallback,
                    requireHeaderDigest,
                    requireDataDigest,
                    other.queues,
                    other.queueDepth,
                    other.inCapsuleDataBytes,
                    other.maxTransferBytes,
                    other.encryption);
        }

        /** The same settings without the live digest requirements: what needs a restart. */
        @JsonIgnore
        public Offload restartRelevant() {
            return new Offload(
                    mode, fallback, false, false, queues, queueDepth, inCapsuleDataBytes, maxTransferBytes, encryption);
        }
    }

    /** Inline AES-256-XTS; the key file holds the key in the format {@link XtsKey} accepts. */
    @JsonPropertyOrder({"algorithm", "keySecret", "keyFile"})
    public record Encryption(
            @JsonPropertyDescription("Cipher; only AES-256-XTS. Default AES-256-XTS.") String algorithm,
            @JsonPropertyDescription("Name of the Secret the key comes from, for messages. Optional.")
                    @JsonInclude(JsonInclude.Include.NON_NULL)
                    String keySecret,
            @JsonProperty(required = true)
                    @JsonPropertyDescription("Absolute path of the key file: " + XtsKey.FORMAT + ".")
                    String keyFile) {

        public static final String AES_256_XTS = "AES-256-XTS";

        public Encryption {
            algorithm = Objects.requireNonNullElse(algorithm, AES_256_XTS);
        }
    }
}

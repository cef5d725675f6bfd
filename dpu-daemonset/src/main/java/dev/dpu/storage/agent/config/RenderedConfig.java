package dev.dpu.storage.agent.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.dpu.storage.dataplane.ffm.QosLimits;
import java.util.List;

/**
 * The data-path configuration the operator renders into the {@code <pool>-dataplane} ConfigMap
 * (key {@code dataplane.json}); standalone, the same JSON read from a file. Shape: see
 * docs/agent.md. Immutable; lists are never null after {@link ConfigParser} built it.
 *
 * <p>{@code listen}, {@code offload} (except its two digest requirements), {@code reactors},
 * {@code reactorCpus} and {@code keepAliveTimeoutMs} are fixed for the life of the process (a change
 * rolls the pod through the DaemonSet's checksum annotation); everything else is applied live.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record RenderedConfig(
    String pool,
    String namespace,
    Listen listen,
    Offload offload,
    Integer reactors,
    List<Integer> reactorCpus,
    Long keepAliveTimeoutMs,
    List<SubsystemSpec> subsystems,
    List<TenantSpec> tenants) {

  public RenderedConfig {
    reactorCpus = reactorCpus == null ? List.of() : List.copyOf(reactorCpus);
    subsystems = subsystems == null ? List.of() : List.copyOf(subsystems);
    tenants = tenants == null ? List.of() : List.copyOf(tenants);
  }

  /** Same process-wide settings, different live content (used while applying step by step). */
  public RenderedConfig withContent(List<SubsystemSpec> newSubsystems, List<TenantSpec> newTenants) {
    return new RenderedConfig(pool, namespace, listen, offload, reactors, reactorCpus,
        keepAliveTimeoutMs, newSubsystems, newTenants);
  }

  /**
   * Every tenant a subsystem names, with the tenants list's limits where it has an entry and
   * unlimited where not (the operator lists only tenants whose TenantQoS sets limits).
   */
  public RenderedConfig withImplicitTenants() {
    java.util.Map<String, TenantSpec> all = new java.util.TreeMap<>();
    tenants.forEach(t -> all.put(t.name(), t));
    subsystems.stream()
        .map(SubsystemSpec::tenant)
        .filter(java.util.Objects::nonNull)
        .forEach(name -> all.putIfAbsent(name, new TenantSpec(name, QosLimits.UNLIMITED)));
    return withContent(subsystems, List.copyOf(all.values()));
  }

  public int reactorsOrDefault() {
    return reactors == null ? 2 : reactors;
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Listen(String address, int port) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Offload(
      String profile,
      String mode,
      String fallback,
      boolean requireHeaderDigest,
      boolean requireDataDigest,
      int queues,
      int queueDepth,
      int inCapsuleDataBytes,
      long maxTransferBytes,
      int cores,
      Encryption encryption) {

    /** What a standalone config without an offload section runs: the cheapest honest mode. */
    public static Offload defaults() {
      return new Offload(null, "ZeroCopy", "Degrade", false, false, 0, 0, 0, 0, 0, null);
    }

    /**
     * These settings without the two digest requirements, which apply live to new connections
     * (everything else here needs a restart).
     */
    public Offload restartRelevant() {
      return new Offload(profile, mode, fallback, false, false, queues, queueDepth,
          inCapsuleDataBytes, maxTransferBytes, cores, encryption);
    }
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Encryption(String algorithm, String keySecret, String keyFile) {}
}

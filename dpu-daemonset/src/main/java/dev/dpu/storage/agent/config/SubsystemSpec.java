package dev.dpu.storage.agent.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;
import java.util.Optional;

/** One NVMe subsystem (one per tenant in a rendered pool config). */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SubsystemSpec(
    String nqn,
    String tenant,
    String serial,
    String model,
    boolean allowAnyHost,
    List<String> hosts,
    List<NamespaceSpec> namespaces) {

  public SubsystemSpec {
    hosts = hosts == null ? List.of() : List.copyOf(hosts);
    namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
  }

  public Optional<NamespaceSpec> namespace(int nsid) {
    return namespaces.stream().filter(ns -> ns.nsid() == nsid).findFirst();
  }

  /**
   * True when the subsystem object itself differs (identity, tenant, serial, model): such a change
   * cannot be made in place and means remove + add, dropping the subsystem's connections. Hosts,
   * allowAnyHost and namespaces change in place.
   */
  public boolean sameIdentity(SubsystemSpec other) {
    return nqn.equals(other.nqn)
        && java.util.Objects.equals(tenant, other.tenant)
        && java.util.Objects.equals(serial, other.serial)
        && java.util.Objects.equals(model, other.model);
  }

  /**
   * The subsystem closed to every host and without namespaces: what an add creates before it is
   * filled and then opened.
   */
  public SubsystemSpec shell() {
    return new SubsystemSpec(nqn, tenant, serial, model, false, List.of(), List.of());
  }
}

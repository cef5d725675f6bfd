package dev.dpu.storage.api.dataplane;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** One NVMe subsystem of dataplane.json (one per tenant of a pool). */
@JsonPropertyOrder({"nqn", "tenant", "allowAnyHost", "hosts", "namespaces"})
public record SubsystemSpec(
        @JsonProperty(required = true)
                @JsonPropertyDescription("Subsystem NQN (nqn.yyyy-mm.reverse.domain[:name], at most 223 bytes);"
                        + " the operator names it " + DataplaneContract.NQN_PREFIX + "<pool>.<tenant>.")
                String nqn,
        @JsonPropertyDescription("Tenant whose QoS limits I/O to this subsystem is charged to. Optional.")
                @JsonInclude(JsonInclude.Include.NON_NULL)
                String tenant,
        @JsonPropertyDescription("Any host may connect (no allow-list). Default false.") Boolean allowAnyHost,
        @JsonPropertyDescription("Host NQNs allowed to connect. Default empty.") List<String> hosts,
        @JsonPropertyDescription("Namespaces (volumes) of the subsystem. Default empty.")
                List<NamespaceSpec> namespaces) {

    public SubsystemSpec {
        allowAnyHost = Objects.requireNonNullElse(allowAnyHost, false);
        hosts = hosts == null ? List.of() : List.copyOf(hosts);
        namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
    }

    public Optional<NamespaceSpec> namespace(int nsid) {
        return namespaces.stream().filter(ns -> ns.nsid() == nsid).findFirst();
    }

    /**
     * True when the subsystem object itself is the same (NQN and tenant); a different one cannot be
     * changed in place and means remove + add. Hosts, allowAnyHost and namespaces change in place.
     */
    public boolean sameIdentity(SubsystemSpec other) {
        return nqn.equals(other.nqn) && Objects.equals(tenant, other.tenant);
    }

    /** The subsystem closed to every host and without namespaces: what an add creates first. */
    public SubsystemSpec shell() {
        return new SubsystemSpec(nqn, tenant, false, List.of(), List.of());
    }

    /** The same subsystem charged to no tenant. */
    public SubsystemSpec withoutTenant() {
        return new SubsystemSpec(nqn, null, allowAnyHost, hosts, namespaces);
    }
}

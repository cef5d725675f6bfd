package dev.dpu.storage.api.dataplane;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/** A tenant and its QoS limits, enforced on each node by the data path's token buckets. */
@JsonPropertyOrder({"name", "limits"})
public record TenantSpec(
        @JsonProperty(required = true) @JsonPropertyDescription("Tenant name (the TenantQoS name).") String name,
        @JsonPropertyDescription("Limits; absent: unlimited.") TenantLimits limits) {

    public TenantSpec {
        limits = Objects.requireNonNullElse(limits, TenantLimits.UNLIMITED);
    }
}

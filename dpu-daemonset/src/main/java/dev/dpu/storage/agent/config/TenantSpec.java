package dev.dpu.storage.agent.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.dpu.storage.dataplane.ffm.QosLimits;

/**
 * A tenant and its QoS limits, enforced on this node by the data path's token buckets. The
 * limits are the binding's own record: the rendered JSON names the same eight fields.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TenantSpec(String name, QosLimits limits) {

  public TenantSpec {
    limits = limits == null ? QosLimits.UNLIMITED : limits;
  }
}

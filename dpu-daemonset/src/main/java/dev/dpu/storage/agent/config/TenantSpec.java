package dev.dpu.storage.agent.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** A tenant and its QoS limits, enforced on this node by the data path's token buckets. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TenantSpec(String name, QosLimits limits) {

  public TenantSpec {
    limits = limits == null ? QosLimits.UNLIMITED : limits;
  }

  /** Limits per second; 0 means unlimited. Bursts are bucket depths (0 = one second's worth). */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record QosLimits(
      long readIops,
      long writeIops,
      long totalIops,
      long readBytesPerSecond,
      long writeBytesPerSecond,
      long totalBytesPerSecond,
      long burstIops,
      long burstBytes) {

    public static final QosLimits UNLIMITED = new QosLimits(0, 0, 0, 0, 0, 0, 0, 0);
  }
}

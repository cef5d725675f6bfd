package dev.dpu.storage.agent.dataplane;

import dev.dpu.storage.agent.config.ConfigException;
import java.util.List;

/**
 * The offload mode a node actually runs: the profile's mode if this node can do it, otherwise
 * the profile's fallback - Degrade steps down (FullOffload -> ZeroCopy -> NonOffload), Fail refuses
 * the configuration. NonOffload and ZeroCopy are done in software and always possible;
 * FullOffload needs an offload provider on the node.
 */
public final class OffloadModes {

  public static final String NON_OFFLOAD = "NonOffload";
  public static final String ZERO_COPY = "ZeroCopy";
  public static final String FULL_OFFLOAD = "FullOffload";

  private OffloadModes() {}

  public static String effective(String requested, String fallback, NodeCapabilities node)
      throws ConfigException {
    String mode = requested == null ? ZERO_COPY : requested;
    if (!mode.equals(FULL_OFFLOAD) || !node.offloadProviders().isEmpty()) {
      return mode;
    }
    if ("Fail".equals(fallback)) {
      throw new ConfigException("OffloadUnavailable", List.of("offload.mode: FullOffload needs an "
          + "offload provider and this node has none; the profile's fallback is Fail"));
    }
    return ZERO_COPY;
  }
}

package dev.dpu.storage.agent.dataplane;

import dev.dpu.storage.agent.config.ConfigException;
import dev.dpu.storage.api.dataplane.DataplaneConfig;
import dev.dpu.storage.dataplane.ffm.Engine;
import java.util.List;

/**
 * What the loaded data path build can do, checked before anything is applied: a valid config
 * asking for something the build lacks is refused (or, for QoS, run unenforced and said so)
 * rather than failing half way.
 */
final class BuildSupport {

  private BuildSupport() {}

  static void checkOffered(DataplaneConfig config) throws ConfigException {
    if (config.offload().encryption() != null
        && !Engine.supportsEncryption()) {
      throw new ConfigException("UnsupportedFeature", List.of("offload.encryption: this data "
          + "path build cannot encrypt namespaces (no dpd_ns_set_key)"));
    }
  }

  static boolean qosEnforced(DataplaneConfig config) {
    return Engine.supportsTenants() || config.tenants().isEmpty();
  }

  /** The config as this build can run it: without tenants when it has no tenant API. */
  static DataplaneConfig forThisBuild(DataplaneConfig config) {
    if (Engine.supportsTenants()) {
      return config;
    }
    return config.withContent(config.subsystems().stream().map(s -> s.withoutTenant()).toList(),
        List.of());
  }
}

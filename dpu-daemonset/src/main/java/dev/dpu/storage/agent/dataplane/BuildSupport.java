package dev.dpu.storage.agent.dataplane;

import dev.dpu.storage.agent.config.ConfigException;
import dev.dpu.storage.agent.config.NamespaceSpec;
import dev.dpu.storage.agent.config.RenderedConfig;
import dev.dpu.storage.agent.config.SubsystemSpec;
import dev.dpu.storage.dataplane.ffm.Engine;
import java.util.ArrayList;
import java.util.List;

/**
 * What the loaded data path build can do, checked before anything is applied: a valid config
 * asking for something the build lacks is refused (or, for QoS, run unenforced and said so)
 * rather than failing half way.
 */
final class BuildSupport {

  private BuildSupport() {}

  static void checkOffered(RenderedConfig config) throws ConfigException {
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < config.subsystems().size(); i++) {
      List<NamespaceSpec> namespaces = config.subsystems().get(i).namespaces();
      for (int j = 0; j < namespaces.size(); j++) {
        if (NamespaceSpec.NVME_TCP.equals(namespaces.get(j).backend())) {
          problems.add("subsystems[" + i + "].namespaces[" + j + "].backend: nvmeTcp (remote "
              + "target) is not offered by this data path build");
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigException("UnsupportedBackend", problems);
    }
    if (config.offload() != null && config.offload().encryption() != null
        && !Engine.supportsEncryption()) {
      throw new ConfigException("UnsupportedFeature", List.of("offload.encryption: this data "
          + "path build cannot encrypt namespaces (no dpd_ns_set_key)"));
    }
  }

  static boolean qosEnforced(RenderedConfig config) {
    return Engine.supportsTenants() || config.tenants().isEmpty();
  }

  /** The config as this build can run it: without tenants when it has no tenant API. */
  static RenderedConfig forThisBuild(RenderedConfig config) {
    if (Engine.supportsTenants()) {
      return config;
    }
    List<SubsystemSpec> subsystems = config.subsystems().stream()
        .map(s -> new SubsystemSpec(s.nqn(), null, s.serial(), s.model(), s.allowAnyHost(),
            s.hosts(), s.namespaces()))
        .toList();
    return config.withContent(subsystems, List.of());
  }
}

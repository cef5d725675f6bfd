package dev.dpu.storage.agent.dataplane;

import dev.dpu.storage.agent.config.ConfigException;
import dev.dpu.storage.agent.config.ConfigOp;
import dev.dpu.storage.agent.config.NamespaceSpec;
import dev.dpu.storage.agent.config.RenderedConfig;
import dev.dpu.storage.agent.config.TenantSpec;
import dev.dpu.storage.dataplane.ffm.DataplaneException;
import dev.dpu.storage.dataplane.ffm.Engine;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Carries out one {@link ConfigOp} on the native engine. Failures surface as DataplaneException.
 *
 * <p>Tenants: the data path charges an I/O queue to the tenant owning a namespace of the
 * subsystem it connected to, so every namespace of a tenant's subsystem is added to that tenant
 * (before any host may connect, which ConfigDiff's order guarantees).
 */
final class OpExecutor {

  private final Engine engine;
  private final Optional<byte[]> key;

  /** @param key the pool's AES-256-XTS key (64 bytes) when the profile encrypts */
  OpExecutor(Engine engine, Optional<byte[]> key) {
    this.engine = engine;
    this.key = key;
  }

  /**
   * Refuses, before anything is applied, namespaces on a backend the data path does not have
   * yet: {@code nvmeTcp} (a remote target).
   */
  static void checkBackends(RenderedConfig config) throws ConfigException {
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < config.subsystems().size(); i++) {
      List<NamespaceSpec> namespaces = config.subsystems().get(i).namespaces();
      for (int j = 0; j < namespaces.size(); j++) {
        if (NamespaceSpec.NVME_TCP.equals(namespaces.get(j).backend())) {
          problems.add("subsystems[" + i + "].namespaces[" + j + "].backend: nvmeTcp (remote "
              + "target) is not offered by the data path yet");
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigException("UnsupportedBackend", problems);
    }
  }

  void execute(ConfigOp op) {
    switch (op) {
      case ConfigOp.RemoveNamespace remove -> {
        if (remove.tenant() != null) {
          ignoring("ENOENT", () -> engine.removeTenantNamespace(remove.tenant(),
              remove.subsystemNqn(), remove.nsid()));
        }
        engine.removeNamespace(remove.subsystemNqn(), remove.nsid());
      }
      case ConfigOp.RemoveHost remove -> engine.disallowHost(remove.subsystemNqn(), remove.hostNqn());
      case ConfigOp.SetAllowAnyHost set -> engine.allowAnyHost(set.subsystemNqn(), set.allowAnyHost());
      case ConfigOp.RemoveSubsystem remove -> engine.removeSubsystem(remove.nqn());
      case ConfigOp.SetTenant set -> {
        ignoring("EEXIST", () -> engine.addTenant(set.tenant().name()));
        engine.setTenantLimits(set.tenant().name(), set.tenant().limits());
      }
      case ConfigOp.AddSubsystem add ->
          engine.addSubsystem(add.subsystem().nqn(), add.subsystem().serial(), add.subsystem().model());
      case ConfigOp.AddHost add -> engine.allowHost(add.subsystemNqn(), add.hostNqn());
      case ConfigOp.AddNamespace add -> {
        addNamespace(add.subsystemNqn(), add.namespace());
        if (key.isPresent()) {
          engine.setNamespaceKey(add.subsystemNqn(), add.namespace().nsid(), key.get());
        }
        if (add.tenant() != null) {
          ignoring("EEXIST", () -> engine.addTenantNamespace(add.tenant(), add.subsystemNqn(),
              add.namespace().nsid()));
        }
      }
      case ConfigOp.RemoveTenant remove -> engine.removeTenant(remove.name());
    }
  }

  private void addNamespace(String nqn, NamespaceSpec ns) {
    switch (ns.backend()) {
      case NamespaceSpec.RAM -> engine.addRamNamespace(nqn, ns.nsid(), ns.sizeBytes(), ns.blockSize());
      case NamespaceSpec.FILE ->
          engine.addFileNamespace(nqn, ns.nsid(), ns.path(), ns.sizeBytes(), ns.blockSize());
      default -> throw new UnsupportedOperationException("backend " + ns.backend()
          + " is not offered by this data path build");
    }
  }

  /** Idempotent steps: "already there" (or "already gone") is the wanted state, not a failure. */
  private static void ignoring(String errno, Runnable step) {
    try {
      step.run();
    } catch (DataplaneException e) {
      if (!e.errnoName().equals(errno)) {
        throw e;
      }
    }
  }
}

package dev.dpu.storage.agent.dataplane;

import dev.dpu.storage.agent.config.ConfigOp;
import dev.dpu.storage.agent.config.NamespaceSpec;
import dev.dpu.storage.agent.config.TenantSpec;
import dev.dpu.storage.dataplane.ffm.Engine;
import dev.dpu.storage.dataplane.ffm.QosLimits;

/** Carries out one {@link ConfigOp} on the native engine. Failures surface as DataplaneException. */
final class OpExecutor {

  private final Engine engine;

  OpExecutor(Engine engine) {
    this.engine = engine;
  }

  void execute(ConfigOp op) {
    switch (op) {
      case ConfigOp.RemoveNamespace remove -> engine.removeNamespace(remove.subsystemNqn(), remove.nsid());
      case ConfigOp.RemoveHost remove -> engine.disallowHost(remove.subsystemNqn(), remove.hostNqn());
      case ConfigOp.SetAllowAnyHost set -> engine.allowAnyHost(set.subsystemNqn(), set.allowAnyHost());
      case ConfigOp.RemoveSubsystem remove -> engine.removeSubsystem(remove.nqn());
      case ConfigOp.SetTenant set -> engine.setTenant(set.tenant().name(), limits(set.tenant()));
      case ConfigOp.AddSubsystem add -> {
        engine.addSubsystem(add.subsystem().nqn(), add.subsystem().serial(), add.subsystem().model());
        if (add.subsystem().tenant() != null) {
          engine.setSubsystemTenant(add.subsystem().nqn(), add.subsystem().tenant());
        }
      }
      case ConfigOp.AddHost add -> engine.allowHost(add.subsystemNqn(), add.hostNqn());
      case ConfigOp.AddNamespace add -> addNamespace(add.subsystemNqn(), add.namespace());
      case ConfigOp.RemoveTenant remove -> engine.removeTenant(remove.name());
    }
  }

  static QosLimits limits(TenantSpec tenant) {
    TenantSpec.QosLimits l = tenant.limits();
    return new QosLimits(l.readIops(), l.writeIops(), l.totalIops(), l.readBytesPerSecond(),
        l.writeBytesPerSecond(), l.totalBytesPerSecond(), l.burstIops(), l.burstBytes());
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
}

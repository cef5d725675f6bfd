package dev.dpu.storage.agent.dataplane;

import dev.dpu.storage.agent.config.ConfigOp;
import dev.dpu.storage.api.dataplane.NamespaceSpec;
import dev.dpu.storage.api.dataplane.RemoteSpec;
import dev.dpu.storage.api.dataplane.TenantLimits;
import dev.dpu.storage.dataplane.ffm.DataplaneException;
import dev.dpu.storage.dataplane.ffm.Engine;
import dev.dpu.storage.dataplane.ffm.QosLimits;
import dev.dpu.storage.dataplane.ffm.RemoteTarget;
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

    void execute(ConfigOp op) {
        switch (op) {
            case ConfigOp.RemoveNamespace remove -> {
                if (remove.tenant() != null) {
                    ignoring(
                            "ENOENT",
                            () -> engine.removeTenantNamespace(remove.tenant(), remove.subsystemNqn(), remove.nsid()));
                }
                engine.removeNamespace(remove.subsystemNqn(), remove.nsid());
            }
            case ConfigOp.RemoveHost remove -> engine.disallowHost(remove.subsystemNqn(), remove.hostNqn());
            case ConfigOp.SetAllowAnyHost set -> engine.allowAnyHost(set.subsystemNqn(), set.allowAnyHost());
            case ConfigOp.RemoveSubsystem remove -> engine.removeSubsystem(remove.nqn());
            case ConfigOp.SetTenant set -> {
                ignoring("EEXIST", () -> engine.addTenant(set.tenant().name()));
                engine.setTenantLimits(set.tenant().name(), limits(set.tenant().limits()));
            }
            case ConfigOp.AddSubsystem add ->
                engine.addSubsystem(add.subsystem().nqn(), null, null);
            case ConfigOp.AddHost add -> engine.allowHost(add.subsystemNqn(), add.hostNqn());
            case ConfigOp.AddNamespace add -> {
                addNamespace(add.subsystemNqn(), add.namespace());
                if (key.isPresent()) {
                    engine.setNamespaceKey(add.subsystemNqn(), add.namespace().nsid(), key.get());
                }
                if (add.tenant() != null) {
                    ignoring(
                            "EEXIST",
                            () -> engine.addTenantNamespace(
                                    add.tenant(),
                                    add.subsystemNqn(),
                                    add.namespace().nsid()));
                }
            }
            // New connections only: established ones keep the digests they negotiated.
            case ConfigOp.RequireDigests require -> engine.setDigestPolicy(require.header(), require.data());
            case ConfigOp.RemoveTenant remove -> engine.removeTenant(remove.name());
            case ConfigOp.AddRemote add -> {
                RemoteSpec r = add.remote();
                engine.addRemote(new RemoteTarget(
                        r.name(),
                        r.address(),
                        r.port(),
                        r.subsystemNqn(),
                        add.hostNqn(),
                        r.headerDigest(),
                        r.dataDigest(),
                        r.ctrlLossTimeoutSeconds()));
            }
            case ConfigOp.RemoveRemote remove -> engine.removeRemote(remove.name());
        }
    }

    private void addNamespace(String nqn, NamespaceSpec ns) {
        switch (ns.backend()) {
            case NamespaceSpec.RAM -> engine.addRamNamespace(nqn, ns.nsid(), ns.sizeBytes(), ns.blockSize());
            case NamespaceSpec.FILE ->
                engine.addFileNamespace(nqn, ns.nsid(), ns.path(), ns.sizeBytes(), ns.blockSize());
            case NamespaceSpec.NVME_TCP ->
                engine.addRemoteNamespace(nqn, ns.nsid(), ns.remote(), ns.remoteNsid(), ns.sizeBytes(), ns.blockSize());
            default ->
                throw new UnsupportedOperationException(
                        "backend " + ns.backend() + " is not offered by this data path build");
        }
    }

    private static QosLimits limits(TenantLimits l) {
        return new QosLimits(
                l.readIops(),
                l.writeIops(),
                l.totalIops(),
                l.readBytesPerSecond(),
                l.writeBytesPerSecond(),
                l.totalBytesPerSecond(),
                l.burstIops(),
                l.burstBytes());
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

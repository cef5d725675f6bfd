package dev.dpu.storage.agent.config;

import dev.dpu.storage.api.dataplane.DataplaneConfig;
import dev.dpu.storage.api.dataplane.SubsystemSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The operations that undo a prefix of an apply that failed part way, so a config is refused whole
 * and the previous one keeps running. Pure: computed from the operations that succeeded and the
 * config that was running before them.
 */
public final class ConfigRollback {

    private ConfigRollback() {}

    /** Inverse operations of {@code done}, last first. */
    public static List<ConfigOp> undo(List<ConfigOp> done, DataplaneConfig before) {
        List<ConfigOp> undo = new ArrayList<>();
        for (int i = done.size() - 1; i >= 0; i--) {
            undo.addAll(inverse(done.get(i), before));
        }
        return List.copyOf(undo);
    }

    static List<ConfigOp> inverse(ConfigOp op, DataplaneConfig before) {
        return switch (op) {
            case ConfigOp.AddSubsystem add ->
                List.of(new ConfigOp.RemoveSubsystem(add.subsystem().nqn()));
            case ConfigOp.AddNamespace add ->
                List.of(new ConfigOp.RemoveNamespace(
                        add.subsystemNqn(), add.tenant(), add.namespace().nsid()));
            case ConfigOp.AddHost add -> List.of(new ConfigOp.RemoveHost(add.subsystemNqn(), add.hostNqn()));
            case ConfigOp.RemoveHost remove -> List.of(new ConfigOp.AddHost(remove.subsystemNqn(), remove.hostNqn()));
            case ConfigOp.SetAllowAnyHost set ->
                List.of(new ConfigOp.SetAllowAnyHost(set.subsystemNqn(), !set.allowAnyHost()));
            case ConfigOp.RemoveNamespace remove ->
                subsystem(before, remove.subsystemNqn())
                        .namespace(remove.nsid())
                        .<List<ConfigOp>>map(
                                ns -> List.of(new ConfigOp.AddNamespace(remove.subsystemNqn(), remove.tenant(), ns)))
                        .orElse(List.of());
            case ConfigOp.RemoveSubsystem remove -> {
                SubsystemSpec old = subsystem(before, remove.nqn());
                List<ConfigOp> recreate = new ArrayList<>();
                // Its namespaces come back through the inverses of the RemoveNamespace steps that
                // ConfigDiff puts before every RemoveSubsystem.
                recreate.add(new ConfigOp.AddSubsystem(old.shell()));
                if (old.allowAnyHost()) {
                    recreate.add(new ConfigOp.SetAllowAnyHost(old.nqn(), true));
                }
                old.hosts().forEach(h -> recreate.add(new ConfigOp.AddHost(old.nqn(), h)));
                yield recreate;
            }
            case ConfigOp.SetTenant set ->
                before.tenants().stream()
                        .filter(t -> t.name().equals(set.tenant().name()))
                        .findFirst()
                        .<List<ConfigOp>>map(old -> List.of(new ConfigOp.SetTenant(old)))
                        .orElse(List.of(new ConfigOp.RemoveTenant(set.tenant().name())));
            case ConfigOp.RequireDigests require ->
                List.of(new ConfigOp.RequireDigests(
                        before.offload().requireHeaderDigest(), before.offload().requireDataDigest()));
            case ConfigOp.AddRemote add ->
                List.of(new ConfigOp.RemoveRemote(add.remote().name()));
            // Its namespaces come back through the inverses of the RemoveNamespace steps before it.
            case ConfigOp.RemoveRemote remove ->
                before.remote(remove.name())
                        .<List<ConfigOp>>map(r -> List.of(new ConfigOp.AddRemote(r, before.hostNqn())))
                        .orElse(List.of());
            case ConfigOp.RemoveTenant remove ->
                before.tenants().stream()
                        .filter(t -> t.name().equals(remove.name()))
                        .<ConfigOp>map(ConfigOp.SetTenant::new)
                        .toList();
        };
    }

    private static SubsystemSpec subsystem(DataplaneConfig config, String nqn) {
        return config.subsystems().stream()
                .filter(s -> s.nqn().equals(nqn))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no subsystem " + nqn + " was running"));
    }
}

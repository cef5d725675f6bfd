package dev.dpu.storage.agent.config;

import static dev.dpu.storage.agent.config.Configs.HOST_A;
import static dev.dpu.storage.agent.config.Configs.config;
import static dev.dpu.storage.agent.config.Configs.nqn;
import static dev.dpu.storage.agent.config.Configs.ram;
import static dev.dpu.storage.agent.config.Configs.subsystem;
import static dev.dpu.storage.agent.config.Configs.tenant;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dpu.storage.api.dataplane.DataplaneConfig;
import dev.dpu.storage.api.dataplane.NamespaceSpec;
import dev.dpu.storage.api.dataplane.RemoteSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Remotes exist before the namespaces that live on them and go only after them; a remote that
 * changes (address, digests, timeout, or the node's host NQN) is replaced together with its
 * namespaces, and nothing else moves.
 */
class RemoteDiffTest {
    private static final String HOST_NQN = "nqn.2024-01.dev.dpu:dpu.node-1";
    private static final RemoteSpec ARRAY =
            new RemoteSpec("array-1", "192.0.2.10", 4420, "nqn.2024-01.dev.example:array-1", false, false, 600);
    private static final NamespaceSpec ON_ARRAY = NamespaceSpec.remote(3, "vol-3", "array-1", 7, 1 << 20, 512);
    private static final DataplaneConfig RUNNING = withRemotes(HOST_NQN, List.of(ARRAY), ON_ARRAY);

    private static DataplaneConfig withRemotes(String hostNqn, List<RemoteSpec> remotes, NamespaceSpec... extra) {
        List<NamespaceSpec> namespaces = new java.util.ArrayList<>(List.of(ram(1, 1 << 20)));
        namespaces.addAll(List.of(extra));
        return config(
                        List.of(subsystem("tenant-blue", List.of(HOST_A), namespaces.toArray(NamespaceSpec[]::new))),
                        List.of(tenant("tenant-blue", 0)))
                .withRemotes(remotes)
                .withHostNqn(hostNqn);
    }

    @Test
    void aRemoteIsAddedBeforeItsNamespaceAndRemovedAfterIt() {
        DataplaneConfig without = withRemotes(HOST_NQN, List.of());

        assertThat(ConfigDiff.between(without, RUNNING).operations())
                .containsExactly(
                        new ConfigOp.AddRemote(ARRAY, HOST_NQN),
                        new ConfigOp.AddNamespace(nqn("tenant-blue"), "tenant-blue", ON_ARRAY));
        assertThat(ConfigDiff.between(RUNNING, without).operations())
                .containsExactly(
                        new ConfigOp.RemoveNamespace(nqn("tenant-blue"), "tenant-blue", 3),
                        new ConfigOp.RemoveRemote("array-1"));
    }

    @Test
    void aChangedRemoteIsReplacedWithItsNamespacesOnly() {
        RemoteSpec slower =
                new RemoteSpec("array-1", "192.0.2.10", 4420, "nqn.2024-01.dev.example:array-1", true, false, 30);

        assertThat(ConfigDiff.between(RUNNING, withRemotes(HOST_NQN, List.of(slower), ON_ARRAY))
                        .operations())
                .containsExactly(
                        new ConfigOp.RemoveNamespace(nqn("tenant-blue"), "tenant-blue", 3),
                        new ConfigOp.RemoveRemote("array-1"),
                        new ConfigOp.AddRemote(slower, HOST_NQN),
                        new ConfigOp.AddNamespace(nqn("tenant-blue"), "tenant-blue", ON_ARRAY));
    }

    @Test
    void anotherHostNqnReconnectsEveryRemote() {
        String other = "nqn.2024-01.dev.example:rack-7";

        assertThat(ConfigDiff.between(RUNNING, withRemotes(other, List.of(ARRAY), ON_ARRAY))
                        .operations())
                .containsExactly(
                        new ConfigOp.RemoveNamespace(nqn("tenant-blue"), "tenant-blue", 3),
                        new ConfigOp.RemoveRemote("array-1"),
                        new ConfigOp.AddRemote(ARRAY, other),
                        new ConfigOp.AddNamespace(nqn("tenant-blue"), "tenant-blue", ON_ARRAY));
    }

    @Test
    void anUnchangedRemoteIsLeftAlone() {
        assertThat(ConfigDiff.between(RUNNING, RUNNING).operations()).isEmpty();
    }

    @Test
    void undoingARemovedRemoteBringsItBackBeforeItsNamespace() {
        List<ConfigOp> done =
                ConfigDiff.between(RUNNING, withRemotes(HOST_NQN, List.of())).operations();

        assertThat(ConfigRollback.undo(done, RUNNING))
                .containsExactly(
                        new ConfigOp.AddRemote(ARRAY, HOST_NQN),
                        new ConfigOp.AddNamespace(nqn("tenant-blue"), "tenant-blue", ON_ARRAY));
    }
}

package dev.dpu.storage.agent.config;

import static dev.dpu.storage.agent.config.Configs.HOST_A;
import static dev.dpu.storage.agent.config.Configs.HOST_B;
import static dev.dpu.storage.agent.config.Configs.config;
import static dev.dpu.storage.agent.config.Configs.nqn;
import static dev.dpu.storage.agent.config.Configs.ram;
import static dev.dpu.storage.agent.config.Configs.subsystem;
import static dev.dpu.storage.agent.config.Configs.tenant;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dpu.storage.api.dataplane.DataplaneConfig;
import dev.dpu.storage.api.dataplane.SubsystemSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigDiffTest {

    private static final SubsystemSpec BLUE =
            subsystem("tenant-blue", List.of(HOST_A), ram(1, 1 << 20), ram(2, 1 << 20));
    private static final SubsystemSpec GREEN = subsystem("tenant-green", List.of(HOST_B), ram(1, 1 << 20));
    private static final DataplaneConfig RUNNING =
            config(List.of(BLUE, GREEN), List.of(tenant("tenant-blue", 1000), tenant("tenant-green", 0)));

    @Test
    void firstApplyCreatesTenantsThenSubsystemsThenNamespacesThenHosts() {
        DataplaneConfig empty = config(List.of(), List.of());

        List<ConfigOp> ops = ConfigDiff.between(empty, config(List.of(BLUE), List.of(tenant("tenant-blue", 1000))))
                .operations();

        assertThat(ops)
                .containsExactly(
                        new ConfigOp.SetTenant(tenant("tenant-blue", 1000)),
                        new ConfigOp.AddSubsystem(BLUE.shell()),
                        new ConfigOp.AddNamespace(nqn("tenant-blue"), "tenant-blue", ram(1, 1 << 20)),
                        new ConfigOp.AddNamespace(nqn("tenant-blue"), "tenant-blue", ram(2, 1 << 20)),
                        new ConfigOp.AddHost(nqn("tenant-blue"), HOST_A));
    }

    @Test
    void identicalConfigIsNoChange() {
        assertThat(ConfigDiff.between(RUNNING, RUNNING).operations()).isEmpty();
    }

    @Test
    void qosChangeTouchesOnlyThatTenant() {
        DataplaneConfig wanted =
                config(RUNNING.subsystems(), List.of(tenant("tenant-blue", 500), tenant("tenant-green", 0)));

        assertThat(ConfigDiff.between(RUNNING, wanted).operations())
                .containsExactly(new ConfigOp.SetTenant(tenant("tenant-blue", 500)));
    }

    @Test
    void namespaceAddAndRemoveLeaveOtherSubsystemUntouched() {
        SubsystemSpec greenWithTwo = subsystem("tenant-green", List.of(HOST_B), ram(1, 1 << 20), ram(7, 4096));
        DataplaneConfig added = config(List.of(BLUE, greenWithTwo), RUNNING.tenants());

        assertThat(ConfigDiff.between(RUNNING, added).operations())
                .containsExactly(new ConfigOp.AddNamespace(nqn("tenant-green"), "tenant-green", ram(7, 4096)));
        assertThat(ConfigDiff.between(added, RUNNING).operations())
                .containsExactly(new ConfigOp.RemoveNamespace(nqn("tenant-green"), "tenant-green", 7));
    }

    @Test
    void changedNamespaceIsRemovedThenAddedAgain() {
        SubsystemSpec blueResized = subsystem("tenant-blue", List.of(HOST_A), ram(1, 1 << 20), ram(2, 2 << 20));
        DataplaneConfig wanted = config(List.of(blueResized, GREEN), RUNNING.tenants());

        assertThat(ConfigDiff.between(RUNNING, wanted).operations())
                .containsExactly(
                        new ConfigOp.RemoveNamespace(nqn("tenant-blue"), "tenant-blue", 2),
                        new ConfigOp.AddNamespace(nqn("tenant-blue"), "tenant-blue", ram(2, 2 << 20)));
    }

    @Test
    void hostSwapRevokesBeforeGranting() {
        SubsystemSpec blueOtherHost = subsystem("tenant-blue", List.of(HOST_B), ram(1, 1 << 20), ram(2, 1 << 20));
        DataplaneConfig wanted = config(List.of(blueOtherHost, GREEN), RUNNING.tenants());

        assertThat(ConfigDiff.between(RUNNING, wanted).operations())
                .containsExactly(
                        new ConfigOp.RemoveHost(nqn("tenant-blue"), HOST_A),
                        new ConfigOp.AddHost(nqn("tenant-blue"), HOST_B));
    }

    @Test
    void removedTenantGoesAfterItsSubsystem() {
        DataplaneConfig wanted = config(List.of(BLUE), List.of(tenant("tenant-blue", 1000)));

        assertThat(ConfigDiff.between(RUNNING, wanted).operations())
                .containsExactly(
                        new ConfigOp.RemoveNamespace(nqn("tenant-green"), "tenant-green", 1),
                        new ConfigOp.RemoveSubsystem(nqn("tenant-green")),
                        new ConfigOp.RemoveTenant("tenant-green"));
    }

    @Test
    void subsystemMovedToAnotherTenantIsRecreated() {
        SubsystemSpec greenOwnedByBlue =
                new SubsystemSpec(nqn("tenant-green"), "tenant-blue", false, List.of(HOST_B), List.of(ram(1, 1 << 20)));
        DataplaneConfig wanted = config(List.of(BLUE, greenOwnedByBlue), RUNNING.tenants());

        assertThat(ConfigDiff.between(RUNNING, wanted).operations())
                .containsExactly(
                        new ConfigOp.RemoveNamespace(nqn("tenant-green"), "tenant-green", 1),
                        new ConfigOp.RemoveSubsystem(nqn("tenant-green")),
                        new ConfigOp.AddSubsystem(greenOwnedByBlue.shell()),
                        new ConfigOp.AddNamespace(nqn("tenant-green"), "tenant-blue", ram(1, 1 << 20)),
                        new ConfigOp.AddHost(nqn("tenant-green"), HOST_B));
    }

    @Test
    void allowAnyHostNarrowsFirstAndWidensLast() {
        SubsystemSpec open = new SubsystemSpec(BLUE.nqn(), BLUE.tenant(), true, BLUE.hosts(), BLUE.namespaces());
        DataplaneConfig opened = config(List.of(open, GREEN), RUNNING.tenants());

        assertThat(ConfigDiff.between(RUNNING, opened).operations())
                .containsExactly(new ConfigOp.SetAllowAnyHost(BLUE.nqn(), true));
        assertThat(ConfigDiff.between(opened, RUNNING).operations())
                .containsExactly(new ConfigOp.SetAllowAnyHost(BLUE.nqn(), false));
    }

    @Test
    void processWideChangesAreReportedNotApplied() {
        DataplaneConfig.Offload o = RUNNING.offload();
        DataplaneConfig moved = new DataplaneConfig(
                "pool-a",
                new DataplaneConfig.Listen("127.0.0.1", 4421),
                4,
                List.of(0, 1, 2, 3),
                DataplaneConfig.BUSY_POLL,
                new DataplaneConfig.Offload(o.mode(), o.fallback(), null, null, 8, null, null, null, null),
                RUNNING.hostNqn(),
                RUNNING.remotes(),
                RUNNING.subsystems(),
                RUNNING.tenants());

        ConfigDiff.Result result = ConfigDiff.between(RUNNING, moved);

        assertThat(result.operations()).isEmpty();
        assertThat(result.restartNeeded())
                .containsExactly("listen", "reactors", "reactorCpus", "reactorPolling", "offload");
    }

    @Test
    void switchingBetweenAnyTwoPollingModesNeedsARestart() {
        for (String from : DataplaneConfig.POLLING_MODES) {
            for (String to : DataplaneConfig.POLLING_MODES) {
                ConfigDiff.Result result = ConfigDiff.between(withPolling(from), withPolling(to));
                assertThat(result.operations()).as(from + " to " + to).isEmpty();
                if (from.equals(to)) {
                    assertThat(result.restartNeeded()).as(from + " to " + to).isEmpty();
                } else {
                    assertThat(result.restartNeeded()).as(from + " to " + to).containsExactly("reactorPolling");
                }
            }
        }
    }

    private static DataplaneConfig withPolling(String polling) {
        return new DataplaneConfig(
                RUNNING.pool(),
                RUNNING.listen(),
                RUNNING.reactors(),
                RUNNING.reactorCpus(),
                polling,
                RUNNING.offload(),
                RUNNING.hostNqn(),
                RUNNING.remotes(),
                RUNNING.subsystems(),
                RUNNING.tenants());
    }

    @Test
    void requiredDigestsApplyLiveBeforeAnythingIsOpened() {
        DataplaneConfig strict = RUNNING.withDigestRequirements(true, false);

        ConfigDiff.Result result = ConfigDiff.between(RUNNING, strict);

        assertThat(result.restartNeeded()).isEmpty();
        assertThat(result.operations()).containsExactly(new ConfigOp.RequireDigests(true, false));
        assertThat(ConfigRollback.undo(result.operations(), RUNNING))
                .containsExactly(new ConfigOp.RequireDigests(false, false));
    }
}

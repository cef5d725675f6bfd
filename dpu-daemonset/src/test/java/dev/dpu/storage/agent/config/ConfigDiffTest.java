package dev.dpu.storage.agent.config;

import static dev.dpu.storage.agent.config.Configs.HOST_A;
import static dev.dpu.storage.agent.config.Configs.HOST_B;
import static dev.dpu.storage.agent.config.Configs.config;
import static dev.dpu.storage.agent.config.Configs.nqn;
import static dev.dpu.storage.agent.config.Configs.ram;
import static dev.dpu.storage.agent.config.Configs.subsystem;
import static dev.dpu.storage.agent.config.Configs.tenant;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigDiffTest {

  private static final SubsystemSpec BLUE =
      subsystem("tenant-blue", List.of(HOST_A), ram(1, 1 << 20), ram(2, 1 << 20));
  private static final SubsystemSpec GREEN = subsystem("tenant-green", List.of(HOST_B), ram(1, 1 << 20));
  private static final RenderedConfig RUNNING = config(List.of(BLUE, GREEN),
      List.of(tenant("tenant-blue", 1000), tenant("tenant-green", 0)));

  @Test
  void firstApplyCreatesTenantsThenSubsystemsThenNamespacesThenHosts() {
    RenderedConfig empty = config(List.of(), List.of());

    List<ConfigOp> ops = ConfigDiff.between(empty, config(List.of(BLUE), List.of(tenant("tenant-blue", 1000))))
        .operations();

    assertThat(ops).containsExactly(
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
    RenderedConfig wanted = config(RUNNING.subsystems(),
        List.of(tenant("tenant-blue", 500), tenant("tenant-green", 0)));

    assertThat(ConfigDiff.between(RUNNING, wanted).operations())
        .containsExactly(new ConfigOp.SetTenant(tenant("tenant-blue", 500)));
  }

  @Test
  void namespaceAddAndRemoveLeaveOtherSubsystemUntouched() {
    SubsystemSpec greenWithTwo = subsystem("tenant-green", List.of(HOST_B), ram(1, 1 << 20), ram(7, 4096));
    RenderedConfig added = config(List.of(BLUE, greenWithTwo), RUNNING.tenants());

    assertThat(ConfigDiff.between(RUNNING, added).operations())
        .containsExactly(new ConfigOp.AddNamespace(nqn("tenant-green"), "tenant-green", ram(7, 4096)));
    assertThat(ConfigDiff.between(added, RUNNING).operations())
        .containsExactly(new ConfigOp.RemoveNamespace(nqn("tenant-green"), "tenant-green", 7));
  }

  @Test
  void changedNamespaceIsRemovedThenAddedAgain() {
    SubsystemSpec blueResized = subsystem("tenant-blue", List.of(HOST_A), ram(1, 1 << 20), ram(2, 2 << 20));
    RenderedConfig wanted = config(List.of(blueResized, GREEN), RUNNING.tenants());

    assertThat(ConfigDiff.between(RUNNING, wanted).operations()).containsExactly(
        new ConfigOp.RemoveNamespace(nqn("tenant-blue"), "tenant-blue", 2),
        new ConfigOp.AddNamespace(nqn("tenant-blue"), "tenant-blue", ram(2, 2 << 20)));
  }

  @Test
  void hostSwapRevokesBeforeGranting() {
    SubsystemSpec blueOtherHost = subsystem("tenant-blue", List.of(HOST_B), ram(1, 1 << 20), ram(2, 1 << 20));
    RenderedConfig wanted = config(List.of(blueOtherHost, GREEN), RUNNING.tenants());

    assertThat(ConfigDiff.between(RUNNING, wanted).operations()).containsExactly(
        new ConfigOp.RemoveHost(nqn("tenant-blue"), HOST_A),
        new ConfigOp.AddHost(nqn("tenant-blue"), HOST_B));
  }

  @Test
  void removedTenantGoesAfterItsSubsystem() {
    RenderedConfig wanted = config(List.of(BLUE), List.of(tenant("tenant-blue", 1000)));

    assertThat(ConfigDiff.between(RUNNING, wanted).operations()).containsExactly(
        new ConfigOp.RemoveNamespace(nqn("tenant-green"), "tenant-green", 1),
        new ConfigOp.RemoveSubsystem(nqn("tenant-green")),
        new ConfigOp.RemoveTenant("tenant-green"));
  }

  @Test
  void subsystemMovedToAnotherTenantIsRecreated() {
    SubsystemSpec greenOwnedByBlue = new SubsystemSpec(nqn("tenant-green"), "tenant-blue", null, null,
        false, List.of(HOST_B), List.of(ram(1, 1 << 20)));
    RenderedConfig wanted = config(List.of(BLUE, greenOwnedByBlue), RUNNING.tenants());

    assertThat(ConfigDiff.between(RUNNING, wanted).operations()).containsExactly(
        new ConfigOp.RemoveNamespace(nqn("tenant-green"), "tenant-green", 1),
        new ConfigOp.RemoveSubsystem(nqn("tenant-green")),
        new ConfigOp.AddSubsystem(greenOwnedByBlue.shell()),
        new ConfigOp.AddNamespace(nqn("tenant-green"), "tenant-blue", ram(1, 1 << 20)),
        new ConfigOp.AddHost(nqn("tenant-green"), HOST_B));
  }

  @Test
  void allowAnyHostNarrowsFirstAndWidensLast() {
    SubsystemSpec open = new SubsystemSpec(BLUE.nqn(), BLUE.tenant(), null, null, true,
        BLUE.hosts(), BLUE.namespaces());
    RenderedConfig opened = config(List.of(open, GREEN), RUNNING.tenants());

    assertThat(ConfigDiff.between(RUNNING, opened).operations())
        .containsExactly(new ConfigOp.SetAllowAnyHost(BLUE.nqn(), true));
    assertThat(ConfigDiff.between(opened, RUNNING).operations())
        .containsExactly(new ConfigOp.SetAllowAnyHost(BLUE.nqn(), false));
  }

  @Test
  void processWideChangesAreReportedNotApplied() {
    RenderedConfig moved = new RenderedConfig("pool-a", "storage",
        new RenderedConfig.Listen("127.0.0.1", 4421), RUNNING.offload(), 4, List.of(0, 1), null,
        RUNNING.subsystems(), RUNNING.tenants());

    ConfigDiff.Result result = ConfigDiff.between(RUNNING, moved);

    assertThat(result.operations()).isEmpty();
    assertThat(result.restartNeeded()).containsExactly("listen", "reactors", "reactorCpus");
  }

  @Test
  void requiredDigestsAreLiveNotARestart() {
    RenderedConfig.Offload o = RUNNING.offload();
    RenderedConfig.Offload digests = new RenderedConfig.Offload(o.profile(), o.mode(), o.fallback(),
        true, true, o.queues(), o.queueDepth(), o.inCapsuleDataBytes(), o.maxTransferBytes(),
        o.cores(), o.encryption());
    RenderedConfig.Offload deeper = new RenderedConfig.Offload(o.profile(), o.mode(), o.fallback(),
        true, true, o.queues(), 256, o.inCapsuleDataBytes(), o.maxTransferBytes(), o.cores(),
        o.encryption());

    assertThat(ConfigDiff.between(RUNNING, withOffload(digests)).restartNeeded()).isEmpty();
    assertThat(ConfigDiff.between(RUNNING, withOffload(deeper)).restartNeeded())
        .containsExactly("offload");
  }

  private static RenderedConfig withOffload(RenderedConfig.Offload offload) {
    return new RenderedConfig(RUNNING.pool(), RUNNING.namespace(), RUNNING.listen(), offload,
        RUNNING.reactors(), RUNNING.reactorCpus(), RUNNING.keepAliveTimeoutMs(),
        RUNNING.subsystems(), RUNNING.tenants());
  }
}

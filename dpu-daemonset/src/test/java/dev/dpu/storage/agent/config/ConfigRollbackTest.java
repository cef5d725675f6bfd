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

class ConfigRollbackTest {

    private static final SubsystemSpec BLUE = subsystem("tenant-blue", List.of(HOST_A), ram(1, 4096));
    private static final DataplaneConfig BEFORE = config(List.of(BLUE), List.of(tenant("tenant-blue", 100)));

    @Test
    void undoingTheDoneStepsOfADiffLeadsBackToTheStart() {
        SubsystemSpec green = subsystem("tenant-green", List.of(HOST_B), ram(1, 4096));
        DataplaneConfig wanted = config(List.of(green), List.of(tenant("tenant-green", 5)));
        List<ConfigOp> ops = ConfigDiff.between(BEFORE, wanted).operations();
        // Pretend every step but the last succeeded.
        List<ConfigOp> done = ops.subList(0, ops.size() - 1);

        List<ConfigOp> undo = ConfigRollback.undo(done, BEFORE);

        assertThat(undo)
                .containsExactly(
                        new ConfigOp.RemoveHost(nqn("tenant-green"), HOST_B),
                        new ConfigOp.RemoveNamespace(nqn("tenant-green"), "tenant-green", 1),
                        new ConfigOp.RemoveSubsystem(nqn("tenant-green")),
                        new ConfigOp.RemoveTenant("tenant-green"),
                        new ConfigOp.AddSubsystem(BLUE.shell()),
                        new ConfigOp.AddHost(nqn("tenant-blue"), HOST_A),
                        new ConfigOp.AddNamespace(nqn("tenant-blue"), "tenant-blue", ram(1, 4096)));
    }

    @Test
    void changedLimitsGoBackToTheOldOnes() {
        assertThat(ConfigRollback.undo(List.of(new ConfigOp.SetTenant(tenant("tenant-blue", 1))), BEFORE))
                .containsExactly(new ConfigOp.SetTenant(tenant("tenant-blue", 100)));
    }
}

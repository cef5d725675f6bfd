package dev.dpu.storage.agent.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class AgentStatusTest {

    @Test
    void transitionTimeMovesOnlyWhenTheStatusChanges() {
        Instant earlier = Instant.parse("2026-01-01T00:00:00Z");
        AgentStatus status = new AgentStatus(
                1,
                "h",
                "",
                "",
                "",
                true,
                1,
                0,
                List.of(
                        new Condition("Ready", "True", "Serving", "serving generation 1", earlier),
                        new Condition("ConfigApplied", "True", "Applied", "generation 1 applied", earlier)),
                "",
                List.of());

        List<Condition> merged = status.mergeConditions(List.of(
                Condition.of("Ready", true, "Serving", "serving generation 2"),
                Condition.of("ConfigApplied", false, "InvalidConfig", "generation 3 refused"),
                Condition.of("Degraded", false, "AsRequested", "running as asked")));

        assertThat(merged).extracting(Condition::type).containsExactly("Ready", "ConfigApplied", "Degraded");
        assertThat(merged.get(0).lastTransitionTime()).as("Ready stayed True").isEqualTo(earlier);
        assertThat(merged.get(0).message()).isEqualTo("serving generation 2");
        assertThat(merged.get(1).lastTransitionTime())
                .as("ConfigApplied flipped")
                .isAfter(earlier);
        assertThat(merged.get(1).reason()).isEqualTo("InvalidConfig");
    }
}

package dev.dpu.storage.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConditionsTest {
    private static final Clock T1 = Clock.fixed(Instant.parse("2026-01-01T10:00:00Z"), ZoneOffset.UTC);
    private static final Clock T2 = Clock.fixed(Instant.parse("2026-01-01T11:30:00Z"), ZoneOffset.UTC);

    @Test
    void transitionTimeStaysWhileTheStatusStaysEvenIfTheMessageChanges() {
        List<Condition> first = new Conditions(List.of(), 1, T1)
                .reconciling("RollingOut", "1 of 3 nodes ready")
                .build();
        List<Condition> second = new Conditions(first, 2, T2)
                .reconciling("RollingOut", "2 of 3 nodes ready")
                .build();

        Condition ready = Conditions.find(second, Conditions.READY).orElseThrow();
        assertThat(ready.getLastTransitionTime()).isEqualTo("2026-01-01T10:00:00Z");
        assertThat(ready.getMessage()).isEqualTo("2 of 3 nodes ready");
        assertThat(ready.getObservedGeneration()).isEqualTo(2L);
    }

    @Test
    void transitionTimeMovesWhenTheStatusFlips() {
        List<Condition> first = new Conditions(List.of(), 1, T1)
                .stalled("OffloadProfileNotFound", "missing")
                .build();
        List<Condition> second =
                new Conditions(first, 1, T2).ready("Available", "all good").build();

        assertThat(Conditions.find(second, Conditions.READY).orElseThrow().getLastTransitionTime())
                .isEqualTo("2026-01-01T11:30:00Z");
        assertThat(Conditions.find(second, Conditions.STALLED).orElseThrow())
                .satisfies(c -> assertThat(c.getStatus()).isEqualTo("False"))
                .satisfies(c -> assertThat(c.getLastTransitionTime()).isEqualTo("2026-01-01T11:30:00Z"));
    }

    @Test
    void kstatusTriplesAreConsistentAndSortedByType() {
        assertThat(new Conditions(List.of(), 1, T1).stalled("X", "m").build())
                .extracting(Condition::getType, Condition::getStatus)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("Ready", "False"),
                        org.assertj.core.groups.Tuple.tuple("Reconciling", "False"),
                        org.assertj.core.groups.Tuple.tuple("Stalled", "True"));
        assertThat(new Conditions(List.of(), 1, T1).reconciling("X", "m").build())
                .extracting(Condition::getStatus)
                .containsExactly("False", "True", "False");
        assertThat(new Conditions(List.of(), 1, T1).ready("X", "m").build())
                .extracting(Condition::getStatus)
                .containsExactly("True", "False", "False");
    }
}

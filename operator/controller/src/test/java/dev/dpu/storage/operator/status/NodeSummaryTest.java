package dev.dpu.storage.operator.status;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatusBuilder;
import org.junit.jupiter.api.Test;

class NodeSummaryTest {
    private static final NodeSummary ALL_STATES_READY = new NodeSummary(2, 2, 2, "ZeroCopy");

    private static DaemonSetStatus pods(int scheduled, int ready) {
        return new DaemonSetStatusBuilder()
                .withDesiredNumberScheduled(scheduled)
                .withNumberReady(ready)
                .build();
    }

    @Test
    void aPodFailingItsReadinessProbeMakesItsNodeNotReadyAlthoughItsStateSaysReady() {
        NodeSummary s = ALL_STATES_READY.withAgentPods(pods(2, 1));
        assertEquals(1, s.ready());
        assertEquals(1, s.podsNotReady());
        assertEquals(2, s.upToDate());
    }

    @Test
    void allPodsReadyChangesNothing() {
        assertEquals(ALL_STATES_READY, ALL_STATES_READY.withAgentPods(pods(2, 2)));
    }

    @Test
    void withoutADaemonSetStatusTheNodeStatesAloneDecide() {
        assertEquals(ALL_STATES_READY, ALL_STATES_READY.withAgentPods(null));
        assertEquals(ALL_STATES_READY, ALL_STATES_READY.withAgentPods(new DaemonSetStatus()));
    }

    @Test
    void aNodeStateNotReadyIsNotCountedTwice() {
        NodeSummary s = new NodeSummary(2, 1, 2, "ZeroCopy").withAgentPods(pods(2, 1));
        assertEquals(1, s.ready());
        assertEquals(1, s.podsNotReady());
    }
}

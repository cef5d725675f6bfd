package dev.dpu.storage.operator.status;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dpu.storage.api.v1alpha1.DpuNodeState;
import dev.dpu.storage.api.v1alpha1.DpuNodeStateSpec;
import dev.dpu.storage.api.v1alpha1.DpuNodeStateStatus;
import dev.dpu.storage.api.v1alpha1.RemoteBackendStatus;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatusBuilder;
import java.util.List;
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

    private static DpuNodeState readyNode(String node, RemoteBackendStatus... remotes) {
        var state = new DpuNodeState();
        var spec = new DpuNodeStateSpec();
        spec.setNodeName(node);
        state.setSpec(spec);
        var status = new DpuNodeStateStatus();
        status.setConditions(List.of(new ConditionBuilder()
                .withType(Conditions.READY)
                .withStatus("True")
                .withReason("Serving")
                .build()));
        status.setRemoteBackends(List.of(remotes));
        state.setStatus(status);
        return state;
    }

    @Test
    void remoteBackendsCountPerNodeAndSayWhichFailedAndWhy() {
        var ok = new RemoteBackendStatus("array", "192.0.2.10:4420", RemoteBackendStatus.CONNECTED, "");
        var refused = new RemoteBackendStatus(
                "array", "192.0.2.10:4420", RemoteBackendStatus.FAILED, "the remote refused host nqn.x");
        var retrying = new RemoteBackendStatus(
                "array", "192.0.2.10:4420", RemoteBackendStatus.CONNECTING, "connection refused, retrying in 2 s");
        NodeSummary s = NodeSummary.of(
                List.of("n1", "n2", "n3", "n4"),
                List.of(readyNode("n1", ok), readyNode("n2", refused), readyNode("n3", retrying), readyNode("n4")),
                1L,
                "h");
        assertEquals(2, s.remotesConnected(), "n1 (all connected) and n4 (no remote backends)");
        assertEquals(List.of("n2: backend array (192.0.2.10:4420): the remote refused host nqn.x"), s.remoteFailed());
        assertEquals(
                List.of("n3: backend array (192.0.2.10:4420): connection refused, retrying in 2 s"),
                s.remoteConnecting());
    }
}

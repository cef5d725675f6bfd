package dev.dpu.storage.operator.status;

import dev.dpu.storage.api.v1alpha1.DpuNodeState;
import java.util.Collection;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the agents of a pool report, summed up: DpuNodeStates of served nodes only (a state
 * left behind by a node that left the pool does not count).
 */
public record NodeSummary(int desired, int ready, int upToDate, String effectiveOffloadMode) {
    public static final String MIXED = "Mixed";

    public static NodeSummary of(Collection<String> servedNodes, Collection<DpuNodeState> states, long configGeneration, String configHash) {
        Set<String> served = Set.copyOf(servedNodes);
        int ready = 0;
        int upToDate = 0;
        Set<String> modes = new TreeSet<>();
        for (DpuNodeState state : states) {
            if (state.getSpec() == null || !served.contains(state.getSpec().getNodeName()) || state.getStatus() == null) {
                continue;
            }
            var status = state.getStatus();
            if (Conditions.isTrue(status.getConditions(), Conditions.READY)) {
                ready++;
            }
            if (Objects.equals(status.getAppliedConfigGeneration(), configGeneration)
                    && Objects.equals(status.getAppliedConfigHash(), configHash)) {
                upToDate++;
            }
            if (status.getEffectiveOffloadMode() != null) {
                modes.add(status.getEffectiveOffloadMode());
            }
        }
        String mode = modes.isEmpty() ? null : modes.size() == 1 ? modes.iterator().next() : MIXED;
        return new NodeSummary(served.size(), ready, upToDate, mode);
    }
}

package dev.dpu.storage.operator.status;

import dev.dpu.storage.api.v1alpha1.DpuNodeState;
import dev.dpu.storage.api.v1alpha1.RemoteBackendStatus;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the agents of a pool report, summed up: DpuNodeStates of served nodes only (a state
 * left behind by a node that left the pool does not count), checked against what the kubelets
 * see of the agent pods (podsNotReady: pods whose readiness probe fails). remotesConnected counts
 * the nodes whose NvmeTcp backends are all Connected; remoteFailed and remoteConnecting say, one
 * line per node and backend, which are not and why.
 */
public record NodeSummary(
        int desired,
        int ready,
        int upToDate,
        String effectiveOffloadMode,
        int podsNotReady,
        int remotesConnected,
        List<String> remoteFailed,
        List<String> remoteConnecting) {
    public static final String MIXED = "Mixed";

    public NodeSummary {
        remoteFailed = List.copyOf(remoteFailed);
        remoteConnecting = List.copyOf(remoteConnecting);
    }

    public NodeSummary(int desired, int ready, int upToDate, String effectiveOffloadMode) {
        this(desired, ready, upToDate, effectiveOffloadMode, 0, ready, List.of(), List.of());
    }

    /**
     * A node whose agent says Ready but whose pod fails the kubelet's readiness probe (its HTTP
     * port unreachable, the agent hung) is not ready: hosts and Prometheus cannot rely on it.
     * The DaemonSet's status counts such pods; without a status (no controller has looked at
     * the DaemonSet yet) the node states alone decide.
     */
    public NodeSummary withAgentPods(DaemonSetStatus pods) {
        if (pods == null || pods.getDesiredNumberScheduled() == null || pods.getDesiredNumberScheduled() == 0) {
            return this;
        }
        int scheduled = pods.getDesiredNumberScheduled();
        int podsReady = pods.getNumberReady() == null ? 0 : pods.getNumberReady();
        int notReady = Math.max(0, Math.min(scheduled, desired) - podsReady);
        return new NodeSummary(
                desired,
                Math.min(ready, Math.max(0, desired - notReady)),
                upToDate,
                effectiveOffloadMode,
                notReady,
                remotesConnected,
                remoteFailed,
                remoteConnecting);
    }

    public static NodeSummary of(
            Collection<String> servedNodes, Collection<DpuNodeState> states, long configGeneration, String configHash) {
        Set<String> served = Set.copyOf(servedNodes);
        int ready = 0;
        int upToDate = 0;
        int remotesConnected = 0;
        List<String> failed = new ArrayList<>();
        List<String> connecting = new ArrayList<>();
        Set<String> modes = new TreeSet<>();
        for (DpuNodeState state : states) {
            if (state.getSpec() == null
                    || !served.contains(state.getSpec().getNodeName())
                    || state.getStatus() == null) {
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
            boolean allConnected = true;
            for (RemoteBackendStatus r :
                    Objects.requireNonNullElse(status.getRemoteBackends(), List.<RemoteBackendStatus>of())) {
                if (RemoteBackendStatus.CONNECTED.equals(r.getState())) {
                    continue;
                }
                allConnected = false;
                String line = state.getSpec().getNodeName() + ": backend " + r.getName() + " (" + r.getTarget() + "): "
                        + r.getReason();
                (RemoteBackendStatus.FAILED.equals(r.getState()) ? failed : connecting).add(line);
            }
            if (allConnected && Conditions.isTrue(status.getConditions(), Conditions.READY)) {
                remotesConnected++;
            }
        }
        String mode =
                modes.isEmpty() ? null : modes.size() == 1 ? modes.iterator().next() : MIXED;
        failed.sort(null);
        connecting.sort(null);
        return new NodeSummary(served.size(), ready, upToDate, mode, 0, remotesConnected, failed, connecting);
    }
}

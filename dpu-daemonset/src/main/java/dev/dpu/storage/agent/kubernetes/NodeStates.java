package dev.dpu.storage.agent.kubernetes;

import dev.dpu.storage.agent.dataplane.AgentStatus;
import dev.dpu.storage.agent.dataplane.Condition;
import dev.dpu.storage.api.dataplane.DataplaneContract;
import dev.dpu.storage.api.v1alpha1.DpuNodeState;
import dev.dpu.storage.api.v1alpha1.DpuNodeStateSpec;
import dev.dpu.storage.api.v1alpha1.DpuNodeStateStatus;
import dev.dpu.storage.api.v1alpha1.RemoteBackendStatus;
import dev.dpu.storage.dataplane.ffm.Capabilities;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Map;

/** The DpuNodeState this agent wants: a pure function of what it knows (no client calls). */
final class NodeStates {

    private NodeStates() {}

    static DpuNodeState desired(
            String node,
            String namespace,
            String pool,
            Capabilities capabilities,
            int reactors,
            AgentStatus status,
            Long observedGeneration) {
        DpuNodeState state = new DpuNodeState();
        state.setMetadata(new ObjectMetaBuilder()
                .withName(node)
                .withNamespace(namespace)
                .withLabels(Map.of("app.kubernetes.io/managed-by", "dpu-agent", DataplaneContract.POOL_LABEL, pool))
                .build());
        DpuNodeStateSpec spec = new DpuNodeStateSpec();
        spec.setNodeName(node);
        spec.setPool(pool);
        state.setSpec(spec);
        if (observedGeneration == null) {
            return state;
        }
        DpuNodeStateStatus s = new DpuNodeStateStatus();
        var caps = new dev.dpu.storage.api.v1alpha1.NodeCapabilities();
        caps.setAesNi(capabilities.aesNi());
        caps.setVaes(capabilities.vaes());
        caps.setCrc32c(capabilities.crc32c());
        caps.setIoUring(capabilities.ioUring());
        caps.setOffloadProviders(new ArrayList<>(capabilities.offloadProviders()));
        s.setCapabilities(caps);
        s.setReactors(reactors);
        s.setEffectiveOffloadMode(blankToNull(status.effectiveMode()));
        s.setListenerAddress(blankToNull(status.listenerAddress()));
        if (status.appliedGeneration() > 0) {
            s.setAppliedConfigGeneration(status.appliedGeneration());
            s.setAppliedConfigHash(status.appliedHash());
        }
        if (!status.remotes().isEmpty()) {
            s.setHostNqn(status.hostNqn());
            s.setRemoteBackends(new ArrayList<>(status.remotes().stream()
                    .map(r -> new RemoteBackendStatus(r.name(), r.target(), r.state(), r.reason()))
                    .toList()));
        }
        s.setObservedGeneration(observedGeneration);
        s.setConditions(new ArrayList<>(status.conditions().stream()
                .map(c -> toKubernetes(c, observedGeneration))
                .toList()));
        state.setStatus(s);
        return state;
    }

    private static io.fabric8.kubernetes.api.model.Condition toKubernetes(Condition c, long observedGeneration) {
        return new ConditionBuilder()
                .withType(c.type())
                .withStatus(c.status())
                .withReason(c.reason())
                .withMessage(c.message())
                .withObservedGeneration(observedGeneration)
                .withLastTransitionTime(DateTimeFormatter.ISO_INSTANT.format(
                        c.lastTransitionTime().truncatedTo(ChronoUnit.SECONDS).atOffset(ZoneOffset.UTC)))
                .build();
    }

    private static String blankToNull(String value) {
        return value == null || value.isEmpty() ? null : value;
    }
}

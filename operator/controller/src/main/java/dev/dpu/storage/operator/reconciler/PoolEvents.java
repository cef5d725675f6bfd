package dev.dpu.storage.operator.reconciler;

import dev.dpu.storage.api.dataplane.DataplaneContract;
import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.api.v1alpha1.DpuStoragePoolStatus;
import dev.dpu.storage.api.v1alpha1.NodeConflict;
import dev.dpu.storage.operator.model.Names;
import dev.dpu.storage.operator.model.PoolModel;
import dev.dpu.storage.operator.status.Conditions;
import dev.dpu.storage.operator.status.EventRecorder;
import dev.dpu.storage.operator.status.PoolTopology;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/** What a person should hear about a pool: Events on transitions and the conflict message. */
final class PoolEvents {
    private static final Logger LOG = Logger.getLogger(PoolEvents.class);

    private PoolEvents() {}

    static void configChanged(
            DpuStoragePool pool,
            EventRecorder events,
            boolean changed,
            Optional<DaemonSet> currentDaemonSet,
            PoolModel model) {
        if (!changed) {
            return;
        }
        String previousChecksum = currentDaemonSet
                .map(ds -> ds.getSpec().getTemplate().getMetadata().getAnnotations())
                .map(a -> a.get(Names.RESTART_CHECKSUM))
                .orElse(null);
        long generation = model.configGeneration();
        if (previousChecksum != null && !previousChecksum.equals(model.restartChecksum())) {
            events.normal(
                    pool,
                    "RollingRestart",
                    "Configuration generation " + generation
                            + " changes the listener, reactors or offload settings: the data path restarts node by node (spec.rollout.maxUnavailable).");
        } else {
            events.normal(
                    pool,
                    "ConfigUpdated",
                    "Configuration generation " + generation
                            + " (tenants, hosts, volumes, limits or required digests) is applied by the running agents without a restart.");
        }
        LOG.infof(
                "pool %s/%s: configuration generation %d",
                pool.getMetadata().getNamespace(), pool.getMetadata().getName(), generation);
    }

    static void conditionsChanged(
            DpuStoragePool pool, DpuStoragePoolStatus previous, DpuStoragePoolStatus now, EventRecorder events) {
        var before = Conditions.find(previous.getConditions(), Conditions.READY);
        var after = Conditions.find(now.getConditions(), Conditions.READY).orElseThrow();
        // A failed remote backend warns again when the failures change (another node, another
        // reason), not only when the reason of the condition changes.
        boolean newRemoteFailure = "RemoteBackendFailed".equals(after.getReason())
                && before.map(b -> !Objects.equals(b.getMessage(), after.getMessage()))
                        .orElse(true);
        if (before.isEmpty() || !Objects.equals(before.get().getReason(), after.getReason()) || newRemoteFailure) {
            if (Conditions.isTrue(now.getConditions(), Conditions.STALLED)) {
                events.warning(pool, after.getReason(), after.getMessage());
            } else if ("True".equals(after.getStatus())) {
                events.normal(pool, "Ready", after.getMessage());
            }
        }
        List<NodeConflict> oldConflicts = Objects.requireNonNullElse(previous.getConflicts(), List.of());
        if (!now.getConflicts().isEmpty() && !now.getConflicts().equals(oldConflicts)) {
            var c = Conditions.find(now.getConditions(), "NodeConflict").orElseThrow();
            events.warning(pool, c.getReason(), c.getMessage());
        }
        // An inline volume left out for a DpuVolume the pool already serves: say so once per change.
        var volumes = Conditions.find(now.getConditions(), "VolumeConflict");
        var volumesBefore = Conditions.find(previous.getConditions(), "VolumeConflict");
        if (volumes.isPresent()
                && "True".equals(volumes.get().getStatus())
                && !volumesBefore
                        .map(b -> Objects.equals(b.getMessage(), volumes.get().getMessage()))
                        .orElse(false)) {
            events.warning(pool, volumes.get().getReason(), volumes.get().getMessage());
        }
    }

    /** At most three of the lines, and how many more there are: a condition message stays readable. */
    static String firstLines(List<String> lines) {
        String shown = String.join("; ", lines.subList(0, Math.min(3, lines.size())));
        return lines.size() > 3 ? shown + "; and " + (lines.size() - 3) + " more" : shown;
    }

    /** Why a pool's configuration cannot be published, with the numbers a person can act on. */
    static String tooLargeMessage(PoolModel model, int tenants) {
        var payload = model.payload();
        return "The rendered configuration of " + tenants + " tenant(s) and "
                + model.config().subsystems().stream()
                        .mapToInt(s -> s.namespaces().size())
                        .sum()
                + " volume(s) is " + payload.configBytes() + " bytes, " + payload.storedBytes()
                + " bytes compressed: more than a ConfigMap holds (" + DataplaneContract.CONFIGMAP_MAX_BYTES
                + " bytes). Nothing already running was changed. Split the pool's tenants over more pools,"
                + " or trim their hostNqns.";
    }

    static String conflictMessage(DpuStoragePool pool, PoolTopology topology) {
        String key = PoolTopology.key(pool);
        List<String> parts = new ArrayList<>();
        for (NodeConflict c : topology.conflicts()) {
            String others = c.getPools().stream().filter(p -> !p.equals(key)).collect(Collectors.joining(", "));
            parts.add(c.getNode() + " (also " + others + "; served by "
                    + c.getPools().getFirst() + ")");
        }
        return topology.conflicts().size() + " node(s) are selected by more than one pool, and a node serves one pool: "
                + String.join("; ", parts) + ". Make the pools' nodeSelectors disjoint.";
    }
}

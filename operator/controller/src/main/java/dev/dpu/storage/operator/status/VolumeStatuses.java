package dev.dpu.storage.operator.status;

import dev.dpu.storage.api.dataplane.DataplaneContract;
import dev.dpu.storage.api.v1alpha1.DpuVolume;
import dev.dpu.storage.api.v1alpha1.DpuVolumeStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Writes a DpuVolume's status, and only when what it says changed: the pool's reconciler decides
 * whether it serves each of its volumes, and a volume whose pool does not exist is answered by the
 * DpuVolume reconciler. What was last written is remembered per object (by uid and generation),
 * so an informer cache that has not seen the write yet does not cause a second one.
 */
public final class VolumeStatuses {
    /** The field manager of these status writes (server-side apply). */
    public static final String FIELD_MANAGER = "dpu-offload-operator-volumes";

    private static final Logger LOG = Logger.getLogger(VolumeStatuses.class);

    private final Clock clock;
    private final Map<String, String> written = new ConcurrentHashMap<>();

    public VolumeStatuses(Clock clock) {
        this.clock = clock;
    }

    /**
     * The volume's status: Ready when served, else Stalled with the reason.
     *
     * @return true when a write was made
     */
    public boolean write(
            KubernetesClient client, DpuVolume volume, boolean served, String reason, String message, String pool) {
        DpuVolumeStatus previous = Optional.ofNullable(volume.getStatus()).orElseGet(DpuVolumeStatus::new);
        var status = new DpuVolumeStatus();
        status.setObservedGeneration(StatusTail.generation(volume));
        if (pool != null && volume.getSpec().getTenant() != null) {
            status.setSubsystemNqn(
                    DataplaneContract.subsystemNqn(pool, volume.getSpec().getTenant()));
        }
        var conditions = StatusTail.conditions(volume, previous.getConditions(), clock);
        if (served) {
            conditions.ready(reason, message);
        } else {
            conditions.stalled(reason, message);
        }
        status.setConditions(conditions.build());
        String uid = volume.getMetadata().getUid();
        String wanted = fingerprint(status);
        String cached = fingerprint(previous);
        // the informer cache shows our last write: nothing left to remember for this object, so
        // the map holds only writes in flight and does not grow with deleted volumes
        written.remove(uid, cached);
        if (wanted.equals(cached) || wanted.equals(written.get(uid))) {
            return false;
        }
        try {
            client.resource(StatusTail.statusOnly(volume, status, DpuVolume::new))
                    .subresource("status")
                    .patch(new PatchContext.Builder()
                            .withPatchType(PatchType.SERVER_SIDE_APPLY)
                            .withFieldManager(FIELD_MANAGER)
                            .withForce(true)
                            .build());
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return false; // deleted meanwhile: nothing to report on
            }
            throw e;
        }
        written.put(uid, wanted);
        if (!served) {
            LOG.infof(
                    "DpuVolume %s/%s is not served: %s",
                    volume.getMetadata().getNamespace(), volume.getMetadata().getName(), message);
        }
        return true;
    }

    /** What a status says, without the transition times a stale cache would change. */
    private static String fingerprint(DpuVolumeStatus status) {
        Condition ready =
                Conditions.find(status.getConditions(), Conditions.READY).orElse(null);
        return Objects.toString(status.getObservedGeneration()) + "|" + status.getSubsystemNqn() + "|"
                + (ready == null ? "" : ready.getStatus() + "|" + ready.getReason() + "|" + ready.getMessage());
    }
}

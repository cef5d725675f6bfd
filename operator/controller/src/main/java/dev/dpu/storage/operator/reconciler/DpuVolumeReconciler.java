package dev.dpu.storage.operator.reconciler;

import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.api.v1alpha1.DpuVolume;
import dev.dpu.storage.operator.status.VolumeStatuses;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.List;
import java.util.Objects;

/**
 * DpuVolume: whether a volume is served is decided by its pool's reconciler, which sees all the
 * pool's volumes at once and writes their status. This one answers the volumes no pool sees: those
 * whose spec.poolRef names a pool that does not exist (or no longer does).
 */
@ControllerConfiguration(name = DpuVolumeReconciler.NAME)
public class DpuVolumeReconciler implements Reconciler<DpuVolume> {
    public static final String NAME = "dpuvolume";

    private final VolumeStatuses statuses;
    private InformerEventSource<DpuStoragePool, DpuVolume> pools;

    public DpuVolumeReconciler(VolumeStatuses statuses) {
        this.statuses = statuses;
    }

    @Override
    public List<EventSource<?, DpuVolume>> prepareEventSources(EventSourceContext<DpuVolume> context) {
        var volumes = context.getPrimaryCache();
        // A pool's arrival or removal concerns the volumes that name it; its spec and status do not.
        pools = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(DpuStoragePool.class, DpuVolume.class)
                        .withName("pools")
                        .withSecondaryToPrimaryMapper(
                                pool -> Mappers.ids(volumes.list(v -> Mappers.sameNamespace(v, pool)
                                        && v.getSpec().getPoolRef() != null
                                        && Objects.equals(
                                                v.getSpec().getPoolRef().getName(),
                                                pool.getMetadata().getName()))))
                        .withOnUpdateFilter((n, o) -> false)
                        .build(),
                context);
        return List.of(pools);
    }

    @Override
    public UpdateControl<DpuVolume> reconcile(DpuVolume volume, Context<DpuVolume> context) {
        String ns = volume.getMetadata().getNamespace();
        String poolName = volume.getSpec().getPoolRef().getName();
        if (pools.get(new ResourceID(poolName, ns)).isEmpty()) {
            statuses.write(
                    context.getClient(),
                    volume,
                    false,
                    "PoolNotFound",
                    "DpuStoragePool \"" + poolName + "\" (spec.poolRef) does not exist in namespace " + ns
                            + "; create it or fix spec.poolRef. The volume is not served.",
                    null);
        }
        return UpdateControl.noUpdate();
    }
}

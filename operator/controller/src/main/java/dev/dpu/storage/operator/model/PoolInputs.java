package dev.dpu.storage.operator.model;

import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.api.v1alpha1.OffloadProfile;
import dev.dpu.storage.api.v1alpha1.TenantQoS;
import dev.dpu.storage.api.v1alpha1.Volume;
import java.util.List;

/**
 * Everything the desired objects of a pool are computed from. The models are pure functions of
 * this record: the same inputs always give byte-identical objects.
 *
 * @param pool the pool
 * @param profile its resolved OffloadProfile
 * @param tenants the TenantQoS objects that reference the pool
 * @param excludedNodes nodes this pool selects but another (older) pool serves
 * @param defaultImage agent image when the pool does not name one
 * @param previousGeneration config generation of the ConfigMap in the cluster (0 when none)
 * @param previousHash config hash of the ConfigMap in the cluster (null when none)
 * @param volumes the volumes to render: spec.volumes and the accepted DpuVolumes ({@link PoolVolumes})
 */
public record PoolInputs(
        DpuStoragePool pool,
        OffloadProfile profile,
        List<TenantQoS> tenants,
        List<String> excludedNodes,
        String defaultImage,
        long previousGeneration,
        String previousHash,
        List<Volume> volumes) {

    /** A pool that serves its inline volumes only. */
    public PoolInputs(
            DpuStoragePool pool,
            OffloadProfile profile,
            List<TenantQoS> tenants,
            List<String> excludedNodes,
            String defaultImage,
            long previousGeneration,
            String previousHash) {
        this(
                pool,
                profile,
                tenants,
                excludedNodes,
                defaultImage,
                previousGeneration,
                previousHash,
                pool.getSpec().getVolumes());
    }
}

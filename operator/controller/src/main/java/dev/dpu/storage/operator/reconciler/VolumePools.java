package dev.dpu.storage.operator.reconciler;

import dev.dpu.storage.api.v1alpha1.DpuVolume;

/** The pools a DpuVolume event concerns: its pool, and the one it left ({@link ReferencedPools}). */
final class VolumePools extends ReferencedPools<DpuVolume> {
    VolumePools() {
        super(v -> v.getSpec() == null || v.getSpec().getPoolRef() == null
                ? null
                : v.getSpec().getPoolRef().getName());
    }
}

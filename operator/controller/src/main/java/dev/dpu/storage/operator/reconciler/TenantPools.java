package dev.dpu.storage.operator.reconciler;

import dev.dpu.storage.api.v1alpha1.TenantQoS;

/** The pools a TenantQoS event concerns: its pool, and the one it left ({@link ReferencedPools}). */
final class TenantPools extends ReferencedPools<TenantQoS> {
    TenantPools() {
        super(t -> t.getSpec() == null || t.getSpec().getPoolRef() == null
                ? null
                : t.getSpec().getPoolRef().getName());
    }
}

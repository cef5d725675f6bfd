package dev.dpu.storage.operator.dependent;

import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.operator.model.PoolInputs;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/** The reconciler resolves a pool's inputs once per reconcile; every desired() reads them here. */
final class Inputs {
    private Inputs() {}

    static PoolInputs inputs(Context<DpuStoragePool> context) {
        return context.managedWorkflowAndDependentResourceContext().getMandatory(PoolInputs.CONTEXT_KEY, PoolInputs.class);
    }
}

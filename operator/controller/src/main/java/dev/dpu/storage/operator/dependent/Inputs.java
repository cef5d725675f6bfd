package dev.dpu.storage.operator.dependent;

import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.operator.model.PoolInputs;
import dev.dpu.storage.operator.model.PoolModel;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/** The reconciler builds a pool's model once per reconcile; every desired() reads it here. */
final class Inputs {
    private Inputs() {}

    static PoolModel model(Context<DpuStoragePool> context) {
        return context.managedWorkflowAndDependentResourceContext()
                .getMandatory(PoolModel.CONTEXT_KEY, PoolModel.class);
    }

    static PoolInputs inputs(Context<DpuStoragePool> context) {
        return model(context).inputs();
    }
}

package dev.dpu.storage.operator.dependent;

import static dev.dpu.storage.operator.dependent.Inputs.inputs;

import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.operator.model.MetricsServiceModel;
import dev.dpu.storage.operator.model.Names;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The headless metrics Service. */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class MetricsServiceDependent
        extends CRUDKubernetesDependentResource<io.fabric8.kubernetes.api.model.Service, DpuStoragePool> {
    public MetricsServiceDependent() {
        super(io.fabric8.kubernetes.api.model.Service.class);
    }

    @Override
    protected io.fabric8.kubernetes.api.model.Service desired(DpuStoragePool pool, Context<DpuStoragePool> context) {
        return MetricsServiceModel.desired(inputs(context));
    }
}

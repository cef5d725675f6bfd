package dev.dpu.storage.operator.dependent;

import static dev.dpu.storage.operator.dependent.Inputs.model;

import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.operator.model.Names;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The rendered data-path configuration agents watch. */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class ConfigMapDependent
        extends CRUDKubernetesDependentResource<io.fabric8.kubernetes.api.model.ConfigMap, DpuStoragePool> {
    public ConfigMapDependent() {
        super(io.fabric8.kubernetes.api.model.ConfigMap.class);
    }

    @Override
    protected io.fabric8.kubernetes.api.model.ConfigMap desired(DpuStoragePool pool, Context<DpuStoragePool> context) {
        return model(context).generateConfigMap();
    }
}

package dev.dpu.storage.operator.dependent;

import static dev.dpu.storage.operator.dependent.Inputs.inputs;

import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.operator.model.Names;
import dev.dpu.storage.operator.model.ServiceMonitorModel;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The Prometheus Operator ServiceMonitor, only where its CRD is installed. */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class ServiceMonitorDependent
        extends CRUDKubernetesDependentResource<dev.dpu.storage.operator.model.ServiceMonitor, DpuStoragePool> {
    public ServiceMonitorDependent() {
        super(dev.dpu.storage.operator.model.ServiceMonitor.class);
    }

    @Override
    protected dev.dpu.storage.operator.model.ServiceMonitor desired(
            DpuStoragePool pool, Context<DpuStoragePool> context) {
        return ServiceMonitorModel.desired(inputs(context));
    }
}

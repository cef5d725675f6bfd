package dev.dpu.storage.operator.dependent;

import static dev.dpu.storage.operator.dependent.Inputs.inputs;

import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.operator.model.AgentRbacModel;
import dev.dpu.storage.operator.model.Names;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The agents' ServiceAccount. */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class AgentServiceAccountDependent
        extends CRUDKubernetesDependentResource<io.fabric8.kubernetes.api.model.ServiceAccount, DpuStoragePool> {
    public AgentServiceAccountDependent() {
        super(io.fabric8.kubernetes.api.model.ServiceAccount.class);
    }

    @Override
    protected io.fabric8.kubernetes.api.model.ServiceAccount desired(
            DpuStoragePool pool, Context<DpuStoragePool> context) {
        return AgentRbacModel.serviceAccount(inputs(context));
    }
}

package dev.dpu.storage.operator.dependent;

import static dev.dpu.storage.operator.dependent.Inputs.inputs;

import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.operator.model.AgentRbacModel;
import dev.dpu.storage.operator.model.Names;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** What the agents may do in the pool's namespace. */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class AgentRoleDependent
        extends CRUDKubernetesDependentResource<io.fabric8.kubernetes.api.model.rbac.Role, DpuStoragePool> {
    public AgentRoleDependent() {
        super(io.fabric8.kubernetes.api.model.rbac.Role.class);
    }

    @Override
    protected io.fabric8.kubernetes.api.model.rbac.Role desired(DpuStoragePool pool, Context<DpuStoragePool> context) {
        return AgentRbacModel.role(inputs(context));
    }
}

package dev.dpu.storage.operator.model;

import dev.dpu.storage.api.v1alpha1.ApiGroup;
import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;

/**
 * The identity of a pool's agents and the least they need: read their own ConfigMap, and
 * create and update DpuNodeStates in the pool's namespace.
 */
public final class AgentRbacModel {
    private AgentRbacModel() {}

    public static ServiceAccount serviceAccount(PoolInputs inputs) {
        DpuStoragePool pool = inputs.pool();
        // spotless:off
        return new ServiceAccountBuilder()
                .withNewMetadata()
                    .withName(Names.serviceAccount(pool))
                    .withNamespace(pool.getMetadata().getNamespace())
                    .withLabels(Names.labels(pool, "agent"))
                .endMetadata()
                .build();
        // spotless:on
    }

    public static Role role(PoolInputs inputs) {
        DpuStoragePool pool = inputs.pool();
        // spotless:off
        return new RoleBuilder()
                .withNewMetadata()
                    .withName(Names.serviceAccount(pool))
                    .withNamespace(pool.getMetadata().getNamespace())
                    .withLabels(Names.labels(pool, "agent"))
                .endMetadata()
                .withRules(
                        // get for the first read, list/watch (by field selector on the name) to follow changes
                        new PolicyRuleBuilder()
                                .withApiGroups("")
                                .withResources("configmaps")
                                .withResourceNames(Names.configMap(pool))
                                .withVerbs("get", "list", "watch")
                                .build(),
                        new PolicyRuleBuilder()
                                .withApiGroups(ApiGroup.GROUP)
                                .withResources("dpunodestates", "dpunodestates/status")
                                .withVerbs("get", "list", "watch", "create", "update", "patch")
                                .build(),
                        new PolicyRuleBuilder()
                                .withApiGroups("", "events.k8s.io")
                                .withResources("events")
                                .withVerbs("create", "patch")
                                .build())
                .build();
        // spotless:on
    }

    public static RoleBinding roleBinding(PoolInputs inputs) {
        DpuStoragePool pool = inputs.pool();
        // spotless:off
        return new RoleBindingBuilder()
                .withNewMetadata()
                    .withName(Names.serviceAccount(pool))
                    .withNamespace(pool.getMetadata().getNamespace())
                    .withLabels(Names.labels(pool, "agent"))
                .endMetadata()
                .withNewRoleRef()
                    .withApiGroup("rbac.authorization.k8s.io")
                    .withKind("Role")
                    .withName(Names.serviceAccount(pool))
                .endRoleRef()
                .addNewSubject()
                    .withKind("ServiceAccount")
                    .withName(Names.serviceAccount(pool))
                    .withNamespace(pool.getMetadata().getNamespace())
                .endSubject()
                .build();
        // spotless:on
    }
}

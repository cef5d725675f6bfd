package dev.dpu.storage.operator.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import org.junit.jupiter.api.Test;

/** `kubectl apply -k crds` works against the real API server and serves every kind. */
class CrdsApplyIT {
    @Test
    void kubectlApplyOfCrdsSucceedsAndEveryKindIsServed() {
        String out = TestApiServer.run(List.of(
                TestApiServer.kubectl().toString(),
                "--kubeconfig",
                TestApiServer.kubeConfigFile().toString(),
                "apply",
                "-k",
                TestApiServer.repositoryRoot().resolve("crds").toString()));
        assertThat(out)
                .contains(
                        "dpustoragepools.storage.dpu.dev",
                        "offloadprofiles.storage.dpu.dev",
                        "tenantqoses.storage.dpu.dev",
                        "dpunodestates.storage.dpu.dev");
        TestApiServer.installCrds();

        String resources = TestApiServer.run(List.of(
                TestApiServer.kubectl().toString(),
                "--kubeconfig",
                TestApiServer.kubeConfigFile().toString(),
                "api-resources",
                "--api-group=storage.dpu.dev",
                "-o",
                "wide"));
        assertThat(resources)
                .contains("DpuStoragePool", "OffloadProfile", "TenantQoS", "DpuNodeState", "dsp", "tqos", "dpu");

        try (KubernetesClient client = TestApiServer.newClient()) {
            var pools = client.apiextensions()
                    .v1()
                    .customResourceDefinitions()
                    .withName("dpustoragepools.storage.dpu.dev")
                    .get();
            assertThat(pools.getSpec()
                            .getVersions()
                            .getFirst()
                            .getSubresources()
                            .getStatus())
                    .isNotNull();
            assertThat(pools.getSpec().getNames().getCategories()).containsExactly("dpu");
        }
    }

    @Test
    void kustomizeInstallIsAcceptedByTheApiServer() {
        String out = TestApiServer.run(List.of(
                TestApiServer.kubectl().toString(),
                "--kubeconfig",
                TestApiServer.kubeConfigFile().toString(),
                "apply",
                "--server-side",
                "-k",
                TestApiServer.repositoryRoot().resolve("operator/deploy").toString()));
        assertThat(out)
                .contains(
                        "deployment.apps/dpu-offload-operator",
                        "clusterrole.rbac.authorization.k8s.io/dpu-offload-operator",
                        "customresourcedefinition.apiextensions.k8s.io/dpustoragepools.storage.dpu.dev");
        try (KubernetesClient client = TestApiServer.newClient()) {
            var deployment = client.apps()
                    .deployments()
                    .inNamespace("dpu-offload-system")
                    .withName("dpu-offload-operator")
                    .get();
            assertThat(deployment.getSpec().getTemplate().getSpec().getServiceAccountName())
                    .isEqualTo("dpu-offload-operator");
            assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
        }
    }
}

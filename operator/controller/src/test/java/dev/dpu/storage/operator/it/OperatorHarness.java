package dev.dpu.storage.operator.it;

import dev.dpu.storage.operator.OperatorFactory;
import dev.dpu.storage.operator.OperatorSettings;
import dev.dpu.storage.operator.reconciler.DpuStoragePoolReconciler;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;

/**
 * The operator, built by the same factory as the application, run in the test JVM against the
 * test API server. It runs as the operator's ServiceAccount with exactly the RBAC of
 * operator/deploy/rbac (applied with kubectl, then impersonated), so every integration test also
 * proves that the shipped ClusterRole is enough.
 */
final class OperatorHarness implements AutoCloseable {
    static final String AGENT_IMAGE = "registry.test/dpu-agent:it";
    static final String OPERATOR_NAMESPACE = "dpu-offload-system";
    static final String OPERATOR_USER = "system:serviceaccount:" + OPERATOR_NAMESPACE + ":dpu-offload-operator";

    /** Admin client, for the tests to act as a user. */
    final KubernetesClient client;

    final DpuStoragePoolReconciler pools;
    private final KubernetesClient operatorClient;
    private final Operator operator;

    OperatorHarness() {
        this(new OperatorSettings(AGENT_IMAGE));
    }

    OperatorHarness(OperatorSettings settings) {
        TestApiServer.installCrds();
        client = TestApiServer.newClient();
        client.namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName(OPERATOR_NAMESPACE)
                        .endMetadata()
                        .build())
                .serverSideApply();
        TestApiServer.run(List.of(
                TestApiServer.kubectl().toString(),
                "--kubeconfig",
                TestApiServer.kubeConfigFile().toString(),
                "apply",
                "-k",
                TestApiServer.repositoryRoot().resolve("operator/deploy/rbac").toString()));

        Config config = Config.fromKubeconfig(readKubeConfig());
        config.setImpersonateUsername(OPERATOR_USER);
        config.setImpersonateGroups(
                "system:serviceaccounts", "system:serviceaccounts:" + OPERATOR_NAMESPACE, "system:authenticated");
        operatorClient = new KubernetesClientBuilder().withConfig(config).build();

        var running = OperatorFactory.create(operatorClient, settings, o -> {});
        operator = running.operator();
        pools = running.pools();
        operator.start();
    }

    private static String readKubeConfig() {
        try {
            return Files.readString(TestApiServer.kubeConfigFile());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        operator.stop();
        operatorClient.close();
        client.close();
    }
}

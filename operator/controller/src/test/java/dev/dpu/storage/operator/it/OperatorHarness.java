package dev.dpu.storage.operator.it;

import dev.dpu.storage.operator.OperatorFactory;
import dev.dpu.storage.operator.OperatorSettings;
import dev.dpu.storage.operator.reconciler.DpuStoragePoolReconciler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;

/**
 * The operator, built by the same factory as the application, run in the test JVM against the
 * test API server.
 */
final class OperatorHarness implements AutoCloseable {
    static final String AGENT_IMAGE = "registry.test/dpu-agent:it";

    final KubernetesClient client;
    final DpuStoragePoolReconciler pools;
    private final Operator operator;

    OperatorHarness() {
        TestApiServer.installCrds();
        client = TestApiServer.newClient();
        var running = OperatorFactory.create(client, new OperatorSettings(AGENT_IMAGE), o -> {});
        operator = running.operator();
        pools = running.pools();
        operator.start();
    }

    @Override
    public void close() {
        operator.stop();
        client.close();
    }
}

package dev.dpu.storage.operator.model;

import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.util.Objects;

/**
 * A headless Service over the agents' HTTP port. Headless so that Prometheus (through the
 * ServiceMonitor or plain endpoint discovery) scrapes every node, not one behind a virtual IP.
 */
public final class MetricsServiceModel {
    public static final String PORT_NAME = "http";

    private MetricsServiceModel() {}

    public static int httpPort(DpuStoragePool pool) {
        return Objects.requireNonNullElse(pool.getSpec().getHttpPort(), 9480);
    }

    public static Service desired(PoolInputs inputs) {
        DpuStoragePool pool = inputs.pool();
        // spotless:off
        return new ServiceBuilder()
                .withNewMetadata()
                    .withName(Names.metricsService(pool))
                    .withNamespace(pool.getMetadata().getNamespace())
                    .withLabels(Names.labels(pool, "metrics"))
                .endMetadata()
                .withNewSpec()
                    .withClusterIP("None")
                    .withSelector(Names.selectorLabels(pool))
                    .addNewPort()
                        .withName(PORT_NAME)
                        .withProtocol("TCP")
                        .withPort(httpPort(pool))
                        .withTargetPort(new IntOrString(httpPort(pool)))
                    .endPort()
                .endSpec()
                .build();
        // spotless:on
    }
}

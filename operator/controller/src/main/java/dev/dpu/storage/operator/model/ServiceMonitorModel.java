package dev.dpu.storage.operator.model;

import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A ServiceMonitor that makes the Prometheus Operator scrape every agent of the pool. */
public final class ServiceMonitorModel {
    private ServiceMonitorModel() {}

    public static ServiceMonitor desired(PoolInputs inputs) {
        DpuStoragePool pool = inputs.pool();
        ServiceMonitor sm = new ServiceMonitor();
        sm.setApiVersion("monitoring.coreos.com/v1");
        sm.setKind("ServiceMonitor");
        sm.setMetadata(new ObjectMetaBuilder()
                .withName(Names.metricsService(pool))
                .withNamespace(pool.getMetadata().getNamespace())
                .withLabels(Names.labels(pool, "metrics"))
                .build());
        Map<String, Object> endpoint = new LinkedHashMap<>();
        endpoint.put("port", MetricsServiceModel.PORT_NAME);
        endpoint.put("path", "/q/metrics");
        endpoint.put("interval", "30s");
        Map<String, Object> matchLabels = new LinkedHashMap<>(Names.selectorLabels(pool));
        matchLabels.put(Names.LABEL_COMPONENT, "metrics");
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("selector", Map.of("matchLabels", matchLabels));
        spec.put("endpoints", List.of(endpoint));
        sm.setAdditionalProperty("spec", spec);
        return sm;
    }
}

package dev.dpu.storage.agent.metrics;

import dev.dpu.storage.agent.AgentConfig;
import dev.dpu.storage.agent.dataplane.DataplaneService;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Puts {@link DataplaneCollector} into the Prometheus registry that Quarkus' Micrometer extension
 * serves at /q/metrics, next to the JVM and HTTP meters.
 */
@ApplicationScoped
public class MetricsRegistration {

    private final PrometheusMeterRegistry registry;
    private final DataplaneService dataplane;
    private final AgentConfig config;
    private final AtomicReference<DataplaneCollector.Labels> labels = new AtomicReference<>();

    public MetricsRegistration(PrometheusMeterRegistry registry, DataplaneService dataplane, AgentConfig config) {
        this.registry = registry;
        this.dataplane = dataplane;
        this.config = config;
    }

    void onStart(@Observes StartupEvent event) {
        String node = config.nodeName().orElseGet(MetricsRegistration::hostname);
        labels.set(new DataplaneCollector.Labels(config.pool().orElse(""), node));
        dataplane.onStatus(status -> labels.set(new DataplaneCollector.Labels(
                dataplane.runningPool().orElse(config.pool().orElse("")), node)));
        registry.getPrometheusRegistry().register(new DataplaneCollector(dataplane, labels::get));
    }

    static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown";
        }
    }
}

package dev.dpu.storage.agent.dataplane;

import dev.dpu.storage.agent.AgentConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Retries a configuration that was refused for a reason outside it - the key Secret not mounted
 * yet (kubelet fills a Secret volume some time after the Secret appears), the NVMe/TCP port still
 * held by a previous pod - so the node recovers without waiting for the next config change.
 */
@ApplicationScoped
public class RefusedConfigRetry {

    private final AgentConfig config;
    private final DataplaneService dataplane;
    private ScheduledExecutorService timer;

    public RefusedConfigRetry(AgentConfig config, DataplaneService dataplane) {
        this.config = config;
        this.dataplane = dataplane;
    }

    void onStart(@Observes StartupEvent event) {
        long period = Math.max(1000, config.refusedRetryInterval().toMillis());
        timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("refused-config-retry").daemon().factory());
        timer.scheduleWithFixedDelay(dataplane::retryRefused, period, period, TimeUnit.MILLISECONDS);
    }

    void onStop(@Observes ShutdownEvent event) {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}

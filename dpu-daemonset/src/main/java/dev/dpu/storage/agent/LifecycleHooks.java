package dev.dpu.storage.agent;

import dev.dpu.storage.agent.dataplane.DataplaneService;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

/**
 * Graceful shutdown on SIGTERM: the data path stops accepting, finishes in-flight I/O, flushes
 * file backends and only then does the process exit. Runs early among shutdown observers so the
 * status (Ready=False, ShuttingDown) still reaches the API server while the client is up.
 */
@ApplicationScoped
public class LifecycleHooks {

    private final DataplaneService dataplane;

    public LifecycleHooks(DataplaneService dataplane) {
        this.dataplane = dataplane;
    }

    void onStop(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) ShutdownEvent event) {
        dataplane.shutdown();
    }
}

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
 * The data path connects to remotes in the background and reconnects on its own; this reads how
 * they stand every {@code dpu.agent.remote-state-interval} so DpuNodeState (and so the pool's
 * status and Events) follows within seconds.
 */
@ApplicationScoped
public class RemoteStateMonitor {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(RemoteStateMonitor.class);

    private final AgentConfig config;
    private final DataplaneService dataplane;
    private ScheduledExecutorService timer;

    public RemoteStateMonitor(AgentConfig config, DataplaneService dataplane) {
        this.config = config;
        this.dataplane = dataplane;
    }

    void onStart(@Observes StartupEvent event) {
        long period = Math.max(200, config.remoteStateInterval().toMillis());
        timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("remote-state").daemon().factory());
        timer.scheduleWithFixedDelay(this::refresh, period, period, TimeUnit.MILLISECONDS);
    }

    private void refresh() {
        try {
            dataplane.refreshRemoteStates();
        } catch (RuntimeException e) {
            // Keep the timer: one failed read must not stop the node state from following later.
            LOG.warnf("could not read the remotes' state from the data path (trying again): %s", e.getMessage());
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}

package dev.dpu.storage.agent.health;

import dev.dpu.storage.agent.dataplane.AgentStatus;
import dev.dpu.storage.agent.dataplane.Condition;
import dev.dpu.storage.agent.dataplane.DataplaneService;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/** /q/health/live and /q/health/ready. */
public final class DataplaneHealth {

    private DataplaneHealth() {}

    /**
     * Ready when the data path serves a configuration: until the first good one, and from the start
     * of a graceful shutdown, it is not - so the pod leaves Service endpoints and rollouts wait.
     */
    @Readiness
    @ApplicationScoped
    public static class Ready implements HealthCheck {
        private final DataplaneService dataplane;

        public Ready(DataplaneService dataplane) {
            this.dataplane = dataplane;
        }

        @Override
        public HealthCheckResponse call() {
            AgentStatus status = dataplane.status();
            var response = HealthCheckResponse.named("dataplane")
                    .status(status.serving())
                    .withData("generation", status.appliedGeneration())
                    .withData("listener", status.listenerAddress())
                    .withData("effectiveMode", status.effectiveMode());
            // Standalone there is no DpuNodeState: the conditions are readable here instead.
            for (Condition c : status.conditions()) {
                response.withData(c.type(), c.status() + " " + c.reason() + ": " + c.message());
            }
            return response.build();
        }
    }

    /**
     * Alive while the native engine answers (a snapshot round-trips through the library) or while
     * there is legitimately no engine yet. A refused config does not make the agent "dead":
     * restarting would not fix it, and the last good config keeps serving.
     */
    @Liveness
    @ApplicationScoped
    public static class Alive implements HealthCheck {
        private final DataplaneService dataplane;

        public Alive(DataplaneService dataplane) {
            this.dataplane = dataplane;
        }

        @Override
        public HealthCheckResponse call() {
            try {
                dataplane.engine().ifPresent(engine -> engine.snapshot().close());
                return HealthCheckResponse.up("dataplane");
            } catch (RuntimeException e) {
                return HealthCheckResponse.named("dataplane")
                        .down()
                        .withData("error", e.toString())
                        .build();
            }
        }
    }
}

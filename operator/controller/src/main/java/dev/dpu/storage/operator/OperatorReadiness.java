package dev.dpu.storage.operator;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready when the operator has started and all its informers are healthy. */
@Readiness
@ApplicationScoped
public class OperatorReadiness implements HealthCheck {
    @Inject
    OperatorLifecycle lifecycle;

    @Override
    public HealthCheckResponse call() {
        var operator = lifecycle.operator();
        boolean up = operator != null
                && operator.getRuntimeInfo().isStarted()
                && operator.getRuntimeInfo().allEventSourcesAreHealthy();
        return HealthCheckResponse.named("operator").status(up).build();
    }
}

package dev.dpu.storage.agent.dataplane;

import java.time.Instant;

/**
 * A status condition as Kubernetes API conventions define it. {@code lastTransitionTime} moves only
 * when {@code status} changes, never on a message update.
 */
public record Condition(String type, String status, String reason, String message, Instant lastTransitionTime) {

    public static final String READY = "Ready";
    public static final String CONFIG_APPLIED = "ConfigApplied";
    public static final String DEGRADED = "Degraded";
    public static final String RESTART_PENDING = "RestartPending";

    public static Condition of(String type, boolean status, String reason, String message) {
        return new Condition(type, status ? "True" : "False", reason, message, Instant.now());
    }

    /** This condition, keeping the previous transition time when the status did not change. */
    public Condition since(Condition previous) {
        if (previous != null && previous.status.equals(status)) {
            return new Condition(type, status, reason, message, previous.lastTransitionTime);
        }
        return this;
    }

    public boolean isTrue() {
        return "True".equals(status);
    }
}

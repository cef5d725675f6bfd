package dev.dpu.storage.operator.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * kstatus conditions. lastTransitionTime changes only when a condition's status changes, so a
 * reconcile that finds nothing new writes an identical status (and no patch at all).
 */
public final class Conditions {
    public static final String READY = "Ready";
    public static final String RECONCILING = "Reconciling";
    public static final String STALLED = "Stalled";

    private final List<Condition> previous;
    private final long observedGeneration;
    private final Instant now;
    private final List<Condition> result = new ArrayList<>();

    public Conditions(List<Condition> previous, long observedGeneration, Clock clock) {
        this.previous = previous == null ? List.of() : previous;
        this.observedGeneration = observedGeneration;
        this.now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    }

    public Conditions set(String type, boolean status, String reason, String message) {
        String statusText = status ? "True" : "False";
        String since = find(previous, type)
                .filter(c -> statusText.equals(c.getStatus()) && c.getLastTransitionTime() != null)
                .map(Condition::getLastTransitionTime)
                .orElse(now.toString());
        result.removeIf(c -> c.getType().equals(type));
        result.add(new ConditionBuilder()
                .withType(type)
                .withStatus(statusText)
                .withReason(reason)
                .withMessage(message)
                .withObservedGeneration(observedGeneration)
                .withLastTransitionTime(since)
                .build());
        return this;
    }

    /** Ready False, Stalled True: the operator cannot go on until a person changes something. */
    public Conditions stalled(String reason, String message) {
        return set(READY, false, reason, message)
                .set(STALLED, true, reason, message)
                .set(RECONCILING, false, reason, message);
    }

    /** Ready False, Reconciling True: progressing without anyone's help. */
    public Conditions reconciling(String reason, String message) {
        return set(READY, false, reason, message)
                .set(RECONCILING, true, reason, message)
                .set(STALLED, false, reason, message);
    }

    /** Ready True. */
    public Conditions ready(String reason, String message) {
        return set(READY, true, reason, message)
                .set(RECONCILING, false, reason, message)
                .set(STALLED, false, reason, message);
    }

    /** Conditions sorted by type, for a stable status. */
    public List<Condition> build() {
        List<Condition> sorted = new ArrayList<>(result);
        sorted.sort(Comparator.comparing(Condition::getType));
        return sorted;
    }

    public static Optional<Condition> find(List<Condition> conditions, String type) {
        return conditions == null
                ? Optional.empty()
                : conditions.stream()
                        .filter(c -> Objects.equals(type, c.getType()))
                        .findFirst();
    }

    public static boolean isTrue(List<Condition> conditions, String type) {
        return find(conditions, type).map(c -> "True".equals(c.getStatus())).orElse(false);
    }
}

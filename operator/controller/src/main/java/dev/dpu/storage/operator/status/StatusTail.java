package dev.dpu.storage.operator.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The end every reconciler shares: conditions for the resource's generation, a warning Event
 * when it stalls (or stalls for a new reason), and a status-only patch written only when the
 * status changed, so a steady state causes no writes and no further reconciles.
 */
public final class StatusTail {
    private StatusTail() {}

    /** The generation status will say it observed (0 for an object the server has not numbered). */
    public static long generation(CustomResource<?, ?> resource) {
        return Objects.requireNonNullElse(resource.getMetadata().getGeneration(), 0L);
    }

    /** Conditions for this reconcile, starting from the ones in status (for lastTransitionTime). */
    public static Conditions conditions(CustomResource<?, ?> resource, List<Condition> previous, Clock clock) {
        return new Conditions(previous, generation(resource), clock);
    }

    /** A warning Event when the resource is Stalled and was not before, or for another reason now. */
    public static void warnOnNewStall(
            CustomResource<?, ?> resource, List<Condition> before, List<Condition> after, EventRecorder events) {
        var wasReady = Conditions.find(before, Conditions.READY);
        var ready = Conditions.find(after, Conditions.READY).orElseThrow();
        if (Conditions.isTrue(after, Conditions.STALLED)
                && (wasReady.isEmpty() || !Objects.equals(wasReady.get().getReason(), ready.getReason()))) {
            events.warning(resource, ready.getReason(), ready.getMessage());
        }
    }

    /** Patch status when it differs from what the resource carries; no write otherwise. */
    public static <S, R extends CustomResource<?, S>> UpdateControl<R> patchIfChanged(
            R resource, S previous, S status, Supplier<R> empty) {
        if (Serialization.asJson(status).equals(Serialization.asJson(previous))) {
            return UpdateControl.noUpdate();
        }
        return UpdateControl.patchStatus(statusOnly(resource, status, empty));
    }

    /** A status-only object for server-side apply: the operator owns status, nothing else. */
    public static <S, R extends CustomResource<?, S>> R statusOnly(R resource, S status, Supplier<R> empty) {
        R patch = empty.get();
        patch.setMetadata(new ObjectMetaBuilder()
                .withName(resource.getMetadata().getName())
                .withNamespace(resource.getMetadata().getNamespace())
                .build());
        patch.setSpec(null);
        patch.setStatus(status);
        return patch;
    }
}

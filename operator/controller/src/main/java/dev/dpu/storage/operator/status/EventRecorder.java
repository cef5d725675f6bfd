package dev.dpu.storage.operator.status;

import dev.dpu.storage.operator.model.Names;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import org.jboss.logging.Logger;

/**
 * Kubernetes Events for what a person should see (`kubectl describe`, `kubectl events`).
 * Callers emit only on transitions, so a steady state adds no events.
 */
public final class EventRecorder {
    private static final Logger LOG = Logger.getLogger(EventRecorder.class);

    private final KubernetesClient client;
    private final Clock clock;

    public EventRecorder(KubernetesClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    public void normal(HasMetadata regarding, String reason, String message) {
        emit(regarding, "Normal", reason, message);
    }

    public void warning(HasMetadata regarding, String reason, String message) {
        emit(regarding, "Warning", reason, message);
    }

    private void emit(HasMetadata regarding, String type, String reason, String message) {
        var meta = regarding.getMetadata();
        String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
        // spotless:off
        var event = new EventBuilder()
                .withNewMetadata()
                    .withGenerateName(meta.getName() + ".")
                    .withNamespace(meta.getNamespace())
                .endMetadata()
                .withType(type)
                .withReason(reason)
                .withMessage(message.length() > 1024 ? message.substring(0, 1021) + "..." : message)
                .withNewSource().withComponent(Names.OPERATOR).endSource()
                .withFirstTimestamp(now)
                .withLastTimestamp(now)
                .withCount(1)
                .withInvolvedObject(new ObjectReferenceBuilder()
                        .withApiVersion(regarding.getApiVersion())
                        .withKind(regarding.getKind())
                        .withName(meta.getName())
                        .withNamespace(meta.getNamespace())
                        .withUid(meta.getUid())
                        .withResourceVersion(meta.getResourceVersion())
                        .build())
                .build();
        // spotless:on
        try {
            client.v1()
                    .events()
                    .inNamespace(meta.getNamespace())
                    .resource(event)
                    .create();
        } catch (KubernetesClientException e) {
            // An event is a courtesy: never fail a reconcile because it could not be recorded.
            LOG.warnf(
                    "could not record event %s on %s/%s: %s",
                    reason, meta.getNamespace(), meta.getName(), e.getMessage());
        }
    }
}

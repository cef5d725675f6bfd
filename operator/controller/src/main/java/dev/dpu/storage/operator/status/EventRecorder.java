package dev.dpu.storage.operator.status;

import dev.dpu.storage.operator.model.Names;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.events.v1.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.api.model.MicroTime;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.ZoneOffset;
import org.jboss.logging.Logger;

/**
 * Kubernetes Events for what a person should see (`kubectl describe`, `kubectl events`).
 * Callers emit only on transitions, so a steady state adds no events.
 */
public final class EventRecorder {
    private static final Logger LOG = Logger.getLogger(EventRecorder.class);
    private static final DateTimeFormatter MICRO_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

    private final KubernetesClient client;
    private final Clock clock;

    public EventRecorder(KubernetesClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    public void normal(HasMetadata regarding, String reason, String note) { emit(regarding, "Normal", reason, note); }

    public void warning(HasMetadata regarding, String reason, String note) { emit(regarding, "Warning", reason, note); }

    private void emit(HasMetadata regarding, String type, String reason, String note) {
        var meta = regarding.getMetadata();
        var event = new EventBuilder()
                .withNewMetadata()
                    .withGenerateName(meta.getName() + ".")
                    .withNamespace(meta.getNamespace())
                .endMetadata()
                .withType(type)
                .withReason(reason)
                .withAction("Reconcile")
                .withNote(note.length() > 1024 ? note.substring(0, 1021) + "..." : note)
                .withReportingController("storage.dpu.dev/" + Names.OPERATOR)
                .withReportingInstance(Names.OPERATOR)
                .withEventTime(new MicroTime(MICRO_TIME.format(clock.instant())))
                .withRegarding(new ObjectReferenceBuilder()
                        .withApiVersion(regarding.getApiVersion())
                        .withKind(regarding.getKind())
                        .withName(meta.getName())
                        .withNamespace(meta.getNamespace())
                        .withUid(meta.getUid())
                        .withResourceVersion(meta.getResourceVersion())
                        .build())
                .build();
        try {
            client.events().v1().events().inNamespace(meta.getNamespace()).resource(event).create();
        } catch (KubernetesClientException e) {
            // An event is a courtesy: never fail a reconcile because it could not be recorded.
            LOG.warnf("could not record event %s on %s/%s: %s", reason, meta.getNamespace(), meta.getName(), e.getMessage());
        }
    }
}

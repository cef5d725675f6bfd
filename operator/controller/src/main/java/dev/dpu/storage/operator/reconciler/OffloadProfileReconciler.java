package dev.dpu.storage.operator.reconciler;

import dev.dpu.storage.api.dataplane.XtsKey;
import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.api.v1alpha1.Encryption;
import dev.dpu.storage.api.v1alpha1.OffloadProfile;
import dev.dpu.storage.api.v1alpha1.OffloadProfileStatus;
import dev.dpu.storage.operator.status.EventRecorder;
import dev.dpu.storage.operator.status.StatusTail;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * OffloadProfile: checks what the API server cannot (the encryption key Secret exists and holds
 * a key the agents will accept: {@link XtsKey}, the same rule they read it with) and lists the
 * pools that use the profile. Pools wait for a Ready
 * profile before they render anything from it.
 */
@ControllerConfiguration(name = OffloadProfileReconciler.NAME)
public class OffloadProfileReconciler implements Reconciler<OffloadProfile> {
    public static final String NAME = "offloadprofile";
    private final Clock clock;
    private InformerEventSource<Secret, OffloadProfile> secrets;
    private InformerEventSource<DpuStoragePool, OffloadProfile> pools;

    public OffloadProfileReconciler() {
        this(Clock.systemUTC());
    }

    public OffloadProfileReconciler(Clock clock) {
        this.clock = clock;
    }

    @Override
    public List<EventSource<?, OffloadProfile>> prepareEventSources(EventSourceContext<OffloadProfile> context) {
        var profiles = context.getPrimaryCache();
        // The operator reads key Secrets only to tell a missing or malformed key apart from a
        // good one; agents get the key through a Secret volume.
        secrets = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(Secret.class, OffloadProfile.class)
                        .withName("key-secrets")
                        .withSecondaryToPrimaryMapper(
                                secret -> Mappers.ids(profiles.list(p -> Mappers.sameNamespace(p, secret)
                                        && keySecretName(p)
                                                .filter(secret.getMetadata().getName()::equals)
                                                .isPresent())))
                        .build(),
                context);
        pools = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(DpuStoragePool.class, OffloadProfile.class)
                        .withName("pools")
                        .withSecondaryToPrimaryMapper(pool -> pool.getSpec() == null
                                        || pool.getSpec().getOffloadProfileRef() == null
                                ? Set.of()
                                : Set.of(new ResourceID(
                                        pool.getSpec().getOffloadProfileRef().getName(),
                                        pool.getMetadata().getNamespace())))
                        .withOnUpdateFilter((n, o) -> Mappers.specChanged(o, n))
                        .build(),
                context);
        return List.of(secrets, pools);
    }

    @Override
    public UpdateControl<OffloadProfile> reconcile(OffloadProfile profile, Context<OffloadProfile> context) {
        String ns = profile.getMetadata().getNamespace();
        OffloadProfileStatus previous = Optional.ofNullable(profile.getStatus()).orElseGet(OffloadProfileStatus::new);
        var conditions = StatusTail.conditions(profile, previous.getConditions(), clock);
        var status = new OffloadProfileStatus();
        status.setObservedGeneration(StatusTail.generation(profile));
        status.setPools(pools.list(
                        ns,
                        p -> Mappers.usesProfile(p, ns, profile.getMetadata().getName()))
                .map(p -> p.getMetadata().getName())
                .sorted()
                .toList());

        Encryption enc = profile.getSpec().getEncryption();
        if (enc == null) {
            conditions.ready(
                    "Valid",
                    "Mode " + profile.getSpec().getMode() + ", used by "
                            + status.getPools().size() + " pool(s).");
        } else {
            String secretName = enc.getKeySecretRef().getName();
            String key = enc.getKeySecretRef().keyOrDefault();
            Optional<Secret> secret = secrets.get(new ResourceID(secretName, ns));
            if (secret.isEmpty()) {
                conditions.stalled(
                        "KeySecretNotFound",
                        "Secret \"" + secretName + "\" (spec.encryption.keySecretRef) does not exist in namespace " + ns
                                + "; create it with the AES-256-XTS key under \"" + key + "\": " + XtsKey.FORMAT + ".");
            } else {
                byte[] keyBytes = keyBytes(secret.get(), key);
                String problem = keyBytes == null ? null : XtsKey.problem(keyBytes);
                if (keyBytes != null) {
                    java.util.Arrays.fill(keyBytes, (byte) 0);
                }
                if (keyBytes == null) {
                    conditions.stalled(
                            "KeyNotInSecret",
                            "Secret \"" + secretName + "\" has no key \"" + key
                                    + "\" (spec.encryption.keySecretRef.key).");
                } else if (problem != null) {
                    conditions.stalled(
                            "KeyInvalid", "Secret \"" + secretName + "\" key \"" + key + "\" " + problem + ".");
                } else {
                    conditions.ready(
                            "Valid",
                            "Mode " + profile.getSpec().getMode() + " with AES-256-XTS, used by "
                                    + status.getPools().size() + " pool(s).");
                }
            }
        }
        status.setConditions(conditions.build());
        StatusTail.warnOnNewStall(
                profile,
                previous.getConditions(),
                status.getConditions(),
                new EventRecorder(context.getClient(), clock));
        return StatusTail.patchIfChanged(profile, previous, status, OffloadProfile::new);
    }

    private static Optional<String> keySecretName(OffloadProfile p) {
        return Optional.ofNullable(p.getSpec())
                .map(s -> s.getEncryption())
                .map(Encryption::getKeySecretRef)
                .map(r -> r.getName());
    }

    /** The bytes under key in the Secret, or null when the key is absent. */
    private static byte[] keyBytes(Secret secret, String key) {
        if (secret.getData() != null && secret.getData().containsKey(key)) {
            return Base64.getDecoder().decode(secret.getData().get(key));
        }
        if (secret.getStringData() != null && secret.getStringData().containsKey(key)) {
            return secret.getStringData().get(key).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        return null;
    }
}

package dev.dpu.storage.operator.reconciler;

import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.api.v1alpha1.Encryption;
import dev.dpu.storage.api.v1alpha1.OffloadProfile;
import dev.dpu.storage.api.v1alpha1.OffloadProfileStatus;
import dev.dpu.storage.operator.status.Conditions;
import dev.dpu.storage.operator.status.EventRecorder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.utils.Serialization;
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
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * OffloadProfile: checks what the API server cannot (the encryption key Secret exists and holds
 * a 64-byte AES-256-XTS key) and lists the pools that use the profile. Pools wait for a Ready
 * profile before they render anything from it.
 */
@ControllerConfiguration(name = OffloadProfileReconciler.NAME)
public class OffloadProfileReconciler implements Reconciler<OffloadProfile> {
    public static final String NAME = "offloadprofile";
    /** Two AES-256 keys: XTS uses one for data and one for the tweak. */
    static final int XTS_KEY_BYTES = 64;

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
                        .withSecondaryToPrimaryMapper(secret -> Mappers.ids(profiles.list(p -> Mappers.sameNamespace(p, secret)
                                && keySecretName(p).filter(secret.getMetadata().getName()::equals).isPresent())))
                        .build(),
                context);
        pools = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(DpuStoragePool.class, OffloadProfile.class)
                        .withName("pools")
                        .withSecondaryToPrimaryMapper(pool -> pool.getSpec() == null || pool.getSpec().getOffloadProfileRef() == null
                                ? Set.of()
                                : Set.of(new ResourceID(pool.getSpec().getOffloadProfileRef().getName(), pool.getMetadata().getNamespace())))
                        .withOnUpdateFilter((n, o) -> Mappers.specChanged(o, n))
                        .build(),
                context);
        return List.of(secrets, pools);
    }

    @Override
    public UpdateControl<OffloadProfile> reconcile(OffloadProfile profile, Context<OffloadProfile> context) {
        String ns = profile.getMetadata().getNamespace();
        long generation = Objects.requireNonNullElse(profile.getMetadata().getGeneration(), 0L);
        OffloadProfileStatus previous = Optional.ofNullable(profile.getStatus()).orElseGet(OffloadProfileStatus::new);
        var conditions = new Conditions(previous.getConditions(), generation, clock);
        var status = new OffloadProfileStatus();
        status.setObservedGeneration(generation);
        status.setPools(pools.list(ns, p -> Mappers.usesProfile(p, ns, profile.getMetadata().getName()))
                .map(p -> p.getMetadata().getName())
                .sorted()
                .toList());

        Encryption enc = profile.getSpec().getEncryption();
        if (enc == null) {
            conditions.ready("Valid", "Mode " + profile.getSpec().getMode() + ", used by " + status.getPools().size() + " pool(s).");
        } else {
            String secretName = enc.getKeySecretRef().getName();
            String key = enc.getKeySecretRef().keyOrDefault();
            Optional<Secret> secret = secrets.get(new ResourceID(secretName, ns));
            if (secret.isEmpty()) {
                conditions.stalled("KeySecretNotFound", "Secret \"" + secretName + "\" (spec.encryption.keySecretRef) does not exist in namespace "
                        + ns + "; create it with a " + XTS_KEY_BYTES + "-byte key under \"" + key + "\".");
            } else {
                int length = keyLength(secret.get(), key);
                if (length < 0) {
                    conditions.stalled("KeyNotInSecret", "Secret \"" + secretName + "\" has no key \"" + key
                            + "\" (spec.encryption.keySecretRef.key).");
                } else if (length != XTS_KEY_BYTES) {
                    conditions.stalled("KeyInvalid", "Secret \"" + secretName + "\" key \"" + key + "\" holds " + length
                            + " bytes; AES-256-XTS needs exactly " + XTS_KEY_BYTES + " (two AES-256 keys).");
                } else {
                    conditions.ready("Valid", "Mode " + profile.getSpec().getMode() + " with AES-256-XTS, used by "
                            + status.getPools().size() + " pool(s).");
                }
            }
        }
        status.setConditions(conditions.build());

        var before = Conditions.find(previous.getConditions(), Conditions.READY);
        var after = Conditions.find(status.getConditions(), Conditions.READY).orElseThrow();
        if (Conditions.isTrue(status.getConditions(), Conditions.STALLED)
                && (before.isEmpty() || !Objects.equals(before.get().getReason(), after.getReason()))) {
            new EventRecorder(context.getClient(), clock).warning(profile, after.getReason(), after.getMessage());
        }
        if (Serialization.asJson(status).equals(Serialization.asJson(previous))) {
            return UpdateControl.noUpdate();
        }
        var patch = new OffloadProfile();
        patch.setMetadata(new ObjectMetaBuilder().withName(profile.getMetadata().getName()).withNamespace(ns).build());
        patch.setSpec(null);
        patch.setStatus(status);
        return UpdateControl.patchStatus(patch);
    }

    private static Optional<String> keySecretName(OffloadProfile p) {
        return Optional.ofNullable(p.getSpec())
                .map(s -> s.getEncryption())
                .map(Encryption::getKeySecretRef)
                .map(r -> r.getName());
    }

    /** Bytes under key in the Secret, or -1 when the key is absent. */
    private static int keyLength(Secret secret, String key) {
        if (secret.getData() != null && secret.getData().containsKey(key)) {
            return Base64.getDecoder().decode(secret.getData().get(key)).length;
        }
        if (secret.getStringData() != null && secret.getStringData().containsKey(key)) {
            return secret.getStringData().get(key).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        }
        return -1;
    }
}

package dev.dpu.storage.operator;

import dev.dpu.storage.operator.reconciler.DpuStoragePoolReconciler;
import dev.dpu.storage.operator.reconciler.DpuVolumeReconciler;
import dev.dpu.storage.operator.reconciler.OffloadProfileReconciler;
import dev.dpu.storage.operator.reconciler.TenantQoSReconciler;
import dev.dpu.storage.operator.status.VolumeStatuses;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Builds the operator: one Java Operator SDK Operator with the three reconcilers, watching every
 * namespace or those of {@link OperatorSettings#watchNamespaces()} (the informers of each
 * reconciler follow its namespaces; nodes and CRDs are cluster-wide). The application and the
 * integration tests both start it from here.
 */
public final class OperatorFactory {
    private OperatorFactory() {}

    public record Running(Operator operator, DpuStoragePoolReconciler pools) {}

    public static Running create(
            KubernetesClient client, OperatorSettings settings, Consumer<ConfigurationServiceOverrider> more) {
        Operator operator = new Operator(o -> {
            o.withKubernetesClient(client)
                    .withCloseClientOnStop(false)
                    .withCacheSyncTimeout(Duration.ofMinutes(2))
                    .withStopOnInformerErrorDuringStartup(true);
            more.accept(o);
        });
        var volumeStatuses = new VolumeStatuses(Clock.systemUTC());
        var pools = new DpuStoragePoolReconciler(settings, Clock.systemUTC(), volumeStatuses);
        operator.register(pools, o -> watch(o, settings));
        operator.register(new DpuVolumeReconciler(volumeStatuses), o -> watch(o, settings));
        operator.register(new OffloadProfileReconciler(), o -> watch(o, settings));
        operator.register(new TenantQoSReconciler(), o -> watch(o, settings));
        return new Running(operator, pools);
    }

    private static void watch(ControllerConfigurationOverrider<?> o, OperatorSettings settings) {
        if (!settings.watchNamespaces().isEmpty()) {
            o.settingNamespaces(settings.watchNamespaces());
        }
    }
}

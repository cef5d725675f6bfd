package dev.dpu.storage.operator;

import dev.dpu.storage.operator.reconciler.DpuStoragePoolReconciler;
import dev.dpu.storage.operator.reconciler.OffloadProfileReconciler;
import dev.dpu.storage.operator.reconciler.TenantQoSReconciler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Builds the operator: one Java Operator SDK Operator with the three reconcilers, watching
 * every namespace. The application and the integration tests both start it from here.
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
        var pools = new DpuStoragePoolReconciler(settings);
        operator.register(pools);
        operator.register(new OffloadProfileReconciler());
        operator.register(new TenantQoSReconciler());
        return new Running(operator, pools);
    }
}

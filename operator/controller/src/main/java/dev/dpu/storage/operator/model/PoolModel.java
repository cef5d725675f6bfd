package dev.dpu.storage.operator.model;

import dev.dpu.storage.api.dataplane.DataplaneConfig;
import dev.dpu.storage.api.dataplane.DataplaneContract;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;

/**
 * A pool's model, built once per reconcile from its custom resources ({@link #fromCrd}); every
 * desired object is generated from it ({@code generate*()}), so dataplane.json is rendered and
 * hashed exactly once however many dependents use it.
 *
 * @param inputs what the model was built from
 * @param config the rendered data-path configuration
 * @param json dataplane.json as the agents read it
 * @param payload how the ConfigMap stores {@code json} (plain, or compressed when large)
 * @param hash sha256 of {@code json}, what agents report as applied
 * @param restartChecksum hash of the settings only a restart applies (pod template annotation)
 * @param configGeneration the config generation to publish
 */
public record PoolModel(
        PoolInputs inputs,
        DataplaneConfig config,
        String json,
        DataplaneContract.ConfigMapPayload payload,
        String hash,
        String restartChecksum,
        long configGeneration) {

    /** Key under which the reconciler hands the model to the dependents' desired(). */
    public static final String CONTEXT_KEY = "dev.dpu.storage.pool-model";

    public static PoolModel fromCrd(PoolInputs inputs) {
        DataplaneConfig config =
                DataplaneConfigModel.fromCrd(inputs.pool(), inputs.profile(), inputs.tenants(), inputs.volumes());
        String json = DataplaneContract.write(config);
        String hash = DataplaneContract.hash(json);
        long generation = hash.equals(inputs.previousHash())
                ? Math.max(1, inputs.previousGeneration())
                : inputs.previousGeneration() + 1;
        return new PoolModel(
                inputs,
                config,
                json,
                DataplaneContract.toConfigMap(json),
                hash,
                DataplaneContract.restartChecksum(config),
                generation);
    }

    public ConfigMap generateConfigMap() {
        return ConfigMapModel.desired(this);
    }

    public DaemonSet generateDaemonSet() {
        return DaemonSetModel.desired(this);
    }

    public Service generateMetricsService() {
        return MetricsServiceModel.desired(inputs);
    }
}

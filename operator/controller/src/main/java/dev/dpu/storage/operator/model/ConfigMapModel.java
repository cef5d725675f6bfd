package dev.dpu.storage.operator.model;

import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.util.Map;
import java.util.TreeMap;

/** The ConfigMap `<pool>-dataplane` that agents watch: dataplane.json plus its generation and hash. */
public final class ConfigMapModel {
    private ConfigMapModel() {}

    /**
     * The config generation to publish: unchanged while dataplane.json is unchanged, one more
     * than the ConfigMap in the cluster as soon as it changes.
     */
    public static long nextGeneration(PoolInputs inputs, String newHash) {
        return newHash.equals(inputs.previousHash()) ? Math.max(1, inputs.previousGeneration()) : inputs.previousGeneration() + 1;
    }

    public static ConfigMap desired(PoolInputs inputs) {
        DpuStoragePool pool = inputs.pool();
        DataplaneConfig config = DataplaneConfig.render(pool, inputs.profile(), inputs.tenants());
        String hash = config.hash();
        return new ConfigMapBuilder()
                .withNewMetadata()
                    .withName(Names.configMap(pool))
                    .withNamespace(pool.getMetadata().getNamespace())
                    .withLabels(Names.labels(pool, "config"))
                    .withAnnotations(new TreeMap<>(Map.of(
                            Names.CONFIG_GENERATION, Long.toString(nextGeneration(inputs, hash)),
                            Names.CONFIG_HASH, hash)))
                .endMetadata()
                .withData(Map.of(Names.CONFIG_KEY, config.json()))
                .build();
    }
}

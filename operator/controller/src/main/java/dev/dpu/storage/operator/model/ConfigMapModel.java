package dev.dpu.storage.operator.model;

import dev.dpu.storage.api.dataplane.DataplaneContract;
import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.util.Map;
import java.util.TreeMap;

/**
 * The ConfigMap `<pool>-dataplane` that agents watch: dataplane.json (plain, or compressed in
 * binaryData when large: {@link DataplaneContract#toConfigMap}) plus its generation and hash.
 */
public final class ConfigMapModel {
    private ConfigMapModel() {}

    public static ConfigMap desired(PoolModel model) {
        DpuStoragePool pool = model.inputs().pool();
        // spotless:off
        return new ConfigMapBuilder()
                .withNewMetadata()
                    .withName(Names.configMap(pool))
                    .withNamespace(pool.getMetadata().getNamespace())
                    .withLabels(Names.labels(pool, "config"))
                    .withAnnotations(new TreeMap<>(Map.of(
                            DataplaneContract.GENERATION_ANNOTATION, Long.toString(model.configGeneration()),
                            DataplaneContract.HASH_ANNOTATION, model.hash())))
                .endMetadata()
                .withData(model.payload().data().isEmpty() ? null : new TreeMap<>(model.payload().data()))
                .withBinaryData(model.payload().binaryData().isEmpty()
                        ? null
                        : new TreeMap<>(model.payload().binaryData()))
                .build();
        // spotless:on
    }
}

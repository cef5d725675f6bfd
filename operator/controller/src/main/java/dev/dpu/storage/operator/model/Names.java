package dev.dpu.storage.operator.model;

import dev.dpu.storage.api.dataplane.DataplaneContract;
import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import java.util.LinkedHashMap;
import java.util.Map;

/** Names, labels and annotations of everything the operator creates for a pool. */
public final class Names {
    public static final String OPERATOR = "dpu-offload-operator";
    public static final String AGENT = "dpu-agent";

    public static final String LABEL_NAME = "app.kubernetes.io/name";
    public static final String LABEL_INSTANCE = "app.kubernetes.io/instance";
    public static final String LABEL_COMPONENT = "app.kubernetes.io/component";
    public static final String LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String LABEL_POOL = DataplaneContract.POOL_LABEL;
    /** Informers of the operator only cache objects carrying this label. */
    public static final String MANAGED_SELECTOR = LABEL_MANAGED_BY + "=" + OPERATOR;

    // The names operator and agent share are the contract's (operator/api DataplaneContract).
    public static final String RESTART_CHECKSUM = DataplaneContract.RESTART_CHECKSUM_ANNOTATION;
    public static final String CONFIG_GENERATION = DataplaneContract.GENERATION_ANNOTATION;
    public static final String CONFIG_HASH = DataplaneContract.HASH_ANNOTATION;
    public static final String CONFIG_KEY = DataplaneContract.CONFIG_KEY;
    public static final String KEYS_DIR = DataplaneContract.KEYS_DIR;

    private Names() {}

    public static String configMap(DpuStoragePool pool) {
        return DataplaneContract.configMapName(pool.getMetadata().getName());
    }

    public static String daemonSet(DpuStoragePool pool) {
        return pool.getMetadata().getName() + "-agent";
    }

    public static String serviceAccount(DpuStoragePool pool) {
        return pool.getMetadata().getName() + "-agent";
    }

    public static String metricsService(DpuStoragePool pool) {
        return pool.getMetadata().getName() + "-metrics";
    }

    /** Labels that select the agent pods of a pool; immutable in the DaemonSet selector. */
    public static Map<String, String> selectorLabels(DpuStoragePool pool) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(LABEL_NAME, AGENT);
        labels.put(LABEL_POOL, pool.getMetadata().getName());
        return labels;
    }

    /** Labels of every object created for a pool. */
    public static Map<String, String> labels(DpuStoragePool pool, String component) {
        Map<String, String> labels = selectorLabels(pool);
        labels.put(LABEL_INSTANCE, pool.getMetadata().getName());
        labels.put(LABEL_COMPONENT, component);
        labels.put(LABEL_MANAGED_BY, OPERATOR);
        return labels;
    }

    public static String keyFile(String secretName) {
        return DataplaneContract.keyFile(secretName);
    }
}

package dev.dpu.storage.operator.model;

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
    public static final String LABEL_POOL = "storage.dpu.dev/pool";
    /** Informers of the operator only cache objects carrying this label. */
    public static final String MANAGED_SELECTOR = LABEL_MANAGED_BY + "=" + OPERATOR;

    /** Pod template annotation: hash of the configuration that only a restart can apply. */
    public static final String RESTART_CHECKSUM = "storage.dpu.dev/restart-checksum";
    /** ConfigMap annotation: increases with every change of dataplane.json. */
    public static final String CONFIG_GENERATION = "storage.dpu.dev/generation";
    /** ConfigMap annotation: sha256 of dataplane.json, as agents report it. */
    public static final String CONFIG_HASH = "storage.dpu.dev/config-hash";

    public static final String CONFIG_KEY = "dataplane.json";
    public static final String KEYS_DIR = "/etc/dpu/keys";

    private Names() {}

    public static String configMap(DpuStoragePool pool) { return pool.getMetadata().getName() + "-dataplane"; }
    public static String daemonSet(DpuStoragePool pool) { return pool.getMetadata().getName() + "-agent"; }
    public static String serviceAccount(DpuStoragePool pool) { return pool.getMetadata().getName() + "-agent"; }
    public static String metricsService(DpuStoragePool pool) { return pool.getMetadata().getName() + "-metrics"; }

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

    /** NQN of a tenant's subsystem in a pool (contract: nqn.2024-01.dev.dpu:storage.<pool>.<tenant>). */
    public static String subsystemNqn(String pool, String tenant) {
        return "nqn.2024-01.dev.dpu:storage." + pool + "." + tenant;
    }

    public static String keyFile(String secretName) { return KEYS_DIR + "/" + secretName + "/key"; }
}

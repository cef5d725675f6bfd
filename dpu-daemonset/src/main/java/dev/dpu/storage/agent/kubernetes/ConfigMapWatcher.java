package dev.dpu.storage.agent.kubernetes;

import dev.dpu.storage.agent.AgentConfig;
import dev.dpu.storage.agent.dataplane.DataplaneService;
import dev.dpu.storage.api.dataplane.DataplaneContract;
import dev.dpu.storage.api.dataplane.InvalidDataplaneConfigException;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Kubernetes mode: watches the pool's rendered ConfigMap through the API server (seconds, where a
 * mounted ConfigMap file is refreshed by kubelet only after up to a minute or more) and hands
 * every new {@code dataplane.json} to the data path. A deleted ConfigMap does not stop the data
 * path: the last applied config keeps serving until a new one appears. A large configuration
 * arrives compressed ({@link DataplaneContract#fromConfigMap}); a payload that cannot be
 * decompressed is refused like malformed JSON.
 */
@ApplicationScoped
public class ConfigMapWatcher {

    private static final Logger LOG = Logger.getLogger(ConfigMapWatcher.class);
    public static final String DATA_KEY = DataplaneContract.CONFIG_KEY;
    public static final String GENERATION_ANNOTATION = DataplaneContract.GENERATION_ANNOTATION;

    private final AgentConfig config;
    private final DataplaneService dataplane;
    private SharedIndexInformer<ConfigMap> informer;

    public ConfigMapWatcher(AgentConfig config, DataplaneService dataplane) {
        this.config = config;
        this.dataplane = dataplane;
    }

    void start(KubernetesClient client) {
        String namespace = config.namespace().orElseThrow();
        String name = config.configMapName();
        LOG.infof("kubernetes mode: watching ConfigMap %s/%s", namespace, name);
        informer = client.configMaps().inNamespace(namespace).withName(name).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ConfigMap configMap) {
                apply(configMap);
            }

            @Override
            public void onUpdate(ConfigMap old, ConfigMap configMap) {
                apply(configMap);
            }

            @Override
            public void onDelete(ConfigMap configMap, boolean finalStateUnknown) {
                LOG.warnf("ConfigMap %s/%s was deleted; the last applied configuration keeps serving", namespace, name);
            }
        });
    }

    void stop() {
        if (informer != null) {
            informer.close();
        }
    }

    private void apply(ConfigMap configMap) {
        String json;
        try {
            // Plain in data, or gzip-compressed in binaryData for a large pool: the contract decides.
            json = DataplaneContract.fromConfigMap(configMap.getData(), configMap.getBinaryData());
        } catch (InvalidDataplaneConfigException e) {
            dataplane.refuseUnreadable(generationOf(configMap), e.getMessage());
            return;
        }
        dataplane.apply(json, generationOf(configMap));
    }

    /** The operator's config generation; null (number locally) when absent or not a number. */
    static Long generationOf(ConfigMap configMap) {
        var annotations = configMap.getMetadata().getAnnotations();
        String value = annotations == null ? null : annotations.get(GENERATION_ANNOTATION);
        if (value == null) {
            return null;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            LOG.warnf("annotation %s=%s is not a number; numbering configs locally", GENERATION_ANNOTATION, value);
            return null;
        }
    }
}

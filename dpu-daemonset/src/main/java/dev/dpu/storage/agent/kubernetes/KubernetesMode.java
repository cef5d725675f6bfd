package dev.dpu.storage.agent.kubernetes;

import dev.dpu.storage.agent.AgentConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.interceptor.Interceptor;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Starts the Kubernetes side when no config file is set: the ConfigMap watch and the DpuNodeState
 * writer. The client is looked up only here, so standalone mode never builds one. The client
 * configures itself the usual way: the pod's service account in a cluster, KUBECONFIG or
 * ~/.kube/config elsewhere.
 */
@ApplicationScoped
public class KubernetesMode {

    private static final Logger LOG = Logger.getLogger(KubernetesMode.class);

    private final AgentConfig config;
    private final Instance<KubernetesClient> client;
    private final ConfigMapWatcher configMaps;
    private final NodeStateWriter nodeState;

    public KubernetesMode(
            AgentConfig config,
            Instance<KubernetesClient> client,
            ConfigMapWatcher configMaps,
            NodeStateWriter nodeState) {
        this.config = config;
        this.client = client;
        this.configMaps = configMaps;
        this.nodeState = nodeState;
    }

    void onStart(@Observes StartupEvent event) {
        if (config.standalone()) {
            return;
        }
        List<String> missing = new ArrayList<>();
        if (config.nodeName().isEmpty()) {
            missing.add("dpu.agent.node-name (DPU_AGENT_NODE_NAME)");
        }
        if (config.pool().isEmpty()) {
            missing.add("dpu.agent.pool (DPU_AGENT_POOL)");
        }
        if (config.namespace().isEmpty()) {
            missing.add("dpu.agent.namespace (DPU_AGENT_NAMESPACE)");
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("Kubernetes mode needs " + String.join(", ", missing)
                    + "; or set dpu.agent.config-file for standalone mode");
        }
        KubernetesClient kubernetes = client.get();
        LOG.infof(
                "kubernetes mode: node %s, pool %s/%s, API server %s",
                config.nodeName().get(), config.namespace().get(), config.pool().get(), kubernetes.getMasterUrl());
        nodeState.start(kubernetes);
        configMaps.start(kubernetes);
    }

    /** After the data path has drained (LifecycleHooks runs first), report it and stop watching. */
    void onStop(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE + 10) ShutdownEvent event) {
        if (config.standalone()) {
            return;
        }
        configMaps.stop();
        nodeState.stop();
    }
}

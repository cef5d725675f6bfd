package dev.dpu.storage.agent;

import dev.dpu.storage.api.dataplane.DataplaneContract;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** The agent's own settings ({@code dpu.agent.*}); see docs/agent.md. */
@ConfigMapping(prefix = "dpu.agent")
public interface AgentConfig {

    /**
     * Standalone mode when set: the rendered configuration is read from this file (re-read when it
     * changes) and Kubernetes is never contacted.
     */
    Optional<String> configFile();

    /** How often the standalone config file is checked for changes. */
    @WithDefault("1s")
    Duration configPollInterval();

    /** This node's name (the DaemonSet passes spec.nodeName); names the DpuNodeState. */
    Optional<String> nodeName();

    /** The DpuStoragePool this agent serves. */
    Optional<String> pool();

    /** Namespace of the pool, its ConfigMap and the DpuNodeState. */
    Optional<String> namespace();

    /** ConfigMap holding dataplane.json; default {@code <pool>-dataplane}. */
    Optional<String> configMap();

    /** How long a graceful shutdown waits for in-flight I/O before dropping it. */
    @WithDefault("20s")
    Duration drainTimeout();

    /** How often a config refused for an outside reason (key not mounted yet...) is retried. */
    @WithDefault("30s")
    Duration refusedRetryInterval();

    /** Re-applies DpuNodeState this often even without changes (repairs manual edits). */
    @WithDefault("60s")
    Duration nodeStateResync();

    /** Root of /proc and /sys to probe for capabilities (tests point it elsewhere). */
    @WithDefault("/")
    String hostRoot();

    /** How often the state of the remotes (connected, reconnecting, failed) is read from the data path. */
    @WithDefault("2s")
    Duration remoteStateInterval();

    /**
     * The host NQN for remotes when the config sets none: one per node, named after the node (the
     * machine's host name in standalone mode without a node name).
     */
    default String defaultHostNqn() {
        return DataplaneContract.defaultHostNqn(nodeName().orElseGet(AgentConfig::hostName));
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName().toLowerCase(java.util.Locale.ROOT);
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }

    default boolean standalone() {
        return configFile().isPresent();
    }

    default String configMapName() {
        return configMap().orElseGet(() -> DataplaneContract.configMapName(pool().orElseThrow()));
    }
}

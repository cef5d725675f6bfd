package dev.dpu.storage.operator;

import dev.dpu.storage.operator.metrics.FleetMetrics;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Starts the operator with the Quarkus application: Quarkus's Kubernetes client (in-cluster
 * service account or kubeconfig), JOSDK metrics into the Prometheus registry served on
 * /q/metrics, and leader election so that two replicas can run.
 */
@ApplicationScoped
public class OperatorLifecycle {
    private static final Logger LOG = Logger.getLogger(OperatorLifecycle.class);

    @Inject
    KubernetesClient client;

    @Inject
    MeterRegistry registry;

    @Inject
    OperatorSettings settings;

    @ConfigProperty(name = "dpu.operator.leader-election.enabled", defaultValue = "true")
    boolean leaderElection;

    @ConfigProperty(name = "dpu.operator.leader-election.lease-name", defaultValue = "dpu-offload-operator-lease")
    String leaseName;

    private volatile boolean stopping;
    private Operator operator;

    void start(@Observes StartupEvent event) {
        // Per controller, never per object: no label carries a resource's name, so the series stay
        // bounded however many pools, profiles and tenants there are (docs/metrics.md, Operator).
        // (JOSDK's MicrometerMetricsV2 is not usable with the Prometheus registry: it registers
        // events_received_total with two different sets of tag keys and fails on the second.)
        var metrics = MicrometerMetrics.withoutPerResourceMetrics(registry);
        var running = OperatorFactory.create(client, settings, o -> {
            o.withMetrics(metrics);
            if (leaderElection) {
                // The Lease lives in the operator's own namespace (that of its service account).
                o.withLeaderElectionConfiguration(
                        LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(leaseName)
                                .withLeaderCallbacks(new LeaderCallbacks(
                                        () -> LOG.info("leading: reconciling"),
                                        this::lostLeadership,
                                        leader -> LOG.infof("leader is %s", leader)))
                                .build());
            }
        });
        operator = running.operator();
        FleetMetrics.register(registry, running.pools()::cachedPools);
        operator.start();
        LOG.infof(
                "dpu-offload-operator started (leader election %s, watching %s)",
                leaderElection ? "on" : "off",
                settings.watchNamespaces().isEmpty()
                        ? "every namespace"
                        : "namespaces " + String.join(", ", settings.watchNamespaces()));
    }

    void stop(@Observes ShutdownEvent event) {
        stopping = true;
        if (operator != null) {
            operator.stop();
        }
    }

    /**
     * Leadership lost while running (the Lease could not be renewed): exit so that Kubernetes
     * restarts the pod, which rejoins as a follower. During shutdown losing it is expected; there
     * the SDK's own System.exit would deadlock the shutdown hook, so it is turned off.
     */
    private void lostLeadership() {
        if (!stopping) {
            LOG.error("lost the leader Lease; exiting so that this replica restarts as a follower");
            Quarkus.asyncExit(1);
        }
    }

    /** For the readiness check. */
    Operator operator() {
        return operator;
    }
}

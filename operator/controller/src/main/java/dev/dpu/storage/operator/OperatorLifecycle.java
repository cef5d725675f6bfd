package dev.dpu.storage.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
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

    private Operator operator;

    void start(@Observes StartupEvent event) {
        var metrics = MicrometerMetrics.newPerResourceCollectingMicrometerMetricsBuilder(registry).build();
        operator = OperatorFactory.create(client, settings, o -> {
            o.withMetrics(metrics);
            if (leaderElection) {
                // The Lease lives in the operator's own namespace (that of its service account).
                o.withLeaderElectionConfiguration(new LeaderElectionConfiguration(leaseName));
            }
        }).operator();
        operator.start();
        LOG.infof("dpu-offload-operator started (leader election %s)", leaderElection ? "on" : "off");
    }

    void stop(@Observes ShutdownEvent event) {
        if (operator != null) {
            operator.stop();
        }
    }

    /** For the readiness check. */
    Operator operator() { return operator; }
}

package dev.dpu.storage.operator.it;

import static dev.dpu.storage.operator.it.Fixtures.pool;
import static dev.dpu.storage.operator.it.Fixtures.poolSpec;
import static dev.dpu.storage.operator.it.Fixtures.profile;
import static dev.dpu.storage.operator.it.Fixtures.tenant;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.api.v1alpha1.OffloadProfile;
import dev.dpu.storage.api.v1alpha1.TenantQoS;
import dev.dpu.storage.operator.OperatorSettings;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * dpu.operator.watch-namespaces (the Helm chart's watchNamespaces): an operator told to watch
 * one namespace reconciles the profile, pool and tenant there and leaves another namespace's
 * resources without status and without any object made for them.
 */
class WatchNamespacesIT {
    private static final String WATCHED = "watched-ns";
    private static final String OTHER = "unwatched-ns";
    private static OperatorHarness harness;
    private static KubernetesClient client;

    @BeforeAll
    static void startOperator() {
        harness = new OperatorHarness(new OperatorSettings(OperatorHarness.AGENT_IMAGE, Set.of(WATCHED)));
        client = harness.client;
        for (String ns : List.of(WATCHED, OTHER)) {
            client.namespaces()
                    .resource(new NamespaceBuilder()
                            .withNewMetadata()
                            .withName(ns)
                            .endMetadata()
                            .build())
                    .serverSideApply();
        }
    }

    @AfterAll
    static void stopOperator() {
        if (harness != null) {
            harness.close();
        }
    }

    @Test
    void onlyTheWatchedNamespaceIsReconciled() {
        for (String ns : List.of(OTHER, WATCHED)) {
            create(profile(ns, "fast", "mode: ZeroCopy"));
            create(pool(ns, "pool-a", poolSpec("fast", "")));
            create(tenant(ns, "tenant-blue", "poolRef: {name: pool-a}\nvolumes: [vol-a]"));
        }

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(readyReason(client.resources(DpuStoragePool.class)
                            .inNamespace(WATCHED)
                            .withName("pool-a")
                            .get()))
                    .isEqualTo("Available");
            assertThat(readyReason(client.resources(TenantQoS.class)
                            .inNamespace(WATCHED)
                            .withName("tenant-blue")
                            .get()))
                    .isEqualTo("Configured");
        });
        assertThat(client.configMaps()
                        .inNamespace(WATCHED)
                        .withName("pool-a-dataplane")
                        .get())
                .isNotNull();

        // The other namespace was created first: had the operator watched it, it would be done by now.
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(client.resources(OffloadProfile.class)
                            .inNamespace(OTHER)
                            .withName("fast")
                            .get()
                            .getStatus())
                    .isNull();
            assertThat(client.resources(DpuStoragePool.class)
                            .inNamespace(OTHER)
                            .withName("pool-a")
                            .get()
                            .getStatus())
                    .isNull();
            assertThat(client.resources(TenantQoS.class)
                            .inNamespace(OTHER)
                            .withName("tenant-blue")
                            .get()
                            .getStatus())
                    .isNull();
            assertThat(client.configMaps()
                            .inNamespace(OTHER)
                            .withName("pool-a-dataplane")
                            .get())
                    .isNull();
        });
    }

    private static void create(HasMetadata resource) {
        client.resource(resource).create();
    }

    private static String readyReason(DpuStoragePool pool) {
        return pool.getStatus() == null ? null : reason(pool.getStatus().getConditions());
    }

    private static String readyReason(TenantQoS tenant) {
        return tenant.getStatus() == null ? null : reason(tenant.getStatus().getConditions());
    }

    private static String reason(List<io.fabric8.kubernetes.api.model.Condition> conditions) {
        return conditions.stream()
                .filter(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()))
                .map(io.fabric8.kubernetes.api.model.Condition::getReason)
                .findFirst()
                .orElse(null);
    }
}

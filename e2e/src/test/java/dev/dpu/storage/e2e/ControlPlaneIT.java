package dev.dpu.storage.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dpu.storage.testing.RealApiServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Proves the test path every later integration test relies on, against the real API server:
 * a CRD installs and becomes established, a valid custom resource is stored, an invalid one is
 * rejected with the server's own validation message, and a watch delivers events.
 */
class ControlPlaneIT {

    private static final String NAMESPACE = "default";
    private static final ResourceDefinitionContext PROBES = new ResourceDefinitionContext.Builder()
            .withGroup("e2e.storage.dpu.dev")
            .withVersion("v1")
            .withKind("Probe")
            .withPlural("probes")
            .withNamespaced(true)
            .build();

    private static RealApiServer apiServer;

    @BeforeAll
    static void startApiServer() {
        apiServer = RealApiServer.start();
        CustomResourceDefinition crd = apiServer
                .client()
                .apiextensions()
                .v1()
                .customResourceDefinitions()
                .load(ControlPlaneIT.class.getResourceAsStream("/probe-crd.yaml"))
                .item();
        apiServer.client().resource(crd).serverSideApply();
        apiServer
                .client()
                .apiextensions()
                .v1()
                .customResourceDefinitions()
                .withName(crd.getMetadata().getName())
                .waitUntilCondition(ControlPlaneIT::established, 30, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stopApiServer() {
        if (apiServer != null) {
            apiServer.close();
        }
    }

    @Test
    void serverIsTheRealKubernetesAtThePinnedVersion() {
        var version = apiServer.client().getKubernetesVersion();
        assertThat(version.getGitVersion()).startsWith("v" + System.getProperty("kube.version", "1.35.4"));
    }

    @Test
    void validCustomResourceIsStoredAndReadBack() {
        apiServer
                .client()
                .genericKubernetesResources(PROBES)
                .inNamespace(NAMESPACE)
                .resource(probe("stored", 4, 8))
                .create();

        GenericKubernetesResource read = apiServer
                .client()
                .genericKubernetesResources(PROBES)
                .inNamespace(NAMESPACE)
                .withName("stored")
                .get();
        assertThat(read.<Integer>get("spec", "queues")).isEqualTo(4);
    }

    @Test
    void invalidCustomResourceIsRejectedWithTheServersValidationMessage() {
        var probes = apiServer.client().genericKubernetesResources(PROBES).inNamespace(NAMESPACE);

        assertThatThrownBy(() -> probes.resource(probe("too-few-queues", 0, 8)).create())
                .isInstanceOf(KubernetesClientException.class)
                .hasMessageContaining("spec.queues")
                .hasMessageContaining("should be greater than or equal to 1");
        assertThatThrownBy(
                        () -> probes.resource(probe("depth-below-queues", 8, 4)).create())
                .isInstanceOf(KubernetesClientException.class)
                .hasMessageContaining("queueDepth must be at least queues");
        assertThat(probes.withName("too-few-queues").get()).isNull();
    }

    @Test
    void watchDeliversEventsForChanges() throws Exception {
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        var probes = apiServer.client().genericKubernetesResources(PROBES).inNamespace(NAMESPACE);
        try (Watch ignored = probes.watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, GenericKubernetesResource resource) {
                events.add(action + " " + resource.getMetadata().getName());
            }

            @Override
            public void onClose(WatcherException cause) {}
        })) {
            probes.resource(probe("watched", 2, 2)).create();
            probes.withName("watched").edit(p -> {
                p.setAdditionalProperty("spec", Map.of("queues", 2, "queueDepth", 64));
                return p;
            });
            probes.withName("watched").delete();

            assertThat(events.poll(20, TimeUnit.SECONDS)).isEqualTo("ADDED watched");
            assertThat(events.poll(20, TimeUnit.SECONDS)).isEqualTo("MODIFIED watched");
            // A delete may first show as MODIFIED (deletionTimestamp) when finalizers exist; none here.
            assertThat(events.poll(20, TimeUnit.SECONDS)).isEqualTo("DELETED watched");
        }
    }

    private static GenericKubernetesResource probe(String name, int queues, int queueDepth) {
        return new GenericKubernetesResourceBuilder()
                .withApiVersion("e2e.storage.dpu.dev/v1")
                .withKind("Probe")
                .withNewMetadata()
                .withName(name)
                .withNamespace(NAMESPACE)
                .endMetadata()
                .withAdditionalProperties(Map.of("spec", Map.of("queues", queues, "queueDepth", queueDepth)))
                .build();
    }

    private static boolean established(CustomResourceDefinition crd) {
        return crd != null
                && crd.getStatus() != null
                && crd.getStatus().getConditions().stream()
                        .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
    }
}

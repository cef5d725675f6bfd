package dev.dpu.storage.operator.it;

import static dev.dpu.storage.operator.it.Fixtures.pool;
import static dev.dpu.storage.operator.it.Fixtures.poolSpec;
import static dev.dpu.storage.operator.it.Fixtures.profile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Where the Prometheus Operator is installed, each pool also gets a ServiceMonitor. */
class ServiceMonitorIT {
    @Test
    void poolGetsAServiceMonitorOnceTheCrdExists() throws Exception {
        try (var harness = new OperatorHarness()) {
            var client = harness.client;
            String ns = "sm-it";
            client.namespaces()
                    .resource(new NamespaceBuilder()
                            .withNewMetadata()
                            .withName(ns)
                            .endMetadata()
                            .build())
                    .serverSideApply();
            client.resource(profile(ns, "fast", "mode: ZeroCopy")).create();
            client.resource(pool(ns, "pool-a", poolSpec("fast", ""))).create();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> client.services()
                                    .inNamespace(ns)
                                    .withName("pool-a-metrics")
                                    .get()
                            != null);

            // The Prometheus Operator arrives after the pool.
            var crd = Serialization.unmarshal(
                    Files.readString(Path.of("src/test/resources/it/servicemonitor-crd.yaml")),
                    CustomResourceDefinition.class);
            client.resource(crd).serverSideApply();
            client.apiextensions()
                    .v1()
                    .customResourceDefinitions()
                    .withName(crd.getMetadata().getName())
                    .waitUntilCondition(
                            c -> c.getStatus() != null
                                    && c.getStatus().getConditions().stream()
                                            .anyMatch(x ->
                                                    "Established".equals(x.getType()) && "True".equals(x.getStatus())),
                            30,
                            TimeUnit.SECONDS);

            GenericKubernetesResource sm = await().atMost(Duration.ofSeconds(30))
                    .until(
                            () -> client.genericKubernetesResources("monitoring.coreos.com/v1", "ServiceMonitor")
                                    .inNamespace(ns)
                                    .withName("pool-a-metrics")
                                    .get(),
                            r -> r != null);
            Map<String, Object> spec = sm.get("spec");
            assertThat(sm.<Map<String, String>>get("spec", "selector", "matchLabels"))
                    .containsEntry("storage.dpu.dev/pool", "pool-a")
                    .containsEntry("app.kubernetes.io/component", "metrics");
            assertThat(sm.<List<Map<String, Object>>>get("spec", "endpoints"))
                    .singleElement()
                    .satisfies(e -> assertThat(e).containsEntry("port", "http").containsEntry("path", "/q/metrics"));
            assertThat(spec).isNotNull();
            // The Service it selects carries the labels it selects on.
            assertThat(client.services()
                            .inNamespace(ns)
                            .withName("pool-a-metrics")
                            .get()
                            .getMetadata()
                            .getLabels())
                    .containsEntry("storage.dpu.dev/pool", "pool-a")
                    .containsEntry("app.kubernetes.io/component", "metrics");
        }
    }
}

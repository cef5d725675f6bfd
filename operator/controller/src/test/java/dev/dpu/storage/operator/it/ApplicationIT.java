package dev.dpu.storage.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged operator (target/quarkus-app) as a process, against the test API server: it
 * becomes ready, takes the leader Lease, reconciles a pool, and serves JOSDK metrics.
 */
class ApplicationIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static Process app;
    private static Path log;
    private static int port;
    private static KubernetesClient client;
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeAll
    static void startApplication() throws IOException {
        TestApiServer.installCrds();
        client = TestApiServer.newClient();
        Path jar = Path.of("target/quarkus-app/quarkus-run.jar");
        assertThat(jar).as("packaged application (mvn package)").exists();
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        log = Files.createTempFile("operator-app-", ".log");
        ProcessBuilder pb = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Dquarkus.http.port=" + port,
                        "-jar",
                        jar.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("KUBECONFIG", TestApiServer.kubeConfigFile().toString());
        pb.environment().put("DPU_AGENT_IMAGE", "registry.test/dpu-agent:app");
        app = pb.start();
    }

    @AfterAll
    static void stopApplication() throws Exception {
        if (app != null) {
            app.destroy();
            // A clean shutdown releases the Lease and exits; a hang here is a bug.
            if (!app.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                app.destroyForcibly();
                throw new AssertionError("the operator did not stop within 30 s of SIGTERM:\n" + Files.readString(log));
            }
        }
        if (client != null) {
            client.close();
        }
        if (log != null) {
            Files.deleteIfExists(log);
        }
    }

    @Test
    void packagedOperatorLeadsReconcilesAndExportsMetrics() throws Exception {
        await("operator readiness")
                .atMost(TIMEOUT)
                .pollInterval(Duration.ofSeconds(1))
                .ignoreExceptionsInstanceOf(java.net.ConnectException.class)
                .until(() -> get("/q/health/ready").statusCode() == 200);

        var lease = client.leases().inAnyNamespace().list().getItems().stream()
                .filter(l -> l.getMetadata().getName().equals("dpu-offload-operator-lease"))
                .findFirst();
        assertThat(lease).as("leader Lease").isPresent();

        String ns = "app-it";
        client.namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName(ns)
                        .endMetadata()
                        .build())
                .serverSideApply();
        client.resource(Serialization.unmarshal(
                        """
                apiVersion: storage.dpu.dev/v1alpha1
                kind: OffloadProfile
                metadata: {name: plain, namespace: app-it}
                spec: {mode: NonOffload}
                """,
                        io.fabric8.kubernetes.api.model.GenericKubernetesResource.class))
                .create();
        client.resource(Serialization.unmarshal(
                        """
                apiVersion: storage.dpu.dev/v1alpha1
                kind: DpuStoragePool
                metadata: {name: lab, namespace: app-it}
                spec:
                  nodeSelector: {test.dpu.dev/no-such-label: "true"}
                  offloadProfileRef: {name: plain}
                  backends: [{name: mem, type: Ram}]
                  volumes: [{name: scratch, nsid: 1, size: 64Mi, backend: mem, tenant: lab}]
                """,
                        io.fabric8.kubernetes.api.model.GenericKubernetesResource.class))
                .create();

        await().atMost(TIMEOUT)
                .until(() -> client.apps()
                                .daemonSets()
                                .inNamespace(ns)
                                .withName("lab-agent")
                                .get()
                        != null);
        assertThat(client.apps()
                        .daemonSets()
                        .inNamespace(ns)
                        .withName("lab-agent")
                        .get()
                        .getSpec()
                        .getTemplate()
                        .getSpec()
                        .getContainers()
                        .getFirst()
                        .getImage())
                .isEqualTo("registry.test/dpu-agent:app");
        await().atMost(TIMEOUT).until(() -> {
            DpuStoragePool p = client.resources(DpuStoragePool.class)
                    .inNamespace(ns)
                    .withName("lab")
                    .get();
            return p.getStatus() != null
                    && p.getStatus().getConditions().stream()
                            .anyMatch(c ->
                                    c.getType().equals("Ready") && c.getStatus().equals("True"));
        });

        String metrics = get("/q/metrics").body();
        assertThat(metrics)
                .as("JOSDK Micrometer metrics")
                .contains("operator_sdk_")
                .contains("dpustoragepool")
                .containsPattern("(?m)^operator_sdk_controllers_execution_reconcile_seconds_bucket\\{.*le=\"0\\.005\"");
        // Fleet totals, summed from the pools' status: at least this Ready pool counts.
        assertThat(metrics)
                .containsPattern("(?m)^dpu_operator_pools\\{ready=\"true\"} [1-9][0-9]*\\.0$")
                .containsPattern("(?m)^dpu_operator_pool_nodes\\{state=\"desired\"} [0-9]+\\.0$");
        // No series is labelled with an object's name or namespace: bounded whatever the fleet.
        assertThat(metrics.lines().filter(l -> l.startsWith("operator_sdk_") || l.startsWith("dpu_operator_")))
                .noneMatch(l -> l.contains("name=\"lab\"") || l.contains("namespace=\"" + ns + "\""));
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        if (!app.isAlive()) {
            throw new AssertionError("the operator exited:\n" + Files.readString(log));
        }
        try {
            return HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            if (!app.isAlive()) {
                throw new AssertionError("the operator exited:\n" + Files.readString(log), e);
            }
            throw e;
        }
    }
}

package dev.dpu.storage.operator.it;

import static dev.dpu.storage.operator.it.Fixtures.pool;
import static dev.dpu.storage.operator.it.Fixtures.poolSpec;
import static dev.dpu.storage.operator.it.Fixtures.profile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.operator.model.Names;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Deleting a pool removes everything the operator made for it: the operator sets owner
 * references and no finalizer, and Kubernetes' own garbage collector (the real
 * kube-controller-manager, garbagecollector controller only) deletes the objects.
 */
class GarbageCollectionIT {
    @Test
    void deletingAPoolDeletesWhatItBecame() throws Exception {
        Path kcm = TestApiServer.kubectl().toRealPath().resolveSibling("kube-controller-manager");
        assertThat(kcm).as("kube-controller-manager from e2e/build-kube.sh").isExecutable();
        Path log = Files.createTempFile("kube-controller-manager-", ".log");
        Process gc = new ProcessBuilder(
                        kcm.toString(),
                        "--kubeconfig",
                        TestApiServer.kubeConfigFile().toString(),
                        "--controllers",
                        "garbagecollector",
                        "--leader-elect=false",
                        "--secure-port",
                        Integer.toString(freePort()),
                        "--bind-address",
                        "127.0.0.1")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try (var harness = new OperatorHarness()) {
            var client = harness.client;
            String ns = "gc-it";
            client.namespaces()
                    .resource(new NamespaceBuilder()
                            .withNewMetadata()
                            .withName(ns)
                            .endMetadata()
                            .build())
                    .serverSideApply();
            client.resource(profile(ns, "fast", "mode: ZeroCopy")).create();
            client.resource(pool(ns, "pool-a", poolSpec("fast", ""))).create();
            List<Class<? extends HasMetadata>> kinds = List.of(
                    ConfigMap.class,
                    DaemonSet.class,
                    Service.class,
                    ServiceAccount.class,
                    Role.class,
                    RoleBinding.class);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                for (var kind : kinds) {
                    assertThat(client.resources(kind)
                                    .inNamespace(ns)
                                    .withLabel(Names.LABEL_POOL, "pool-a")
                                    .list()
                                    .getItems())
                            .as(kind.getSimpleName())
                            .isNotEmpty();
                }
            });

            client.resources(DpuStoragePool.class)
                    .inNamespace(ns)
                    .withName("pool-a")
                    .delete();

            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(gc.isAlive())
                        .as("kube-controller-manager is running (log " + log + ")")
                        .isTrue();
                for (var kind : kinds) {
                    assertThat(client.resources(kind)
                                    .inNamespace(ns)
                                    .withLabel(Names.LABEL_POOL, "pool-a")
                                    .list()
                                    .getItems())
                            .as(kind.getSimpleName() + " left behind")
                            .isEmpty();
                }
            });
        } finally {
            gc.destroy();
            gc.waitFor();
            if (!gc.isAlive()) {
                Files.deleteIfExists(log);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}

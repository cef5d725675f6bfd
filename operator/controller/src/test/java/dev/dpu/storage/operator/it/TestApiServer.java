package dev.dpu.storage.operator.it;

import dev.dpu.storage.testing.RealApiServer;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One real kube-apiserver + etcd (fabric8 kube-api-test, offline) for all integration tests of
 * this module, started on first use and stopped when the test JVM exits. The binaries come from
 * e2e/build-kube.sh; without them the tests fail, they never skip.
 */
public final class TestApiServer {
    private static RealApiServer server;
    private static String kubeConfigYaml;
    private static Path kubeConfigFile;

    private TestApiServer() {}

    public static synchronized KubernetesClient newClient() {
        start();
        return new KubernetesClientBuilder()
                .withConfig(Config.fromKubeconfig(kubeConfigYaml))
                .build();
    }

    /** A kubeconfig file for kubectl. */
    public static synchronized Path kubeConfigFile() {
        start();
        return kubeConfigFile;
    }

    public static Path kubectl() {
        return RealApiServer.kubectl();
    }

    public static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("crds"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException(
                    "crds/ not found above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    /** Applies crds/ with the real kubectl and waits until every CRD is Established. */
    public static synchronized void installCrds() {
        start();
        run(List.of(
                kubectl().toString(),
                "--kubeconfig",
                kubeConfigFile.toString(),
                "apply",
                "--server-side",
                "-k",
                repositoryRoot().resolve("crds").toString()));
        try (KubernetesClient client = newClient()) {
            for (CustomResourceDefinition crd : client.apiextensions()
                    .v1()
                    .customResourceDefinitions()
                    .list()
                    .getItems()) {
                client.apiextensions()
                        .v1()
                        .customResourceDefinitions()
                        .resource(crd)
                        .waitUntilCondition(
                                c -> c.getStatus() != null
                                        && c.getStatus().getConditions().stream()
                                                .anyMatch(x -> "Established".equals(x.getType())
                                                        && "True".equals(x.getStatus())),
                                30,
                                TimeUnit.SECONDS);
            }
        }
    }

    /** Runs a command, returns its output; fails with the output when it exits non-zero. */
    public static String run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out;
            try (InputStream in = p.getInputStream()) {
                out = new String(in.readAllBytes());
            }
            if (!p.waitFor(Duration.ofMinutes(2).toSeconds(), TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " failed:\n" + out);
            }
            return out;
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static void start() {
        if (server != null) {
            return;
        }
        RealApiServer s = RealApiServer.start();
        server = s;
        kubeConfigYaml = s.kubeconfigYaml();
        try {
            kubeConfigFile = Files.createTempFile("kubeapitest-", ".kubeconfig");
            Files.writeString(kubeConfigFile, kubeConfigYaml);
        } catch (IOException e) {
            throw new AssertionError("cannot write kubeconfig", e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            try {
                Files.deleteIfExists(kubeConfigFile);
            } catch (IOException ignored) {
                // temp file; the OS cleans up
            }
        }));
    }
}

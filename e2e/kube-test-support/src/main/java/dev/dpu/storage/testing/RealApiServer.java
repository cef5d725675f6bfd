package dev.dpu.storage.testing;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The real etcd + kube-apiserver that e2e/build-kube.sh built, run by fabric8 kube-api-test in
 * offline mode. Never downloads anything and never falls back to a mock: when the binaries are
 * missing, starting fails and says how to build them. The location and version come from the
 * system properties kube.api.test.dir and kube.version, which test.sh and the parent POM set.
 */
public final class RealApiServer implements AutoCloseable {

    private final KubeAPIServer server;
    private final String kubeconfigYaml;
    private final KubernetesClient client;

    private RealApiServer(KubeAPIServer server) {
        this.server = server;
        this.kubeconfigYaml = server.getKubeConfigYaml();
        this.client = newClient();
    }

    /** Starts etcd and kube-apiserver on free loopback ports and waits until they are ready. */
    public static RealApiServer start() {
        List<String> missing = Stream.of("etcd", "kube-apiserver", "kubectl")
                .filter(binary -> !Files.isExecutable(binDir().resolve(binary)))
                .toList();
        if (!missing.isEmpty()) {
            throw new IllegalStateException("Kubernetes " + version() + " binaries " + missing
                    + " are missing in " + binDir() + ": run e2e/build-kube.sh (it builds the real"
                    + " components from their Go modules once and caches them) and try again.");
        }
        KubeAPIServer server = new KubeAPIServer(KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withTestDir(testDir().toString())
                .withApiServerVersion(version())
                .withOfflineMode(true)
                .withUpdateKubeConfig(false) // never touch the user's ~/.kube/config
                .build());
        server.start();
        return new RealApiServer(server);
    }

    /** The client this object closes with the server. */
    public KubernetesClient client() {
        return client;
    }

    /** A new client the caller closes. */
    public KubernetesClient newClient() {
        return new KubernetesClientBuilder()
                .withConfig(Config.fromKubeconfig(kubeconfigYaml))
                .build();
    }

    /** A kubeconfig for another process (kubectl, the agent, the operator) to reach this server. */
    public String kubeconfigYaml() {
        return kubeconfigYaml;
    }

    /** The Kubernetes version of the binaries, e.g. "1.35.4". */
    public static String version() {
        return System.getProperty("kube.version", "1.35.4");
    }

    /** The kubectl built with the server. */
    public static Path kubectl() {
        return binDir().resolve("kubectl");
    }

    private static Path testDir() {
        String dir = System.getProperty("kube.api.test.dir");
        if (dir == null || dir.isBlank()) {
            dir = System.getProperty("user.home") + "/.cache/dpu-offload/kubeapitest";
        }
        return Path.of(dir);
    }

    private static Path binDir() {
        return testDir().resolve("k8s").resolve(version() + "-linux-amd64");
    }

    @Override
    public void close() {
        client.close();
        server.stop();
    }
}

package dev.dpu.storage.agent.it;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real etcd + kube-apiserver that e2e/build-kube.sh built, run by fabric8 kube-api-test in
 * offline mode (the same way as e2e's RealApiServer). Never downloads and never falls back to a
 * mock: missing binaries fail the test with the command that builds them.
 */
final class RealApiServer implements AutoCloseable {

  private final KubeAPIServer server;
  private final KubernetesClient client;

  private RealApiServer(KubeAPIServer server, KubernetesClient client) {
    this.server = server;
    this.client = client;
  }

  static RealApiServer start() {
    String testDir = System.getProperty("kube.api.test.dir",
        System.getProperty("user.home") + "/.cache/dpu-offload/kubeapitest");
    String version = System.getProperty("kube.version", "1.35.4");
    Path binaries = Path.of(testDir, "k8s", version + "-linux-amd64");
    for (String binary : new String[] {"etcd", "kube-apiserver", "kubectl"}) {
      if (!Files.isExecutable(binaries.resolve(binary))) {
        throw new IllegalStateException("No " + binary + " in " + binaries
            + ": run e2e/build-kube.sh (it builds the real Kubernetes " + version
            + " components from their Go modules) and try again.");
      }
    }
    KubeAPIServer server = new KubeAPIServer(KubeAPIServerConfigBuilder.anAPIServerConfig()
        .withTestDir(testDir)
        .withApiServerVersion(version)
        .withOfflineMode(true)
        .withUpdateKubeConfig(false)
        .build());
    server.start();
    KubernetesClient client = new KubernetesClientBuilder()
        .withConfig(Config.fromKubeconfig(server.getKubeConfigYaml()))
        .build();
    return new RealApiServer(server, client);
  }

  KubernetesClient client() {
    return client;
  }

  /** A kubeconfig for another process (the agent) to reach this API server. */
  String kubeconfigYaml() {
    return server.getKubeConfigYaml();
  }

  @Override
  public void close() {
    client.close();
    server.stop();
  }
}

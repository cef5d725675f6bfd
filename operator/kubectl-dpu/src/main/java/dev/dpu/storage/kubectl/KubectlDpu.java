package dev.dpu.storage.kubectl;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.PrintStream;
import java.time.Duration;

/**
 * {@code kubectl dpu}: the storage pools as declared joined with what the DPU data path does.
 *
 * <pre>
 * kubectl dpu status [-n NS | -A] [--interval 1s] [--metrics-url URL]...
 * kubectl dpu connect TENANT [-n NS] [--host-nqn NQN] [--node NODE]
 * kubectl dpu migrate-volumes POOL [-n NS]
 * </pre>
 *
 * Exit codes: 0 done, 1 refused (connect: the host may not connect) or failed, 2 bad usage.
 */
public final class KubectlDpu {
    static final String USAGE =
            """
            usage: kubectl dpu status [-n NAMESPACE | -A] [--interval SECONDS] [--metrics-url URL]...
                   kubectl dpu connect TENANT [-n NAMESPACE] [--host-nqn NQN] [--node NODE]
                   kubectl dpu migrate-volumes POOL [-n NAMESPACE]
              status   pools (nodes ready/desired, offload mode requested and effective), tenants with
                       their limits and, when the agents' metrics endpoints answer, current IOPS,
                       bandwidth, p99 latency and QoS throttling per tenant
              connect  the nvme connect command line for this host and the tenant's subsystem on
                       each ready node; refuses when the tenant does not allow the host
              migrate-volumes  DpuVolume manifests for the pool's inline volumes (spec.volumes),
                       identical in content, so they keep serving; apply or commit them, wait
                       until they are Ready, then remove spec.volumes from the pool
              --kubeconfig FILE and KUBECONFIG select the cluster as for kubectl.
            """;

    private KubectlDpu() {}

    public static void main(String[] argv) {
        System.exit(run(argv, System.out, System.err));
    }

    static int run(String[] argv, PrintStream out, PrintStream err) {
        Args args;
        try {
            args = Args.parse(argv);
        } catch (IllegalArgumentException e) {
            err.println("kubectl dpu: " + e.getMessage());
            err.print(USAGE);
            return 2;
        }
        if (args.help()) {
            out.print(USAGE);
            return 0;
        }
        KubernetesClient connected;
        try {
            connected = client(args);
        } catch (IllegalArgumentException e) {
            err.println("kubectl dpu: " + e.getMessage());
            return 2;
        }
        try (KubernetesClient client = connected) {
            String namespace = args.namespace() != null ? args.namespace() : client.getNamespace();
            if (namespace == null) {
                namespace = "default";
            }
            return switch (args.command()) {
                case "status" ->
                    new StatusCommand(client, new AgentMetrics(Duration.ofMillis(800)))
                            .run(args.allNamespaces() ? null : namespace, args.interval(), args.metricsUrls(), out);
                case "connect" ->
                    new ConnectCommand(client).run(namespace, args.target(), args.hostNqn(), args.node(), out, err);
                case "migrate-volumes" -> new MigrateVolumesCommand(client).run(namespace, args.target(), out, err);
                default -> throw new IllegalStateException(args.command());
            };
        } catch (KubernetesClientException e) {
            err.println(
                    "kubectl dpu: the API server at " + connected.getMasterUrl() + " refused or could not be reached ("
                            + client(e) + "): " + rootMessage(e)
                            + "; check KUBECONFIG or --kubeconfig, as for kubectl");
            return 1;
        }
    }

    private static KubernetesClient client(Args args) {
        Config config = args.kubeconfig() == null
                ? Config.autoConfigure(null)
                : Config.fromKubeconfig(null, readFile(args.kubeconfig()), args.kubeconfig());
        config.setRequestTimeout(10_000);
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    private static String client(KubernetesClientException e) {
        return e.getCode() > 0 ? "HTTP " + e.getCode() : "no answer";
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root == e) {
            return e.getMessage();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    private static String readFile(String file) {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of(file));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot read --kubeconfig " + file + ": " + e.getMessage(), e);
        }
    }
}

package dev.dpu.storage.kubectl;

import dev.dpu.storage.api.v1alpha1.DpuNodeState;
import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.api.v1alpha1.OffloadProfile;
import dev.dpu.storage.api.v1alpha1.TenantQoS;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** kubectl dpu connect TENANT: reads what ConnectPlan needs and prints its lines or its refusal. */
final class ConnectCommand {
    /** Where nvme-cli keeps this host's NQN. */
    static final Path HOST_NQN_FILE = Path.of("/etc/nvme/hostnqn");

    private final KubernetesClient client;

    ConnectCommand(KubernetesClient client) {
        this.client = client;
    }

    int run(String ns, String tenantName, String hostNqn, String node, PrintStream out, PrintStream err) {
        if (hostNqn == null) {
            hostNqn = localHostNqn();
            if (hostNqn == null) {
                err.println("kubectl dpu: give the host's NQN with --host-nqn (nvme-cli keeps it in " + HOST_NQN_FILE
                        + ", which this machine does not have)");
                return 2;
            }
        }
        TenantQoS tenant = client.resources(TenantQoS.class)
                .inNamespace(ns)
                .withName(tenantName)
                .get();
        if (tenant == null) {
            err.println("kubectl dpu: no TenantQoS " + tenantName + " in namespace " + ns + " (kubectl get tqos -n "
                    + ns + " lists them)");
            return 1;
        }
        String poolName = tenant.getSpec().getPoolRef().getName();
        DpuStoragePool pool = client.resources(DpuStoragePool.class)
                .inNamespace(ns)
                .withName(poolName)
                .get();
        OffloadProfile profile = pool == null
                ? null
                : client.resources(OffloadProfile.class)
                        .inNamespace(ns)
                        .withName(pool.getSpec().getOffloadProfileRef().getName())
                        .get();
        var states = client.resources(DpuNodeState.class).inNamespace(ns).list().getItems().stream()
                .filter(s -> s.getSpec() != null && poolName.equals(s.getSpec().getPool()))
                .sorted(java.util.Comparator.comparing(s -> s.getSpec().getNodeName()))
                .toList();
        var plan = ConnectPlan.of(tenant, pool, profile, states, Cluster.nodes(client), hostNqn, node);
        if (plan.refusal() != null) {
            err.println("kubectl dpu: refused: " + plan.refusal());
            return 1;
        }
        plan.lines().forEach(out::println);
        return 0;
    }

    private static String localHostNqn() {
        try {
            return Files.isReadable(HOST_NQN_FILE)
                    ? Files.readString(HOST_NQN_FILE).strip()
                    : null;
        } catch (IOException e) {
            return null;
        }
    }
}

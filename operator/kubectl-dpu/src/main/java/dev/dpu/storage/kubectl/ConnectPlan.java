package dev.dpu.storage.kubectl;

import dev.dpu.storage.api.dataplane.DataplaneContract;
import dev.dpu.storage.api.v1alpha1.DpuNodeState;
import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.api.v1alpha1.OffloadProfile;
import dev.dpu.storage.api.v1alpha1.TenantQoS;
import dev.dpu.storage.api.v1alpha1.Volume;
import io.fabric8.kubernetes.api.model.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The nvme connect command lines for one host and one tenant, or why the host may not connect:
 * a pure function of the tenant, its pool and profile, the pool's node states and the nodes.
 */
record ConnectPlan(List<String> lines, String refusal) {

    static ConnectPlan refused(String reason) {
        return new ConnectPlan(List.of(), reason);
    }

    static ConnectPlan of(
            TenantQoS tenant,
            DpuStoragePool pool,
            OffloadProfile profile,
            List<DpuNodeState> states,
            Map<String, Node> nodes,
            String hostNqn,
            String onlyNode) {
        String ns = tenant.getMetadata().getNamespace();
        String name = tenant.getMetadata().getName();
        String poolName = tenant.getSpec().getPoolRef().getName();
        if (pool == null) {
            return refused("TenantQoS " + ns + "/" + name + " names pool \"" + poolName
                    + "\" (spec.poolRef), which does not exist in namespace " + ns + ".");
        }
        if (profile == null) {
            return refused("pool " + ns + "/" + poolName + " uses OffloadProfile \""
                    + pool.getSpec().getOffloadProfileRef().getName()
                    + "\", which does not exist: its nodes serve nothing new until it does.");
        }
        boolean anyHost = Boolean.TRUE.equals(tenant.getSpec().getAllowAnyHost());
        List<String> allowed = tenant.getSpec().getHostNqns();
        if (!anyHost && !allowed.contains(hostNqn)) {
            return refused("host " + hostNqn + " is not allowed to connect to tenant " + ns + "/" + name
                    + (allowed.isEmpty()
                            ? ": its TenantQoS allows no host (spec.hostNqns is empty)"
                            : " (spec.hostNqns: " + String.join(", ", allowed) + ")")
                    + "; the target would refuse it (\"host not allowed\"). Add the host to spec.hostNqns"
                    + " of TenantQoS " + name + " to allow it.");
        }
        int defaultPort = pool.getSpec().getListener() == null
                        || pool.getSpec().getListener().getPort() == null
                ? 4420
                : pool.getSpec().getListener().getPort();
        String nqn = DataplaneContract.subsystemNqn(poolName, name);
        List<String> digests = new ArrayList<>();
        if (Boolean.TRUE.equals(profile.getSpec().getHeaderDigest())) {
            digests.add("--hdr-digest");
        }
        if (Boolean.TRUE.equals(profile.getSpec().getDataDigest())) {
            digests.add("--data-digest");
        }
        List<String> lines = new ArrayList<>();
        List<String> volumes = pool.getSpec().getVolumes().stream()
                .filter(v -> name.equals(v.getTenant()))
                .map(ConnectPlan::describe)
                .toList();
        lines.add("# tenant " + ns + "/" + name + ", subsystem " + nqn + "; volumes: "
                + (volumes.isEmpty() ? "none yet" : String.join(", ", volumes)));
        if (!digests.isEmpty()) {
            lines.add("# OffloadProfile " + profile.getMetadata().getName() + " requires "
                    + String.join(" and ", digests) + ": a connect without them is refused");
        }
        int ready = 0;
        for (DpuNodeState state : states) {
            String node = state.getSpec().getNodeName();
            if (onlyNode != null && !onlyNode.equals(node)) {
                continue;
            }
            if (!isReady(state)) {
                lines.add("# node " + node + ": not ready, skipped");
                continue;
            }
            var address = NodeAddresses.listener(state, nodes, defaultPort);
            if (address.isEmpty()) {
                lines.add("# node " + node + ": no reachable address known (listener on every address, no InternalIP)");
                continue;
            }
            ready++;
            lines.add("# node " + node + " (" + state.getStatus().getEffectiveOffloadMode() + ")");
            lines.add("nvme connect -t tcp -a " + address.get().host() + " -s "
                    + address.get().port() + " -n " + nqn + " --hostnqn " + hostNqn
                    + (digests.isEmpty() ? "" : " " + String.join(" ", digests)));
        }
        if (ready == 0) {
            return refused("no node of pool " + ns + "/" + poolName
                    + (onlyNode == null ? "" : " named " + onlyNode)
                    + " is ready to serve tenant " + name + " (" + states.size()
                    + " node state(s)); kubectl -n " + ns + " get dpunode shows them.");
        }
        return new ConnectPlan(lines, null);
    }

    private static boolean isReady(DpuNodeState state) {
        return state.getStatus() != null
                && state.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static String describe(Volume v) {
        return v.getName() + " (nsid " + v.getNsid() + ", " + v.getSize() + ")";
    }
}

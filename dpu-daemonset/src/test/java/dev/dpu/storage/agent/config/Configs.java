package dev.dpu.storage.agent.config;

import dev.dpu.storage.api.dataplane.DataplaneConfig;
import dev.dpu.storage.api.dataplane.NamespaceSpec;
import dev.dpu.storage.api.dataplane.SubsystemSpec;
import dev.dpu.storage.api.dataplane.TenantLimits;
import dev.dpu.storage.api.dataplane.TenantSpec;
import java.util.ArrayList;
import java.util.List;

/** Small builders for test configurations, shaped like what the operator renders. */
final class Configs {

    static final String HOST_A = "nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555";
    static final String HOST_B = "nqn.2014-08.org.nvmexpress:uuid:66666666-7777-8888-9999-000000000000";

    private Configs() {}

    static String nqn(String tenant) {
        return "nqn.2024-01.dev.dpu:storage.pool-a." + tenant;
    }

    static NamespaceSpec ram(int nsid, long size) {
        return new NamespaceSpec(nsid, "vol-" + nsid, "ram", null, size, 512);
    }

    static SubsystemSpec subsystem(String tenant, List<String> hosts, NamespaceSpec... namespaces) {
        return new SubsystemSpec(nqn(tenant), tenant, false, hosts, List.of(namespaces));
    }

    static TenantSpec tenant(String name, long totalIops) {
        return new TenantSpec(name, new TenantLimits(0L, 0L, totalIops, 0L, 0L, 0L, 0L, 0L));
    }

    static DataplaneConfig config(List<SubsystemSpec> subsystems, List<TenantSpec> tenants) {
        return new DataplaneConfig(
                "pool-a", new DataplaneConfig.Listen("127.0.0.1", 4420), null, null, null, subsystems, tenants);
    }

    static <T> List<T> plus(List<T> list, T item) {
        List<T> copy = new ArrayList<>(list);
        copy.add(item);
        return copy;
    }
}

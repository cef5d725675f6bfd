package dev.dpu.storage.agent.config;

import dev.dpu.storage.api.dataplane.DataplaneConfig;
import dev.dpu.storage.api.dataplane.NamespaceSpec;
import dev.dpu.storage.api.dataplane.RemoteSpec;
import dev.dpu.storage.api.dataplane.SubsystemSpec;
import dev.dpu.storage.api.dataplane.TenantSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Pure function from (running config, wanted config) to the ordered operations that turn one into
 * the other. Subsystems, hosts and namespaces that did not change produce no operation, so their
 * connections keep running untouched.
 *
 * <p>Order, and why:
 * <ol>
 *   <li>namespaces removed, hosts disallowed, allowAnyHost switched off, subsystems removed -
 *       access is narrowed first, so a revoked host never sees a new namespace in between; then
 *       remotes removed, once no namespace lives on them;</li>
 *   <li>the digests new connections must use, then tenants created or their limits replaced -
 *       tenants must exist before a subsystem uses them;</li>
 *   <li>remotes added, subsystems added, then their namespaces, then allowAnyHost switched on and
 *       hosts allowed - access is opened last, so a host never connects to a half-filled
 *       subsystem;</li>
 *   <li>tenants removed - after every subsystem that referred to them is gone.</li>
 * </ol>
 * Process-wide settings (listen, reactors, reactorCpus, reactorPolling, offload except its digest requirements)
 * are not applied live; they are reported in {@link Result#restartNeeded()}. A remote whose settings
 * or host NQN change is replaced: removed with its namespaces, added again with them (hosts see
 * those namespaces go and come back).
 */
public final class ConfigDiff {

    private ConfigDiff() {}

    public record Result(List<ConfigOp> operations, List<String> restartNeeded) {
        public boolean isEmpty() {
            return operations.isEmpty();
        }
    }

    public static Result between(DataplaneConfig running, DataplaneConfig wanted) {
        Map<String, SubsystemSpec> before = byKey(running.subsystems(), SubsystemSpec::nqn);
        Map<String, SubsystemSpec> after = byKey(wanted.subsystems(), SubsystemSpec::nqn);
        Map<String, TenantSpec> tenantsBefore = byKey(running.tenants(), TenantSpec::name);
        Map<String, TenantSpec> tenantsAfter = byKey(wanted.tenants(), TenantSpec::name);

        Map<String, RemoteSpec> remotesBefore = byKey(running.remotes(), RemoteSpec::name);
        Map<String, RemoteSpec> remotesAfter = byKey(wanted.remotes(), RemoteSpec::name);
        boolean hostNqnChanged = !Objects.equals(running.hostNqn(), wanted.hostNqn());
        // Remotes that go away or come back different (their namespaces go and come back with them).
        java.util.Set<String> replaced = new java.util.TreeSet<>();
        for (RemoteSpec old : remotesBefore.values()) {
            if (hostNqnChanged || !old.equals(remotesAfter.get(old.name()))) {
                replaced.add(old.name());
            }
        }

        List<ConfigOp> narrow = new ArrayList<>();
        List<ConfigOp> tenants = new ArrayList<>();
        List<ConfigOp> widen = new ArrayList<>();
        List<ConfigOp> tenantRemovals = new ArrayList<>();

        for (SubsystemSpec old : before.values()) {
            SubsystemSpec now = after.get(old.nqn());
            boolean gone = now == null || !old.sameIdentity(now);
            // Namespaces go one by one even when the whole subsystem goes, so each leaves its tenant.
            for (NamespaceSpec ns : old.namespaces()) {
                if (gone
                        || !now.namespace(ns.nsid()).map(ns::equals).orElse(false)
                        || (ns.remote() != null && replaced.contains(ns.remote()))) {
                    narrow.add(new ConfigOp.RemoveNamespace(old.nqn(), old.tenant(), ns.nsid()));
                }
            }
            if (gone) {
                narrow.add(new ConfigOp.RemoveSubsystem(old.nqn()));
                continue;
            }
            if (old.allowAnyHost() && !now.allowAnyHost()) {
                narrow.add(new ConfigOp.SetAllowAnyHost(old.nqn(), false));
            }
            for (String host : old.hosts()) {
                if (!now.hosts().contains(host)) {
                    narrow.add(new ConfigOp.RemoveHost(old.nqn(), host));
                }
            }
        }

        for (String name : replaced) {
            narrow.add(new ConfigOp.RemoveRemote(name));
        }
        List<ConfigOp> remoteAdds = new ArrayList<>();
        for (RemoteSpec now : remotesAfter.values()) {
            if (!remotesBefore.containsKey(now.name()) || replaced.contains(now.name())) {
                remoteAdds.add(new ConfigOp.AddRemote(now, wanted.hostNqn()));
            }
        }
        widen.addAll(remoteAdds);

        DataplaneConfig.Offload offloadBefore = running.offload();
        DataplaneConfig.Offload offloadAfter = wanted.offload();
        if (!offloadBefore.requireHeaderDigest().equals(offloadAfter.requireHeaderDigest())
                || !offloadBefore.requireDataDigest().equals(offloadAfter.requireDataDigest())) {
            tenants.add(
                    new ConfigOp.RequireDigests(offloadAfter.requireHeaderDigest(), offloadAfter.requireDataDigest()));
        }
        for (TenantSpec tenant : tenantsAfter.values()) {
            if (!tenant.equals(tenantsBefore.get(tenant.name()))) {
                tenants.add(new ConfigOp.SetTenant(tenant));
            }
        }

        for (SubsystemSpec now : after.values()) {
            SubsystemSpec old = before.get(now.nqn());
            boolean fresh = old == null || !old.sameIdentity(now);
            if (fresh) {
                widen.add(new ConfigOp.AddSubsystem(now.shell()));
            }
            for (NamespaceSpec ns : now.namespaces()) {
                if (fresh
                        || !old.namespace(ns.nsid()).map(ns::equals).orElse(false)
                        || (ns.remote() != null && replaced.contains(ns.remote()))) {
                    widen.add(new ConfigOp.AddNamespace(now.nqn(), now.tenant(), ns));
                }
            }
            if (now.allowAnyHost() && (fresh || !old.allowAnyHost())) {
                widen.add(new ConfigOp.SetAllowAnyHost(now.nqn(), true));
            }
            for (String host : now.hosts()) {
                if (fresh || !old.hosts().contains(host)) {
                    widen.add(new ConfigOp.AddHost(now.nqn(), host));
                }
            }
        }

        for (TenantSpec tenant : tenantsBefore.values()) {
            if (!tenantsAfter.containsKey(tenant.name())) {
                tenantRemovals.add(new ConfigOp.RemoveTenant(tenant.name()));
            }
        }

        List<ConfigOp> ops = new ArrayList<>(narrow);
        ops.addAll(tenants);
        ops.addAll(widen);
        ops.addAll(tenantRemovals);
        return new Result(List.copyOf(ops), restartNeeded(running, wanted));
    }

    /** Names of the process-wide settings that differ; they take effect at the next start. */
    static List<String> restartNeeded(DataplaneConfig running, DataplaneConfig wanted) {
        List<String> fields = new ArrayList<>();
        if (!Objects.equals(running.listen(), wanted.listen())) {
            fields.add("listen");
        }
        if (!Objects.equals(running.reactors(), wanted.reactors())) {
            fields.add("reactors");
        }
        if (!Objects.equals(running.reactorCpus(), wanted.reactorCpus())) {
            fields.add("reactorCpus");
        }
        if (!Objects.equals(running.reactorPolling(), wanted.reactorPolling())) {
            fields.add("reactorPolling");
        }
        if (!Objects.equals(
                running.offload().restartRelevant(), wanted.offload().restartRelevant())) {
            fields.add("offload");
        }
        return List.copyOf(fields);
    }

    private static <T> Map<String, T> byKey(List<T> items, Function<T, String> key) {
        return items.stream().collect(Collectors.toMap(key, Function.identity(), (a, b) -> a, LinkedHashMap::new));
    }
}

package dev.dpu.storage.kubectl;

import dev.dpu.storage.api.v1alpha1.DpuNodeState;
import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.api.v1alpha1.OffloadProfile;
import dev.dpu.storage.api.v1alpha1.TenantQoS;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * kubectl dpu status: pools and tenants as declared and as reported, with the tenants' current
 * I/O from their agents' metrics when those answer (two scrapes, --interval apart).
 */
final class StatusCommand {
    private final KubernetesClient client;
    private final AgentMetrics metrics;

    StatusCommand(KubernetesClient client, AgentMetrics metrics) {
        this.client = client;
        this.metrics = metrics;
    }

    /** namespace null: every namespace. */
    int run(String namespace, Duration interval, List<String> metricsUrls, PrintStream out) {
        List<DpuStoragePool> pools = list(client.resources(DpuStoragePool.class), namespace);
        List<OffloadProfile> profiles = list(client.resources(OffloadProfile.class), namespace);
        List<TenantQoS> tenants = list(client.resources(TenantQoS.class), namespace);
        List<DpuNodeState> states = list(client.resources(DpuNodeState.class), namespace);
        String where = namespace == null ? "any namespace" : "namespace " + namespace;
        if (pools.isEmpty() && tenants.isEmpty()) {
            out.println("No DpuStoragePool or TenantQoS in " + where + ".");
            return 0;
        }
        Map<String, Node> nodes = Cluster.nodes(client);

        // Which agents to ask, per pool: the given URLs, or each node's listener host and the pool's httpPort.
        Map<String, Set<String>> endpoints = new LinkedHashMap<>();
        List<String> unreachable = new ArrayList<>();
        for (DpuStoragePool pool : pools) {
            Set<String> urls = new LinkedHashSet<>(metricsUrls);
            if (metricsUrls.isEmpty()) {
                int httpPort = Optional.ofNullable(pool.getSpec().getHttpPort()).orElse(9480);
                for (DpuNodeState s : statesOf(pool, states)) {
                    NodeAddresses.listener(s, nodes, 0)
                            .ifPresentOrElse(
                                    a -> urls.add(a.url(httpPort)),
                                    () -> unreachable.add(s.getSpec().getNodeName() + " (no address)"));
                }
            }
            endpoints.put(key(pool), urls);
        }
        Set<String> allUrls = new LinkedHashSet<>();
        endpoints.values().forEach(allUrls::addAll);
        Map<String, AgentMetrics.Scrape> first = scrapeAll(allUrls);
        long start = System.nanoTime();
        boolean anyAnswered = first.values().stream().anyMatch(AgentMetrics.Scrape::ok);
        Map<String, AgentMetrics.Scrape> second = Map.of();
        if (anyAnswered) {
            sleep(interval);
            second = scrapeAll(allUrls);
        }
        double seconds = (System.nanoTime() - start) / 1e9;

        Table poolTable =
                new Table("NAMESPACE", "POOL", "PROFILE", "READY", "UP-TO-DATE", "MODE (ASKED -> RUNNING)", "STATUS");
        List<String> notes = new ArrayList<>();
        for (DpuStoragePool pool : pools) {
            var st = pool.getStatus();
            String desired = st == null || st.getNodesDesired() == null
                    ? "?"
                    : st.getNodesDesired().toString();
            String asked = profiles.stream()
                    .filter(p -> sameNamespace(p, pool)
                            && p.getMetadata()
                                    .getName()
                                    .equals(pool.getSpec()
                                            .getOffloadProfileRef()
                                            .getName()))
                    .map(p -> String.valueOf(p.getSpec().getMode()))
                    .findFirst()
                    .orElse("(no profile)");
            String running = st == null || st.getEffectiveOffloadMode() == null ? "-" : st.getEffectiveOffloadMode();
            Optional<Condition> ready = condition(st == null ? null : st.getConditions(), "Ready");
            poolTable.row(
                    pool.getMetadata().getNamespace(),
                    pool.getMetadata().getName(),
                    pool.getSpec().getOffloadProfileRef().getName(),
                    (st == null || st.getNodesReady() == null ? "?" : st.getNodesReady()) + "/" + desired,
                    (st == null || st.getNodesUpToDate() == null ? "?" : st.getNodesUpToDate()) + "/" + desired,
                    asked + " -> " + running,
                    ready.map(c -> ("True".equals(c.getStatus()) ? "Ready" : "NotReady") + " (" + c.getReason() + ")")
                            .orElse("no status yet"));
            ready.filter(c -> !"True".equals(c.getStatus()))
                    .ifPresent(c -> notes.add("pool " + key(pool) + ": " + c.getMessage()));
        }
        poolTable.print(out);
        notes.forEach(out::println);

        out.println();
        Table tenantTable = new Table(
                "NAMESPACE", "TENANT", "POOL", "HOSTS", "LIMITS", "IOPS", "BANDWIDTH", "P99", "THROTTLED/S", "STATUS");
        for (TenantQoS t : tenants) {
            String poolName = t.getSpec().getPoolRef().getName();
            String poolKey = t.getMetadata().getNamespace() + "/" + poolName;
            List<MetricSample> before = samples(first, endpoints.getOrDefault(poolKey, Set.of()));
            List<MetricSample> after = samples(second, endpoints.getOrDefault(poolKey, Set.of()));
            boolean measured = !after.isEmpty();
            TenantRates rates = measured
                    ? TenantRates.between(
                            before, after, seconds, poolName, t.getMetadata().getName())
                    : null;
            var st = t.getStatus();
            tenantTable.row(
                    t.getMetadata().getNamespace(),
                    t.getMetadata().getName(),
                    poolName,
                    Boolean.TRUE.equals(t.getSpec().getAllowAnyHost())
                            ? "any"
                            : String.valueOf(t.getSpec().getHostNqns().size()),
                    Units.limits(t.getSpec().getLimits()),
                    measured ? Units.count(rates.iops()) : "-",
                    measured ? Units.bytesPerSecond(rates.bytesPerSecond()) : "-",
                    measured ? Units.latency(rates.p99Seconds()) : "-",
                    measured ? Units.count(rates.throttledPerSecond()) : "-",
                    condition(st == null ? null : st.getConditions(), "Ready")
                            .map(c ->
                                    ("True".equals(c.getStatus()) ? "Ready" : "NotReady") + " (" + c.getReason() + ")")
                            .orElse("no status yet"));
        }
        if (!tenantTable.isEmpty()) {
            tenantTable.print(out);
        }
        out.println();
        long answered = second.values().stream().filter(AgentMetrics.Scrape::ok).count();
        if (allUrls.isEmpty()) {
            out.println("Agent metrics: no agent address known"
                    + (unreachable.isEmpty() ? "" : " (" + String.join(", ", unreachable) + ")")
                    + "; give --metrics-url http://HOST:PORT/q/metrics.");
        } else {
            out.printf(
                    "Agent metrics: %d of %d endpoint(s) answered, rates over %.1f s (%s).%n",
                    answered, allUrls.size(), seconds, String.join(", ", allUrls));
            first.values().stream()
                    .filter(s -> !s.ok())
                    .forEach(s -> out.println("  not reachable: " + s.url() + ": " + s.error()));
        }
        return 0;
    }

    private Map<String, AgentMetrics.Scrape> scrapeAll(Set<String> urls) {
        Map<String, AgentMetrics.Scrape> result = new LinkedHashMap<>();
        urls.forEach(u -> result.put(u, metrics.scrape(u)));
        return result;
    }

    private static List<MetricSample> samples(Map<String, AgentMetrics.Scrape> scrapes, Set<String> urls) {
        List<MetricSample> all = new ArrayList<>();
        for (String u : urls) {
            var s = scrapes.get(u);
            if (s != null && s.ok()) {
                all.addAll(s.samples());
            }
        }
        return all;
    }

    private static List<DpuNodeState> statesOf(DpuStoragePool pool, List<DpuNodeState> states) {
        return states.stream()
                .filter(s -> sameNamespace(s, pool)
                        && s.getSpec() != null
                        && pool.getMetadata().getName().equals(s.getSpec().getPool()))
                .sorted(Comparator.comparing(s -> s.getSpec().getNodeName()))
                .toList();
    }

    private static <T extends HasMetadata> List<T> list(
            MixedOperation<T, ? extends KubernetesResourceList<T>, ?> op, String namespace) {
        var items = namespace == null
                ? op.inAnyNamespace().list().getItems()
                : op.inNamespace(namespace).list().getItems();
        return items.stream()
                .sorted(Comparator.comparing((T r) -> r.getMetadata().getNamespace())
                        .thenComparing(r -> r.getMetadata().getName()))
                .toList();
    }

    private static boolean sameNamespace(HasMetadata a, HasMetadata b) {
        return a.getMetadata().getNamespace().equals(b.getMetadata().getNamespace());
    }

    private static String key(HasMetadata r) {
        return r.getMetadata().getNamespace() + "/" + r.getMetadata().getName();
    }

    private static Optional<Condition> condition(List<Condition> conditions, String type) {
        return conditions == null
                ? Optional.empty()
                : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

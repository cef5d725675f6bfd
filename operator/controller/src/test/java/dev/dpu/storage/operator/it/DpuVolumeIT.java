package dev.dpu.storage.operator.it;

import static dev.dpu.storage.operator.it.Fixtures.pool;
import static dev.dpu.storage.operator.it.Fixtures.poolSpec;
import static dev.dpu.storage.operator.it.Fixtures.profile;
import static dev.dpu.storage.operator.it.Fixtures.tenant;
import static dev.dpu.storage.operator.it.Fixtures.volume;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.dpu.storage.api.dataplane.DataplaneConfig;
import dev.dpu.storage.api.dataplane.DataplaneContract;
import dev.dpu.storage.api.dataplane.NamespaceSpec;
import dev.dpu.storage.api.dataplane.SubsystemSpec;
import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.api.v1alpha1.DpuVolume;
import dev.dpu.storage.api.v1alpha1.TenantQoS;
import dev.dpu.storage.operator.model.Names;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * DpuVolume objects against a real kube-apiserver with the operator running: a pool serves more
 * volumes than spec.volumes can hold, conflicts are decided for the older volume and explained in
 * the newer one's status, a volume's change renders its own pool only, and a volume moved from
 * spec.volumes to an object keeps its namespace.
 */
class DpuVolumeIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final AtomicInteger NAMESPACES = new AtomicInteger();
    private static OperatorHarness harness;
    private static KubernetesClient client;
    private String ns;

    @BeforeAll
    static void startOperator() {
        harness = new OperatorHarness();
        client = harness.client;
    }

    @AfterAll
    static void stopOperator() {
        if (harness != null) {
            harness.close();
        }
    }

    @BeforeEach
    void namespace() {
        ns = "vol-" + NAMESPACES.incrementAndGet();
        client.namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName(ns)
                        .endMetadata()
                        .build())
                .create();
    }

    @Test
    void aPoolServesThreeHundredVolumeObjectsAndTheOlderVolumeWinsAConflict() {
        create(profile(ns, "fast", "mode: ZeroCopy"));
        create(pool(ns, "pool-a", poolSpec("fast", "")));
        create(tenant(ns, "tenant-blue", "poolRef: {name: pool-a}\nallowAnyHost: true"));
        create(tenant(ns, "fleet", "poolRef: {name: pool-a}\nallowAnyHost: true"));
        // More than the 256 that spec.volumes may hold, all for one tenant.
        for (int i = 1; i <= 320; i++) {
            create(volume(
                    ns,
                    "fv-%03d".formatted(i),
                    "poolRef: {name: pool-a}\ntenant: fleet\nnsid: %d\nsize: 64Mi\nbackend: mem".formatted(i)));
        }
        await().atMost(TIMEOUT)
                .until(() -> namespacesOf(config("pool-a"), "fleet").size() == 320);
        DpuStoragePool served = awaitPool(
                "pool-a", p -> Integer.valueOf(322).equals(p.getStatus().getVolumesServed()));
        assertThat(served.getStatus().getVolumesRejected()).isZero();
        assertThat(namespacesOf(config("pool-a"), "fleet"))
                .containsEntry(5, "fv-005")
                .containsEntry(320, "fv-320");
        DpuVolume one = awaitVolume(
                "fv-005", v -> ready(v).map(c -> "True".equals(c.getStatus())).orElse(false));
        assertThat(ready(one).orElseThrow().getReason()).isEqualTo("Served");
        assertThat(one.getStatus().getSubsystemNqn()).isEqualTo(DataplaneContract.subsystemNqn("pool-a", "fleet"));
        await().atMost(TIMEOUT)
                .until(
                        () -> client.resources(TenantQoS.class)
                                .inNamespace(ns)
                                .withName("fleet")
                                .get(),
                        t -> t.getStatus() != null && t.getStatus().getVolumes().size() == 320);

        // A newer volume takes a served nsid: it is rejected, the older one keeps serving.
        create(volume(ns, "late", "poolRef: {name: pool-a}\ntenant: fleet\nnsid: 5\nsize: 1Gi\nbackend: mem"));
        Condition lost = stalled("late", "NsidInUse");
        assertThat(lost.getMessage())
                .isEqualTo("nsid 5 of tenant \"fleet\" is already used by DpuVolume \"fv-005\" in pool \"pool-a\";"
                        + " choose another nsid (unique among the tenant's volumes). The volume is not served.");
        assertThat(namespacesOf(config("pool-a"), "fleet")).containsEntry(5, "fv-005");
        awaitPool("pool-a", p -> Integer.valueOf(1).equals(p.getStatus().getVolumesRejected()));

        // What only the pool can tell, each said in the volume's status.
        create(volume(ns, "vol-a", "poolRef: {name: pool-a}\ntenant: tenant-blue\nnsid: 9\nsize: 1Gi\nbackend: mem"));
        assertThat(stalled("vol-a", "NameInUse").getMessage()).contains("already serves a volume named \"vol-a\"");
        create(volume(ns, "no-backend", "poolRef: {name: pool-a}\ntenant: fleet\nnsid: 400\nsize: 1Gi\nbackend: ssd"));
        assertThat(stalled("no-backend", "BackendNotFound").getMessage())
                .isEqualTo("Pool \"pool-a\" has no backend \"ssd\" (its backends: mem); fix spec.backend. The volume is"
                        + " not served.");
        create(volume(ns, "no-tenant", "poolRef: {name: pool-a}\ntenant: nobody\nnsid: 1\nsize: 1Gi\nbackend: mem"));
        assertThat(stalled("no-tenant", "TenantNotFound").getMessage())
                .startsWith("No TenantQoS \"nobody\" references pool \"pool-a\"");
        create(volume(ns, "no-pool", "poolRef: {name: pool-z}\ntenant: fleet\nnsid: 1\nsize: 1Gi\nbackend: mem"));
        assertThat(stalled("no-pool", "PoolNotFound").getMessage())
                .startsWith("DpuStoragePool \"pool-z\" (spec.poolRef) does not exist in namespace " + ns);
        create(volume(
                ns,
                "remote-nsid",
                "poolRef: {name: pool-a}\ntenant: fleet\nnsid: 401\nsize: 1Gi\nbackend: mem\nremoteNsid: 3"));
        assertThat(stalled("remote-nsid", "RemoteNsidNotAllowed").getMessage()).contains("remove spec.remoteNsid");
        assertThat(namespacesOf(config("pool-a"), "fleet")).hasSize(320);

        // Deleting the winner removes its namespace from the next generation; the loser is next.
        client.resources(DpuVolume.class).inNamespace(ns).withName("fv-005").delete();
        await().atMost(TIMEOUT).until(() -> "late"
                .equals(namespacesOf(config("pool-a"), "fleet").get(5)));
        awaitVolume(
                "late", v -> ready(v).map(c -> "Served".equals(c.getReason())).orElse(false));
    }

    @Test
    void aVolumeChangeRendersOnlyItsPoolAndItsStatusWritesRenderNothing() throws InterruptedException {
        create(profile(ns, "fast", "mode: ZeroCopy"));
        create(pool(ns, "pool-a", poolSpec("fast", "")));
        create(pool(ns, "pool-b", poolSpec("fast", "")));
        create(tenant(ns, "tenant-blue", "poolRef: {name: pool-a}\nallowAnyHost: true"));
        create(volume(ns, "data", "poolRef: {name: pool-a}\ntenant: tenant-blue\nnsid: 2\nsize: 1Gi\nbackend: mem"));
        awaitVolume("data", v -> ready(v).map(c -> "True".equals(c.getStatus())).orElse(false));
        awaitPool("pool-b", p -> p.getStatus().getConfigGeneration() != null);
        String aGeneration = generation("pool-a");
        String bGeneration = generation("pool-b");
        long before = settledReconcileCount();

        client.resources(DpuVolume.class).inNamespace(ns).withName("data").edit(v -> {
            v.getSpec().setSize("2Gi");
            return v;
        });
        await().atMost(TIMEOUT).until(() -> !aGeneration.equals(generation("pool-a")));
        long after = settledReconcileCount();
        assertThat(after - before)
                .as("pool reconciles for one volume's change (its status write included)")
                .isEqualTo(1);
        assertThat(generation("pool-b")).isEqualTo(bGeneration);
        NamespaceSpec data = config("pool-a").subsystems().stream()
                .filter(s -> s.tenant().equals("tenant-blue"))
                .flatMap(s -> s.namespaces().stream())
                .filter(n -> "data".equals(n.volume()))
                .findFirst()
                .orElseThrow();
        assertThat(data.sizeBytes()).isEqualTo(2L << 30);
    }

    @Test
    void volumesMovedFromSpecVolumesToObjectsKeepServingUnchanged() throws InterruptedException {
        create(profile(ns, "fast", "mode: ZeroCopy"));
        create(pool(ns, "pool-a", poolSpec("fast", "")));
        create(tenant(ns, "tenant-blue", "poolRef: {name: pool-a}\nallowAnyHost: true"));
        create(tenant(ns, "tenant-red", "poolRef: {name: pool-a}\nallowAnyHost: true"));
        for (String t : List.of("tenant-blue", "tenant-red")) {
            await().atMost(TIMEOUT)
                    .until(
                            () -> client.resources(TenantQoS.class)
                                    .inNamespace(ns)
                                    .withName(t)
                                    .get(),
                            q -> q.getStatus() != null && q.getStatus().getSubsystemNqn() != null);
        }
        awaitPool("pool-a", p -> p.getStatus().getConfigHash() != null);
        settledReconcileCount(); // the tenants are rendered: the configuration hosts use from now on
        String hash = hash("pool-a");
        String generation = generation("pool-a");

        // 1. The same volumes as objects (what kubectl dpu migrate-volumes prints): rendered once.
        create(volume(ns, "vol-a", "poolRef: {name: pool-a}\ntenant: tenant-blue\nnsid: 1\nsize: 1Gi\nbackend: mem"));
        create(volume(ns, "vol-b", "poolRef: {name: pool-a}\ntenant: tenant-red\nnsid: 1\nsize: 2Gi\nbackend: mem"));
        for (String v : List.of("vol-a", "vol-b")) {
            DpuVolume moved = awaitVolume(
                    v, x -> ready(x).map(c -> "True".equals(c.getStatus())).orElse(false));
            assertThat(ready(moved).orElseThrow().getMessage())
                    .contains("spec.volumes of the pool lists the same volume");
        }
        awaitPool("pool-a", p -> Integer.valueOf(2).equals(p.getStatus().getVolumesServed()));

        // 2. spec.volumes removed altogether: the objects serve them from now on.
        client.resources(DpuStoragePool.class)
                .inNamespace(ns)
                .withName("pool-a")
                .edit(p -> {
                    p.getSpec().setVolumes(null);
                    return p;
                });
        awaitPool(
                "pool-a",
                p -> p.getStatus().getObservedGeneration() == 2L
                        && Integer.valueOf(2).equals(p.getStatus().getVolumesServed()));
        awaitVolume("vol-a", v -> ready(v).map(c -> !c.getMessage().contains("spec.volumes"))
                .orElse(false));
        assertThat(client.resources(DpuStoragePool.class)
                        .inNamespace(ns)
                        .withName("pool-a")
                        .get()
                        .getSpec()
                        .getVolumes())
                .isNullOrEmpty();
        assertThat(namespacesOf(config("pool-a"), "tenant-blue")).containsExactly(Map.entry(1, "vol-a"));
        assertThat(namespacesOf(config("pool-a"), "tenant-red")).containsExactly(Map.entry(1, "vol-b"));
        assertThat(hash("pool-a"))
                .as("the rendered configuration never changed")
                .isEqualTo(hash);
        assertThat(generation("pool-a")).isEqualTo(generation);
    }

    private void create(HasMetadata resource) {
        resource.getMetadata().setNamespace(ns);
        client.resource(resource).create();
    }

    private ConfigMap configMap(String pool) {
        return client.configMaps().inNamespace(ns).withName(pool + "-dataplane").get();
    }

    private DataplaneConfig config(String pool) {
        try {
            ConfigMap cm = configMap(pool);
            return DataplaneContract.read(DataplaneContract.fromConfigMap(cm.getData(), cm.getBinaryData()));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private String generation(String pool) {
        return configMap(pool).getMetadata().getAnnotations().get(Names.CONFIG_GENERATION);
    }

    private String hash(String pool) {
        return configMap(pool).getMetadata().getAnnotations().get(Names.CONFIG_HASH);
    }

    /** nsid to volume name in the tenant's subsystem. */
    private static Map<Integer, String> namespacesOf(DataplaneConfig config, String tenant) {
        Map<Integer, String> result = new TreeMap<>();
        for (SubsystemSpec s : config.subsystems()) {
            if (tenant.equals(s.tenant())) {
                s.namespaces().forEach(n -> result.put(n.nsid(), n.volume()));
            }
        }
        return result;
    }

    private Condition stalled(String volume, String reason) {
        DpuVolume v = awaitVolume(
                volume, x -> ready(x).map(c -> reason.equals(c.getReason())).orElse(false));
        assertThat(condition(v.getStatus().getConditions(), "Stalled"))
                .get()
                .extracting(Condition::getStatus)
                .isEqualTo("True");
        return ready(v).orElseThrow();
    }

    private DpuVolume awaitVolume(String name, java.util.function.Predicate<DpuVolume> until) {
        return await().atMost(TIMEOUT)
                .until(
                        () -> client.resources(DpuVolume.class)
                                .inNamespace(ns)
                                .withName(name)
                                .get(),
                        v -> v != null && v.getStatus() != null && until.test(v));
    }

    private DpuStoragePool awaitPool(String name, java.util.function.Predicate<DpuStoragePool> until) {
        return await().atMost(TIMEOUT)
                .until(
                        () -> client.resources(DpuStoragePool.class)
                                .inNamespace(ns)
                                .withName(name)
                                .get(),
                        p -> p != null && p.getStatus() != null && until.test(p));
    }

    private static Optional<Condition> ready(DpuVolume v) {
        return condition(v.getStatus().getConditions(), "Ready");
    }

    private static Optional<Condition> condition(List<Condition> conditions, String type) {
        return conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    private long settledReconcileCount() throws InterruptedException {
        long last = -1;
        for (int i = 0; i < 20; i++) {
            long now = harness.pools.reconcileCount();
            if (now == last) {
                return now;
            }
            last = now;
            Thread.sleep(2000);
        }
        throw new AssertionError("reconciles never settled: " + last);
    }
}

package dev.dpu.storage.operator.it;

import static dev.dpu.storage.operator.it.Fixtures.nodeState;
import static dev.dpu.storage.operator.it.Fixtures.pool;
import static dev.dpu.storage.operator.it.Fixtures.poolSpec;
import static dev.dpu.storage.operator.it.Fixtures.profile;
import static dev.dpu.storage.operator.it.Fixtures.tenant;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.dpu.storage.api.dataplane.DataplaneContract;
import dev.dpu.storage.api.v1alpha1.DpuNodeState;
import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.api.v1alpha1.OffloadProfile;
import dev.dpu.storage.api.v1alpha1.TenantQoS;
import dev.dpu.storage.operator.model.Names;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The operator against a real kube-apiserver: create, update and delete flows of every kind, as a
 * user drives them with kubectl. Each test has its own namespace; the API server and the
 * operator are shared by the class.
 */
class OperatorIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
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
    void namespace(TestInfo test) {
        ns = "it-" + NAMESPACES.incrementAndGet();
        client.namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName(ns)
                        .endMetadata()
                        .build())
                .create();
    }

    @Test
    void missingProfileIsReportedAndPickedUpWhenItAppears() {
        create(pool(ns, "pool-a", poolSpec("fast", "")));

        DpuStoragePool stalled = awaitPool("pool-a", p -> hasCondition(p, "Stalled", "True", "OffloadProfileNotFound"));
        assertThat(condition(stalled, "Ready")).hasValueSatisfying(c -> {
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getMessage()).contains("OffloadProfile \"fast\" does not exist in namespace " + ns);
        });
        assertThat(stalled.getStatus().getObservedGeneration())
                .isEqualTo(stalled.getMetadata().getGeneration());
        assertThat(client.configMaps()
                        .inNamespace(ns)
                        .withName("pool-a-dataplane")
                        .get())
                .isNull();
        assertThat(client.apps()
                        .daemonSets()
                        .inNamespace(ns)
                        .withName("pool-a-agent")
                        .get())
                .isNull();
        awaitEvent("pool-a", "OffloadProfileNotFound");

        create(profile(ns, "fast", "mode: ZeroCopy"));

        DpuStoragePool ready = awaitPool("pool-a", p -> hasCondition(p, "Ready", "True", "Available"));
        assertThat(condition(ready, "Stalled"))
                .hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("False"));
        assertThat(client.configMaps()
                        .inNamespace(ns)
                        .withName("pool-a-dataplane")
                        .get())
                .isNotNull();
        assertThat(client.apps()
                        .daemonSets()
                        .inNamespace(ns)
                        .withName("pool-a-agent")
                        .get())
                .isNotNull();
        assertThat(ready.getStatus().getConfigGeneration()).isEqualTo(1L);

        // The profile is deleted: the pool says so, and what runs keeps running untouched.
        String dsVersion = client.apps()
                .daemonSets()
                .inNamespace(ns)
                .withName("pool-a-agent")
                .get()
                .getMetadata()
                .getResourceVersion();
        client.resources(OffloadProfile.class).inNamespace(ns).withName("fast").delete();
        awaitPool("pool-a", p -> hasCondition(p, "Stalled", "True", "OffloadProfileNotFound"));
        assertThat(client.apps()
                        .daemonSets()
                        .inNamespace(ns)
                        .withName("pool-a-agent")
                        .get()
                        .getMetadata()
                        .getResourceVersion())
                .isEqualTo(dsVersion);
        assertThat(client.configMaps()
                        .inNamespace(ns)
                        .withName("pool-a-dataplane")
                        .get())
                .isNotNull();
    }

    @Test
    void poolBecomesConfigMapDaemonSetServiceAndAgentRbac() throws Exception {
        create(new SecretBuilder()
                .withNewMetadata()
                .withName("pool-a-xts-key")
                .withNamespace(ns)
                .endMetadata()
                .withData(Map.of("key", Base64.getEncoder().encodeToString(xtsKey())))
                .build());
        create(
                profile(
                        ns,
                        "fast-encrypted",
                        """
                mode: ZeroCopy
                headerDigest: true
                dataDigest: true
                cores: 2
                encryption: {keySecretRef: {name: pool-a-xts-key}}"""));
        create(
                tenant(
                        ns,
                        "tenant-blue",
                        """
                poolRef: {name: pool-a}
                hostNqns: ["nqn.2014-08.org.nvmexpress:uuid:a1b2c3d4-0000-4000-8000-000000000001"]
                limits: {totalIops: 20000, burstIops: 40000, totalBytesPerSecond: 209715200}"""));
        create(pool(ns, "pool-a", poolSpec("fast-encrypted", "rollout: {maxUnavailable: 2}")));

        DpuStoragePool pool = awaitPool("pool-a", p -> hasCondition(p, "Ready", "True", "Available"));
        ConfigMap cm =
                client.configMaps().inNamespace(ns).withName("pool-a-dataplane").get();
        String json = cm.getData().get("dataplane.json");
        String golden = Files.readString(Path.of("src/test/resources/it/pool-a-dataplane.json"))
                .replace("${NAMESPACE}", ns);
        assertThat(json).isEqualTo(golden);
        assertThat(cm.getMetadata().getAnnotations())
                .containsEntry(Names.CONFIG_GENERATION, "1")
                .containsEntry(Names.CONFIG_HASH, sha256(json));
        assertThat(pool.getStatus().getConfigHash()).isEqualTo(sha256(json));

        DaemonSet ds = client.apps()
                .daemonSets()
                .inNamespace(ns)
                .withName("pool-a-agent")
                .get();
        var podSpec = ds.getSpec().getTemplate().getSpec();
        assertThat(podSpec.getHostNetwork()).isTrue();
        assertThat(podSpec.getDnsPolicy()).isEqualTo("ClusterFirstWithHostNet");
        assertThat(podSpec.getServiceAccountName()).isEqualTo("pool-a-agent");
        assertThat(ds.getSpec()
                        .getUpdateStrategy()
                        .getRollingUpdate()
                        .getMaxUnavailable()
                        .getIntVal())
                .isEqualTo(2);
        assertThat(ds.getSpec().getTemplate().getMetadata().getAnnotations()).containsKey(Names.RESTART_CHECKSUM);
        assertThat(podSpec.getVolumes()).anySatisfy(v -> assertThat(v.getSecret())
                .isNotNull()
                .extracting("secretName")
                .isEqualTo("pool-a-xts-key"));
        var container = podSpec.getContainers().getFirst();
        assertThat(container.getImage()).isEqualTo(OperatorHarness.AGENT_IMAGE);
        assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(container.getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("NODE_NAME");
            assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("spec.nodeName");
        });
        assertThat(container.getVolumeMounts())
                .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/etc/dpu/keys/pool-a-xts-key"));

        Service svc =
                client.services().inNamespace(ns).withName("pool-a-metrics").get();
        assertThat(svc.getSpec().getClusterIP()).isEqualTo("None");
        Role role =
                client.rbac().roles().inNamespace(ns).withName("pool-a-agent").get();
        assertThat(role.getRules())
                .anySatisfy(r -> assertThat(r.getResourceNames()).containsExactly("pool-a-dataplane"));
        assertThat(client.rbac()
                        .roleBindings()
                        .inNamespace(ns)
                        .withName("pool-a-agent")
                        .get())
                .isNotNull();
        assertThat(client.serviceAccounts()
                        .inNamespace(ns)
                        .withName("pool-a-agent")
                        .get())
                .isNotNull();

        for (HasMetadata owned : List.<HasMetadata>of(cm, ds, svc, role)) {
            assertThat(owned.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
                assertThat(o.getUid()).isEqualTo(pool.getMetadata().getUid());
                assertThat(o.getKind()).isEqualTo("DpuStoragePool");
            });
        }

        TenantQoS tenant = awaitTenant(
                "tenant-blue",
                t -> hasCondition(t.getStatus() == null ? null : t.getStatus().getConditions(), "Ready", "True"));
        assertThat(tenant.getStatus().getSubsystemNqn()).isEqualTo("nqn.2024-01.dev.dpu:storage.pool-a.tenant-blue");
        assertThat(tenant.getStatus().getVolumes()).containsExactly("vol-a");
        OffloadProfile profile = awaitProfile(
                "fast-encrypted",
                p -> p.getStatus() != null && p.getStatus().getPools().contains("pool-a"));
        assertThat(profile.getStatus().getPools()).containsExactly("pool-a");
    }

    @Test
    void qosChangesReachAgentsLiveAndOffloadChangesRollOut() {
        create(profile(ns, "fast", "mode: ZeroCopy"));
        create(
                tenant(
                        ns,
                        "tenant-blue",
                        """
                poolRef: {name: pool-a}
                hostNqns: ["nqn.2014-08.org.nvmexpress:uuid:1"]
                limits: {totalIops: 1000}"""));
        create(pool(ns, "pool-a", poolSpec("fast", "")));
        awaitPool("pool-a", p -> hasCondition(p, "Ready", "True", "Available"));
        String checksum1 = restartChecksum();
        long dsGeneration1 = daemonSet().getMetadata().getGeneration();

        // Allow-list and limits: a new config generation, the pods stay as they are.
        client.resources(TenantQoS.class)
                .inNamespace(ns)
                .withName("tenant-blue")
                .edit(t -> {
                    t.getSpec()
                            .setHostNqns(
                                    List.of("nqn.2014-08.org.nvmexpress:uuid:1", "nqn.2014-08.org.nvmexpress:uuid:2"));
                    t.getSpec().getLimits().setTotalIops(5000L);
                    return t;
                });
        await().atMost(TIMEOUT).until(() -> "2".equals(configAnnotation(Names.CONFIG_GENERATION)));
        assertThat(configJson()).contains("nqn.2014-08.org.nvmexpress:uuid:2").contains("\"totalIops\" : 5000");
        assertThat(restartChecksum()).isEqualTo(checksum1);
        assertThat(daemonSet().getMetadata().getGeneration()).isEqualTo(dsGeneration1);
        awaitPool("pool-a", p -> p.getStatus().getConfigGeneration() == 2L);

        // Required digests apply live to new connections: a new config, the pods stay.
        client.resources(OffloadProfile.class).inNamespace(ns).withName("fast").edit(p -> {
            p.getSpec().setHeaderDigest(true);
            return p;
        });
        await().atMost(TIMEOUT).until(() -> "3".equals(configAnnotation(Names.CONFIG_GENERATION)));
        assertThat(configJson()).contains("\"requireHeaderDigest\" : true");
        assertThat(restartChecksum()).isEqualTo(checksum1);
        assertThat(daemonSet().getMetadata().getGeneration()).isEqualTo(dsGeneration1);

        // Queues and reactors need a restart: the pod template's checksum changes, the DaemonSet rolls.
        client.resources(OffloadProfile.class).inNamespace(ns).withName("fast").edit(p -> {
            p.getSpec().setQueues(8);
            p.getSpec().setCores(3);
            return p;
        });
        await().atMost(TIMEOUT).until(() -> "4".equals(configAnnotation(Names.CONFIG_GENERATION)));
        assertThat(configJson()).contains("\"reactors\" : 3");
        await().atMost(TIMEOUT).until(() -> !restartChecksum().equals(checksum1));
        assertThat(daemonSet().getMetadata().getGeneration()).isGreaterThan(dsGeneration1);
        awaitEvent("pool-a", "RollingRestart");
        awaitEvent("pool-a", "ConfigUpdated");

        // The tenant is deleted: its hosts and limits leave the configuration, live again.
        String checksum3 = restartChecksum();
        client.resources(TenantQoS.class)
                .inNamespace(ns)
                .withName("tenant-blue")
                .delete();
        await().atMost(TIMEOUT).until(() -> "5".equals(configAnnotation(Names.CONFIG_GENERATION)));
        assertThat(configJson())
                .doesNotContain("nqn.2014-08.org.nvmexpress:uuid:2")
                .doesNotContain("\"totalIops\" : 5000");
        assertThat(restartChecksum()).isEqualTo(checksum3);
    }

    @Test
    void aPoolOverOneMebibyteIsPublishedCompressedAndATenantChangeRendersOnlyItsPool() throws Exception {
        create(profile(ns, "fast", "mode: ZeroCopy"));
        create(pool(ns, "pool-a", poolSpec("fast", "")));
        create(pool(ns, "pool-b", poolSpec("fast", "")));
        // 90 tenants of pool-a with 64 allowed hosts each, NQNs near their 223-character limit:
        // about 1.2 MB of dataplane.json, more than a ConfigMap holds as text.
        String pad = "x".repeat(160);
        for (int t = 0; t < 90; t++) {
            StringBuilder hosts = new StringBuilder();
            for (int h = 0; h < 64; h++) {
                hosts.append(h == 0 ? "" : ", ")
                        .append("\"nqn.2024-01.dev.example:")
                        .append(pad)
                        .append("-%03d-%02d\"".formatted(t, h));
            }
            create(tenant(ns, "big-" + t, "poolRef: {name: pool-a}\nhostNqns: [" + hosts + "]"));
        }
        awaitPool("pool-b", p -> hasCondition(p, "Ready", "True", "Available"));
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            ConfigMap cm = client.configMaps()
                    .inNamespace(ns)
                    .withName("pool-a-dataplane")
                    .get();
            return cm != null
                    && cm.getBinaryData() != null
                    && DataplaneContract.fromConfigMap(cm.getData(), cm.getBinaryData())
                            .contains("-089-63");
        });
        ConfigMap big =
                client.configMaps().inNamespace(ns).withName("pool-a-dataplane").get();
        String json = DataplaneContract.fromConfigMap(big.getData(), big.getBinaryData());
        assertThat(json.length()).isGreaterThan(DataplaneContract.CONFIGMAP_MAX_BYTES);
        assertThat(big.getData()).as("no plain copy next to the compressed one").isNullOrEmpty();
        assertThat(big.getMetadata().getAnnotations()).containsEntry(Names.CONFIG_HASH, DataplaneContract.hash(json));
        DataplaneContract.read(json); // what the agent reads back is a valid configuration
        awaitPool("pool-a", p -> hasCondition(p, "Ready", "True", "Available"));

        // One tenant of pool-a changes: pool-a gets a new generation, pool-b is not even reconciled.
        String bGeneration = client.configMaps()
                .inNamespace(ns)
                .withName("pool-b-dataplane")
                .get()
                .getMetadata()
                .getAnnotations()
                .get(Names.CONFIG_GENERATION);
        String aGeneration = big.getMetadata().getAnnotations().get(Names.CONFIG_GENERATION);
        settledReconcileCount();
        long before = harness.pools.reconcileCount();
        client.resources(TenantQoS.class).inNamespace(ns).withName("big-0").edit(t -> {
            t.getSpec().setLimits(new dev.dpu.storage.api.v1alpha1.QosLimits());
            t.getSpec().getLimits().setTotalIops(1234L);
            return t;
        });
        await().atMost(TIMEOUT)
                .until(() -> !aGeneration.equals(client.configMaps()
                        .inNamespace(ns)
                        .withName("pool-a-dataplane")
                        .get()
                        .getMetadata()
                        .getAnnotations()
                        .get(Names.CONFIG_GENERATION)));
        long after = settledReconcileCount();
        assertThat(after - before).as("pool reconciles for one tenant's change").isEqualTo(1);
        assertThat(client.configMaps()
                        .inNamespace(ns)
                        .withName("pool-b-dataplane")
                        .get()
                        .getMetadata()
                        .getAnnotations()
                        .get(Names.CONFIG_GENERATION))
                .isEqualTo(bGeneration);
    }

    @Test
    void aPoolWhoseConfigurationCannotFitIsStalledAndKeepsWhatRuns() throws InterruptedException {
        create(profile(ns, "fast", "mode: ZeroCopy"));
        create(pool(ns, "pool-a", poolSpec("fast", "")));
        awaitPool("pool-a", p -> hasCondition(p, "Ready", "True", "Available"));
        // Host NQNs that barely compress: 250 tenants x 64 random ones, about 3.5 MB, 2.4 MB gzip.
        var random = new java.util.Random(7);
        String generation = null;
        for (int t = 0; t < 251; t++) {
            if (t == 250) {
                // Stalled by now: what the agents run stays as it is while more tenants arrive.
                awaitPool("pool-a", p -> hasCondition(p, "Ready", "False", "ConfigTooLarge"));
                generation = configAnnotation(Names.CONFIG_GENERATION);
            }
            StringBuilder hosts = new StringBuilder();
            for (int h = 0; h < 64; h++) {
                StringBuilder name = new StringBuilder();
                while (name.length() < 180) {
                    name.append(Long.toString(random.nextLong() & Long.MAX_VALUE, 36));
                }
                hosts.append(h == 0 ? "" : ", ")
                        .append("\"nqn.2024-01.dev.example:")
                        .append(name, 0, 180)
                        .append('"');
            }
            create(tenant(ns, "huge-" + t, "poolRef: {name: pool-a}\nhostNqns: [" + hosts + "]"));
        }
        DpuStoragePool stalled = awaitPool(
                "pool-a",
                p -> hasCondition(p.getStatus().getConditions(), "Stalled", "True")
                        && hasCondition(p, "Ready", "False", "ConfigTooLarge"));
        assertThat(conditionMessage(stalled.getStatus().getConditions(), "Ready"))
                .contains("more than a ConfigMap holds")
                .contains("Nothing already running was changed");
        Thread.sleep(2000);
        assertThat(configAnnotation(Names.CONFIG_GENERATION)).isEqualTo(generation);
        assertThat(stalled.getStatus().getConfigGeneration()).isEqualTo(Long.parseLong(generation));
        awaitEvent("pool-a", "ConfigTooLarge");
    }

    @Test
    void steadyStateCausesNoFurtherReconciles() throws InterruptedException {
        create(profile(ns, "fast", "mode: ZeroCopy"));
        create(tenant(ns, "tenant-blue", "poolRef: {name: pool-a}\nallowAnyHost: true"));
        create(pool(ns, "pool-a", poolSpec("fast", "")));
        DpuStoragePool ready = awaitPool("pool-a", p -> hasCondition(p, "Ready", "True", "Available"));

        // Settle: wait until a few seconds pass without a reconcile.
        long before = settledReconcileCount();
        String poolVersion = client.resources(DpuStoragePool.class)
                .inNamespace(ns)
                .withName("pool-a")
                .get()
                .getMetadata()
                .getResourceVersion();
        String dsVersion = daemonSet().getMetadata().getResourceVersion();
        String cmVersion = client.configMaps()
                .inNamespace(ns)
                .withName("pool-a-dataplane")
                .get()
                .getMetadata()
                .getResourceVersion();
        Thread.sleep(8000);
        assertThat(harness.pools.reconcileCount())
                .as("reconciles in a steady state")
                .isEqualTo(before);
        assertThat(client.resources(DpuStoragePool.class)
                        .inNamespace(ns)
                        .withName("pool-a")
                        .get()
                        .getMetadata()
                        .getResourceVersion())
                .isEqualTo(poolVersion);
        assertThat(daemonSet().getMetadata().getResourceVersion()).isEqualTo(dsVersion);
        assertThat(client.configMaps()
                        .inNamespace(ns)
                        .withName("pool-a-dataplane")
                        .get()
                        .getMetadata()
                        .getResourceVersion())
                .isEqualTo(cmVersion);
        assertThat(ready.getStatus().getConditions()).allSatisfy(c -> assertThat(c.getObservedGeneration())
                .isEqualTo(ready.getMetadata().getGeneration()));
    }

    @Test
    void nodeStatesAreSummarisedAndOverlappingPoolsReported() {
        String suffix = "-" + ns;
        for (var node : List.of(List.of("n1", "dpu"), List.of("n2", "both"), List.of("n3", "rack"))) {
            Map<String, String> labels =
                    switch (node.get(1)) {
                        case "dpu" -> Map.of("dpu.dev/present", "true");
                        case "both" -> Map.of("dpu.dev/present", "true", "rack" + suffix, "r1");
                        default -> Map.of("rack" + suffix, "r1");
                    };
            client.nodes()
                    .resource(new NodeBuilder()
                            .withNewMetadata()
                            .withName(node.getFirst() + suffix)
                            .withLabels(labels)
                            .endMetadata()
                            .build())
                    .create();
        }
        create(profile(ns, "fast", "mode: ZeroCopy"));
        create(pool(ns, "pool-a", poolSpec("fast", "nodeSelector: {dpu.dev/present: \"true\"}")));
        awaitPool(
                "pool-a",
                p -> p.getStatus() != null
                        && Integer.valueOf(2).equals(p.getStatus().getNodesDesired()));
        create(pool(ns, "pool-b", poolSpec("fast", "nodeSelector: {rack" + suffix + ": r1}")));

        // The older pool keeps the contested node; both report it; pool-b stays off it.
        DpuStoragePool b =
                awaitPool("pool-b", p -> hasCondition(p, "NodeConflict", "True", "NodeSelectedByAnotherPool"));
        assertThat(b.getStatus().getNodesDesired()).isEqualTo(1);
        assertThat(b.getStatus().getConflicts()).singleElement().satisfies(c -> {
            assertThat(c.getNode()).isEqualTo("n2" + suffix);
            assertThat(c.getPools()).containsExactly(ns + "/pool-a", ns + "/pool-b");
        });
        DpuStoragePool a =
                awaitPool("pool-a", p -> hasCondition(p, "NodeConflict", "True", "NodeSelectedByAnotherPool"));
        assertThat(a.getStatus().getNodesDesired()).isEqualTo(2);
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(client
                        .apps()
                        .daemonSets()
                        .inNamespace(ns)
                        .withName("pool-b-agent")
                        .get()
                        .getSpec()
                        .getTemplate()
                        .getSpec()
                        .getAffinity()
                        .getNodeAffinity()
                        .getRequiredDuringSchedulingIgnoredDuringExecution()
                        .getNodeSelectorTerms()
                        .getFirst()
                        .getMatchFields()
                        .stream()
                        .flatMap(f -> f.getValues().stream())
                        .toList())
                .containsExactly("n2" + suffix));
        awaitEvent("pool-b", "NodeSelectedByAnotherPool");

        // Agents report: n1 current and ready, n2 ready on an old configuration in another mode.
        long gen = a.getStatus().getConfigGeneration();
        String hash = a.getStatus().getConfigHash();
        writeNodeState(
                "n1" + suffix,
                "pool-a",
                """
                effectiveOffloadMode: ZeroCopy
                appliedConfigGeneration: %d
                appliedConfigHash: %s
                conditions: [{type: Ready, status: "True", reason: Serving, lastTransitionTime: "2026-01-01T00:00:00Z"}]"""
                        .formatted(gen, hash));
        writeNodeState(
                "n2" + suffix,
                "pool-a",
                """
                effectiveOffloadMode: NonOffload
                appliedConfigGeneration: 0
                appliedConfigHash: old
                conditions: [{type: Ready, status: "True", reason: Serving, lastTransitionTime: "2026-01-01T00:00:00Z"}]""");
        DpuStoragePool summarised =
                awaitPool("pool-a", p -> Integer.valueOf(2).equals(p.getStatus().getNodesReady()));
        assertThat(summarised.getStatus().getNodesUpToDate()).isEqualTo(1);
        assertThat(summarised.getStatus().getEffectiveOffloadMode()).isEqualTo("Mixed");
        assertThat(condition(summarised, "Reconciling")).hasValueSatisfying(c -> {
            assertThat(c.getStatus()).isEqualTo("True");
            assertThat(c.getMessage()).contains("1 of 2 run configuration generation");
        });

        // n2 catches up: the pool is Ready.
        writeNodeState(
                "n2" + suffix,
                "pool-a",
                """
                effectiveOffloadMode: ZeroCopy
                appliedConfigGeneration: %d
                appliedConfigHash: %s
                conditions: [{type: Ready, status: "True", reason: Serving, lastTransitionTime: "2026-01-01T00:00:00Z"}]"""
                        .formatted(gen, hash));
        DpuStoragePool done = awaitPool("pool-a", p -> hasCondition(p, "Ready", "True", "Available"));
        assertThat(done.getStatus().getEffectiveOffloadMode()).isEqualTo("ZeroCopy");
        assertThat(done.getStatus().getNodesUpToDate()).isEqualTo(2);

        // An agent's node state goes away: that node no longer counts as ready.
        client.resources(DpuNodeState.class)
                .inNamespace(ns)
                .withName("n2" + suffix)
                .delete();
        DpuStoragePool oneLeft =
                awaitPool("pool-a", p -> Integer.valueOf(1).equals(p.getStatus().getNodesReady()));
        assertThat(ready(oneLeft.getStatus().getConditions()).getReason()).isEqualTo("RollingOut");

        // pool-b goes away: pool-a's conflict clears.
        client.resources(DpuStoragePool.class)
                .inNamespace(ns)
                .withName("pool-b")
                .delete();
        awaitPool(
                "pool-a",
                p -> hasCondition(p, "NodeConflict", "False", "NoConflict")
                        && p.getStatus().getConflicts().isEmpty());

        for (String node : List.of("n1", "n2", "n3")) {
            client.nodes().withName(node + suffix).delete();
        }
        awaitPool("pool-a", p -> Integer.valueOf(0).equals(p.getStatus().getNodesDesired()));
    }

    @Test
    void missingKeySecretStallsProfileAndPoolUntilItIsCreated() {
        create(profile(ns, "enc", "encryption: {keySecretRef: {name: xts}}"));
        create(pool(ns, "pool-a", poolSpec("enc", "")));
        awaitProfile(
                "enc",
                p -> hasCondition(
                        p.getStatus() == null ? null : p.getStatus().getConditions(),
                        "Stalled",
                        "True",
                        "KeySecretNotFound"));
        DpuStoragePool stalled = awaitPool("pool-a", p -> hasCondition(p, "Stalled", "True", "KeySecretNotFound"));
        assertThat(ready(stalled.getStatus().getConditions()).getMessage()).contains("Secret \"xts\"");
        assertThat(client.apps()
                        .daemonSets()
                        .inNamespace(ns)
                        .withName("pool-a-agent")
                        .get())
                .isNull();

        create(new SecretBuilder()
                .withNewMetadata()
                .withName("xts")
                .withNamespace(ns)
                .endMetadata()
                .withData(Map.of("key", Base64.getEncoder().encodeToString(new byte[32])))
                .build());
        awaitProfile("enc", p -> hasCondition(p.getStatus().getConditions(), "Stalled", "True", "KeyInvalid"));
        // 64 bytes but both halves equal: XTS would be insecure, the agents' rule refuses it too.
        client.secrets().inNamespace(ns).withName("xts").edit(s -> {
            s.setData(Map.of("key", Base64.getEncoder().encodeToString(new byte[64])));
            return s;
        });
        awaitProfile("enc", p -> conditionMessage(p.getStatus().getConditions(), "Ready")
                .contains("two halves are equal"));

        client.secrets().inNamespace(ns).withName("xts").edit(s -> {
            s.setData(Map.of("key", Base64.getEncoder().encodeToString(xtsKey())));
            return s;
        });
        awaitPool("pool-a", p -> hasCondition(p, "Ready", "True", "Available"));
        assertThat(client.apps()
                        .daemonSets()
                        .inNamespace(ns)
                        .withName("pool-a-agent")
                        .get())
                .isNotNull();
    }

    @Test
    void tenantReportsMissingPoolAndForeignVolumesAndRecoversWhenThePoolAppears() {
        create(profile(ns, "fast", "mode: ZeroCopy"));
        create(tenant(ns, "tenant-blue", "poolRef: {name: pool-a}\nvolumes: [vol-a]"));
        awaitTenant(
                "tenant-blue",
                t -> t.getStatus() != null
                        && hasCondition(t.getStatus().getConditions(), "Stalled", "True", "PoolNotFound"));

        create(pool(ns, "pool-a", poolSpec("fast", "")));
        TenantQoS ok =
                awaitTenant("tenant-blue", t -> hasCondition(t.getStatus().getConditions(), "Ready", "True"));
        assertThat(ok.getStatus().getVolumes()).containsExactly("vol-a");

        client.resources(TenantQoS.class)
                .inNamespace(ns)
                .withName("tenant-blue")
                .edit(t -> {
                    t.getSpec().setVolumes(List.of("vol-a", "vol-b"));
                    return t;
                });
        TenantQoS foreign = awaitTenant(
                "tenant-blue",
                t -> hasCondition(t.getStatus().getConditions(), "Stalled", "True", "VolumeOwnedByAnotherTenant"));
        assertThat(ready(foreign.getStatus().getConditions()).getMessage()).contains("vol-b (tenant tenant-red)");
    }

    @Test
    void tenantLimitsOnAFullOffloadPoolAreReportedAsNotEnforced() {
        create(profile(ns, "hw", "mode: ZeroCopy"));
        create(pool(ns, "pool-a", poolSpec("hw", "")));
        create(tenant(ns, "tenant-blue", "poolRef: {name: pool-a}\nlimits: {totalIops: 1000}"));
        awaitTenant(
                "tenant-blue",
                t -> hasCondition(t.getStatus().getConditions(), "LimitsEnforced", "True", "EnforcedPerNode"));

        client.resources(OffloadProfile.class).inNamespace(ns).withName("hw").edit(p -> {
            p.getSpec().setMode(dev.dpu.storage.api.v1alpha1.OffloadMode.FullOffload);
            return p;
        });
        TenantQoS t = awaitTenant(
                "tenant-blue",
                x -> hasCondition(x.getStatus().getConditions(), "LimitsEnforced", "False", "FullOffload"));
        assertThat(ready(t.getStatus().getConditions()).getStatus()).isEqualTo("True");
    }

    @Test
    void deletingThePoolLeavesOnlyGarbageCollectableObjectsAndTenantsNotice() {
        create(profile(ns, "fast", "mode: ZeroCopy"));
        create(tenant(ns, "tenant-blue", "poolRef: {name: pool-a}"));
        create(pool(ns, "pool-a", poolSpec("fast", "")));
        DpuStoragePool pool = awaitPool("pool-a", p -> hasCondition(p, "Ready", "True", "Available"));
        awaitTenant(
                "tenant-blue",
                t -> t.getStatus() != null && hasCondition(t.getStatus().getConditions(), "Ready", "True"));

        client.resources(DpuStoragePool.class)
                .inNamespace(ns)
                .withName("pool-a")
                .delete();
        await().atMost(TIMEOUT)
                .until(() -> client.resources(DpuStoragePool.class)
                                .inNamespace(ns)
                                .withName("pool-a")
                                .get()
                        == null);
        // No finalizer holds the pool: everything it made carries its owner reference, and
        // Kubernetes' garbage collector removes it (GarbageCollectionIT shows that with the real
        // kube-controller-manager).
        for (Class<? extends HasMetadata> kind : List.of(
                ConfigMap.class, DaemonSet.class, Service.class, ServiceAccount.class, Role.class, RoleBinding.class)) {
            assertThat(client.resources(kind)
                            .inNamespace(ns)
                            .withLabel(Names.LABEL_POOL, "pool-a")
                            .list()
                            .getItems())
                    .allSatisfy(o -> assertThat(o.getMetadata().getOwnerReferences())
                            .anySatisfy(r -> assertThat(r.getUid())
                                    .isEqualTo(pool.getMetadata().getUid())));
        }
        awaitTenant("tenant-blue", t -> hasCondition(t.getStatus().getConditions(), "Stalled", "True", "PoolNotFound"));
    }

    // --- helpers -------------------------------------------------------------------------

    /** A valid AES-256-XTS key: 64 raw bytes, two different halves. */
    private static byte[] xtsKey() {
        byte[] key = new byte[64];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) (i + 1);
        }
        return key;
    }

    private static String conditionMessage(List<Condition> conditions, String type) {
        return conditions == null
                ? ""
                : conditions.stream()
                        .filter(c -> type.equals(c.getType()))
                        .map(Condition::getMessage)
                        .findFirst()
                        .orElse("");
    }

    private void create(HasMetadata resource) {
        resource.getMetadata().setNamespace(ns);
        client.resource(resource).create();
    }

    private void writeNodeState(String node, String pool, String status) {
        DpuNodeState state = nodeState(ns, node, pool, status);
        // As the agent does: server-side apply of spec and of status, field manager dpu-agent.
        client.resource(state).fieldManager("dpu-agent").forceConflicts().serverSideApply();
        client.resources(DpuNodeState.class)
                .inNamespace(ns)
                .resource(state)
                .subresource("status")
                .patch(
                        new io.fabric8.kubernetes.client.dsl.base.PatchContext.Builder()
                                .withPatchType(io.fabric8.kubernetes.client.dsl.base.PatchType.SERVER_SIDE_APPLY)
                                .withFieldManager("dpu-agent")
                                .withForce(true)
                                .build(),
                        state);
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

    private DaemonSet daemonSet() {
        return client.apps()
                .daemonSets()
                .inNamespace(ns)
                .withName("pool-a-agent")
                .get();
    }

    private String restartChecksum() {
        return daemonSet()
                .getSpec()
                .getTemplate()
                .getMetadata()
                .getAnnotations()
                .get(Names.RESTART_CHECKSUM);
    }

    private String configAnnotation(String key) {
        ConfigMap cm =
                client.configMaps().inNamespace(ns).withName("pool-a-dataplane").get();
        return cm == null ? null : cm.getMetadata().getAnnotations().get(key);
    }

    private String configJson() {
        return client.configMaps()
                .inNamespace(ns)
                .withName("pool-a-dataplane")
                .get()
                .getData()
                .get("dataplane.json");
    }

    private DpuStoragePool awaitPool(String name, java.util.function.Predicate<DpuStoragePool> until) {
        try {
            return await().atMost(TIMEOUT)
                    .until(
                            () -> client.resources(DpuStoragePool.class)
                                    .inNamespace(ns)
                                    .withName(name)
                                    .get(),
                            p -> p != null && p.getStatus() != null && until.test(p));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            var p = client.resources(DpuStoragePool.class)
                    .inNamespace(ns)
                    .withName(name)
                    .get();
            throw new AssertionError(
                    "pool " + name + " did not get there; its status is "
                            + (p == null
                                    ? "(pool missing)"
                                    : io.fabric8.kubernetes.client.utils.Serialization.asYaml(p.getStatus())),
                    e);
        }
    }

    private TenantQoS awaitTenant(String name, java.util.function.Predicate<TenantQoS> until) {
        return await().atMost(TIMEOUT)
                .until(
                        () -> client.resources(TenantQoS.class)
                                .inNamespace(ns)
                                .withName(name)
                                .get(),
                        t -> t != null && t.getStatus() != null && until.test(t));
    }

    private OffloadProfile awaitProfile(String name, java.util.function.Predicate<OffloadProfile> until) {
        return await().atMost(TIMEOUT)
                .until(
                        () -> client.resources(OffloadProfile.class)
                                .inNamespace(ns)
                                .withName(name)
                                .get(),
                        p -> p != null && p.getStatus() != null && until.test(p));
    }

    private void awaitEvent(String regarding, String reason) {
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(
                        client.v1().events().inNamespace(ns).list().getItems())
                .anySatisfy(e -> {
                    assertThat(e.getInvolvedObject().getName()).isEqualTo(regarding);
                    assertThat(e.getReason()).isEqualTo(reason);
                }));
    }

    private static boolean hasCondition(DpuStoragePool p, String type, String status, String reason) {
        return hasCondition(p.getStatus().getConditions(), type, status, reason);
    }

    private static boolean hasCondition(List<Condition> conditions, String type, String status, String reason) {
        return condition(conditions, type)
                .filter(c -> status.equals(c.getStatus()) && reason.equals(c.getReason()))
                .isPresent();
    }

    private static boolean hasCondition(List<Condition> conditions, String type, String status) {
        return condition(conditions, type)
                .filter(c -> status.equals(c.getStatus()))
                .isPresent();
    }

    private static Optional<Condition> condition(DpuStoragePool p, String type) {
        return condition(p.getStatus().getConditions(), type);
    }

    /** The Ready condition, which every reconciled resource carries. */
    private static Condition ready(List<Condition> conditions) {
        return condition(conditions, "Ready").orElseThrow();
    }

    private static Optional<Condition> condition(List<Condition> conditions, String type) {
        return conditions == null
                ? Optional.empty()
                : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    private static String sha256(String s) throws Exception {
        return HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}

package dev.dpu.storage.agent.it;

import static dev.dpu.storage.agent.it.PoolConfig.BLUE_HOST;
import static dev.dpu.storage.agent.it.PoolConfig.nqn;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dpu.storage.agent.it.PoolConfig.Ns;
import dev.dpu.storage.api.dataplane.DataplaneConfig;
import dev.dpu.storage.api.dataplane.DataplaneContract;
import dev.dpu.storage.api.dataplane.SubsystemSpec;
import dev.dpu.storage.api.v1alpha1.DpuNodeState;
import dev.dpu.storage.testing.RealApiServer;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent in Kubernetes mode against a real kube-apiserver: it takes its config from the
 * ConfigMap through the API, writes its DpuNodeState with server-side apply, recreates it when
 * deleted, and reports bad configs as a condition while the last good one keeps serving I/O.
 */
class KubernetesModeIT {

    private static final String NAMESPACE = "storage";
    private static final String NODE = "dpu-node-a";
    private static final String POOL = "pool-it";

    private static RealApiServer apiServer;
    private static KubernetesClient client;

    @TempDir
    Path dir;

    @BeforeAll
    static void startApiServer() throws Exception {
        apiServer = RealApiServer.start();
        client = apiServer.client();
        Path crd = Path.of(System.getProperty("dpu.crds", "../crds"), "dpunodestates.storage.dpu.dev-v1.yml");
        CustomResourceDefinition definition = client.apiextensions()
                .v1()
                .customResourceDefinitions()
                .load(crd.toFile())
                .item();
        client.resource(definition).serverSideApply();
        client.apiextensions()
                .v1()
                .customResourceDefinitions()
                .withName(definition.getMetadata().getName())
                .waitUntilCondition(
                        d -> d.getStatus() != null
                                && d.getStatus().getConditions().stream()
                                        .anyMatch(c -> c.getType().equals("Established")
                                                && c.getStatus().equals("True")),
                        30,
                        TimeUnit.SECONDS);
        client.resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName(NAMESPACE)
                        .endMetadata()
                        .build())
                .serverSideApply();
    }

    @AfterAll
    static void stopApiServer() {
        if (apiServer != null) {
            apiServer.close();
        }
    }

    @Test
    void reportsNodeStateRecreatesItAndRefusesBadConfigsWhileServing() throws Exception {
        int nvmePort = AgentProcess.freePort();
        PoolConfig good = new PoolConfig(nvmePort)
                .reactors(3)
                .subsystem("tenant-blue", BLUE_HOST, new Ns(1, "ram", 64L << 20))
                .tenant("tenant-blue", 0);
        String goodJson = good.json();
        // A node whose kernel has the NVMe/TCP target loaded, as the data path's probe sees it.
        Path hostRoot = dir.resolve("host");
        Files.createDirectories(hostRoot.resolve("sys/module/nvmet_tcp"));
        writeConfigMap(goodJson, "7");
        Path kubeconfig = dir.resolve("kubeconfig");
        Files.writeString(kubeconfig, apiServer.kubeconfigYaml());

        try (AgentProcess agent = AgentProcess.start(
                dir,
                Map.of(
                        "kubeconfig",
                        kubeconfig.toString(),
                        "dpu.agent.node-name",
                        NODE,
                        "dpu.agent.pool",
                        POOL,
                        "dpu.agent.namespace",
                        NAMESPACE,
                        "dpu.agent.host-root",
                        hostRoot.toString(),
                        "dpu.agent.node-state-resync",
                        "30s"))) {
            // Reactors are read from the running engine at each write; one fresh-clone run saw a
            // first write with generation 7 and 0 reactors, so wait for both (a state that never
            // reports 3 reactors still fails here).
            DpuNodeState state = awaitNodeState(
                    "generation 7 applied with 3 reactors",
                    s -> s.getStatus() != null
                            && Long.valueOf(7).equals(s.getStatus().getAppliedConfigGeneration())
                            && Integer.valueOf(3).equals(s.getStatus().getReactors()),
                    agent);
            assertThat(state.getSpec().getNodeName()).isEqualTo(NODE);
            assertThat(state.getSpec().getPool()).isEqualTo(POOL);
            assertThat(state.getStatus().getAppliedConfigHash()).isEqualTo(sha256(goodJson));
            assertThat(state.getStatus().getListenerAddress()).isEqualTo("127.0.0.1:" + nvmePort);
            assertThat(state.getStatus().getEffectiveOffloadMode()).isEqualTo("ZeroCopy");
            assertThat(state.getStatus().getCapabilities().getIoUring()).isTrue();
            assertThat(state.getStatus().getCapabilities().getCrc32c()).isNotNull();
            assertThat(state.getStatus().getCapabilities().getAesNi()).isNotNull();
            assertThat(state.getStatus().getCapabilities().getOffloadProviders())
                    .containsExactly("kernel-nvmet-tcp");
            assertThat(state.getStatus().getReactors()).as("reactors running").isEqualTo(3);
            assertThat(condition(state, "Ready").getStatus()).isEqualTo("True");
            assertThat(condition(state, "ConfigApplied").getReason()).isEqualTo("Applied");
            assertThat(state.getMetadata().getManagedFields()).anySatisfy(f -> {
                assertThat(f.getManager()).isEqualTo("dpu-agent");
                assertThat(f.getOperation()).isEqualTo("Apply");
                assertThat(f.getSubresource()).isEqualTo("status");
            });

            // Deleted: the agent writes it again (and promptly, not at the 30 s resync).
            String firstUid = state.getMetadata().getUid();
            client.resources(DpuNodeState.class)
                    .inNamespace(NAMESPACE)
                    .withName(NODE)
                    .delete();
            DpuNodeState again = awaitNodeState(
                    "recreated",
                    s -> !s.getMetadata().getUid().equals(firstUid)
                            && s.getStatus() != null
                            && Long.valueOf(7).equals(s.getStatus().getAppliedConfigGeneration()),
                    agent,
                    Duration.ofSeconds(15));
            assertThat(condition(again, "Ready").getStatus()).isEqualTo("True");

            // Bad configs while I/O runs: refused with a clear condition, generation 7 keeps serving.
            Loadgen io = Loadgen.startWithFlags(
                    dir,
                    "io",
                    nvmePort,
                    nqn("tenant-blue"),
                    BLUE_HOST,
                    1,
                    "--rw randrw --duration-s 8 --qd 8 --verify");
            Thread.sleep(1000);
            writeConfigMap(good.json("nqn.2024-13.bad month"), "8");
            DpuNodeState malformed = awaitNodeState(
                    "malformed NQN refused",
                    s -> conditionMessage(s, "ConfigApplied").contains("generation 8 refused"),
                    agent);
            assertThat(condition(malformed, "ConfigApplied").getStatus()).isEqualTo("False");
            assertThat(condition(malformed, "ConfigApplied").getReason()).isEqualTo("InvalidConfig");
            assertThat(conditionMessage(malformed, "ConfigApplied")).contains("is not a valid NQN");
            assertThat(malformed.getStatus().getAppliedConfigGeneration()).isEqualTo(7);
            assertThat(condition(malformed, "Ready").getStatus()).isEqualTo("True");

            PoolConfig keyless = new PoolConfig(nvmePort)
                    .subsystem("tenant-blue", BLUE_HOST, new Ns(1, "ram", 64L << 20))
                    .tenant("tenant-blue", 0)
                    .encryptionKeyFile("pool-it-xts-key", "/etc/dpu/keys/pool-it-xts-key/key");
            writeConfigMap(keyless.json(), "9");
            DpuNodeState noKey = awaitNodeState(
                    "missing key Secret refused",
                    s -> conditionMessage(s, "ConfigApplied").contains("generation 9 refused"),
                    agent);
            assertThat(condition(noKey, "ConfigApplied").getReason()).isEqualTo("KeyMissing");
            assertThat(conditionMessage(noKey, "ConfigApplied")).contains("Secret pool-it-xts-key");

            PoolConfig tape = new PoolConfig(nvmePort)
                    .subsystem("tenant-blue", BLUE_HOST, new Ns(1, "tape", 64L << 20))
                    .tenant("tenant-blue", 0);
            writeConfigMap(tape.json(), "10");
            DpuNodeState unknownBackend = awaitNodeState(
                    "unknown backend refused",
                    s -> conditionMessage(s, "ConfigApplied").contains("generation 10 refused"),
                    agent);
            assertThat(conditionMessage(unknownBackend, "ConfigApplied")).contains("\"tape\" is not one of ram, file");
            assertThat(unknownBackend.getStatus().getAppliedConfigGeneration()).isEqualTo(7);

            assertThat(io.await(30)).as(io.log()).isZero();
            assertThat(io.summary().path("errors").asLong()).isZero();

            // A good config through the API applies live again.
            PoolConfig limited = new PoolConfig(nvmePort)
                    .subsystem("tenant-blue", BLUE_HOST, new Ns(1, "ram", 64L << 20))
                    .tenant("tenant-blue", 20000);
            writeConfigMap(limited.json(), "11");
            DpuNodeState fixed = awaitNodeState(
                    "generation 11 applied",
                    s -> Long.valueOf(11).equals(s.getStatus().getAppliedConfigGeneration()),
                    agent);
            assertThat(condition(fixed, "ConfigApplied").getStatus()).isEqualTo("True");
            assertThat(fixed.getStatus().getAppliedConfigHash()).isEqualTo(sha256(limited.json()));

            // A pool too large for a plain ConfigMap (over 1 MiB of dataplane.json: 240 more tenants
            // with 64 allowed hosts each) arrives compressed, as the operator writes it, and applies.
            DataplaneConfig base = DataplaneContract.read(limited.json());
            List<SubsystemSpec> subsystems = new ArrayList<>(base.subsystems());
            for (int t = 0; t < 240; t++) {
                List<String> hosts = new ArrayList<>();
                for (int h = 0; h < 64; h++) {
                    hosts.add("nqn.2014-08.org.nvmexpress:uuid:5ca1e000-0000-4000-%04d-%012d".formatted(t, h));
                }
                subsystems.add(new SubsystemSpec(nqn("tenant-" + t), "tenant-" + t, false, hosts, List.of()));
            }
            String bigJson = DataplaneContract.write(base.withContent(subsystems, base.tenants()));
            DataplaneContract.ConfigMapPayload big = DataplaneContract.toConfigMap(bigJson);
            assertThat(big.configBytes()).isGreaterThan(DataplaneContract.CONFIGMAP_MAX_BYTES);
            assertThat(big.binaryData()).containsKey(DataplaneContract.COMPRESSED_CONFIG_KEY);
            assertThat(big.fits()).isTrue();
            writeConfigMap(big, "12");
            DpuNodeState large = awaitNodeState(
                    "generation 12 (compressed, over 1 MiB) applied",
                    s -> Long.valueOf(12).equals(s.getStatus().getAppliedConfigGeneration()),
                    agent);
            assertThat(large.getStatus().getAppliedConfigHash()).isEqualTo(sha256(bigJson));
            assertThat(condition(large, "ConfigApplied").getStatus()).isEqualTo("True");

            // A compressed payload that is not gzip is refused, and generation 12 keeps serving.
            writeConfigMap(
                    new DataplaneContract.ConfigMapPayload(
                            Map.of(), Map.of(DataplaneContract.COMPRESSED_CONFIG_KEY, "bm90IGd6aXA="), 8, 8),
                    "13");
            DpuNodeState corrupt = awaitNodeState(
                    "corrupt compressed payload refused",
                    s -> conditionMessage(s, "ConfigApplied").contains("generation 13 refused"),
                    agent);
            assertThat(condition(corrupt, "ConfigApplied").getReason()).isEqualTo("MalformedJson");
            assertThat(conditionMessage(corrupt, "ConfigApplied")).contains("dataplane.json.gz");
            assertThat(corrupt.getStatus().getAppliedConfigGeneration()).isEqualTo(12);

            // Graceful stop reports Ready=False before the process ends.
            agent.stop();
            DpuNodeState stopped = client.resources(DpuNodeState.class)
                    .inNamespace(NAMESPACE)
                    .withName(NODE)
                    .get();
            assertThat(condition(stopped, "Ready").getReason()).isEqualTo("ShuttingDown");
        }
    }

    private static void writeConfigMap(String json, String generation) {
        writeConfigMap(
                new DataplaneContract.ConfigMapPayload(Map.of("dataplane.json", json), Map.of(), 0, 0), generation);
    }

    private static void writeConfigMap(DataplaneContract.ConfigMapPayload payload, String generation) {
        client.resource(new ConfigMapBuilder()
                        .withNewMetadata()
                        .withName(POOL + "-dataplane")
                        .withNamespace(NAMESPACE)
                        .withAnnotations(Map.of("storage.dpu.dev/generation", generation))
                        .endMetadata()
                        .withData(payload.data().isEmpty() ? null : payload.data())
                        .withBinaryData(payload.binaryData().isEmpty() ? null : payload.binaryData())
                        .build())
                .fieldManager("test-operator")
                .forceConflicts()
                .serverSideApply();
    }

    private static DpuNodeState awaitNodeState(String what, Predicate<DpuNodeState> condition, AgentProcess agent)
            throws InterruptedException {
        return awaitNodeState(what, condition, agent, Duration.ofSeconds(30));
    }

    private static DpuNodeState awaitNodeState(
            String what, Predicate<DpuNodeState> condition, AgentProcess agent, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        DpuNodeState last = null;
        while (System.nanoTime() < deadline) {
            last = client.resources(DpuNodeState.class)
                    .inNamespace(NAMESPACE)
                    .withName(NODE)
                    .get();
            if (last != null && condition.test(last)) {
                return last;
            }
            Thread.sleep(250);
        }
        throw new AssertionError(
                "DpuNodeState never showed: " + what + "\nlast: " + last + "\nagent log:\n" + agent.log());
    }

    private static Condition condition(DpuNodeState state, String type) {
        return state.getStatus().getConditions().stream()
                .filter(c -> c.getType().equals(type))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no condition " + type + " in " + state));
    }

    private static String conditionMessage(DpuNodeState state, String type) {
        if (state.getStatus() == null) {
            return "";
        }
        return state.getStatus().getConditions().stream()
                .filter(c -> c.getType().equals(type))
                .map(Condition::getMessage)
                .findFirst()
                .orElse("");
    }

    private static String sha256(String json) throws Exception {
        return HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(json.getBytes(StandardCharsets.UTF_8)));
    }
}

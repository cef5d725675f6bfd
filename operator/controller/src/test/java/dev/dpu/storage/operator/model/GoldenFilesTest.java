package dev.dpu.storage.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpu.storage.api.dataplane.DataplaneContract;
import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.api.v1alpha1.OffloadProfile;
import dev.dpu.storage.api.v1alpha1.TenantQoS;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden files: each directory under src/test/resources/golden holds in-*.yaml custom resources
 * and out-*.yaml objects; the models must produce exactly the out files. A file that no step
 * reads fails the test, so fixtures cannot go stale unnoticed. Run with -Dgolden.update=true to
 * rewrite the out files after an intended change, then review the diff.
 */
class GoldenFilesTest {
    private static final Path ROOT = Path.of("src/test/resources/golden");
    private static final boolean UPDATE = Boolean.getBoolean("golden.update");

    static Stream<String> cases() throws IOException {
        try (Stream<Path> dirs = Files.list(ROOT)) {
            return dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void modelsRenderTheGoldenObjects(String name) throws Exception {
        Path dir = ROOT.resolve(name);
        Set<String> unused = new TreeSet<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(f -> unused.add(f.getFileName().toString()));
        }
        DpuStoragePool pool =
                read(dir, "in-pool.yaml", DpuStoragePool.class, unused).getFirst();
        OffloadProfile profile =
                read(dir, "in-profile.yaml", OffloadProfile.class, unused).getFirst();
        List<TenantQoS> tenants = dir.resolve("in-tenants.yaml").toFile().exists()
                ? read(dir, "in-tenants.yaml", TenantQoS.class, unused)
                : List.of();
        List<String> excluded = dir.resolve("in-excluded-nodes.txt").toFile().exists()
                ? Files.readAllLines(dir.resolve("in-excluded-nodes.txt")).stream()
                        .filter(l -> !l.isBlank())
                        .toList()
                : List.of();
        unused.remove("in-excluded-nodes.txt");
        var model = PoolModel.fromCrd(
                new PoolInputs(pool, profile, tenants, excluded, "registry.test/dpu-agent:golden", 0, null));

        Map<String, Function<PoolModel, ? extends KubernetesResource>> outputs = new LinkedHashMap<>();
        outputs.put("out-configmap.yaml", PoolModel::generateConfigMap);
        outputs.put("out-daemonset.yaml", PoolModel::generateDaemonSet);
        outputs.put("out-metrics-service.yaml", PoolModel::generateMetricsService);
        outputs.put("out-service-monitor.yaml", m -> ServiceMonitorModel.desired(m.inputs()));
        outputs.put("out-agent-role.yaml", m -> AgentRbacModel.role(m.inputs()));
        List<String> mismatches = new ArrayList<>();
        for (var e : outputs.entrySet()) {
            String actual = Serialization.asYaml(e.getValue().apply(model));
            Path file = dir.resolve(e.getKey());
            if (UPDATE) {
                Files.writeString(file, actual);
            }
            unused.remove(e.getKey());
            if (!file.toFile().exists()) {
                mismatches.add(e.getKey() + " is missing (run with -Dgolden.update=true)");
            } else if (!Files.readString(file).equals(actual)) {
                mismatches.add(e.getKey() + " differs:\n" + actual);
            }
        }
        // Determinism: the same inputs render byte-identical objects.
        var again = PoolModel.fromCrd(model.inputs());
        assertThat(Serialization.asYaml(again.generateConfigMap()))
                .isEqualTo(Serialization.asYaml(model.generateConfigMap()));
        // What the operator writes, the agent's reader accepts as it is.
        assertThat(DataplaneContract.read(model.json())).isEqualTo(model.config());
        assertThat(unused).as("fixtures no step reads in " + dir).isEmpty();
        assertThat(mismatches).as("golden files of " + name).isEmpty();
    }

    private static <T extends HasMetadata> List<T> read(Path dir, String file, Class<T> type, Set<String> unused)
            throws IOException {
        unused.remove(file);
        List<T> items = new ArrayList<>();
        for (String doc : Files.readString(dir.resolve(file)).split("(?m)^---\\s*$")) {
            if (!doc.isBlank()) {
                items.add(Serialization.unmarshal(doc, type));
            }
        }
        return items;
    }
}

package dev.dpu.storage.operator.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dpu.storage.api.dataplane.DataplaneContract;
import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.api.v1alpha1.OffloadProfile;
import dev.dpu.storage.api.v1alpha1.Volume;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A host addresses a volume by its namespace ID, and the agent applies namespace changes live:
 * an ID that moved to another volume would hand a connected host someone else's data. The IDs
 * in dataplane.json are therefore the pool's spec.volumes[].nsid, never derived from order.
 */
class NamespaceIdsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final OffloadProfile PROFILE = Serialization.unmarshal(
            """
            apiVersion: storage.dpu.dev/v1alpha1
            kind: OffloadProfile
            metadata: {name: plain, namespace: storage}
            spec: {mode: ZeroCopy}
            """,
            OffloadProfile.class);

    private static DpuStoragePool pool(String volumes) {
        return Serialization.unmarshal(
                """
                apiVersion: storage.dpu.dev/v1alpha1
                kind: DpuStoragePool
                metadata: {name: pool-a, namespace: storage}
                spec:
                  offloadProfileRef: {name: plain}
                  backends: [{name: mem, type: Ram}]
                  volumes:
                %s"""
                        .formatted(volumes.stripIndent()
                                .lines()
                                .map(l -> "  " + l + "\n")
                                .reduce("", String::concat)),
                DpuStoragePool.class);
    }

    @Test
    void addingAVolumeThatSortsFirstKeepsTheIdsOfTheExistingOnes() throws Exception {
        DpuStoragePool before = pool(
                """
                - {name: vol-m, nsid: 1, size: 1Gi, backend: mem, tenant: tenant-blue}
                - {name: vol-n, nsid: 2, size: 1Gi, backend: mem, tenant: tenant-blue}
                - {name: vol-r, nsid: 1, size: 1Gi, backend: mem, tenant: tenant-red}
                """);
        DpuStoragePool after = Serialization.clone(before);
        Volume added = new Volume();
        added.setName("vol-a"); // sorts before every existing volume of the tenant
        added.setNsid(3);
        added.setSize("1Gi");
        added.setBackend("mem");
        added.setTenant("tenant-blue");
        after.getSpec().getVolumes().add(added);

        Map<String, Integer> idsBefore = nsids(render(before));
        Map<String, Integer> idsAfter = nsids(render(after));

        assertThat(idsBefore)
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("tenant-blue/vol-m", 1, "tenant-blue/vol-n", 2, "tenant-red/vol-r", 1));
        assertThat(idsAfter)
                .as("existing volumes keep their namespace IDs; the new one gets its own")
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "tenant-blue/vol-a", 3, "tenant-blue/vol-m", 1, "tenant-blue/vol-n", 2, "tenant-red/vol-r", 1));
    }

    @Test
    void removingAVolumeKeepsTheIdsOfTheOthers() throws Exception {
        DpuStoragePool pool = pool(
                """
                - {name: vol-a, nsid: 1, size: 1Gi, backend: mem, tenant: tenant-blue}
                - {name: vol-b, nsid: 2, size: 1Gi, backend: mem, tenant: tenant-blue}
                - {name: vol-c, nsid: 3, size: 1Gi, backend: mem, tenant: tenant-blue}
                """);
        pool.getSpec().getVolumes().removeIf(v -> v.getName().equals("vol-a"));

        assertThat(nsids(render(pool)))
                .containsExactlyInAnyOrderEntriesOf(Map.of("tenant-blue/vol-b", 2, "tenant-blue/vol-c", 3));
    }

    @Test
    void aVolumeWithoutAnIdIsRefusedRatherThanNumbered() {
        // Only a pool stored before the field was required can lack it; the API server rejects new ones.
        DpuStoragePool pool = pool(
                """
                - {name: vol-a, nsid: 1, size: 1Gi, backend: mem, tenant: tenant-blue}
                - {name: vol-b, size: 1Gi, backend: mem, tenant: tenant-blue}
                """);

        assertThatThrownBy(() -> render(pool))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("spec.volumes[].nsid")
                .hasMessageContaining("vol-b");
    }

    private static String render(DpuStoragePool pool) {
        return DataplaneContract.write(DataplaneConfigModel.fromCrd(pool, PROFILE, List.of()));
    }

    /** "tenant/volume" -> nsid, read back from dataplane.json as the agent reads it. */
    private static Map<String, Integer> nsids(String dataplaneJson) throws Exception {
        Map<String, Integer> ids = new TreeMap<>();
        for (JsonNode subsystem : JSON.readTree(dataplaneJson).get("subsystems")) {
            for (JsonNode ns : subsystem.get("namespaces")) {
                ids.put(
                        subsystem.get("tenant").asText() + "/"
                                + ns.get("volume").asText(),
                        ns.get("nsid").asInt());
            }
        }
        return ids;
    }
}

package dev.dpu.storage.kubectl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.api.v1alpha1.DpuVolume;
import dev.dpu.storage.api.v1alpha1.Volume;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class VolumeManifestsTest {
    private static final DpuStoragePool POOL = Serialization.unmarshal(
            """
            apiVersion: storage.dpu.dev/v1alpha1
            kind: DpuStoragePool
            metadata: {name: pool-a, namespace: storage}
            spec:
              offloadProfileRef: {name: fast}
              backends: [{name: mem, type: Ram}, {name: remote, type: NvmeTcp, nvmeTcp: {address: 192.0.2.10, subsystemNqn: "nqn.2024-01.dev.example:array"}}]
              volumes:
              - {name: vol-b, nsid: 2, size: 1G, backend: mem, tenant: tenant-red, blockSize: 4096}
              - {name: vol-a, nsid: 1, size: 10Gi, backend: remote, remoteNsid: 7, tenant: tenant-blue}
            """,
            DpuStoragePool.class);

    @Test
    void everyInlineVolumeBecomesAnObjectWithTheSameContent() {
        String yaml = VolumeManifests.of(POOL);
        List<DpuVolume> objects = Arrays.stream(yaml.split("(?m)^---$"))
                .skip(1) // the comment header
                .map(doc -> Serialization.unmarshal(doc, DpuVolume.class))
                .toList();
        assertThat(objects).extracting(o -> o.getMetadata().getName()).containsExactly("vol-a", "vol-b");
        for (DpuVolume o : objects) {
            assertThat(o.getMetadata().getNamespace()).isEqualTo("storage");
            assertThat(o.getSpec().getPoolRef().getName()).isEqualTo("pool-a");
            Volume inline = POOL.getSpec().getVolumes().stream()
                    .filter(v -> v.getName().equals(o.getMetadata().getName()))
                    .findFirst()
                    .orElseThrow();
            assertThat(o.toVolume()).usingRecursiveComparison().isEqualTo(inline);
        }
        assertThat(yaml).contains("size: \"1G\"").contains("remove spec.volumes from the pool");
    }

    @Test
    void migrateVolumesNeedsAPool() {
        assertThat(Args.parse(new String[] {"migrate-volumes", "pool-a", "-n", "storage"})
                        .target())
                .isEqualTo("pool-a");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Args.parse(new String[] {"migrate-volumes"}))
                .hasMessageContaining("migrate-volumes needs the pool");
    }
}

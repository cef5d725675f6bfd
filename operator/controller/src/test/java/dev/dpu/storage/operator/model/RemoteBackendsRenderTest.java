package dev.dpu.storage.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dpu.storage.api.dataplane.DataplaneContract;
import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.api.v1alpha1.OffloadProfile;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import org.junit.jupiter.api.Test;

/** NvmeTcp backends reach the agent as remotes, and their volumes as nvme-tcp namespaces on them. */
class RemoteBackendsRenderTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final OffloadProfile PROFILE = Serialization.unmarshal(
            """
            apiVersion: storage.dpu.dev/v1alpha1
            kind: OffloadProfile
            metadata: {name: plain, namespace: storage}
            spec: {mode: ZeroCopy}
            """,
            OffloadProfile.class);

    private static final DpuStoragePool POOL = Serialization.unmarshal(
            """
            apiVersion: storage.dpu.dev/v1alpha1
            kind: DpuStoragePool
            metadata: {name: pool-a, namespace: storage}
            spec:
              offloadProfileRef: {name: plain}
              hostNqn: nqn.2024-01.dev.example:dpu-rack-7
              backends:
                - {name: mem, type: Ram}
                - name: array-1
                  type: NvmeTcp
                  nvmeTcp: {address: 192.0.2.10, port: 4421, subsystemNqn: "nqn.2024-01.dev.example:array-1",
                            headerDigest: true, ctrlLossTimeoutSeconds: 30}
              volumes:
                - {name: vol-a, nsid: 1, size: 1Gi, backend: array-1, tenant: blue, remoteNsid: 7}
                - {name: vol-b, nsid: 2, size: 64Mi, backend: array-1, tenant: blue, blockSize: 4096, remoteNsid: 2}
                - {name: vol-c, nsid: 3, size: 1Gi, backend: mem, tenant: blue}
            """,
            DpuStoragePool.class);

    @Test
    void anNvmeTcpBackendBecomesARemoteWithEveryFieldOfItsTarget() throws Exception {
        JsonNode config =
                JSON.readTree(DataplaneContract.write(DataplaneConfigModel.fromCrd(POOL, PROFILE, List.of())));

        assertThat(config.get("hostNqn").asText()).isEqualTo("nqn.2024-01.dev.example:dpu-rack-7");
        assertThat(config.get("remotes")).hasSize(1);
        JsonNode remote = config.get("remotes").get(0);
        assertThat(remote.get("name").asText()).isEqualTo("array-1");
        assertThat(remote.get("address").asText()).isEqualTo("192.0.2.10");
        assertThat(remote.get("port").asInt()).isEqualTo(4421);
        assertThat(remote.get("subsystemNqn").asText()).isEqualTo("nqn.2024-01.dev.example:array-1");
        assertThat(remote.get("headerDigest").asBoolean()).isTrue();
        assertThat(remote.get("dataDigest").asBoolean()).isFalse();
        assertThat(remote.get("ctrlLossTimeoutSeconds").asInt()).isEqualTo(30);
    }

    @Test
    void itsVolumesLiveOnTheRemoteNamespaceTheyName() throws Exception {
        JsonNode config =
                JSON.readTree(DataplaneContract.write(DataplaneConfigModel.fromCrd(POOL, PROFILE, List.of())));

        JsonNode namespaces = config.get("subsystems").get(0).get("namespaces");
        assertThat(namespaces).hasSize(3);
        JsonNode a = namespaces.get(0);
        assertThat(a.get("volume").asText()).isEqualTo("vol-a");
        assertThat(a.get("backend").asText()).isEqualTo("nvme-tcp");
        assertThat(a.get("remote").asText()).isEqualTo("array-1");
        assertThat(a.get("remoteNsid").asLong()).isEqualTo(7);
        assertThat(a.get("sizeBytes").asLong()).isEqualTo(1L << 30);
        JsonNode b = namespaces.get(1);
        assertThat(b.get("remoteNsid").asLong()).isEqualTo(2);

        assertThat(b.get("blockSize").asInt()).isEqualTo(4096);
        JsonNode c = namespaces.get(2);
        assertThat(c.get("backend").asText()).isEqualTo("ram");
        assertThat(c.has("remote")).isFalse();
    }

    @Test
    void aPoolWithoutRemotesRendersNoHostNqn() throws Exception {
        DpuStoragePool plain = Serialization.clone(POOL);
        plain.getSpec().setHostNqn(null);
        plain.getSpec().setBackends(List.of(POOL.getSpec().getBackends().getFirst()));
        plain.getSpec().setVolumes(List.of(POOL.getSpec().getVolumes().getLast()));
        JsonNode config =
                JSON.readTree(DataplaneContract.write(DataplaneConfigModel.fromCrd(plain, PROFILE, List.of())));

        assertThat(config.has("hostNqn")).isFalse();
        assertThat(config.path("remotes")).isEmpty();
    }
}

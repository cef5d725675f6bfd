package dev.dpu.storage.kubectl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpu.storage.api.v1alpha1.DpuNodeState;
import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.api.v1alpha1.OffloadProfile;
import dev.dpu.storage.api.v1alpha1.TenantQoS;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConnectPlanTest {
    static final String BLUE_HOST = "nqn.2014-08.org.nvmexpress:uuid:0b1ee000-0000-4000-8000-000000000001";
    static final String FOREIGN = "nqn.2014-08.org.nvmexpress:uuid:f0f0f0f0-0000-4000-8000-00000000dead";

    static final TenantQoS TENANT = Serialization.unmarshal(
            """
            apiVersion: storage.dpu.dev/v1alpha1
            kind: TenantQoS
            metadata: {name: tenant-blue, namespace: storage}
            spec:
              poolRef: {name: pool-a}
              hostNqns: ["%s"]
            """
                    .formatted(BLUE_HOST),
            TenantQoS.class);
    static final DpuStoragePool POOL = Serialization.unmarshal(
            """
            apiVersion: storage.dpu.dev/v1alpha1
            kind: DpuStoragePool
            metadata: {name: pool-a, namespace: storage}
            spec:
              offloadProfileRef: {name: fast}
              listener: {address: 0.0.0.0, port: 4420}
              backends: [{name: mem, type: Ram}]
              volumes:
              - {name: vol-a, nsid: 1, size: 1Gi, backend: mem, tenant: tenant-blue}
              - {name: vol-c, nsid: 1, size: 2Gi, backend: mem, tenant: tenant-red}
            """,
            DpuStoragePool.class);
    static final OffloadProfile PROFILE = Serialization.unmarshal(
            """
            apiVersion: storage.dpu.dev/v1alpha1
            kind: OffloadProfile
            metadata: {name: fast, namespace: storage}
            spec: {mode: ZeroCopy, headerDigest: true, dataDigest: true}
            """,
            OffloadProfile.class);

    static DpuNodeState state(String node, String listener, String ready) {
        return Serialization.unmarshal(
                """
                apiVersion: storage.dpu.dev/v1alpha1
                kind: DpuNodeState
                metadata: {name: %s, namespace: storage}
                spec: {nodeName: %s, pool: pool-a}
                status:
                  effectiveOffloadMode: ZeroCopy
                  listenerAddress: "%s"
                  conditions: [{type: Ready, status: "%s", reason: Serving, message: serving generation 1}]
                """
                        .formatted(node, node, listener, ready),
                DpuNodeState.class);
    }

    static final Map<String, Node> NODES = Map.of(
            "dpu-node-1",
            Serialization.unmarshal(
                    """
                    apiVersion: v1
                    kind: Node
                    metadata: {name: dpu-node-1}
                    status: {addresses: [{type: Hostname, address: dpu-node-1}, {type: InternalIP, address: 10.1.2.3}]}
                    """,
                    Node.class));

    @Test
    void anAllowedHostGetsOneCommandPerReadyNodeWithTheRequiredDigests() {
        var plan = ConnectPlan.of(
                TENANT,
                POOL,
                PROFILE,
                List.of(
                        state("dpu-node-0", "127.0.0.1:4420", "True"),
                        state("dpu-node-1", "0.0.0.0:4420", "True"),
                        state("dpu-node-2", "0.0.0.0:4420", "False")),
                NODES,
                BLUE_HOST,
                null);
        assertThat(plan.refusal()).isNull();
        assertThat(plan.lines())
                .contains(
                        "nvme connect -t tcp -a 127.0.0.1 -s 4420 -n nqn.2024-01.dev.dpu:storage.pool-a.tenant-blue"
                                + " --hostnqn " + BLUE_HOST + " --hdr-digest --data-digest",
                        "nvme connect -t tcp -a 10.1.2.3 -s 4420 -n nqn.2024-01.dev.dpu:storage.pool-a.tenant-blue"
                                + " --hostnqn " + BLUE_HOST + " --hdr-digest --data-digest",
                        "# node dpu-node-2: not ready, skipped");
        assertThat(plan.lines().getFirst())
                .contains("volumes: vol-a (nsid 1, 1Gi)")
                .doesNotContain("vol-c");
    }

    @Test
    void aHostNotInTheAllowListIsRefusedSayingWhy() {
        var plan = ConnectPlan.of(
                TENANT, POOL, PROFILE, List.of(state("dpu-node-0", "127.0.0.1:4420", "True")), NODES, FOREIGN, null);
        assertThat(plan.lines()).isEmpty();
        assertThat(plan.refusal())
                .contains("host " + FOREIGN + " is not allowed to connect to tenant storage/tenant-blue")
                .contains("spec.hostNqns: " + BLUE_HOST)
                .contains("Add the host to spec.hostNqns");
    }

    @Test
    void noReadyNodeIsARefusalNotAnEmptyList() {
        var plan = ConnectPlan.of(
                TENANT, POOL, PROFILE, List.of(state("dpu-node-0", "127.0.0.1:4420", "False")), NODES, BLUE_HOST, null);
        assertThat(plan.refusal()).contains("no node of pool storage/pool-a is ready");
    }

    @Test
    void aMissingPoolIsNamed() {
        var plan = ConnectPlan.of(TENANT, null, null, List.of(), NODES, BLUE_HOST, null);
        assertThat(plan.refusal()).contains("names pool \"pool-a\" (spec.poolRef), which does not exist");
    }
}

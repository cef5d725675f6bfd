package dev.dpu.storage.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dpu.storage.api.v1alpha1.ReactorPolling;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The real API server rejects bad custom resources (OpenAPI schema and CEL rules in crds/)
 * with a message that names the field, before the operator ever sees them.
 */
class InvalidResourcesIT {
    private static final String NS = "validation";
    private static KubernetesClient client;

    static final String VALID_PROFILE =
            """
            apiVersion: storage.dpu.dev/v1alpha1
            kind: OffloadProfile
            metadata: {name: valid}
            spec:
              mode: ZeroCopy
              encryption: {keySecretRef: {name: xts-key}}
            """;
    static final String VALID_POOL =
            """
            apiVersion: storage.dpu.dev/v1alpha1
            kind: DpuStoragePool
            metadata: {name: valid}
            spec:
              nodeSelector: {test.dpu.dev/no-such-label: "true"}
              offloadProfileRef: {name: valid}
              hostNqn: nqn.2024-01.dev.example:dpu-host-1
              backends: [{name: mem, type: Ram}, {name: disk, type: File, path: /var/lib/dpu/disk.img},
                         {name: remote, type: NvmeTcp, nvmeTcp: {address: 192.0.2.10, subsystemNqn: "nqn.2024-01.dev.example:array-1"}}]
              volumes: [{name: a, nsid: 1, size: 1Gi, backend: mem, tenant: blue}, {name: b, nsid: 2, size: 2Gi, backend: disk, tenant: blue},
                        {name: c, nsid: 1, size: 1Gi, backend: mem, tenant: red},
                        {name: d, nsid: 3, size: 1Gi, backend: remote, tenant: blue, remoteNsid: 7},
                        {name: e, nsid: 2, size: 1Gi, backend: remote, tenant: red, remoteNsid: 2}]
              rollout: {maxUnavailable: "25%"}
            """;
    static final String VALID_TENANT =
            """
            apiVersion: storage.dpu.dev/v1alpha1
            kind: TenantQoS
            metadata: {name: valid}
            spec:
              poolRef: {name: valid}
              hostNqns: ["nqn.2014-08.org.nvmexpress:uuid:4c4c4544-0035-3510-8052-b4c04f4e4d32"]
              limits: {totalIops: 20000, burstIops: 40000, totalBytesPerSecond: 209715200}
            """;

    static final String VALID_VOLUME =
            """
            apiVersion: storage.dpu.dev/v1alpha1
            kind: DpuVolume
            metadata: {name: valid}
            spec:
              poolRef: {name: valid}
              tenant: blue
              nsid: 7
              size: 10Gi
              backend: mem
            """;

    @BeforeAll
    static void start() {
        TestApiServer.installCrds();
        client = TestApiServer.newClient();
        client.namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName(NS)
                        .endMetadata()
                        .build())
                .serverSideApply();
    }

    @AfterAll
    static void stop() {
        client.close();
    }

    @Test
    void theValidExamplesAreAccepted() {
        for (String yaml : new String[] {VALID_PROFILE, VALID_POOL, VALID_TENANT, VALID_VOLUME}) {
            GenericKubernetesResource r = Serialization.unmarshal(yaml, GenericKubernetesResource.class);
            r.getMetadata().setName("accepted");
            client.resource(r).inNamespace(NS).create();
        }
        var tenant = client.genericKubernetesResources("storage.dpu.dev/v1alpha1", "TenantQoS")
                .inNamespace(NS)
                .withName("accepted")
                .get();
        assertThat(tenant.<Boolean>get("spec", "allowAnyHost"))
                .as("defaulted by the API server")
                .isFalse();
        var profile = client.genericKubernetesResources("storage.dpu.dev/v1alpha1", "OffloadProfile")
                .inNamespace(NS)
                .withName("accepted")
                .get();
        assertThat(profile.<Integer>get("spec", "queues")).isEqualTo(4);
        assertThat(profile.<String>get("spec", "encryption", "algorithm")).isEqualTo("AES-256-XTS");
        var pool = client.genericKubernetesResources("storage.dpu.dev/v1alpha1", "DpuStoragePool")
                .inNamespace(NS)
                .withName("accepted")
                .get();
        assertThat(pool.<Integer>get("spec", "listener", "port")).isEqualTo(4420);
        var volume = client.genericKubernetesResources("storage.dpu.dev/v1alpha1", "DpuVolume")
                .inNamespace(NS)
                .withName("accepted")
                .get();
        assertThat(volume.<Integer>get("spec", "blockSize")).isEqualTo(512);
    }

    @Test
    void everyReactorPollingModeIsAccepted() {
        for (ReactorPolling polling : ReactorPolling.values()) {
            GenericKubernetesResource r = Serialization.unmarshal(
                    VALID_PROFILE.replace("mode: ZeroCopy", "mode: ZeroCopy\n  polling: " + polling),
                    GenericKubernetesResource.class);
            r.getMetadata().setName("polling-" + polling.name().toLowerCase(Locale.ROOT));
            client.resource(r).inNamespace(NS).create();
            assertThat(client.genericKubernetesResources("storage.dpu.dev/v1alpha1", "OffloadProfile")
                            .inNamespace(NS)
                            .withName(r.getMetadata().getName())
                            .get()
                            .<String>get("spec", "polling"))
                    .isEqualTo(polling.name());
        }
    }

    @Test
    void aPoolWithoutInlineVolumesIsAccepted() {
        // Its volumes are DpuVolume objects: the rules on spec.volumes must not need the field.
        GenericKubernetesResource r = Serialization.unmarshal(
                VALID_POOL.replaceAll("(?s)  volumes: \\[.*?\\}\\]\n", ""), GenericKubernetesResource.class);
        assertThat(r.<Object>get("spec", "volumes")).isNull();
        r.getMetadata().setName("no-inline-volumes");
        client.resource(r).inNamespace(NS).create();
    }

    @Test
    void aDpuVolumeNameMustBeADnsLabel() {
        // The name becomes the namespace's name in the rendered configuration: a dot, allowed in
        // object names, is not allowed here.
        GenericKubernetesResource r = Serialization.unmarshal(VALID_VOLUME, GenericKubernetesResource.class);
        r.getMetadata().setName("vol.with.dots");
        assertThatThrownBy(() -> client.resource(r).inNamespace(NS).create())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).as("HTTP status").isEqualTo(422);
                    assertThat(e.getMessage()).contains("a DpuVolume name must be a DNS label");
                });
    }

    @Test
    void anUpdateThatDuplicatesAVolumeIsRejectedAsACreateIs() {
        // The volume rules skip an unchanged list (so status writes of a large pool stay cheap);
        // a changed list is checked in full.
        GenericKubernetesResource r = Serialization.unmarshal(VALID_POOL, GenericKubernetesResource.class);
        r.getMetadata().setName("updated");
        client.resource(r).inNamespace(NS).create();
        var pools = client.genericKubernetesResources("storage.dpu.dev/v1alpha1", "DpuStoragePool")
                .inNamespace(NS)
                .withName("updated");
        pools.edit(p -> {
            p.setAdditionalProperty("status", java.util.Map.of("nodesDesired", 3));
            return p;
        });
        GenericKubernetesResource duplicate = Serialization.unmarshal(
                VALID_POOL.replace("{name: b, nsid: 2,", "{name: b, nsid: 1,"), GenericKubernetesResource.class);
        duplicate.getMetadata().setName("updated");
        assertThatThrownBy(() -> client.resource(duplicate).inNamespace(NS).update())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).as("HTTP status").isEqualTo(422);
                    assertThat(e.getMessage()).contains("spec.volumes").contains("nsid must be unique");
                });
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                // OffloadProfile
                bad(
                        "FullOffload cannot encrypt",
                        VALID_PROFILE.replace("mode: ZeroCopy", "mode: FullOffload"),
                        "spec.encryption",
                        "cannot be combined with mode FullOffload"),
                bad(
                        "encryption needs a key Secret",
                        VALID_PROFILE.replace("encryption: {keySecretRef: {name: xts-key}}", "encryption: {}"),
                        "spec.encryption.keySecretRef",
                        "Required value"),
                bad(
                        "unknown mode",
                        VALID_PROFILE.replace("mode: ZeroCopy", "mode: TurboOffload"),
                        "spec.mode",
                        "Unsupported value"),
                bad(
                        "unknown reactor polling",
                        VALID_PROFILE.replace("mode: ZeroCopy", "mode: ZeroCopy\n  polling: Spin"),
                        "spec.polling",
                        "supported values: \"Adaptive\", \"BusyPoll\", \"Sleep\""),
                bad(
                        "zero queues",
                        VALID_PROFILE.replace("mode: ZeroCopy", "mode: ZeroCopy\n  queues: 0"),
                        "spec.queues",
                        "should be greater than or equal to 1"),
                bad(
                        "more queues than the data path grants",
                        VALID_PROFILE.replace("mode: ZeroCopy", "mode: ZeroCopy\n  queues: 65"),
                        "spec.queues",
                        "less than or equal to 64"),
                bad(
                        "queue depth below the data path's minimum",
                        VALID_PROFILE.replace("mode: ZeroCopy", "mode: ZeroCopy\n  queueDepth: 8"),
                        "spec.queueDepth",
                        "greater than or equal to 16"),
                bad(
                        "max transfer not a power of two",
                        VALID_PROFILE.replace("mode: ZeroCopy", "mode: ZeroCopy\n  maxTransferBytes: 12288"),
                        "spec.maxTransferBytes",
                        "power of two"),
                bad(
                        "cpus not one per core",
                        VALID_PROFILE.replace("mode: ZeroCopy", "mode: ZeroCopy\n  cores: 2\n  cpus: [3]"),
                        "spec.cpus",
                        "one CPU per core"),
                bad(
                        "cpus listing a CPU twice",
                        VALID_PROFILE.replace("mode: ZeroCopy", "mode: ZeroCopy\n  cores: 2\n  cpus: [3, 3]"),
                        "spec.cpus",
                        "must not list a CPU twice"),
                bad(
                        "in-capsule size not a multiple of 16",
                        VALID_PROFILE.replace("mode: ZeroCopy", "mode: ZeroCopy\n  inCapsuleDataBytes: 100"),
                        "spec.inCapsuleDataBytes",
                        "multiple of 16"),
                bad(
                        "in-capsule size above max transfer",
                        VALID_PROFILE.replace(
                                "mode: ZeroCopy",
                                "mode: ZeroCopy\n  inCapsuleDataBytes: 65536\n  maxTransferBytes: 32768"),
                        "spec.inCapsuleDataBytes",
                        "must not exceed maxTransferBytes"),
                bad(
                        "unsupported cipher",
                        VALID_PROFILE.replace(
                                "{keySecretRef: {name: xts-key}}",
                                "{algorithm: AES-128-CBC, keySecretRef: {name: xts-key}}"),
                        "spec.encryption.algorithm",
                        "AES-256-XTS"),
                // DpuStoragePool
                bad(
                        "pool without profile",
                        VALID_POOL.replace("  offloadProfileRef: {name: valid}\n", ""),
                        "spec.offloadProfileRef",
                        "Required value"),
                bad(
                        "listener port out of range",
                        VALID_POOL.replace("  rollout:", "  listener: {port: 70000}\n  rollout:"),
                        "spec.listener.port",
                        "less than or equal to 65535"),
                bad(
                        "listener address not an IP",
                        VALID_POOL.replace("  rollout:", "  listener: {address: storage.example}\n  rollout:"),
                        "spec.listener.address",
                        "IPv4 or IPv6"),
                bad(
                        "duplicate volume names",
                        VALID_POOL.replace("{name: b, nsid: 2, size: 2Gi", "{name: a, nsid: 2, size: 2Gi"),
                        "spec.volumes",
                        "volume names must be unique"),
                bad(
                        "volume without nsid",
                        VALID_POOL.replace(
                                "{name: c, nsid: 1, size: 1Gi, backend: mem", "{name: c, size: 1Gi, backend: mem"),
                        "spec.volumes[2].nsid",
                        "Required value"),
                bad(
                        "nsid zero",
                        VALID_POOL.replace("{name: a, nsid: 1,", "{name: a, nsid: 0,"),
                        "spec.volumes[0].nsid",
                        "greater than or equal to 1"),
                bad(
                        "nsid above the data path's limit",
                        VALID_POOL.replace("{name: a, nsid: 1,", "{name: a, nsid: 1025,"),
                        "spec.volumes[0].nsid",
                        "less than or equal to 1024"),
                bad(
                        "duplicate nsid within a tenant",
                        VALID_POOL.replace("{name: b, nsid: 2,", "{name: b, nsid: 1,"),
                        "spec.volumes",
                        "nsid must be unique among the volumes of a tenant"),
                bad(
                        "duplicate backend names",
                        VALID_POOL.replace("{name: disk, type: File", "{name: mem, type: File"),
                        "spec.backends",
                        "backend names must be unique"),
                bad(
                        "volume on an unknown backend",
                        VALID_POOL.replace("backend: mem, tenant: blue", "backend: tape, tenant: blue"),
                        "spec.volumes",
                        "every volume's backend must name one of spec.backends"),
                bad(
                        "File backend without path",
                        VALID_POOL.replace("type: File, path: /var/lib/dpu/disk.img", "type: File"),
                        "spec.backends[1].path",
                        "path is required for File backends"),
                bad(
                        "negative volume size",
                        VALID_POOL.replace("size: 1Gi", "size: -1Gi"),
                        "spec.volumes[0].size",
                        "should match"),
                bad(
                        "volume without size",
                        VALID_POOL.replace(
                                "{name: a, nsid: 1, size: 1Gi, backend: mem", "{name: a, nsid: 1, backend: mem"),
                        "spec.volumes",
                        "size is required"),
                bad(
                        "two volumes on one File backend",
                        VALID_POOL.replace(
                                "{name: a, nsid: 1, size: 1Gi, backend: mem",
                                "{name: a, nsid: 1, size: 1Gi, backend: disk"),
                        "spec.volumes",
                        "only Ram and NvmeTcp backends can be shared"),
                bad(
                        "NvmeTcp backend without its target",
                        VALID_POOL.replace(
                                ", nvmeTcp: {address: 192.0.2.10, subsystemNqn: \"nqn.2024-01.dev.example:array-1\"}",
                                ""),
                        "spec.backends[2].nvmeTcp",
                        "nvmeTcp (address and subsystemNqn of the remote target) is required for NvmeTcp backends"),
                bad(
                        "a remote target on a Ram backend",
                        VALID_POOL.replace(
                                "{name: mem, type: Ram}",
                                "{name: mem, type: Ram, nvmeTcp: {address: 192.0.2.9, subsystemNqn: \"nqn.2024-01.x.y:z\"}}"),
                        "spec.backends[0].nvmeTcp",
                        "not allowed for other types"),
                bad(
                        "a remote target named by host name",
                        VALID_POOL.replace("address: 192.0.2.10", "address: array-1.example.com"),
                        "spec.backends[2].nvmeTcp.address",
                        "address must be the IPv4 or IPv6 address of the remote target"),
                bad(
                        "a remote subsystem NQN that is not one",
                        VALID_POOL.replace("\"nqn.2024-01.dev.example:array-1\"", "array-1"),
                        "spec.backends[2].nvmeTcp.subsystemNqn",
                        "should match"),
                bad(
                        "a ctrl-loss timeout of zero",
                        VALID_POOL.replace("address: 192.0.2.10,", "address: 192.0.2.10, ctrlLossTimeoutSeconds: 0,"),
                        "spec.backends[2].nvmeTcp.ctrlLossTimeoutSeconds",
                        "should be greater than or equal to 1"),
                bad(
                        "remoteNsid on a Ram volume",
                        VALID_POOL.replace("backend: mem, tenant: red}", "backend: mem, tenant: red, remoteNsid: 4}"),
                        "spec.volumes",
                        "remoteNsid is required for volumes on NvmeTcp backends and not allowed for others"),
                bad(
                        "a volume on a remote without remoteNsid",
                        VALID_POOL.replace("tenant: red, remoteNsid: 2}", "tenant: red}"),
                        "spec.volumes",
                        "remoteNsid is required for volumes on NvmeTcp backends"),
                bad(
                        "two volumes on one remote namespace",
                        VALID_POOL.replace("tenant: blue, remoteNsid: 7}", "tenant: blue, remoteNsid: 2}"),
                        "spec.volumes",
                        "two volumes of an NvmeTcp backend use the same remote namespace"),
                bad(
                        "hostNqn without a remote backend",
                        """
                        apiVersion: storage.dpu.dev/v1alpha1
                        kind: DpuStoragePool
                        metadata: {name: valid}
                        spec:
                          offloadProfileRef: {name: valid}
                          hostNqn: nqn.2024-01.dev.example:dpu-host-1
                          backends: [{name: mem, type: Ram}]
                          volumes: [{name: a, nsid: 1, size: 1Gi, backend: mem, tenant: blue}]
                        """,
                        "spec.hostNqn",
                        "hostNqn is only used to connect to NvmeTcp backends"),
                bad(
                        "maxUnavailable zero",
                        VALID_POOL.replace("maxUnavailable: \"25%\"", "maxUnavailable: 0"),
                        "spec.rollout.maxUnavailable",
                        "positive number of nodes"),
                bad(
                        "odd block size",
                        VALID_POOL.replace("backend: mem, tenant: red}", "backend: mem, tenant: red, blockSize: 1024}"),
                        "spec.volumes[2].blockSize",
                        "512 or 4096"),
                // TenantQoS
                bad(
                        "host NQN malformed",
                        VALID_TENANT.replace(
                                "nqn.2014-08.org.nvmexpress:uuid:4c4c4544-0035-3510-8052-b4c04f4e4d32", "host-1"),
                        "spec.hostNqns[0]",
                        "should match '^nqn"),
                bad(
                        "duplicate host NQNs",
                        VALID_TENANT.replace(
                                "[\"nqn.2014-08.org.nvmexpress:uuid:4c4c4544-0035-3510-8052-b4c04f4e4d32\"]",
                                "[\"nqn.2014-08.org.nvmexpress:uuid:1\", \"nqn.2014-08.org.nvmexpress:uuid:1\"]"),
                        "spec.hostNqns",
                        "must be unique"),
                bad(
                        "burst below its limit",
                        VALID_TENANT.replace("burstIops: 40000", "burstIops: 100"),
                        "spec.limits.burstIops",
                        "must not be below"),
                bad(
                        "zero IOPS limit",
                        VALID_TENANT.replace("totalIops: 20000, burstIops: 40000", "totalIops: 0"),
                        "spec.limits.totalIops",
                        "greater than or equal to 1"),
                bad(
                        "byte burst without a bandwidth limit",
                        VALID_TENANT.replace("totalBytesPerSecond: 209715200", "burstBytes: 1048576"),
                        "spec.limits.burstBytes",
                        "needs a bandwidth limit"),
                bad(
                        "any host and an allow-list",
                        VALID_TENANT.replace("  limits:", "  allowAnyHost: true\n  limits:"),
                        "spec.hostNqns",
                        "must be empty when allowAnyHost is true"),
                bad(
                        "tenant without pool",
                        VALID_TENANT.replace("  poolRef: {name: valid}\n", ""),
                        "spec.poolRef",
                        "Required value"),
                // DpuVolume: what one object can check (the rest needs the pool: the operator)
                bad(
                        "volume without pool",
                        VALID_VOLUME.replace("  poolRef: {name: valid}\n", ""),
                        "spec.poolRef",
                        "Required value"),
                bad(
                        "volume without tenant",
                        VALID_VOLUME.replace("  tenant: blue\n", ""),
                        "spec.tenant",
                        "Required value"),
                bad("volume without size", VALID_VOLUME.replace("  size: 10Gi\n", ""), "spec.size", "Required value"),
                bad(
                        "volume nsid beyond the data path's 1024",
                        VALID_VOLUME.replace("nsid: 7", "nsid: 1025"),
                        "spec.nsid",
                        "less than or equal to 1024"),
                bad(
                        "volume nsid zero",
                        VALID_VOLUME.replace("nsid: 7", "nsid: 0"),
                        "spec.nsid",
                        "greater than or equal to 1"),
                bad(
                        "volume size without a unit the pool understands",
                        VALID_VOLUME.replace("size: 10Gi", "size: 10GB"),
                        "spec.size",
                        "should match"),
                bad(
                        "volume block size",
                        VALID_VOLUME.replace("backend: mem", "backend: mem\n  blockSize: 1024"),
                        "spec.blockSize",
                        "blockSize must be 512 or 4096"),
                bad(
                        "volume remote namespace zero",
                        VALID_VOLUME.replace("backend: mem", "backend: mem\n  remoteNsid: 0"),
                        "spec.remoteNsid",
                        "greater than or equal to 1"),
                // DpuNodeState
                bad(
                        "node state without node name",
                        """
                        apiVersion: storage.dpu.dev/v1alpha1
                        kind: DpuNodeState
                        metadata: {name: node-1}
                        spec: {pool: valid}
                        """,
                        "spec.nodeName",
                        "Required value"));
    }

    private static Arguments bad(String why, String yaml, String field, String message) {
        return Arguments.of(why, yaml, field, message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void theApiServerRejectsItNamingTheField(String why, String yaml, String field, String message) {
        assertThat(yaml)
                .as("the case must change the valid example")
                .isNotIn(VALID_PROFILE, VALID_POOL, VALID_TENANT, VALID_VOLUME);
        GenericKubernetesResource r = Serialization.unmarshal(yaml, GenericKubernetesResource.class);
        r.getMetadata().setName("bad-" + Math.abs(why.hashCode()));
        assertThatThrownBy(() -> client.resource(r).inNamespace(NS).create())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).as("HTTP status").isEqualTo(422);
                    assertThat(e.getMessage()).contains(field).contains(message);
                });
    }
}

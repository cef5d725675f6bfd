package dev.dpu.storage.operator.it;

import dev.dpu.storage.api.v1alpha1.DpuNodeState;
import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.api.v1alpha1.DpuVolume;
import dev.dpu.storage.api.v1alpha1.OffloadProfile;
import dev.dpu.storage.api.v1alpha1.TenantQoS;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;

/** Custom resources for the integration tests, written as a user would write them. */
final class Fixtures {
    private Fixtures() {}

    static OffloadProfile profile(String ns, String name, String spec) {
        return parse(
                OffloadProfile.class,
                """
                apiVersion: storage.dpu.dev/v1alpha1
                kind: OffloadProfile
                metadata: {name: %s, namespace: %s}
                spec:
                %s"""
                        .formatted(name, ns, indent(spec)));
    }

    static DpuStoragePool pool(String ns, String name, String spec) {
        return parse(
                DpuStoragePool.class,
                """
                apiVersion: storage.dpu.dev/v1alpha1
                kind: DpuStoragePool
                metadata: {name: %s, namespace: %s}
                spec:
                %s"""
                        .formatted(name, ns, indent(spec)));
    }

    static TenantQoS tenant(String ns, String name, String spec) {
        return parse(
                TenantQoS.class,
                """
                apiVersion: storage.dpu.dev/v1alpha1
                kind: TenantQoS
                metadata: {name: %s, namespace: %s}
                spec:
                %s"""
                        .formatted(name, ns, indent(spec)));
    }

    static DpuVolume volume(String ns, String name, String spec) {
        return parse(
                DpuVolume.class,
                """
                apiVersion: storage.dpu.dev/v1alpha1
                kind: DpuVolume
                metadata: {name: %s, namespace: %s}
                spec:
                %s"""
                        .formatted(name, ns, indent(spec)));
    }

    static DpuNodeState nodeState(String ns, String node, String pool, String status) {
        DpuNodeState s = parse(
                DpuNodeState.class,
                """
                apiVersion: storage.dpu.dev/v1alpha1
                kind: DpuNodeState
                metadata: {name: %s, namespace: %s}
                spec: {nodeName: %s, pool: %s}
                status:
                %s"""
                        .formatted(node, ns, node, pool, indent(status)));
        return s;
    }

    /**
     * The usual pool: one RAM volume per tenant. Without a nodeSelector in extra it selects no
     * node (nodes are cluster-wide: another test's nodes must not change this one's pool).
     */
    static String poolSpec(String profile, String extra) {
        if (!extra.contains("nodeSelector")) {
            extra = extra + "\nnodeSelector: {test.dpu.dev/no-such-label: \"true\"}";
        }
        return """
                offloadProfileRef: {name: %s}
                backends: [{name: mem, type: Ram}]
                volumes:
                - {name: vol-a, nsid: 1, size: 1Gi, backend: mem, tenant: tenant-blue}
                - {name: vol-b, nsid: 1, size: 2Gi, backend: mem, tenant: tenant-red}
                %s"""
                .formatted(profile, extra);
    }

    private static String indent(String s) {
        return s.stripIndent()
                        .lines()
                        .map(l -> "  " + l)
                        .reduce((a, b) -> a + "\n" + b)
                        .orElse("") + "\n";
    }

    private static <T extends HasMetadata> T parse(Class<T> type, String yaml) {
        return Serialization.unmarshal(yaml, type);
    }
}

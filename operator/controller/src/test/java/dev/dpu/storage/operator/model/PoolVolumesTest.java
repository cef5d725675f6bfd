package dev.dpu.storage.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpu.storage.api.dataplane.DataplaneConfig;
import dev.dpu.storage.api.dataplane.DataplaneContract;
import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.api.v1alpha1.DpuVolume;
import dev.dpu.storage.api.v1alpha1.OffloadProfile;
import dev.dpu.storage.api.v1alpha1.TenantQoS;
import dev.dpu.storage.api.v1alpha1.Volume;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which volumes a pool serves when inline volumes and DpuVolumes meet, and why the others not. */
class PoolVolumesTest {
    private static final Set<String> TENANTS = Set.of("blue", "red");

    private static DpuStoragePool pool(String volumes) {
        return Serialization.unmarshal(
                """
                apiVersion: storage.dpu.dev/v1alpha1
                kind: DpuStoragePool
                metadata: {name: pool-a, namespace: storage}
                spec:
                  offloadProfileRef: {name: plain}
                  backends: [{name: mem, type: Ram}, {name: disk, type: File, path: /d.img},
                             {name: remote, type: NvmeTcp, nvmeTcp: {address: 192.0.2.1, subsystemNqn: "nqn.2024-01.dev.example:a"}}]
                  volumes: %s
                """
                        .formatted(volumes),
                DpuStoragePool.class);
    }

    private static DpuVolume volume(String name, String created, String spec) {
        DpuVolume v = Serialization.unmarshal(
                """
                apiVersion: storage.dpu.dev/v1alpha1
                kind: DpuVolume
                metadata: {name: %s, namespace: storage, creationTimestamp: "%s"}
                spec: {poolRef: {name: pool-a}, %s}
                """
                        .formatted(name, created, spec),
                DpuVolume.class);
        return v;
    }

    private static List<String> served(PoolVolumes r) {
        return r.served().stream().map(Volume::getName).toList();
    }

    @Test
    void theOlderObjectKeepsAnNsidAndTheNewerOneSaysWhoHasIt() {
        var r = PoolVolumes.resolve(
                pool("[]"),
                List.of(
                        volume("new", "2026-12-01T10:00:05Z", "tenant: blue, nsid: 1, size: 1Gi, backend: mem"),
                        volume("old", "2026-12-01T10:00:00Z", "tenant: blue, nsid: 1, size: 1Gi, backend: mem"),
                        volume(
                                "other-tenant",
                                "2026-12-01T10:00:09Z",
                                "tenant: red, nsid: 1, size: 1Gi, backend: mem")),
                TENANTS,
                null);
        assertThat(served(r)).containsExactly("old", "other-tenant");
        assertThat(r.verdicts().get("new").reason()).isEqualTo("NsidInUse");
        assertThat(r.verdicts().get("new").message()).contains("DpuVolume \"old\"");
        assertThat(r.rejected()).isEqualTo(1);
    }

    @Test
    void whatIsServedNowWinsOverAnOlderNewcomer() {
        // "served" runs as namespace 1 of blue; an object created earlier but only now pointed at
        // this pool must not take the nsid away from the hosts that use it.
        var pool = pool("[]");
        var served = volume("served", "2026-12-01T10:00:05Z", "tenant: blue, nsid: 1, size: 1Gi, backend: mem");
        var earlier = volume("earlier", "2026-12-01T09:00:00Z", "tenant: blue, nsid: 1, size: 1Gi, backend: mem");
        DataplaneConfig now = DataplaneConfigModel.fromCrd(pool, profile(), tenants(), List.of(served.toVolume()));
        var r = PoolVolumes.resolve(pool, List.of(served, earlier), TENANTS, now);
        assertThat(served(r)).containsExactly("served");
        assertThat(r.verdicts().get("earlier").reason()).isEqualTo("NsidInUse");
    }

    @Test
    void anObjectIdenticalToAnInlineVolumeIsTheSameVolumeAndADifferentOneIsRefused() {
        var pool = pool("[{name: a, nsid: 1, size: 1Gi, backend: mem, tenant: blue}]");
        var same = volume(
                "a", "2026-12-01T10:00:00Z", "tenant: blue, nsid: 1, size: 1024Mi, backend: mem, blockSize: 512");
        var r = PoolVolumes.resolve(pool, List.of(same), TENANTS, null);
        assertThat(served(r)).containsExactly("a");
        assertThat(r.verdicts().get("a").served()).isTrue();
        assertThat(r.verdicts().get("a").message()).contains("spec.volumes of the pool lists the same volume");
        var other = volume("a", "2026-12-01T10:00:00Z", "tenant: blue, nsid: 2, size: 1Gi, backend: mem");
        var r2 = PoolVolumes.resolve(pool, List.of(other), TENANTS, null);
        assertThat(served(r2)).containsExactly("a");
        assertThat(r2.served().getFirst().getNsid()).isEqualTo(1);
        assertThat(r2.verdicts().get("a").reason()).isEqualTo("NameInUse");
    }

    @Test
    void anInlineVolumeAddedOverAServedObjectIsTheOneLeftOut() {
        var obj = volume("obj", "2026-12-01T10:00:00Z", "tenant: blue, nsid: 1, size: 1Gi, backend: mem");
        var before = pool("[]");
        DataplaneConfig now = DataplaneConfigModel.fromCrd(before, profile(), tenants(), List.of(obj.toVolume()));
        var after = pool("[{name: inline, nsid: 1, size: 1Gi, backend: mem, tenant: blue}]");
        var r = PoolVolumes.resolve(after, List.of(obj), TENANTS, now);
        assertThat(served(r)).containsExactly("obj");
        assertThat(r.inlineRejected()).singleElement().asString().startsWith("spec.volumes \"inline\": nsid 1");
    }

    @Test
    void rulesThatNeedThePool() {
        var r = PoolVolumes.resolve(
                pool("[]"),
                List.of(
                        volume("no-backend", "2026-12-01T10:00:00Z", "tenant: blue, nsid: 1, size: 1Gi, backend: ssd"),
                        volume("no-tenant", "2026-12-01T10:00:00Z", "tenant: green, nsid: 1, size: 1Gi, backend: mem"),
                        volume("r1", "2026-12-01T10:00:00Z", "tenant: blue, nsid: 2, size: 1Gi, backend: remote"),
                        volume(
                                "r2",
                                "2026-12-01T10:00:01Z",
                                "tenant: blue, nsid: 3, size: 1Gi, backend: remote, remoteNsid: 4"),
                        volume(
                                "r3",
                                "2026-12-01T10:00:02Z",
                                "tenant: red, nsid: 3, size: 1Gi, backend: remote, remoteNsid: 4"),
                        volume(
                                "m",
                                "2026-12-01T10:00:02Z",
                                "tenant: red, nsid: 4, size: 1Gi, backend: mem, remoteNsid: 4"),
                        volume("f1", "2026-12-01T10:00:03Z", "tenant: red, nsid: 5, size: 1Gi, backend: disk"),
                        volume("f2", "2026-12-01T10:00:04Z", "tenant: red, nsid: 6, size: 1Gi, backend: disk")),
                TENANTS,
                null);
        assertThat(served(r)).containsExactly("f1", "r2");
        assertThat(r.verdicts())
                .extractingByKeys("no-backend", "no-tenant", "r1", "r3", "m", "f2")
                .extracting(PoolVolumes.Verdict::reason)
                .containsExactly(
                        "BackendNotFound",
                        "TenantNotFound",
                        "RemoteNsidRequired",
                        "RemoteNamespaceInUse",
                        "RemoteNsidNotAllowed",
                        "FileBackendInUse");
    }

    @Test
    void aServedVolumeKeepsItsNamespaceWhenItsTenantGoesAwayAndANewOneWaitsForIt() {
        var pool = pool("[]");
        var served = volume("served", "2026-12-01T10:00:00Z", "tenant: gone, nsid: 1, size: 1Gi, backend: mem");
        var fresh = volume("fresh", "2026-12-01T10:00:00Z", "tenant: gone, nsid: 2, size: 1Gi, backend: mem");
        DataplaneConfig now = DataplaneConfigModel.fromCrd(pool, profile(), tenants(), List.of(served.toVolume()));
        var r = PoolVolumes.resolve(pool, List.of(served, fresh), TENANTS, now);
        assertThat(served(r)).containsExactly("served");
        assertThat(r.verdicts().get("served").message()).contains("No TenantQoS \"gone\" references the pool any more");
        assertThat(r.verdicts().get("fresh").reason()).isEqualTo("TenantNotFound");
    }

    @Test
    void theResultDoesNotDependOnTheOrderTheCacheListsObjectsIn() {
        var a = volume("a", "2026-12-01T10:00:00Z", "tenant: blue, nsid: 1, size: 1Gi, backend: mem");
        var b = volume("b", "2026-12-01T10:00:00Z", "tenant: blue, nsid: 1, size: 1Gi, backend: mem");
        var r1 = PoolVolumes.resolve(pool("[]"), List.of(a, b), TENANTS, null);
        var r2 = PoolVolumes.resolve(pool("[]"), List.of(b, a), TENANTS, null);
        assertThat(r1.verdicts()).isEqualTo(r2.verdicts());
        assertThat(served(r1)).isEqualTo(served(r2));
        assertThat(served(r1)).containsExactly("a"); // same age: the name decides
        assertThat(DataplaneContract.write(DataplaneConfigModel.fromCrd(pool("[]"), profile(), tenants(), r1.served())))
                .isEqualTo(DataplaneContract.write(
                        DataplaneConfigModel.fromCrd(pool("[]"), profile(), tenants(), r2.served())));
    }

    private static OffloadProfile profile() {
        return Serialization.unmarshal(
                """
                apiVersion: storage.dpu.dev/v1alpha1
                kind: OffloadProfile
                metadata: {name: plain, namespace: storage}
                spec: {mode: ZeroCopy}
                """,
                OffloadProfile.class);
    }

    private static List<TenantQoS> tenants() {
        return List.of();
    }
}

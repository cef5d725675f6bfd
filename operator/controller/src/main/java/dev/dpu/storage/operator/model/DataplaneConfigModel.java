package dev.dpu.storage.operator.model;

import dev.dpu.storage.api.dataplane.DataplaneConfig;
import dev.dpu.storage.api.dataplane.DataplaneContract;
import dev.dpu.storage.api.dataplane.NamespaceSpec;
import dev.dpu.storage.api.dataplane.RemoteSpec;
import dev.dpu.storage.api.dataplane.SubsystemSpec;
import dev.dpu.storage.api.dataplane.TenantLimits;
import dev.dpu.storage.api.dataplane.TenantSpec;
import dev.dpu.storage.api.v1alpha1.Backend;
import dev.dpu.storage.api.v1alpha1.BackendType;
import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.api.v1alpha1.Encryption;
import dev.dpu.storage.api.v1alpha1.Listener;
import dev.dpu.storage.api.v1alpha1.NvmeTcpTarget;
import dev.dpu.storage.api.v1alpha1.OffloadProfile;
import dev.dpu.storage.api.v1alpha1.OffloadProfileSpec;
import dev.dpu.storage.api.v1alpha1.QosLimits;
import dev.dpu.storage.api.v1alpha1.ReactorPolling;
import dev.dpu.storage.api.v1alpha1.TenantQoS;
import dev.dpu.storage.api.v1alpha1.Volume;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The pool's custom resources turned into the dataplane.json contract (see docs/operator.md,
 * "Rendered configuration"). Pure and deterministic: lists are sorted, so the same inputs always
 * give the same record, the same bytes and the same hash. CRD defaults the API server did not
 * fill (objects stored before a default existed) resolve to the contract's own defaults.
 */
public final class DataplaneConfigModel {

    private DataplaneConfigModel() {}

    /** A pool that serves its inline volumes (spec.volumes) only. */
    public static DataplaneConfig fromCrd(DpuStoragePool pool, OffloadProfile profile, List<TenantQoS> tenants) {
        return fromCrd(pool, profile, tenants, pool.getSpec().getVolumes());
    }

    /**
     * @param volumes what the pool serves: spec.volumes and its accepted DpuVolumes, conflicts
     *     already resolved ({@link PoolVolumes})
     */
    public static DataplaneConfig fromCrd(
            DpuStoragePool pool, OffloadProfile profile, List<TenantQoS> tenants, List<Volume> volumes) {
        Map<String, TenantQoS> qosByTenant = new TreeMap<>();
        for (TenantQoS t : tenants) {
            qosByTenant.put(t.getMetadata().getName(), t);
        }
        OffloadProfileSpec p = profile.getSpec();
        int reactors = Objects.requireNonNullElse(p.getCores(), DataplaneConfig.DEFAULT_REACTORS);
        return new DataplaneConfig(
                pool.getMetadata().getName(),
                listen(pool.getSpec().getListener()),
                reactors,
                Objects.requireNonNullElse(p.getCpus(), List.of()),
                Objects.requireNonNullElse(p.getPolling(), ReactorPolling.Sleep).name(),
                offload(p),
                pool.getSpec().getHostNqn(),
                remotes(pool),
                subsystems(pool, volumes, qosByTenant),
                tenantLimits(qosByTenant));
    }

    private static DataplaneConfig.Listen listen(Listener listener) {
        return new DataplaneConfig.Listen(
                Optional.ofNullable(listener).map(Listener::getAddress).orElse("0.0.0.0"),
                Optional.ofNullable(listener).map(Listener::getPort).orElse(Listener.NVME_TCP_PORT));
    }

    private static DataplaneConfig.Offload offload(OffloadProfileSpec p) {
        Encryption enc = p.getEncryption();
        DataplaneConfig.Encryption encryption = enc == null
                ? null
                : new DataplaneConfig.Encryption(
                        enc.algorithmOrDefault(),
                        enc.getKeySecretRef().getName(),
                        DataplaneContract.keyFile(enc.getKeySecretRef().getName()));
        return new DataplaneConfig.Offload(
                p.getMode() == null ? null : p.getMode().name(),
                p.getFallback() == null ? null : p.getFallback().name(),
                p.getHeaderDigest(),
                p.getDataDigest(),
                p.getQueues(),
                p.getQueueDepth(),
                p.getInCapsuleDataBytes(),
                p.getMaxTransferBytes(),
                encryption);
    }

    /** One remote per NvmeTcp backend, named like the backend (sorted by name, as backends are unique). */
    private static List<RemoteSpec> remotes(DpuStoragePool pool) {
        List<RemoteSpec> remotes = new ArrayList<>();
        for (Backend b : pool.getSpec().getBackends()) {
            NvmeTcpTarget t = b.getNvmeTcp();
            if (t == null) {
                continue;
            }
            remotes.add(new RemoteSpec(
                    b.getName(),
                    t.getAddress(),
                    t.getPort(),
                    t.getSubsystemNqn(),
                    t.getHeaderDigest(),
                    t.getDataDigest(),
                    t.getCtrlLossTimeoutSeconds()));
        }
        remotes.sort(Comparator.comparing(RemoteSpec::name));
        return remotes;
    }

    private static List<SubsystemSpec> subsystems(
            DpuStoragePool pool, List<Volume> poolVolumes, Map<String, TenantQoS> qosByTenant) {
        Map<String, Backend> backends = new TreeMap<>();
        for (Backend b : pool.getSpec().getBackends()) {
            backends.put(b.getName(), b);
        }
        Map<String, List<Volume>> volumesByTenant = new TreeMap<>();
        for (String tenant : qosByTenant.keySet()) {
            volumesByTenant.put(tenant, new ArrayList<>());
        }
        for (Volume v : poolVolumes) {
            volumesByTenant
                    .computeIfAbsent(v.getTenant(), t -> new ArrayList<>())
                    .add(v);
        }
        List<SubsystemSpec> subsystems = new ArrayList<>();
        volumesByTenant.forEach((tenant, volumes) -> {
            TenantQoS qos = qosByTenant.get(tenant);
            // Sorted only for stable bytes; the nsid is the volume's own (spec.volumes[].nsid or a DpuVolume's
            // spec.nsid), so
            // adding or removing a volume never changes what a connected host sees as namespace N.
            volumes.sort(Comparator.comparing(Volume::getName));
            List<NamespaceSpec> namespaces = new ArrayList<>();
            for (Volume v : volumes) {
                namespaces.add(namespace(v, backends.get(v.getBackend())));
            }
            subsystems.add(new SubsystemSpec(
                    DataplaneContract.subsystemNqn(pool.getMetadata().getName(), tenant),
                    tenant,
                    qos != null && Boolean.TRUE.equals(qos.getSpec().getAllowAnyHost()),
                    qos == null
                            ? List.of()
                            : List.copyOf(new TreeSet<>(qos.getSpec().getHostNqns())),
                    namespaces));
        });
        return subsystems;
    }

    private static NamespaceSpec namespace(Volume v, Backend backend) {
        if (v.getNsid() == null) {
            // Only a pool stored before nsid became required can get here (the API server rejects
            // new ones). Guessing a number could hand a host another volume's data: refuse, and
            // leave the running configuration as it is until a person sets the IDs.
            throw new IllegalArgumentException("spec.volumes: volume \"" + v.getName()
                    + "\" has no nsid; set spec.volumes[].nsid to the namespace ID hosts use for it");
        }
        if (backend.getType() == BackendType.NvmeTcp) {
            return NamespaceSpec.remote(
                    v.getNsid(),
                    v.getName(),
                    backend.getName(),
                    Objects.requireNonNullElse(v.getRemoteNsid(), v.getNsid().longValue()),
                    v.sizeBytes(),
                    Objects.requireNonNullElse(v.getBlockSize(), NamespaceSpec.DEFAULT_BLOCK_SIZE));
        }
        String type =
                switch (backend.getType()) {
                    case Ram -> NamespaceSpec.RAM;
                    case File -> NamespaceSpec.FILE;
                    case NvmeTcp -> throw new IllegalStateException("handled above");
                };
        return new NamespaceSpec(
                v.getNsid(),
                v.getName(),
                type,
                NamespaceSpec.FILE.equals(type) ? backend.getPath() : null,
                v.sizeBytes(),
                v.getBlockSize());
    }

    private static List<TenantSpec> tenantLimits(Map<String, TenantQoS> qosByTenant) {
        List<TenantSpec> tenants = new ArrayList<>();
        qosByTenant.forEach((name, qos) -> {
            QosLimits l = Objects.requireNonNullElseGet(qos.getSpec().getLimits(), QosLimits::new);
            tenants.add(new TenantSpec(
                    name,
                    new TenantLimits(
                            l.getReadIops(),
                            l.getWriteIops(),
                            l.getTotalIops(),
                            l.getReadBytesPerSecond(),
                            l.getWriteBytesPerSecond(),
                            l.getTotalBytesPerSecond(),
                            l.getBurstIops(),
                            l.getBurstBytes())));
        });
        return tenants;
    }
}

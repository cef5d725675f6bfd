package dev.dpu.storage.operator.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.dpu.storage.api.v1alpha1.Backend;
import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.api.v1alpha1.DpuStoragePoolSpec;
import dev.dpu.storage.api.v1alpha1.Encryption;
import dev.dpu.storage.api.v1alpha1.FallbackPolicy;
import dev.dpu.storage.api.v1alpha1.OffloadMode;
import dev.dpu.storage.api.v1alpha1.Listener;
import dev.dpu.storage.api.v1alpha1.OffloadProfile;
import dev.dpu.storage.api.v1alpha1.OffloadProfileSpec;
import dev.dpu.storage.api.v1alpha1.QosLimits;
import dev.dpu.storage.api.v1alpha1.TenantQoS;
import dev.dpu.storage.api.v1alpha1.Volume;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The data-path configuration of a pool, dataplane.json, as agents read it (see
 * docs/operator.md, "Rendered configuration"). Deterministic: maps keep the documented key
 * order, lists are sorted, so the same inputs always give the same bytes and the same hash.
 */
public final class DataplaneConfig {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Map<String, Object> listen;
    private final Map<String, Object> offload;
    private final String json;

    private DataplaneConfig(Map<String, Object> document) {
        this.listen = castMap(document.get("listen"));
        this.offload = castMap(document.get("offload"));
        this.json = write(document) + "\n";
    }

    public static DataplaneConfig render(DpuStoragePool pool, OffloadProfile profile, List<TenantQoS> tenants) {
        DpuStoragePoolSpec spec = pool.getSpec();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("pool", pool.getMetadata().getName());
        doc.put("namespace", pool.getMetadata().getNamespace());
        doc.put("listen", listen(spec.getListener()));
        doc.put("offload", offload(profile));
        Map<String, TenantQoS> qosByTenant = new TreeMap<>();
        for (TenantQoS t : tenants) {
            qosByTenant.put(t.getMetadata().getName(), t);
        }
        doc.put("subsystems", subsystems(pool, qosByTenant));
        doc.put("tenants", tenantLimits(qosByTenant));
        return new DataplaneConfig(doc);
    }

    /** dataplane.json, the ConfigMap's only key. */
    public String json() { return json; }

    /** sha256 of dataplane.json in hex: what agents report as appliedConfigHash. */
    public String hash() { return sha256(json); }

    /**
     * Hash of the part only a restart of the data path applies (listener and offload settings).
     * Tenants, hosts, volumes and limits are left out: agents apply them live.
     */
    public String restartChecksum() {
        Map<String, Object> restartRelevant = new LinkedHashMap<>();
        restartRelevant.put("listen", listen);
        restartRelevant.put("offload", offload);
        return sha256(write(restartRelevant));
    }

    private static Map<String, Object> listen(Listener listener) {
        Map<String, Object> listen = new LinkedHashMap<>();
        listen.put("address", Optional.ofNullable(listener).map(Listener::getAddress).orElse("0.0.0.0"));
        listen.put("port", Optional.ofNullable(listener).map(Listener::getPort).orElse(Listener.NVME_TCP_PORT));
        return listen;
    }

    private static Map<String, Object> offload(OffloadProfile profile) {
        OffloadProfileSpec p = profile.getSpec();
        Map<String, Object> offload = new LinkedHashMap<>();
        offload.put("profile", profile.getMetadata().getName());
        offload.put("mode", String.valueOf(Objects.requireNonNullElse(p.getMode(), OffloadMode.ZeroCopy)));
        offload.put("fallback", String.valueOf(Objects.requireNonNullElse(p.getFallback(), FallbackPolicy.Degrade)));
        offload.put("headerDigest", Boolean.TRUE.equals(p.getHeaderDigest()));
        offload.put("dataDigest", Boolean.TRUE.equals(p.getDataDigest()));
        offload.put("queues", Objects.requireNonNullElse(p.getQueues(), 4));
        offload.put("queueDepth", Objects.requireNonNullElse(p.getQueueDepth(), 128));
        offload.put("inCapsuleDataBytes", Objects.requireNonNullElse(p.getInCapsuleDataBytes(), 8192));
        offload.put("maxTransferBytes", Objects.requireNonNullElse(p.getMaxTransferBytes(), 131072));
        offload.put("cores", Objects.requireNonNullElse(p.getCores(), 1));
        Encryption enc = p.getEncryption();
        if (enc == null) {
            offload.put("encryption", null);
        } else {
            Map<String, Object> encryption = new LinkedHashMap<>();
            encryption.put("algorithm", enc.algorithmOrDefault());
            encryption.put("keySecret", enc.getKeySecretRef().getName());
            encryption.put("keyFile", Names.keyFile(enc.getKeySecretRef().getName()));
            offload.put("encryption", encryption);
        }
        return offload;
    }

    private static List<Map<String, Object>> subsystems(DpuStoragePool pool, Map<String, TenantQoS> qosByTenant) {
        Map<String, Backend> backends = new TreeMap<>();
        for (Backend b : pool.getSpec().getBackends()) {
            backends.put(b.getName(), b);
        }
        Map<String, List<Volume>> volumesByTenant = new TreeMap<>();
        for (String tenant : qosByTenant.keySet()) {
            volumesByTenant.put(tenant, new ArrayList<>());
        }
        for (Volume v : pool.getSpec().getVolumes()) {
            volumesByTenant.computeIfAbsent(v.getTenant(), t -> new ArrayList<>()).add(v);
        }
        List<Map<String, Object>> subsystems = new ArrayList<>();
        volumesByTenant.forEach((tenant, volumes) -> {
            TenantQoS qos = qosByTenant.get(tenant);
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("nqn", Names.subsystemNqn(pool.getMetadata().getName(), tenant));
            s.put("tenant", tenant);
            s.put("allowAnyHost", qos != null && Boolean.TRUE.equals(qos.getSpec().getAllowAnyHost()));
            s.put("hosts", qos == null ? List.of() : List.copyOf(new TreeSet<>(qos.getSpec().getHostNqns())));
            // Sorted only for stable bytes; the nsid is the volume's own (spec.volumes[].nsid), so
            // adding or removing a volume never changes what a connected host sees as namespace N.
            volumes.sort(Comparator.comparing(Volume::getName));
            List<Map<String, Object>> namespaces = new ArrayList<>();
            for (Volume v : volumes) {
                namespaces.add(namespace(v, backends.get(v.getBackend())));
            }
            s.put("namespaces", namespaces);
            subsystems.add(s);
        });
        return subsystems;
    }

    private static Map<String, Object> namespace(Volume v, Backend backend) {
        if (v.getNsid() == null) {
            // Only a pool stored before nsid became required can get here (the API server rejects
            // new ones). Guessing a number could hand a host another volume's data: refuse, and
            // leave the running configuration as it is until a person sets the IDs.
            throw new IllegalArgumentException("spec.volumes: volume \"" + v.getName()
                    + "\" has no nsid; set spec.volumes[].nsid to the namespace ID hosts use for it");
        }
        Map<String, Object> ns = new LinkedHashMap<>();
        ns.put("nsid", v.getNsid());
        ns.put("volume", v.getName());
        switch (backend.getType()) {
            case Ram -> ns.put("backend", "ram");
            case File -> {
                ns.put("backend", "file");
                ns.put("path", backend.getPath());
            }
            case NvmeTcp -> {
                ns.put("backend", "nvmeTcp");
                Map<String, Object> remote = new LinkedHashMap<>();
                remote.put("address", backend.getNvmeTcp().getAddress());
                remote.put("port", Objects.requireNonNullElse(backend.getNvmeTcp().getPort(), Listener.NVME_TCP_PORT));
                remote.put("nqn", backend.getNvmeTcp().getNqn());
                ns.put("remote", remote);
            }
        }
        ns.put("sizeBytes", v.sizeBytes());
        ns.put("blockSize", Objects.requireNonNullElse(v.getBlockSize(), 512));
        return ns;
    }

    private static List<Map<String, Object>> tenantLimits(Map<String, TenantQoS> qosByTenant) {
        List<Map<String, Object>> tenants = new ArrayList<>();
        qosByTenant.forEach((name, qos) -> {
            QosLimits l = Objects.requireNonNullElseGet(qos.getSpec().getLimits(), QosLimits::new);
            Map<String, Object> limits = new LinkedHashMap<>();
            limits.put("readIops", orZero(l.getReadIops()));
            limits.put("writeIops", orZero(l.getWriteIops()));
            limits.put("totalIops", orZero(l.getTotalIops()));
            limits.put("readBytesPerSecond", orZero(l.getReadBytesPerSecond()));
            limits.put("writeBytesPerSecond", orZero(l.getWriteBytesPerSecond()));
            limits.put("totalBytesPerSecond", orZero(l.getTotalBytesPerSecond()));
            limits.put("burstIops", orZero(l.getBurstIops()));
            limits.put("burstBytes", orZero(l.getBurstBytes()));
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("name", name);
            t.put("limits", limits);
            tenants.add(t);
        });
        return tenants;
    }

    private static long orZero(Long value) { return value == null ? 0L : value; }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Object o) { return (Map<String, Object>) o; }

    private static String write(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render dataplane.json", e);
        }
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}

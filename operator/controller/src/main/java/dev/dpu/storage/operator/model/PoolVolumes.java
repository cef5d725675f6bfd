package dev.dpu.storage.operator.model;

import dev.dpu.storage.api.dataplane.DataplaneConfig;
import dev.dpu.storage.api.dataplane.DataplaneContract;
import dev.dpu.storage.api.dataplane.NamespaceSpec;
import dev.dpu.storage.api.dataplane.SubsystemSpec;
import dev.dpu.storage.api.v1alpha1.Backend;
import dev.dpu.storage.api.v1alpha1.BackendType;
import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.api.v1alpha1.DpuVolume;
import dev.dpu.storage.api.v1alpha1.Volume;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Which volumes a pool serves: its inline {@code spec.volumes} plus the DpuVolume objects that
 * reference it, with every rule that needs more than one object (backend exists and fits, tenant
 * exists, names, nsids per tenant and remote namespaces unique) decided here, deterministically.
 *
 * <p>Who wins a conflict: first what the pool serves now (the volume is in the rendered
 * configuration with the same tenant, nsid and name), then the inline volumes, then DpuVolumes by
 * age (creationTimestamp, then name). So nothing already served is dropped or renumbered because
 * a newer object conflicts with it; the newer one is rejected and says why in its status. A
 * DpuVolume identical to an inline volume of the same name is the same volume (the way volumes
 * move from spec.volumes to objects): it is rendered once.
 *
 * @param served the volumes to render, inline ones and accepted objects
 * @param verdicts what happened to each DpuVolume, by object name
 * @param inlineRejected one message per inline volume that lost a conflict to a served object
 */
public record PoolVolumes(List<Volume> served, Map<String, Verdict> verdicts, List<String> inlineRejected) {

    /** Ready reason of a DpuVolume the pool serves. */
    public static final String SERVED = "Served";

    /**
     * What the pool did with one DpuVolume.
     *
     * @param served true when the rendered configuration holds the volume
     * @param reason Served, or the CamelCase reason it is not served
     * @param message what a person reads
     */
    public record Verdict(boolean served, String reason, String message) {}

    /** The DpuVolumes counted as rejected plus the rejected inline volumes. */
    public int rejected() {
        return inlineRejected.size()
                + (int) verdicts.values().stream().filter(v -> !v.served()).count();
    }

    /**
     * @param pool the pool
     * @param objects the DpuVolumes whose poolRef names the pool (same namespace)
     * @param tenants names of the TenantQoS objects that reference the pool
     * @param current the configuration the pool serves now (null when none or unreadable)
     */
    public static PoolVolumes resolve(
            DpuStoragePool pool, List<DpuVolume> objects, Set<String> tenants, DataplaneConfig current) {
        String poolName = pool.getMetadata().getName();
        Set<String> servedNow = servedKeys(current);
        Map<String, Backend> backends = new TreeMap<>();
        for (Backend b : pool.getSpec().getBackends()) {
            backends.put(b.getName(), b);
        }
        // The order decides every conflict.
        List<DpuVolume> sorted = new ArrayList<>(objects);
        sorted.sort(Comparator.comparing((DpuVolume o) -> !servedNow.contains(key(o.toVolume())))
                .thenComparing(o -> Objects.requireNonNullElse(o.getMetadata().getCreationTimestamp(), ""))
                .thenComparing(o -> o.getMetadata().getName()));
        List<Candidate> order = new ArrayList<>();
        int firstNotServed = 0;
        while (firstNotServed < sorted.size()
                && servedNow.contains(key(sorted.get(firstNotServed).toVolume()))) {
            order.add(new Candidate(sorted.get(firstNotServed).toVolume(), false));
            firstNotServed++;
        }
        for (Volume v : pool.getSpec().getVolumes()) {
            order.add(new Candidate(v, true));
        }
        for (int i = firstNotServed; i < sorted.size(); i++) {
            order.add(new Candidate(sorted.get(i).toVolume(), false));
        }

        var claims = new Claims();
        List<Volume> served = new ArrayList<>();
        Map<String, Verdict> verdicts = new TreeMap<>();
        List<String> inlineRejected = new ArrayList<>();
        for (Candidate c : order) {
            Volume v = c.volume();
            if (!c.inline()) {
                // A volume hosts use keeps its namespace when its TenantQoS goes away (deleted and
                // re-created, say): deleting the DpuVolume is what removes it, as for inline ones.
                boolean keep = servedNow.contains(key(v));
                Verdict invalid = invalid(poolName, v, backends, keep ? null : tenants);
                if (invalid != null) {
                    verdicts.put(v.getName(), invalid);
                    continue;
                }
            }
            Claim sameName = claims.byName.get(v.getName());
            if (sameName != null && sameName.inline() != c.inline() && identical(sameName.volume(), v)) {
                // One volume listed both ways (moving from spec.volumes to an object): served once.
                verdicts.put(v.getName(), servedVerdict(poolName, v, true));
                continue;
            }
            String conflict = claims.conflict(poolName, v, backends.get(v.getBackend()), sameName);
            if (conflict != null) {
                String reason = conflict.substring(0, conflict.indexOf(':'));
                String message = conflict.substring(conflict.indexOf(':') + 1);
                if (c.inline()) {
                    inlineRejected.add("spec.volumes \"" + v.getName() + "\": " + message);
                } else {
                    verdicts.put(v.getName(), new Verdict(false, reason, message + " The volume is not served."));
                }
                continue;
            }
            claims.claim(v, c.inline(), backends.get(v.getBackend()));
            served.add(v);
            if (!c.inline()) {
                Verdict ok = servedVerdict(poolName, v, false);
                if (!tenants.contains(v.getTenant())) {
                    ok = new Verdict(
                            true,
                            SERVED,
                            ok.message() + " No TenantQoS \"" + v.getTenant() + "\" references the pool any more: no"
                                    + " host may connect until one does; delete this DpuVolume to remove the namespace.");
                }
                verdicts.put(v.getName(), ok);
            }
        }
        served.sort(Comparator.comparing(Volume::getName));
        return new PoolVolumes(List.copyOf(served), verdicts, List.copyOf(inlineRejected));
    }

    private record Candidate(Volume volume, boolean inline) {}

    private record Claim(Volume volume, boolean inline) {
        String owner() {
            return inline
                    ? "spec.volumes \"" + volume.getName() + "\" of the pool"
                    : "DpuVolume \"" + volume.getName() + "\"";
        }
    }

    /** What the served volumes hold so far; a conflict message is "Reason:text". */
    private static final class Claims {
        final Map<String, Claim> byName = new HashMap<>();
        final Map<String, Claim> byTenantNsid = new HashMap<>();
        final Map<String, Claim> byRemote = new HashMap<>();
        final Map<String, Claim> byFileBackend = new HashMap<>();

        String conflict(String pool, Volume v, Backend backend, Claim sameName) {
            if (sameName != null) {
                return "NameInUse:Pool \"" + pool + "\" already serves a volume named \"" + v.getName() + "\" ("
                        + sameName.owner() + ") with other content (tenant, nsid, size, backend, remoteNsid or"
                        + " blockSize); rename this one, or make both identical to move the volume from spec.volumes"
                        + " to a DpuVolume.";
            }
            Claim nsid = byTenantNsid.get(v.getTenant() + "/" + v.getNsid());
            if (nsid != null) {
                return "NsidInUse:nsid " + v.getNsid() + " of tenant \"" + v.getTenant() + "\" is already used by "
                        + nsid.owner() + " in pool \"" + pool + "\"; choose another nsid (unique among the tenant's"
                        + " volumes).";
            }
            if (backend != null && backend.getType() == BackendType.NvmeTcp && v.getRemoteNsid() != null) {
                Claim remote = byRemote.get(v.getBackend() + "/" + v.getRemoteNsid());
                if (remote != null) {
                    return "RemoteNamespaceInUse:remote namespace " + v.getRemoteNsid() + " of backend \""
                            + v.getBackend() + "\" is already used by " + remote.owner() + "; two volumes on one"
                            + " remote namespace would overwrite each other's data.";
                }
            }
            if (backend != null && backend.getType() == BackendType.File) {
                Claim file = byFileBackend.get(v.getBackend());
                if (file != null) {
                    return "FileBackendInUse:File backend \"" + v.getBackend() + "\" already stores " + file.owner()
                            + "; a File backend stores exactly one volume.";
                }
            }
            return null;
        }

        void claim(Volume v, boolean inline, Backend backend) {
            Claim c = new Claim(v, inline);
            byName.put(v.getName(), c);
            byTenantNsid.put(v.getTenant() + "/" + v.getNsid(), c);
            if (backend != null && backend.getType() == BackendType.NvmeTcp && v.getRemoteNsid() != null) {
                byRemote.put(v.getBackend() + "/" + v.getRemoteNsid(), c);
            }
            if (backend != null && backend.getType() == BackendType.File) {
                byFileBackend.put(v.getBackend(), c);
            }
        }
    }

    /**
     * The rules that need the pool but no other volume; null when the object passes them.
     * {@code tenants} null: the tenant is not checked (a volume the pool serves now).
     */
    private static Verdict invalid(String pool, Volume v, Map<String, Backend> backends, Set<String> tenants) {
        Backend backend = backends.get(v.getBackend());
        if (backend == null) {
            return new Verdict(
                    false,
                    "BackendNotFound",
                    "Pool \"" + pool + "\" has no backend \"" + v.getBackend() + "\" (its backends: "
                            + String.join(", ", backends.keySet()) + "); fix spec.backend. The volume is not served.");
        }
        boolean remote = backend.getType() == BackendType.NvmeTcp;
        if (remote && v.getRemoteNsid() == null) {
            return new Verdict(
                    false,
                    "RemoteNsidRequired",
                    "Backend \"" + v.getBackend() + "\" of pool \"" + pool + "\" is NvmeTcp: set spec.remoteNsid to"
                            + " the volume's namespace ID on the remote target. The volume is not served.");
        }
        if (!remote && v.getRemoteNsid() != null) {
            return new Verdict(
                    false,
                    "RemoteNsidNotAllowed",
                    "Backend \"" + v.getBackend() + "\" of pool \"" + pool + "\" is " + backend.getType()
                            + ": remove spec.remoteNsid (only NvmeTcp backends use it). The volume is not served.");
        }
        if (tenants != null && !tenants.contains(v.getTenant())) {
            return new Verdict(
                    false,
                    "TenantNotFound",
                    "No TenantQoS \"" + v.getTenant() + "\" references pool \"" + pool + "\": create it (it says"
                            + " which hosts may connect) or fix spec.tenant. The volume is not served.");
        }
        return null;
    }

    private static Verdict servedVerdict(String pool, Volume v, boolean alsoInline) {
        String message = "Pool \"" + pool + "\" serves the volume as namespace " + v.getNsid() + " of subsystem "
                + DataplaneContract.subsystemNqn(pool, v.getTenant()) + ".";
        if (alsoInline) {
            message += " spec.volumes of the pool lists the same volume; it is served once, and keeps being"
                    + " served when it is removed there.";
        }
        return new Verdict(true, SERVED, message);
    }

    /** Same namespace on the wire: what a host and the data path would see. */
    static boolean identical(Volume a, Volume b) {
        return Objects.equals(a.getName(), b.getName())
                && Objects.equals(a.getTenant(), b.getTenant())
                && Objects.equals(a.getNsid(), b.getNsid())
                && Objects.equals(a.getBackend(), b.getBackend())
                && Objects.equals(a.getRemoteNsid(), b.getRemoteNsid())
                && a.sizeBytes() == b.sizeBytes()
                && Objects.requireNonNullElse(a.getBlockSize(), NamespaceSpec.DEFAULT_BLOCK_SIZE)
                        .equals(Objects.requireNonNullElse(b.getBlockSize(), NamespaceSpec.DEFAULT_BLOCK_SIZE));
    }

    private static String key(Volume v) {
        return v.getTenant() + "/" + v.getNsid() + "/" + v.getName();
    }

    private static Set<String> servedKeys(DataplaneConfig current) {
        Set<String> keys = new HashSet<>();
        if (current == null) {
            return keys;
        }
        for (SubsystemSpec s : current.subsystems()) {
            for (NamespaceSpec n : s.namespaces()) {
                keys.add(s.tenant() + "/" + n.nsid() + "/" + n.volume());
            }
        }
        return keys;
    }
}

package dev.dpu.storage.operator.reconciler;

import dev.dpu.storage.api.dataplane.DataplaneContract;
import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.api.v1alpha1.DpuVolume;
import dev.dpu.storage.api.v1alpha1.OffloadMode;
import dev.dpu.storage.api.v1alpha1.OffloadProfile;
import dev.dpu.storage.api.v1alpha1.TenantQoS;
import dev.dpu.storage.api.v1alpha1.TenantQoSStatus;
import dev.dpu.storage.api.v1alpha1.Volume;
import dev.dpu.storage.operator.status.Conditions;
import dev.dpu.storage.operator.status.EventRecorder;
import dev.dpu.storage.operator.status.StatusTail;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * TenantQoS: the pool reconciler renders tenants into the pool's configuration; this one tells
 * the tenant's owner whether that worked: the pool exists, the volumes it claims are its own,
 * and the NQN of its subsystem.
 */
@ControllerConfiguration(name = TenantQoSReconciler.NAME)
public class TenantQoSReconciler implements Reconciler<TenantQoS> {
    public static final String NAME = "tenantqos";
    static final String LIMITS_ENFORCED = "LimitsEnforced";

    private final Clock clock;
    private InformerEventSource<DpuStoragePool, TenantQoS> pools;
    private InformerEventSource<OffloadProfile, TenantQoS> profiles;
    private InformerEventSource<DpuVolume, TenantQoS> volumes;

    public TenantQoSReconciler() {
        this(Clock.systemUTC());
    }

    public TenantQoSReconciler(Clock clock) {
        this.clock = clock;
    }

    @Override
    public List<EventSource<?, TenantQoS>> prepareEventSources(EventSourceContext<TenantQoS> context) {
        var tenants = context.getPrimaryCache();
        pools = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(DpuStoragePool.class, TenantQoS.class)
                        .withName("pools")
                        .withSecondaryToPrimaryMapper(
                                pool -> Mappers.ids(tenants.list(t -> Mappers.sameNamespace(t, pool)
                                        && t.getSpec().getPoolRef() != null
                                        && pool.getMetadata()
                                                .getName()
                                                .equals(t.getSpec().getPoolRef().getName()))))
                        .withOnUpdateFilter((n, o) -> Mappers.specChanged(o, n))
                        .build(),
                context);
        // The pool's profile decides whether limits can be enforced (not in FullOffload).
        profiles = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(OffloadProfile.class, TenantQoS.class)
                        .withName("profiles")
                        .withSecondaryToPrimaryMapper(
                                profile -> Mappers.ids(tenants.list(t -> Mappers.sameNamespace(t, profile)
                                        && t.getSpec().getPoolRef() != null
                                        && pools.get(new ResourceID(
                                                        t.getSpec().getPoolRef().getName(),
                                                        t.getMetadata().getNamespace()))
                                                .filter(p -> Mappers.usesProfile(
                                                        p,
                                                        profile.getMetadata().getNamespace(),
                                                        profile.getMetadata().getName()))
                                                .isPresent())))
                        .withOnUpdateFilter((n, o) -> Mappers.specChanged(o, n))
                        .build(),
                context);
        // A DpuVolume's spec change concerns its tenant (and the tenant it left).
        var volumeTenants = new ReferencedPools<DpuVolume>(
                v -> v.getSpec() == null ? null : v.getSpec().getTenant());
        volumes = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(DpuVolume.class, TenantQoS.class)
                        .withName("volumes")
                        .withSecondaryToPrimaryMapper(volumeTenants::poolsOf)
                        .withOnUpdateFilter((n, o) -> Mappers.specChanged(o, n))
                        .build(),
                context);
        return List.of(pools, profiles, volumes);
    }

    /**
     * Per-tenant QoS is done by the software data path: in FullOffload the offload provider
     * carries the I/O and the limits are not enforced (unless a node falls back to a software
     * mode). Say so instead of letting the limits look active.
     */
    private void limitsEnforced(TenantQoS tenant, DpuStoragePool pool, Conditions conditions) {
        if (tenant.getSpec().getLimits() == null) {
            conditions.set(LIMITS_ENFORCED, true, "NoLimits", "The tenant has no limits.");
            return;
        }
        var profile = profiles.get(new ResourceID(
                pool.getSpec().getOffloadProfileRef().getName(),
                pool.getMetadata().getNamespace()));
        if (profile.isPresent() && profile.get().getSpec().getMode() == OffloadMode.FullOffload) {
            conditions.set(
                    LIMITS_ENFORCED,
                    false,
                    "FullOffload",
                    "Pool \"" + pool.getMetadata().getName()
                            + "\" runs OffloadProfile \""
                            + profile.get().getMetadata().getName()
                            + "\" in FullOffload mode: per-tenant limits are enforced only by the software data path (nodes that fall back).");
        } else {
            conditions.set(
                    LIMITS_ENFORCED,
                    true,
                    "EnforcedPerNode",
                    "Limits are enforced by each node's data path on its own.");
        }
    }

    @Override
    public UpdateControl<TenantQoS> reconcile(TenantQoS tenant, Context<TenantQoS> context) {
        String ns = tenant.getMetadata().getNamespace();
        String name = tenant.getMetadata().getName();
        String poolName = tenant.getSpec().getPoolRef().getName();
        TenantQoSStatus previous = Optional.ofNullable(tenant.getStatus()).orElseGet(TenantQoSStatus::new);
        var conditions = StatusTail.conditions(tenant, previous.getConditions(), clock);
        var status = new TenantQoSStatus();
        status.setObservedGeneration(StatusTail.generation(tenant));

        Optional<DpuStoragePool> pool = pools.get(new ResourceID(poolName, ns));
        if (pool.isEmpty()) {
            conditions.stalled(
                    "PoolNotFound",
                    "DpuStoragePool \"" + poolName + "\" (spec.poolRef) does not exist in namespace " + ns + ".");
        } else {
            status.setSubsystemNqn(DataplaneContract.subsystemNqn(poolName, name));
            // The pool's volumes both ways: spec.volumes and the DpuVolumes that name the pool.
            Map<String, Volume> poolVolumes = Stream.concat(
                            pool.get().getSpec().getVolumes().stream(),
                            volumes.list(
                                            ns,
                                            v -> v.getSpec() != null
                                                    && v.getSpec().getPoolRef() != null
                                                    && poolName.equals(v.getSpec()
                                                            .getPoolRef()
                                                            .getName()))
                                    .map(DpuVolume::toVolume))
                    .collect(Collectors.toMap(Volume::getName, Function.identity(), (a, b) -> a));
            status.setVolumes(poolVolumes.values().stream()
                    .filter(v -> name.equals(v.getTenant()))
                    .map(Volume::getName)
                    .sorted()
                    .toList());
            List<String> missing = new ArrayList<>();
            List<String> foreign = new ArrayList<>();
            for (String v : tenant.getSpec().getVolumes()) {
                Volume volume = poolVolumes.get(v);
                if (volume == null) {
                    missing.add(v);
                } else if (!name.equals(volume.getTenant())) {
                    foreign.add(v + " (tenant " + volume.getTenant() + ")");
                }
            }
            if (!missing.isEmpty()) {
                conditions.stalled(
                        "VolumeNotInPool",
                        "spec.volumes names volumes that pool \"" + poolName + "\" does not have: "
                                + String.join(", ", missing) + ".");
            } else if (!foreign.isEmpty()) {
                conditions.stalled(
                        "VolumeOwnedByAnotherTenant",
                        "spec.volumes names volumes that pool \"" + poolName + "\" gives to another tenant: "
                                + String.join(", ", foreign) + ".");
            } else {
                conditions.ready(
                        "Configured",
                        "Subsystem " + status.getSubsystemNqn() + " with "
                                + status.getVolumes().size()
                                + " volume(s); hosts and limits reach the pool's agents without a restart.");
            }
            limitsEnforced(tenant, pool.get(), conditions);
        }
        status.setConditions(conditions.build());
        StatusTail.warnOnNewStall(
                tenant,
                previous.getConditions(),
                status.getConditions(),
                new EventRecorder(context.getClient(), clock));
        return StatusTail.patchIfChanged(tenant, previous, status, TenantQoS::new);
    }
}

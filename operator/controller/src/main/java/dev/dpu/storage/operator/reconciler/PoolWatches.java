package dev.dpu.storage.operator.reconciler;

import dev.dpu.storage.api.v1alpha1.DpuNodeState;
import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.api.v1alpha1.DpuVolume;
import dev.dpu.storage.api.v1alpha1.OffloadProfile;
import dev.dpu.storage.api.v1alpha1.TenantQoS;
import dev.dpu.storage.operator.dependent.ServiceMonitorCrdPresent;
import dev.dpu.storage.operator.model.ServiceMonitor;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.javaoperatorsdk.operator.api.config.informer.FieldSelector;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Everything besides its own objects that a pool depends on, watched, each change mapped to the
 * pools it concerns. Missing references are picked up the moment they appear: nothing polls.
 */
record PoolWatches(
        InformerEventSource<OffloadProfile, DpuStoragePool> profiles,
        InformerEventSource<TenantQoS, DpuStoragePool> tenants,
        InformerEventSource<DpuVolume, DpuStoragePool> volumes,
        InformerEventSource<DpuNodeState, DpuStoragePool> nodeStates,
        InformerEventSource<Node, DpuStoragePool> nodes,
        InformerEventSource<DpuStoragePool, DpuStoragePool> otherPools,
        InformerEventSource<CustomResourceDefinition, DpuStoragePool> serviceMonitorCrd) {

    List<EventSource<?, DpuStoragePool>> all() {
        return List.of(profiles, tenants, volumes, nodeStates, nodes, otherPools, serviceMonitorCrd);
    }

    static PoolWatches create(EventSourceContext<DpuStoragePool> context) {
        var pools = context.getPrimaryCache();
        InformerEventSource<OffloadProfile, DpuStoragePool> profiles = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(OffloadProfile.class, DpuStoragePool.class)
                        .withName("offload-profiles")
                        .withSecondaryToPrimaryMapper(profile -> Mappers.ids(pools.list(pool -> Mappers.usesProfile(
                                pool,
                                profile.getMetadata().getNamespace(),
                                profile.getMetadata().getName()))))
                        .build(),
                context);
        // A tenant change wakes its own pool only (a fleet has many pools per namespace), and, when
        // it moved to another pool (spec.poolRef), the pool it left, which must drop it.
        var tenantPools = new TenantPools();
        InformerEventSource<TenantQoS, DpuStoragePool> tenants = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(TenantQoS.class, DpuStoragePool.class)
                        .withName("tenants")
                        .withSecondaryToPrimaryMapper(tenantPools::poolsOf)
                        // The pool renders the tenant's spec; its status is the tenant reconciler's.
                        .withOnUpdateFilter((n, o) -> Mappers.specChanged(o, n))
                        .build(),
                context);
        // A volume's spec change (or its arrival or removal) wakes its own pool, and the pool it
        // left; status writes (the operator's own) wake nothing.
        var volumePools = new VolumePools();
        InformerEventSource<DpuVolume, DpuStoragePool> volumes = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(DpuVolume.class, DpuStoragePool.class)
                        .withName("volumes")
                        .withSecondaryToPrimaryMapper(volumePools::poolsOf)
                        .withOnUpdateFilter((n, o) -> Mappers.specChanged(o, n))
                        .build(),
                context);
        InformerEventSource<DpuNodeState, DpuStoragePool> nodeStates = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(DpuNodeState.class, DpuStoragePool.class)
                        .withName("node-states")
                        .withSecondaryToPrimaryMapper(s -> s.getSpec() == null
                                        || s.getSpec().getPool() == null
                                ? Set.of()
                                : Set.of(new ResourceID(
                                        s.getSpec().getPool(), s.getMetadata().getNamespace())))
                        .build(),
                context);
        // Any pool may select a node: a node's labels changing concerns every pool. Heartbeats
        // and status updates of nodes do not.
        InformerEventSource<Node, DpuStoragePool> nodes = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(Node.class, DpuStoragePool.class)
                        .withName("nodes")
                        .withWatchAllNamespaces() // cluster-scoped, whatever namespaces the pools are watched in
                        .withSecondaryToPrimaryMapper(node -> Mappers.ids(pools.list()))
                        .withOnUpdateFilter((newNode, oldNode) -> !Objects.equals(
                                newNode.getMetadata().getLabels(),
                                oldNode.getMetadata().getLabels()))
                        .build(),
                context);
        // Another pool's selector (or its arrival or departure) changes who serves contested nodes.
        InformerEventSource<DpuStoragePool, DpuStoragePool> otherPools = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(DpuStoragePool.class, DpuStoragePool.class)
                        .withName("other-pools")
                        .withSecondaryToPrimaryMapper(changed -> Mappers.ids(
                                pools.list(p -> !ResourceID.fromResource(p).equals(ResourceID.fromResource(changed)))))
                        .withOnUpdateFilter((n, o) -> Mappers.specChanged(o, n))
                        .build(),
                context);
        // Only the Prometheus Operator's ServiceMonitor CRD, by name: its arrival or removal
        // switches the ServiceMonitor dependent of every pool on or off.
        InformerEventSource<CustomResourceDefinition, DpuStoragePool> serviceMonitorCrd = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(CustomResourceDefinition.class, DpuStoragePool.class)
                        .withName(ServiceMonitorCrdPresent.EVENT_SOURCE)
                        .withWatchAllNamespaces() // cluster-scoped
                        .withFieldSelector(
                                new FieldSelector(new FieldSelector.Field("metadata.name", ServiceMonitor.CRD_NAME)))
                        .withSecondaryToPrimaryMapper(crd -> Mappers.ids(pools.list()))
                        .withOnUpdateFilter((n, o) -> false)
                        .build(),
                context);
        return new PoolWatches(profiles, tenants, volumes, nodeStates, nodes, otherPools, serviceMonitorCrd);
    }
}

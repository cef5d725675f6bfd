package dev.dpu.storage.operator.reconciler;

import dev.dpu.storage.api.v1alpha1.TenantQoS;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which pools a TenantQoS event concerns: the pool it references now and, when it moved, the pool
 * it referenced before (that pool must drop it). The event carries only the new object, so the
 * pool each tenant was last seen with is remembered here; the answer for one resourceVersion is
 * kept, so asking twice for the same event (the SDK may) gives the same pools. One small entry
 * per TenantQoS name; after an operator restart every pool is reconciled anyway.
 */
final class TenantPools {
    private record Seen(String resourceVersion, String pool, Set<ResourceID> pools) {}

    private final Map<ResourceID, Seen> seen = new ConcurrentHashMap<>();

    Set<ResourceID> poolsOf(TenantQoS tenant) {
        ResourceID id = ResourceID.fromResource(tenant);
        String namespace = tenant.getMetadata().getNamespace();
        String version = tenant.getMetadata().getResourceVersion();
        String pool = tenant.getSpec() == null || tenant.getSpec().getPoolRef() == null
                ? null
                : tenant.getSpec().getPoolRef().getName();
        return seen.compute(id, (key, before) -> {
                    if (before != null && Objects.equals(before.resourceVersion(), version)) {
                        return before;
                    }
                    String previous = before == null ? null : before.pool();
                    Set<ResourceID> pools;
                    if (pool == null) {
                        pools = previous == null ? Set.of() : Set.of(new ResourceID(previous, namespace));
                    } else if (previous == null || previous.equals(pool)) {
                        pools = Set.of(new ResourceID(pool, namespace));
                    } else {
                        pools = Set.of(new ResourceID(pool, namespace), new ResourceID(previous, namespace));
                    }
                    return new Seen(version, pool, pools);
                })
                .pools();
    }
}

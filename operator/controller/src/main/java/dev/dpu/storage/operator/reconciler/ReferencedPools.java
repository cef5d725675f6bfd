package dev.dpu.storage.operator.reconciler;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Which pools an event of an object that references one pool (a TenantQoS, a DpuVolume) concerns:
 * the pool it references now and, when it moved, the pool it referenced before (that pool must
 * drop it). The event carries only the new object, so the pool each object was last seen with is
 * remembered here; the answer for one resourceVersion is kept, so asking twice for the same event
 * (the SDK may) gives the same pools. One small entry per object; after an operator restart every
 * pool is reconciled anyway.
 */
class ReferencedPools<T extends HasMetadata> {
    private record Seen(String resourceVersion, String pool, Set<ResourceID> pools) {}

    private final Map<ResourceID, Seen> seen = new ConcurrentHashMap<>();
    private final Function<T, String> poolName;

    /** @param poolName the name of the pool the object references, null when none */
    ReferencedPools(Function<T, String> poolName) {
        this.poolName = poolName;
    }

    Set<ResourceID> poolsOf(T object) {
        ResourceID id = ResourceID.fromResource(object);
        String namespace = object.getMetadata().getNamespace();
        String version = object.getMetadata().getResourceVersion();
        String pool = poolName.apply(object);
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

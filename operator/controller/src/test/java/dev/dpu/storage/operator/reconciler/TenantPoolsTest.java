package dev.dpu.storage.operator.reconciler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dpu.storage.api.v1alpha1.LocalRef;
import dev.dpu.storage.api.v1alpha1.TenantQoS;
import dev.dpu.storage.api.v1alpha1.TenantQoSSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A tenant's change wakes its own pool only, and on a move the pool it left as well. */
class TenantPoolsTest {
    private final TenantPools pools = new TenantPools();

    @Test
    void aChangeWakesOnlyTheTenantsPool() {
        assertEquals(Set.of(pool("pool-1")), pools.poolsOf(tenant("t", "1", "pool-1")));
        assertEquals(Set.of(pool("pool-1")), pools.poolsOf(tenant("t", "2", "pool-1")));
    }

    @Test
    void aMoveWakesTheOldPoolTooAndAskingTwiceGivesTheSameAnswer() {
        pools.poolsOf(tenant("t", "1", "pool-1"));
        TenantQoS moved = tenant("t", "2", "pool-2");
        assertEquals(Set.of(pool("pool-1"), pool("pool-2")), pools.poolsOf(moved));
        assertEquals(Set.of(pool("pool-1"), pool("pool-2")), pools.poolsOf(moved));
        assertEquals(Set.of(pool("pool-2")), pools.poolsOf(tenant("t", "3", "pool-2")));
    }

    @Test
    void tenantsAreTrackedApart() {
        pools.poolsOf(tenant("a", "1", "pool-1"));
        assertEquals(Set.of(pool("pool-2")), pools.poolsOf(tenant("b", "2", "pool-2")));
    }

    private static ResourceID pool(String name) {
        return new ResourceID(name, "ns");
    }

    private static TenantQoS tenant(String name, String resourceVersion, String pool) {
        TenantQoS t = new TenantQoS();
        t.setMetadata(new ObjectMetaBuilder()
                .withName(name)
                .withNamespace("ns")
                .withResourceVersion(resourceVersion)
                .build());
        TenantQoSSpec spec = new TenantQoSSpec();
        spec.setPoolRef(new LocalRef(pool));
        t.setSpec(spec);
        return t;
    }
}

package dev.dpu.storage.operator.reconciler;

import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Small helpers for secondary-to-primary mappings. */
final class Mappers {
    private Mappers() {}

    static Set<ResourceID> ids(Stream<? extends HasMetadata> resources) {
        return resources.map(ResourceID::fromResource).collect(Collectors.toSet());
    }

    static boolean sameNamespace(HasMetadata a, HasMetadata b) {
        return Objects.equals(a.getMetadata().getNamespace(), b.getMetadata().getNamespace());
    }

    static boolean usesProfile(DpuStoragePool pool, String namespace, String profile) {
        return Objects.equals(pool.getMetadata().getNamespace(), namespace)
                && pool.getSpec() != null
                && pool.getSpec().getOffloadProfileRef() != null
                && Objects.equals(pool.getSpec().getOffloadProfileRef().getName(), profile);
    }

    /** Update filter: only spec changes (a new generation), not status or metadata churn. */
    static <R extends HasMetadata> boolean specChanged(R oldResource, R newResource) {
        return !Objects.equals(
                oldResource.getMetadata().getGeneration(),
                newResource.getMetadata().getGeneration());
    }
}

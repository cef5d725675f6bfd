package dev.dpu.storage.operator.dependent;

import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.operator.model.ServiceMonitor;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;

/**
 * Activates the ServiceMonitor dependent only where the Prometheus Operator's CRD exists. The
 * pool reconciler watches that one CRD (by name), so installing the Prometheus Operator after
 * the pools re-reconciles them at once, without polling.
 */
public class ServiceMonitorCrdPresent implements Condition<ServiceMonitor, DpuStoragePool> {
    /** Name of the pool reconciler's event source for the ServiceMonitor CRD. */
    public static final String EVENT_SOURCE = "servicemonitor-crd";

    @Override
    @SuppressWarnings("unchecked")
    public boolean isMet(
            DependentResource<ServiceMonitor, DpuStoragePool> dependentResource,
            DpuStoragePool primary,
            Context<DpuStoragePool> context) {
        var crds = (InformerEventSource<CustomResourceDefinition, DpuStoragePool>)
                context.eventSourceRetriever().getEventSourceFor(CustomResourceDefinition.class, EVENT_SOURCE);
        return crds.get(new ResourceID(ServiceMonitor.CRD_NAME)).isPresent();
    }
}

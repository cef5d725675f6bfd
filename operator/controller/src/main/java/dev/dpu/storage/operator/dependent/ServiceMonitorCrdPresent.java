package dev.dpu.storage.operator.dependent;

import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.operator.model.ServiceMonitor;
import io.javaoperatorsdk.operator.processing.dependent.workflow.CRDPresentActivationCondition;

/**
 * Activates the ServiceMonitor dependent only where the Prometheus Operator's CRD exists. While
 * it is absent the check is repeated on reconciles (every 10 s at most, 10 times), so installing
 * the Prometheus Operator after the pool is picked up.
 */
public class ServiceMonitorCrdPresent extends CRDPresentActivationCondition<ServiceMonitor, DpuStoragePool> {}

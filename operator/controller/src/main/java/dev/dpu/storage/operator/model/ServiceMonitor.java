package dev.dpu.storage.operator.model;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * The Prometheus Operator's ServiceMonitor, kept generic (no dependency on its model): the
 * annotations give the client and the CRD-presence check the resource's name.
 */
@Group("monitoring.coreos.com")
@Version("v1")
@Kind("ServiceMonitor")
@Plural("servicemonitors")
public class ServiceMonitor extends GenericKubernetesResource implements Namespaced {
    public static final String CRD_NAME = "servicemonitors.monitoring.coreos.com";
}

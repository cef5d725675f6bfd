package dev.dpu.storage.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/** A tenant of a pool: who may connect to its subsystem and how much I/O it may do. */
@Group(ApiGroup.GROUP)
@Version(ApiGroup.VERSION)
@Singular("tenantqos")
@Plural("tenantqoses")
@ShortNames({"tqos"})
@Categories(ApiGroup.CATEGORY)
@AdditionalPrinterColumn(name = "Pool", jsonPath = ".spec.poolRef.name", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
        name = "Total-IOPS",
        jsonPath = ".spec.limits.totalIops",
        type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
        name = "Total-BPS",
        jsonPath = ".spec.limits.totalBytesPerSecond",
        type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
        name = "Ready",
        jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
        name = "Age",
        jsonPath = ".metadata.creationTimestamp",
        type = AdditionalPrinterColumn.Type.DATE)
public class TenantQoS extends CustomResource<TenantQoSSpec, TenantQoSStatus> implements Namespaced {
    @Override
    protected TenantQoSStatus initStatus() {
        return null; // status is written by the operator only
    }
}

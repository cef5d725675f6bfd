package dev.dpu.storage.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A set of DPU nodes that export volumes over NVMe/TCP with one offload profile. */
@Group(ApiGroup.GROUP)
@Version(ApiGroup.VERSION)
@ShortNames({"dsp", "dpupool"})
@Categories(ApiGroup.CATEGORY)
@AdditionalPrinterColumn(
        name = "Profile",
        jsonPath = ".spec.offloadProfileRef.name",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
        name = "Mode",
        jsonPath = ".status.effectiveOffloadMode",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
        name = "Desired",
        jsonPath = ".status.nodesDesired",
        type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.nodesReady", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
        name = "Up-To-Date",
        jsonPath = ".status.nodesUpToDate",
        type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
        name = "Status",
        jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
        name = "Age",
        jsonPath = ".metadata.creationTimestamp",
        type = AdditionalPrinterColumn.Type.DATE)
public class DpuStoragePool extends CustomResource<DpuStoragePoolSpec, DpuStoragePoolStatus> implements Namespaced {
    @Override
    protected DpuStoragePoolStatus initStatus() {
        return null; // status is written by the operator only
    }
}

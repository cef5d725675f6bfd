package dev.dpu.storage.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * What the agent on one DPU node runs; one per node, named after the node, in the pool's
 * namespace. Written by the agent (server-side apply, field manager "dpu-agent"); the
 * operator only reads it into the pool's status.
 */
@Group(ApiGroup.GROUP)
@Version(ApiGroup.VERSION)
@ShortNames({"dpunode"})
@Categories(ApiGroup.CATEGORY)
@AdditionalPrinterColumn(name = "Pool", jsonPath = ".spec.pool", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
        name = "Mode",
        jsonPath = ".status.effectiveOffloadMode",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
        name = "Config",
        jsonPath = ".status.appliedConfigGeneration",
        type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
        name = "Ready",
        jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
        name = "Age",
        jsonPath = ".metadata.creationTimestamp",
        type = AdditionalPrinterColumn.Type.DATE)
public class DpuNodeState extends CustomResource<DpuNodeStateSpec, DpuNodeStateStatus> implements Namespaced {
    @Override
    protected DpuNodeStateStatus initStatus() {
        return null; // status is written by the agent
    }
}

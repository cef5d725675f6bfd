package dev.dpu.storage.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** How pools that use this profile move I/O: offload mode, digests, encryption, queues. */
@Group(ApiGroup.GROUP)
@Version(ApiGroup.VERSION)
@ShortNames({"offprof"})
@Categories(ApiGroup.CATEGORY)
@AdditionalPrinterColumn(name = "Mode", jsonPath = ".spec.mode", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Fallback", jsonPath = ".spec.fallback", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
        name = "Encryption",
        jsonPath = ".spec.encryption.algorithm",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
        name = "Ready",
        jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
        name = "Age",
        jsonPath = ".metadata.creationTimestamp",
        type = AdditionalPrinterColumn.Type.DATE)
public class OffloadProfile extends CustomResource<OffloadProfileSpec, OffloadProfileStatus> implements Namespaced {
    @Override
    protected OffloadProfileStatus initStatus() {
        return null; // status is written by the operator only
    }
}

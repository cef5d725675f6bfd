package dev.dpu.storage.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * One volume of a pool as an object of its own: one NVMe namespace in its tenant's subsystem on
 * every node of the pool. Rules that need the pool (its backends, the other volumes) are checked
 * by the operator and reported in status; what one object can check, the API server checks.
 */
@Group(ApiGroup.GROUP)
@Version(ApiGroup.VERSION)
@ShortNames({"dpuvol"})
@Categories(ApiGroup.CATEGORY)
// The name becomes the namespace's name in the rendered configuration, a DNS label like the
// names of spec.volumes.
@ValidationRule(
        value = "size(self.metadata.name) <= 63 && self.metadata.name.matches('" + ApiGroup.DNS_LABEL + "')",
        message = "a DpuVolume name must be a DNS label: at most 63 lower-case letters, digits and '-'")
@AdditionalPrinterColumn(name = "Pool", jsonPath = ".spec.poolRef.name", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Tenant", jsonPath = ".spec.tenant", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "NSID", jsonPath = ".spec.nsid", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Size", jsonPath = ".spec.size", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
        name = "Ready",
        jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
        name = "Reason",
        jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
        name = "Age",
        jsonPath = ".metadata.creationTimestamp",
        type = AdditionalPrinterColumn.Type.DATE)
public class DpuVolume extends CustomResource<DpuVolumeSpec, DpuVolumeStatus> implements Namespaced {
    @Override
    protected DpuVolumeStatus initStatus() {
        return null; // status is written by the operator only
    }

    /** The volume as the pool renders it: the inline form with this object's name. */
    public Volume toVolume() {
        DpuVolumeSpec s = getSpec();
        var v = new Volume();
        v.setName(getMetadata().getName());
        v.setNsid(s.getNsid());
        v.setSize(s.getSize());
        v.setBackend(s.getBackend());
        v.setRemoteNsid(s.getRemoteNsid());
        v.setTenant(s.getTenant());
        v.setBlockSize(s.getBlockSize());
        return v;
    }
}

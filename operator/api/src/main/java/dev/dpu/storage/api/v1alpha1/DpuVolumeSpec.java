package dev.dpu.storage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * The fields of an inline pool volume ({@link Volume}) plus the pool it belongs to; the volume's
 * name is the object's name.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DpuVolumeSpec {
    @Required
    @JsonPropertyDescription("The DpuStoragePool (same namespace) whose nodes export this volume.")
    private LocalRef poolRef;

    @Required
    @Pattern(ApiGroup.DNS_LABEL)
    @Size(max = 63)
    @JsonPropertyDescription(
            "Tenant that owns the volume: a TenantQoS of this name for the same pool must exist; it sets who may"
                    + " connect and the limits.")
    private String tenant;

    @Required
    @Min(1)
    @Max(1024)
    @JsonPropertyDescription(
            "NVMe namespace ID of the volume in its tenant's subsystem, 1..1024 (the data path's limit), unique among"
                    + " the tenant's volumes of the pool (checked by the operator: the older volume keeps it). Hosts"
                    + " address the volume by this ID and the operator never renumbers: change it only while no host"
                    + " uses the volume.")
    private Integer nsid;

    @Required
    @Size(max = 32)
    @Pattern("^[1-9][0-9]*(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$")
    @JsonPropertyDescription(
            "Capacity as a whole number of bytes with an optional binary (Ki, Mi, Gi, Ti, Pi, Ei) or decimal (k, M, G,"
                    + " T, P, E) suffix, for example \"10Gi\".")
    private String size;

    @Required
    @Pattern(ApiGroup.DNS_LABEL)
    @Size(max = 63)
    @JsonPropertyDescription("Name of the pool backend (spec.backends of the pool) that stores this volume.")
    private String backend;

    @Min(1)
    @Max(0xFFFFFFFEL)
    @JsonPropertyDescription(
            "The namespace ID of the volume in the remote subsystem: required for volumes on NvmeTcp backends, not"
                    + " allowed for others (checked by the operator, which knows the backend's type). Two volumes may"
                    + " not share a remote namespace.")
    private Long remoteNsid;

    @Default("512")
    @ValidationRule(value = "self == 512 || self == 4096", message = "blockSize must be 512 or 4096")
    @JsonPropertyDescription("Logical block size in bytes: 512 (default) or 4096.")
    private Integer blockSize;

    public LocalRef getPoolRef() {
        return poolRef;
    }

    public void setPoolRef(LocalRef poolRef) {
        this.poolRef = poolRef;
    }

    public String getTenant() {
        return tenant;
    }

    public void setTenant(String tenant) {
        this.tenant = tenant;
    }

    public Integer getNsid() {
        return nsid;
    }

    public void setNsid(Integer nsid) {
        this.nsid = nsid;
    }

    public String getSize() {
        return size;
    }

    public void setSize(String size) {
        this.size = size;
    }

    public String getBackend() {
        return backend;
    }

    public void setBackend(String backend) {
        this.backend = backend;
    }

    public Long getRemoteNsid() {
        return remoteNsid;
    }

    public void setRemoteNsid(Long remoteNsid) {
        this.remoteNsid = remoteNsid;
    }

    public Integer getBlockSize() {
        return blockSize;
    }

    public void setBlockSize(Integer blockSize) {
        this.blockSize = blockSize;
    }
}

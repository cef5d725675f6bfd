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
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which nodes serve which volumes, and how the data path on them is run. spec.volumes may be
 * absent: a pool whose volumes are all DpuVolume objects has none inline.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "!has(self.volumes) || self.volumes.all(v, self.backends.exists(b, b.name == v.backend))",
        fieldPath = ".volumes",
        reason = "FieldValueInvalid",
        message = "every volume's backend must name one of spec.backends")
@ValidationRule(
        value =
                "!has(self.volumes) || self.backends.all(b, b.type != 'File' || self.volumes.filter(v, v.backend == b.name).size() <= 1)",
        fieldPath = ".volumes",
        message = "a File backend stores exactly one volume; only Ram and NvmeTcp backends can be shared")
@ValidationRule(
        value =
                "!has(self.volumes) || self.volumes.all(v, has(v.remoteNsid) == self.backends.exists(b, b.name == v.backend && b.type == 'NvmeTcp'))",
        fieldPath = ".volumes",
        message = "remoteNsid is required for volumes on NvmeTcp backends and not allowed for others")
@ValidationRule(
        value = "!has(self.hostNqn) || self.backends.exists(b, b.type == 'NvmeTcp')",
        fieldPath = ".hostNqn",
        message = "hostNqn is only used to connect to NvmeTcp backends; add one or remove hostNqn")
@ValidationRule(
        value = "!has(self.volumes) || self.volumes.all(v, has(v.size))",
        fieldPath = ".volumes",
        message = "size is required for every volume")
public class DpuStoragePoolSpec {
    @JsonPropertyDescription(
            "Nodes that run the data path. A node may be selected by at most one pool; overlaps are reported in status.")
    private Map<String, String> nodeSelector = new LinkedHashMap<>();

    @Size(max = 32)
    @JsonPropertyDescription("Tolerations of the data path pods, for DPU nodes that carry taints.")
    private List<Toleration> tolerations = new ArrayList<>();

    @Required
    @JsonPropertyDescription("The OffloadProfile (same namespace) that sets mode, digests, encryption and queues.")
    private LocalRef offloadProfileRef;

    @Default("{}")
    @JsonPropertyDescription("NVMe/TCP listener on each node's host network.")
    private Listener listener;

    @Required
    @Size(min = 1, max = 64)
    @ValidationRule(
            value = "self.all(b, self.exists_one(c, c.name == b.name))",
            message = "backend names must be unique")
    @JsonPropertyDescription("Where volumes are stored.")
    private List<Backend> backends = new ArrayList<>();

    @Size(max = 256)
    // Each rule below compares every volume with every other one: with a few hundred volumes that
    // costs the API server seconds per write, status writes included. "Unchanged since the last
    // accepted write" (oldSelf) skips it when the volumes did not change - every status write and
    // most spec edits - while a new or changed list is still checked in full.
    @ValidationRule(
            value = UNCHANGED_VOLUMES + "self.all(v, self.exists_one(w, w.name == v.name))",
            message = "volume names must be unique",
            optionalOldSelf = true)
    // NVMe namespace IDs are per subsystem, and each tenant is one subsystem: two tenants may
    // both have an nsid 1, one tenant may not have it twice.
    @ValidationRule(
            value = UNCHANGED_VOLUMES + "self.all(v, self.exists_one(w, w.nsid == v.nsid && w.tenant == v.tenant))",
            message = "nsid must be unique among the volumes of a tenant",
            optionalOldSelf = true)
    // Two volumes on one remote namespace would overwrite each other's data.
    @ValidationRule(
            value = UNCHANGED_VOLUMES
                    + "self.all(v, !has(v.remoteNsid) || self.exists_one(w, w.backend == v.backend && has(w.remoteNsid)"
                    + " && w.remoteNsid == v.remoteNsid))",
            message = "two volumes of an NvmeTcp backend use the same remote namespace (remoteNsid)",
            optionalOldSelf = true)
    @JsonPropertyDescription("Volumes exported by every node of the pool, each in the subsystem of its tenant.")
    private List<Volume> volumes = new ArrayList<>();

    /** CEL prefix: the volumes equal those of the stored object (which passed these rules). */
    private static final String UNCHANGED_VOLUMES = "(oldSelf.hasValue() && self == oldSelf.value()) || ";

    @Size(max = ApiGroup.NQN_MAX_LENGTH)
    @Pattern(ApiGroup.NQN)
    @JsonPropertyDescription(
            "Host NQN the nodes use to connect to NvmeTcp backends; allow it on the remote targets. Defaults to"
                    + " a stable NQN per node, nqn.2024-01.dev.dpu:dpu.<node name>, which each node reports in"
                    + " its DpuNodeState (status.hostNqn).")
    private String hostNqn;

    @JsonPropertyDescription("Container image of the DPU agent. Defaults to the image the operator was installed with.")
    private String image;

    @JsonPropertyDescription("CPU and memory for the agent container. The data path polls: request whole cores.")
    private ResourceRequirements resources;

    @Default("9480")
    @Min(1024)
    @Max(65535)
    @JsonPropertyDescription(
            "Host port of the agent's HTTP endpoint (health probes and Prometheus metrics). Defaults to 9480.")
    private Integer httpPort;

    @Default("{}")
    @JsonPropertyDescription("Rollout of changes that need the data path to restart.")
    private Rollout rollout;

    public Map<String, String> getNodeSelector() {
        return nodeSelector;
    }

    public void setNodeSelector(Map<String, String> nodeSelector) {
        this.nodeSelector = nodeSelector;
    }

    public List<Toleration> getTolerations() {
        return tolerations;
    }

    public void setTolerations(List<Toleration> tolerations) {
        this.tolerations = tolerations;
    }

    public LocalRef getOffloadProfileRef() {
        return offloadProfileRef;
    }

    public void setOffloadProfileRef(LocalRef offloadProfileRef) {
        this.offloadProfileRef = offloadProfileRef;
    }

    public Listener getListener() {
        return listener;
    }

    public void setListener(Listener listener) {
        this.listener = listener;
    }

    public List<Backend> getBackends() {
        return backends;
    }

    public void setBackends(List<Backend> backends) {
        this.backends = backends;
    }

    public String getHostNqn() {
        return hostNqn;
    }

    public void setHostNqn(String hostNqn) {
        this.hostNqn = hostNqn;
    }

    public List<Volume> getVolumes() {
        return volumes;
    }

    public void setVolumes(List<Volume> volumes) {
        this.volumes = volumes;
    }

    public String getImage() {
        return image;
    }

    public void setImage(String image) {
        this.image = image;
    }

    public ResourceRequirements getResources() {
        return resources;
    }

    public void setResources(ResourceRequirements resources) {
        this.resources = resources;
    }

    public Integer getHttpPort() {
        return httpPort;
    }

    public void setHttpPort(Integer httpPort) {
        this.httpPort = httpPort;
    }

    public Rollout getRollout() {
        return rollout;
    }

    public void setRollout(Rollout rollout) {
        this.rollout = rollout;
    }
}

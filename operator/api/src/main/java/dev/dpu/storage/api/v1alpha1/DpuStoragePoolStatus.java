package dev.dpu.storage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** What the operator and the pool's agents report. Rates and counters are metrics, not status. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DpuStoragePoolStatus {
    @JsonPropertyDescription("The metadata.generation this status describes.")
    private Long observedGeneration;

    @JsonPropertyDescription("Ready, Reconciling, Stalled (kstatus), NodeConflict and VolumeConflict.")
    private List<Condition> conditions = new ArrayList<>();

    @JsonPropertyDescription(
            "Nodes that should run the data path: selected by this pool and by no pool that wins a conflict.")
    private Integer nodesDesired;

    @JsonPropertyDescription("Nodes whose agent reports Ready in its DpuNodeState.")
    private Integer nodesReady;

    @JsonPropertyDescription("Nodes whose agent applied the current configuration (configGeneration and configHash).")
    private Integer nodesUpToDate;

    @JsonPropertyDescription(
            "Nodes whose NvmeTcp backends are all Connected (every ready node when the pool has none).")
    private Integer nodesRemotesConnected;

    @JsonPropertyDescription(
            "Offload mode the nodes actually run: one mode, Mixed when they differ, empty before any node reports.")
    private String effectiveOffloadMode;

    @JsonPropertyDescription("Generation of the rendered data-path configuration, increased on every change of it.")
    private Long configGeneration;

    @JsonPropertyDescription("sha256 of the rendered dataplane.json; agents report the hash they applied.")
    private String configHash;

    @JsonPropertyDescription(
            "Volumes the rendered configuration serves: spec.volumes plus the accepted DpuVolume objects of the pool"
                    + " (an object identical to an inline volume counts once).")
    private Integer volumesServed;

    @JsonPropertyDescription(
            "Volumes the pool does not serve because they conflict with older ones or name a missing backend or"
                    + " tenant; each rejected DpuVolume says why in its status, inline ones in the VolumeConflict"
                    + " condition.")
    private Integer volumesRejected;

    @JsonPropertyDescription("Nodes also selected by another pool. A node serves one pool: the oldest pool keeps it.")
    private List<NodeConflict> conflicts = new ArrayList<>();

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    public List<Condition> getConditions() {
        return conditions;
    }

    public void setConditions(List<Condition> conditions) {
        this.conditions = conditions;
    }

    public Integer getNodesDesired() {
        return nodesDesired;
    }

    public void setNodesDesired(Integer nodesDesired) {
        this.nodesDesired = nodesDesired;
    }

    public Integer getNodesReady() {
        return nodesReady;
    }

    public void setNodesReady(Integer nodesReady) {
        this.nodesReady = nodesReady;
    }

    public Integer getNodesUpToDate() {
        return nodesUpToDate;
    }

    public void setNodesUpToDate(Integer nodesUpToDate) {
        this.nodesUpToDate = nodesUpToDate;
    }

    public Integer getNodesRemotesConnected() {
        return nodesRemotesConnected;
    }

    public void setNodesRemotesConnected(Integer nodesRemotesConnected) {
        this.nodesRemotesConnected = nodesRemotesConnected;
    }

    public String getEffectiveOffloadMode() {
        return effectiveOffloadMode;
    }

    public void setEffectiveOffloadMode(String effectiveOffloadMode) {
        this.effectiveOffloadMode = effectiveOffloadMode;
    }

    public Long getConfigGeneration() {
        return configGeneration;
    }

    public void setConfigGeneration(Long configGeneration) {
        this.configGeneration = configGeneration;
    }

    public String getConfigHash() {
        return configHash;
    }

    public void setConfigHash(String configHash) {
        this.configHash = configHash;
    }

    public Integer getVolumesServed() {
        return volumesServed;
    }

    public void setVolumesServed(Integer volumesServed) {
        this.volumesServed = volumesServed;
    }

    public Integer getVolumesRejected() {
        return volumesRejected;
    }

    public void setVolumesRejected(Integer volumesRejected) {
        this.volumesRejected = volumesRejected;
    }

    public List<NodeConflict> getConflicts() {
        return conflicts;
    }

    public void setConflicts(List<NodeConflict> conflicts) {
        this.conflicts = conflicts;
    }
}

package dev.dpu.storage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** What the agent runs on its node. Rates and counters are metrics, not status. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DpuNodeStateStatus {
    @JsonPropertyDescription("What the node can do for the data path, as the data path itself decides it.")
    private NodeCapabilities capabilities;

    @JsonPropertyDescription(
            "Data-path reactor threads running (the profile's cores); 0 before the first configuration.")
    private Integer reactors;

    @JsonPropertyDescription("Offload mode the node runs after applying the profile's fallback policy.")
    private String effectiveOffloadMode;

    @JsonPropertyDescription("Address and port the data path listens on (address:port).")
    private String listenerAddress;

    @JsonPropertyDescription("Host NQN this node uses to connect to the pool's NvmeTcp backends.")
    private String hostNqn;

    @JsonPropertyDescription("Each NvmeTcp backend of the pool: Connected, Connecting or Failed with the reason.")
    private List<RemoteBackendStatus> remoteBackends = new ArrayList<>();

    @JsonPropertyDescription("storage.dpu.dev/generation of the rendered ConfigMap the node applied.")
    private Long appliedConfigGeneration;

    @JsonPropertyDescription("sha256 of the dataplane.json the node applied.")
    private String appliedConfigHash;

    @JsonPropertyDescription("The metadata.generation this status describes.")
    private Long observedGeneration;

    @JsonPropertyDescription("Ready, Degraded, ConfigApplied.")
    private List<Condition> conditions = new ArrayList<>();

    public NodeCapabilities getCapabilities() {
        return capabilities;
    }

    public void setCapabilities(NodeCapabilities capabilities) {
        this.capabilities = capabilities;
    }

    public Integer getReactors() {
        return reactors;
    }

    public void setReactors(Integer reactors) {
        this.reactors = reactors;
    }

    public String getEffectiveOffloadMode() {
        return effectiveOffloadMode;
    }

    public void setEffectiveOffloadMode(String effectiveOffloadMode) {
        this.effectiveOffloadMode = effectiveOffloadMode;
    }

    public String getHostNqn() {
        return hostNqn;
    }

    public void setHostNqn(String hostNqn) {
        this.hostNqn = hostNqn;
    }

    public List<RemoteBackendStatus> getRemoteBackends() {
        return remoteBackends;
    }

    public void setRemoteBackends(List<RemoteBackendStatus> remoteBackends) {
        this.remoteBackends = remoteBackends;
    }

    public String getListenerAddress() {
        return listenerAddress;
    }

    public void setListenerAddress(String listenerAddress) {
        this.listenerAddress = listenerAddress;
    }

    public Long getAppliedConfigGeneration() {
        return appliedConfigGeneration;
    }

    public void setAppliedConfigGeneration(Long appliedConfigGeneration) {
        this.appliedConfigGeneration = appliedConfigGeneration;
    }

    public String getAppliedConfigHash() {
        return appliedConfigHash;
    }

    public void setAppliedConfigHash(String appliedConfigHash) {
        this.appliedConfigHash = appliedConfigHash;
    }

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
}

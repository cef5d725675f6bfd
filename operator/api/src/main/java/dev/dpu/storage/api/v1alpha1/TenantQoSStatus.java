package dev.dpu.storage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class TenantQoSStatus {
    @JsonPropertyDescription("The metadata.generation this status describes.")
    private Long observedGeneration;

    @JsonPropertyDescription("Ready, Reconciling and Stalled (kstatus).")
    private List<Condition> conditions = new ArrayList<>();

    @JsonPropertyDescription("NQN of the tenant's subsystem, for hosts to connect to.")
    private String subsystemNqn;

    @JsonPropertyDescription(
            "Volumes of the pool owned by this tenant (spec.volumes of the pool and DpuVolumes that name the pool), sorted.")
    private List<String> volumes = new ArrayList<>();

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

    public String getSubsystemNqn() {
        return subsystemNqn;
    }

    public void setSubsystemNqn(String subsystemNqn) {
        this.subsystemNqn = subsystemNqn;
    }

    public List<String> getVolumes() {
        return volumes;
    }

    public void setVolumes(List<String> volumes) {
        this.volumes = volumes;
    }
}

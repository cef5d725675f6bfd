package dev.dpu.storage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** Whether the pool serves the volume, and if not, why. Written by the operator only. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DpuVolumeStatus {
    @JsonPropertyDescription("The metadata.generation this status describes.")
    private Long observedGeneration;

    @JsonPropertyDescription(
            "Ready (the pool's rendered configuration serves the volume), Reconciling and Stalled (kstatus). A volume"
                    + " the pool cannot serve is Stalled with the reason: PoolNotFound, BackendNotFound,"
                    + " RemoteNsidRequired, RemoteNsidNotAllowed, TenantNotFound, NsidInUse, RemoteNamespaceInUse,"
                    + " FileBackendInUse, NameInUse.")
    private List<Condition> conditions = new ArrayList<>();

    @JsonPropertyDescription("NQN of the tenant's subsystem that holds the volume, for hosts to connect to.")
    private String subsystemNqn;

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
}

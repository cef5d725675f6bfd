package dev.dpu.storage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/** One tenant of a pool: the tenant's name is the TenantQoS name. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "!(self.allowAnyHost && has(self.hostNqns) && size(self.hostNqns) > 0)",
        fieldPath = ".hostNqns",
        message = "hostNqns must be empty when allowAnyHost is true")
public class TenantQoSSpec {
    @Required
    @JsonPropertyDescription("The DpuStoragePool (same namespace) that serves this tenant.")
    private LocalRef poolRef;

    @Size(max = 64)
    @ValidationRule(value = "self.all(n, self.exists_one(m, m == n))", message = "host NQNs must be unique")
    @JsonPropertyDescription(
            "Allow-list: NQNs of the hosts that may connect to the tenant's subsystem. Changes apply without restarting the data path.")
    private List<@Size(max = ApiGroup.NQN_MAX_LENGTH) @Pattern(ApiGroup.NQN) String> hostNqns = new ArrayList<>();

    @Default("false")
    @JsonPropertyDescription("Let any host connect (tests and demos only). Defaults to false.")
    private Boolean allowAnyHost;

    @Size(max = 256)
    @ValidationRule(value = "self.all(v, self.exists_one(w, w == v))", message = "volumes must be unique")
    @JsonPropertyDescription(
            "Volumes of the pool the tenant expects to own; each must be a pool volume whose tenant is this one. Reported in status.")
    private List<@Size(max = 63) @Pattern(ApiGroup.DNS_LABEL) String> volumes = new ArrayList<>();

    @JsonPropertyDescription(
            "I/O limits per node. Absent limits mean unlimited. Changes apply without restarting the data path.")
    private QosLimits limits;

    public LocalRef getPoolRef() {
        return poolRef;
    }

    public void setPoolRef(LocalRef poolRef) {
        this.poolRef = poolRef;
    }

    public List<String> getHostNqns() {
        return hostNqns;
    }

    public void setHostNqns(List<String> hostNqns) {
        this.hostNqns = hostNqns;
    }

    public Boolean getAllowAnyHost() {
        return allowAnyHost;
    }

    public void setAllowAnyHost(Boolean allowAnyHost) {
        this.allowAnyHost = allowAnyHost;
    }

    public List<String> getVolumes() {
        return volumes;
    }

    public void setVolumes(List<String> volumes) {
        this.volumes = volumes;
    }

    public QosLimits getLimits() {
        return limits;
    }

    public void setLimits(QosLimits limits) {
        this.limits = limits;
    }
}

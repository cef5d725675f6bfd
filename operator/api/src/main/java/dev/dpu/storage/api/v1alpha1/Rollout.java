package dev.dpu.storage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.IntOrString;

/** How restarts of the data path roll across nodes. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Rollout {
    @Default("1")
    @ValidationRule(
            value = "type(self) == int ? self > 0 : self.matches('^([1-9][0-9]?|100)%$')",
            message = "maxUnavailable must be a positive number of nodes or a percentage from 1% to 100%")
    @JsonPropertyDescription(
            "Nodes (or percentage of nodes) whose data path may be down at once during a rollout. Defaults to 1.")
    private IntOrString maxUnavailable;

    public IntOrString getMaxUnavailable() {
        return maxUnavailable;
    }

    public void setMaxUnavailable(IntOrString maxUnavailable) {
        this.maxUnavailable = maxUnavailable;
    }
}

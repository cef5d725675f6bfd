package dev.dpu.storage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** A node that the node selectors of more than one pool match. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodeConflict {
    @JsonPropertyDescription("Node name.")
    private String node;

    @JsonPropertyDescription("Every pool (namespace/name) that selects the node, sorted; the first one serves it.")
    private List<String> pools = new ArrayList<>();

    public NodeConflict() {}

    public NodeConflict(String node, List<String> pools) {
        this.node = node;
        this.pools = pools;
    }

    public String getNode() {
        return node;
    }

    public void setNode(String node) {
        this.node = node;
    }

    public List<String> getPools() {
        return pools;
    }

    public void setPools(List<String> pools) {
        this.pools = pools;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NodeConflict other
                && Objects.equals(node, other.node)
                && Objects.equals(pools, other.pools);
    }

    @Override
    public int hashCode() {
        return Objects.hash(node, pools);
    }
}

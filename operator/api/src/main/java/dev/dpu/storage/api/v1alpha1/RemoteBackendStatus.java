package dev.dpu.storage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** How one node's connection to one NvmeTcp backend (a remote subsystem) stands. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RemoteBackendStatus {
    /** The data path's states, in its own words (dpd_stats_remote_state). */
    public static final String CONNECTED = "Connected";

    public static final String CONNECTING = "Connecting";
    public static final String FAILED = "Failed";

    @JsonPropertyDescription("The pool backend's name.")
    private String name;

    @JsonPropertyDescription("address:port of the remote target.")
    private String target;

    @JsonPropertyDescription("Connected, Connecting (first connect or reconnecting with backoff) or Failed.")
    private String state;

    @JsonPropertyDescription("Why the backend is not connected and what to do; empty when Connected.")
    private String reason;

    public RemoteBackendStatus() {}

    public RemoteBackendStatus(String name, String target, String state, String reason) {
        this.name = name;
        this.target = target;
        this.state = state;
        this.reason = reason;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public String getTarget() {
        return target;
    }

    public void setTarget(String target) {
        this.target = target;
    }

    public String getState() {
        return state;
    }

    public void setState(String state) {
        this.state = state;
    }

    public String getReason() {
        return reason;
    }

    public void setReason(String reason) {
        this.reason = reason;
    }
}

package dev.dpu.storage.agent.dataplane;

import dev.dpu.storage.api.v1alpha1.RemoteBackendStatus;

/**
 * How the data path's connection to one remote stands, as DpuNodeState reports it.
 *
 * @param name the remote's name (the pool backend's name)
 * @param target address:port of the remote target
 * @param state {@link RemoteBackendStatus#CONNECTED}, {@link RemoteBackendStatus#CONNECTING} or
 *     {@link RemoteBackendStatus#FAILED}
 * @param reason why it is not connected and what to do, in the data path's words ("" when connected)
 */
public record RemoteState(String name, String target, String state, String reason) {
    public String describe() {
        return "remote backend " + name + " (" + target + "): " + state + (reason.isEmpty() ? "" : ": " + reason);
    }
}

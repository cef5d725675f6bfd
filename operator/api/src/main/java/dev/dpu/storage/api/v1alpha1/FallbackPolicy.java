package dev.dpu.storage.api.v1alpha1;

/** What a node does when it cannot run the profile's mode. Constant names are the API values. */
public enum FallbackPolicy {
    /** Run the next lower mode the node supports and report it as the effective mode. */
    Degrade,
    /** Do not serve; the node reports the failure in its DpuNodeState. */
    Fail
}

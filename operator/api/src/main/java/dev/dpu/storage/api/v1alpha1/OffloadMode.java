package dev.dpu.storage.api.v1alpha1;

/**
 * How much of the I/O path leaves the data path's own CPU. Constant names are the API values,
 * ordered from least to most offloaded: a {@link FallbackPolicy#Degrade} steps down this list.
 */
public enum OffloadMode {
    /** Every payload is copied through a staging buffer of the data path. */
    NonOffload,
    /** The payload lands once in a registered buffer that goes to the backend as is. */
    ZeroCopy,
    /** An offload provider (hardware or the kernel's nvmet) carries the I/O; software features are off. */
    FullOffload
}

package dev.dpu.storage.api.v1alpha1;

/** Where a volume's blocks live. Constant names are the API values. */
public enum BackendType {
    /** Memory of the data path; contents are lost on restart. For tests and demos. */
    Ram,
    /** A regular file or a block device (/dev/...) on the node, driven through io_uring. */
    File,
    /**
     * A namespace of a remote NVMe/TCP subsystem: the data path connects to it as a host and forwards
     * each volume's I/O there, after QoS and encryption.
     */
    NvmeTcp
}

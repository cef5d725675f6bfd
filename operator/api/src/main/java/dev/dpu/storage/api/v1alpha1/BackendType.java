package dev.dpu.storage.api.v1alpha1;

/** Where a volume's blocks live. Constant names are the API values. */
public enum BackendType {
    /** Memory of the data path; contents are lost on restart. For tests and demos. */
    Ram,
    /** A regular file or a block device (/dev/...) on the node, driven through io_uring. */
    File
}

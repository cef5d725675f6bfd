package dev.dpu.storage.dataplane.ffm;

/** DPD_OFFLOAD_* in declaration order (the ordinal is the C value). */
public enum OffloadMode {
    /** Every payload copied through data-path staging buffers. */
    NON_OFFLOAD("NonOffload"),
    /** The payload stays in the buffer it landed in. */
    ZERO_COPY("ZeroCopy"),
    /** An offload provider serves the I/O path. */
    FULL_OFFLOAD("FullOffload");

    private final String apiName;

    OffloadMode(String apiName) {
        this.apiName = apiName;
    }

    /** The name the Kubernetes API uses (OffloadProfile.spec.mode). */
    public String apiName() {
        return apiName;
    }

    public static OffloadMode fromApiName(String name) {
        for (OffloadMode mode : values()) {
            if (mode.apiName.equals(name)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("unknown offload mode " + name);
    }

    /** DPD_OFFLOAD_FALLBACK_* in declaration order. */
    public enum Fallback {
        DEGRADE,
        FAIL
    }
}

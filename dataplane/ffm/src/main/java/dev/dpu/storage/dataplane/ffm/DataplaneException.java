package dev.dpu.storage.dataplane.ffm;

import java.util.Map;

/**
 * A dpd_* call returned a negative errno. Carries the errno, its symbolic name and the library's
 * own message ({@code dpd_last_error()}), which says which argument was wrong and why.
 */
public final class DataplaneException extends RuntimeException {

    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(1, "EPERM"),
            Map.entry(2, "ENOENT"),
            Map.entry(5, "EIO"),
            Map.entry(12, "ENOMEM"),
            Map.entry(13, "EACCES"),
            Map.entry(16, "EBUSY"),
            Map.entry(17, "EEXIST"),
            Map.entry(19, "ENODEV"),
            Map.entry(20, "ENOTDIR"),
            Map.entry(22, "EINVAL"),
            Map.entry(34, "ERANGE"),
            Map.entry(28, "ENOSPC"),
            Map.entry(38, "ENOSYS"),
            Map.entry(95, "EOPNOTSUPP"),
            Map.entry(98, "EADDRINUSE"),
            Map.entry(99, "EADDRNOTAVAIL"),
            Map.entry(110, "ETIMEDOUT"),
            Map.entry(111, "ECONNREFUSED"),
            Map.entry(114, "EALREADY"));

    private final int errno;
    private final String operation;
    private final String nativeMessage;

    public DataplaneException(String operation, int errno, String nativeMessage) {
        super(operation + " failed: " + errnoName(errno)
                + (nativeMessage == null || nativeMessage.isEmpty() ? "" : ": " + nativeMessage));
        this.operation = operation;
        this.errno = errno;
        this.nativeMessage = nativeMessage == null ? "" : nativeMessage;
    }

    /** Positive errno value, e.g. 22 for EINVAL. */
    public int errno() {
        return errno;
    }

    public String errnoName() {
        return errnoName(errno);
    }

    /** The call that failed, e.g. {@code dpd_ns_add_file(nqn..., 2)}. */
    public String operation() {
        return operation;
    }

    /** The text from dpd_last_error() right after the failing call ("" if the library gave none). */
    public String nativeMessage() {
        return nativeMessage;
    }

    static String errnoName(int errno) {
        return NAMES.getOrDefault(errno, "errno " + errno);
    }
}

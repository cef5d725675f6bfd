package dev.dpu.storage.dataplane.ffm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * The method handles of dpudp.h, resolved once when this class initialises. Hand-written rather
 * than generated with jextract: the header is small and keeps to plain integers, C strings and
 * opaque handles on purpose, and the handles below read like the header they mirror.
 *
 * <p>Only {@link Engine}, {@link StatsSnapshot} and {@link EngineOptions} call these; everything
 * else in the project goes through those classes.
 */
final class Dpd {

    /** A {@code const char *} we only read up to its NUL; the library owns it. */
    static final AddressLayout C_STRING = ADDRESS.withTargetLayout(
            java.lang.foreign.MemoryLayout.sequenceLayout(Long.MAX_VALUE, java.lang.foreign.ValueLayout.JAVA_BYTE));

    static final DataplaneLibrary.Loaded LIBRARY = DataplaneLibrary.load();
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup SYMBOLS = LIBRARY.symbols();

    // errors, version, logging
    static final MethodHandle LAST_ERROR = bind("dpd_last_error", FunctionDescriptor.of(C_STRING));
    static final MethodHandle VERSION = bind("dpd_version", FunctionDescriptor.of(C_STRING));
    static final MethodHandle LOG_SET_LEVEL = bind("dpd_log_set_level", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    static final MethodHandle LOG_SET_CALLBACK =
            bind("dpd_log_set_callback", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));

    // options
    static final MethodHandle OPTIONS_CREATE = bind("dpd_options_create", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle OPTIONS_DESTROY = bind("dpd_options_destroy", FunctionDescriptor.ofVoid(ADDRESS));
    static final MethodHandle OPTIONS_SET_INT =
            bind("dpd_options_set_int", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));

    // engine
    static final MethodHandle ENGINE_CREATE =
            bind("dpd_engine_create", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle ENGINE_START = bind("dpd_engine_start", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle ENGINE_STOP = bind("dpd_engine_stop", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle ENGINE_DESTROY = bind("dpd_engine_destroy", FunctionDescriptor.ofVoid(ADDRESS));

    // listeners
    static final MethodHandle LISTENER_ADD =
            bind("dpd_listener_add", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    static final MethodHandle LISTENER_REMOVE =
            bind("dpd_listener_remove", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));

    // subsystems and hosts
    static final MethodHandle SUBSYSTEM_ADD =
            bind("dpd_subsystem_add", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle SUBSYSTEM_REMOVE =
            bind("dpd_subsystem_remove", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle SUBSYSTEM_ALLOW_ANY_HOST =
            bind("dpd_subsystem_allow_any_host", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    static final MethodHandle HOST_ALLOW =
            bind("dpd_host_allow", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle HOST_DISALLOW =
            bind("dpd_host_disallow", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));

    // namespaces
    static final MethodHandle NS_ADD_RAM =
            bind("dpd_ns_add_ram", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_INT));
    static final MethodHandle NS_ADD_FILE = bind(
            "dpd_ns_add_file",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    static final MethodHandle NS_REMOVE =
            bind("dpd_ns_remove", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));

    // remote NVMe/TCP targets
    static final MethodHandle REMOTE_ADD = bind(
            "dpd_remote_add",
            FunctionDescriptor.of(
                    JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
    static final MethodHandle REMOTE_REMOVE =
            bind("dpd_remote_remove", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle NS_ADD_REMOTE = bind(
            "dpd_ns_add_remote",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_INT));
    static final MethodHandle STATS_REMOTE_COUNT =
            bind("dpd_stats_remote_count", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle STATS_REMOTE_NAME =
            bind("dpd_stats_remote_name", FunctionDescriptor.of(C_STRING, ADDRESS, JAVA_INT));
    static final MethodHandle STATS_REMOTE_STATE =
            bind("dpd_stats_remote_state", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle STATS_REMOTE_REASON =
            bind("dpd_stats_remote_reason", FunctionDescriptor.of(C_STRING, ADDRESS, JAVA_INT));
    static final MethodHandle STATS_REMOTE =
            bind("dpd_stats_remote", FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT));

    // stats
    static final MethodHandle STATS_SNAPSHOT =
            bind("dpd_stats_snapshot", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle STATS_DESTROY = bind("dpd_stats_destroy", FunctionDescriptor.ofVoid(ADDRESS));
    static final MethodHandle STATS_ENGINE =
            bind("dpd_stats_engine", FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_INT));
    static final MethodHandle STATS_NS_COUNT = bind("dpd_stats_ns_count", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle STATS_NS_SUBSYSTEM =
            bind("dpd_stats_ns_subsystem", FunctionDescriptor.of(C_STRING, ADDRESS, JAVA_INT));
    static final MethodHandle STATS_NS_NSID =
            bind("dpd_stats_ns_nsid", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle STATS_NS =
            bind("dpd_stats_ns", FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT));

    // node capabilities (no engine needed)
    static final MethodHandle SET_SYSTEM_ROOT = bind("dpd_set_system_root", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle CAPABILITIES =
            bind("dpd_capabilities", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));

    // reactors and digest policy
    static final MethodHandle OPTIONS_SET_REACTOR_CPUS =
            bind("dpd_options_set_reactor_cpus", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    static final MethodHandle ENGINE_REACTOR_COUNT =
            bind("dpd_engine_reactor_count", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle ENGINE_SET_DIGEST_POLICY =
            bind("dpd_engine_set_digest_policy", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));

    // offload modes, encryption, tenants/QoS
    static final MethodHandle ENGINE_SET_OFFLOAD_MODE =
            bind("dpd_engine_set_offload_mode", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    static final MethodHandle ENGINE_OFFLOAD_MODE =
            bind("dpd_engine_offload_mode", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle NS_SET_KEY =
            bind("dpd_ns_set_key", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle NS_CLEAR_KEY =
            bind("dpd_ns_clear_key", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    static final MethodHandle TENANT_ADD = bind("dpd_tenant_add", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle TENANT_REMOVE =
            bind("dpd_tenant_remove", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle TENANT_SET_LIMITS = bind(
            "dpd_tenant_set_limits",
            FunctionDescriptor.of(
                    JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG,
                    JAVA_LONG, JAVA_LONG));
    static final MethodHandle TENANT_NS_ADD =
            bind("dpd_tenant_ns_add", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT));
    static final MethodHandle TENANT_NS_REMOVE =
            bind("dpd_tenant_ns_remove", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT));

    // telemetry
    static final MethodHandle STATS_TENANT_COUNT =
            bind("dpd_stats_tenant_count", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle STATS_TENANT_NAME =
            bind("dpd_stats_tenant_name", FunctionDescriptor.of(C_STRING, ADDRESS, JAVA_INT));
    static final MethodHandle STATS_TENANT_LIMIT =
            bind("dpd_stats_tenant_limit", FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT));
    static final MethodHandle STATS_IO =
            bind("dpd_stats_io", FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
    static final MethodHandle STATS_HIST_BUCKETS = bind("dpd_stats_hist_buckets", FunctionDescriptor.of(JAVA_INT));
    static final MethodHandle STATS_HIST_BUCKET_UPPER_NS =
            bind("dpd_stats_hist_bucket_upper_ns", FunctionDescriptor.of(JAVA_LONG, JAVA_INT));
    static final MethodHandle STATS_HIST_BUCKET = bind(
            "dpd_stats_hist_bucket", FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    static final MethodHandle STATS_HIST_SUM_NS =
            bind("dpd_stats_hist_sum_ns", FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));

    private Dpd() {}

    /**
     * Every symbol is bound here, when the class initialises: the library is built from the same
     * commit as this binding, so a missing one means a packaging error (a stale or foreign
     * libdpudp.so), reported at once and by name rather than when a feature is first used.
     */
    private static MethodHandle bind(String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = SYMBOLS.find(name)
                .orElseThrow(() -> new IllegalStateException(
                        LIBRARY.path() + " (found by " + LIBRARY.foundBy() + ") has no symbol " + name
                                + ": it was not built from the same dpudp.h as this binding; rebuild it with "
                                + "`make -C dataplane all` or point " + DataplaneLibrary.PROPERTY + " / "
                                + DataplaneLibrary.ENVIRONMENT + " at a matching copy"));
        return LINKER.downcallHandle(symbol, descriptor);
    }

    /** dpd_last_error() of this thread, copied into a Java string. */
    static String lastError() {
        try {
            return string((MemorySegment) LAST_ERROR.invokeExact());
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Turns a negative return into a DataplaneException with the native message; passes the rest. */
    static int check(int rc, String operation) {
        if (rc < 0) {
            throw new DataplaneException(operation, -rc, lastError());
        }
        return rc;
    }

    static String string(MemorySegment cString) {
        return cString.equals(MemorySegment.NULL) ? null : cString.getString(0);
    }

    /** Downcalls declare Throwable; nothing checked can come out of native code, so rethrow as is. */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }
}

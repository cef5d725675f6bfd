package dev.dpu.storage.dataplane.ffm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Routes the library's log lines (dpd_log_set_callback) into Java logging, so the agent's log is
 * one stream with one format. The sink is called on the library's own threads, including the
 * I/O threads: it must not block for long and must never throw into native code.
 */
public final class NativeLog {

    /** DPD_LOG_* levels. */
    public enum Level {
        DEBUG,
        INFO,
        WARN,
        ERROR
    }

    /** Receives one line; called from native threads. */
    @FunctionalInterface
    public interface Sink {
        void log(Level level, String message);
    }

    private static volatile Sink sink;
    private static MemorySegment stub;

    private NativeLog() {}

    /** Installs the sink process-wide (replacing the default stderr writer) at the given level. */
    public static synchronized void install(Sink newSink, Level minimum) {
        sink = newSink;
        try {
            if (stub == null) {
                MethodHandle target = MethodHandles.lookup()
                        .findStatic(
                                NativeLog.class,
                                "upcall",
                                MethodType.methodType(void.class, int.class, MemorySegment.class, MemorySegment.class));
                // The stub lives as long as the library: the global arena is never closed.
                stub = Linker.nativeLinker()
                        .upcallStub(target, FunctionDescriptor.ofVoid(JAVA_INT, Dpd.C_STRING, ADDRESS), Arena.global());
            }
            Dpd.check((int) Dpd.LOG_SET_CALLBACK.invokeExact(stub, MemorySegment.NULL), "dpd_log_set_callback");
            Dpd.check((int) Dpd.LOG_SET_LEVEL.invokeExact(minimum.ordinal()), "dpd_log_set_level");
        } catch (Throwable t) {
            throw Dpd.rethrow(t);
        }
    }

    @SuppressWarnings("unused") // called from native code through the upcall stub
    private static void upcall(int level, MemorySegment message, MemorySegment ctx) {
        try {
            Sink current = sink;
            if (current != null) {
                Level[] levels = Level.values();
                current.log(levels[Math.clamp(level, 0, levels.length - 1)], message.getString(0));
            }
        } catch (Throwable t) {
            // An exception escaping an upcall would crash the JVM; a lost log line is the lesser harm.
        }
    }
}

package dev.dpu.storage.dataplane.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Engine settings, fixed for the life of an engine. Unset values keep the library's defaults
 * (see dpd_options_set_int in dpudp.h). Build with {@link #builder()}.
 */
public final class EngineOptions {

    private final Map<String, Long> values;
    private final List<Integer> reactorCpus;

    private EngineOptions(Map<String, Long> values, List<Integer> reactorCpus) {
        this.values = Map.copyOf(values);
        this.reactorCpus = List.copyOf(reactorCpus);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static EngineOptions defaults() {
        return builder().build();
    }

    /** The integer options set, by their dpd_options_set_int key; a key not here keeps its default. */
    public Map<String, Long> values() {
        return values;
    }

    /** CPUs the reactors are pinned to (reactor i on element i modulo the size); empty: unpinned. */
    public List<Integer> reactorCpus() {
        return reactorCpus;
    }

    /** A native dpd_options object holding these values; free it with close(). */
    NativeOptions toNative() {
        NativeOptions options = NativeOptions.create();
        try (Arena arena = Arena.ofConfined()) {
            for (Map.Entry<String, Long> e : values.entrySet()) {
                int rc;
                try {
                    rc = (int) Dpd.OPTIONS_SET_INT.invokeExact(
                            options.handle, arena.allocateFrom(e.getKey()), (long) e.getValue());
                } catch (Throwable t) {
                    throw Dpd.rethrow(t);
                }
                Dpd.check(rc, "dpd_options_set_int(" + e.getKey() + ", " + e.getValue() + ")");
            }
            if (!reactorCpus.isEmpty()) {
                MemorySegment cpus = arena.allocate(ValueLayout.JAVA_INT, reactorCpus.size());
                for (int i = 0; i < reactorCpus.size(); i++) {
                    cpus.setAtIndex(ValueLayout.JAVA_INT, i, reactorCpus.get(i));
                }
                int rc;
                try {
                    rc = (int) Dpd.OPTIONS_SET_REACTOR_CPUS.invokeExact(options.handle, cpus, reactorCpus.size());
                } catch (Throwable t) {
                    throw Dpd.rethrow(t);
                }
                Dpd.check(rc, "dpd_options_set_reactor_cpus(" + reactorCpus + ")");
            }
            return options;
        } catch (RuntimeException e) {
            options.close();
            throw e;
        }
    }

    public static final class Builder {
        private final Map<String, Long> values = new LinkedHashMap<>();
        private List<Integer> reactorCpus = List.of();

        /** I/O threads ("reactors", named dpd-reactor-N), 1..64. */
        public Builder reactors(int reactors) {
            return set("reactors", reactors);
        }

        /**
         * Pins reactor i to {@code cpus.get(i % cpus.size())}; every CPU must be in the process's
         * CPU set (checked when the engine is created). Empty: reactors run anywhere in it.
         */
        public Builder reactorCpus(List<Integer> cpus) {
            reactorCpus = List.copyOf(cpus);
            return this;
        }

        /** How the reactors wait for work (the "polling" option); the library's default is SLEEP. */
        public Builder polling(ReactorPolling polling) {
            return set("polling", polling.ordinal());
        }

        public Builder maxIoQueues(int queues) {
            return set("max_io_queues", queues);
        }

        public Builder maxQueueDepth(int depth) {
            return set("max_queue_depth", depth);
        }

        public Builder maxTransferBytes(long bytes) {
            return set("max_transfer_bytes", bytes);
        }

        public Builder inCapsuleBytes(int bytes) {
            return set("in_capsule_bytes", bytes);
        }

        /** Any key dpd_options_set_int() knows, for options newer than this class. */
        public Builder set(String key, long value) {
            values.put(key, value);
            return this;
        }

        public EngineOptions build() {
            return new EngineOptions(values, reactorCpus);
        }
    }

    /** The native options handle: owned here, freed by close(). */
    static final class NativeOptions implements AutoCloseable {
        final MemorySegment handle;

        private NativeOptions(MemorySegment handle) {
            this.handle = handle;
        }

        static NativeOptions create() {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
                int rc;
                try {
                    rc = (int) Dpd.OPTIONS_CREATE.invokeExact(out);
                } catch (Throwable t) {
                    throw Dpd.rethrow(t);
                }
                Dpd.check(rc, "dpd_options_create");
                return new NativeOptions(out.get(ValueLayout.ADDRESS, 0));
            }
        }

        @Override
        public void close() {
            try {
                Dpd.OPTIONS_DESTROY.invokeExact(handle);
            } catch (Throwable t) {
                throw Dpd.rethrow(t);
            }
        }
    }
}

package dev.dpu.storage.dataplane.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * One immutable native statistics snapshot (dpd_stats), owned here and freed by close(). All
 * values read from one snapshot are mutually consistent, which is why a metrics scrape reads
 * everything from a single one. {@link #read()} copies it into plain Java records.
 */
public final class StatsSnapshot implements AutoCloseable {

    /** Engine-wide counters, in DPD_STAT_* order. */
    public enum EngineCounter {
        CONNECTIONS_ACTIVE,
        CONNECTIONS_TOTAL,
        CONTROLLERS_ACTIVE,
        HEADER_DIGEST_ERRORS,
        DATA_DIGEST_ERRORS,
        PROTOCOL_ERRORS,
        /** Fabrics Connects refused: host not allowed, unknown subsystem, bad parameters. */
        CONNECT_REFUSED,
        KEEP_ALIVE_EXPIRED,
        /** Connections refused at ICReq: a digest the target requires was not asked for. */
        CONNECT_REFUSED_DIGEST,
        /** Payload bytes whose CRC32C data digest the data path computed or checked. */
        DATA_DIGEST_BYTES
    }

    /** Per-namespace counters, in DPD_STAT_NS_* order. */
    public enum NamespaceCounter {
        READ_OPS,
        WRITE_OPS,
        READ_BYTES,
        WRITE_BYTES,
        FLUSH_OPS,
        OTHER_OPS,
        ERRORS,
        SIZE_BYTES
    }

    /** Telemetry counters kept per namespace, tenant and queue, in DPD_IO_* order. */
    public enum IoCounter {
        READ_OPS,
        WRITE_OPS,
        READ_BYTES,
        WRITE_BYTES,
        ERRORS,
        DIGEST_ERRORS,
        THROTTLED,
        THROTTLED_NS,
        PAYLOAD_COPIES,
        COPIED_BYTES,
        INFLIGHT,
        QOS_QUEUED,
        CONNECTIONS,
        /** Namespace only: backend I/O done from io_uring registered (fixed) buffers. */
        FIXED_BUFFER_IOS,
        /** Payload bytes encrypted (writes) or decrypted (reads) with AES-256-XTS. */
        XTS_BYTES
    }

    /** Latency histograms, in DPD_HIST_* order. */
    public enum Histogram {
        /** Command arrived until its response was queued. */
        E2E,
        /** Backend submit until backend done. */
        BACKEND
    }

    /** State of a remote NVMe/TCP target, in DPD_REMOTE_* order. */
    public enum RemoteState {
        /** Connecting or reconnecting; the reason says why it is not connected yet. */
        CONNECTING,
        CONNECTED,
        /** The remote refused us or does not fit: the reason says what a person must do. */
        FAILED
    }

    /** Per-remote counters, in DPD_REMOTE_STAT_* order. */
    public enum RemoteCounter {
        RECONNECTS,
        /** Total time not connected since the remote was added, ns. */
        DISCONNECTED_NS,
        READ_OPS,
        WRITE_OPS,
        /** Flush, Write Zeroes and Dataset Management forwarded. */
        OTHER_OPS,
        READ_BYTES,
        WRITE_BYTES,
        /** Commands the remote failed, by NVMe status code type: generic (0). */
        ERRORS_GENERIC,
        /** Command specific (1). */
        ERRORS_COMMAND,
        /** Media and data integrity (2). */
        ERRORS_MEDIA,
        /** Path related (3), including the data path's own after the ctrl-loss timeout. */
        ERRORS_PATH,
        /** Connections lost: transport errors, digest errors, bad PDUs. */
        ERRORS_TRANSPORT,
        /** Gauge: host I/Os waiting for the connection. */
        QUEUED
    }

    /** DPD_KIND_* values. */
    private static final int KIND_NS = 0;

    private static final int KIND_TENANT = 1;

    private static final int KIND_REMOTE = 3;

    private static final int KIND_NODE = 4;

    /** DPD_REACTOR_* values. */
    private static final int REACTOR_BUSY_NS = 0;

    private static final int REACTOR_IDLE_NS = 1;

    /**
     * One latency histogram: {@code counts[b]} samples fell in bucket b, whose inclusive upper
     * bound is {@code upperNs[b]} nanoseconds (the array is shared between histograms). The bounds
     * are unsigned: the last bucket is open-ended (UINT64_MAX, which reads as -1 here).
     */
    public record LatencyHistogram(long[] upperNs, long[] counts, long sumNs) {
        public long count() {
            long total = 0;
            for (long c : counts) {
                total += c;
            }
            return total;
        }
    }

    /**
     * Telemetry of one object: counters by {@link IoCounter}, histograms by {@link Histogram}.
     * Namespaces carry no histograms (empty list): reading a thousand buckets per namespace and
     * histogram made a scrape of thousands of namespaces cost millions of native calls; their
     * sum is {@link Stats#node()}.
     */
    public record IoStats(long[] counters, List<LatencyHistogram> histograms) {
        public long get(IoCounter counter) {
            return counters[counter.ordinal()];
        }

        public LatencyHistogram histogram(Histogram which) {
            if (histograms.isEmpty()) {
                throw new IllegalStateException("no histograms read for this object (namespaces have none: use"
                        + " Stats.node() for the node's, TenantStats for a tenant's)");
            }
            return histograms.get(which.ordinal());
        }
    }

    /** Counters of one namespace, indexed by {@link NamespaceCounter#ordinal()}, and telemetry (no histograms). */
    public record NamespaceStats(String subsystemNqn, int nsid, long[] counters, IoStats io) {
        public long get(NamespaceCounter counter) {
            return counters[counter.ordinal()];
        }
    }

    /** One tenant: its limits in force (dpd_tenant_set_limits argument order) and telemetry. */
    public record TenantStats(String name, long[] limits, IoStats io) {}

    /**
     * One remote NVMe/TCP target: its state, why it is not connected ("" when it is), counters by
     * {@link RemoteCounter} and the round trip of its commands (sent until the remote's completion).
     */
    public record RemoteStats(
            String name, RemoteState state, String reason, long[] counters, LatencyHistogram roundTrip) {
        public long get(RemoteCounter counter) {
            return counters[counter.ordinal()];
        }
    }

    /** Where one reactor (I/O thread) spent its time since the engine started, ns. */
    public record ReactorStats(int index, long busyNs, long idleNs) {}

    /**
     * Everything a snapshot holds, as Java values. {@code node} is every namespace's telemetry
     * summed by the data path (DPD_KIND_NODE), histograms included.
     */
    public record Stats(
            long[] engine,
            IoStats node,
            List<NamespaceStats> namespaces,
            List<TenantStats> tenants,
            List<RemoteStats> remotes,
            List<ReactorStats> reactors) {
        public long get(EngineCounter counter) {
            return engine[counter.ordinal()];
        }
    }

    private static volatile long[] bucketUpperNs;

    /** Inclusive upper bounds of the native histogram buckets, ns; fixed for the library. */
    static long[] bucketUpperNs() throws Throwable {
        long[] bounds = bucketUpperNs;
        if (bounds == null) {
            int n = (int) Dpd.STATS_HIST_BUCKETS.invokeExact();
            bounds = new long[n];
            for (int b = 0; b < n; b++) {
                bounds[b] = (long) Dpd.STATS_HIST_BUCKET_UPPER_NS.invokeExact(b);
            }
            bucketUpperNs = bounds;
        }
        return bounds;
    }

    private final MemorySegment handle;
    private boolean closed;

    private StatsSnapshot(MemorySegment handle) {
        this.handle = handle;
    }

    static StatsSnapshot take(MemorySegment engine) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            int rc = (int) Dpd.STATS_SNAPSHOT.invokeExact(engine, out);
            Dpd.check(rc, "dpd_stats_snapshot");
            return new StatsSnapshot(out.get(ValueLayout.ADDRESS, 0));
        } catch (Throwable t) {
            throw Dpd.rethrow(t);
        }
    }

    public long engine(EngineCounter counter) {
        try {
            return (long) Dpd.STATS_ENGINE.invokeExact(handle, counter.ordinal());
        } catch (Throwable t) {
            throw Dpd.rethrow(t);
        }
    }

    public int namespaceCount() {
        try {
            return (int) Dpd.STATS_NS_COUNT.invokeExact(handle);
        } catch (Throwable t) {
            throw Dpd.rethrow(t);
        }
    }

    /** Copies the whole snapshot into Java records. */
    public Stats read() {
        try {
            EngineCounter[] engineCounters = EngineCounter.values();
            long[] engine = new long[engineCounters.length];
            for (EngineCounter c : engineCounters) {
                engine[c.ordinal()] = engine(c);
            }
            int count = namespaceCount();
            List<NamespaceStats> namespaces = new ArrayList<>(count);
            NamespaceCounter[] nsCounters = NamespaceCounter.values();
            for (int i = 0; i < count; i++) {
                String nqn = Dpd.string((MemorySegment) Dpd.STATS_NS_SUBSYSTEM.invokeExact(handle, i));
                int nsid = (int) Dpd.STATS_NS_NSID.invokeExact(handle, i);
                long[] values = new long[nsCounters.length];
                for (NamespaceCounter c : nsCounters) {
                    values[c.ordinal()] = (long) Dpd.STATS_NS.invokeExact(handle, i, c.ordinal());
                }
                namespaces.add(new NamespaceStats(nqn, nsid, values, io(KIND_NS, i, false)));
            }
            List<TenantStats> tenants = new ArrayList<>();
            int tenantCount = (int) Dpd.STATS_TENANT_COUNT.invokeExact(handle);
            for (int i = 0; i < tenantCount; i++) {
                String name = Dpd.string((MemorySegment) Dpd.STATS_TENANT_NAME.invokeExact(handle, i));
                long[] limits = new long[8];
                for (int l = 0; l < limits.length; l++) {
                    limits[l] = (long) Dpd.STATS_TENANT_LIMIT.invokeExact(handle, i, l);
                }
                tenants.add(new TenantStats(name, limits, io(KIND_TENANT, i, true)));
            }
            int reactorCount = (int) Dpd.STATS_REACTOR_COUNT.invokeExact(handle);
            List<ReactorStats> reactors = new ArrayList<>(reactorCount);
            for (int i = 0; i < reactorCount; i++) {
                long busy = (long) Dpd.STATS_REACTOR.invokeExact(handle, i, REACTOR_BUSY_NS);
                long idle = (long) Dpd.STATS_REACTOR.invokeExact(handle, i, REACTOR_IDLE_NS);
                reactors.add(new ReactorStats(i, busy, idle));
            }
            return new Stats(
                    engine,
                    io(KIND_NODE, 0, true),
                    List.copyOf(namespaces),
                    List.copyOf(tenants),
                    remotes(),
                    List.copyOf(reactors));
        } catch (Throwable t) {
            throw Dpd.rethrow(t);
        }
    }

    private List<RemoteStats> remotes() throws Throwable {
        int count = (int) Dpd.STATS_REMOTE_COUNT.invokeExact(handle);
        List<RemoteStats> remotes = new ArrayList<>(count);
        RemoteCounter[] ids = RemoteCounter.values();
        RemoteState[] states = RemoteState.values();

        for (int i = 0; i < count; i++) {
            String name = Dpd.string((MemorySegment) Dpd.STATS_REMOTE_NAME.invokeExact(handle, i));
            int state = (int) Dpd.STATS_REMOTE_STATE.invokeExact(handle, i);
            String reason = Dpd.string((MemorySegment) Dpd.STATS_REMOTE_REASON.invokeExact(handle, i));
            long[] counters = new long[ids.length];
            for (RemoteCounter c : ids) {
                counters[c.ordinal()] = (long) Dpd.STATS_REMOTE.invokeExact(handle, i, c.ordinal());
            }
            remotes.add(new RemoteStats(
                    name,
                    states[Math.max(0, Math.min(state, states.length - 1))],
                    reason,
                    counters,
                    histogram(KIND_REMOTE, i, Histogram.BACKEND)));
        }
        return List.copyOf(remotes);
    }

    /** Histogram h (DPD_HIST_*) of object idx of kind (DPD_KIND_*). */
    private LatencyHistogram histogram(int kind, int idx, Histogram h) throws Throwable {
        long[] bounds = bucketUpperNs();
        long[] counts = new long[bounds.length];
        for (int b = 0; b < bounds.length; b++) {
            counts[b] = (long) Dpd.STATS_HIST_BUCKET.invokeExact(handle, kind, idx, h.ordinal(), b);
        }
        long sum = (long) Dpd.STATS_HIST_SUM_NS.invokeExact(handle, kind, idx, h.ordinal());
        return new LatencyHistogram(bounds, counts, sum);
    }

    private IoStats io(int kind, int idx, boolean withHistograms) throws Throwable {
        IoCounter[] ids = IoCounter.values();
        long[] counters = new long[ids.length];
        for (IoCounter c : ids) {
            counters[c.ordinal()] = (long) Dpd.STATS_IO.invokeExact(handle, kind, idx, c.ordinal());
        }
        List<LatencyHistogram> histograms = new ArrayList<>(2);
        for (Histogram h : withHistograms ? Histogram.values() : new Histogram[0]) {
            histograms.add(histogram(kind, idx, h));
        }
        return new IoStats(counters, List.copyOf(histograms));
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Dpd.STATS_DESTROY.invokeExact(handle);
        } catch (Throwable t) {
            throw Dpd.rethrow(t);
        }
    }
}

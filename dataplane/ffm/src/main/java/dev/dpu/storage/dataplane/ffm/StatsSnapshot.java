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
    CONNECTIONS_ACTIVE, CONNECTIONS_TOTAL, CONTROLLERS_ACTIVE, HEADER_DIGEST_ERRORS,
    DATA_DIGEST_ERRORS, PROTOCOL_ERRORS, CONNECT_REFUSED, KEEP_ALIVE_EXPIRED
  }

  /** Per-namespace counters, in DPD_STAT_NS_* order. */
  public enum NamespaceCounter {
    READ_OPS, WRITE_OPS, READ_BYTES, WRITE_BYTES, FLUSH_OPS, OTHER_OPS, ERRORS, SIZE_BYTES
  }

  /** Counters of one namespace, indexed by {@link NamespaceCounter#ordinal()}. */
  public record NamespaceStats(String subsystemNqn, int nsid, long[] counters) {
    public long get(NamespaceCounter counter) {
      return counters[counter.ordinal()];
    }
  }

  /** Everything a snapshot holds, as Java values. */
  public record Stats(long[] engine, List<NamespaceStats> namespaces) {
    public long get(EngineCounter counter) {
      return engine[counter.ordinal()];
    }
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
        namespaces.add(new NamespaceStats(nqn, nsid, values));
      }
      return new Stats(engine, List.copyOf(namespaces));
    } catch (Throwable t) {
      throw Dpd.rethrow(t);
    }
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

package dev.dpu.storage.agent.metrics;

import dev.dpu.storage.agent.dataplane.AgentStatus;
import dev.dpu.storage.agent.dataplane.DataplaneService;
import dev.dpu.storage.dataplane.ffm.Engine;
import dev.dpu.storage.dataplane.ffm.StatsSnapshot;
import dev.dpu.storage.dataplane.ffm.StatsSnapshot.EngineCounter;
import dev.dpu.storage.dataplane.ffm.StatsSnapshot.NamespaceCounter;
import io.prometheus.client.Collector;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Every data-path series, computed at scrape time from ONE native statistics snapshot so that all
 * values of a scrape are mutually consistent (ops, bytes and latency buckets from the same
 * instant). Registered directly with the Prometheus registry underneath Micrometer: Micrometer
 * meters each read their own value on their own schedule and cannot take pre-bucketed native
 * histograms, a Prometheus collector can do both. See docs/metrics.md for every series.
 *
 * <p>Labels are bounded: pool and node (one value per agent), subsystem (one per tenant of the
 * pool), nsid (volumes of the pool), tenant, op (read/write/flush/other).
 */
public final class DataplaneCollector extends Collector {

  private static final Logger LOG = Logger.getLogger(DataplaneCollector.class);
  static final String PREFIX = "dpu_dataplane_";

  private final DataplaneService dataplane;
  private final Supplier<Labels> labels;

  /** pool and node name, plus the tenant owning each subsystem (from the running config). */
  public record Labels(String pool, String node, Map<String, String> tenantBySubsystem) {}

  public DataplaneCollector(DataplaneService dataplane, Supplier<Labels> labels) {
    this.dataplane = dataplane;
    this.labels = labels;
  }

  @Override
  public List<MetricFamilySamples> collect() {
    Labels l = labels.get();
    List<MetricFamilySamples> families = new ArrayList<>(agentFamilies(l, dataplane.status()));
    Optional<Engine> engine = dataplane.engine();
    if (engine.isEmpty()) {
      return families;
    }
    StatsSnapshot.Stats stats;
    try (StatsSnapshot snapshot = engine.get().snapshot()) {
      stats = snapshot.read();
    } catch (RuntimeException e) {
      // Engine closing under a scrape during shutdown: report what the agent knows, no data path.
      LOG.debugf("no data-path snapshot this scrape: %s", e.getMessage());
      return families;
    }
    families.addAll(engineFamilies(l, stats));
    families.addAll(namespaceFamilies(l, stats));
    return families;
  }

  private static List<MetricFamilySamples> agentFamilies(Labels l, AgentStatus status) {
    Family generation = new Family("dpu_agent_config_generation", Type.GAUGE,
        "Generation of the rendered configuration the data path is serving (0 before the first).");
    generation.add("", List.of(), status.appliedGeneration());
    Family applies = new Family("dpu_agent_config_applies", Type.COUNTER,
        "Configuration apply attempts by result (applied, refused).");
    applies.add("_total", List.of("result", "applied"), status.appliesSucceeded());
    applies.add("_total", List.of("result", "refused"), status.appliesRefused());
    Family ready = new Family("dpu_agent_ready", Type.GAUGE,
        "1 while the data path serves a configuration, 0 before the first and during shutdown.");
    ready.add("", List.of(), status.serving() ? 1 : 0);
    Family info = new Family("dpu_agent_info", Type.GAUGE,
        "Always 1; labels carry the data path version and the requested and effective offload mode.");
    info.add("", List.of("version", libraryVersion(), "requested_mode", status.requestedMode(),
        "effective_mode", status.effectiveMode()), 1);
    return List.of(generation.build(l), applies.build(l), ready.build(l), info.build(l));
  }

  private static List<MetricFamilySamples> engineFamilies(Labels l, StatsSnapshot.Stats s) {
    Family connections = new Family(PREFIX + "connections", Type.GAUGE,
        "NVMe/TCP connections open now.");
    connections.add("", List.of(), s.get(EngineCounter.CONNECTIONS_ACTIVE));
    Family accepted = new Family(PREFIX + "connections_accepted", Type.COUNTER,
        "NVMe/TCP connections accepted since the data path started.");
    accepted.add("_total", List.of(), s.get(EngineCounter.CONNECTIONS_TOTAL));
    Family controllers = new Family(PREFIX + "controllers", Type.GAUGE,
        "NVMe controllers (host associations) now.");
    controllers.add("", List.of(), s.get(EngineCounter.CONTROLLERS_ACTIVE));
    Family digest = new Family(PREFIX + "digest_errors", Type.COUNTER,
        "PDUs received with a wrong CRC32C digest, by digest (header, data).");
    digest.add("_total", List.of("digest", "header"), s.get(EngineCounter.HEADER_DIGEST_ERRORS));
    digest.add("_total", List.of("digest", "data"), s.get(EngineCounter.DATA_DIGEST_ERRORS));
    Family protocol = new Family(PREFIX + "protocol_errors", Type.COUNTER,
        "Connections terminated because of malformed PDUs.");
    protocol.add("_total", List.of(), s.get(EngineCounter.PROTOCOL_ERRORS));
    Family refused = new Family(PREFIX + "connects_refused", Type.COUNTER,
        "Fabrics Connect commands refused (host not allowed, unknown subsystem...).");
    refused.add("_total", List.of(), s.get(EngineCounter.CONNECT_REFUSED));
    Family kato = new Family(PREFIX + "keep_alive_expired", Type.COUNTER,
        "Controllers dropped because the host's keep-alive timed out.");
    kato.add("_total", List.of(), s.get(EngineCounter.KEEP_ALIVE_EXPIRED));
    return List.of(connections.build(l), accepted.build(l), controllers.build(l), digest.build(l),
        protocol.build(l), refused.build(l), kato.build(l));
  }

  private static List<MetricFamilySamples> namespaceFamilies(Labels l, StatsSnapshot.Stats s) {
    Family ops = new Family(PREFIX + "io_ops", Type.COUNTER,
        "I/O commands completed per namespace, by op (read, write, flush, other).");
    Family bytes = new Family(PREFIX + "io_bytes", Type.COUNTER,
        "Payload bytes transferred per namespace, by op (read, write).");
    Family errors = new Family(PREFIX + "io_errors", Type.COUNTER,
        "I/O commands completed with an error status per namespace.");
    Family size = new Family(PREFIX + "namespace_size_bytes", Type.GAUGE,
        "Capacity of each namespace.");
    for (StatsSnapshot.NamespaceStats ns : s.namespaces()) {
      String tenant = l.tenantBySubsystem().getOrDefault(ns.subsystemNqn(), "");
      List<String> id = List.of("subsystem", ns.subsystemNqn(), "nsid", Integer.toString(ns.nsid()),
          "tenant", tenant);
      ops.add("_total", with(id, "op", "read"), ns.get(NamespaceCounter.READ_OPS));
      ops.add("_total", with(id, "op", "write"), ns.get(NamespaceCounter.WRITE_OPS));
      ops.add("_total", with(id, "op", "flush"), ns.get(NamespaceCounter.FLUSH_OPS));
      ops.add("_total", with(id, "op", "other"), ns.get(NamespaceCounter.OTHER_OPS));
      bytes.add("_total", with(id, "op", "read"), ns.get(NamespaceCounter.READ_BYTES));
      bytes.add("_total", with(id, "op", "write"), ns.get(NamespaceCounter.WRITE_BYTES));
      errors.add("_total", id, ns.get(NamespaceCounter.ERRORS));
      size.add("", id, ns.get(NamespaceCounter.SIZE_BYTES));
    }
    return List.of(ops.build(l), bytes.build(l), errors.build(l), size.build(l));
  }

  private static List<String> with(List<String> pairs, String name, String value) {
    List<String> all = new ArrayList<>(pairs);
    all.add(name);
    all.add(value);
    return all;
  }

  private static String libraryVersion() {
    try {
      return Engine.version();
    } catch (RuntimeException | LinkageError e) {
      return "unavailable";
    }
  }

  /** Builds one metric family; every sample gets the pool and node labels first. */
  static final class Family {
    private final String name;
    private final Type type;
    private final String help;
    private final List<String[]> sampleSuffixes = new ArrayList<>();
    private final List<List<String>> sampleLabels = new ArrayList<>();
    private final List<Double> values = new ArrayList<>();

    Family(String name, Type type, String help) {
      this.name = name;
      this.type = type;
      this.help = help;
    }

    /** labelPairs: name1, value1, name2, value2... */
    void add(String suffix, List<String> labelPairs, double value) {
      sampleSuffixes.add(new String[] {suffix});
      sampleLabels.add(labelPairs);
      values.add(value);
    }

    MetricFamilySamples build(Labels l) {
      List<MetricFamilySamples.Sample> samples = new ArrayList<>(values.size());
      for (int i = 0; i < values.size(); i++) {
        List<String> names = new ArrayList<>(List.of("pool", "node"));
        List<String> vals = new ArrayList<>(List.of(l.pool(), l.node()));
        List<String> pairs = sampleLabels.get(i);
        for (int p = 0; p < pairs.size(); p += 2) {
          names.add(pairs.get(p));
          vals.add(pairs.get(p + 1));
        }
        samples.add(new MetricFamilySamples.Sample(name + sampleSuffixes.get(i)[0], names, vals,
            values.get(i)));
      }
      return new MetricFamilySamples(name, type, help, samples);
    }
  }
}

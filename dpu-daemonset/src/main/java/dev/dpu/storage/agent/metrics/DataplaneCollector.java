package dev.dpu.storage.agent.metrics;

import dev.dpu.storage.agent.dataplane.AgentStatus;
import dev.dpu.storage.agent.dataplane.DataplaneService;
import dev.dpu.storage.dataplane.ffm.Engine;
import dev.dpu.storage.dataplane.ffm.StatsSnapshot;
import dev.dpu.storage.dataplane.ffm.StatsSnapshot.EngineCounter;
import io.prometheus.client.Collector;
import java.util.ArrayList;
import java.util.List;
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
 * <p>Series are bounded by the pool's tenants and remotes, never by its volumes: pool and node
 * (one value per agent), tenant (one per tenant, {@link TenantFamilies}), remote (one per remote
 * backend, {@link RemoteFamilies}); the node-wide I/O ({@link NodeFamilies}) is summed over every
 * namespace by the data path. No label names a namespace (docs/metrics.md has the formula).
 */
public final class DataplaneCollector extends Collector {

    private static final Logger LOG = Logger.getLogger(DataplaneCollector.class);
    static final String PREFIX = "dpu_dataplane_";

    private final DataplaneService dataplane;
    private final Supplier<Labels> labels;

    /** pool and node name (the pool from the running config). */
    public record Labels(String pool, String node) {}

    public DataplaneCollector(DataplaneService dataplane, Supplier<Labels> labels) {
        this.dataplane = dataplane;
        this.labels = labels;
    }

    @Override
    public List<MetricFamilySamples> collect() {
        Labels l = labels.get();
        List<MetricFamilySamples> families =
                new ArrayList<>(agentFamilies(l, dataplane.status(), dataplane.latestGeneration()));
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
        families.addAll(NodeFamilies.of(l, stats, dataplane.status().effectiveMode()));
        families.addAll(TenantFamilies.of(l, stats));
        families.addAll(RemoteFamilies.of(l, stats));
        return families;
    }

    private static List<MetricFamilySamples> agentFamilies(Labels l, AgentStatus status, long latestGeneration) {
        MetricFamily generation = new MetricFamily(
                "dpu_agent_config_generation",
                Type.GAUGE,
                "Generation of the rendered configuration the data path is serving (0 before the first).");
        generation.add("", List.of(), status.appliedGeneration());
        MetricFamily latest = new MetricFamily(
                "dpu_agent_config_latest_generation",
                Type.GAUGE,
                "Newest configuration generation given to the agent, applied or not; above "
                        + "dpu_agent_config_generation while it is refused or not yet applied.");
        latest.add("", List.of(), latestGeneration);
        MetricFamily applies = new MetricFamily(
                "dpu_agent_config_applies", Type.COUNTER, "Configuration apply attempts by result (applied, refused).");
        applies.add("_total", List.of("result", "applied"), status.appliesSucceeded());
        applies.add("_total", List.of("result", "refused"), status.appliesRefused());
        MetricFamily ready = new MetricFamily(
                "dpu_agent_ready",
                Type.GAUGE,
                "1 while the data path serves a configuration, 0 before the first and during shutdown.");
        ready.add("", List.of(), status.serving() ? 1 : 0);
        MetricFamily info = new MetricFamily(
                "dpu_agent_info",
                Type.GAUGE,
                "Always 1; labels carry the data path version and the requested and effective offload mode.");
        info.add(
                "",
                List.of(
                        "version",
                        libraryVersion(),
                        "requested_mode",
                        status.requestedMode(),
                        "effective_mode",
                        status.effectiveMode()),
                1);
        return List.of(generation.build(l), latest.build(l), applies.build(l), ready.build(l), info.build(l));
    }

    private static List<MetricFamilySamples> engineFamilies(Labels l, StatsSnapshot.Stats s) {
        MetricFamily connections =
                new MetricFamily(PREFIX + "connections", Type.GAUGE, "NVMe/TCP connections open now.");
        connections.add("", List.of(), s.get(EngineCounter.CONNECTIONS_ACTIVE));
        MetricFamily accepted = new MetricFamily(
                PREFIX + "connections_accepted",
                Type.COUNTER,
                "NVMe/TCP connections accepted since the data path started.");
        accepted.add("_total", List.of(), s.get(EngineCounter.CONNECTIONS_TOTAL));
        MetricFamily controllers =
                new MetricFamily(PREFIX + "controllers", Type.GAUGE, "NVMe controllers (host associations) now.");
        controllers.add("", List.of(), s.get(EngineCounter.CONTROLLERS_ACTIVE));
        MetricFamily digest = new MetricFamily(
                PREFIX + "digest_errors",
                Type.COUNTER,
                "PDUs received with a wrong CRC32C digest, by digest (header, data).");
        digest.add("_total", List.of("digest", "header"), s.get(EngineCounter.HEADER_DIGEST_ERRORS));
        digest.add("_total", List.of("digest", "data"), s.get(EngineCounter.DATA_DIGEST_ERRORS));
        MetricFamily protocol = new MetricFamily(
                PREFIX + "protocol_errors", Type.COUNTER, "Connections terminated because of malformed PDUs.");
        protocol.add("_total", List.of(), s.get(EngineCounter.PROTOCOL_ERRORS));
        MetricFamily refused = new MetricFamily(
                PREFIX + "connects_refused",
                Type.COUNTER,
                "Connections refused, by reason: fabrics_connect (Fabrics Connect refused: host not "
                        + "allowed, unknown subsystem, bad parameters), digest_required (ICReq without a digest "
                        + "the profile requires).");
        refused.add("_total", List.of("reason", "fabrics_connect"), s.get(EngineCounter.CONNECT_REFUSED));
        refused.add("_total", List.of("reason", "digest_required"), s.get(EngineCounter.CONNECT_REFUSED_DIGEST));
        MetricFamily kato = new MetricFamily(
                PREFIX + "keep_alive_expired",
                Type.COUNTER,
                "Controllers dropped because the host's keep-alive timed out.");
        kato.add("_total", List.of(), s.get(EngineCounter.KEEP_ALIVE_EXPIRED));
        MetricFamily digestBytes = new MetricFamily(
                PREFIX + "data_digest_bytes",
                Type.COUNTER,
                "Payload bytes whose CRC32C data digest the data path computed (sent) or checked (received).");
        digestBytes.add("_total", List.of(), s.get(EngineCounter.DATA_DIGEST_BYTES));
        MetricFamily busy = new MetricFamily(
                PREFIX + "reactor_busy_seconds",
                Type.COUNTER,
                "Time each reactor (I/O thread) spent handling events: network, backend completions, QoS.");
        MetricFamily idle = new MetricFamily(
                PREFIX + "reactor_idle_seconds",
                Type.COUNTER,
                "Time each reactor (I/O thread) spent waiting for events.");
        for (StatsSnapshot.ReactorStats r : s.reactors()) {
            List<String> id = List.of("reactor", Integer.toString(r.index()));
            busy.add("_total", id, r.busyNs() / 1e9);
            idle.add("_total", id, r.idleNs() / 1e9);
        }
        return List.of(
                connections.build(l),
                accepted.build(l),
                controllers.build(l),
                digest.build(l),
                protocol.build(l),
                refused.build(l),
                kato.build(l),
                digestBytes.build(l),
                busy.build(l),
                idle.build(l));
    }

    /** A histogram with the node's bounds ({@link PrometheusBuckets#BOUNDS}), _count and _sum. */
    static void addHistogram(MetricFamily family, List<String> id, StatsSnapshot.LatencyHistogram histogram) {
        long total = addBuckets(family, id, histogram, PrometheusBuckets.BOUNDS);
        family.add("_count", id, total);
        family.add("_sum", id, histogram.sumNs() / 1e9);
    }

    /** The _bucket lines of a histogram folded into {@code bounds}; returns the +Inf (total) count. */
    static long addBuckets(
            MetricFamily family, List<String> id, StatsSnapshot.LatencyHistogram histogram, double[] bounds) {
        long[] cumulative = PrometheusBuckets.cumulative(histogram, bounds);
        for (int i = 0; i < cumulative.length; i++) {
            family.add("_bucket", with(id, "le", PrometheusBuckets.le(bounds, i)), cumulative[i]);
        }
        return cumulative[cumulative.length - 1];
    }

    static List<String> with(List<String> pairs, String name, String value) {
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
}

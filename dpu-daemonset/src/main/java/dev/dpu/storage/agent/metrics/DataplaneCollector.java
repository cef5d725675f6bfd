package dev.dpu.storage.agent.metrics;

import dev.dpu.storage.agent.dataplane.AgentStatus;
import dev.dpu.storage.agent.dataplane.DataplaneService;
import dev.dpu.storage.dataplane.ffm.Engine;
import dev.dpu.storage.dataplane.ffm.StatsSnapshot;
import dev.dpu.storage.dataplane.ffm.StatsSnapshot.EngineCounter;
import dev.dpu.storage.dataplane.ffm.StatsSnapshot.Histogram;
import dev.dpu.storage.dataplane.ffm.StatsSnapshot.IoCounter;
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
        families.addAll(namespaceFamilies(l, stats));
        families.addAll(telemetryFamilies(l, stats, dataplane.status().effectiveMode()));
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

    private static List<MetricFamilySamples> namespaceFamilies(Labels l, StatsSnapshot.Stats s) {
        MetricFamily ops = new MetricFamily(
                PREFIX + "io_ops",
                Type.COUNTER,
                "I/O commands completed per namespace, by op (read, write, flush, other).");
        MetricFamily bytes = new MetricFamily(
                PREFIX + "io_bytes", Type.COUNTER, "Payload bytes transferred per namespace, by op (read, write).");
        MetricFamily errors = new MetricFamily(
                PREFIX + "io_errors", Type.COUNTER, "I/O commands completed with an error status per namespace.");
        MetricFamily size =
                new MetricFamily(PREFIX + "namespace_size_bytes", Type.GAUGE, "Capacity of each namespace.");
        for (StatsSnapshot.NamespaceStats ns : s.namespaces()) {
            List<String> id = namespaceId(l, ns);
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

    /** The labels naming one namespace: its subsystem, nsid and the tenant that owns the subsystem. */
    private static List<String> namespaceId(Labels l, StatsSnapshot.NamespaceStats ns) {
        String tenant = l.tenantBySubsystem().getOrDefault(ns.subsystemNqn(), "");
        return List.of("subsystem", ns.subsystemNqn(), "nsid", Integer.toString(ns.nsid()), "tenant", tenant);
    }

    /** Latency histograms, per-tenant QoS and copy counters: the telemetry part of the snapshot. */
    private static List<MetricFamilySamples> telemetryFamilies(Labels l, StatsSnapshot.Stats s, String mode) {
        MetricFamily latency = new MetricFamily(
                PREFIX + "io_latency_seconds",
                Type.HISTOGRAM,
                "I/O latency per namespace, by stage: e2e (command received to response queued) and "
                        + "backend (backend submit to completion).");
        MetricFamily inflight = new MetricFamily(
                PREFIX + "io_inflight", Type.GAUGE, "Reads and writes being executed now per namespace.");
        MetricFamily fixed = new MetricFamily(
                PREFIX + "fixed_buffer_ios",
                Type.COUNTER,
                "Backend I/Os done from io_uring registered buffers per namespace (0 while the data path "
                        + "runs without them, e.g. when RLIMIT_MEMLOCK is too low to register them).");
        MetricFamily xts = new MetricFamily(
                PREFIX + "xts_bytes",
                Type.COUNTER,
                "Payload bytes encrypted (writes) or decrypted (reads) with AES-256-XTS per namespace; stays 0 "
                        + "on namespaces without a key.");
        long copies = 0;
        long copiedBytes = 0;
        for (StatsSnapshot.NamespaceStats ns : s.namespaces()) {
            List<String> id = namespaceId(l, ns);
            addHistogram(latency, with(id, "stage", "e2e"), ns.io().histogram(Histogram.E2E));
            addHistogram(latency, with(id, "stage", "backend"), ns.io().histogram(Histogram.BACKEND));
            inflight.add("", id, ns.io().get(IoCounter.INFLIGHT));
            fixed.add("_total", id, ns.io().get(IoCounter.FIXED_BUFFER_IOS));
            xts.add("_total", id, ns.io().get(IoCounter.XTS_BYTES));
            copies += ns.io().get(IoCounter.PAYLOAD_COPIES);
            copiedBytes += ns.io().get(IoCounter.COPIED_BYTES);
        }
        MetricFamily copyOps = new MetricFamily(
                PREFIX + "payload_copies",
                Type.COUNTER,
                "Payload copies (memcpy) made by the data path, by offload mode in force: the measured "
                        + "cost difference between NonOffload and ZeroCopy.");
        copyOps.add("_total", List.of("mode", mode), copies);
        MetricFamily copyBytes = new MetricFamily(
                PREFIX + "payload_copied_bytes",
                Type.COUNTER,
                "Bytes copied by those payload copies, by offload mode in force.");
        copyBytes.add("_total", List.of("mode", mode), copiedBytes);

        MetricFamily tenantOps = new MetricFamily(
                PREFIX + "tenant_io_ops", Type.COUNTER, "Reads and writes completed per tenant, by op.");
        MetricFamily tenantBytes =
                new MetricFamily(PREFIX + "tenant_io_bytes", Type.COUNTER, "Payload bytes per tenant, by op.");
        MetricFamily tenantErrors = new MetricFamily(
                PREFIX + "tenant_io_errors",
                Type.COUNTER,
                "Reads and writes completed with an error status per tenant.");
        MetricFamily tenantDigest = new MetricFamily(
                PREFIX + "tenant_digest_errors", Type.COUNTER, "PDUs with a wrong digest on the tenant's connections.");
        MetricFamily throttled = new MetricFamily(
                PREFIX + "qos_throttled_ios", Type.COUNTER, "I/Os that had to wait for the tenant's QoS limits.");
        MetricFamily throttledTime = new MetricFamily(
                PREFIX + "qos_throttled_seconds", Type.COUNTER, "Total time I/Os waited for the tenant's QoS limits.");
        MetricFamily queued = new MetricFamily(
                PREFIX + "qos_queued_ios", Type.GAUGE, "I/Os waiting for the tenant's QoS limits now.");
        MetricFamily connections =
                new MetricFamily(PREFIX + "tenant_connections", Type.GAUGE, "Open I/O queues charged to the tenant.");
        MetricFamily limits = new MetricFamily(
                PREFIX + "tenant_limit",
                Type.GAUGE,
                "QoS limit in force per tenant (per second; 0 = unlimited), by limit.");
        for (StatsSnapshot.TenantStats t : s.tenants()) {
            List<String> id = List.of("tenant", t.name());
            StatsSnapshot.IoStats io = t.io();
            tenantOps.add("_total", with(id, "op", "read"), io.get(IoCounter.READ_OPS));
            tenantOps.add("_total", with(id, "op", "write"), io.get(IoCounter.WRITE_OPS));
            tenantBytes.add("_total", with(id, "op", "read"), io.get(IoCounter.READ_BYTES));
            tenantBytes.add("_total", with(id, "op", "write"), io.get(IoCounter.WRITE_BYTES));
            tenantErrors.add("_total", id, io.get(IoCounter.ERRORS));
            tenantDigest.add("_total", id, io.get(IoCounter.DIGEST_ERRORS));
            throttled.add("_total", id, io.get(IoCounter.THROTTLED));
            throttledTime.add("_total", id, io.get(IoCounter.THROTTLED_NS) / 1e9);
            queued.add("", id, io.get(IoCounter.QOS_QUEUED));
            connections.add("", id, io.get(IoCounter.CONNECTIONS));
            for (int i = 0; i < LIMIT_NAMES.length; i++) {
                limits.add("", with(id, "limit", LIMIT_NAMES[i]), t.limits()[i]);
            }
        }
        return List.of(
                latency.build(l),
                inflight.build(l),
                fixed.build(l),
                xts.build(l),
                copyOps.build(l),
                copyBytes.build(l),
                tenantOps.build(l),
                tenantBytes.build(l),
                tenantErrors.build(l),
                tenantDigest.build(l),
                throttled.build(l),
                throttledTime.build(l),
                queued.build(l),
                connections.build(l),
                limits.build(l));
    }

    /** dpd_tenant_set_limits argument order. */
    private static final String[] LIMIT_NAMES = {
        "read_iops",
        "write_iops",
        "total_iops",
        "read_bytes_per_second",
        "write_bytes_per_second",
        "total_bytes_per_second",
        "burst_iops",
        "burst_bytes"
    };

    static void addHistogram(MetricFamily family, List<String> id, StatsSnapshot.LatencyHistogram histogram) {
        long[] cumulative = PrometheusBuckets.cumulative(histogram);
        for (int i = 0; i < cumulative.length; i++) {
            family.add("_bucket", with(id, "le", PrometheusBuckets.le(i)), cumulative[i]);
        }
        family.add("_count", id, cumulative[cumulative.length - 1]);
        family.add("_sum", id, histogram.sumNs() / 1e9);
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

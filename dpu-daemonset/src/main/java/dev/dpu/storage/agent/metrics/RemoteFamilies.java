package dev.dpu.storage.agent.metrics;

import static io.prometheus.client.Collector.MetricFamilySamples;

import dev.dpu.storage.dataplane.ffm.StatsSnapshot;
import dev.dpu.storage.dataplane.ffm.StatsSnapshot.RemoteCounter;
import io.prometheus.client.Collector.Type;
import java.util.List;

/**
 * Series of the remote NVMe/TCP backends (initiator-side DPU), one label value per remote of the
 * pool: connection state, reconnects, time disconnected, forwarded I/O, errors by NVMe status class
 * and the round-trip latency to the remote. See docs/metrics.md.
 */
final class RemoteFamilies {

    private static final String PREFIX = DataplaneCollector.PREFIX + "remote_";

    private RemoteFamilies() {}

    static List<MetricFamilySamples> of(DataplaneCollector.Labels l, StatsSnapshot.Stats s) {
        MetricFamily state = new MetricFamily(
                PREFIX + "state",
                Type.GAUGE,
                "1 for the state each remote is in now (connected, connecting, failed), 0 for the others.");
        MetricFamily reconnects = new MetricFamily(
                PREFIX + "reconnects", Type.COUNTER, "Connections to the remote made again after it was lost.");
        MetricFamily disconnected = new MetricFamily(
                PREFIX + "disconnected_seconds",
                Type.COUNTER,
                "Time the remote was not connected since it was added (first connect included).");
        MetricFamily ops = new MetricFamily(
                PREFIX + "ops",
                Type.COUNTER,
                "Host commands forwarded to the remote and completed by it, by op (read, write, other: Flush,"
                        + " Write Zeroes, Dataset Management).");
        MetricFamily bytes =
                new MetricFamily(PREFIX + "bytes", Type.COUNTER, "Payload bytes forwarded, by op (read, write).");
        MetricFamily errors = new MetricFamily(
                PREFIX + "errors",
                Type.COUNTER,
                "Errors on the way to the remote, by status: generic, command_specific, media, path (NVMe status"
                        + " code types 0-3; path includes the host I/O failed after ctrlLossTimeoutSeconds) and"
                        + " transport (connections lost to transport or digest errors, malformed PDUs).");
        MetricFamily queued = new MetricFamily(
                PREFIX + "queued_ios", Type.GAUGE, "Host I/Os waiting for the connection to the remote now.");
        MetricFamily latency = new MetricFamily(
                PREFIX + "latency_seconds",
                Type.HISTOGRAM,
                "Round trip to the remote per command: sent until the remote's completion arrived.");
        for (StatsSnapshot.RemoteStats r : s.remotes()) {
            List<String> id = List.of("remote", r.name());
            for (StatsSnapshot.RemoteState st : StatsSnapshot.RemoteState.values()) {
                state.add("", with(id, "state", st.name().toLowerCase(java.util.Locale.ROOT)), r.state() == st ? 1 : 0);
            }
            reconnects.add("_total", id, r.get(RemoteCounter.RECONNECTS));
            disconnected.add("_total", id, r.get(RemoteCounter.DISCONNECTED_NS) / 1e9);
            ops.add("_total", with(id, "op", "read"), r.get(RemoteCounter.READ_OPS));
            ops.add("_total", with(id, "op", "write"), r.get(RemoteCounter.WRITE_OPS));
            ops.add("_total", with(id, "op", "other"), r.get(RemoteCounter.OTHER_OPS));
            bytes.add("_total", with(id, "op", "read"), r.get(RemoteCounter.READ_BYTES));
            bytes.add("_total", with(id, "op", "write"), r.get(RemoteCounter.WRITE_BYTES));
            errors.add("_total", with(id, "status", "generic"), r.get(RemoteCounter.ERRORS_GENERIC));
            errors.add("_total", with(id, "status", "command_specific"), r.get(RemoteCounter.ERRORS_COMMAND));
            errors.add("_total", with(id, "status", "media"), r.get(RemoteCounter.ERRORS_MEDIA));
            errors.add("_total", with(id, "status", "path"), r.get(RemoteCounter.ERRORS_PATH));
            errors.add("_total", with(id, "status", "transport"), r.get(RemoteCounter.ERRORS_TRANSPORT));
            queued.add("", id, r.get(RemoteCounter.QUEUED));
            DataplaneCollector.addHistogram(latency, id, r.roundTrip());
        }
        return List.of(
                state.build(l),
                reconnects.build(l),
                disconnected.build(l),
                ops.build(l),
                bytes.build(l),
                errors.build(l),
                queued.build(l),
                latency.build(l));
    }

    private static List<String> with(List<String> pairs, String name, String value) {
        return DataplaneCollector.with(pairs, name, value);
    }
}

package dev.dpu.storage.agent.dataplane;

import dev.dpu.storage.api.dataplane.DataplaneConfig;
import dev.dpu.storage.api.dataplane.RemoteSpec;
import dev.dpu.storage.api.v1alpha1.RemoteBackendStatus;
import dev.dpu.storage.dataplane.ffm.Engine;
import dev.dpu.storage.dataplane.ffm.StatsSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/** The remotes' state as the data path reports it, in DpuNodeState's words. */
final class RemoteStates {

    private static final Logger LOG = Logger.getLogger(RemoteStates.class);

    private RemoteStates() {}

    /** One state per remote of the running config, in its order; a remote the data path lacks is Connecting. */
    static List<RemoteState> read(Engine engine, DataplaneConfig running) {
        Map<String, StatsSnapshot.RemoteStats> byName;
        try (StatsSnapshot snapshot = engine.snapshot()) {
            byName = snapshot.read().remotes().stream()
                    .collect(Collectors.toMap(StatsSnapshot.RemoteStats::name, Function.identity()));
        }
        List<RemoteState> states = new ArrayList<>();
        for (RemoteSpec r : running.remotes()) {
            StatsSnapshot.RemoteStats s = byName.get(r.name());
            String target =
                    r.address().contains(":") ? "[" + r.address() + "]:" + r.port() : r.address() + ":" + r.port();
            states.add(
                    s == null
                            ? new RemoteState(r.name(), target, RemoteBackendStatus.CONNECTING, "not added yet")
                            : new RemoteState(r.name(), target, stateName(s.state()), s.reason()));
        }
        return List.copyOf(states);
    }

    static String stateName(StatsSnapshot.RemoteState state) {
        return switch (state) {
            case CONNECTED -> RemoteBackendStatus.CONNECTED;
            case CONNECTING -> RemoteBackendStatus.CONNECTING;
            case FAILED -> RemoteBackendStatus.FAILED;
        };
    }

    /** One log line per remote whose state or reason changed: failures at WARN with what to do. */
    static void logTransitions(List<RemoteState> before, List<RemoteState> now) {
        Map<String, RemoteState> old =
                before.stream().collect(Collectors.toMap(RemoteState::name, Function.identity()));
        for (RemoteState r : now) {
            RemoteState was = old.get(r.name());
            if (r.equals(was)) {
                continue;
            }
            String from = was == null ? "" : " (was " + was.state() + ")";
            if (RemoteBackendStatus.FAILED.equals(r.state())) {
                LOG.warnf("%s%s", r.describe(), from);
            } else {
                LOG.infof("%s%s", r.describe(), from);
            }
        }
    }
}

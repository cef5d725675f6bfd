package dev.dpu.storage.agent.dataplane;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the agent knows about its data path, published after every apply attempt: the basis of
 * DpuNodeState's status, the readiness check and the agent's own metrics. Immutable.
 *
 * @param appliedGeneration generation of the config now serving (0 before the first)
 * @param appliedHash sha256 of the dataplane.json now serving ("" before the first)
 * @param listenerAddress "address:port" the NVMe/TCP listener is bound to, or "" if none
 * @param requestedMode the profile's offload mode
 * @param effectiveMode the mode in force after the profile's fallback ("" before the first)
 * @param serving true once a config is applied and the engine runs (false again at shutdown)
 * @param hostNqn the host NQN remotes are connected to with ("" before the first config)
 * @param remotes the state of each remote of the running config, by name
 */
public record AgentStatus(
        long appliedGeneration,
        String appliedHash,
        String listenerAddress,
        String requestedMode,
        String effectiveMode,
        boolean serving,
        long appliesSucceeded,
        long appliesRefused,
        List<Condition> conditions,
        String hostNqn,
        List<RemoteState> remotes) {

    public AgentStatus {
        remotes = List.copyOf(remotes);
    }

    /** The same status with other remote states. */
    public AgentStatus withRemotes(String newHostNqn, List<RemoteState> newRemotes) {
        return new AgentStatus(
                appliedGeneration,
                appliedHash,
                listenerAddress,
                requestedMode,
                effectiveMode,
                serving,
                appliesSucceeded,
                appliesRefused,
                conditions,
                newHostNqn,
                newRemotes);
    }

    public static AgentStatus initial() {
        return new AgentStatus(
                0,
                "",
                "",
                "",
                "",
                false,
                0,
                0,
                List.of(
                        Condition.of(Condition.READY, false, "NoConfig", "waiting for the first configuration"),
                        Condition.of(Condition.CONFIG_APPLIED, false, "NoConfig", "no configuration seen yet")),
                "",
                List.of());
    }

    public Condition condition(String type) {
        return conditions.stream()
                .filter(c -> c.type().equals(type))
                .findFirst()
                .orElse(null);
    }

    /**
     * Replaces or adds the given conditions, keeping transition times of unchanged statuses and the
     * order in which types first appeared.
     */
    public List<Condition> mergeConditions(List<Condition> updates) {
        Map<String, Condition> merged = new LinkedHashMap<>();
        conditions.forEach(c -> merged.put(c.type(), c));
        updates.forEach(c -> merged.put(c.type(), c.since(merged.get(c.type()))));
        return List.copyOf(merged.values());
    }
}

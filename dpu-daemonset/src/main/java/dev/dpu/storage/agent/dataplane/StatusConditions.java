package dev.dpu.storage.agent.dataplane;

import dev.dpu.storage.agent.config.ConfigDiff;
import java.util.ArrayList;
import java.util.List;

/** The conditions an apply attempt leads to (see docs/agent.md, "DpuNodeState"). */
final class StatusConditions {

    private StatusConditions() {}

    static List<Condition> applied(long gen, ConfigDiff.Result diff, String mode, String requested) {
        List<Condition> conditions = new ArrayList<>();
        conditions.add(Condition.of(Condition.READY, true, "Serving", "serving generation " + gen));
        conditions.add(Condition.of(
                Condition.CONFIG_APPLIED,
                true,
                "Applied",
                "generation " + gen + " applied (" + diff.operations().size() + " changes)"));
        conditions.add(
                mode.equals(requested)
                        ? Condition.of(Condition.DEGRADED, false, "AsRequested", "running as the profile asks")
                        : Condition.of(
                                Condition.DEGRADED,
                                true,
                                "OffloadDegraded",
                                "offload mode " + requested
                                        + " unavailable on this node, running " + mode
                                        + " (fallback Degrade); the agent log's data-path line says why (status.capabilities shows what was found)"));
        conditions.add(
                diff.restartNeeded().isEmpty()
                        ? Condition.of(Condition.RESTART_PENDING, false, "UpToDate", "no pending process settings")
                        : Condition.of(
                                Condition.RESTART_PENDING,
                                true,
                                "ProcessSettingsChanged",
                                String.join(", ", diff.restartNeeded())
                                        + " changed; takes effect when the pod restarts"));
        return conditions;
    }

    static List<Condition> refused(
            long generation, String reason, String message, boolean serving, long servingGeneration) {
        String keeps = serving
                ? " - generation " + servingGeneration + " keeps serving"
                : " - nothing is served until a valid configuration arrives";
        return List.of(
                Condition.of(
                        Condition.CONFIG_APPLIED,
                        false,
                        reason,
                        "generation " + generation + " refused: " + message + keeps),
                serving
                        ? Condition.of(Condition.READY, true, "Serving", "serving generation " + servingGeneration)
                        : Condition.of(Condition.READY, false, "NoValidConfig", message));
    }
}

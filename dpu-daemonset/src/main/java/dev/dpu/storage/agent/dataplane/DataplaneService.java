package dev.dpu.storage.agent.dataplane;

import dev.dpu.storage.agent.AgentConfig;
import dev.dpu.storage.agent.config.ConfigDiff;
import dev.dpu.storage.agent.config.ConfigException;
import dev.dpu.storage.agent.config.ConfigOp;
import dev.dpu.storage.agent.config.ConfigParser;
import dev.dpu.storage.agent.config.ConfigRollback;
import dev.dpu.storage.agent.config.ConfigValidator;
import dev.dpu.storage.api.dataplane.DataplaneConfig;
import dev.dpu.storage.dataplane.ffm.Capabilities;
import dev.dpu.storage.dataplane.ffm.DataplaneException;
import dev.dpu.storage.dataplane.ffm.Engine;
import dev.dpu.storage.dataplane.ffm.NativeLog;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Owns the native engine and the configuration it runs. Every configuration source (the file in
 * standalone mode, the ConfigMap in a cluster) hands its JSON to {@link #apply}; that validates it
 * completely, starts the engine on the first good one, and otherwise applies only the difference to
 * what is running. A config that fails validation or part way through applying is refused whole
 * (the applied steps are undone) and the previous one keeps serving.
 */
@ApplicationScoped
public class DataplaneService {

    private static final Logger LOG = Logger.getLogger(DataplaneService.class);

    private final AgentConfig agentConfig;
    private final Capabilities capabilities;
    private final List<Consumer<AgentStatus>> listeners = new CopyOnWriteArrayList<>();

    private Engine engine;
    private DataplaneConfig running;
    private Optional<byte[]> key = Optional.empty();
    private volatile AgentStatus status = AgentStatus.initial();
    private long lastGeneration;
    private volatile long latestGeneration;
    private boolean stopped;
    /** A config refused for a reason outside it (key not mounted yet, port busy): retried. */
    private String retryJson;

    private Long retryGeneration;

    public DataplaneService(AgentConfig agentConfig) {
        this.agentConfig = agentConfig;
        Logger nativeLog = Logger.getLogger("dpudp");
        NativeLog.install(
                (level, message) -> nativeLog.log(
                        switch (level) {
                            case DEBUG -> Logger.Level.DEBUG;
                            case INFO -> Logger.Level.INFO;
                            case WARN -> Logger.Level.WARN;
                            case ERROR -> Logger.Level.ERROR;
                        },
                        message),
                nativeLog.isDebugEnabled() ? NativeLog.Level.DEBUG : NativeLog.Level.INFO);
        // The data path decides what this node can do (and so the offload mode); the agent reports it.
        Engine.setSystemRoot(Path.of(agentConfig.hostRoot()));
        this.capabilities = Engine.capabilities();
        LOG.infof("node capabilities (from the data path): %s", capabilities);
    }

    public Capabilities capabilities() {
        return capabilities;
    }

    /** Reactor threads the data path runs now (0 before the first config and after shutdown). */
    public synchronized int reactors() {
        return engine == null ? 0 : engine.reactorCount();
    }

    public AgentStatus status() {
        return status;
    }

    /** The running engine, for metrics; empty before the first config and after shutdown. */
    public synchronized Optional<Engine> engine() {
        return Optional.ofNullable(engine);
    }

    /** Pool name of the running config (the "pool" field), if any. */
    public synchronized Optional<String> runningPool() {
        return Optional.ofNullable(running).map(DataplaneConfig::pool);
    }

    /** Called with every new status (on the applying thread; keep it quick). */
    public void onStatus(Consumer<AgentStatus> listener) {
        listeners.add(listener);
        listener.accept(status);
    }

    /**
     * The newest configuration generation given to the agent, applied or not (0 before the first):
     * above the applied one while that config is refused or not yet applied.
     */
    public long latestGeneration() {
        return latestGeneration;
    }

    /**
     * Applies a rendered configuration.
     *
     * @param generation the operator's config generation, or null to number configs locally
     *     (standalone mode)
     * @return the status after the attempt
     */
    public synchronized AgentStatus apply(String json, Long generation) {
        if (stopped) {
            return status;
        }
        String hash = ConfigParser.sha256(json == null ? "" : json);
        Condition applied = status.condition(Condition.CONFIG_APPLIED);
        if (running != null
                && hash.equals(status.appliedHash())
                && (generation == null || generation == status.appliedGeneration())
                && applied != null
                && applied.isTrue()) {
            return status; // nothing new; a revert after a refusal still goes through to clear it
        }
        long gen = generation != null ? generation : lastGeneration + 1;
        latestGeneration = Math.max(latestGeneration, gen);
        try {
            DataplaneConfig parsed = ConfigParser.parse(json);
            ConfigValidator.validate(parsed);
            // The pool may leave the host NQN to each node: a stable one of its own.
            DataplaneConfig wanted =
                    parsed.hostNqn() != null ? parsed : parsed.withHostNqn(agentConfig.defaultHostNqn());
            DataplaneConfig toRun = wanted;
            String listener = status.listenerAddress();
            String mode = status.effectiveMode();
            if (engine == null) {
                // Process-wide settings (listen, reactors, offload, key) are taken from the first good config.
                Optional<byte[]> newKey = Keys.read(wanted.offload());
                EngineLauncher.Launched launched = EngineLauncher.launch(toRun);
                engine = launched.engine();
                key = newKey;
                listener = launched.listenerAddress();
                mode = launched.effectiveMode();
                // A fresh engine requires no digests; the diff below sets what the config asks for.
                running = toRun.emptied().withDigestRequirements(false, false);
            }
            ConfigDiff.Result diff = ConfigDiff.between(running, toRun);
            applyAll(diff.operations());
            running = toRun.withProcessSettingsOf(running);
            lastGeneration = gen;
            retryJson = null;
            LOG.infof(
                    "applied config generation %d (%d changes)%s",
                    gen,
                    diff.operations().size(),
                    diff.restartNeeded().isEmpty() ? "" : "; at next restart: " + diff.restartNeeded());
            // The mode asked for by the settings in force; a changed one waits for the restart.
            String requested = EngineLauncher.requestedMode(running);
            publish(new AgentStatus(
                    gen,
                    hash,
                    listener,
                    requested,
                    mode,
                    true,
                    status.appliesSucceeded() + 1,
                    status.appliesRefused(),
                    status.mergeConditions(StatusConditions.applied(gen, diff, mode, requested)),
                    running.hostNqn(),
                    status.remotes()));
            refreshRemoteStates();
        } catch (ConfigException e) {
            refuse(gen, e.reason(), e.getMessage());
            rememberForRetry(json, generation, RETRIED_REASONS.contains(e.reason()));
        } catch (DataplaneException e) {
            refuse(gen, "ApplyFailed", e.getMessage());
            rememberForRetry(json, generation, true);
        } catch (RuntimeException e) {
            LOG.error("unexpected failure applying configuration", e);
            refuse(gen, "ApplyFailed", e.toString());
        }
        return status;
    }

    /**
     * A configuration that could not even be read out of its ConfigMap (a compressed payload that
     * is not gzip): refused like malformed JSON; what runs keeps running.
     */
    public synchronized AgentStatus refuseUnreadable(Long generation, String problem) {
        if (stopped) {
            return status;
        }
        long gen = generation != null ? generation : lastGeneration + 1;
        latestGeneration = Math.max(latestGeneration, gen);
        refuse(gen, "MalformedJson", problem);
        return status;
    }

    /**
     * Reads how each remote of the running config stands (the data path connects and reconnects on
     * its own) and publishes a change; logs every transition, with what to do for a failure.
     */
    public synchronized void refreshRemoteStates() {
        if (engine == null || stopped) {
            return;
        }
        List<RemoteState> now = running.remotes().isEmpty() ? List.of() : RemoteStates.read(engine, running);
        if (now.equals(status.remotes())) {
            return;
        }
        RemoteStates.logTransitions(status.remotes(), now);
        publish(status.withRemotes(running.hostNqn(), now));
    }

    /** Refusal reasons that can clear without a new config: a Secret mounted late, a port freed. */
    private static final java.util.Set<String> RETRIED_REASONS =
            java.util.Set.of("KeyMissing", "ListenFailed", "ApplyFailed");

    private void rememberForRetry(String json, Long generation, boolean retry) {
        retryJson = retry ? json : null;
        retryGeneration = generation;
    }

    /**
     * Tries the last refused config again if it was refused for a reason outside the config
     * itself (called periodically). A config refused for its content waits for a new one.
     */
    public synchronized void retryRefused() {
        if (retryJson != null && !stopped) {
            LOG.infof("retrying the configuration refused earlier");
            apply(retryJson, retryGeneration);
        }
    }

    /**
     * Graceful stop: readiness goes false, the engine stops accepting, drains in-flight I/O (up to
     * the drain timeout), flushes file backends and is destroyed.
     */
    public synchronized void shutdown() {
        if (stopped) {
            return;
        }
        stopped = true;
        publish(new AgentStatus(
                status.appliedGeneration(),
                status.appliedHash(),
                status.listenerAddress(),
                status.requestedMode(),
                status.effectiveMode(),
                false,
                status.appliesSucceeded(),
                status.appliesRefused(),
                status.mergeConditions(
                        List.of(Condition.of(Condition.READY, false, "ShuttingDown", "draining in-flight I/O"))),
                status.hostNqn(),
                status.remotes()));
        if (engine != null) {
            boolean drained = engine.stop(agentConfig.drainTimeout());
            key.ifPresent(bytes -> java.util.Arrays.fill(bytes, (byte) 0));
            LOG.infof(
                    drained
                            ? "data path stopped: in-flight I/O finished, file backends flushed"
                            : "data path stopped after %s with I/O still in flight",
                    agentConfig.drainTimeout());
            engine.close();
            engine = null;
        }
    }

    /** Runs the operations in order; on a failure undoes the ones done and rethrows. */
    private void applyAll(List<ConfigOp> ops) {
        OpExecutor executor = new OpExecutor(engine, key);
        List<ConfigOp> done = new ArrayList<>();
        for (ConfigOp op : ops) {
            try {
                executor.execute(op);
                done.add(op);
                LOG.debugf("applied: %s", op.describe());
            } catch (RuntimeException e) {
                LOG.warnf(
                        "step %d of %d failed (%s): %s; undoing %d steps",
                        done.size() + 1, ops.size(), op.describe(), e.getMessage(), done.size());
                for (ConfigOp undo : ConfigRollback.undo(done, running)) {
                    try {
                        executor.execute(undo);
                    } catch (RuntimeException undoFailure) {
                        LOG.errorf("could not undo (%s): %s", undo.describe(), undoFailure.getMessage());
                    }
                }
                throw new DataplaneException(
                        op.describe(),
                        e instanceof DataplaneException d ? d.errno() : 95,
                        e instanceof DataplaneException d ? d.nativeMessage() : e.getMessage());
            }
        }
    }

    private void refuse(long generation, String reason, String message) {
        LOG.warnf("configuration generation %d refused (%s): %s", generation, reason, message);
        // Serving means a config was applied: an engine started for a first config that then failed
        // part way serves nothing.
        boolean serving = engine != null && status.appliesSucceeded() > 0;
        publish(new AgentStatus(
                status.appliedGeneration(),
                status.appliedHash(),
                status.listenerAddress(),
                status.requestedMode(),
                status.effectiveMode(),
                serving,
                status.appliesSucceeded(),
                status.appliesRefused() + 1,
                status.mergeConditions(
                        StatusConditions.refused(generation, reason, message, serving, status.appliedGeneration())),
                status.hostNqn(),
                status.remotes()));
    }

    private void publish(AgentStatus next) {
        status = next;
        for (Consumer<AgentStatus> listener : listeners) {
            try {
                listener.accept(next);
            } catch (RuntimeException e) {
                LOG.warn("status listener failed", e);
            }
        }
    }
}

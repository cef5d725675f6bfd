package dev.dpu.storage.agent.dataplane;

import dev.dpu.storage.agent.AgentConfig;
import dev.dpu.storage.agent.config.ConfigDiff;
import dev.dpu.storage.agent.config.ConfigException;
import dev.dpu.storage.agent.config.ConfigOp;
import dev.dpu.storage.agent.config.ConfigParser;
import dev.dpu.storage.agent.config.ConfigRollback;
import dev.dpu.storage.agent.config.ConfigValidator;
import dev.dpu.storage.agent.config.NamespaceSpec;
import dev.dpu.storage.agent.config.RenderedConfig;
import dev.dpu.storage.agent.config.SubsystemSpec;
import dev.dpu.storage.dataplane.ffm.DataplaneException;
import dev.dpu.storage.dataplane.ffm.Engine;
import dev.dpu.storage.dataplane.ffm.EngineOptions;
import dev.dpu.storage.dataplane.ffm.NativeLog;
import dev.dpu.storage.dataplane.ffm.OffloadMode;
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
  private final NodeCapabilities capabilities;
  private final List<Consumer<AgentStatus>> listeners = new CopyOnWriteArrayList<>();

  private Engine engine;
  private RenderedConfig running;
  private Optional<byte[]> key = Optional.empty();
  private volatile AgentStatus status = AgentStatus.initial();
  private long lastGeneration;
  private boolean stopped;
  /** A config refused for a reason outside it (key not mounted yet, port busy): retried. */
  private String retryJson;
  private Long retryGeneration;

  public DataplaneService(AgentConfig agentConfig) {
    this.agentConfig = agentConfig;
    this.capabilities = NodeCapabilities.probe(Path.of(agentConfig.hostRoot()));
    Logger nativeLog = Logger.getLogger("dpudp");
    NativeLog.install((level, message) -> nativeLog.log(switch (level) {
      case DEBUG -> Logger.Level.DEBUG;
      case INFO -> Logger.Level.INFO;
      case WARN -> Logger.Level.WARN;
      case ERROR -> Logger.Level.ERROR;
    }, message), nativeLog.isDebugEnabled() ? NativeLog.Level.DEBUG : NativeLog.Level.INFO);
    LOG.infof("node capabilities: %s", capabilities);
  }

  public NodeCapabilities capabilities() {
    return capabilities;
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
    return Optional.ofNullable(running).map(RenderedConfig::pool);
  }

  /** Subsystems of the running config, for metric labels. */
  public synchronized List<SubsystemSpec> runningSubsystems() {
    return running == null ? List.of() : running.subsystems();
  }

  /** Called with every new status (on the applying thread; keep it quick). */
  public void onStatus(Consumer<AgentStatus> listener) {
    listeners.add(listener);
    listener.accept(status);
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
    if (running != null && hash.equals(status.appliedHash())
        && (generation == null || generation == status.appliedGeneration())) {
      return status;
    }
    long gen = generation != null ? generation : lastGeneration + 1;
    try {
      RenderedConfig wanted = ConfigParser.parse(json);
      ConfigValidator.validate(wanted);
      checkBackendsOffered(wanted);
      checkEncryptionOffered(wanted);
      boolean qosEnforced = Engine.supportsTenants() || wanted.tenants().isEmpty();
      RenderedConfig toRun = Engine.supportsTenants() ? wanted : withoutTenants(wanted);
      String listener = status.listenerAddress();
      String mode = status.effectiveMode();
      if (engine == null) {
        // Process-wide settings (listen, offload, key) are taken from the first good config.
        key = Keys.read(wanted.offload());
        listener = startEngine(toRun);
        try {
          mode = selectOffloadMode(wanted);
        } catch (ConfigException e) {
          engine.close();
          engine = null;
          throw e;
        }
        running = RenderedConfig.empty(toRun.listen(), toRun.offload());
      }
      ConfigDiff.Result diff = ConfigDiff.between(running, toRun);
      applyAll(diff.operations());
      running = new RenderedConfig(toRun.pool(), toRun.namespace(), running.listen(),
          running.offload(), running.reactors(), running.keepAliveTimeoutMs(), toRun.subsystems(),
          toRun.tenants());
      lastGeneration = gen;
      retryJson = null;
      LOG.infof("applied config generation %d (%d changes)%s", gen, diff.operations().size(),
          diff.restartNeeded().isEmpty() ? "" : "; at next restart: " + diff.restartNeeded());
      publish(new AgentStatus(gen, hash, listener, modeOf(wanted), mode, true,
          status.appliesSucceeded() + 1, status.appliesRefused(),
          status.mergeConditions(appliedConditions(gen, diff, mode, modeOf(wanted), qosEnforced))));
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
    publish(new AgentStatus(status.appliedGeneration(), status.appliedHash(),
        status.listenerAddress(), status.requestedMode(), status.effectiveMode(), false,
        status.appliesSucceeded(), status.appliesRefused(), status.mergeConditions(List.of(
            Condition.of(Condition.READY, false, "ShuttingDown", "draining in-flight I/O")))));
    if (engine != null) {
      boolean drained = engine.stop(agentConfig.drainTimeout());
      key.ifPresent(bytes -> java.util.Arrays.fill(bytes, (byte) 0));
      LOG.infof(drained ? "data path stopped: in-flight I/O finished, file backends flushed"
          : "data path stopped after %s with I/O still in flight", agentConfig.drainTimeout());
      engine.close();
      engine = null;
    }
  }

  private String startEngine(RenderedConfig config) throws ConfigException {
    EngineOptions.Builder options = EngineOptions.builder().reactors(config.reactorsOrDefault());
    if (config.keepAliveTimeoutMs() != null) {
      options.maxKeepAliveTimeoutMs(config.keepAliveTimeoutMs());
    }
    RenderedConfig.Offload offload = config.offload();
    if (offload != null) {
      if (offload.queues() > 0) {
        options.maxIoQueues(offload.queues());
      }
      if (offload.queueDepth() > 0) {
        options.maxQueueDepth(offload.queueDepth());
      }
      if (offload.maxTransferBytes() > 0) {
        options.maxTransferBytes(offload.maxTransferBytes());
      }
      if (offload.inCapsuleDataBytes() > 0) {
        options.inCapsuleBytes(offload.inCapsuleDataBytes());
      }
    }
    Engine created;
    try {
      created = Engine.create(options.build());
    } catch (DataplaneException e) {
      throw new ConfigException("InvalidConfig", List.of("offload: " + e.getMessage()));
    }
    try {
      created.start();
      int port = created.listen(config.listen().address(), config.listen().port());
      engine = created;
      String address = config.listen().address() + ":" + port;
      LOG.infof("data path %s (%s) listening on %s", Engine.version(),
          Engine.library().foundBy(), address);
      return address;
    } catch (DataplaneException e) {
      created.close();
      throw new ConfigException("ListenFailed", List.of("listen: " + e.getMessage()));
    }
  }

  /** Runs the operations in order; on a failure undoes the ones done and rethrows. */
  private void applyAll(List<ConfigOp> ops) {
    OpExecutor executor = new OpExecutor(engine, Engine.supportsTenants(), key);
    List<ConfigOp> done = new ArrayList<>();
    for (ConfigOp op : ops) {
      try {
        executor.execute(op);
        done.add(op);
        LOG.debugf("applied: %s", op.describe());
      } catch (RuntimeException e) {
        LOG.warnf("step %d of %d failed (%s): %s; undoing %d steps", done.size() + 1, ops.size(),
            op.describe(), e.getMessage(), done.size());
        for (ConfigOp undo : ConfigRollback.undo(done, running)) {
          try {
            executor.execute(undo);
          } catch (RuntimeException undoFailure) {
            LOG.errorf("could not undo (%s): %s", undo.describe(), undoFailure.getMessage());
          }
        }
        throw new DataplaneException(op.describe(),
            e instanceof DataplaneException d ? d.errno() : 95,
            e instanceof DataplaneException d ? d.nativeMessage() : e.getMessage());
      }
    }
  }

  private void refuse(long generation, String reason, String message) {
    LOG.warnf("configuration generation %d refused (%s): %s", generation, reason, message);
    boolean serving = engine != null;
    String keeps = serving
        ? " - generation " + status.appliedGeneration() + " keeps serving"
        : " - nothing is served until a valid configuration arrives";
    publish(new AgentStatus(status.appliedGeneration(), status.appliedHash(),
        status.listenerAddress(), status.requestedMode(), status.effectiveMode(), serving,
        status.appliesSucceeded(), status.appliesRefused() + 1, status.mergeConditions(List.of(
            Condition.of(Condition.CONFIG_APPLIED, false, reason,
                "generation " + generation + " refused: " + message + keeps),
            serving
                ? Condition.of(Condition.READY, true, "Serving",
                    "serving generation " + status.appliedGeneration())
                : Condition.of(Condition.READY, false, "NoValidConfig", message)))));
  }

  private static List<Condition> appliedConditions(long gen, ConfigDiff.Result diff, String mode,
      String requested, boolean qosEnforced) {
    List<Condition> conditions = new ArrayList<>();
    conditions.add(Condition.of(Condition.READY, true, "Serving", "serving generation " + gen));
    conditions.add(Condition.of(Condition.CONFIG_APPLIED, true, "Applied",
        "generation " + gen + " applied (" + diff.operations().size() + " changes)"));
    List<String> degraded = new ArrayList<>();
    if (!mode.equals(requested)) {
      degraded.add("offload mode " + requested + " unavailable on this node, running " + mode
          + " (fallback Degrade)");
    }
    if (!qosEnforced) {
      degraded.add("tenant QoS limits are not enforced: the loaded data path has no tenant API");
    }
    conditions.add(degraded.isEmpty()
        ? Condition.of(Condition.DEGRADED, false, "AsRequested", "running as the profile asks")
        : Condition.of(Condition.DEGRADED, true,
            mode.equals(requested) ? "QosNotEnforced" : "OffloadDegraded",
            String.join("; ", degraded)));
    conditions.add(diff.restartNeeded().isEmpty()
        ? Condition.of(Condition.RESTART_PENDING, false, "UpToDate", "no pending process settings")
        : Condition.of(Condition.RESTART_PENDING, true, "ProcessSettingsChanged",
            String.join(", ", diff.restartNeeded()) + " changed; takes effect when the pod restarts"));
    return conditions;
  }

  /**
   * The offload mode in force: the data path decides when it can (it knows its providers),
   * otherwise the same rule in Java with this node's probed capabilities.
   */
  private String selectOffloadMode(RenderedConfig config) throws ConfigException {
    String requested = modeOf(config);
    String fallback = fallbackOf(config);
    if (!Engine.supportsOffloadModes()) {
      return OffloadModes.effective(requested, fallback, capabilities);
    }
    try {
      return engine.setOffloadMode(OffloadMode.fromApiName(requested),
          "Fail".equals(fallback) ? OffloadMode.Fallback.FAIL : OffloadMode.Fallback.DEGRADE)
          .apiName();
    } catch (DataplaneException e) {
      throw new ConfigException("OffloadUnavailable", List.of("offload.mode: " + e.getMessage()));
    }
  }

  private static void checkEncryptionOffered(RenderedConfig config) throws ConfigException {
    if (config.offload() != null && config.offload().encryption() != null
        && !Engine.supportsEncryption()) {
      throw new ConfigException("UnsupportedFeature", List.of("offload.encryption: this data "
          + "path build cannot encrypt namespaces (no dpd_ns_set_key)"));
    }
  }

  private static void checkBackendsOffered(RenderedConfig config) throws ConfigException {
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < config.subsystems().size(); i++) {
      List<NamespaceSpec> namespaces = config.subsystems().get(i).namespaces();
      for (int j = 0; j < namespaces.size(); j++) {
        if (NamespaceSpec.NVME_TCP.equals(namespaces.get(j).backend())) {
          problems.add("subsystems[" + i + "].namespaces[" + j + "].backend: nvmeTcp (remote "
              + "target) is not offered by this data path build");
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigException("UnsupportedBackend", problems);
    }
  }

  private static RenderedConfig withoutTenants(RenderedConfig config) {
    List<SubsystemSpec> subsystems = config.subsystems().stream()
        .map(s -> new SubsystemSpec(s.nqn(), null, s.serial(), s.model(), s.allowAnyHost(),
            s.hosts(), s.namespaces()))
        .toList();
    return config.withContent(subsystems, List.of());
  }

  private static String modeOf(RenderedConfig config) {
    return config.offload() == null || config.offload().mode() == null
        ? OffloadModes.ZERO_COPY : config.offload().mode();
  }

  private static String fallbackOf(RenderedConfig config) {
    return config.offload() == null ? "Degrade" : config.offload().fallback();
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

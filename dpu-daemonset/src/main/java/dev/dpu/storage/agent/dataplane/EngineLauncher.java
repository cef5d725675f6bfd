package dev.dpu.storage.agent.dataplane;

import dev.dpu.storage.agent.config.ConfigException;
import dev.dpu.storage.api.dataplane.DataplaneConfig;
import dev.dpu.storage.dataplane.ffm.DataplaneException;
import dev.dpu.storage.dataplane.ffm.Engine;
import dev.dpu.storage.dataplane.ffm.EngineOptions;
import dev.dpu.storage.dataplane.ffm.OffloadMode;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Creates and starts the engine from the process-wide part of the first good configuration:
 * options, listener, offload mode. On any failure nothing is left running.
 */
final class EngineLauncher {

  private static final Logger LOG = Logger.getLogger(EngineLauncher.class);

  /** A started engine, where it listens and the offload mode it runs. */
  record Launched(Engine engine, String listenerAddress, String effectiveMode) {}

  private EngineLauncher() {}

  static Launched launch(DataplaneConfig config, NodeCapabilities capabilities)
      throws ConfigException {
    Engine engine;
    try {
      engine = Engine.create(options(config));
    } catch (DataplaneException e) {
      throw new ConfigException("InvalidConfig", List.of("offload: " + e.getMessage()));
    }
    try {
      engine.start();
      String mode = selectOffloadMode(engine, config, capabilities);
      int port;
      try {
        port = engine.listen(config.listen().address(), config.listen().port());
      } catch (DataplaneException e) {
        throw new ConfigException("ListenFailed", List.of("listen: " + e.getMessage()));
      }
      String address = config.listen().address() + ":" + port;
      LOG.infof("data path %s (%s) listening on %s, offload mode %s", Engine.version(),
          Engine.library().foundBy(), address, mode);
      return new Launched(engine, address, mode);
    } catch (ConfigException | RuntimeException e) {
      engine.close();
      throw e;
    }
  }

  static String requestedMode(DataplaneConfig config) {
    return config.offload().mode();
  }

  private static EngineOptions options(DataplaneConfig config) throws ConfigException {
    if (!config.reactorCpus().isEmpty()) {
      throw new ConfigException("InvalidConfig", List.of("reactorCpus: this data path build cannot pin"
          + " reactors to CPUs; leave OffloadProfile spec.cpus out"));
    }
    DataplaneConfig.Offload offload = config.offload();
    return EngineOptions.builder()
        .reactors(config.reactors())
        .maxIoQueues(offload.queues())
        .maxQueueDepth(offload.queueDepth())
        .maxTransferBytes(offload.maxTransferBytes())
        .inCapsuleBytes(offload.inCapsuleDataBytes())
        .build();
  }

  /**
   * The offload mode in force: the data path decides when it can (it knows its providers),
   * otherwise the same rule in Java with this node's probed capabilities.
   */
  private static String selectOffloadMode(Engine engine, DataplaneConfig config,
      NodeCapabilities capabilities) throws ConfigException {
    String requested = requestedMode(config);
    String fallback = config.offload().fallback();
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
}

package dev.dpu.storage.agent.dataplane;

import dev.dpu.storage.agent.config.ConfigException;
import dev.dpu.storage.agent.config.RenderedConfig;
import dev.dpu.storage.dataplane.ffm.DataplaneException;
import dev.dpu.storage.dataplane.ffm.Engine;
import dev.dpu.storage.dataplane.ffm.EngineOptions;
import dev.dpu.storage.dataplane.ffm.OffloadMode;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Creates and starts the engine from the process-wide part of the first good configuration:
 * options (reactors and their CPUs among them), digest requirements, listener, offload mode. On
 * any failure nothing is left running.
 */
final class EngineLauncher {

  private static final Logger LOG = Logger.getLogger(EngineLauncher.class);

  /** A started engine, where it listens and the offload mode it runs. */
  record Launched(Engine engine, String listenerAddress, String effectiveMode) {}

  /** The profile's offload mode when it names one, else ZeroCopy. */
  static final String DEFAULT_MODE = OffloadMode.ZERO_COPY.apiName();

  private EngineLauncher() {}

  static Launched launch(RenderedConfig config) throws ConfigException {
    Engine engine;
    try {
      engine = Engine.create(options(config));
    } catch (DataplaneException e) {
      throw new ConfigException("InvalidConfig", List.of("engine options: " + e.getMessage()));
    }
    try {
      engine.start();
      applyDigestPolicy(engine, config.offload());
      String mode = selectOffloadMode(engine, config);
      int port;
      try {
        port = engine.listen(config.listen().address(), config.listen().port());
      } catch (DataplaneException e) {
        throw new ConfigException("ListenFailed", List.of("listen: " + e.getMessage()));
      }
      String address = config.listen().address() + ":" + port;
      LOG.infof("data path %s (%s) listening on %s, %d reactors%s, offload mode %s",
          Engine.version(), Engine.library().foundBy(), address, engine.reactorCount(),
          config.reactorCpus().isEmpty() ? "" : " on CPUs " + config.reactorCpus(), mode);
      return new Launched(engine, address, mode);
    } catch (ConfigException | RuntimeException e) {
      engine.close();
      throw e;
    }
  }

  static String requestedMode(RenderedConfig config) {
    return config.offload() == null || config.offload().mode() == null
        ? DEFAULT_MODE : config.offload().mode();
  }

  /** The profile's digest requirements, for connections made from now on. */
  static void applyDigestPolicy(Engine engine, RenderedConfig.Offload offload) {
    boolean header = offload != null && offload.requireHeaderDigest();
    boolean data = offload != null && offload.requireDataDigest();
    engine.setDigestPolicy(header, data);
  }

  private static EngineOptions options(RenderedConfig config) {
    EngineOptions.Builder options = EngineOptions.builder()
        .reactors(config.reactorsOrDefault())
        .reactorCpus(config.reactorCpus());
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
    return options.build();
  }

  /** The offload mode in force, as the data path decides it from the providers it found. */
  private static String selectOffloadMode(Engine engine, RenderedConfig config)
      throws ConfigException {
    String requested = requestedMode(config);
    String fallback = config.offload() == null ? "Degrade" : config.offload().fallback();
    try {
      return engine.setOffloadMode(OffloadMode.fromApiName(requested),
          "Fail".equals(fallback) ? OffloadMode.Fallback.FAIL : OffloadMode.Fallback.DEGRADE)
          .apiName();
    } catch (DataplaneException e) {
      throw new ConfigException("OffloadUnavailable", List.of("offload.mode: " + e.getMessage()));
    }
  }
}

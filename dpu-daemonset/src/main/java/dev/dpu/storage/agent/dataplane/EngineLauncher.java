package dev.dpu.storage.agent.dataplane;

import dev.dpu.storage.agent.config.ConfigException;
import dev.dpu.storage.api.dataplane.DataplaneConfig;
import dev.dpu.storage.dataplane.ffm.DataplaneException;
import dev.dpu.storage.dataplane.ffm.Engine;
import dev.dpu.storage.dataplane.ffm.EngineOptions;
import dev.dpu.storage.dataplane.ffm.OffloadMode;
import dev.dpu.storage.dataplane.ffm.ReactorPolling;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Creates and starts the engine from the process-wide part of the first good configuration:
 * options (reactors and their CPUs among them), listener, offload mode. On any failure nothing is
 * left running.
 */
final class EngineLauncher {

    private static final Logger LOG = Logger.getLogger(EngineLauncher.class);

    /** A started engine, where it listens and the offload mode it runs. */
    record Launched(Engine engine, String listenerAddress, String effectiveMode) {}

    private EngineLauncher() {}

    static Launched launch(DataplaneConfig config) throws ConfigException {
        Engine engine;
        try {
            engine = Engine.create(options(config));
        } catch (DataplaneException e) {
            throw new ConfigException("InvalidConfig", List.of("engine options: " + e.getMessage()));
        }
        try {
            engine.start();
            String mode = selectOffloadMode(engine, config);
            int port;
            try {
                port = engine.listen(config.listen().address(), config.listen().port());
            } catch (DataplaneException e) {
                throw new ConfigException("ListenFailed", List.of("listen: " + e.getMessage()));
            }
            String address = config.listen().address() + ":" + port;
            LOG.infof(
                    "data path %s (%s) listening on %s, %d reactors%s (%s), offload mode %s",
                    Engine.version(),
                    Engine.library().foundBy(),
                    address,
                    engine.reactorCount(),
                    config.reactorCpus().isEmpty() ? "" : " on CPUs " + config.reactorCpus(),
                    config.reactorPolling(),
                    mode);
            return new Launched(engine, address, mode);
        } catch (ConfigException | RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    static String requestedMode(DataplaneConfig config) {
        return config.offload().mode();
    }

    /** The engine options the contract's process-wide settings ask for, every one set explicitly. */
    static EngineOptions options(DataplaneConfig config) {
        DataplaneConfig.Offload offload = config.offload();
        return EngineOptions.builder()
                .reactors(config.reactors())
                .reactorCpus(config.reactorCpus())
                .polling(ReactorPolling.fromApiName(config.reactorPolling()))
                .maxIoQueues(offload.queues())
                .maxQueueDepth(offload.queueDepth())
                .maxTransferBytes(offload.maxTransferBytes())
                .inCapsuleBytes(offload.inCapsuleDataBytes())
                .build();
    }

    /** The offload mode in force, as the data path decides it from the providers it found. */
    private static String selectOffloadMode(Engine engine, DataplaneConfig config) throws ConfigException {
        String requested = requestedMode(config);
        String fallback = config.offload().fallback();
        try {
            return engine.setOffloadMode(
                            OffloadMode.fromApiName(requested),
                            "Fail".equals(fallback) ? OffloadMode.Fallback.FAIL : OffloadMode.Fallback.DEGRADE)
                    .apiName();
        } catch (DataplaneException e) {
            throw new ConfigException("OffloadUnavailable", List.of("offload.mode: " + e.getMessage()));
        }
    }
}

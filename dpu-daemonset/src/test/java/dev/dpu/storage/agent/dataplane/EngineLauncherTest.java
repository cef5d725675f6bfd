package dev.dpu.storage.agent.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpu.storage.api.dataplane.DataplaneConfig;
import dev.dpu.storage.dataplane.ffm.EngineOptions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The OffloadProfile settings in the contract's offload section reach the engine as the options
 * the native data path reads (the keys of dpd_options_set_int); the C test test_engine_options
 * shows what a host sees for them.
 */
class EngineLauncherTest {

    private static final DataplaneConfig.Listen LISTEN = new DataplaneConfig.Listen("127.0.0.1", 0);

    @Test
    void offloadSettingsBecomeEngineOptions() {
        DataplaneConfig config = new DataplaneConfig(
                "pool-a",
                LISTEN,
                3,
                List.of(2, 5, 7),
                DataplaneConfig.BUSY_POLL,
                new DataplaneConfig.Offload(null, null, null, null, 6, 64, 4096, 65536, null),
                null,
                null,
                null,
                null);

        EngineOptions options = EngineLauncher.options(config);

        assertThat(options.values())
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "reactors", 3L,
                        "busy_poll", 1L,
                        "max_io_queues", 6L,
                        "max_queue_depth", 64L,
                        "in_capsule_bytes", 4096L,
                        "max_transfer_bytes", 65536L));
        assertThat(options.reactorCpus()).containsExactly(2, 5, 7);
    }

    /**
     * The contract's defaults are passed, not left to the library's: they differ (4 I/O queues per
     * controller against the library's 8), and the contract's are the documented ones.
     */
    @Test
    void contractDefaultsAreSetExplicitly() {
        DataplaneConfig config = new DataplaneConfig(null, LISTEN, null, null, null, null, null);

        EngineOptions options = EngineLauncher.options(config);

        assertThat(options.values())
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "reactors", 1L,
                        "busy_poll", 0L,
                        "max_io_queues", 4L,
                        "max_queue_depth", 128L,
                        "in_capsule_bytes", 8192L,
                        "max_transfer_bytes", 131072L));
        assertThat(options.reactorCpus()).isEmpty();
    }
}

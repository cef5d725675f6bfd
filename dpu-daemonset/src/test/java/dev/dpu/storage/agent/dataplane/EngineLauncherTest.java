package dev.dpu.storage.agent.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpu.storage.api.dataplane.DataplaneConfig;
import dev.dpu.storage.dataplane.ffm.EngineOptions;
import dev.dpu.storage.dataplane.ffm.ReactorPolling;
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
                        "polling", 1L,
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
                        "polling", 0L,
                        "max_io_queues", 4L,
                        "max_queue_depth", 128L,
                        "in_capsule_bytes", 8192L,
                        "max_transfer_bytes", 131072L));
        assertThat(options.reactorCpus()).isEmpty();
    }

    /** Every value OffloadProfile.spec.polling accepts reaches the engine as its own "polling" value. */
    @Test
    void everyPollingModeOfTheApiBecomesTheEngineOption() {
        Map<String, Long> engineValues = Map.of("Sleep", 0L, "BusyPoll", 1L, "Adaptive", 2L);
        for (dev.dpu.storage.api.v1alpha1.ReactorPolling api : dev.dpu.storage.api.v1alpha1.ReactorPolling.values()) {
            DataplaneConfig config =
                    new DataplaneConfig(null, LISTEN, null, null, api.name(), null, null, null, null, null);

            EngineOptions options = EngineLauncher.options(config);

            assertThat(options.values()).as(api.name()).containsEntry("polling", engineValues.get(api.name()));
            assertThat(ReactorPolling.values()[options.values().get("polling").intValue()].apiName())
                    .isEqualTo(api.name());
        }
        assertThat(dev.dpu.storage.api.v1alpha1.ReactorPolling.values()).hasSize(engineValues.size());
    }
}

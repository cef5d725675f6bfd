package dev.dpu.storage.kubectl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ArgsTest {
    @Test
    void statusWithNamespaceAndInterval() {
        var a = Args.parse(
                new String[] {"status", "-n", "storage", "--interval=2", "--metrics-url", "http://x:1/q/metrics"});
        assertThat(a.command()).isEqualTo("status");
        assertThat(a.namespace()).isEqualTo("storage");
        assertThat(a.interval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(a.metricsUrls()).containsExactly("http://x:1/q/metrics");
    }

    @Test
    void connectNeedsATenant() {
        assertThatThrownBy(() -> Args.parse(new String[] {"connect"})).hasMessageContaining("connect needs the tenant");
        assertThat(Args.parse(new String[] {"connect", "tenant-blue", "--host-nqn", "nqn.x"})
                        .hostNqn())
                .isEqualTo("nqn.x");
    }

    @Test
    void badInputIsExitCode2WithUsage() {
        var err = new ByteArrayOutputStream();
        int rc = KubectlDpu.run(
                new String[] {"stauts"}, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err));
        assertThat(rc).isEqualTo(2);
        assertThat(err.toString()).contains("unknown command stauts").contains("usage: kubectl dpu status");
        assertThatThrownBy(() -> Args.parse(new String[] {"status", "--interval", "0"}))
                .hasMessageContaining("--interval takes seconds");
    }
}

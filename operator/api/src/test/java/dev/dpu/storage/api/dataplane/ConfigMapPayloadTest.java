package dev.dpu.storage.api.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** How dataplane.json is stored in a ConfigMap: plain when small, compressed when large, read back alike. */
class ConfigMapPayloadTest {

    @Test
    void aSmallConfigStaysPlainText() throws Exception {
        var payload = DataplaneContract.toConfigMap("{\"pool\":\"p\"}\n");
        assertThat(payload.data()).containsEntry(DataplaneContract.CONFIG_KEY, "{\"pool\":\"p\"}\n");
        assertThat(payload.binaryData()).isEmpty();
        assertThat(DataplaneContract.fromConfigMap(payload.data(), null)).isEqualTo("{\"pool\":\"p\"}\n");
    }

    @Test
    void aConfigOverOneMebibyteIsCompressedFitsAndReadsBackTheSameText() throws Exception {
        String json = largeConfig(1_500_000);
        var payload = DataplaneContract.toConfigMap(json);
        assertThat(payload.configBytes()).isGreaterThan(DataplaneContract.CONFIGMAP_MAX_BYTES);
        assertThat(payload.data()).isEmpty();
        assertThat(payload.binaryData()).containsOnlyKeys(DataplaneContract.COMPRESSED_CONFIG_KEY);
        assertThat(payload.fits()).isTrue();
        assertThat(DataplaneContract.fromConfigMap(Map.of(), payload.binaryData()))
                .isEqualTo(json);
        // The same text gives the same bytes: an unchanged config is an unchanged ConfigMap.
        assertThat(DataplaneContract.toConfigMap(json)).isEqualTo(payload);
    }

    @Test
    void aConfigThatDoesNotFitEvenCompressedSaysSo() {
        // Random-looking text barely compresses.
        var random = new java.util.Random(1);
        var sb = new StringBuilder();
        while (sb.length() < 3_000_000) {
            sb.append(Long.toString(random.nextLong(), 36));
        }
        var payload = DataplaneContract.toConfigMap(sb.toString());
        assertThat(payload.fits()).isFalse();
        assertThat(payload.storedBytes()).isGreaterThan(DataplaneContract.CONFIGMAP_MAX_BYTES);
    }

    @Test
    void aCorruptCompressedPayloadIsRefusedNamingTheKey() {
        assertThatThrownBy(() -> DataplaneContract.fromConfigMap(
                        null, Map.of(DataplaneContract.COMPRESSED_CONFIG_KEY, "bm90IGd6aXA=")))
                .isInstanceOf(InvalidDataplaneConfigException.class)
                .hasMessageContaining("dataplane.json.gz is not base64 of gzip data");
    }

    @Test
    void aConfigMapWithoutEitherKeyHasNoConfig() throws Exception {
        assertThat(DataplaneContract.fromConfigMap(Map.of("other", "x"), Map.of()))
                .isNull();
    }

    private static String largeConfig(int bytes) {
        var sb = new StringBuilder("{\"pool\":\"p\",\"subsystems\":[");
        for (int i = 0; sb.length() < bytes; i++) {
            sb.append(i == 0 ? "" : ",")
                    .append("{\"nqn\":\"nqn.2024-01.dev.dpu:storage.p.tenant-")
                    .append(i)
                    .append("\",\"hosts\":[\"nqn.2014-08.org.nvmexpress:uuid:5ca1e000-0000-4000-8000-")
                    .append(String.format("%012d", i))
                    .append("\"]}");
        }
        return sb.append("]}\n").toString();
    }
}

package dev.dpu.storage.api.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class XtsKeyTest {

    private static byte[] key() {
        byte[] key = new byte[64];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) (i * 7 + 1);
        }
        return key;
    }

    @Test
    void sixtyFourRawBytesAreTheKey() {
        assertThat(XtsKey.problem(key())).isNull();
        assertThat(XtsKey.parse(key())).isEqualTo(key());
    }

    @Test
    void hexTextIsNotAcceptedAnyMore() {
        byte[] hex = (HexFormat.of().formatHex(key()) + "\n").getBytes(StandardCharsets.US_ASCII);
        assertThat(XtsKey.problem(hex)).isEqualTo("holds 129 bytes; the key must be " + XtsKey.FORMAT);
    }

    @Test
    void wrongSizesAndEqualHalvesAreRefusedWithoutShowingTheKey() {
        assertThat(XtsKey.problem(new byte[32])).contains("holds 32 bytes");
        assertThat(XtsKey.problem(new byte[65])).contains("holds 65 bytes");
        byte[] equalHalves = new byte[64];
        equalHalves[0] = 9;
        equalHalves[32] = 9;
        assertThatThrownBy(() -> XtsKey.parse(equalHalves))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("its two halves are equal; XTS needs two different AES-256 keys");
    }
}

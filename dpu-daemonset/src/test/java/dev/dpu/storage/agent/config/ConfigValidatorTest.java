package dev.dpu.storage.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.dpu.storage.api.dataplane.DataplaneConfig;
import dev.dpu.storage.api.dataplane.TenantLimits;
import dev.dpu.storage.api.dataplane.TenantSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent reads dataplane.json with the contract's reader and checks the key file itself. */
class ConfigValidatorTest {

    /** What the operator renders: the shared fixture both readers are held to. */
    static final Path RENDERED = Path.of(
            System.getProperty("dataplane.fixtures.dir", "../operator/api/src/test/resources/dataplane-fixtures"),
            "valid/rendered-encrypted-pool.json");

    @Test
    void operatorsRenderingIsAcceptedApartFromTheKeyFileThisMachineLacks() throws Exception {
        DataplaneConfig config = ConfigParser.parse(Files.readString(RENDERED));
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigValidator.validate(config));

        assertThat(e.reason()).isEqualTo("KeyMissing");
        assertThat(e.problems())
                .singleElement()
                .asString()
                .startsWith("offload.encryption.keyFile: /etc/dpu/keys/pool-a-xts-key/key (Secret pool-a-xts-key)");
        // tenant-red has no TenantQoS limits: it runs as an unlimited tenant, not refused.
        assertThat(config.tenants()).extracting(TenantSpec::name).containsExactly("tenant-blue", "tenant-red");
        assertThat(config.tenants().get(1).limits()).isEqualTo(TenantLimits.UNLIMITED);
    }

    @Test
    void contractViolationsAreRefusedByTheSharedReader() {
        ConfigException e = catchThrowableOfType(
                ConfigException.class,
                () -> ConfigParser.parse(
                        """
        {"listen":{"address":"127.0.0.1","port":4420},
         "subsystems":[{"nqn":"pool-a-tenant-blue","hosts":["host-without-nqn-prefix"]}]}"""));

        assertThat(e.reason()).isEqualTo("InvalidConfig");
        assertThat(e.problems()).hasSize(2);
        assertThat(e.problems().get(0)).startsWith("subsystems[0].nqn: \"pool-a-tenant-blue\" is not a valid NQN");
        assertThat(e.problems().get(1)).startsWith("subsystems[0].hosts[0]: \"host-without-nqn-prefix\"");
    }

    @Test
    void malformedJsonSaysWhere() {
        ConfigException e = catchThrowableOfType(
                ConfigException.class, () -> ConfigParser.parse("{\"listen\": {\"port\": \"not-a-number\"}}"));

        assertThat(e.reason()).isEqualTo("MalformedJson");
        assertThat(e.getMessage()).isEqualTo("listen.port: must be an integer (line 1, column 21)");
    }

    @Test
    void missingKeySecretIsItsOwnReason(@TempDir Path dir) throws Exception {
        DataplaneConfig config = encrypted(dir.resolve("pool-a-xts-key/key"));

        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigValidator.validate(config));

        assertThat(e.reason()).isEqualTo("KeyMissing");
        assertThat(e.getMessage()).contains("Secret pool-a-xts-key").contains("is the key Secret created and mounted?");
    }

    @Test
    void sixtyFourRawBytesAreTheOnlyKeyFormat(@TempDir Path dir) throws Exception {
        byte[] key = new byte[64];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) i;
        }
        Path raw = Files.write(dir.resolve("raw"), key);
        assertThatCode(() -> ConfigValidator.validate(encrypted(raw))).doesNotThrowAnyException();

        Path hex = Files.writeString(dir.resolve("hex"), HexFormat.of().formatHex(key) + "\n");
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigValidator.validate(encrypted(hex)));
        assertThat(e.reason()).isEqualTo("KeyInvalid");
        assertThat(e.getMessage())
                .endsWith("holds 129 bytes; the key must be exactly 64 raw bytes (two AES-256 keys, key1 then key2)");
    }

    private static DataplaneConfig encrypted(Path keyFile) throws ConfigException {
        return ConfigParser.parse(
                """
        {"listen":{"address":"127.0.0.1","port":4420},
         "offload":{"encryption":{"keySecret":"pool-a-xts-key","keyFile":"%s"}}}"""
                        .formatted(keyFile));
    }
}

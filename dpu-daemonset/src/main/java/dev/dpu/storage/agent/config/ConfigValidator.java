package dev.dpu.storage.agent.config;

import dev.dpu.storage.api.dataplane.DataplaneConfig;
import dev.dpu.storage.api.dataplane.XtsKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What only the node can check before a config is applied (the contract's own rules were
 * checked when it was read): the encryption key file is mounted and holds a key that
 * {@link XtsKey} accepts, the rule the operator checked the Secret with.
 */
public final class ConfigValidator {

    private ConfigValidator() {}

    /** Throws KeyMissing or KeyInvalid; returns normally when the config can be applied. */
    public static void validate(DataplaneConfig config) throws ConfigException {
        DataplaneConfig.Encryption enc = config.offload().encryption();
        if (enc == null) {
            return;
        }
        Path key = Path.of(enc.keyFile());
        String secret = enc.keySecret() == null ? "" : " (Secret " + enc.keySecret() + ")";
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(key);
        } catch (IOException e) {
            throw new ConfigException(
                    "KeyMissing",
                    List.of("offload.encryption.keyFile: " + key + secret
                            + " does not exist or is not readable - is the key Secret created and mounted?"));
        }
        String problem = XtsKey.problem(bytes);
        java.util.Arrays.fill(bytes, (byte) 0);
        if (problem != null) {
            throw new ConfigException(
                    "KeyInvalid", List.of("offload.encryption.keyFile: " + key + secret + " " + problem));
        }
    }
}

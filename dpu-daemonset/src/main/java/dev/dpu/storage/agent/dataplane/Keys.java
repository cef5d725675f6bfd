package dev.dpu.storage.agent.dataplane;

import dev.dpu.storage.agent.config.ConfigException;
import dev.dpu.storage.api.dataplane.DataplaneConfig;
import dev.dpu.storage.api.dataplane.XtsKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Reads the pool's AES-256-XTS key from the file kubelet mounts from its Secret, by the one rule
 * the operator checked the Secret with ({@link XtsKey}). The key never appears in logs, status or
 * exceptions.
 */
final class Keys {

    private Keys() {}

    static Optional<byte[]> read(DataplaneConfig.Offload offload) throws ConfigException {
        if (offload.encryption() == null) {
            return Optional.empty();
        }
        Path file = Path.of(offload.encryption().keyFile());
        byte[] raw;
        try {
            raw = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ConfigException(
                    "KeyMissing",
                    List.of("offload.encryption.keyFile: cannot read " + file + ": "
                            + e.getClass().getSimpleName()));
        }
        try {
            return Optional.of(XtsKey.parse(raw));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(
                    "KeyInvalid", List.of("offload.encryption.keyFile: " + file + " " + e.getMessage()));
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }
}

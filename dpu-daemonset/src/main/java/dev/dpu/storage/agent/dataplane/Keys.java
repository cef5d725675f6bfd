package dev.dpu.storage.agent.dataplane;

import dev.dpu.storage.agent.config.ConfigException;
import dev.dpu.storage.agent.config.ConfigValidator;
import dev.dpu.storage.agent.config.RenderedConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Reads the pool's AES-256-XTS key from the file kubelet mounts from its Secret: 64 raw bytes, or
 * 128 hex digits (a trailing newline allowed, as `kubectl create secret --from-file` of a text
 * file leaves it). The key never appears in logs, status or exceptions.
 */
final class Keys {

  private Keys() {}

  static Optional<byte[]> read(RenderedConfig.Offload offload) throws ConfigException {
    if (offload == null || offload.encryption() == null) {
      return Optional.empty();
    }
    Path file = Path.of(offload.encryption().keyFile());
    byte[] raw;
    try {
      raw = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new ConfigException("KeyMissing", List.of("offload.encryption.keyFile: cannot read "
          + file + ": " + e.getClass().getSimpleName()));
    }
    if (raw.length == ConfigValidator.XTS_KEY_BYTES) {
      return Optional.of(raw);
    }
    String text = new String(raw, StandardCharsets.US_ASCII).strip();
    java.util.Arrays.fill(raw, (byte) 0);
    if (text.length() == ConfigValidator.XTS_KEY_BYTES * 2) {
      try {
        return Optional.of(HexFormat.of().parseHex(text));
      } catch (IllegalArgumentException e) {
        // fall through to the size message, without echoing any of the key
      }
    }
    throw new ConfigException("KeyInvalid", List.of("offload.encryption.keyFile: " + file
        + " is neither 64 raw bytes nor 128 hex digits"));
  }
}

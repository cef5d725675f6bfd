package dev.dpu.storage.agent.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Reads {@code dataplane.json} into a {@link RenderedConfig}. Unknown fields are ignored (an
 * older agent keeps working with a newer operator); wrong types and malformed JSON are refused
 * with the position Jackson reports. Absent numbers read as 0, which the contract defines as
 * "unlimited" or "default" everywhere.
 */
public final class ConfigParser {

  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build();

  private ConfigParser() {}

  public static RenderedConfig parse(String json) throws ConfigException {
    if (json == null || json.isBlank()) {
      throw new ConfigException("MalformedJson", List.of("the configuration is empty"));
    }
    try {
      RenderedConfig config = MAPPER.readValue(json, RenderedConfig.class);
      if (config == null) {
        throw new ConfigException("MalformedJson", List.of("the configuration is JSON null"));
      }
      return config.withImplicitTenants();
    } catch (JsonProcessingException e) {
      throw new ConfigException("MalformedJson", List.of("not a valid configuration: "
          + e.getOriginalMessage() + locationOf(e)));
    }
  }

  /** sha256 of the exact bytes, hex: what DpuNodeState reports as appliedConfigHash. */
  public static String sha256(String json) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(json.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static String locationOf(JsonProcessingException e) {
    if (e.getLocation() == null) {
      return "";
    }
    return " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr()
        + ")";
  }
}

package dev.dpu.storage.api.dataplane;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.InvalidNullException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Everything operator and agent must agree on besides the {@link DataplaneConfig} record: where it
 * lives (ConfigMap name and key, annotations), how subsystems are named, how the JSON is written
 * and read, and the hashes computed from it.
 */
public final class DataplaneContract {

    /** The ConfigMap key holding dataplane.json. */
    public static final String CONFIG_KEY = "dataplane.json";
    /**
     * The ConfigMap binaryData key holding dataplane.json gzip-compressed: used instead of
     * {@link #CONFIG_KEY} when the text is longer than {@link #COMPRESS_ABOVE_BYTES}.
     */
    public static final String COMPRESSED_CONFIG_KEY = "dataplane.json.gz";
    /**
     * Above this size (UTF-8 bytes) dataplane.json is stored compressed. Below, it stays plain text
     * that {@code kubectl get configmap} shows; above, it would approach what a ConfigMap holds and
     * every agent of the pool would receive it in full on each change.
     */
    public static final int COMPRESS_ABOVE_BYTES = 256 * 1024;
    /** What the API server lets a ConfigMap's data and binaryData hold together (keys included). */
    public static final int CONFIGMAP_MAX_BYTES = 1024 * 1024;
    /** ConfigMap annotation: increases with every change of dataplane.json. */
    public static final String GENERATION_ANNOTATION = "storage.dpu.dev/generation";
    /** ConfigMap annotation: sha256 of dataplane.json, as agents report it (appliedConfigHash). */
    public static final String HASH_ANNOTATION = "storage.dpu.dev/config-hash";
    /** Pod template annotation: hash of the part of dataplane.json only a restart applies. */
    public static final String RESTART_CHECKSUM_ANNOTATION = "storage.dpu.dev/restart-checksum";
    /** Label on objects belonging to a pool (DaemonSet, ConfigMap, DpuNodeState). */
    public static final String POOL_LABEL = "storage.dpu.dev/pool";
    /** Prefix of every subsystem NQN the operator renders; {@link #subsystemNqn} adds pool.tenant. */
    public static final String NQN_PREFIX = "nqn.2024-01.dev.dpu:storage.";
    /** Where the agent's pod mounts each key Secret: {@code <dir>/<secret>/key}. */
    public static final String KEYS_DIR = "/etc/dpu/keys";

    private static final ObjectMapper WRITER =
            JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    private static final ObjectMapper READER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            // A field set to null reads as left out (its default); a null inside a list is refused.
            .defaultSetterInfo(JsonSetter.Value.construct(Nulls.DEFAULT, Nulls.FAIL))
            .build();

    private DataplaneContract() {}

    /** Name of the ConfigMap of a pool. */
    public static String configMapName(String pool) {
        return pool + "-dataplane";
    }

    /** NQN of a tenant's subsystem in a pool. */
    public static String subsystemNqn(String pool, String tenant) {
        return NQN_PREFIX + pool + "." + tenant;
    }

    /** Prefix of the host NQN a node connects to remotes with, when the pool sets none. */
    public static final String HOST_NQN_PREFIX = "nqn.2024-01.dev.dpu:dpu.";

    /**
     * The host NQN a node uses for remotes when the pool sets none: stable for the node, so a
     * storage admin can allow it once. Node names are DNS subdomains of up to 253 characters, an NQN
     * holds 223 bytes: a name too long for it gets a UUID NQN derived from the name instead.
     */
    public static String defaultHostNqn(String nodeName) {
        String nqn = HOST_NQN_PREFIX + nodeName;
        if (nqn.length() <= 223) {
            return nqn;
        }
        return "nqn.2014-08.org.nvmexpress:uuid:"
                + java.util.UUID.nameUUIDFromBytes(nodeName.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Path at which the agent finds the key of a Secret. */
    public static String keyFile(String secretName) {
        return KEYS_DIR + "/" + secretName + "/key";
    }

    /** dataplane.json as the operator writes it: deterministic bytes for the same config. */
    public static String write(DataplaneConfig config) {
        try {
            return WRITER.writeValueAsString(config) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write dataplane.json", e);
        }
    }

    /**
     * Reads and validates dataplane.json. Unknown fields, wrong types and out-of-range values are
     * refused, each problem named by its JSON path.
     */
    public static DataplaneConfig read(String json) throws InvalidDataplaneConfigException {
        if (json == null || json.isBlank()) {
            throw new InvalidDataplaneConfigException(true, List.of("(file): the configuration is empty"));
        }
        DataplaneConfig config;
        try {
            config = READER.readValue(json, DataplaneConfig.class);
        } catch (JsonProcessingException e) {
            throw new InvalidDataplaneConfigException(true, List.of(describe(e)));
        }
        if (config == null) {
            throw new InvalidDataplaneConfigException(true, List.of("(file): the configuration is JSON null"));
        }
        List<String> problems = DataplaneConfigValidator.problems(config);
        if (!problems.isEmpty()) {
            throw new InvalidDataplaneConfigException(false, problems);
        }
        return config;
    }

    /**
     * How dataplane.json is stored in its ConfigMap: plain under {@link #CONFIG_KEY} in data up to
     * {@link #COMPRESS_ABOVE_BYTES}, gzip-compressed under {@link #COMPRESSED_CONFIG_KEY} in
     * binaryData (base64, as binaryData is) above. The compressed bytes are the same for the same
     * text (no time stamp in the gzip header), so an unchanged config is an unchanged object.
     */
    public static ConfigMapPayload toConfigMap(String json) {
        byte[] text = json.getBytes(StandardCharsets.UTF_8);
        if (text.length <= COMPRESS_ABOVE_BYTES) {
            return new ConfigMapPayload(
                    Map.of(CONFIG_KEY, json), Map.of(), text.length, CONFIG_KEY.length() + text.length);
        }
        var out = new ByteArrayOutputStream(text.length / 8);
        try (var gzip = new GZIPOutputStream(out)) {
            gzip.write(text);
        } catch (IOException e) {
            throw new IllegalStateException("gzip into memory cannot fail", e);
        }
        byte[] compressed = out.toByteArray();
        return new ConfigMapPayload(
                Map.of(),
                Map.of(COMPRESSED_CONFIG_KEY, Base64.getEncoder().encodeToString(compressed)),
                text.length,
                COMPRESSED_CONFIG_KEY.length() + compressed.length);
    }

    /**
     * dataplane.json from a ConfigMap's data and binaryData (either may be null), whichever form
     * {@link #toConfigMap} chose. Null when the ConfigMap holds neither key.
     *
     * @throws InvalidDataplaneConfigException when the compressed form is not valid base64 or gzip
     */
    public static String fromConfigMap(Map<String, String> data, Map<String, String> binaryData)
            throws InvalidDataplaneConfigException {
        if (data != null && data.containsKey(CONFIG_KEY)) {
            return data.get(CONFIG_KEY);
        }
        String compressed = binaryData == null ? null : binaryData.get(COMPRESSED_CONFIG_KEY);
        if (compressed == null) {
            return null;
        }
        try (var gzip =
                new GZIPInputStream(new ByteArrayInputStream(Base64.getDecoder().decode(compressed)))) {
            return new String(gzip.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException | IOException e) {
            throw new InvalidDataplaneConfigException(
                    true,
                    List.of("(file): " + COMPRESSED_CONFIG_KEY + " is not base64 of gzip data: " + e.getMessage()));
        }
    }

    /**
     * dataplane.json as a ConfigMap stores it.
     *
     * @param data the ConfigMap's data (plain form), empty when compressed
     * @param binaryData the ConfigMap's binaryData, base64 (compressed form), empty when plain
     * @param configBytes length of dataplane.json in UTF-8 bytes
     * @param storedBytes what counts against {@link #CONFIGMAP_MAX_BYTES}: key plus stored bytes
     */
    public record ConfigMapPayload(
            Map<String, String> data, Map<String, String> binaryData, int configBytes, int storedBytes) {
        /** False when the API server would refuse the ConfigMap (leaving room for nothing else). */
        public boolean fits() {
            return storedBytes <= CONFIGMAP_MAX_BYTES;
        }
    }

    /** sha256 of the exact text, hex: the config hash agents report as appliedConfigHash. */
    public static String hash(String json) {
        return sha256(json);
    }

    /**
     * Hash of the part of the config that only a restart of the data path applies: listen,
     * reactors, reactorCpus, reactorPolling and offload without the digest requirements (those apply
     * live).
     */
    public static String restartChecksum(DataplaneConfig config) {
        Map<String, Object> restartRelevant = new LinkedHashMap<>();
        restartRelevant.put("listen", config.listen());
        restartRelevant.put("reactors", config.reactors());
        restartRelevant.put("reactorCpus", config.reactorCpus());
        if (!DataplaneConfig.SLEEP.equals(config.reactorPolling())) {
            // Only when not the default: pools that do not use it keep the checksum they had before it existed.
            restartRelevant.put("reactorPolling", config.reactorPolling());
        }
        restartRelevant.put("offload", config.offload().restartRelevant());
        try {
            return sha256(WRITER.writeValueAsString(restartRelevant));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the restart-relevant settings", e);
        }
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /**
     * "FIELD: why" for a shape error, FIELD being the JSON path Jackson reached ({@code (file)} when
     * the text is not JSON at all), so shape and value errors read alike.
     */
    private static String describe(JsonProcessingException e) {
        String why = e.getOriginalMessage();
        if (!(e instanceof MismatchedInputException m)) {
            return "(file): not valid JSON: " + why + locationOf(e);
        }
        List<JsonMappingException.Reference> refs = m.getPath();
        if (m instanceof UnrecognizedPropertyException u) {
            String parent = path(refs.subList(0, refs.size() - 1));
            return (parent.isEmpty() ? "(top level)" : parent) + ": unknown field \"" + u.getPropertyName() + "\"";
        }
        String field = refs.isEmpty() ? "(top level)" : path(refs);
        if (MISSING_PROPERTY.matcher(why).find()) {
            return field + ": missing (required)";
        }
        if (m instanceof InvalidNullException) {
            return field + ": must not be null";
        }
        return field + ": " + expected(m.getTargetType()) + locationOf(e);
    }

    private static String expected(Class<?> type) {
        if (type == null) {
            return "has the wrong type";
        }
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            return "must be an integer";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "must be true or false";
        }
        if (type == String.class) {
            return "must be a string";
        }
        if (java.util.Collection.class.isAssignableFrom(type)) {
            return "must be an array";
        }
        return "must be a JSON object";
    }

    private static String path(List<JsonMappingException.Reference> refs) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : refs) {
            if (ref.getFieldName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static final java.util.regex.Pattern MISSING_PROPERTY =
            java.util.regex.Pattern.compile("^Missing required creator property '([^']+)'");

    private static String locationOf(JsonProcessingException e) {
        if (e.getLocation() == null) {
            return "";
        }
        return " (line " + e.getLocation().getLineNr() + ", column "
                + e.getLocation().getColumnNr() + ")";
    }
}

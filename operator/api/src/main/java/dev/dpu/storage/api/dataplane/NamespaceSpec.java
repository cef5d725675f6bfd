package dev.dpu.storage.api.dataplane;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/**
 * One namespace (volume) of a subsystem. {@code backend} is {@code ram} or {@code file} (a regular
 * file or block device through io_uring; {@code path} set).
 */
@JsonPropertyOrder({"nsid", "volume", "backend", "path", "sizeBytes", "blockSize"})
public record NamespaceSpec(
        @JsonProperty(required = true)
                @JsonPropertyDescription("Namespace ID hosts see, 1..1024, unique in the subsystem.")
                int nsid,
        @JsonPropertyDescription("Name of the pool volume; names the namespace in logs and conditions. Optional.")
                @JsonInclude(JsonInclude.Include.NON_NULL)
                String volume,
        @JsonProperty(required = true) @JsonPropertyDescription("ram or file.") String backend,
        @JsonPropertyDescription("file backend: absolute path of the file or block device.")
                @JsonInclude(JsonInclude.Include.NON_NULL)
                String path,
        @JsonPropertyDescription("Size in bytes, a multiple of blockSize; required for ram, for file 0 or absent"
                        + " means the file's size.")
                Long sizeBytes,
        @JsonPropertyDescription("Logical block size, 512 or 4096. Default 512.") Integer blockSize) {

    public static final String RAM = "ram";
    public static final String FILE = "file";
    public static final int DEFAULT_BLOCK_SIZE = 512;

    public NamespaceSpec {
        sizeBytes = Objects.requireNonNullElse(sizeBytes, 0L);
        blockSize = Objects.requireNonNullElse(blockSize, DEFAULT_BLOCK_SIZE);
    }

    /** How the namespace is named in messages: its nsid and, when known, its volume. */
    public String describe() {
        return "namespace " + nsid + (volume == null ? "" : " (volume " + volume + ")");
    }
}

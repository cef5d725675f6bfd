package dev.dpu.storage.api.dataplane;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/**
 * One namespace (volume) of a subsystem. {@code backend} is {@code ram}, {@code file} (a regular
 * file or block device through io_uring; {@code path} set) or {@code nvme-tcp} (a namespace of a
 * remote target; {@code remote} names an entry of the config's remotes).
 */
@JsonPropertyOrder({"nsid", "volume", "backend", "path", "remote", "remoteNsid", "sizeBytes", "blockSize"})
public record NamespaceSpec(
        @JsonProperty(required = true)
                @JsonPropertyDescription("Namespace ID hosts see, 1..1024, unique in the subsystem.")
                int nsid,
        @JsonPropertyDescription("Name of the pool volume; names the namespace in logs and conditions. Optional.")
                @JsonInclude(JsonInclude.Include.NON_NULL)
                String volume,
        @JsonProperty(required = true) @JsonPropertyDescription("ram, file or nvme-tcp.") String backend,
        @JsonPropertyDescription("file backend: absolute path of the file or block device.")
                @JsonInclude(JsonInclude.Include.NON_NULL)
                String path,
        @JsonPropertyDescription("nvme-tcp backend: name of the remotes entry the namespace lives on.")
                @JsonInclude(JsonInclude.Include.NON_NULL)
                String remote,
        @JsonPropertyDescription(
                        "nvme-tcp backend: namespace ID on the remote subsystem, 1..4294967294." + " Default: nsid.")
                @JsonInclude(JsonInclude.Include.NON_NULL)
                Long remoteNsid,
        @JsonPropertyDescription("Size in bytes, a multiple of blockSize; required for ram and nvme-tcp (checked"
                        + " against the remote namespace on connect), for file 0 or absent means the file's size.")
                Long sizeBytes,
        @JsonPropertyDescription("Logical block size, 512 or 4096. Default 512.") Integer blockSize) {

    public static final String RAM = "ram";
    public static final String FILE = "file";
    public static final String NVME_TCP = "nvme-tcp";
    public static final int DEFAULT_BLOCK_SIZE = 512;

    public NamespaceSpec {
        sizeBytes = Objects.requireNonNullElse(sizeBytes, 0L);
        blockSize = Objects.requireNonNullElse(blockSize, DEFAULT_BLOCK_SIZE);
        if (NVME_TCP.equals(backend) && remoteNsid == null) {
            remoteNsid = (long) nsid;
        }
    }

    /** A ram or file namespace (no remote). */
    public NamespaceSpec(int nsid, String volume, String backend, String path, Long sizeBytes, Integer blockSize) {
        this(nsid, volume, backend, path, null, null, sizeBytes, blockSize);
    }

    /** An nvme-tcp namespace on a remote. */
    public static NamespaceSpec remote(
            int nsid, String volume, String remote, long remoteNsid, long sizeBytes, int blockSize) {
        return new NamespaceSpec(nsid, volume, NVME_TCP, null, remote, remoteNsid, sizeBytes, blockSize);
    }

    /** How the namespace is named in messages: its nsid and, when known, its volume. */
    public String describe() {
        return "namespace " + nsid + (volume == null ? "" : " (volume " + volume + ")");
    }
}

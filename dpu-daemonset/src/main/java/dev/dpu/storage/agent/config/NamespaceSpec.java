package dev.dpu.storage.agent.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * One namespace (volume) of a subsystem. {@code backend} is one of {@code ram}, {@code file}
 * (regular file or block device through io_uring; {@code path} set) or {@code nvmeTcp} (a remote
 * target; {@code remote} set).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record NamespaceSpec(
    int nsid,
    String volume,
    String backend,
    String path,
    RemoteTarget remote,
    long sizeBytes,
    int blockSize) {

  public static final String RAM = "ram";
  public static final String FILE = "file";
  public static final String NVME_TCP = "nvmeTcp";

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record RemoteTarget(String address, int port, String nqn) {}
}

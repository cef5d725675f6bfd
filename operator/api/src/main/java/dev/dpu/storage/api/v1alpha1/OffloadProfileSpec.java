package dev.dpu.storage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

/** How the data path of a pool moves I/O. Defaults are applied by the API server. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "self.mode != 'FullOffload' || !has(self.encryption)",
        fieldPath = ".encryption",
        reason = "FieldValueForbidden",
        message = "encryption is done by the software data path and cannot be combined with mode FullOffload")
@ValidationRule(
        value = "self.inCapsuleDataBytes <= self.maxTransferBytes",
        fieldPath = ".inCapsuleDataBytes",
        message = "inCapsuleDataBytes must not exceed maxTransferBytes")
public class OffloadProfileSpec {
    @Default("ZeroCopy")
    @JsonPropertyDescription("Offload mode: NonOffload, ZeroCopy or FullOffload. Defaults to ZeroCopy.")
    private OffloadMode mode;

    @Default("Degrade")
    @JsonPropertyDescription("What a node that cannot run the mode does: Degrade to the next lower mode, or Fail. Defaults to Degrade.")
    private FallbackPolicy fallback;

    @Default("false")
    @JsonPropertyDescription("Negotiate CRC32C NVMe/TCP header digests with hosts.")
    private Boolean headerDigest;

    @Default("false")
    @JsonPropertyDescription("Negotiate CRC32C NVMe/TCP data digests with hosts.")
    private Boolean dataDigest;

    @JsonPropertyDescription("Inline AES-256-XTS encryption of volume data; not available in FullOffload mode.")
    private Encryption encryption;

    @Default("4")
    @Min(1)
    @Max(128)
    @JsonPropertyDescription("I/O queues offered per controller. Defaults to 4.")
    private Integer queues;

    @Default("128")
    @Min(2)
    @Max(1024)
    @JsonPropertyDescription("Entries per I/O queue. Defaults to 128.")
    private Integer queueDepth;

    @Default("8192")
    @Min(0)
    @Max(131072)
    @ValidationRule(value = "self % 16 == 0", message = "inCapsuleDataBytes must be a multiple of 16")
    @JsonPropertyDescription("Bytes of write data a host may send inside the command capsule. Defaults to 8192.")
    private Integer inCapsuleDataBytes;

    @Default("131072")
    @Min(4096)
    @Max(8388608)
    @ValidationRule(value = "self % 4096 == 0", message = "maxTransferBytes must be a multiple of 4096")
    @JsonPropertyDescription("Largest single transfer (MDTS) in bytes. Defaults to 131072.")
    private Integer maxTransferBytes;

    @Default("1")
    @Min(1)
    @Max(64)
    @JsonPropertyDescription("CPU cores the data path polls with on each node. Defaults to 1.")
    private Integer cores;

    public OffloadMode getMode() { return mode; }
    public void setMode(OffloadMode mode) { this.mode = mode; }
    public FallbackPolicy getFallback() { return fallback; }
    public void setFallback(FallbackPolicy fallback) { this.fallback = fallback; }
    public Boolean getHeaderDigest() { return headerDigest; }
    public void setHeaderDigest(Boolean headerDigest) { this.headerDigest = headerDigest; }
    public Boolean getDataDigest() { return dataDigest; }
    public void setDataDigest(Boolean dataDigest) { this.dataDigest = dataDigest; }
    public Encryption getEncryption() { return encryption; }
    public void setEncryption(Encryption encryption) { this.encryption = encryption; }
    public Integer getQueues() { return queues; }
    public void setQueues(Integer queues) { this.queues = queues; }
    public Integer getQueueDepth() { return queueDepth; }
    public void setQueueDepth(Integer queueDepth) { this.queueDepth = queueDepth; }
    public Integer getInCapsuleDataBytes() { return inCapsuleDataBytes; }
    public void setInCapsuleDataBytes(Integer inCapsuleDataBytes) { this.inCapsuleDataBytes = inCapsuleDataBytes; }
    public Integer getMaxTransferBytes() { return maxTransferBytes; }
    public void setMaxTransferBytes(Integer maxTransferBytes) { this.maxTransferBytes = maxTransferBytes; }
    public Integer getCores() { return cores; }
    public void setCores(Integer cores) { this.cores = cores; }
}

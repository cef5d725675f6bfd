package dev.dpu.storage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** How the data path of a pool moves I/O. Defaults are applied by the API server. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "self.mode != 'FullOffload' || !has(self.encryption)",
        fieldPath = ".encryption",
        reason = "FieldValueForbidden",
        message = "encryption is done by the software data path and cannot be combined with mode FullOffload")
@ValidationRule(
        value = "!has(self.cpus) || size(self.cpus) == 0 || size(self.cpus) == (has(self.cores) ? self.cores : 1)",
        fieldPath = ".cpus",
        message = "cpus must list one CPU per core (as many entries as spec.cores), or be left out")
@ValidationRule(
        value = "self.inCapsuleDataBytes <= self.maxTransferBytes",
        fieldPath = ".inCapsuleDataBytes",
        message = "inCapsuleDataBytes must not exceed maxTransferBytes")
public class OffloadProfileSpec {
    @Default("ZeroCopy")
    @JsonPropertyDescription("Offload mode: NonOffload, ZeroCopy or FullOffload. Defaults to ZeroCopy.")
    private OffloadMode mode;

    @Default("Degrade")
    @JsonPropertyDescription(
            "What a node that cannot run the mode does: Degrade to the next lower mode, or Fail. Defaults to Degrade.")
    private FallbackPolicy fallback;

    @Default("false")
    @JsonPropertyDescription(
            "Require CRC32C NVMe/TCP header digests: a host that does not enable them in its ICReq is refused."
                    + " The host decides whether digests are used; false accepts both. Applies to new connections without a restart.")
    private Boolean headerDigest;

    @Default("false")
    @JsonPropertyDescription(
            "Require CRC32C NVMe/TCP data digests: a host that does not enable them in its ICReq is refused."
                    + " The host decides whether digests are used; false accepts both. Applies to new connections without a restart.")
    private Boolean dataDigest;

    @JsonPropertyDescription("Inline AES-256-XTS encryption of volume data; not available in FullOffload mode.")
    private Encryption encryption;

    @Default("4")
    @Min(1)
    @Max(64)
    @JsonPropertyDescription("I/O queues offered per controller, 1..64. Defaults to 4.")
    private Integer queues;

    @Default("128")
    @Min(16)
    @Max(1024)
    @JsonPropertyDescription("Entries per I/O queue, 16..1024. Defaults to 128.")
    private Integer queueDepth;

    @Default("8192")
    @Min(0)
    @Max(65536)
    @ValidationRule(value = "self % 16 == 0", message = "inCapsuleDataBytes must be a multiple of 16")
    @JsonPropertyDescription(
            "Bytes of write data a host may send inside the command capsule, 0..65536. Defaults to 8192.")
    private Integer inCapsuleDataBytes;

    @Default("131072")
    @Min(4096)
    @Max(1048576)
    @ValidationRule(
            value = "self in [4096, 8192, 16384, 32768, 65536, 131072, 262144, 524288, 1048576]",
            message = "maxTransferBytes must be a power of two from 4096 to 1048576")
    @JsonPropertyDescription(
            "Largest single transfer (MDTS) in bytes, a power of two from 4096 to 1048576. Defaults to 131072.")
    private Integer maxTransferBytes;

    @Default("1")
    @Min(1)
    @Max(64)
    @JsonPropertyDescription(
            "Data-path reactor threads on each node, and whole CPUs the agent requests. Changing it restarts"
                    + " the data path node by node (spec.rollout.maxUnavailable of each pool). Defaults to 1.")
    private Integer cores;

    @Size(max = 64)
    @ValidationRule(value = "self.all(c, c >= 0 && c <= 1023)", message = "cpus must be CPU numbers from 0 to 1023")
    @ValidationRule(value = "self.all(c, self.exists_one(d, d == c))", message = "cpus must not list a CPU twice")
    @JsonPropertyDescription(
            "CPU numbers to pin the reactors to, one per core (as many as spec.cores). Left out: no pinning,"
                    + " the reactors run on the CPUs the pod is given. Changing it restarts the data path.")
    private List<Integer> cpus;

    @Default("Sleep")
    @JsonPropertyDescription(
            "How the reactors wait for work. Sleep: they block until I/O arrives, so an idle node costs next to"
                    + " no CPU (for cores shared with other work). BusyPoll: they spin and never block, which removes"
                    + " the wake-up from each I/O's latency but keeps every one of spec.cores CPUs 100% busy even with"
                    + " no I/O; use it only where those cores are dedicated to the data path (ideally pinned with"
                    + " spec.cpus). Adaptive: after each piece of work they keep polling for 50 microseconds, then"
                    + " block as Sleep does; under steady I/O (the next command arriving within 50 us, as at queue"
                    + " depth 1 on a fast network) this removes the wake-up like BusyPoll, and with no I/O it costs"
                    + " next to nothing like Sleep; a CPU is spent while I/O flows, so give it cores the data path"
                    + " may keep busy under load. Changing it restarts the data path. Defaults to Sleep.")
    private ReactorPolling polling;

    public OffloadMode getMode() {
        return mode;
    }

    public void setMode(OffloadMode mode) {
        this.mode = mode;
    }

    public FallbackPolicy getFallback() {
        return fallback;
    }

    public void setFallback(FallbackPolicy fallback) {
        this.fallback = fallback;
    }

    public Boolean getHeaderDigest() {
        return headerDigest;
    }

    public void setHeaderDigest(Boolean headerDigest) {
        this.headerDigest = headerDigest;
    }

    public Boolean getDataDigest() {
        return dataDigest;
    }

    public void setDataDigest(Boolean dataDigest) {
        this.dataDigest = dataDigest;
    }

    public Encryption getEncryption() {
        return encryption;
    }

    public void setEncryption(Encryption encryption) {
        this.encryption = encryption;
    }

    public Integer getQueues() {
        return queues;
    }

    public void setQueues(Integer queues) {
        this.queues = queues;
    }

    public Integer getQueueDepth() {
        return queueDepth;
    }

    public void setQueueDepth(Integer queueDepth) {
        this.queueDepth = queueDepth;
    }

    public Integer getInCapsuleDataBytes() {
        return inCapsuleDataBytes;
    }

    public void setInCapsuleDataBytes(Integer inCapsuleDataBytes) {
        this.inCapsuleDataBytes = inCapsuleDataBytes;
    }

    public Integer getMaxTransferBytes() {
        return maxTransferBytes;
    }

    public void setMaxTransferBytes(Integer maxTransferBytes) {
        this.maxTransferBytes = maxTransferBytes;
    }

    public Integer getCores() {
        return cores;
    }

    public void setCores(Integer cores) {
        this.cores = cores;
    }

    public List<Integer> getCpus() {
        return cpus;
    }

    public void setCpus(List<Integer> cpus) {
        this.cpus = cpus;
    }

    public ReactorPolling getPolling() {
        return polling;
    }

    public void setPolling(ReactorPolling polling) {
        this.polling = polling;
    }
}

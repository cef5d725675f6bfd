package dev.dpu.storage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Per-tenant limits, enforced by each node's data path on its own: a tenant served by N nodes
 * can reach N times these figures in total. An absent limit means unlimited.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "!has(self.burstIops) || has(self.readIops) || has(self.writeIops) || has(self.totalIops)",
        fieldPath = ".burstIops",
        message = "burstIops needs an IOPS limit (readIops, writeIops or totalIops) to burst above")
@ValidationRule(
        value = "!has(self.burstIops) || ((!has(self.readIops) || self.burstIops >= self.readIops)"
                + " && (!has(self.writeIops) || self.burstIops >= self.writeIops)"
                + " && (!has(self.totalIops) || self.burstIops >= self.totalIops))",
        fieldPath = ".burstIops",
        message = "burstIops must not be below readIops, writeIops or totalIops")
@ValidationRule(
        value =
                "!has(self.burstBytes) || has(self.readBytesPerSecond) || has(self.writeBytesPerSecond) || has(self.totalBytesPerSecond)",
        fieldPath = ".burstBytes",
        message =
                "burstBytes needs a bandwidth limit (readBytesPerSecond, writeBytesPerSecond or totalBytesPerSecond) to burst above")
@ValidationRule(
        value =
                "!has(self.burstBytes) || ((!has(self.readBytesPerSecond) || self.burstBytes >= self.readBytesPerSecond)"
                        + " && (!has(self.writeBytesPerSecond) || self.burstBytes >= self.writeBytesPerSecond)"
                        + " && (!has(self.totalBytesPerSecond) || self.burstBytes >= self.totalBytesPerSecond))",
        fieldPath = ".burstBytes",
        message = "burstBytes must not be below readBytesPerSecond, writeBytesPerSecond or totalBytesPerSecond")
public class QosLimits {
    @Min(1)
    @JsonPropertyDescription("Read operations per second.")
    private Long readIops;

    @Min(1)
    @JsonPropertyDescription("Write operations per second.")
    private Long writeIops;

    @Min(1)
    @JsonPropertyDescription("Read plus write operations per second.")
    private Long totalIops;

    @Min(1)
    @JsonPropertyDescription("Bytes read per second.")
    private Long readBytesPerSecond;

    @Min(1)
    @JsonPropertyDescription("Bytes written per second.")
    private Long writeBytesPerSecond;

    @Min(1)
    @JsonPropertyDescription("Bytes read plus written per second.")
    private Long totalBytesPerSecond;

    @Min(1)
    @JsonPropertyDescription(
            "Token bucket size for operations: how many operations may run above the IOPS limits after idle time.")
    private Long burstIops;

    @Min(1)
    @JsonPropertyDescription(
            "Token bucket size for bytes: how many bytes may pass above the bandwidth limits after idle time.")
    private Long burstBytes;

    public Long getReadIops() {
        return readIops;
    }

    public void setReadIops(Long readIops) {
        this.readIops = readIops;
    }

    public Long getWriteIops() {
        return writeIops;
    }

    public void setWriteIops(Long writeIops) {
        this.writeIops = writeIops;
    }

    public Long getTotalIops() {
        return totalIops;
    }

    public void setTotalIops(Long totalIops) {
        this.totalIops = totalIops;
    }

    public Long getReadBytesPerSecond() {
        return readBytesPerSecond;
    }

    public void setReadBytesPerSecond(Long readBytesPerSecond) {
        this.readBytesPerSecond = readBytesPerSecond;
    }

    public Long getWriteBytesPerSecond() {
        return writeBytesPerSecond;
    }

    public void setWriteBytesPerSecond(Long writeBytesPerSecond) {
        this.writeBytesPerSecond = writeBytesPerSecond;
    }

    public Long getTotalBytesPerSecond() {
        return totalBytesPerSecond;
    }

    public void setTotalBytesPerSecond(Long totalBytesPerSecond) {
        this.totalBytesPerSecond = totalBytesPerSecond;
    }

    public Long getBurstIops() {
        return burstIops;
    }

    public void setBurstIops(Long burstIops) {
        this.burstIops = burstIops;
    }

    public Long getBurstBytes() {
        return burstBytes;
    }

    public void setBurstBytes(Long burstBytes) {
        this.burstBytes = burstBytes;
    }
}

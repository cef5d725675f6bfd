package dev.dpu.storage.api.dataplane;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/** A tenant's limits per second on one node; 0 (or absent) means unlimited. */
@JsonPropertyOrder({
    "readIops",
    "writeIops",
    "totalIops",
    "readBytesPerSecond",
    "writeBytesPerSecond",
    "totalBytesPerSecond",
    "burstIops",
    "burstBytes"
})
public record TenantLimits(
        @JsonPropertyDescription("Read operations per second, >= 0. Default 0 (unlimited).") Long readIops,
        @JsonPropertyDescription("Write operations per second, >= 0. Default 0 (unlimited).") Long writeIops,
        @JsonPropertyDescription("Read plus write operations per second, >= 0. Default 0 (unlimited).") Long totalIops,
        @JsonPropertyDescription("Bytes read per second, >= 0. Default 0 (unlimited).") Long readBytesPerSecond,
        @JsonPropertyDescription("Bytes written per second, >= 0. Default 0 (unlimited).") Long writeBytesPerSecond,
        @JsonPropertyDescription("Bytes read plus written per second, >= 0. Default 0 (unlimited).")
                Long totalBytesPerSecond,
        @JsonPropertyDescription(
                        "Operations a tenant may burst above its IOPS limits, >= 0. Default 0 (the data path's default depth).")
                Long burstIops,
        @JsonPropertyDescription(
                        "Bytes a tenant may burst above its bandwidth limits, >= 0. Default 0 (the data path's default depth).")
                Long burstBytes) {

    public static final TenantLimits UNLIMITED = new TenantLimits(0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L);

    public TenantLimits {
        readIops = Objects.requireNonNullElse(readIops, 0L);
        writeIops = Objects.requireNonNullElse(writeIops, 0L);
        totalIops = Objects.requireNonNullElse(totalIops, 0L);
        readBytesPerSecond = Objects.requireNonNullElse(readBytesPerSecond, 0L);
        writeBytesPerSecond = Objects.requireNonNullElse(writeBytesPerSecond, 0L);
        totalBytesPerSecond = Objects.requireNonNullElse(totalBytesPerSecond, 0L);
        burstIops = Objects.requireNonNullElse(burstIops, 0L);
        burstBytes = Objects.requireNonNullElse(burstBytes, 0L);
    }
}

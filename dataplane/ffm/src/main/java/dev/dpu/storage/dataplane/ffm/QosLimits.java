package dev.dpu.storage.dataplane.ffm;

/** A tenant's limits per second; 0 = unlimited (rates) or the library's default depth (bursts). */
public record QosLimits(
        long readIops,
        long writeIops,
        long totalIops,
        long readBytesPerSecond,
        long writeBytesPerSecond,
        long totalBytesPerSecond,
        long burstIops,
        long burstBytes) {

    public static final QosLimits UNLIMITED = new QosLimits(0, 0, 0, 0, 0, 0, 0, 0);
}

package dev.dpu.storage.kubectl;

import dev.dpu.storage.api.v1alpha1.QosLimits;
import java.util.ArrayList;
import java.util.List;

/** Numbers as a person reads them in a terminal. */
final class Units {
    private Units() {}

    static String count(double perSecond) {
        return perSecond >= 10_000 ? String.format("%.1fk", perSecond / 1000) : String.format("%.0f", perSecond);
    }

    static String bytesPerSecond(double b) {
        return bytes(b) + "/s";
    }

    static String bytes(double b) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int u = 0;
        while (b >= 1024 && u < units.length - 1) {
            b /= 1024;
            u++;
        }
        return u == 0 ? String.format("%.0f B", b) : String.format("%.1f %s", b, units[u]);
    }

    static String latency(Double seconds) {
        if (seconds == null) {
            return "-";
        }
        if (seconds < 1e-3) {
            return String.format("%.0f us", seconds * 1e6);
        }
        return seconds < 1 ? String.format("%.1f ms", seconds * 1e3) : String.format("%.2f s", seconds);
    }

    /** The declared limits, e.g. "total 20000 IOPS, burst 40000 IOs, total 200.0 MiB/s". */
    static String limits(QosLimits l) {
        if (l == null) {
            return "none";
        }
        List<String> parts = new ArrayList<>();
        add(parts, "read", l.getReadIops(), " IOPS");
        add(parts, "write", l.getWriteIops(), " IOPS");
        add(parts, "total", l.getTotalIops(), " IOPS");
        add(parts, "burst", l.getBurstIops(), " IOs");
        addBytes(parts, "read", l.getReadBytesPerSecond(), "/s");
        addBytes(parts, "write", l.getWriteBytesPerSecond(), "/s");
        addBytes(parts, "total", l.getTotalBytesPerSecond(), "/s");
        addBytes(parts, "burst", l.getBurstBytes(), "");
        return parts.isEmpty() ? "none" : String.join(", ", parts);
    }

    private static void add(List<String> parts, String what, Long v, String unit) {
        if (v != null) {
            parts.add(what + " " + v + unit);
        }
    }

    private static void addBytes(List<String> parts, String what, Long v, String suffix) {
        if (v != null) {
            parts.add(what + " " + bytes(v) + suffix);
        }
    }
}

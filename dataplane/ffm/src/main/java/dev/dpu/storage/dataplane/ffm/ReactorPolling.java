package dev.dpu.storage.dataplane.ffm;

/** DPD_POLLING_* in declaration order (the ordinal is the C value of the "polling" option). */
public enum ReactorPolling {
    /** Reactors block until work arrives: idle costs ~0 CPU, each I/O pays a wake-up. */
    SLEEP("Sleep"),
    /** Reactors never block: no wake-up latency, each keeps its CPU 100% busy even with no I/O. */
    BUSY_POLL("BusyPoll"),
    /** Reactors keep polling for a short window after work, then block: BusyPoll under steady I/O, Sleep when idle. */
    ADAPTIVE("Adaptive");

    private final String apiName;

    ReactorPolling(String apiName) {
        this.apiName = apiName;
    }

    /** The name the Kubernetes API uses (OffloadProfile.spec.polling, dataplane.json reactorPolling). */
    public String apiName() {
        return apiName;
    }

    public static ReactorPolling fromApiName(String name) {
        for (ReactorPolling polling : values()) {
            if (polling.apiName.equals(name)) {
                return polling;
            }
        }
        throw new IllegalArgumentException("unknown reactor polling " + name);
    }
}

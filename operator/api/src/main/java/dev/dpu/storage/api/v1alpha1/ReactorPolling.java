package dev.dpu.storage.api.v1alpha1;

/** How the data path's reactor threads wait for work. Constant names are the API values. */
public enum ReactorPolling {
    /** Block in the kernel until a socket, a completion or a timer needs the thread: idle costs ~0 CPU. */
    Sleep,
    /** Spin without ever blocking: no wake-up latency, but every reactor holds its CPU at 100%. */
    BusyPoll,
    /**
     * Spin for a short window (50 us) after the last work, then block as Sleep does: no wake-up latency
     * under steady I/O, ~0 CPU with no I/O.
     */
    Adaptive
}

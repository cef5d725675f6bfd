package dev.dpu.storage.dataplane.ffm;

import java.util.Objects;

/**
 * A remote NVMe/TCP target (one subsystem) the data path connects to as host {@code hostNqn}, for
 * {@link Engine#addRemoteNamespace}. {@code ctrlLossTimeoutSeconds} (1..86400) is how long host
 * I/O waits for a lost remote before it fails with a path error.
 */
public record RemoteTarget(
        String name,
        String address,
        int port,
        String subsystemNqn,
        String hostNqn,
        boolean headerDigest,
        boolean dataDigest,
        int ctrlLossTimeoutSeconds) {

    public RemoteTarget {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(subsystemNqn, "subsystemNqn");
        Objects.requireNonNull(hostNqn, "hostNqn");
    }
}

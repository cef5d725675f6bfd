package dev.dpu.storage.api.dataplane;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/**
 * A remote NVMe/TCP target (subsystem) the data path connects to as a host, for namespaces with
 * backend {@code nvme-tcp}. The data path keeps an admin queue and one I/O queue per reactor to it
 * and reconnects on its own; adding and removing a remote applies live.
 */
@JsonPropertyOrder({"name", "address", "port", "subsystemNqn", "headerDigest", "dataDigest", "ctrlLossTimeoutSeconds"})
public record RemoteSpec(
        @JsonProperty(required = true)
                @JsonPropertyDescription("Name namespaces use to refer to this remote (a DNS label, at most 63"
                        + " characters), unique in the config; labels the remote's metrics.")
                String name,
        @JsonProperty(required = true)
                @JsonPropertyDescription("IPv4 or IPv6 address of the remote target (an address, not a host name).")
                String address,
        @JsonPropertyDescription("TCP port of the remote target, 1..65535. Default 4420.") Integer port,
        @JsonProperty(required = true) @JsonPropertyDescription("NQN of the subsystem on the remote target.")
                String subsystemNqn,
        @JsonPropertyDescription("Ask for CRC32C header digests on the connections to the remote. Default false.")
                Boolean headerDigest,
        @JsonPropertyDescription("Ask for CRC32C data digests on the connections to the remote. Default false.")
                Boolean dataDigest,
        @JsonPropertyDescription("How long host I/O waits for a lost remote to come back before it fails with"
                        + " a path error, 1..86400 seconds. Default 600 (as the Linux host's ctrl_loss_tmo).")
                Integer ctrlLossTimeoutSeconds) {

    public static final int DEFAULT_PORT = 4420;
    public static final int DEFAULT_CTRL_LOSS_TIMEOUT_SECONDS = 600;
    public static final int MAX_CTRL_LOSS_TIMEOUT_SECONDS = 86400;

    public RemoteSpec {
        port = Objects.requireNonNullElse(port, DEFAULT_PORT);
        headerDigest = Objects.requireNonNullElse(headerDigest, false);
        dataDigest = Objects.requireNonNullElse(dataDigest, false);
        ctrlLossTimeoutSeconds = Objects.requireNonNullElse(ctrlLossTimeoutSeconds, DEFAULT_CTRL_LOSS_TIMEOUT_SECONDS);
    }

    /** How the remote is named in messages: its name and where it is. */
    public String describe() {
        return "remote " + name + " (" + subsystemNqn + " at " + address + ":" + port + ")";
    }
}

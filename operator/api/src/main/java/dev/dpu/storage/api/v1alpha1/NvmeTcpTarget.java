package dev.dpu.storage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * A remote NVMe/TCP subsystem that an {@code NvmeTcp} backend forwards to: the initiator-side
 * shape, where the DPU terminates NVMe/TCP from its own host and sends the I/O on to storage
 * elsewhere, after QoS and encryption.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NvmeTcpTarget {
    @Required
    @Size(max = 45)
    @ValidationRule(value = "isIP(self)", message = "address must be the IPv4 or IPv6 address of the remote target")
    @JsonPropertyDescription("IP address of the remote NVMe/TCP target (the storage server).")
    private String address;

    @Default("4420")
    @Min(1)
    @Max(65535)
    @JsonPropertyDescription("TCP port of the remote target. Defaults to 4420.")
    private Integer port;

    @Required
    @Size(max = ApiGroup.NQN_MAX_LENGTH)
    @Pattern(ApiGroup.NQN)
    @JsonPropertyDescription("NQN of the remote subsystem that holds the volumes' namespaces.")
    private String subsystemNqn;

    @Default("false")
    @JsonPropertyDescription("Ask the remote for CRC32C header digests on this hop.")
    private Boolean headerDigest;

    @Default("false")
    @JsonPropertyDescription("Ask the remote for CRC32C data digests on this hop.")
    private Boolean dataDigest;

    // The contract's RemoteSpec.DEFAULT_CTRL_LOSS_TIMEOUT_SECONDS (an annotation needs the literal).
    @Default("600")
    @Min(1)
    @Max(86400)
    @JsonPropertyDescription(
            "How long host I/O waits while the remote is unreachable before it fails with a path error, in"
                    + " seconds. Defaults to 600, like the Linux host's ctrl_loss_tmo.")
    private Integer ctrlLossTimeoutSeconds;

    public String getAddress() {
        return address;
    }

    public void setAddress(String address) {
        this.address = address;
    }

    public Integer getPort() {
        return port;
    }

    public void setPort(Integer port) {
        this.port = port;
    }

    public String getSubsystemNqn() {
        return subsystemNqn;
    }

    public void setSubsystemNqn(String subsystemNqn) {
        this.subsystemNqn = subsystemNqn;
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

    public Integer getCtrlLossTimeoutSeconds() {
        return ctrlLossTimeoutSeconds;
    }

    public void setCtrlLossTimeoutSeconds(Integer ctrlLossTimeoutSeconds) {
        this.ctrlLossTimeoutSeconds = ctrlLossTimeoutSeconds;
    }
}

package dev.dpu.storage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** Where each node's data path accepts NVMe/TCP connections (on the host network). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Listener {
    public static final int NVME_TCP_PORT = 4420;

    @Default("0.0.0.0")
    @Size(max = 45)
    @ValidationRule(value = "isIP(self)", message = "address must be an IPv4 or IPv6 address such as 0.0.0.0 or ::")
    @JsonPropertyDescription("IP address to listen on; 0.0.0.0 (the default) listens on every address of the node.")
    private String address;

    @Default("4420")
    @Min(1)
    @Max(65535)
    @JsonPropertyDescription("TCP port. Defaults to 4420, the IANA port for NVMe/TCP.")
    private Integer port;

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
}

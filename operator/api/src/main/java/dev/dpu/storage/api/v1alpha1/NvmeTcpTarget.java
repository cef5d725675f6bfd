package dev.dpu.storage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** A remote NVMe/TCP subsystem that a backend forwards to. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NvmeTcpTarget {
    @Required
    @Size(max = 45)
    @ValidationRule(value = "isIP(self)", message = "address must be an IPv4 or IPv6 address")
    @JsonPropertyDescription("IP address of the remote target.")
    private String address;

    @Default("4420")
    @Min(1)
    @Max(65535)
    @JsonPropertyDescription("TCP port of the remote target. Defaults to 4420.")
    private Integer port;

    @Required
    @Size(max = ApiGroup.NQN_MAX_LENGTH)
    @ValidationRule(
            value = "size(self) <= 223 && self.matches('" + "^nqn\\\\.[0-9]{4}-(0[1-9]|1[0-2])\\\\.[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:.+)?$" + "')",
            message = "nqn must be an NVMe Qualified Name such as nqn.2024-01.com.example:disk1 (at most 223 bytes)")
    @JsonPropertyDescription("NQN of the remote subsystem.")
    private String nqn;

    public String getAddress() { return address; }
    public void setAddress(String address) { this.address = address; }
    public Integer getPort() { return port; }
    public void setPort(Integer port) { this.port = port; }
    public String getNqn() { return nqn; }
    public void setNqn(String nqn) { this.nqn = nqn; }
}

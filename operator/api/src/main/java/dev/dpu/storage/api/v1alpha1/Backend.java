package dev.dpu.storage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** A place volumes are stored: RAM, a local file or block device, or a remote NVMe/TCP subsystem. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "self.type == 'File' ? has(self.path) : !has(self.path)",
        fieldPath = ".path",
        message = "path is required for File backends and not allowed for other types")
@ValidationRule(
        value = "self.type == 'NvmeTcp' ? has(self.nvmeTcp) : !has(self.nvmeTcp)",
        fieldPath = ".nvmeTcp",
        message = "nvmeTcp (address and subsystemNqn of the remote target) is required for NvmeTcp backends"
                + " and not allowed for other types")
public class Backend {
    @Required
    @Pattern(ApiGroup.DNS_LABEL)
    @Size(max = 63)
    @JsonPropertyDescription("Name that volumes use to refer to this backend; unique within the pool.")
    private String name;

    @Required
    @JsonPropertyDescription(
            "Ram, File (a file or block device through io_uring) or NvmeTcp (a remote NVMe/TCP subsystem).")
    private BackendType type;

    @Pattern("^/.*")
    @Size(max = 4096)
    @JsonPropertyDescription("File backends: absolute path of the file or block device on each node.")
    private String path;

    @JsonPropertyDescription("NvmeTcp backends: the remote subsystem volumes are forwarded to.")
    private NvmeTcpTarget nvmeTcp;

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public BackendType getType() {
        return type;
    }

    public void setType(BackendType type) {
        this.type = type;
    }

    public String getPath() {
        return path;
    }

    public void setPath(String path) {
        this.path = path;
    }

    public NvmeTcpTarget getNvmeTcp() {
        return nvmeTcp;
    }

    public void setNvmeTcp(NvmeTcpTarget nvmeTcp) {
        this.nvmeTcp = nvmeTcp;
    }
}

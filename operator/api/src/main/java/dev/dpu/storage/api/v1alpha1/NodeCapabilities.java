package dev.dpu.storage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/** What the agent found on its node. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodeCapabilities {
    @JsonPropertyDescription("The CPU has AES-NI (AES rounds in hardware).")
    private Boolean aesNi;
    @JsonPropertyDescription("The CPU has VAES (vector AES, several blocks per instruction).")
    private Boolean vaes;
    @JsonPropertyDescription("The CPU has a CRC32C instruction (SSE4.2 or ARMv8 CRC).")
    private Boolean crc32c;
    @JsonPropertyDescription("The kernel offers io_uring to the agent.")
    private Boolean ioUring;
    @JsonPropertyDescription("Offload providers found (for example kernel-nvmet); FullOffload needs one.")
    private List<String> offloadProviders = new ArrayList<>();

    public Boolean getAesNi() { return aesNi; }
    public void setAesNi(Boolean aesNi) { this.aesNi = aesNi; }
    public Boolean getVaes() { return vaes; }
    public void setVaes(Boolean vaes) { this.vaes = vaes; }
    public Boolean getCrc32c() { return crc32c; }
    public void setCrc32c(Boolean crc32c) { this.crc32c = crc32c; }
    public Boolean getIoUring() { return ioUring; }
    public void setIoUring(Boolean ioUring) { this.ioUring = ioUring; }
    public List<String> getOffloadProviders() { return offloadProviders; }
    public void setOffloadProviders(List<String> offloadProviders) { this.offloadProviders = offloadProviders; }
}

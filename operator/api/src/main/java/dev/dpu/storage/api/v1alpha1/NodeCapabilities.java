package dev.dpu.storage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/** What the node can do for the data path, as the data path decides it (dpd_capabilities). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodeCapabilities {
    @JsonPropertyDescription("The CPU has AES-NI (AES rounds in hardware).")
    private Boolean aesNi;

    @JsonPropertyDescription("The CPU has VAES (vector AES, several blocks per instruction).")
    private Boolean vaes;

    @JsonPropertyDescription("The data path computes CRC32C digests with a CPU instruction (x86-64 SSE4.2).")
    private Boolean crc32c;

    @JsonPropertyDescription("io_uring works for the data path (kernel switch and seccomp profile allow it).")
    private Boolean ioUring;

    @JsonPropertyDescription(
            "Offload facilities found on this node (kernel-nvmet-tcp, nvidia-bluefield, amd-pensando, intel-ipu). FullOffload runs only on one this build has a driver for; effectiveOffloadMode shows what runs.")
    private List<String> offloadProviders = new ArrayList<>();

    public Boolean getAesNi() {
        return aesNi;
    }

    public void setAesNi(Boolean aesNi) {
        this.aesNi = aesNi;
    }

    public Boolean getVaes() {
        return vaes;
    }

    public void setVaes(Boolean vaes) {
        this.vaes = vaes;
    }

    public Boolean getCrc32c() {
        return crc32c;
    }

    public void setCrc32c(Boolean crc32c) {
        this.crc32c = crc32c;
    }

    public Boolean getIoUring() {
        return ioUring;
    }

    public void setIoUring(Boolean ioUring) {
        this.ioUring = ioUring;
    }

    public List<String> getOffloadProviders() {
        return offloadProviders;
    }

    public void setOffloadProviders(List<String> offloadProviders) {
        this.offloadProviders = offloadProviders;
    }
}

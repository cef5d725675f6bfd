package dev.dpu.storage.dataplane.ffm;

import java.util.List;

/**
 * What this node can do for the data path, as the library decides it (dpd_capabilities in
 * dpudp.h) - the only authority: the same offload providers decide whether FullOffload runs.
 *
 * @param aesNi CPU AES instructions (x86 AES-NI, arm64 AES), used by OpenSSL for AES-XTS
 * @param vaes x86 vector AES
 * @param crc32c the library computes NVMe/TCP digests with a CRC32 instruction
 * @param ioUring io_uring works for this process (kernel switch and seccomp profile allow it)
 * @param offloadProviders offload facilities found on this node, e.g. {@code kernel-nvmet-tcp} (FullOffload also needs a driver for one: see {@link Engine#setOffloadMode})
 */
public record Capabilities(
        boolean aesNi, boolean vaes, boolean crc32c, boolean ioUring, List<String> offloadProviders) {

    /** DPD_CAP_* bits. */
    static final int AES_NI = 0x1;

    static final int VAES = 0x2;
    static final int CRC32C = 0x4;
    static final int IO_URING = 0x8;

    public Capabilities {
        offloadProviders = List.copyOf(offloadProviders);
    }

    static Capabilities of(int bits, String providers) {
        return new Capabilities(
                (bits & AES_NI) != 0,
                (bits & VAES) != 0,
                (bits & CRC32C) != 0,
                (bits & IO_URING) != 0,
                providers.isEmpty() ? List.of() : List.of(providers.split(",")));
    }
}

"""Independent AES-256-XTS decryption for checking what the target stored.

`openssl enc` in OpenSSL 3.0 refuses XTS ciphers ("enc XTS ciphers not supported"),
so XTS is composed here from the openssl CLI's raw AES-256 (ECB, no padding) as
IEEE 1619 defines it: T = AES-enc(key2, tweak); for the j-th 16-byte block of a data
unit, P_j = AES-dec(key1, C_j xor T*a^j) xor T*a^j, with a^j the j-fold doubling in
GF(2^128). The tweak of a block is its LBA, little-endian, in the low 8 bytes.
"""
import subprocess

MASK128 = (1 << 128) - 1


def _openssl_ecb(key, data, decrypt):
    args = ["openssl", "enc", "-aes-256-ecb", "-nopad", "-K", key.hex()]
    if decrypt:
        args.insert(2, "-d")
    out = subprocess.run(args, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
    return out.stdout


def _mask(t0, nblocks16):
    """Concatenated T*a^j for j < nblocks16, as bytes."""
    t = int.from_bytes(t0, "little")
    parts = []
    for _ in range(nblocks16):
        parts.append(t.to_bytes(16, "little"))
        t = ((t << 1) ^ (0x87 if t >> 127 else 0)) & MASK128
    return b"".join(parts)


def _xor(a, b):
    return (int.from_bytes(a, "little") ^ int.from_bytes(b, "little")).to_bytes(len(a), "little")


def decrypt_blocks(key64, first_lba, data, block_size):
    """Decrypt consecutive data units of block_size bytes starting at first_lba."""
    key1, key2 = key64[:32], key64[32:]
    n = len(data) // block_size
    tweaks = b"".join((first_lba + i).to_bytes(8, "little") + bytes(8) for i in range(n))
    t0s = _openssl_ecb(key2, tweaks, decrypt=False)
    masks = b"".join(_mask(t0s[16 * i:16 * i + 16], block_size // 16) for i in range(n))
    inner = _openssl_ecb(key1, _xor(data[:n * block_size], masks), decrypt=True)
    return _xor(inner, masks)


M64 = (1 << 64) - 1


def _splitmix64(x):
    z = (x + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def loadgen_pattern(seed, lba, block_size):
    """The block dpu-loadgen --verify writes at lba with seed (see tools/loadgen/workload.c)."""
    base = ((seed * 0xD6E8FEB86659FD93) & M64) ^ ((lba * 0x9E3779B97F4A7C15) & M64)
    return b"".join(_splitmix64(base ^ i).to_bytes(8, "little") for i in range(block_size // 8))

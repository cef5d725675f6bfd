#!/usr/bin/env python3
"""Checks what a remote target stored, read from its disk image on this machine.

    image_check.py plain IMAGE EXPECTED OFFSET SIZE BLOCK_SIZE
    image_check.py xts   IMAGE EXPECTED OFFSET SIZE BLOCK_SIZE KEY_FILE

EXPECTED[OFFSET, OFFSET+SIZE) is the plaintext the host wrote to the volume whose blocks the
remote keeps in IMAGE (block n of the volume is block n of IMAGE).

plain: IMAGE holds exactly that data.
xts:   IMAGE holds no plaintext - no block equals any block of the plaintext, no block is
       all zeros (never written) - and decrypts block by block, with the 64-byte AES-256-XTS
       key in KEY_FILE and the LBA as tweak, to exactly that data. The decryption is the
       OpenSSL reference in dataplane/tests/e2e/xts_reference.py, not our code.

Prints one line; exits 0 when the check holds.
"""
import hashlib
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "dataplane", "tests", "e2e"))
import xts_reference  # noqa: E402

CHUNK = 1 << 20


def read_range(path, offset, size):
    with open(path, "rb") as f:
        f.seek(offset)
        return f.read(size)


def first_difference(a, b, bs):
    for i in range(0, min(len(a), len(b)), bs):
        if a[i:i + bs] != b[i:i + bs]:
            return i // bs
    return min(len(a), len(b)) // bs


def plain(image, expected, offset, size, bs):
    want = read_range(expected, offset, size)
    got = read_range(image, 0, size)
    if len(got) < size:
        print("%s holds %d bytes, expected at least %d" % (image, len(got), size))
        return 1
    if got != want:
        lba = first_difference(got, want, bs)
        nbad = sum(got[i:i + bs] != want[i:i + bs] for i in range(0, size, bs))
        print("%s differs from what the host wrote in %d of %d blocks, first at LBA %d (%d-byte blocks)"
              % (image, nbad, size // bs, lba, bs))
        return 1
    print("%s holds exactly the %d MiB the host wrote (%d blocks of %d bytes)"
          % (os.path.basename(image), size >> 20, size // bs, bs))
    return 0


def xts(image, expected, offset, size, bs, key_file):
    key = open(key_file, "rb").read()
    want = read_range(expected, offset, size)
    got = read_range(image, 0, size)
    if len(got) < size:
        print("%s holds %d bytes, expected at least %d" % (image, len(got), size))
        return 1
    plain_blocks = {hashlib.sha256(want[i:i + bs]).digest() for i in range(0, size, bs)}
    zero = bytes(bs)
    leaked = [i // bs for i in range(0, size, bs) if hashlib.sha256(got[i:i + bs]).digest() in plain_blocks]
    if leaked:
        print("%s holds plaintext: %d of %d blocks equal a block the host wrote, first at LBA %d"
              % (image, len(leaked), size // bs, leaked[0]))
        return 1
    unwritten = [i // bs for i in range(0, size, bs) if got[i:i + bs] == zero]
    if unwritten:
        print("%s has %d all-zero blocks (never written), first at LBA %d" % (image, len(unwritten), unwritten[0]))
        return 1
    for off in range(0, size, CHUNK):
        chunk = got[off:off + CHUNK]
        clear = xts_reference.decrypt_blocks(key, off // bs, chunk, bs)
        if clear != want[off:off + len(chunk)]:
            lba = off // bs + first_difference(clear, want[off:off + len(chunk)], bs)
            print("%s does not decrypt to what the host wrote: first bad block at LBA %d (AES-256-XTS, tweak = LBA)"
                  % (image, lba))
            return 1
    print("%s holds no plaintext (none of its %d blocks equals a block the host wrote) and decrypts block by "
          "block (AES-256-XTS, tweak = LBA, openssl CLI) to exactly the %d MiB the host wrote"
          % (os.path.basename(image), size // bs, size >> 20))
    return 0


def main():
    mode, image, expected = sys.argv[1], sys.argv[2], sys.argv[3]
    offset, size, bs = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
    if mode == "plain":
        return plain(image, expected, offset, size, bs)
    if mode == "xts":
        return xts(image, expected, offset, size, bs, sys.argv[7])
    print("unknown mode %s" % mode)
    return 2


if __name__ == "__main__":
    sys.exit(main())

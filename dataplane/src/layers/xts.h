/*
 * AES-256-XTS for namespace encryption at rest.
 *
 * Layout follows SPDK's default ("simple LBA" tweak): the 64-byte key is key1||key2
 * (data key, then tweak key), the data unit is one logical block, and the tweak of a
 * block is its LBA as a little-endian 64-bit value in the low 8 bytes of the 16-byte
 * tweak (high 8 bytes zero). The cipher runs through OpenSSL's EVP interface so the
 * AES-NI/VAES code paths are used.
 *
 * Threading: a key object is shared by all reactors. Each thread that calls
 * encrypt/decrypt gets its own EVP context (created on first use, lock-free), so
 * the key schedule is computed once per thread and only the tweak changes per block.
 * A thread's slot is recycled when it exits; beyond DPD_XTS_MAX_THREADS live threads,
 * calls still work but build a context each time.
 * dpd_xts_key_free() must only run once no thread can still use the key (the caller
 * quiesces the namespace first).
 */
#ifndef DPD_XTS_H
#define DPD_XTS_H

#include <stddef.h>
#include <stdint.h>

#define DPD_XTS_KEY_BYTES 64
/* Upper bound on distinct threads that may use one key (reactors + control threads). */
#define DPD_XTS_MAX_THREADS 64

struct dpd_xts_key;

/*
 * Create a key object from key1||key2. Returns 0 and sets *out, or -EINVAL when the
 * two halves are equal (XTS is insecure then and OpenSSL refuses it), -ENOMEM.
 * The caller keeps ownership of `key` and should wipe its own copy.
 */
int dpd_xts_key_new(const uint8_t key[DPD_XTS_KEY_BYTES], struct dpd_xts_key **out);

/* Wipe every copy of the key material (OPENSSL_cleanse) and free. NULL is a no-op. */
void dpd_xts_key_free(struct dpd_xts_key *key);

/*
 * Encrypt/decrypt `nblocks` consecutive logical blocks of `block_size` bytes starting
 * at `lba`. `in` and `out` may be the same buffer (in-place). block_size must be a
 * multiple of 16 and at least 16. Returns 0, -EINVAL, -ENOMEM or -EIO (OpenSSL error).
 */
int dpd_xts_encrypt(struct dpd_xts_key *key, uint64_t lba, uint32_t block_size,
					const void *in, void *out, size_t nblocks);
int dpd_xts_decrypt(struct dpd_xts_key *key, uint64_t lba, uint32_t block_size,
					const void *in, void *out, size_t nblocks);

/* Threads currently holding a per-key context slot (for tests and diagnostics). */
int dpd_xts_thread_slots_in_use(void);

/* Fill the 16-byte tweak for `lba` (exposed so tests and tools agree on the layout). */
void dpd_xts_tweak_for_lba(uint64_t lba, uint8_t tweak[16]);

#endif

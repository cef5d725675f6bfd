/* crc32c.h - CRC32C (Castagnoli), the NVMe/TCP header and data digest. */
#ifndef DPD_CRC32C_H
#define DPD_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continue a CRC over more bytes. Start with crc = 0xFFFFFFFF and finish
 * with crc32c_final(); crc32c() does both for one buffer. */
uint32_t crc32c_update(uint32_t crc, const void *buf, size_t len);
static inline uint32_t crc32c_final(uint32_t crc) { return crc ^ 0xFFFFFFFFu; }
static inline uint32_t crc32c(const void *buf, size_t len)
{
	return crc32c_final(crc32c_update(0xFFFFFFFFu, buf, len));
}
/* Which implementation computes it, for logs and benchmark reports. */
const char *crc32c_implementation(void);

#endif

/* crc32c.c - CRC32C through ISA-L's crc32_iscsi.
 *
 * Why ISA-L: a data digest is computed over every payload byte, so its speed
 * bounds large transfers with digests on. A loop of the CPU's crc32
 * instruction is limited by that instruction's 3-cycle latency (about 2.7
 * bytes per cycle); ISA-L runs three independent streams and folds them with
 * carry-less multiplication (PCLMUL, AVX-512 or Arm PMULL), picking the best
 * path for the CPU at run time, with a table fallback. It is what SPDK uses,
 * and Debian ships it (libisal). */
#include <isa-l/crc.h>

#include "common/crc32c.h"

/* crc32_iscsi() keeps the CRC register as is (no inversion in or out), which
 * is exactly the running state crc32c_update() promises. Its length is an int:
 * feed larger buffers in slices. */
uint32_t crc32c_update(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	while (len > 0) {
		int n = len > (1u << 30) ? (1 << 30) : (int)len;
		crc = crc32_iscsi((unsigned char *)p, n, crc);
		p += n;
		len -= (size_t)n;
	}
	return crc;
}

const char *crc32c_implementation(void)
{
	return "ISA-L crc32_iscsi";
}

/* crc32c.c - CRC32C with the SSE4.2 crc32 instruction when the CPU has it
 * (checked once with cpuid), else a slicing-by-1 table. */
#include <string.h>

#include "common/crc32c.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <nmmintrin.h>
#endif

static uint32_t g_table[256];
static int g_hw = -1; /* -1 unknown, 0 table, 1 SSE4.2 */

static void init_table(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
		g_table[i] = c;
	}
}

uint32_t crc32c_update_sw(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	if (g_table[1] == 0)
		init_table();
	while (len--)
		crc = g_table[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
	return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static uint32_t crc32c_update_hw(uint32_t crc, const void *buf,
								   size_t len)
{
	const uint8_t *p = buf;
	uint64_t c = crc;
	while (len >= 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		c = _mm_crc32_u64(c, v);
		p += 8;
		len -= 8;
	}
	uint32_t c32 = (uint32_t)c;
	while (len--)
		c32 = _mm_crc32_u8(c32, *p++);
	return c32;
}
#endif

static void detect(void)
{
	int hw = 0;
#if defined(__x86_64__)
	unsigned a, b, c, d;
	if (__get_cpuid(1, &a, &b, &c, &d))
		hw = (c & bit_SSE4_2) != 0;
#endif
	init_table();
	__atomic_store_n(&g_hw, hw, __ATOMIC_RELEASE);
}

int crc32c_hw_available(void)
{
	if (__atomic_load_n(&g_hw, __ATOMIC_ACQUIRE) < 0)
		detect();
	return g_hw;
}

uint32_t crc32c_update(uint32_t crc, const void *buf, size_t len)
{
#if defined(__x86_64__)
	if (crc32c_hw_available())
		return crc32c_update_hw(crc, buf, len);
#endif
	return crc32c_update_sw(crc, buf, len);
}

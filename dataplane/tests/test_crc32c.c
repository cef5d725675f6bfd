/* CRC32C: known vectors (RFC 3720 appendix B.4 and the classic check value),
 * the hardware path agreeing with the table path at odd lengths/offsets. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "common/crc32c.h"

static void test_known_vectors(void)
{
	uint8_t buf[32];
	CHECK(crc32c("123456789", 9) == 0xE3069283u);
	memset(buf, 0, sizeof(buf));
	CHECK(crc32c(buf, 32) == 0x8A9136AAu);
	memset(buf, 0xFF, sizeof(buf));
	CHECK(crc32c(buf, 32) == 0x62A8AB43u);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	CHECK(crc32c(buf, 32) == 0x46DD794Eu);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)(31 - i);
	CHECK(crc32c(buf, 32) == 0x113FDB5Cu);
	CHECK(crc32c("", 0) == 0);
}

static void test_hw_matches_table(void)
{
	uint8_t buf[4099];
	srand(7);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len + off <= sizeof(buf); len += 97) {
			uint32_t a = crc32c_final(crc32c_update(0xFFFFFFFFu, buf + off, len));
			uint32_t b = crc32c_final(crc32c_update_sw(0xFFFFFFFFu, buf + off, len));
			CHECK_MSG(a == b, "off %zu len %zu", off, len);
		}
	/* Streaming in pieces equals one pass (how data digests are computed). */
	uint32_t c = 0xFFFFFFFFu;
	c = crc32c_update(c, buf, 1000);
	c = crc32c_update(c, buf + 1000, 3099);
	CHECK(crc32c_final(c) == crc32c(buf, 4099));
}

static void test_uses_cpu_instruction(void)
{
#if defined(__x86_64__)
	unsigned a, b, cx, d;
	__asm__("cpuid" : "=a"(a), "=b"(b), "=c"(cx), "=d"(d) : "a"(1), "c"(0));
	CHECK(crc32c_hw_available() == !!(cx & (1u << 20)));
#endif
}

int main(void)
{
	RUN(test_known_vectors);
	RUN(test_hw_matches_table);
	RUN(test_uses_cpu_instruction);
	TEST_EXIT();
}

/* CRC32C: known vectors (RFC 3720 appendix B.4 and the classic check value),
 * ISA-L's fast paths agreeing with the bitwise definition at odd lengths and
 * offsets, and streaming in pieces. */
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

/* Bit-at-a-time reference, the definition itself (reflected polynomial
 * 0x82F63B78), to check the library's fast paths against. */
static uint32_t reference_update(uint32_t crc, const uint8_t *p, size_t len)
{
	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc & 1) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
	}
	return crc;
}

/* Odd lengths and alignments take the library's head/tail paths; lengths past
 * a few hundred bytes its folding path. */
static void test_matches_reference(void)
{
	static uint8_t buf[70000];
	srand(7);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len + off <= 5000; len += 97) {
			uint32_t a = crc32c(buf + off, len);
			uint32_t b = crc32c_final(reference_update(0xFFFFFFFFu, buf + off, len));
			CHECK_MSG(a == b, "off %zu len %zu", off, len);
		}
	CHECK(crc32c(buf, sizeof(buf)) == crc32c_final(reference_update(0xFFFFFFFFu, buf, sizeof(buf))));
	/* Streaming in pieces equals one pass (how data digests are computed
	 * while a payload arrives in several receives). */
	uint32_t c = 0xFFFFFFFFu;
	c = crc32c_update(c, buf, 1000);
	c = crc32c_update(c, buf + 1000, 3);
	c = crc32c_update(c, buf + 1003, sizeof(buf) - 1003);
	CHECK(crc32c_final(c) == crc32c(buf, sizeof(buf)));
}

int main(void)
{
	RUN(test_known_vectors);
	RUN(test_matches_reference);
	TEST_EXIT();
}

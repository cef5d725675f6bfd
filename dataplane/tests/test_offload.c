/* Offload modes: mode resolution and real payload copies counted per mode. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "layers/offload.h"

static struct dpd_xts_key *test_key(void)
{
	uint8_t raw[64];
	for (int i = 0; i < 64; i++)
		raw[i] = (uint8_t)(i * 37 + 1);
	struct dpd_xts_key *k = NULL;
	CHECK(dpd_xts_key_new(raw, &k) == 0);
	return k;
}

static void full_offload_without_provider_follows_the_fallback(void)
{
	int eff = -1;
	CHECK(dpd_offload_find_provider() == NULL);
	CHECK(dpd_offload_resolve_mode(DPD_MODE_FULL_OFFLOAD, DPD_FALLBACK_DEGRADE, &eff) == 0);
	CHECK(eff == DPD_MODE_ZERO_COPY);
	CHECK(dpd_offload_resolve_mode(DPD_MODE_FULL_OFFLOAD, DPD_FALLBACK_FAIL, &eff) == -ENOTSUP);
	CHECK(dpd_offload_resolve_mode(DPD_MODE_NON_OFFLOAD, DPD_FALLBACK_FAIL, &eff) == 0);
	CHECK(eff == DPD_MODE_NON_OFFLOAD);
	CHECK(dpd_offload_resolve_mode(7, DPD_FALLBACK_FAIL, &eff) == -EINVAL);
}

/* Runs one write and one read of `len` bytes through the hooks and returns the copies. */
static uint64_t copies_for(int mode, struct dpd_xts_key *key, uint8_t *out_stored)
{
	enum { LEN = 16384, BS = 4096 };
	struct dpd_staging_pool pool;
	CHECK(dpd_staging_pool_init(&pool, 131072, 1, 4) == 0);
	struct dpd_io_counters *c = calloc(1, sizeof(*c));
	uint8_t *buf = malloc(LEN), *orig = malloc(LEN);
	for (int i = 0; i < LEN; i++)
		orig[i] = buf[i] = (uint8_t)(i * 13);
	struct dpd_payload_io io = {.mode = mode, .key = key, .slba = 40, .block_size = BS, .buf = buf,
								.len = LEN, .stats = {c}};
	CHECK(dpd_payload_before_write(&io, &pool) == 0);
	if (out_stored)
		memcpy(out_stored, buf, LEN);
	CHECK((memcmp(buf, orig, LEN) != 0) == (key != NULL)); /* stored form is ciphertext iff keyed */
	CHECK(dpd_payload_after_read(&io, &pool) == 0);
	CHECK(memcmp(buf, orig, LEN) == 0);
	uint64_t copies = c->payload_copies;
	CHECK_EQ_U64(c->copied_bytes, copies * LEN);
	free(buf);
	free(orig);
	free(c);
	dpd_staging_pool_fini(&pool);
	return copies;
}

static void non_offload_copies_twice_each_way_zero_copy_never(void)
{
	struct dpd_xts_key *k = test_key();
	CHECK_EQ_U64(copies_for(DPD_MODE_NON_OFFLOAD, NULL, NULL), 4); /* write 2 + read 2 */
	CHECK_EQ_U64(copies_for(DPD_MODE_NON_OFFLOAD, k, NULL), 4);
	CHECK_EQ_U64(copies_for(DPD_MODE_ZERO_COPY, NULL, NULL), 0);
	CHECK_EQ_U64(copies_for(DPD_MODE_ZERO_COPY, k, NULL), 0);
	dpd_xts_key_free(k);
}

static void both_modes_store_the_same_ciphertext(void)
{
	struct dpd_xts_key *k = test_key();
	uint8_t *a = malloc(16384), *b = malloc(16384);
	copies_for(DPD_MODE_NON_OFFLOAD, k, a);
	copies_for(DPD_MODE_ZERO_COPY, k, b);
	CHECK(memcmp(a, b, 16384) == 0);
	free(a);
	free(b);
	dpd_xts_key_free(k);
}

static void exhausted_staging_pool_asks_to_retry(void)
{
	struct dpd_staging_pool pool;
	CHECK(dpd_staging_pool_init(&pool, 4096, 0, 1) == 0);
	uint8_t *held = dpd_staging_get(&pool);
	CHECK(held != NULL);
	uint8_t buf[4096] = {0};
	struct dpd_payload_io io = {.mode = DPD_MODE_NON_OFFLOAD, .block_size = 512, .buf = buf, .len = 4096};
	CHECK(dpd_payload_before_write(&io, &pool) == -EAGAIN);
	dpd_staging_put(&pool, held);
	CHECK(dpd_payload_before_write(&io, &pool) == 0);
	dpd_staging_pool_fini(&pool);
}

/* A provider that reports itself present: exercises the registry, not hardware. */
static bool always_present(void) { return true; }
static int attach_nothing(const char *subnqn) { (void)subnqn; return 0; }
static const struct dpd_offload_provider test_provider = {
	.name = "test-present", .probe = always_present, .attach = attach_nothing};

static void registered_provider_enables_full_offload(void)
{
	CHECK(dpd_offload_register_provider(&test_provider) == 0);
	int eff = -1;
	CHECK(dpd_offload_resolve_mode(DPD_MODE_FULL_OFFLOAD, DPD_FALLBACK_FAIL, &eff) == 0);
	CHECK(eff == DPD_MODE_FULL_OFFLOAD);
	CHECK(dpd_offload_find_provider() == &test_provider);
}

/* Zeroed or deallocated ranges come back from the backend as zeros and must read as
 * zeros through an encrypted namespace, next to blocks that hold real ciphertext. */
static void zeroed_blocks_read_back_as_zeros(void)
{
	enum { BS = 512, N = 6 };
	struct dpd_xts_key *k = test_key();
	uint8_t stored[BS * N], plain[BS * N];
	for (int i = 0; i < BS * N; i++)
		plain[i] = (uint8_t)(i * 31 + 5);
	memcpy(stored, plain, sizeof(stored));
	CHECK(dpd_xts_encrypt(k, 100, BS, stored, stored, N) == 0);
	memset(stored + 1 * BS, 0, BS); /* blocks 1, 2 and 5 were zeroed on the backend */
	memset(stored + 2 * BS, 0, BS);
	memset(stored + 5 * BS, 0, BS);
	struct dpd_payload_io io = {.mode = DPD_MODE_ZERO_COPY, .key = k, .slba = 100, .block_size = BS,
								.buf = stored, .len = sizeof(stored)};
	CHECK(dpd_payload_after_read(&io, NULL) == 0);
	static const uint8_t zero[BS];
	for (int b = 0; b < N; b++) {
		int zeroed = b == 1 || b == 2 || b == 5;
		CHECK(memcmp(stored + b * BS, zeroed ? zero : plain + b * BS, BS) == 0);
	}
	dpd_xts_key_free(k);
}

int main(void)
{
	RUN(full_offload_without_provider_follows_the_fallback);
	RUN(non_offload_copies_twice_each_way_zero_copy_never);
	RUN(both_modes_store_the_same_ciphertext);
	RUN(exhausted_staging_pool_asks_to_retry);
	RUN(zeroed_blocks_read_back_as_zeros);
	RUN(registered_provider_enables_full_offload);
	TEST_EXIT();
}

/* AES-256-XTS wrapper: IEEE 1619 known answers and the LBA-tweak layout. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "layers/xts.h"

/* IEEE Std 1619-2007 Annex B, Vector 10: XTS-AES-256, 512-byte data unit, DUSN 0xff. */
static const char *V10_KEY =
	"2718281828459045235360287471352662497757247093699959574966967627"
	"3141592653589793238462643383279502884197169399375105820974944592";
static const char *V10_CT =
	"1c3b3a102f770386e4836c99e370cf9bea00803f5e482357a4ae12d414a3e63b"
	"5d31e276f8fe4a8d66b317f9ac683f44680a86ac35adfc3345befecb4bb188fd"
	"5776926c49a3095eb108fd1098baec70aaa66999a72a82f27d848b21d4a741b0"
	"c5cd4d5fff9dac89aeba122961d03a757123e9870f8acf1000020887891429ca"
	"2a3e7a7d7df7b10355165c8b9a6d0a7de8b062c4500dc4cd120c0f7418dae3d0"
	"b5781c34803fa75421c790dfe1de1834f280d7667b327f6c8cd7557e12ac3a0f"
	"93ec05c52e0493ef31a12d3d9260f79a289d6a379bc70c50841473d1a8cc81ec"
	"583e9645e07b8d9670655ba5bbcfecc6dc3966380ad8fecb17b6ba02469a020a"
	"84e18e8f84252070c13e9f1f289be54fbc481457778f616015e1327a02b140f1"
	"505eb309326d68378f8374595c849d84f4c333ec4423885143cb47bd71c5edae"
	"9be69a2ffeceb1bec9de244fbe15992b11b77c040f12bd8f6a975a44a0f90c29"
	"a9abc3d4d893927284c58754cce294529f8614dcd2aba991925fedc4ae74ffac"
	"6e333b93eb4aff0479da9a410e4450e0dd7ae4c6e2910900575da401fc07059f"
	"645e8b7e9bfdef33943054ff84011493c27b3429eaedb4ed5376441a77ed4385"
	"1ad77f16f541dfd269d50d6a5f14fb0aab1cbb4c1550be97f7ab4066193c4caa"
	"773dad38014bd2092fa755c824bb5e54c4f36ffda9fcea70b9c6e693e148c151";

static struct dpd_xts_key *v10_key(void)
{
	uint8_t raw[64];
	check_hex_decode(V10_KEY, raw, sizeof(raw));
	struct dpd_xts_key *k = NULL;
	CHECK(dpd_xts_key_new(raw, &k) == 0);
	return k;
}

static void v10_plaintext(uint8_t pt[512])
{
	for (int i = 0; i < 512; i++)
		pt[i] = (uint8_t)i;
}

static void ieee1619_vector10_encrypts_at_lba_0xff(void)
{
	uint8_t pt[512], ct[512], expect[512];
	v10_plaintext(pt);
	check_hex_decode(V10_CT, expect, sizeof(expect));
	struct dpd_xts_key *k = v10_key();
	CHECK(dpd_xts_encrypt(k, 0xff, 512, pt, ct, 1) == 0);
	CHECK(memcmp(ct, expect, 512) == 0);
	dpd_xts_key_free(k);
}

static void ieee1619_vector10_decrypts_in_place(void)
{
	uint8_t buf[512], pt[512];
	v10_plaintext(pt);
	check_hex_decode(V10_CT, buf, sizeof(buf));
	struct dpd_xts_key *k = v10_key();
	CHECK(dpd_xts_decrypt(k, 0xff, 512, buf, buf, 1) == 0);
	CHECK(memcmp(buf, pt, 512) == 0);
	dpd_xts_key_free(k);
}

/* A multi-block call must equal one call per block at LBA+i (tweak = each block's LBA). */
static void multi_block_call_uses_each_blocks_lba(void)
{
	enum { BS = 4096, N = 4 };
	uint8_t *pt = malloc(BS * N), *ct = malloc(BS * N), *one = malloc(BS);
	for (int i = 0; i < BS * N; i++)
		pt[i] = (uint8_t)(i * 7 + 3);
	struct dpd_xts_key *k = v10_key();
	CHECK(dpd_xts_encrypt(k, 1000, BS, pt, ct, N) == 0);
	for (int b = 0; b < N; b++) {
		CHECK(dpd_xts_encrypt(k, 1000 + (uint64_t)b, BS, pt + b * BS, one, 1) == 0);
		CHECK(memcmp(one, ct + b * BS, BS) == 0);
	}
	/* Same plaintext at a different LBA must not give the same ciphertext. */
	CHECK(dpd_xts_encrypt(k, 1001, BS, pt, one, 1) == 0);
	CHECK(memcmp(one, ct, BS) != 0);
	CHECK(dpd_xts_decrypt(k, 1000, BS, ct, ct, N) == 0);
	CHECK(memcmp(ct, pt, BS * N) == 0);
	dpd_xts_key_free(k);
	free(pt);
	free(ct);
	free(one);
}

static void tweak_is_little_endian_lba_in_low_half(void)
{
	uint8_t t[16];
	dpd_xts_tweak_for_lba(0x0102030405060708ULL, t);
	static const uint8_t want[16] = {8, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0};
	CHECK(memcmp(t, want, 16) == 0);
}

static void equal_key_halves_and_bad_sizes_are_rejected(void)
{
	uint8_t raw[64];
	memset(raw, 0x5a, sizeof(raw));
	struct dpd_xts_key *k = NULL;
	CHECK(dpd_xts_key_new(raw, &k) == -EINVAL);
	CHECK(k == NULL);
	k = v10_key();
	uint8_t buf[520] = {0};
	CHECK(dpd_xts_encrypt(k, 0, 520, buf, buf, 1) == -EINVAL);
	CHECK(dpd_xts_encrypt(k, 0, 8, buf, buf, 1) == -EINVAL);
	dpd_xts_key_free(k);
	dpd_xts_key_free(NULL);
}

static void *encrypt_once(void *arg)
{
	uint8_t buf[512] = {0};
	return (void *)(intptr_t)dpd_xts_encrypt(arg, 7, 512, buf, buf, 1);
}

/* Reactor threads come and go with engine restarts: 200 short-lived threads one after
 * another must not use up the per-key context slots. */
static void exited_threads_give_their_slot_back(void)
{
	struct dpd_xts_key *k = v10_key();
	int before = dpd_xts_thread_slots_in_use();
	for (int i = 0; i < 200; i++) {
		pthread_t t;
		void *rc = (void *)1;
		CHECK(pthread_create(&t, NULL, encrypt_once, k) == 0);
		pthread_join(t, &rc);
		CHECK(rc == NULL);
	}
	CHECK(dpd_xts_thread_slots_in_use() == before);
	dpd_xts_key_free(k);
}

int main(void)
{
	RUN(ieee1619_vector10_encrypts_at_lba_0xff);
	RUN(ieee1619_vector10_decrypts_in_place);
	RUN(multi_block_call_uses_each_blocks_lba);
	RUN(tweak_is_little_endian_lba_in_low_half);
	RUN(equal_key_halves_and_bad_sizes_are_rejected);
	RUN(exited_threads_give_their_slot_back);
	TEST_EXIT();
}

/* AES-256-XTS through OpenSSL EVP; see xts.h for the key/tweak layout. */
#include "layers/xts.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

/* One EVP context per thread and direction, so the key schedule is expanded once. */
struct dpd_xts_thread_ctx {
	EVP_CIPHER_CTX *enc;
	EVP_CIPHER_CTX *dec;
};

struct dpd_xts_key {
	uint8_t material[DPD_XTS_KEY_BYTES];
	_Atomic(struct dpd_xts_thread_ctx *) per_thread[DPD_XTS_MAX_THREADS];
};

/* Small dense thread index, taken on a thread's first crypto call and given back when
 * the thread exits (engines restart with new reactor threads), so the per-key context
 * arrays stay bounded. The lock is only taken on those two occasions. */
static pthread_once_t g_slot_once = PTHREAD_ONCE_INIT;
static pthread_key_t g_slot_key;
static pthread_mutex_t g_slot_lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t g_slot_used[DPD_XTS_MAX_THREADS];
static _Thread_local int t_thread_slot = -1;

static void slot_release(void *p)
{
	int slot = (int)(intptr_t)p - 1;
	pthread_mutex_lock(&g_slot_lock);
	g_slot_used[slot] = 0;
	pthread_mutex_unlock(&g_slot_lock);
}

static void slot_key_create(void) { pthread_key_create(&g_slot_key, slot_release); }

static int thread_slot(void)
{
	if (t_thread_slot >= 0)
		return t_thread_slot;
	pthread_once(&g_slot_once, slot_key_create);
	int slot = DPD_XTS_MAX_THREADS; /* none free: the caller uses a private context */
	pthread_mutex_lock(&g_slot_lock);
	for (int i = 0; i < DPD_XTS_MAX_THREADS; i++)
		if (!g_slot_used[i]) {
			g_slot_used[i] = 1;
			slot = i;
			break;
		}
	pthread_mutex_unlock(&g_slot_lock);
	if (slot < DPD_XTS_MAX_THREADS)
		pthread_setspecific(g_slot_key, (void *)(intptr_t)(slot + 1));
	t_thread_slot = slot;
	return slot;
}

int dpd_xts_thread_slots_in_use(void)
{
	int n = 0;
	pthread_mutex_lock(&g_slot_lock);
	for (int i = 0; i < DPD_XTS_MAX_THREADS; i++)
		n += g_slot_used[i];
	pthread_mutex_unlock(&g_slot_lock);
	return n;
}

void dpd_xts_tweak_for_lba(uint64_t lba, uint8_t tweak[16])
{
	for (int i = 0; i < 8; i++)
		tweak[i] = (uint8_t)(lba >> (8 * i));
	memset(tweak + 8, 0, 8);
}

int dpd_xts_key_new(const uint8_t key[DPD_XTS_KEY_BYTES], struct dpd_xts_key **out)
{
	if (!key || !out)
		return -EINVAL;
	if (CRYPTO_memcmp(key, key + DPD_XTS_KEY_BYTES / 2, DPD_XTS_KEY_BYTES / 2) == 0)
		return -EINVAL;
	struct dpd_xts_key *k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	memcpy(k->material, key, DPD_XTS_KEY_BYTES);
	*out = k;
	return 0;
}

static void thread_ctx_free(struct dpd_xts_thread_ctx *tc)
{
	if (!tc)
		return;
	/* EVP_CIPHER_CTX_free cleanses the expanded key schedule held by the provider. */
	EVP_CIPHER_CTX_free(tc->enc);
	EVP_CIPHER_CTX_free(tc->dec);
	free(tc);
}

void dpd_xts_key_free(struct dpd_xts_key *key)
{
	if (!key)
		return;
	for (int i = 0; i < DPD_XTS_MAX_THREADS; i++)
		thread_ctx_free(atomic_load(&key->per_thread[i]));
	OPENSSL_cleanse(key, sizeof(*key));
	free(key);
}

static EVP_CIPHER_CTX *new_keyed_ctx(const struct dpd_xts_key *key, int enc)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return NULL;
	if (EVP_CipherInit_ex(ctx, EVP_aes_256_xts(), NULL, key->material, NULL, enc) != 1) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static struct dpd_xts_thread_ctx *thread_ctx_new(const struct dpd_xts_key *key)
{
	struct dpd_xts_thread_ctx *tc = calloc(1, sizeof(*tc));
	if (!tc)
		return NULL;
	tc->enc = new_keyed_ctx(key, 1);
	tc->dec = new_keyed_ctx(key, 0);
	if (!tc->enc || !tc->dec) {
		thread_ctx_free(tc);
		return NULL;
	}
	return tc;
}

static int run_blocks(EVP_CIPHER_CTX *ctx, int enc, uint64_t lba, uint32_t block_size,
					  const uint8_t *in, uint8_t *out, size_t nblocks)
{
	uint8_t tweak[16];
	for (size_t i = 0; i < nblocks; i++) {
		int outl = 0;
		dpd_xts_tweak_for_lba(lba + i, tweak);
		/* Key already set: only the tweak (IV) changes per data unit. */
		if (EVP_CipherInit_ex(ctx, NULL, NULL, NULL, tweak, enc) != 1 ||
			EVP_CipherUpdate(ctx, out + i * block_size, &outl, in + i * block_size,
							 (int)block_size) != 1 ||
			outl != (int)block_size)
			return -EIO;
	}
	return 0;
}

static int xts_run(struct dpd_xts_key *key, int enc, uint64_t lba, uint32_t block_size,
				   const void *in, void *out, size_t nblocks)
{
	if (!key || (!in && nblocks) || (!out && nblocks) || block_size < 16 || block_size % 16)
		return -EINVAL;
	int slot = thread_slot();
	if (slot == DPD_XTS_MAX_THREADS) {
		/* Rare overflow path: a private context for this call only. */
		struct dpd_xts_thread_ctx *tmp = thread_ctx_new(key);
		if (!tmp)
			return -ENOMEM;
		int rc = run_blocks(enc ? tmp->enc : tmp->dec, enc, lba, block_size, in, out, nblocks);
		thread_ctx_free(tmp);
		return rc;
	}
	struct dpd_xts_thread_ctx *tc = atomic_load_explicit(&key->per_thread[slot], memory_order_acquire);
	if (!tc) {
		tc = thread_ctx_new(key);
		if (!tc)
			return -ENOMEM;
		/* Only this thread writes this slot, so a plain release store suffices. */
		atomic_store_explicit(&key->per_thread[slot], tc, memory_order_release);
	}
	return run_blocks(enc ? tc->enc : tc->dec, enc, lba, block_size, in, out, nblocks);
}

int dpd_xts_encrypt(struct dpd_xts_key *key, uint64_t lba, uint32_t block_size,
					const void *in, void *out, size_t nblocks)
{
	return xts_run(key, 1, lba, block_size, in, out, nblocks);
}

int dpd_xts_decrypt(struct dpd_xts_key *key, uint64_t lba, uint32_t block_size,
					const void *in, void *out, size_t nblocks)
{
	return xts_run(key, 0, lba, block_size, in, out, nblocks);
}

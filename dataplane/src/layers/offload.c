/* Offload modes: provider registry, mode resolution, payload copies; see offload.h. */
#include "layers/offload.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PROVIDERS 8

static const struct dpd_offload_provider *g_providers[MAX_PROVIDERS];
static int g_nproviders;

int dpd_offload_register_provider(const struct dpd_offload_provider *p)
{
	if (!p || !p->name || !p->probe)
		return -EINVAL;
	if (g_nproviders == MAX_PROVIDERS)
		return -ENOSPC;
	g_providers[g_nproviders++] = p;
	return 0;
}

int dpd_offload_present_providers(const struct dpd_offload_provider **out, int max)
{
	int n = 0;
	for (int i = 0; i < dpd_offload_nbuiltin && n < max; i++)
		if (dpd_offload_builtin[i]->probe())
			out[n++] = dpd_offload_builtin[i];
	for (int i = 0; i < g_nproviders && n < max; i++)
		if (g_providers[i]->probe())
			out[n++] = g_providers[i];
	return n;
}

const struct dpd_offload_provider *dpd_offload_find_provider(void)
{
	const struct dpd_offload_provider *found[MAX_PROVIDERS * 2];
	int n = dpd_offload_present_providers(found, (int)(sizeof(found) / sizeof(found[0])));
	for (int i = 0; i < n; i++)
		if (found[i]->attach)
			return found[i];
	return NULL;
}

void dpd_offload_why_unavailable(char *buf, size_t len)
{
	const struct dpd_offload_provider *found[MAX_PROVIDERS * 2];
	int n = dpd_offload_present_providers(found, (int)(sizeof(found) / sizeof(found[0])));
	if (n == 0) {
		snprintf(buf, len, "no offload provider");
		return;
	}
	size_t used = 0;
	for (int i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", found[i]->name);
	if (used < len)
		snprintf(buf + used, len - used, " found, but this build has no driver that takes the I/O path over");
}

const char *dpd_offload_mode_name(int mode)
{
	switch (mode) {
	case DPD_MODE_NON_OFFLOAD: return "NonOffload";
	case DPD_MODE_ZERO_COPY: return "ZeroCopy";
	case DPD_MODE_FULL_OFFLOAD: return "FullOffload";
	default: return "unknown";
	}
}

int dpd_offload_resolve_mode(int requested, int fallback, int *effective)
{
	if (requested < DPD_MODE_NON_OFFLOAD || requested > DPD_MODE_FULL_OFFLOAD)
		return -EINVAL;
	if (fallback != DPD_FALLBACK_DEGRADE && fallback != DPD_FALLBACK_FAIL)
		return -EINVAL;
	if (requested != DPD_MODE_FULL_OFFLOAD || dpd_offload_find_provider()) {
		*effective = requested;
		return 0;
	}
	if (fallback == DPD_FALLBACK_FAIL)
		return -ENOTSUP;
	*effective = DPD_MODE_ZERO_COPY;
	return 0;
}

int dpd_staging_pool_init(struct dpd_staging_pool *p, uint32_t buf_size, uint32_t prealloc, uint32_t cap)
{
	memset(p, 0, sizeof(*p));
	if (!buf_size || prealloc > cap || !cap)
		return -EINVAL;
	p->free = calloc(cap, sizeof(*p->free));
	if (!p->free)
		return -ENOMEM;
	p->cap = cap;
	p->buf_size = buf_size;
	for (uint32_t i = 0; i < prealloc; i++) {
		uint8_t *b = aligned_alloc(4096, (buf_size + 4095) / 4096 * 4096);
		if (!b) {
			dpd_staging_pool_fini(p);
			return -ENOMEM;
		}
		p->free[p->nfree++] = b;
		p->nbufs++;
	}
	return 0;
}

void dpd_staging_pool_fini(struct dpd_staging_pool *p)
{
	for (uint32_t i = 0; i < p->nfree; i++)
		free(p->free[i]);
	free(p->free);
	memset(p, 0, sizeof(*p));
}

uint8_t *dpd_staging_get(struct dpd_staging_pool *p)
{
	if (p->nfree)
		return p->free[--p->nfree];
	if (p->nbufs == p->cap)
		return NULL;
	/* Grow lazily up to cap; buffers are kept for reuse, never freed on the I/O path. */
	uint8_t *b = aligned_alloc(4096, (p->buf_size + 4095) / 4096 * 4096);
	if (b)
		p->nbufs++;
	return b;
}

void dpd_staging_put(struct dpd_staging_pool *p, uint8_t *buf)
{
	if (buf)
		p->free[p->nfree++] = buf;
}

static void count_copy(const struct dpd_payload_io *io, uint32_t bytes)
{
	for (int i = 0; i < 3; i++)
		if (io->stats[i]) {
			dpd_ctr_add(&io->stats[i]->payload_copies, 1);
			dpd_ctr_add(&io->stats[i]->copied_bytes, bytes);
		}
}

static bool all_zero(const uint8_t *p, size_t n)
{
	/* Ciphertext is random-looking: the first word almost always settles it. */
	return p[0] == 0 && memcmp(p, p + 1, n - 1) == 0;
}

/* Decrypt block by block, leaving blocks that are entirely zero as they are: the
 * backend returns zeros only for ranges zeroed by Write Zeroes or deallocated, which
 * the host must read back as zeros (the namespace advertises DLFEAT "reads zero").
 * A real ciphertext block is all zero with probability 2^-4096. */
static int decrypt_keeping_zero_blocks(const struct dpd_payload_io *io, uint8_t *buf)
{
	size_t nblocks = io->len / io->block_size;
	for (size_t i = 0; i < nblocks;) {
		uint8_t *b = buf + i * io->block_size;
		if (all_zero(b, io->block_size)) {
			i++;
			continue;
		}
		size_t run = 1; /* consecutive non-zero blocks go to OpenSSL in one call */
		while (i + run < nblocks && !all_zero(b + run * io->block_size, io->block_size))
			run++;
		if (dpd_xts_decrypt(io->key, io->slba + i, io->block_size, b, b, run))
			return -EIO;
		i += run;
	}
	return 0;
}

static int cipher(const struct dpd_payload_io *io, uint8_t *buf, int encrypt)
{
	if (!io->key)
		return 0;
	for (int i = 0; i < 3; i++)
		if (io->stats[i])
			dpd_ctr_add(&io->stats[i]->xts_bytes, io->len);
	if (!encrypt)
		return decrypt_keeping_zero_blocks(io, buf);
	size_t nblocks = io->len / io->block_size;
	return dpd_xts_encrypt(io->key, io->slba, io->block_size, buf, buf, nblocks) ? -EIO : 0;
}

/* NonOffload: network buffer -> staging (process) -> backend-facing buffer. Both moves are
 * real memcpy calls: this is the cost the mode exists to show. */
static int through_staging(struct dpd_payload_io *io, struct dpd_staging_pool *pool, int encrypt)
{
	if (io->len > pool->buf_size)
		return -EINVAL;
	uint8_t *st = dpd_staging_get(pool);
	if (!st)
		return -EAGAIN;
	memcpy(st, io->buf, io->len);
	count_copy(io, io->len);
	int rc = cipher(io, st, encrypt);
	if (rc == 0) {
		memcpy(io->buf, st, io->len);
		count_copy(io, io->len);
	}
	dpd_staging_put(pool, st);
	return rc;
}

int dpd_payload_before_write(struct dpd_payload_io *io, struct dpd_staging_pool *pool)
{
	if (io->mode == DPD_MODE_NON_OFFLOAD && pool)
		return through_staging(io, pool, 1);
	return cipher(io, io->buf, 1);
}

int dpd_payload_after_read(struct dpd_payload_io *io, struct dpd_staging_pool *pool)
{
	if (io->mode == DPD_MODE_NON_OFFLOAD && pool)
		return through_staging(io, pool, 0);
	return cipher(io, io->buf, 0);
}

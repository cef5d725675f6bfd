/* Offsets, mix and verification pattern of the load generator; see workload.h. */
#include "workload.h"

#include <stdlib.h>
#include <string.h>

static const char *const names[] = {"randread", "randwrite", "randrw", "read", "write"};

int wl_parse_pattern(const char *s, enum wl_pattern *out)
{
	for (int i = 0; i < 5; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum wl_pattern)i;
			return 0;
		}
	return -1;
}

const char *wl_pattern_name(enum wl_pattern p) { return names[p]; }

int wl_region_init(struct wl_region *r, uint32_t block_size, uint32_t io_size, uint64_t region_bytes,
				   bool track_writes)
{
	r->block_size = block_size;
	r->io_size = io_size;
	r->lbas_per_io = io_size / block_size;
	r->units = region_bytes / io_size;
	r->written = track_writes ? calloc(r->units, 1) : NULL;
	return track_writes && !r->written ? -1 : 0;
}

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void wl_gen_init(struct wl_gen *g, const struct wl_region *r, enum wl_pattern p, int read_percent,
				 uint64_t seed, int worker, int nworkers)
{
	g->r = r;
	g->pattern = p;
	g->read_percent = read_percent;
	g->rng = seed ^ 0x5851f42d4c957f2dull;
	g->cursor = (uint64_t)worker;
	g->stride = (uint64_t)nworkers;
}

uint64_t wl_next(struct wl_gen *g, bool *is_write)
{
	uint64_t unit;
	switch (g->pattern) {
	case WL_READ:
	case WL_WRITE:
		unit = g->cursor % g->r->units;
		g->cursor += g->stride;
		*is_write = g->pattern == WL_WRITE;
		break;
	default:
		unit = splitmix64(&g->rng) % g->r->units;
		if (g->pattern == WL_RANDRW)
			*is_write = (int)(splitmix64(&g->rng) % 100) >= g->read_percent;
		else
			*is_write = g->pattern == WL_RANDWRITE;
	}
	return unit * g->r->lbas_per_io;
}

static uint64_t word(uint64_t seed, uint64_t lba, uint64_t i)
{
	uint64_t x = seed * 0xd6e8feb86659fd93ull ^ lba * 0x9e3779b97f4a7c15ull ^ i;
	return splitmix64(&x);
}

void wl_fill(const struct wl_region *r, uint8_t *buf, uint64_t slba, uint64_t seed)
{
	uint32_t words = r->block_size / 8;
	for (uint32_t b = 0; b < r->lbas_per_io; b++)
		for (uint32_t i = 0; i < words; i++) {
			uint64_t v = word(seed, slba + b, i);
			memcpy(buf + (size_t)b * r->block_size + i * 8, &v, 8);
		}
}

int wl_check(const struct wl_region *r, const uint8_t *buf, uint64_t slba, uint64_t seed)
{
	uint32_t words = r->block_size / 8;
	for (uint32_t b = 0; b < r->lbas_per_io; b++)
		for (uint32_t i = 0; i < words; i++) {
			uint64_t v = word(seed, slba + b, i), got;
			memcpy(&got, buf + (size_t)b * r->block_size + i * 8, 8);
			if (got != v)
				return -1;
		}
	return 0;
}

bool wl_should_verify(const struct wl_region *r, enum wl_pattern p, uint64_t slba)
{
	if (p == WL_READ || p == WL_RANDREAD)
		return true;
	return r->written && __atomic_load_n(&r->written[slba / r->lbas_per_io], __ATOMIC_ACQUIRE);
}

void wl_mark_written(struct wl_region *r, uint64_t slba)
{
	if (r->written)
		__atomic_store_n(&r->written[slba / r->lbas_per_io], 1, __ATOMIC_RELEASE);
}

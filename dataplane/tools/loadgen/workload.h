/*
 * What the load generator asks for next (offsets, read/write mix) and the data it
 * writes: a pattern derived only from (seed, LBA), so any block written with a seed
 * reads back as that seed's pattern whatever the write order, and a block landing at
 * the wrong LBA is caught.
 */
#ifndef DPD_WORKLOAD_H
#define DPD_WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>

enum wl_pattern { WL_RANDREAD, WL_RANDWRITE, WL_RANDRW, WL_READ, WL_WRITE };

struct wl_region {
	uint32_t block_size;    /* namespace LBA size */
	uint32_t io_size;
	uint32_t lbas_per_io;
	uint64_t units;         /* io_size-aligned slots in the region */
	uint8_t *written;       /* per unit: written in this run (randrw verification) */
};

struct wl_gen {
	const struct wl_region *r;
	enum wl_pattern pattern;
	int read_percent;
	uint64_t rng;
	uint64_t cursor, stride;  /* sequential: this worker's next unit and step */
};

int wl_parse_pattern(const char *s, enum wl_pattern *out);
const char *wl_pattern_name(enum wl_pattern p);
int wl_region_init(struct wl_region *r, uint32_t block_size, uint32_t io_size, uint64_t region_bytes,
				   bool track_writes);
void wl_gen_init(struct wl_gen *g, const struct wl_region *r, enum wl_pattern p, int read_percent,
				 uint64_t seed, int worker, int nworkers);
/* Next I/O: returns its starting LBA, sets *is_write. */
uint64_t wl_next(struct wl_gen *g, bool *is_write);

void wl_fill(const struct wl_region *r, uint8_t *buf, uint64_t slba, uint64_t seed);
/* 0 if buf holds the pattern for slba. */
int wl_check(const struct wl_region *r, const uint8_t *buf, uint64_t slba, uint64_t seed);
/* Pure read workloads check everything (the region was written by an earlier run with
 * the same seed); mixed ones check only units this run has finished writing. */
bool wl_should_verify(const struct wl_region *r, enum wl_pattern p, uint64_t slba);
void wl_mark_written(struct wl_region *r, uint64_t slba);

#endif

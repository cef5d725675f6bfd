/*
 * Log-linear latency histogram (HdrHistogram-style): each power of two is split into
 * 32 equal sub-buckets, so a bucket's width is at most 1/32 (3.1%) of its value - fine
 * enough for p99.9. Values are nanoseconds from 0 up to 2^40 ns (~18 minutes); larger
 * values land in the last bucket.
 *
 * One writer per histogram (the reactor thread that owns it); readers on other threads
 * load with relaxed atomics and merge per-thread copies into a private snapshot. The
 * writer never takes a lock or does a read-modify-write bus operation.
 */
#ifndef DPD_LATENCY_HIST_H
#define DPD_LATENCY_HIST_H

#include <stdint.h>

#define DPD_HIST_SUB_BITS 5
#define DPD_HIST_SUB (1u << DPD_HIST_SUB_BITS)
#define DPD_HIST_MAX_EXP 40
#define DPD_HIST_BUCKETS (DPD_HIST_SUB + (DPD_HIST_MAX_EXP - DPD_HIST_SUB_BITS) * DPD_HIST_SUB)

struct dpd_hist {
	uint64_t count;
	uint64_t sum_ns;
	uint64_t max_ns;
	uint64_t buckets[DPD_HIST_BUCKETS];
};

/* Bucket index of a value, and the inclusive value range a bucket covers. */
unsigned dpd_hist_index(uint64_t value_ns);
uint64_t dpd_hist_bucket_lower(unsigned index);
uint64_t dpd_hist_bucket_upper(unsigned index);

/* Single-writer record (relaxed atomic stores, no RMW). */
static inline void dpd_hist_record(struct dpd_hist *h, uint64_t value_ns)
{
	unsigned i = dpd_hist_index(value_ns);
	__atomic_store_n(&h->buckets[i], __atomic_load_n(&h->buckets[i], __ATOMIC_RELAXED) + 1,
					 __ATOMIC_RELAXED);
	__atomic_store_n(&h->sum_ns, __atomic_load_n(&h->sum_ns, __ATOMIC_RELAXED) + value_ns,
					 __ATOMIC_RELAXED);
	if (value_ns > __atomic_load_n(&h->max_ns, __ATOMIC_RELAXED))
		__atomic_store_n(&h->max_ns, value_ns, __ATOMIC_RELAXED);
	/* count last: a reader that sees the count also sees a bucket for it (release/acquire). */
	__atomic_store_n(&h->count, __atomic_load_n(&h->count, __ATOMIC_RELAXED) + 1, __ATOMIC_RELEASE);
}

/* dst += src; src may be live (being written by its owner), dst must be private. */
void dpd_hist_merge(struct dpd_hist *dst, const struct dpd_hist *src);

/* Value at percentile p (0 < p <= 100): the upper edge of the bucket holding that rank,
 * capped at the maximum seen. 0 for an empty histogram. Computed from the buckets, so
 * it is consistent even if `count` raced ahead during a live merge. */
uint64_t dpd_hist_percentile(const struct dpd_hist *h, double p);

#endif

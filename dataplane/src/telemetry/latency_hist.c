/* Log-linear latency histogram; see latency_hist.h. */
#include "telemetry/latency_hist.h"

#include <math.h>

unsigned dpd_hist_index(uint64_t v)
{
	if (v < DPD_HIST_SUB)
		return (unsigned)v;
	unsigned exp = 63u - (unsigned)__builtin_clzll(v);
	if (exp >= DPD_HIST_MAX_EXP)
		return DPD_HIST_BUCKETS - 1;
	unsigned shift = exp - DPD_HIST_SUB_BITS;
	unsigned sub = (unsigned)(v >> shift) & (DPD_HIST_SUB - 1);
	return DPD_HIST_SUB + shift * DPD_HIST_SUB + sub;
}

uint64_t dpd_hist_bucket_lower(unsigned i)
{
	if (i < DPD_HIST_SUB)
		return i;
	unsigned shift = (i - DPD_HIST_SUB) / DPD_HIST_SUB;
	unsigned sub = (i - DPD_HIST_SUB) % DPD_HIST_SUB;
	return (uint64_t)(DPD_HIST_SUB + sub) << shift;
}

uint64_t dpd_hist_bucket_upper(unsigned i)
{
	if (i >= DPD_HIST_BUCKETS - 1)
		return UINT64_MAX;
	return dpd_hist_bucket_lower(i + 1) - 1;
}

void dpd_hist_merge(struct dpd_hist *dst, const struct dpd_hist *src)
{
	/* Acquire on count pairs with the writer's release, so buckets cover at least it. */
	dst->count += __atomic_load_n(&src->count, __ATOMIC_ACQUIRE);
	dst->sum_ns += __atomic_load_n(&src->sum_ns, __ATOMIC_RELAXED);
	uint64_t m = __atomic_load_n(&src->max_ns, __ATOMIC_RELAXED);
	if (m > dst->max_ns)
		dst->max_ns = m;
	for (unsigned i = 0; i < DPD_HIST_BUCKETS; i++)
		dst->buckets[i] += __atomic_load_n(&src->buckets[i], __ATOMIC_RELAXED);
}

uint64_t dpd_hist_percentile(const struct dpd_hist *h, double p)
{
	uint64_t total = 0;
	for (unsigned i = 0; i < DPD_HIST_BUCKETS; i++)
		total += h->buckets[i];
	if (total == 0 || !(p > 0))
		return 0;
	if (p > 100)
		p = 100;
	uint64_t rank = (uint64_t)ceil(p / 100.0 * (double)total);
	if (rank == 0)
		rank = 1;
	uint64_t seen = 0;
	for (unsigned i = 0; i < DPD_HIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank) {
			uint64_t up = dpd_hist_bucket_upper(i);
			return (h->max_ns && up > h->max_ns) ? h->max_ns : up;
		}
	}
	return h->max_ns;
}

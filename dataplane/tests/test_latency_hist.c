/* Log-linear histogram: bucket layout, percentiles within the bucket error, merge. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "telemetry/latency_hist.h"

static void buckets_tile_the_range_without_gaps(void)
{
	CHECK_EQ_U64(dpd_hist_bucket_lower(0), 0);
	for (unsigned i = 0; i + 1 < DPD_HIST_BUCKETS; i++) {
		CHECK_EQ_U64(dpd_hist_bucket_upper(i) + 1, dpd_hist_bucket_lower(i + 1));
		CHECK_EQ_U64(dpd_hist_index(dpd_hist_bucket_lower(i)), i);
		CHECK_EQ_U64(dpd_hist_index(dpd_hist_bucket_upper(i)), i);
	}
	CHECK_EQ_U64(dpd_hist_index(UINT64_MAX), DPD_HIST_BUCKETS - 1);
}

static void bucket_width_is_within_one_thirty_second(void)
{
	for (unsigned i = DPD_HIST_SUB; i + 1 < DPD_HIST_BUCKETS; i++) {
		uint64_t lo = dpd_hist_bucket_lower(i), width = dpd_hist_bucket_upper(i) - lo + 1;
		CHECK(width * 32 <= lo);
	}
}

static void percentiles_of_a_uniform_spread(void)
{
	static struct dpd_hist h;
	/* 1..100000 us, one sample each. */
	for (uint64_t us = 1; us <= 100000; us++)
		dpd_hist_record(&h, us * 1000);
	CHECK_EQ_U64(h.count, 100000);
	CHECK_EQ_U64(h.max_ns, 100000000ull);
	double p50 = (double)dpd_hist_percentile(&h, 50), p99 = (double)dpd_hist_percentile(&h, 99);
	double p999 = (double)dpd_hist_percentile(&h, 99.9);
	CHECK(p50 >= 50e6 && p50 <= 50e6 * 1.032);
	CHECK(p99 >= 99e6 && p99 <= 99e6 * 1.032);
	CHECK(p999 >= 99.9e6 && p999 <= 100e6);
	CHECK_EQ_U64(dpd_hist_percentile(&h, 100), 100000000ull);
}

static void tail_is_visible_at_p999(void)
{
	static struct dpd_hist h;
	for (int i = 0; i < 9980; i++)
		dpd_hist_record(&h, 20000); /* 20 us */
	for (int i = 0; i < 20; i++)
		dpd_hist_record(&h, 5000000); /* 5 ms outliers: 0.2 % */
	CHECK(dpd_hist_percentile(&h, 99) <= 20000 * 1.032);
	CHECK(dpd_hist_percentile(&h, 99.9) >= 5000000);
}

static void merge_sums_counts_and_keeps_max(void)
{
	static struct dpd_hist a, b, sum;
	for (int i = 0; i < 1000; i++)
		dpd_hist_record(&a, 1000);
	for (int i = 0; i < 3000; i++)
		dpd_hist_record(&b, 9000);
	dpd_hist_record(&b, 77777);
	dpd_hist_merge(&sum, &a);
	dpd_hist_merge(&sum, &b);
	CHECK_EQ_U64(sum.count, 4001);
	CHECK_EQ_U64(sum.sum_ns, 1000ull * 1000 + 3000ull * 9000 + 77777);
	CHECK_EQ_U64(sum.max_ns, 77777);
	CHECK(dpd_hist_percentile(&sum, 20) <= 1000 * 1.032);
	CHECK(dpd_hist_percentile(&sum, 50) >= 9000);
}

static void empty_histogram_reports_zero(void)
{
	static struct dpd_hist h;
	CHECK_EQ_U64(dpd_hist_percentile(&h, 99), 0);
}

int main(void)
{
	RUN(buckets_tile_the_range_without_gaps);
	RUN(bucket_width_is_within_one_thirty_second);
	RUN(percentiles_of_a_uniform_spread);
	RUN(tail_is_visible_at_p999);
	RUN(merge_sums_counts_and_keeps_max);
	RUN(empty_histogram_reports_zero);
	TEST_EXIT();
}

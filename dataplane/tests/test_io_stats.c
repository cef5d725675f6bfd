/* Per-thread counters: writers on real threads, a concurrent reader, exact final sums. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "telemetry/io_stats.h"

#define PER_THREAD 200000

struct writer_arg {
	struct dpd_io_counter_set *set;
	unsigned index;
};

static void *writer(void *p)
{
	struct writer_arg *a = p;
	struct dpd_io_counters *c = dpd_io_counter_slot(a->set, a->index);
	for (int i = 0; i < PER_THREAD; i++) {
		dpd_ctr_add(&c->inflight, 1);
		dpd_io_counters_complete(c, i % 4 == 0, 4096, i % 1000 != 0, 10000 + (uint64_t)i % 50, 5000);
		dpd_ctr_add(&c->inflight, (uint64_t)-1);
	}
	return NULL;
}

static void concurrent_writers_sum_exactly(void)
{
	struct dpd_io_counter_set set;
	CHECK(dpd_io_counter_set_init(&set, 2) == 0);
	pthread_t t[2];
	struct writer_arg args[2] = {{&set, 0}, {&set, 1}};
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, writer, &args[i]);
	/* Snapshots taken during the run never go backwards. */
	struct dpd_io_counters *snap = malloc(sizeof(*snap));
	uint64_t last_ops = 0;
	for (int k = 0; k < 200; k++) {
		dpd_io_counter_set_snapshot(&set, snap);
		uint64_t ops = snap->read_ops + snap->write_ops;
		CHECK(ops >= last_ops);
		CHECK(snap->e2e.count <= 2 * PER_THREAD);
		last_ops = ops;
	}
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	dpd_io_counter_set_snapshot(&set, snap);
	CHECK_EQ_U64(snap->read_ops + snap->write_ops, 2 * PER_THREAD);
	CHECK_EQ_U64(snap->write_ops, 2 * PER_THREAD / 4);
	CHECK_EQ_U64(snap->read_bytes + snap->write_bytes, 2ull * PER_THREAD * 4096);
	CHECK_EQ_U64(snap->errors, 2 * PER_THREAD / 1000);
	CHECK_EQ_U64(snap->e2e.count, 2 * PER_THREAD);
	CHECK_EQ_U64(snap->backend.count, 2 * PER_THREAD);
	CHECK_EQ_U64(snap->inflight, 0);
	CHECK(dpd_hist_percentile(&snap->e2e, 99) >= 10000);
	free(snap);
	dpd_io_counter_set_fini(&set);
}

static void gauge_deltas_from_two_threads_sum_to_the_gauge(void)
{
	struct dpd_io_counter_set set;
	CHECK(dpd_io_counter_set_init(&set, 2) == 0);
	/* Thread 0 opened 3 connections and closed 1; thread 1 has 2 I/Os in flight and 5 started
	 * minus 5 finished on another queue. */
	dpd_ctr_add(&dpd_io_counter_slot(&set, 0)->connections_opened, 3);
	dpd_ctr_add(&dpd_io_counter_slot(&set, 0)->connections_closed, 1);
	dpd_ctr_add(&dpd_io_counter_slot(&set, 1)->inflight, 2);
	dpd_ctr_add(&dpd_io_counter_slot(&set, 0)->inflight, (uint64_t)-1);
	dpd_ctr_add(&dpd_io_counter_slot(&set, 1)->inflight, 1);
	struct dpd_io_counters *snap = malloc(sizeof(*snap));
	dpd_io_counter_set_snapshot(&set, snap);
	CHECK_EQ_U64(snap->connections_opened - snap->connections_closed, 2);
	CHECK_EQ_U64(snap->inflight, 2);
	free(snap);
	dpd_io_counter_set_fini(&set);
}

int main(void)
{
	RUN(concurrent_writers_sum_exactly);
	RUN(gauge_deltas_from_two_threads_sum_to_the_gauge);
	TEST_EXIT();
}

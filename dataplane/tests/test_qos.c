/* QoS token buckets and waiting room, driven by a fake clock. */
#include <errno.h>
#include <stdint.h>

#include "check.h"
#include "layers/qos.h"

#define MS 1000000ull
#define SEC 1000000000ull

/* Offer I/O as fast as the buckets allow, polling every `tick` ns for `span` ns. */
static uint64_t saturate(struct dpd_qos_buckets *qb, bool is_write, uint64_t bytes, uint64_t *now,
						 uint64_t span, uint64_t tick)
{
	uint64_t admitted = 0;
	for (uint64_t end = *now + span; *now < end; *now += tick)
		while (dpd_qos_try_admit(qb, is_write, bytes, *now))
			admitted++;
	return admitted;
}

static void iops_limit_holds_over_ten_seconds(void)
{
	struct dpd_qos_buckets qb;
	struct dpd_qos_limits l = {.total_iops = 5000};
	uint64_t now = 7 * SEC;
	dpd_qos_init(&qb, &l, now);
	uint64_t n = saturate(&qb, false, 4096, &now, 10 * SEC, 100000);
	/* 50000 from the rate plus the initial 10 ms burst (50) plus at most one in debt. */
	CHECK(n >= 50000 && n <= 50051);
}

static void bandwidth_limit_holds_for_large_io(void)
{
	struct dpd_qos_buckets qb;
	struct dpd_qos_limits l = {.write_bytes_per_sec = 100ull << 20};
	uint64_t now = 0;
	dpd_qos_init(&qb, &l, now);
	uint64_t n = saturate(&qb, true, 128 << 10, &now, 10 * SEC, 1 * MS);
	double bytes = (double)n * (128 << 10), want = 10.0 * (100 << 20);
	CHECK(bytes >= want * 0.99 && bytes <= want * 1.01);
}

static void read_limit_leaves_writes_alone(void)
{
	struct dpd_qos_buckets qb;
	struct dpd_qos_limits l = {.read_iops = 1000};
	uint64_t now = 0;
	dpd_qos_init(&qb, &l, now);
	uint64_t reads = saturate(&qb, false, 512, &now, 1 * SEC, 1 * MS);
	CHECK(reads >= 1000 && reads <= 1011);
	for (int i = 0; i < 100000; i++)
		CHECK(dpd_qos_try_admit(&qb, true, 512, now));
}

static void unlimited_admits_everything(void)
{
	struct dpd_qos_buckets qb;
	dpd_qos_init(&qb, NULL, 0);
	CHECK(dpd_qos_unlimited(&qb));
	for (int i = 0; i < 100000; i++)
		CHECK(dpd_qos_try_admit(&qb, i & 1, 1 << 20, 0));
	CHECK(dpd_qos_wait_ns(&qb, false, 4096, 0) == 0);
}

static void burst_allows_a_spike_then_the_rate(void)
{
	struct dpd_qos_buckets qb;
	struct dpd_qos_limits l = {.total_iops = 1000, .burst_iops = 300};
	uint64_t now = 0;
	dpd_qos_init(&qb, &l, now);
	uint64_t spike = 0;
	while (dpd_qos_try_admit(&qb, false, 4096, now))
		spike++;
	CHECK_EQ_U64(spike, 300);
	/* Idle for 2 s: the bucket refills only up to the burst, not 2000. */
	now += 2 * SEC;
	spike = 0;
	while (dpd_qos_try_admit(&qb, false, 4096, now))
		spike++;
	CHECK_EQ_U64(spike, 300);
}

static void live_change_takes_effect_immediately(void)
{
	struct dpd_qos_buckets qb;
	struct dpd_qos_limits l = {.total_iops = 20000};
	uint64_t now = 0;
	dpd_qos_init(&qb, &l, now);
	saturate(&qb, false, 4096, &now, 2 * SEC, 100000);
	l.total_iops = 2000;
	CHECK(dpd_qos_set_limits(&qb, &l, now) == 0);
	uint64_t n = saturate(&qb, false, 4096, &now, 1 * SEC, 100000);
	CHECK(n >= 1990 && n <= 2030);
	/* Raising again works the same way. */
	l.total_iops = 8000;
	CHECK(dpd_qos_set_limits(&qb, &l, now) == 0);
	n = saturate(&qb, false, 4096, &now, 1 * SEC, 100000);
	CHECK(n >= 7950 && n <= 8100);
	struct dpd_qos_limits back;
	dpd_qos_get_limits(&qb, &back);
	CHECK_EQ_U64(back.total_iops, 8000);
	/* Removing the limit frees the tenant. */
	l.total_iops = 0;
	CHECK(dpd_qos_set_limits(&qb, &l, now) == 0);
	CHECK(dpd_qos_unlimited(&qb));
}

static void wait_hint_points_at_the_next_admission(void)
{
	struct dpd_qos_buckets qb;
	struct dpd_qos_limits l = {.total_iops = 1000, .burst_iops = 1};
	uint64_t now = SEC;
	dpd_qos_init(&qb, &l, now);
	CHECK(dpd_qos_try_admit(&qb, false, 512, now));
	CHECK(!dpd_qos_try_admit(&qb, false, 512, now));
	uint64_t wait = dpd_qos_wait_ns(&qb, false, 512, now);
	CHECK(wait > 900000 && wait <= 1100000); /* about 1 ms at 1000 IOPS */
	CHECK(!dpd_qos_try_admit(&qb, false, 512, now + wait / 2));
	CHECK(dpd_qos_try_admit(&qb, false, 512, now + wait));
}

static void invalid_limits_are_refused_and_change_nothing(void)
{
	struct dpd_qos_buckets qb;
	struct dpd_qos_limits l = {.total_iops = 100};
	dpd_qos_init(&qb, &l, 0);
	struct dpd_qos_limits bad = {.total_bytes_per_sec = UINT64_MAX};
	CHECK(dpd_qos_set_limits(&qb, &bad, 0) == -EINVAL);
	struct dpd_qos_limits back;
	dpd_qos_get_limits(&qb, &back);
	CHECK_EQ_U64(back.total_iops, 100);
	CHECK_EQ_U64(back.total_bytes_per_sec, 0);
}

struct drained {
	struct dpd_qos_waiter *order[16];
	uint64_t waited[16];
	int n;
};

static void record_admitted(struct dpd_qos_waiter *w, uint64_t waited_ns, void *arg)
{
	struct drained *d = arg;
	d->order[d->n] = w;
	d->waited[d->n] = waited_ns;
	d->n++;
}

static void record_admitted_any(struct dpd_qos_waiter *w, uint64_t waited_ns, void *arg)
{
	(void)w;
	(void)waited_ns;
	((struct drained *)arg)->n++;
}

static void queue_drains_in_order_without_overtaking(void)
{
	struct dpd_qos_buckets qb;
	/* Writes limited to 1000/s with no burst; reads unlimited. */
	struct dpd_qos_limits l = {.write_iops = 1000, .burst_iops = 1};
	uint64_t now = 0;
	dpd_qos_init(&qb, &l, now);
	CHECK(dpd_qos_try_admit(&qb, true, 4096, now)); /* empties the write bucket */
	struct dpd_qos_queue q = {0};
	struct dpd_qos_waiter w[3] = {{.is_write = true, .bytes = 4096},
								  {.is_write = false, .bytes = 4096},
								  {.is_write = true, .bytes = 4096}};
	for (int i = 0; i < 3; i++)
		dpd_qos_queue_push(&q, &w[i], now);
	CHECK_EQ_U64(q.depth, 3);
	struct drained d = {0};
	/* The read behind the blocked write must not overtake it. */
	CHECK(dpd_qos_queue_drain(&q, &qb, now + 100000, record_admitted, &d) == 0);
	CHECK(d.n == 0);
	/* After 1 ms the first write and the read go; the second write waits another ms. */
	CHECK(dpd_qos_queue_drain(&q, &qb, now + 1100000, record_admitted, &d) == 2);
	CHECK(d.order[0] == &w[0] && d.order[1] == &w[1]);
	CHECK_EQ_U64(d.waited[0], 1100000);
	CHECK(dpd_qos_queue_drain(&q, &qb, now + 2200000, record_admitted, &d) == 1);
	CHECK(d.order[2] == &w[2]);
	CHECK(dpd_qos_queue_empty(&q));
	CHECK_EQ_U64(q.depth, 0);
}

static void queue_remove_unlinks_anywhere(void)
{
	struct dpd_qos_queue q = {0};
	struct dpd_qos_waiter w[3] = {0};
	for (int i = 0; i < 3; i++)
		dpd_qos_queue_push(&q, &w[i], 0);
	CHECK(dpd_qos_queue_remove(&q, &w[2]));
	CHECK(q.tail == &w[1]);
	CHECK(dpd_qos_queue_remove(&q, &w[0]));
	CHECK(q.head == &w[1] && q.depth == 1);
	CHECK(!dpd_qos_queue_remove(&q, &w[0]));
	CHECK(dpd_qos_queue_remove(&q, &w[1]));
	CHECK(dpd_qos_queue_empty(&q) && q.tail == NULL);
}

/* A reactor that is not scheduled for 60 ms now and then still delivers the limit to
 * I/O that was waiting all along, while an idle tenant saves up only its burst. */
static void waiting_io_gets_tokens_owed_after_a_stall(void)
{
	struct dpd_qos_buckets qb;
	struct dpd_qos_limits l = {.total_iops = 4000};
	uint64_t now = 0;
	dpd_qos_init(&qb, &l, now);
	enum { N = 64 };
	struct dpd_qos_waiter w[N] = {0};
	struct dpd_qos_queue q = {0};
	struct drained d;
	uint64_t admitted = 0;
	for (int ms = 0; ms < 10000; ms++, now += MS) {
		if (ms % 250 >= 190) /* stalled: nobody polls */
			continue;
		for (int i = 0; i < N; i++)
			if (!w[i].next && q.tail != &w[i] && q.head != &w[i]) {
				w[i].is_write = false;
				w[i].bytes = 4096;
				dpd_qos_queue_push(&q, &w[i], now);
			}
		d.n = 0;
		while (1) {
			unsigned got = dpd_qos_queue_drain(&q, &qb, now, record_admitted_any, &d);
			admitted += got;
			if (!got)
				break;
			for (int i = 0; i < N; i++)
				if (!w[i].next && q.tail != &w[i] && q.head != &w[i]) {
					w[i].is_write = false;
					w[i].bytes = 4096;
					dpd_qos_queue_push(&q, &w[i], now);
				}
		}
	}
	/* 10 s at 4000/s plus the first burst, minus the final stall that nobody collects
	 * (60 ms = 240). Without catch-up a stalled reactor would lose about a quarter. */
	CHECK(admitted >= 39750 && admitted <= 40100);
	/* After 5 s idle only the 10 ms burst is there, not 5 s of tokens. */
	now += 5 * SEC;
	uint64_t spike = 0;
	while (dpd_qos_try_admit(&qb, false, 4096, now))
		spike++;
	CHECK(spike <= 41);
}

/* Two closed-loop clients of one tenant: serving the oldest waiting I/O first (what the
 * reactor does across queues) splits the tokens evenly even when they trickle in one
 * at a time. */
static void oldest_first_across_queues_shares_evenly(void)
{
	struct dpd_qos_buckets qb;
	struct dpd_qos_limits l = {.total_iops = 1000};
	uint64_t now = 0;
	dpd_qos_init(&qb, &l, now);
	enum { N = 32 };
	static struct dpd_qos_waiter w[2][N];
	struct dpd_qos_queue q[2] = {{0}, {0}};
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < N; i++)
			dpd_qos_queue_push(&q[k], &w[k][i], now);
	struct drained d = {0};
	unsigned got[2] = {0, 0};
	for (int ms = 1; ms <= 300; ms++) {
		now = (uint64_t)ms * MS;
		int blocked[2] = {0, 0};
		for (;;) {
			int best = -1;
			for (int k = 0; k < 2; k++)
				if (!blocked[k] && q[k].head && (best < 0 || q[k].head->enqueued_ns < q[best].head->enqueued_ns))
					best = k;
			if (best < 0)
				break;
			struct dpd_qos_waiter *head = q[best].head;
			if (!dpd_qos_queue_drain_n(&q[best], &qb, now, 1, record_admitted_any, &d)) {
				blocked[best] = 1;
				continue;
			}
			got[best]++;
			dpd_qos_queue_push(&q[best], head, now); /* the client sends its next I/O */
		}
	}
	CHECK(got[0] + got[1] >= 300 && got[0] + got[1] <= 312);
	/* Arrival order: the two can differ by at most what one client had queued. */
	CHECK(got[0] + N >= got[1] && got[1] + N >= got[0]);
	CHECK(got[0] > 100 && got[1] > 100);
}

int main(void)
{
	RUN(iops_limit_holds_over_ten_seconds);
	RUN(bandwidth_limit_holds_for_large_io);
	RUN(read_limit_leaves_writes_alone);
	RUN(unlimited_admits_everything);
	RUN(burst_allows_a_spike_then_the_rate);
	RUN(live_change_takes_effect_immediately);
	RUN(wait_hint_points_at_the_next_admission);
	RUN(invalid_limits_are_refused_and_change_nothing);
	RUN(queue_drains_in_order_without_overtaking);
	RUN(queue_remove_unlinks_anywhere);
	RUN(waiting_io_gets_tokens_owed_after_a_stall);
	RUN(oldest_first_across_queues_shares_evenly);
	TEST_EXIT();
}

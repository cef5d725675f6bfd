/* Token buckets and the QoS waiting room; see qos.h for the model. */
#include "layers/qos.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>

#define MICRO 1000000ll
/* Bounds keep level/rate arithmetic inside int64: capacity*1000 and rate*dt stay < 2^63. */
#define MAX_RATE 1000000000000ull          /* 1e12 units/s (1 TB/s) */
#define MAX_BURST 1000000000000ull         /* 1e12 units; in micro-units 1e18 */
#define MAX_CAPACITY_MICRO 1000000000000000ll /* capacity clamp so cap*1000 < 2^63 */

static uint64_t rate_of(const struct dpd_qos_limits *l, enum dpd_qos_dim d)
{
	switch (d) {
	case DPD_QOS_READ_IOPS: return l->read_iops;
	case DPD_QOS_WRITE_IOPS: return l->write_iops;
	case DPD_QOS_TOTAL_IOPS: return l->total_iops;
	case DPD_QOS_READ_BPS: return l->read_bytes_per_sec;
	case DPD_QOS_WRITE_BPS: return l->write_bytes_per_sec;
	case DPD_QOS_TOTAL_BPS: return l->total_bytes_per_sec;
	default: return 0;
	}
}

static bool is_iops_dim(enum dpd_qos_dim d) { return d <= DPD_QOS_TOTAL_IOPS; }

static int64_t capacity_micro(const struct dpd_qos_limits *l, enum dpd_qos_dim d, uint64_t rate)
{
	uint64_t burst = is_iops_dim(d) ? l->burst_iops : l->burst_bytes;
	uint64_t units = burst ? burst : rate * DPD_QOS_DEFAULT_BURST_MS / 1000;
	if (units == 0)
		units = 1; /* at least one unit so a positive level is reachable */
	int64_t cap = (int64_t)units * MICRO;
	if (units > (uint64_t)(MAX_CAPACITY_MICRO / MICRO))
		cap = MAX_CAPACITY_MICRO;
	return cap;
}

int dpd_qos_limits_validate(const struct dpd_qos_limits *l)
{
	if (!l)
		return -EINVAL;
	for (int d = 0; d < DPD_QOS_DIMS; d++)
		if (rate_of(l, d) > MAX_RATE)
			return -EINVAL;
	if (l->burst_iops > MAX_BURST || l->burst_bytes > MAX_BURST)
		return -EINVAL;
	return 0;
}

/* Credit the refill for (last_ns, now_ns]. Whoever wins the CAS on last_ns owns that
 * interval, so concurrent callers never credit the same time twice.
 * With I/O waiting, the level may rise above the burst depth up to the catch-up depth:
 * tokens that accrued while the reactor was not scheduled are still owed to the waiting
 * I/O, so the delivered rate stays at the limit on a busy machine. Without waiters the
 * burst depth alone bounds what an idle tenant can save up. */
static void bucket_refill(struct dpd_qos_bucket *b, uint64_t now_ns, bool waiting)
{
	uint64_t last = atomic_load_explicit(&b->last_ns, memory_order_relaxed);
	if (now_ns <= last)
		return;
	if (!atomic_compare_exchange_strong_explicit(&b->last_ns, &last, now_ns, memory_order_acq_rel,
												 memory_order_relaxed))
		return;
	uint64_t rate = atomic_load_explicit(&b->rate, memory_order_relaxed);
	if (rate == 0)
		return;
	uint64_t dt = now_ns - last;
	int64_t cap = atomic_load_explicit(&b->capacity, memory_order_relaxed);
	if (waiting) {
		uint64_t units = rate * DPD_QOS_CATCHUP_MS / 1000;
		int64_t catchup = units > (uint64_t)(MAX_CAPACITY_MICRO / MICRO) ? MAX_CAPACITY_MICRO
										   : (int64_t)units * MICRO;
		if (catchup > cap)
			cap = catchup;
	}
	int64_t level = atomic_load_explicit(&b->level, memory_order_relaxed);
	for (;;) {
		if (level >= cap)
			return;
		/* micro-units per ns = rate / 1000. Time to fill bounds dt, so rate*dt cannot overflow. */
		uint64_t need = (uint64_t)(cap - level);
		uint64_t fill_ns = need * 1000 / rate + 1;
		int64_t next = dt >= fill_ns ? cap : level + (int64_t)(rate * dt / 1000);
		if (next > cap)
			next = cap;
		if (atomic_compare_exchange_weak_explicit(&b->level, &level, next, memory_order_relaxed,
												  memory_order_relaxed))
			return;
	}
}

static void bucket_configure(struct dpd_qos_bucket *b, uint64_t rate, int64_t cap, uint64_t now_ns,
							 bool fresh)
{
	uint64_t old_rate = atomic_load_explicit(&b->rate, memory_order_relaxed);
	if (!fresh)
		bucket_refill(b, now_ns, false);
	atomic_store_explicit(&b->capacity, cap, memory_order_relaxed);
	if (fresh || old_rate == 0) {
		/* Newly limited: start with a full bucket. */
		atomic_store_explicit(&b->level, cap, memory_order_relaxed);
	} else {
		int64_t level = atomic_load_explicit(&b->level, memory_order_relaxed);
		while (level > cap &&
			   !atomic_compare_exchange_weak_explicit(&b->level, &level, cap, memory_order_relaxed,
													  memory_order_relaxed))
			;
	}
	atomic_store_explicit(&b->last_ns, now_ns, memory_order_relaxed);
	atomic_store_explicit(&b->rate, rate, memory_order_release);
}

static void configure_all(struct dpd_qos_buckets *qb, const struct dpd_qos_limits *l, uint64_t now_ns,
						  bool fresh)
{
	for (int d = 0; d < DPD_QOS_DIMS; d++) {
		uint64_t rate = rate_of(l, d);
		bucket_configure(&qb->dim[d], rate, capacity_micro(l, d, rate), now_ns, fresh);
	}
}

void dpd_qos_init(struct dpd_qos_buckets *qb, const struct dpd_qos_limits *limits, uint64_t now_ns)
{
	static const struct dpd_qos_limits none;
	configure_all(qb, limits ? limits : &none, now_ns, true);
}

int dpd_qos_set_limits(struct dpd_qos_buckets *qb, const struct dpd_qos_limits *limits, uint64_t now_ns)
{
	int rc = dpd_qos_limits_validate(limits);
	if (rc)
		return rc;
	configure_all(qb, limits, now_ns, false);
	return 0;
}

void dpd_qos_get_limits(const struct dpd_qos_buckets *qb, struct dpd_qos_limits *out)
{
	uint64_t r[DPD_QOS_DIMS];
	for (int d = 0; d < DPD_QOS_DIMS; d++)
		r[d] = atomic_load_explicit(&qb->dim[d].rate, memory_order_relaxed);
	*out = (struct dpd_qos_limits){
		.read_iops = r[DPD_QOS_READ_IOPS],
		.write_iops = r[DPD_QOS_WRITE_IOPS],
		.total_iops = r[DPD_QOS_TOTAL_IOPS],
		.read_bytes_per_sec = r[DPD_QOS_READ_BPS],
		.write_bytes_per_sec = r[DPD_QOS_WRITE_BPS],
		.total_bytes_per_sec = r[DPD_QOS_TOTAL_BPS],
		.burst_iops = (uint64_t)atomic_load_explicit(&qb->dim[DPD_QOS_TOTAL_IOPS].capacity,
													 memory_order_relaxed) / MICRO,
		.burst_bytes = (uint64_t)atomic_load_explicit(&qb->dim[DPD_QOS_TOTAL_BPS].capacity,
													  memory_order_relaxed) / MICRO,
	};
}

bool dpd_qos_unlimited(const struct dpd_qos_buckets *qb)
{
	for (int d = 0; d < DPD_QOS_DIMS; d++)
		if (atomic_load_explicit(&qb->dim[d].rate, memory_order_relaxed))
			return false;
	return true;
}

/* The four buckets an I/O of this direction draws from. */
static void dims_for(bool is_write, enum dpd_qos_dim out[4])
{
	out[0] = is_write ? DPD_QOS_WRITE_IOPS : DPD_QOS_READ_IOPS;
	out[1] = DPD_QOS_TOTAL_IOPS;
	out[2] = is_write ? DPD_QOS_WRITE_BPS : DPD_QOS_READ_BPS;
	out[3] = DPD_QOS_TOTAL_BPS;
}

/* What an I/O must find in a bucket: its whole cost, or a full bucket when the cost is
 * larger than the bucket (the excess then becomes debt that later refills repay). */
static int64_t admission_need(const struct dpd_qos_bucket *b, int64_t cost)
{
	int64_t cap = atomic_load_explicit(&b->capacity, memory_order_relaxed);
	return cost < cap ? cost : cap;
}

static int64_t cost_micro(int i, uint64_t bytes) { return (i < 2 ? 1 : (int64_t)bytes) * MICRO; }

static bool try_admit(struct dpd_qos_buckets *qb, bool is_write, uint64_t bytes, uint64_t now_ns, bool waiting)
{
	enum dpd_qos_dim dims[4];
	dims_for(is_write, dims);
	for (int i = 0; i < 4; i++) {
		struct dpd_qos_bucket *b = &qb->dim[dims[i]];
		if (!atomic_load_explicit(&b->rate, memory_order_acquire))
			continue;
		bucket_refill(b, now_ns, waiting);
		if (atomic_load_explicit(&b->level, memory_order_relaxed) < admission_need(b, cost_micro(i, bytes)))
			return false;
	}
	for (int i = 0; i < 4; i++) {
		struct dpd_qos_bucket *b = &qb->dim[dims[i]];
		if (!atomic_load_explicit(&b->rate, memory_order_relaxed))
			continue;
		atomic_fetch_sub_explicit(&b->level, cost_micro(i, bytes), memory_order_relaxed);
	}
	return true;
}

bool dpd_qos_try_admit(struct dpd_qos_buckets *qb, bool is_write, uint64_t bytes, uint64_t now_ns)
{
	return try_admit(qb, is_write, bytes, now_ns, false);
}

uint64_t dpd_qos_wait_ns(struct dpd_qos_buckets *qb, bool is_write, uint64_t bytes, uint64_t now_ns)
{
	enum dpd_qos_dim dims[4];
	dims_for(is_write, dims);
	uint64_t wait = 0;
	for (int i = 0; i < 4; i++) {
		struct dpd_qos_bucket *b = &qb->dim[dims[i]];
		uint64_t rate = atomic_load_explicit(&b->rate, memory_order_relaxed);
		if (!rate)
			continue;
		bucket_refill(b, now_ns, true);
		int64_t level = atomic_load_explicit(&b->level, memory_order_relaxed);
		int64_t need = admission_need(b, cost_micro(i, bytes));
		if (level >= need)
			continue;
		/* Missing micro-units arrive at rate/1000 per ns. */
		uint64_t ns = (uint64_t)(need - level) * 1000 / rate + 1;
		if (ns > wait)
			wait = ns;
	}
	return wait;
}

void dpd_qos_queue_push(struct dpd_qos_queue *q, struct dpd_qos_waiter *w, uint64_t now_ns)
{
	w->next = NULL;
	w->enqueued_ns = now_ns;
	if (q->tail)
		q->tail->next = w;
	else
		q->head = w;
	q->tail = w;
	q->depth++;
}

bool dpd_qos_queue_remove(struct dpd_qos_queue *q, struct dpd_qos_waiter *w)
{
	struct dpd_qos_waiter *prev = NULL;
	for (struct dpd_qos_waiter *it = q->head; it; prev = it, it = it->next) {
		if (it != w)
			continue;
		if (prev)
			prev->next = it->next;
		else
			q->head = it->next;
		if (q->tail == it)
			q->tail = prev;
		q->depth--;
		it->next = NULL;
		return true;
	}
	return false;
}

unsigned dpd_qos_queue_drain_n(struct dpd_qos_queue *q, struct dpd_qos_buckets *qb, uint64_t now_ns,
			       unsigned max, dpd_qos_admitted_fn admitted, void *arg)
{
	unsigned n = 0;
	while (n < max && q->head && try_admit(qb, q->head->is_write, q->head->bytes, now_ns, true)) {
		struct dpd_qos_waiter *w = q->head;
		q->head = w->next;
		if (!q->head)
			q->tail = NULL;
		q->depth--;
		w->next = NULL;
		n++;
		admitted(w, now_ns > w->enqueued_ns ? now_ns - w->enqueued_ns : 0, arg);
	}
	return n;
}

unsigned dpd_qos_queue_drain(struct dpd_qos_queue *q, struct dpd_qos_buckets *qb, uint64_t now_ns,
			     dpd_qos_admitted_fn admitted, void *arg)
{
	return dpd_qos_queue_drain_n(q, qb, now_ns, UINT_MAX, admitted, arg);
}

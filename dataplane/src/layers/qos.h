/*
 * Per-tenant QoS: token buckets for read/write/total IOPS and bandwidth.
 *
 * Model (close to SPDK's bdev QoS): each limited dimension is a bucket refilled
 * continuously from a monotonic clock (nanosecond arithmetic, so finer than the 1 ms
 * timeslice the reactors poll at). An I/O may start when every bucket that applies to
 * it holds its cost (or is full, for an I/O larger than the bucket); it then takes its
 * cost, which may drive a bucket negative - that debt is repaid by later refills, so
 * any I/O size is admissible and the long-run rate equals the limit exactly. I/O that cannot start waits in a FIFO
 * (dpd_qos_queue) and is never failed.
 *
 * Buckets are shared by all reactors serving a tenant and are updated with atomics
 * only (no locks). Two reactors racing may both admit on the last token; the debt
 * that creates is repaid, so accuracy over any window of a few ms is unaffected.
 *
 * All decisions take `now_ns` as an argument, so tests drive them with a fake clock.
 */
#ifndef DPD_QOS_H
#define DPD_QOS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* Limits of one tenant; 0 means unlimited for a rate, "default" for a burst. */
struct dpd_qos_limits {
	uint64_t read_iops, write_iops, total_iops;
	uint64_t read_bytes_per_sec, write_bytes_per_sec, total_bytes_per_sec;
	/* Bucket depth: how much may pass at once after an idle period. Default (0):
	 * DPD_QOS_DEFAULT_BURST_MS worth of the rate. */
	uint64_t burst_iops, burst_bytes;
};

#define DPD_QOS_DEFAULT_BURST_MS 10
/* How far behind a tenant with waiting I/O may fall (e.g. its reactor was not scheduled)
 * and still get the owed tokens afterwards; see bucket_refill(). */
#define DPD_QOS_CATCHUP_MS 200

enum dpd_qos_dim {
	DPD_QOS_READ_IOPS,
	DPD_QOS_WRITE_IOPS,
	DPD_QOS_TOTAL_IOPS,
	DPD_QOS_READ_BPS,
	DPD_QOS_WRITE_BPS,
	DPD_QOS_TOTAL_BPS,
	DPD_QOS_DIMS
};

/* Levels are kept in millionths of a unit (op or byte) so refills do not round away. */
struct dpd_qos_bucket {
	_Atomic uint64_t rate;      /* units per second, 0 = unlimited */
	_Atomic int64_t capacity;   /* micro-units */
	_Atomic int64_t level;      /* micro-units; negative = debt */
	_Atomic uint64_t last_ns;   /* clock value up to which refill has been credited */
};

struct dpd_qos_buckets {
	struct dpd_qos_bucket dim[DPD_QOS_DIMS];
};

/* Validate limits (rates and bursts bounded so the arithmetic cannot overflow). */
int dpd_qos_limits_validate(const struct dpd_qos_limits *limits);

/* Start full: a fresh or newly limited tenant gets its burst immediately. */
void dpd_qos_init(struct dpd_qos_buckets *qb, const struct dpd_qos_limits *limits, uint64_t now_ns);

/* Change limits live: credit refill at the old rates up to now, then switch; levels are
 * clamped to the new depth so a lowered limit bites at once. Returns -EINVAL on bad limits. */
int dpd_qos_set_limits(struct dpd_qos_buckets *qb, const struct dpd_qos_limits *limits, uint64_t now_ns);

/* Read back the limits in force. */
void dpd_qos_get_limits(const struct dpd_qos_buckets *qb, struct dpd_qos_limits *out);

/* True when no dimension is limited (fast path: skip the buckets entirely). */
bool dpd_qos_unlimited(const struct dpd_qos_buckets *qb);

/* Try to start one I/O of `bytes`. On true the cost has been taken. */
bool dpd_qos_try_admit(struct dpd_qos_buckets *qb, bool is_write, uint64_t bytes, uint64_t now_ns);

/* Nanoseconds until an I/O of this direction could pass (0 = now). For reactor timeouts. */
uint64_t dpd_qos_wait_ns(struct dpd_qos_buckets *qb, bool is_write, uint64_t bytes, uint64_t now_ns);

/* ---- waiting room: intrusive FIFO owned by one reactor (no sharing) ---- */

struct dpd_qos_waiter {
	struct dpd_qos_waiter *next;
	uint64_t enqueued_ns;
	uint64_t bytes;
	bool is_write;
};

struct dpd_qos_queue {
	struct dpd_qos_waiter *head, *tail;
	uint32_t depth;
};

static inline bool dpd_qos_queue_empty(const struct dpd_qos_queue *q) { return q->head == NULL; }

void dpd_qos_queue_push(struct dpd_qos_queue *q, struct dpd_qos_waiter *w, uint64_t now_ns);

/* Remove a waiter wherever it is (connection teardown). Returns true if it was queued. */
bool dpd_qos_queue_remove(struct dpd_qos_queue *q, struct dpd_qos_waiter *w);

typedef void (*dpd_qos_admitted_fn)(struct dpd_qos_waiter *w, uint64_t waited_ns, void *arg);

/* Start queued I/Os in arrival order while the buckets allow, calling `admitted` for each
 * (the waiter is unlinked first, so the callback may reuse it). Stops at the first one that
 * must keep waiting: later arrivals never overtake. Returns how many were started. */
unsigned dpd_qos_queue_drain(struct dpd_qos_queue *q, struct dpd_qos_buckets *qb, uint64_t now_ns,
							 dpd_qos_admitted_fn admitted, void *arg);

/* The same, starting at most `max` I/Os: several queues of one tenant take turns. */
unsigned dpd_qos_queue_drain_n(struct dpd_qos_queue *q, struct dpd_qos_buckets *qb, uint64_t now_ns,
			       unsigned max, dpd_qos_admitted_fn admitted, void *arg);

static inline uint64_t dpd_qos_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif

/*
 * I/O statistics with per-thread counters.
 *
 * Every counted object (namespace, tenant, queue) owns a dpd_io_counter_set: one
 * cache-line-aligned dpd_io_counters slot per data-path thread. A thread only ever
 * writes its own slot (relaxed atomic load+store, no lock, no bus-locked RMW); a
 * reader sums all slots into a private dpd_io_counters. Gauges (in-flight I/O,
 * queued-by-QoS I/O, open connections) are kept as per-thread up/down deltas whose
 * sum is the gauge.
 */
#ifndef DPD_IO_STATS_H
#define DPD_IO_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "telemetry/latency_hist.h"

struct dpd_io_counters {
	uint64_t read_ops, write_ops, other_ops;
	uint64_t read_bytes, write_bytes;
	uint64_t errors;            /* commands completed with a non-success status */
	uint64_t digest_errors;     /* header or data digest mismatches */
	uint64_t throttled_ios;     /* I/Os that had to wait for QoS */
	uint64_t throttled_ns;      /* total time those I/Os spent waiting */
	uint64_t payload_copies;    /* memcpy of payload data by the data path */
	uint64_t copied_bytes;      /* bytes moved by those copies */
	uint64_t fixed_buffer_ios;  /* backend I/O done from io_uring registered buffers */
	uint64_t xts_bytes;         /* bytes encrypted or decrypted with AES-256-XTS */
	uint64_t inflight;          /* gauge: sum of per-thread deltas (wraps per slot) */
	uint64_t qos_queued;        /* gauge: I/Os waiting in QoS queues now */
	uint64_t connections_opened, connections_closed;
	struct dpd_hist e2e;        /* command received -> response sent */
	struct dpd_hist backend;    /* backend submit -> backend completion */
} __attribute__((aligned(64)));

struct dpd_io_counter_set {
	unsigned nslots;
	struct dpd_io_counters *slots;
};

int dpd_io_counter_set_init(struct dpd_io_counter_set *set, unsigned nslots);
void dpd_io_counter_set_fini(struct dpd_io_counter_set *set);

/* The writer's own slot; out-of-range thread indexes share the last slot's owner rule. */
static inline struct dpd_io_counters *dpd_io_counter_slot(struct dpd_io_counter_set *set,
														  unsigned thread_index)
{
	return &set->slots[thread_index < set->nslots ? thread_index : set->nslots - 1];
}

/* Single-writer add: plain load + store, atomic so concurrent readers see whole values. */
static inline void dpd_ctr_add(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + v, __ATOMIC_RELAXED);
}

/* One completed read or write (status ok or not). */
void dpd_io_counters_complete(struct dpd_io_counters *c, bool is_write, uint64_t bytes, bool ok,
							  uint64_t e2e_ns, uint64_t backend_ns);

/* Sum every slot into *out (which is overwritten). */
void dpd_io_counter_set_snapshot(const struct dpd_io_counter_set *set, struct dpd_io_counters *out);

/* out += one live slot (used to aggregate several sets, e.g. all queues of a namespace). */
void dpd_io_counters_accumulate(struct dpd_io_counters *out, const struct dpd_io_counters *live);

#endif

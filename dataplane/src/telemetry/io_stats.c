/* Per-thread I/O counters summed on read; see io_stats.h. */
#include "telemetry/io_stats.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int dpd_io_counter_set_init(struct dpd_io_counter_set *set, unsigned nslots)
{
	if (nslots == 0)
		return -EINVAL;
	void *mem = NULL;
	if (posix_memalign(&mem, 64, sizeof(struct dpd_io_counters) * nslots))
		return -ENOMEM;
	memset(mem, 0, sizeof(struct dpd_io_counters) * nslots);
	set->slots = mem;
	set->nslots = nslots;
	return 0;
}

void dpd_io_counter_set_fini(struct dpd_io_counter_set *set)
{
	free(set->slots);
	set->slots = NULL;
	set->nslots = 0;
}

void dpd_io_counters_complete(struct dpd_io_counters *c, bool is_write, uint64_t bytes, bool ok,
							  uint64_t e2e_ns, uint64_t backend_ns)
{
	if (is_write) {
		dpd_ctr_add(&c->write_ops, 1);
		dpd_ctr_add(&c->write_bytes, bytes);
	} else {
		dpd_ctr_add(&c->read_ops, 1);
		dpd_ctr_add(&c->read_bytes, bytes);
	}
	if (!ok)
		dpd_ctr_add(&c->errors, 1);
	dpd_hist_record(&c->e2e, e2e_ns);
	dpd_hist_record(&c->backend, backend_ns);
}

#define LOAD(f) __atomic_load_n(&live->f, __ATOMIC_RELAXED)

void dpd_io_counters_accumulate(struct dpd_io_counters *out, const struct dpd_io_counters *live)
{
	out->read_ops += LOAD(read_ops);
	out->write_ops += LOAD(write_ops);
	out->other_ops += LOAD(other_ops);
	out->read_bytes += LOAD(read_bytes);
	out->write_bytes += LOAD(write_bytes);
	out->errors += LOAD(errors);
	out->digest_errors += LOAD(digest_errors);
	out->throttled_ios += LOAD(throttled_ios);
	out->throttled_ns += LOAD(throttled_ns);
	out->payload_copies += LOAD(payload_copies);
	out->copied_bytes += LOAD(copied_bytes);
	out->fixed_buffer_ios += LOAD(fixed_buffer_ios);
	out->xts_bytes += LOAD(xts_bytes);
	out->inflight += LOAD(inflight);
	out->qos_queued += LOAD(qos_queued);
	out->connections_opened += LOAD(connections_opened);
	out->connections_closed += LOAD(connections_closed);
	dpd_hist_merge(&out->e2e, &live->e2e);
	dpd_hist_merge(&out->backend, &live->backend);
}

void dpd_io_counter_set_snapshot(const struct dpd_io_counter_set *set, struct dpd_io_counters *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < set->nslots; i++)
		dpd_io_counters_accumulate(out, &set->slots[i]);
}

/* io_path.c - the I/O-path side of offload modes, AES-XTS, QoS and telemetry.
 * Everything here runs on the thread that owns the queue; shared state is only
 * touched through atomics (tenant buckets, key pointers) and per-thread counter
 * slots. See io_path.h for the order the command set calls in. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "layers/io_path.h"

/* ------------------------------------------------------------ keys */

static struct io_key *key_get(struct io_ns *ns)
{
	/* The control side swaps the pointer and then waits for every reactor to pass a
	 * message barrier before dropping its reference, so load-then-increment here is
	 * safe: it never straddles a barrier. */
	struct io_key *k = __atomic_load_n(&ns->key, __ATOMIC_ACQUIRE);
	if (k)
		__atomic_add_fetch(&k->refs, 1, __ATOMIC_RELAXED);
	return k;
}

void io_key_put(struct io_key *k)
{
	if (k && __atomic_sub_fetch(&k->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		dpd_xts_key_free(k->xts); /* wipes the key material */
		free(k);
	}
}

/* ------------------------------------------------------------ lifecycle */

int io_layers_init(struct io_layers *g, unsigned nthreads)
{
	int rc = dpd_tenants_init(&g->tenants, nthreads);
	if (rc)
		return rc;
	pthread_mutex_init(&g->qlock, NULL);
	g->mode = DPD_MODE_ZERO_COPY;
	g->requested_mode = DPD_MODE_ZERO_COPY;
	g->ready = 1;
	return 0;
}

void io_layers_fini(struct io_layers *g)
{
	if (!g->ready)
		return;
	dpd_tenants_fini(&g->tenants);
	pthread_mutex_destroy(&g->qlock);
	g->ready = 0;
}

int io_thread_init(struct io_thread *th, struct io_layers *g, int idx, uint32_t buf_size, uint32_t max_bufs)
{
	memset(th, 0, sizeof(*th));
	th->idx = idx;
	th->g = g;
	/* One staging buffer per command slot the thread may run at once is the ceiling;
	 * a few are made up front, the rest on first use and then kept. */
	int rc = dpd_staging_pool_init(&th->staging, buf_size, 4, max_bufs);
	th->staging_ok = rc == 0;
	return rc;
}

void io_thread_fini(struct io_thread *th)
{
	if (th->staging_ok)
		dpd_staging_pool_fini(&th->staging);
	th->staging_ok = 0;
}

int io_ns_init(struct io_ns *ns, unsigned nthreads)
{
	return dpd_io_counter_set_init(&ns->stats, nthreads);
}

void io_ns_fini(struct io_ns *ns)
{
	io_key_put(__atomic_exchange_n(&ns->key, NULL, __ATOMIC_ACQ_REL));
	dpd_io_counter_set_fini(&ns->stats);
}

/* ------------------------------------------------------------ queues */

void io_queue_open(struct io_queue *q, struct io_thread *th, const char *hostnqn, const char *subnqn,
		   uint16_t cntlid, uint16_t qid)
{
	struct io_layers *g = th->g;
	q->th = th;
	if (qid != 0) /* tenants throttle I/O queues; the admin queue is never held back */
		q->tenant = dpd_tenants_bind(&g->tenants, hostnqn, subnqn);
	struct io_queue_stats *qs = calloc(1, sizeof(*qs));
	if (qs) {
		snprintf(qs->subnqn, sizeof(qs->subnqn), "%s", subnqn);
		snprintf(qs->hostnqn, sizeof(qs->hostnqn), "%s", hostnqn);
		if (q->tenant)
			snprintf(qs->tenant, sizeof(qs->tenant), "%s", q->tenant->name);
		qs->cntlid = cntlid;
		qs->qid = qid;
		dpd_ctr_add(&qs->c.connections_opened, 1);
		pthread_mutex_lock(&g->qlock);
		qs->next = g->queues;
		if (qs->next)
			qs->next->prev = qs;
		g->queues = qs;
		pthread_mutex_unlock(&g->qlock);
		q->qs = qs;
	}
	if (q->tenant)
		dpd_ctr_add(&dpd_io_counter_slot(&q->tenant->stats, (unsigned)th->idx)->connections_opened, 1);
	q->prev = NULL;
	q->next = th->queues;
	if (q->next)
		q->next->prev = q;
	th->queues = q;
	q->open = 1;
}

void io_queue_close(struct io_queue *q)
{
	struct io_thread *th = q->th;
	if (!q->open)
		return;
	q->open = 0;
	if (q->prev)
		q->prev->next = q->next;
	else
		th->queues = q->next;
	if (q->next)
		q->next->prev = q->prev;
	/* Queued I/O of a closed queue is never started: it was not acknowledged, the
	 * host retries it elsewhere. Its requests are freed with the connection. */
	struct dpd_tenant *t = q->tenant;
	while (!dpd_qos_queue_empty(&q->qos_queue)) {
		struct dpd_qos_waiter *w = q->qos_queue.head;
		dpd_qos_queue_remove(&q->qos_queue, w);
		th->qos_waiting--;
		if (t)
			dpd_ctr_add(&dpd_io_counter_slot(&t->stats, (unsigned)th->idx)->qos_queued, (uint64_t)-1);
		if (q->qs)
			dpd_ctr_add(&q->qs->c.qos_queued, (uint64_t)-1);
	}
	if (q->qs) {
		struct io_layers *g = th->g;
		pthread_mutex_lock(&g->qlock);
		struct io_queue_stats *qs = q->qs;
		if (qs->prev)
			qs->prev->next = qs->next;
		else
			g->queues = qs->next;
		if (qs->next)
			qs->next->prev = qs->prev;
		pthread_mutex_unlock(&g->qlock);
		free(qs);
		q->qs = NULL;
	}
	if (t) {
		/* I/O still in the backend finishes after the binding is gone: take it off the
		 * tenant's in-flight gauge now (the namespace's is settled when it ends). */
		if (q->counted)
			dpd_ctr_add(&dpd_io_counter_slot(&t->stats, (unsigned)th->idx)->inflight, (uint64_t)-q->counted);
		dpd_ctr_add(&dpd_io_counter_slot(&t->stats, (unsigned)th->idx)->connections_closed, 1);
		dpd_tenant_put(t);
		q->tenant = NULL;
	}
}

void io_queue_digest_error(struct io_queue *q)
{
	if (q->qs)
		dpd_ctr_add(&q->qs->c.digest_errors, 1);
	if (q->tenant)
		dpd_ctr_add(&dpd_io_counter_slot(&q->tenant->stats, (unsigned)q->th->idx)->digest_errors, 1);
}

/* ------------------------------------------------------------ I/O path */

static struct dpd_io_counters *ns_slot(struct io_req *io)
{
	return dpd_io_counter_slot(&io->ns->stats, (unsigned)io->q->th->idx);
}

static struct dpd_io_counters *tenant_slot(struct io_queue *q)
{
	return q->tenant ? dpd_io_counter_slot(&q->tenant->stats, (unsigned)q->th->idx) : NULL;
}

/* The counters of every object the I/O is counted against: its namespace,
 * its tenant (if any) and its queue (if it has a stats entry). */
static void counted_slots(struct io_req *io, struct dpd_io_counters *all[3])
{
	all[0] = ns_slot(io);
	all[1] = tenant_slot(io->q);
	all[2] = io->q->qs ? &io->q->qs->c : NULL;
}

/* Add v to a counter of every object the I/O is counted against. */
static void count3(struct io_req *io, size_t field, uint64_t v)
{
	struct dpd_io_counters *all[3];
	counted_slots(io, all);
	for (int i = 0; i < 3; i++)
		if (all[i])
			dpd_ctr_add((uint64_t *)((char *)all[i] + field), v);
}

#define COUNT(io, f, v) count3((io), offsetof(struct dpd_io_counters, f), (v))

void io_req_arrived(struct io_req *io)
{
	if (!io->t0_ns)
		io->t0_ns = io_now_ns();
}

/* The payload view of a read/write for the offload-mode hooks. */
static struct dpd_payload_io payload_io(struct io_req *io)
{
	struct dpd_payload_io p = {
		.mode = io->mode,
		.key = io->key ? io->key->xts : NULL,
		.slba = io->off >> io->ns->lba_shift,
		.block_size = io->ns->block_size,
		.buf = io->buf,
		.len = (uint32_t)io->len,
	};
	counted_slots(io, p.stats);
	return p;
}

static void io_proceed(struct io_req *io)
{
	struct io_thread *th = io->q->th;
	io->mode = __atomic_load_n(&th->g->mode, __ATOMIC_RELAXED);
	io->key = key_get(io->ns);
	if (io->write) {
		struct dpd_payload_io p = payload_io(io);
		int rc = dpd_payload_before_write(&p, th->staging_ok ? &th->staging : NULL);
		if (rc) {
			log_warn("namespace %u of %s: cannot prepare write payload: %s", io->ns->nsid, io->ns->subnqn,
				 strerror(-rc));
			io->go(io, rc);
			return;
		}
	}
	io->backend_t0_ns = io_now_ns();
	io->go(io, 0);
}

int io_req_start(struct io_req *io, struct io_queue *q, struct io_ns *ns, int write, uint64_t off, uint64_t len,
		 uint8_t *buf, io_go_fn go)
{
	struct io_thread *th = q->th;
	io->q = q;
	io->ns = ns;
	io->write = write;
	io->off = off;
	io->len = len;
	io->buf = buf;
	io->go = go;
	io->counted = 1;
	q->counted++;
	io_req_arrived(io);
	COUNT(io, inflight, 1);
	struct dpd_tenant *t = q->tenant;
	if (dpd_tenant_throttles(t) && !th->draining) {
		uint64_t now = io_now_ns();
		/* Behind others of this queue, or out of tokens: wait, never fail. */
		if (!dpd_qos_queue_empty(&q->qos_queue) || !dpd_qos_try_admit(&t->qos, write, len, now)) {
			io->waiter.is_write = write;
			io->waiter.bytes = len;
			dpd_qos_queue_push(&q->qos_queue, &io->waiter, now);
			th->qos_waiting++;
			dpd_ctr_add(&tenant_slot(q)->qos_queued, 1);
			if (q->qs)
				dpd_ctr_add(&q->qs->c.qos_queued, 1);
			return 1;
		}
	}
	io_proceed(io);
	return 0;
}

void io_req_backend_done(struct io_req *io)
{
	if (io->counted && io->backend_t0_ns)
		io->backend_ns = io_now_ns() - io->backend_t0_ns;
}

int io_req_after_read(struct io_req *io)
{
	if (!io->counted || io->write)
		return 0;
	struct io_thread *th = io->q->th;
	struct dpd_payload_io p = payload_io(io);
	int rc = dpd_payload_after_read(&p, th->staging_ok ? &th->staging : NULL);
	if (rc)
		log_warn("namespace %u of %s: cannot prepare read payload: %s", io->ns->nsid, io->ns->subnqn,
			 strerror(-rc));
	return rc;
}

static void uncount(struct io_req *io)
{
	COUNT(io, inflight, (uint64_t)-1);
	io->counted = 0;
	if (io->q->counted)
		io->q->counted--;
}

void io_req_complete(struct io_req *io, int ok)
{
	if (!io->counted || !io->ns)
		return;
	uint64_t e2e = io_now_ns() - io->t0_ns;
	struct dpd_io_counters *all[3];
	counted_slots(io, all);
	for (int i = 0; i < 3; i++)
		if (all[i])
			dpd_io_counters_complete(all[i], io->write, io->len, ok, e2e, io->backend_ns);
	uncount(io);
}

void io_req_release(struct io_req *io)
{
	if (io->counted && io->ns) /* ended without a response (queue closed) */
		uncount(io);
	io_key_put(io->key);
	memset(io, 0, sizeof(*io));
}

/* ------------------------------------------------------------ thread loop */

int io_thread_timeout(struct io_thread *th, int timeout_ms)
{
	/* Queued I/O is re-examined at least every millisecond: the buckets refill
	 * continuously, so this is the QoS timeslice. */
	if (th->qos_waiting)
		return timeout_ms < 1 ? timeout_ms : 1;
	return timeout_ms;
}

static void on_admitted(struct dpd_qos_waiter *w, uint64_t waited_ns, void *arg)
{
	struct io_queue *q = arg;
	struct io_req *io = (struct io_req *)((char *)w - offsetof(struct io_req, waiter));
	struct dpd_io_counters *ts = tenant_slot(q);
	if (ts) {
		dpd_ctr_add(&ts->qos_queued, (uint64_t)-1);
		dpd_ctr_add(&ts->throttled_ios, 1);
		dpd_ctr_add(&ts->throttled_ns, waited_ns);
	}
	if (q->qs) {
		dpd_ctr_add(&q->qs->c.qos_queued, (uint64_t)-1);
		dpd_ctr_add(&q->qs->c.throttled_ios, 1);
		dpd_ctr_add(&q->qs->c.throttled_ns, waited_ns);
	}
	q->th->qos_waiting--;
	struct dpd_io_counters *ns = ns_slot(io);
	dpd_ctr_add(&ns->throttled_ios, 1);
	dpd_ctr_add(&ns->throttled_ns, waited_ns);
	io_proceed(io);
}

void io_thread_poll(struct io_thread *th)
{
	if (!th->qos_waiting) /* the common case: nothing held back, nothing to walk */
		return;
	uint64_t now = io_now_ns(), round = ++th->qos_round;
	/* Oldest waiting I/O first, across all queues of this thread: queues of one tenant
	 * share its tokens in arrival order, so no queue starves another. A queue whose
	 * tenant is out of tokens sits out the rest of this round. */
	for (;;) {
		struct io_queue *best = NULL;
		for (struct io_queue *q = th->queues; q; q = q->next) {
			if (dpd_qos_queue_empty(&q->qos_queue) || q->qos_blocked_round == round)
				continue;
			if (!best || q->qos_queue.head->enqueued_ns < best->qos_queue.head->enqueued_ns)
				best = q;
		}
		if (!best)
			return;
		struct dpd_tenant *t = best->tenant;
		if (!dpd_tenant_throttles(t) || th->draining) {
			/* Limits lifted, tenant removed, or shutting down: let it go. */
			struct dpd_qos_waiter *w = best->qos_queue.head;
			dpd_qos_queue_remove(&best->qos_queue, w);
			on_admitted(w, now - w->enqueued_ns, best);
			continue;
		}
		if (!dpd_qos_queue_drain_n(&best->qos_queue, &t->qos, now, 1, on_admitted, best))
			best->qos_blocked_round = round;
	}
}

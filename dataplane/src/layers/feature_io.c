/* feature_io.c - the I/O-path side of offload modes, AES-XTS, QoS and telemetry.
 * Everything here runs on the reactor that owns the connection; shared state is
 * only touched through atomics (tenant buckets, key pointers) and per-reactor
 * counter slots. See feature_hooks.h for where the target calls in. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "nvme/target.h"
#include "common/util.h"

/* ------------------------------------------------------------ keys */

static struct feat_key *key_get(struct dpd_ns *ns)
{
	/* The control side swaps the pointer and then waits for every reactor to pass a
	 * message barrier before dropping its reference, so load-then-increment here is
	 * safe: it never straddles a barrier. */
	struct feat_key *k = __atomic_load_n(&ns->feat.key, __ATOMIC_ACQUIRE);
	if (k)
		__atomic_add_fetch(&k->refs, 1, __ATOMIC_RELAXED);
	return k;
}

void feat_key_put(struct feat_key *k);
void feat_key_put(struct feat_key *k)
{
	if (k && __atomic_sub_fetch(&k->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		dpd_xts_key_free(k->xts); /* wipes the key material */
		free(k);
	}
}

/* ------------------------------------------------------------ lifecycle */

/* Registered buffers per reactor (pinned memory: 128 x max transfer size); more
 * concurrent commands than this use normal buffers. */
#define FIXED_BUFS_PER_REACTOR 128u

static void slab_register(struct reactor *r)
{
	struct reactor_feat *f = &r->feat;
	uint32_t n = FIXED_BUFS_PER_REACTOR, size = r->buf_size;
	struct iovec *iov = calloc(n, sizeof(*iov));
	f->slab = aligned_alloc(4096, (size_t)n * size);
	f->slab_free = calloc(n, sizeof(*f->slab_free));
	int rc = -ENOMEM;
	if (iov && f->slab && f->slab_free) {
		for (uint32_t i = 0; i < n; i++)
			iov[i] = (struct iovec){ .iov_base = f->slab + (size_t)i * size, .iov_len = size };
		rc = r->ring_ok ? io_uring_register_buffers(&r->ring, iov, n) : -ENODEV;
	}
	free(iov);
	if (rc < 0) {
		/* Not fatal: locked-memory limits or an old kernel. Buffers then come from malloc. */
		log_info("reactor %d: io_uring fixed buffers unavailable (%s); using normal buffers", r->idx,
			 strerror(-rc));
		free(f->slab);
		free(f->slab_free);
		f->slab = NULL;
		f->slab_free = NULL;
		return;
	}
	f->slab_bufs = n;
	f->slab_buf_size = size;
	for (uint32_t i = n; i > 0; i--)
		f->slab_free[f->nslab_free++] = f->slab + (size_t)(i - 1) * size;
	log_debug("reactor %d: %u io_uring fixed buffers of %u bytes registered", r->idx, n, size);
}

int feat_reactor_init(struct reactor *r)
{
	struct dpd_engine *e = r->e;
	uint32_t size = (uint32_t)DPD_MAX(e->opt.max_transfer_bytes, 8192);
	/* One staging buffer per command slot the reactor may run at once is the ceiling;
	 * a few are made up front, the rest on first use and then kept. */
	int rc = dpd_staging_pool_init(&r->feat.staging, size, 4, (uint32_t)(64 * e->opt.max_queue_depth));
	r->feat.staging_ok = rc == 0;
	if (rc == 0)
		slab_register(r);
	return rc;
}

void feat_reactor_fini(struct reactor *r)
{
	if (r->feat.staging_ok)
		dpd_staging_pool_fini(&r->feat.staging);
	r->feat.staging_ok = 0;
	/* The ring is gone by now (its exit unregisters the buffers). */
	free(r->feat.slab);
	free(r->feat.slab_free);
	r->feat.slab = NULL;
	r->feat.slab_free = NULL;
	r->feat.slab_bufs = r->feat.nslab_free = 0;
}

uint8_t *feat_buf_get(struct reactor *r)
{
	struct reactor_feat *f = &r->feat;
	return f->nslab_free ? f->slab_free[--f->nslab_free] : NULL;
}

static int slab_index(const struct reactor_feat *f, const uint8_t *p, unsigned len)
{
	if (!f->slab || p < f->slab || p >= f->slab + (size_t)f->slab_bufs * f->slab_buf_size)
		return -1;
	size_t idx = (size_t)(p - f->slab) / f->slab_buf_size;
	if ((size_t)(p - f->slab) + len > (idx + 1) * f->slab_buf_size)
		return -1;
	return (int)idx;
}

int feat_buf_put(struct reactor *r, uint8_t *buf)
{
	struct reactor_feat *f = &r->feat;
	if (slab_index(f, buf, 0) < 0)
		return 0;
	f->slab_free[f->nslab_free++] = buf;
	return 1;
}

int feat_prep_fixed(struct bio *bio, struct io_uring_sqe *sqe, int write, int fd, uint8_t *buf, unsigned len,
		    uint64_t off)
{
	int idx = slab_index(&bio->r->feat, buf, len);
	if (idx < 0)
		return 0;
	if (write)
		io_uring_prep_write_fixed(sqe, fd, buf, len, off, idx);
	else
		io_uring_prep_read_fixed(sqe, fd, buf, len, off, idx);
	/* Every bio belongs to a request; count against its namespace. */
	struct request *req = (struct request *)((char *)bio - offsetof(struct request, bio));
	if (req->ns)
		dpd_ctr_add(&dpd_io_counter_slot(&req->ns->feat.stats, (unsigned)bio->r->idx)->fixed_buffer_ios, 1);
	return 1;
}

int feat_ns_init(struct dpd_engine *e, struct dpd_ns *ns)
{
	return dpd_io_counter_set_init(&ns->feat.stats, (unsigned)e->nreactors);
}

void feat_ns_fini(struct dpd_ns *ns)
{
	feat_key_put(__atomic_exchange_n(&ns->feat.key, NULL, __ATOMIC_ACQ_REL));
	dpd_io_counter_set_fini(&ns->feat.stats);
}

/* ------------------------------------------------------------ connections */

void feat_conn_connected(struct conn *c)
{
	struct dpd_engine *e = c->r->e;
	if (!c->ctrl || c->ctrl->discovery)
		return;
	if (c->qid != 0) /* tenants throttle I/O queues; the admin queue is never held back */
		c->feat.tenant = dpd_tenants_bind(&e->feat.tenants, c->ctrl->hostnqn, c->ctrl->subnqn);
	struct feat_queue_stats *qs = calloc(1, sizeof(*qs));
	if (qs) {
		snprintf(qs->subnqn, sizeof(qs->subnqn), "%s", c->ctrl->subnqn);
		snprintf(qs->hostnqn, sizeof(qs->hostnqn), "%s", c->ctrl->hostnqn);
		if (c->feat.tenant)
			snprintf(qs->tenant, sizeof(qs->tenant), "%s", c->feat.tenant->name);
		qs->cntlid = c->ctrl->cntlid;
		qs->qid = c->qid;
		dpd_ctr_add(&qs->c.connections_opened, 1);
		pthread_mutex_lock(&e->feat.qlock);
		qs->next = e->feat.queues;
		if (qs->next)
			qs->next->prev = qs;
		e->feat.queues = qs;
		pthread_mutex_unlock(&e->feat.qlock);
		c->feat.qs = qs;
	}
	if (c->feat.tenant)
		dpd_ctr_add(&dpd_io_counter_slot(&c->feat.tenant->stats, (unsigned)c->r->idx)->connections_opened, 1);
}

void feat_conn_closed(struct conn *c)
{
	struct dpd_engine *e = c->r->e;
	/* Queued I/O of a closed queue is never started: it was not acknowledged, the
	 * host retries it elsewhere. Its requests are freed with the connection. */
	struct dpd_tenant *t = c->feat.tenant;
	while (!dpd_qos_queue_empty(&c->feat.qos_queue)) {
		struct dpd_qos_waiter *w = c->feat.qos_queue.head;
		dpd_qos_queue_remove(&c->feat.qos_queue, w);
		c->r->feat.qos_waiting--;
		if (t)
			dpd_ctr_add(&dpd_io_counter_slot(&t->stats, (unsigned)c->r->idx)->qos_queued, (uint64_t)-1);
		if (c->feat.qs)
			dpd_ctr_add(&c->feat.qs->c.qos_queued, (uint64_t)-1);
	}
	if (c->feat.qs) {
		pthread_mutex_lock(&e->feat.qlock);
		struct feat_queue_stats *qs = c->feat.qs;
		if (qs->prev)
			qs->prev->next = qs->next;
		else
			e->feat.queues = qs->next;
		if (qs->next)
			qs->next->prev = qs->prev;
		pthread_mutex_unlock(&e->feat.qlock);
		free(qs);
		c->feat.qs = NULL;
	}
	if (t) {
		/* I/O still in the backend finishes after the binding is gone: take it off the
		 * tenant's in-flight gauge now (the namespace's is settled when it ends). */
		for (uint32_t i = 0; i < c->nreqs; i++)
			if (c->reqs[i].feat.counted)
				dpd_ctr_add(&dpd_io_counter_slot(&t->stats, (unsigned)c->r->idx)->inflight, (uint64_t)-1);
		dpd_ctr_add(&dpd_io_counter_slot(&t->stats, (unsigned)c->r->idx)->connections_closed, 1);
		dpd_tenant_put(t);
		c->feat.tenant = NULL;
	}
}

void feat_digest_error(struct conn *c)
{
	if (c->feat.qs)
		dpd_ctr_add(&c->feat.qs->c.digest_errors, 1);
	if (c->feat.tenant)
		dpd_ctr_add(&dpd_io_counter_slot(&c->feat.tenant->stats, (unsigned)c->r->idx)->digest_errors, 1);
}

/* ------------------------------------------------------------ I/O path */

static struct dpd_io_counters *ns_slot(struct request *req)
{
	return dpd_io_counter_slot(&req->ns->feat.stats, (unsigned)req->c->r->idx);
}

static struct dpd_io_counters *tenant_slot(struct conn *c)
{
	return c->feat.tenant ? dpd_io_counter_slot(&c->feat.tenant->stats, (unsigned)c->r->idx) : NULL;
}

/* Add v to a counter of every object the I/O is counted against. */
static void count3(struct request *req, size_t field, uint64_t v)
{
	struct dpd_io_counters *all[3] = {ns_slot(req), tenant_slot(req->c),
									  req->c->feat.qs ? &req->c->feat.qs->c : NULL};
	for (int i = 0; i < 3; i++)
		if (all[i])
			dpd_ctr_add((uint64_t *)((char *)all[i] + field), v);
}

#define COUNT(req, f, v) count3((req), offsetof(struct dpd_io_counters, f), (v))

void feat_io_arrived(struct request *req)
{
	if (!req->feat.t0_ns)
		req->feat.t0_ns = feat_now_ns();
}

/* The payload view of a read/write for the offload-mode hooks. */
static struct dpd_payload_io payload_io(struct request *req)
{
	struct req_feat *f = &req->feat;
	return (struct dpd_payload_io){
		.mode = f->mode,
		.key = f->key ? f->key->xts : NULL,
		.slba = f->off >> req->ns->lba_shift,
		.block_size = req->ns->block_size,
		.buf = req->buf,
		.len = (uint32_t)f->len,
		.stats = { ns_slot(req), tenant_slot(req->c), req->c->feat.qs ? &req->c->feat.qs->c : NULL },
	};
}

static void io_proceed(struct request *req)
{
	struct reactor *r = req->c->r;
	struct req_feat *f = &req->feat;
	f->mode = __atomic_load_n(&r->e->feat.mode, __ATOMIC_RELAXED);
	f->key = key_get(req->ns);
	if (f->write) {
		struct dpd_payload_io io = payload_io(req);
		int rc = dpd_payload_before_write(&io, r->feat.staging_ok ? &r->feat.staging : NULL);
		if (rc) {
			log_warn("namespace %u of %s: cannot prepare write payload: %s", req->ns->nsid, req->ns->subnqn,
				 strerror(-rc));
			req_complete(req, NVME_SC_INTERNAL);
			return;
		}
	}
	f->backend_t0_ns = feat_now_ns();
	io_rw_submit(req);
}

void feat_io_start(struct request *req, int write, uint64_t off, uint64_t len)
{
	struct conn *c = req->c;
	struct req_feat *f = &req->feat;
	f->write = write;
	f->off = off;
	f->len = len;
	f->counted = 1;
	feat_io_arrived(req);
	COUNT(req, inflight, 1);
	struct dpd_tenant *t = c->feat.tenant;
	if (dpd_tenant_throttles(t) && !c->r->draining) {
		uint64_t now = feat_now_ns();
		/* Behind others of this queue, or out of tokens: wait, never fail. */
		if (!dpd_qos_queue_empty(&c->feat.qos_queue) || !dpd_qos_try_admit(&t->qos, write, len, now)) {
			f->waiter.is_write = write;
			f->waiter.bytes = len;
			dpd_qos_queue_push(&c->feat.qos_queue, &f->waiter, now);
			c->r->feat.qos_waiting++;
			dpd_ctr_add(&tenant_slot(c)->qos_queued, 1);
			if (c->feat.qs)
				dpd_ctr_add(&c->feat.qs->c.qos_queued, 1);
			return;
		}
	}
	io_proceed(req);
}

void feat_io_backend_done(struct request *req)
{
	if (req->feat.counted && req->feat.backend_t0_ns)
		req->feat.backend_ns = feat_now_ns() - req->feat.backend_t0_ns;
}

uint16_t feat_io_after_read(struct request *req)
{
	struct req_feat *f = &req->feat;
	struct reactor *r = req->c->r;
	if (!f->counted || f->write)
		return 0;
	struct dpd_payload_io io = payload_io(req);
	int rc = dpd_payload_after_read(&io, r->feat.staging_ok ? &r->feat.staging : NULL);
	if (rc) {
		log_warn("namespace %u of %s: cannot prepare read payload: %s", req->ns->nsid, req->ns->subnqn,
			 strerror(-rc));
		return NVME_SC_INTERNAL;
	}
	return 0;
}

void feat_req_complete(struct request *req, uint16_t status)
{
	struct req_feat *f = &req->feat;
	if (!f->counted || !req->ns)
		return;
	uint64_t e2e = feat_now_ns() - f->t0_ns;
	int ok = status == NVME_SC_SUCCESS;
	struct dpd_io_counters *all[3] = {ns_slot(req), tenant_slot(req->c),
									  req->c->feat.qs ? &req->c->feat.qs->c : NULL};
	for (int i = 0; i < 3; i++)
		if (all[i])
			dpd_io_counters_complete(all[i], f->write, f->len, ok, e2e, f->backend_ns);
	COUNT(req, inflight, (uint64_t)-1);
	f->counted = 0;
}

void feat_req_release(struct request *req)
{
	struct req_feat *f = &req->feat;
	if (f->counted && req->ns) /* ended without a response (queue closed) */
		COUNT(req, inflight, (uint64_t)-1);
	feat_key_put(f->key);
	memset(f, 0, sizeof(*f));
}

/* ------------------------------------------------------------ reactor loop */

int feat_reactor_timeout(struct reactor *r, int timeout_ms)
{
	/* Queued I/O is re-examined at least every millisecond: the buckets refill
	 * continuously, so this is the QoS timeslice. */
	if (r->feat.qos_waiting)
		return timeout_ms < 1 ? timeout_ms : 1;
	return timeout_ms;
}

static void on_admitted(struct dpd_qos_waiter *w, uint64_t waited_ns, void *arg)
{
	struct conn *c = arg;
	struct request *req = (struct request *)((char *)w - offsetof(struct request, feat.waiter));
	struct dpd_io_counters *ts = tenant_slot(c);
	if (ts) {
		dpd_ctr_add(&ts->qos_queued, (uint64_t)-1);
		dpd_ctr_add(&ts->throttled_ios, 1);
		dpd_ctr_add(&ts->throttled_ns, waited_ns);
	}
	if (c->feat.qs) {
		dpd_ctr_add(&c->feat.qs->c.qos_queued, (uint64_t)-1);
		dpd_ctr_add(&c->feat.qs->c.throttled_ios, 1);
		dpd_ctr_add(&c->feat.qs->c.throttled_ns, waited_ns);
	}
	c->r->feat.qos_waiting--;
	struct dpd_io_counters *ns = ns_slot(req);
	dpd_ctr_add(&ns->throttled_ios, 1);
	dpd_ctr_add(&ns->throttled_ns, waited_ns);
	io_proceed(req);
}

void feat_reactor_poll(struct reactor *r)
{
	if (!r->feat.qos_waiting) /* the common case: nothing held back, nothing to walk */
		return;
	uint64_t now = feat_now_ns(), round = ++r->feat.qos_round;
	/* Oldest waiting I/O first, across all queues of this reactor: queues of one tenant
	 * share its tokens in arrival order, so no queue starves another. A queue whose
	 * tenant is out of tokens sits out the rest of this round. */
	for (;;) {
		struct conn *best = NULL;
		for (struct conn *c = r->conns; c; c = c->next) {
			if (c->closed || dpd_qos_queue_empty(&c->feat.qos_queue) || c->feat.qos_blocked_round == round)
				continue;
			if (!best || c->feat.qos_queue.head->enqueued_ns < best->feat.qos_queue.head->enqueued_ns)
				best = c;
		}
		if (!best)
			return;
		struct dpd_tenant *t = best->feat.tenant;
		if (!dpd_tenant_throttles(t) || r->draining) {
			/* Limits lifted, tenant removed, or shutting down: let it go. */
			struct dpd_qos_waiter *w = best->feat.qos_queue.head;
			dpd_qos_queue_remove(&best->feat.qos_queue, w);
			on_admitted(w, now - w->enqueued_ns, best);
			continue;
		}
		if (!dpd_qos_queue_drain_n(&best->feat.qos_queue, &t->qos, now, 1, on_admitted, best))
			best->feat.qos_blocked_round = round;
	}
}

/* layers_api.c - public API of offload modes, namespace keys, tenants and the
 * telemetry part of the stats snapshot (declared in dpudp.h). Configuration
 * calls run on the caller's thread under the engine lock; the I/O path sees
 * their effect through atomics (mode, key pointer, tenant buckets). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "backends/remote.h"
#include "control/engine.h"

_Static_assert(DPD_OFFLOAD_NON_OFFLOAD == DPD_MODE_NON_OFFLOAD && DPD_OFFLOAD_ZERO_COPY == DPD_MODE_ZERO_COPY &&
		       DPD_OFFLOAD_FULL_OFFLOAD == DPD_MODE_FULL_OFFLOAD &&
		       DPD_OFFLOAD_FALLBACK_DEGRADE == DPD_FALLBACK_DEGRADE && DPD_OFFLOAD_FALLBACK_FAIL == DPD_FALLBACK_FAIL,
	       "public and internal offload constants agree");


int dpd_engine_set_offload_mode(dpd_engine *e, int mode, int fallback)
{
	if (!e)
		return set_error(-EINVAL, "engine is NULL");
	int eff = -1;
	int rc = dpd_offload_resolve_mode(mode, fallback, &eff);
	if (rc == -EINVAL)
		return set_error(rc, "offload mode %d / fallback %d unknown", mode, fallback);
	/* The reason probes the sys tree again: only when the requested mode cannot run. */
	char why[256] = "";
	if (rc == -ENOTSUP || eff != mode)
		dpd_offload_why_unavailable(why, sizeof(why));
	if (rc == -ENOTSUP)
		return set_error(rc, "offload mode %s is unavailable on this node (%s) and the fallback policy is Fail",
				 dpd_offload_mode_name(mode), why);
	pthread_mutex_lock(&e->lock);
	e->io.requested_mode = mode;
	e->io.fallback = fallback;
	__atomic_store_n(&e->io.mode, eff, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&e->lock);
	if (eff != mode)
		log_warn("offload mode %s is unavailable on this node (%s); running %s", dpd_offload_mode_name(mode),
			 why, dpd_offload_mode_name(eff));
	else
		log_info("offload mode %s", dpd_offload_mode_name(eff));
	return eff;
}

int dpd_engine_offload_mode(dpd_engine *e)
{
	return e ? __atomic_load_n(&e->io.mode, __ATOMIC_ACQUIRE) : -EINVAL;
}

/* ------------------------------------------------------------ keys */

static struct dpd_ns *find_ns_locked(struct dpd_engine *e, const char *nqn, uint32_t nsid)
{
	for (int i = 0; i < e->nsubs; i++)
		if (strcmp(e->subs[i].nqn, nqn) == 0)
			return subsys_find_ns(&e->subs[i], nsid);
	return NULL;
}

/* Swap a namespace's key. The old one is released only after every reactor has
 * passed a message barrier, so no I/O can be between loading the pointer and
 * taking its reference; I/O still holding it keeps it until done. */
static int swap_key(struct dpd_engine *e, const char *nqn, uint32_t nsid, struct io_key *nk)
{
	pthread_mutex_lock(&e->lock);
	struct dpd_ns *ns = find_ns_locked(e, nqn, nsid);
	if (!ns) {
		pthread_mutex_unlock(&e->lock);
		io_key_put(nk);
		return set_error(-ENOENT, "no namespace %u in %s", nsid, nqn ? nqn : "(null)");
	}
	struct io_key *old = __atomic_exchange_n(&ns->io.key, nk, __ATOMIC_ACQ_REL);
	int rc = 0;
	if (old && e->started)
		rc = engine_publish(e);
	pthread_mutex_unlock(&e->lock);
	io_key_put(old);
	return rc;
}

int dpd_ns_set_key(dpd_engine *e, const char *nqn, uint32_t nsid, const uint8_t *key, uint32_t key_len)
{
	if (!e || !nqn || !key)
		return set_error(-EINVAL, "engine, NQN or key is NULL");
	if (key_len != DPD_XTS_KEY_BYTES)
		return set_error(-EINVAL, "AES-256-XTS key must be %d bytes (key1||key2), got %u", DPD_XTS_KEY_BYTES,
				 key_len);
	struct io_key *nk = calloc(1, sizeof(*nk));
	if (!nk)
		return set_error(-ENOMEM, "out of memory");
	int rc = dpd_xts_key_new(key, &nk->xts);
	if (rc) {
		free(nk);
		return set_error(rc, rc == -EINVAL ? "AES-XTS key halves are equal; use two independent 256-bit keys"
						   : "cannot set up the cipher");
	}
	nk->refs = 1;
	rc = swap_key(e, nqn, nsid, nk);
	if (rc == 0)
		log_info("namespace %u of %s: AES-256-XTS encryption on", nsid, nqn);
	return rc;
}

int dpd_ns_clear_key(dpd_engine *e, const char *nqn, uint32_t nsid)
{
	if (!e || !nqn)
		return set_error(-EINVAL, "engine or NQN is NULL");
	int rc = swap_key(e, nqn, nsid, NULL);
	if (rc == 0)
		log_info("namespace %u of %s: encryption off, key wiped", nsid, nqn);
	return rc;
}

/* ------------------------------------------------------------ tenants */

static int tenant_rc(int rc, const char *what, const char *name)
{
	switch (rc) {
	case 0: return 0;
	case -EEXIST: return set_error(rc, "%s: tenant %s: already present", what, name ? name : "");
	case -ENOENT: return set_error(rc, "%s: tenant %s: not found", what, name ? name : "");
	case -EBUSY: return set_error(rc, "%s: tenant %s: already belongs to another tenant", what, name ? name : "");
	case -ENOMEM: return set_error(rc, "out of memory");
	default: return set_error(rc, "%s: tenant %s: invalid argument", what, name ? name : "");
	}
}

int dpd_tenant_add(dpd_engine *e, const char *name)
{
	if (!e)
		return set_error(-EINVAL, "engine is NULL");
	return tenant_rc(dpd_tenants_add(&e->io.tenants, name, NULL), "add", name);
}

int dpd_tenant_remove(dpd_engine *e, const char *name)
{
	if (!e)
		return set_error(-EINVAL, "engine is NULL");
	return tenant_rc(dpd_tenants_remove(&e->io.tenants, name), "remove", name);
}

int dpd_tenant_set_limits(dpd_engine *e, const char *name, uint64_t read_iops, uint64_t write_iops,
			  uint64_t total_iops, uint64_t read_bytes_per_sec, uint64_t write_bytes_per_sec,
			  uint64_t total_bytes_per_sec, uint64_t burst_iops, uint64_t burst_bytes)
{
	if (!e)
		return set_error(-EINVAL, "engine is NULL");
	struct dpd_qos_limits l = {
		.read_iops = read_iops,
		.write_iops = write_iops,
		.total_iops = total_iops,
		.read_bytes_per_sec = read_bytes_per_sec,
		.write_bytes_per_sec = write_bytes_per_sec,
		.total_bytes_per_sec = total_bytes_per_sec,
		.burst_iops = burst_iops,
		.burst_bytes = burst_bytes,
	};
	if (dpd_qos_limits_validate(&l))
		return set_error(-EINVAL, "tenant %s: a limit is above 10^12 per second (or burst above 10^12)",
				 name ? name : "");
	int rc = tenant_rc(dpd_tenants_set_limits(&e->io.tenants, name, &l), "set limits", name);
	if (rc == 0)
		log_info("tenant %s: limits read/write/total IOPS %llu/%llu/%llu, bytes/s %llu/%llu/%llu, burst %llu IOPS %llu bytes",
			 name, (unsigned long long)read_iops, (unsigned long long)write_iops,
			 (unsigned long long)total_iops, (unsigned long long)read_bytes_per_sec,
			 (unsigned long long)write_bytes_per_sec, (unsigned long long)total_bytes_per_sec,
			 (unsigned long long)burst_iops, (unsigned long long)burst_bytes);
	return rc;
}

int dpd_tenant_host_add(dpd_engine *e, const char *name, const char *host_nqn)
{
	if (!e)
		return set_error(-EINVAL, "engine is NULL");
	return tenant_rc(dpd_tenants_host_add(&e->io.tenants, name, host_nqn), "add host", name);
}

int dpd_tenant_host_remove(dpd_engine *e, const char *name, const char *host_nqn)
{
	if (!e)
		return set_error(-EINVAL, "engine is NULL");
	return tenant_rc(dpd_tenants_host_remove(&e->io.tenants, name, host_nqn), "remove host", name);
}

int dpd_tenant_ns_add(dpd_engine *e, const char *name, const char *nqn, uint32_t nsid)
{
	if (!e)
		return set_error(-EINVAL, "engine is NULL");
	return tenant_rc(dpd_tenants_ns_add(&e->io.tenants, name, nqn, nsid), "add namespace", name);
}

int dpd_tenant_ns_remove(dpd_engine *e, const char *name, const char *nqn, uint32_t nsid)
{
	if (!e)
		return set_error(-EINVAL, "engine is NULL");
	return tenant_rc(dpd_tenants_ns_remove(&e->io.tenants, name, nqn, nsid), "remove namespace", name);
}

/* ------------------------------------------------------------ telemetry */

struct layer_queue_copy {
	char subnqn[224], hostnqn[224], tenant[DPD_TENANT_NAME_MAX];
	uint32_t id;
	struct dpd_io_counters c;
};

struct layer_stats {
	int nns;
	struct dpd_io_counters *ns;      /* same order as the target's namespace list */
	struct dpd_io_counters node;     /* all of ns summed (DPD_KIND_NODE) */
	int ntenants;
	struct dpd_tenant_stat *tenants;
	int nqueues;
	struct layer_queue_copy *queues;
};

void layer_stats_free(struct layer_stats *fs)
{
	if (!fs)
		return;
	free(fs->ns);
	free(fs->tenants);
	free(fs->queues);
	free(fs);
}

/* Called by dpd_stats_snapshot() under e->lock, in the same pass over the
 * namespaces as the target's counters. */
struct layer_stats *layer_stats_take(struct dpd_engine *e)
{
	struct layer_stats *fs = calloc(1, sizeof(*fs));
	if (!fs)
		return NULL;
	int total = 0;
	for (int i = 0; i < e->nsubs; i++)
		total += e->subs[i].nns;
	fs->ns = calloc((size_t)DPD_MAX(total, 1), sizeof(*fs->ns));
	if (!fs->ns)
		goto fail;
	for (int i = 0; i < e->nsubs; i++)
		for (int j = 0; j < e->subs[i].nns; j++)
			dpd_io_counter_set_snapshot(&e->subs[i].ns[j]->io.stats, &fs->ns[fs->nns++]);
	for (int i = 0; i < fs->nns; i++)
		dpd_io_counters_accumulate(&fs->node, &fs->ns[i]);
	if (dpd_tenants_snapshot(&e->io.tenants, &fs->tenants, &fs->ntenants))
		goto fail;
	pthread_mutex_lock(&e->io.qlock);
	int nq = 0;
	for (struct io_queue_stats *q = e->io.queues; q; q = q->next)
		nq++;
	fs->queues = calloc((size_t)DPD_MAX(nq, 1), sizeof(*fs->queues));
	if (fs->queues) {
		for (struct io_queue_stats *q = e->io.queues; q; q = q->next) {
			struct layer_queue_copy *o = &fs->queues[fs->nqueues++];
			snprintf(o->subnqn, sizeof(o->subnqn), "%s", q->subnqn);
			snprintf(o->hostnqn, sizeof(o->hostnqn), "%s", q->hostnqn);
			snprintf(o->tenant, sizeof(o->tenant), "%s", q->tenant);
			o->id = (uint32_t)q->cntlid << 16 | q->qid;
			dpd_io_counters_accumulate(&o->c, &q->c);
		}
	}
	pthread_mutex_unlock(&e->io.qlock);
	if (!fs->queues)
		goto fail;
	return fs;
fail:
	layer_stats_free(fs);
	return NULL;
}

static const struct dpd_io_counters *counters(const dpd_stats *s, int kind, int idx)
{
	const struct layer_stats *fs = stats_layers(s);
	if (!fs || idx < 0)
		return NULL;
	switch (kind) {
	case DPD_KIND_NS: return idx < fs->nns ? &fs->ns[idx] : NULL;
	case DPD_KIND_TENANT: return idx < fs->ntenants ? &fs->tenants[idx].c : NULL;
	case DPD_KIND_QUEUE: return idx < fs->nqueues ? &fs->queues[idx].c : NULL;
	case DPD_KIND_NODE: return idx == 0 ? &fs->node : NULL;
	default: return NULL;
	}
}

int dpd_stats_tenant_count(const dpd_stats *s)
{
	const struct layer_stats *fs = stats_layers(s);
	return fs ? fs->ntenants : 0;
}

int dpd_stats_queue_count(const dpd_stats *s)
{
	const struct layer_stats *fs = stats_layers(s);
	return fs ? fs->nqueues : 0;
}

const char *dpd_stats_tenant_name(const dpd_stats *s, int idx)
{
	const struct layer_stats *fs = stats_layers(s);
	return (fs && idx >= 0 && idx < fs->ntenants) ? fs->tenants[idx].name : NULL;
}

uint64_t dpd_stats_tenant_limit(const dpd_stats *s, int idx, int limit)
{
	const struct layer_stats *fs = stats_layers(s);
	if (!fs || idx < 0 || idx >= fs->ntenants)
		return 0;
	const struct dpd_qos_limits *l = &fs->tenants[idx].limits;
	const uint64_t v[8] = { l->read_iops, l->write_iops, l->total_iops, l->read_bytes_per_sec,
				l->write_bytes_per_sec, l->total_bytes_per_sec, l->burst_iops, l->burst_bytes };
	return limit >= 0 && limit < 8 ? v[limit] : 0;
}

static const struct layer_queue_copy *queue_at(const dpd_stats *s, int idx)
{
	const struct layer_stats *fs = stats_layers(s);
	return (fs && idx >= 0 && idx < fs->nqueues) ? &fs->queues[idx] : NULL;
}

const char *dpd_stats_queue_subsystem(const dpd_stats *s, int idx)
{
	const struct layer_queue_copy *q = queue_at(s, idx);
	return q ? q->subnqn : NULL;
}

const char *dpd_stats_queue_host(const dpd_stats *s, int idx)
{
	const struct layer_queue_copy *q = queue_at(s, idx);
	return q ? q->hostnqn : NULL;
}

const char *dpd_stats_queue_tenant(const dpd_stats *s, int idx)
{
	const struct layer_queue_copy *q = queue_at(s, idx);
	return q ? q->tenant : NULL;
}

uint32_t dpd_stats_queue_id(const dpd_stats *s, int idx)
{
	const struct layer_queue_copy *q = queue_at(s, idx);
	return q ? q->id : 0;
}

uint64_t dpd_stats_io(const dpd_stats *s, int kind, int idx, int id)
{
	const struct dpd_io_counters *c = counters(s, kind, idx);
	if (!c)
		return 0;
	switch (id) {
	case DPD_IO_READ_OPS: return c->read_ops;
	case DPD_IO_WRITE_OPS: return c->write_ops;
	case DPD_IO_READ_BYTES: return c->read_bytes;
	case DPD_IO_WRITE_BYTES: return c->write_bytes;
	case DPD_IO_ERRORS: return c->errors;
	case DPD_IO_DIGEST_ERRORS: return c->digest_errors;
	case DPD_IO_THROTTLED: return c->throttled_ios;
	case DPD_IO_THROTTLED_NS: return c->throttled_ns;
	case DPD_IO_PAYLOAD_COPIES: return c->payload_copies;
	case DPD_IO_COPIED_BYTES: return c->copied_bytes;
	case DPD_IO_INFLIGHT: return c->inflight;
	case DPD_IO_QOS_QUEUED: return c->qos_queued;
	case DPD_IO_CONNECTIONS: return c->connections_opened - c->connections_closed;
	case DPD_IO_FIXED_BUFFER_IOS: return c->fixed_buffer_ios;
	case DPD_IO_XTS_BYTES: return c->xts_bytes;
	default: return 0;
	}
}

int dpd_stats_hist_buckets(void) { return DPD_HIST_BUCKETS; }

uint64_t dpd_stats_hist_bucket_upper_ns(int b)
{
	return b >= 0 && b < (int)DPD_HIST_BUCKETS ? dpd_hist_bucket_upper((unsigned)b) : 0;
}

static const struct dpd_hist *hist_of(const dpd_stats *s, int kind, int idx, int hist)
{
	if (kind == DPD_KIND_REMOTE) { /* the remote round trip (remotes.c) */
		const struct remote_snap *r = hist == DPD_HIST_BACKEND ? stats_remote(s, idx) : NULL;
		return r ? &r->hist : NULL;
	}
	const struct dpd_io_counters *c = counters(s, kind, idx);
	if (!c)
		return NULL;
	return hist == DPD_HIST_E2E ? &c->e2e : hist == DPD_HIST_BACKEND ? &c->backend : NULL;
}

uint64_t dpd_stats_hist_bucket(const dpd_stats *s, int kind, int idx, int hist, int b)
{
	const struct dpd_hist *h = hist_of(s, kind, idx, hist);
	return (h && b >= 0 && b < (int)DPD_HIST_BUCKETS) ? h->buckets[b] : 0;
}

uint64_t dpd_stats_hist_sum_ns(const dpd_stats *s, int kind, int idx, int hist)
{
	const struct dpd_hist *h = hist_of(s, kind, idx, hist);
	return h ? h->sum_ns : 0;
}

uint64_t dpd_stats_latency_ns(const dpd_stats *s, int kind, int idx, int hist, double p)
{
	const struct dpd_hist *h = hist_of(s, kind, idx, hist);
	return h ? dpd_hist_percentile(h, p) : 0;
}

/*
 * feature_hooks.h - what the offload modes, AES-XTS, per-tenant QoS and telemetry add to
 * the target's objects, and the hooks the queue/command code calls. The logic lives
 * in feature_io.c (I/O path) and feature_api.c (public API, stats snapshot); the
 * target's files only embed these structs and call the hooks at fixed points:
 *
 *   fabrics Connect done  -> feat_conn_connected()   bind the queue to its tenant
 *   read/write validated  -> feat_io_start()         QoS gate, then payload + backend
 *   backend finished      -> feat_io_backend_done() / feat_io_after_read()
 *   response queued       -> feat_req_complete()     latency and counters
 *   request freed         -> feat_req_release()
 *   queue closed          -> feat_conn_closed()
 *   reactor loop          -> feat_reactor_timeout() / feat_reactor_poll()
 */
#ifndef DPD_FEATURE_HOOKS_H
#define DPD_FEATURE_HOOKS_H

#include <pthread.h>
#include <stdint.h>

#include "telemetry/io_stats.h"
#include "layers/offload.h"
#include "layers/qos.h"
#include "layers/tenant.h"
#include "layers/xts.h"

struct request;
struct conn;
struct reactor;
struct dpd_engine;
struct dpd_ns;
struct dpd_stats;

/* A namespace key shared by the I/Os using it; wiped when the last one lets go. */
struct feat_key {
	int refs; /* atomic */
	struct dpd_xts_key *xts;
};

/* Counters of one queue (one connection), listed for snapshots while it is open. */
struct feat_queue_stats {
	struct feat_queue_stats *next, *prev;
	char subnqn[224];
	char hostnqn[224];
	char tenant[DPD_TENANT_NAME_MAX];
	uint16_t cntlid, qid;
	struct dpd_io_counters c; /* written only by the queue's reactor */
};

struct req_feat {
	uint64_t t0_ns;            /* command arrived */
	uint64_t backend_t0_ns, backend_ns;
	uint64_t off, len;
	int write;
	int counted;               /* a read/write: recorded at completion */
	int mode;                  /* offload mode this I/O runs in */
	struct feat_key *key;      /* referenced while the I/O runs */
	struct dpd_qos_waiter waiter;
};

struct conn_feat {
	struct dpd_tenant *tenant;          /* referenced; NULL = no tenant */
	struct feat_queue_stats *qs;
	struct dpd_qos_queue qos_queue;     /* this queue's I/O waiting for its tenant's tokens */
	uint64_t qos_blocked_round;         /* out of tokens in this reactor poll round */
};

struct ns_feat {
	struct feat_key *key;               /* atomic pointer; NULL = not encrypted */
	struct dpd_io_counter_set stats;    /* one slot per reactor */
};

struct reactor_feat {
	struct dpd_staging_pool staging;    /* NonOffload staging buffers */
	int staging_ok;
	/* Data buffers registered with the reactor's io_uring (fixed buffers): the first
	 * requests' payloads land here and the backend reads/writes them with
	 * IORING_OP_{READ,WRITE}_FIXED, so the kernel does not map the pages per I/O. */
	uint8_t *slab;
	uint32_t slab_bufs, slab_buf_size;
	uint8_t **slab_free;
	uint32_t nslab_free;
	uint32_t qos_waiting;              /* I/Os of this reactor's queues waiting for QoS */
	uint64_t qos_round;                /* poll rounds, for qos_blocked_round */
};

struct engine_feat {
	struct dpd_tenant_registry tenants;
	int mode;                           /* atomic: effective offload mode */
	int requested_mode, fallback;
	pthread_mutex_t qlock;              /* queue-stats list: connect, close, snapshot */
	struct feat_queue_stats *queues;
	int ready;
};

static inline uint64_t feat_now_ns(void) { return dpd_qos_now_ns(); }

/* lifecycle */
int feat_engine_init(struct dpd_engine *e);
void feat_engine_fini(struct dpd_engine *e);
int feat_reactor_init(struct reactor *r);
void feat_reactor_fini(struct reactor *r);
int feat_ns_init(struct dpd_engine *e, struct dpd_ns *ns);
void feat_ns_fini(struct dpd_ns *ns);

/* connections */
void feat_conn_connected(struct conn *c);
void feat_conn_closed(struct conn *c);
void feat_digest_error(struct conn *c);

/* I/O path */
void feat_io_arrived(struct request *req);
void feat_io_start(struct request *req, int write, uint64_t off, uint64_t len);
void feat_io_backend_done(struct request *req);
/* 0, or an NVMe status to complete the read with (decryption failed). */
uint16_t feat_io_after_read(struct request *req);
void feat_req_complete(struct request *req, uint16_t status);
void feat_req_release(struct request *req);

/* registered (fixed) data buffers; called by reactor_buf_get/put and the file backend */
uint8_t *feat_buf_get(struct reactor *r);
int feat_buf_put(struct reactor *r, uint8_t *buf);
struct bio;
struct io_uring_sqe;
/* Prepare a read/write of [buf, buf+len) as a fixed-buffer operation when buf lies in
 * the registered slab. Returns 1 if it did, 0 if the caller prepares a normal one. */
int feat_prep_fixed(struct bio *bio, struct io_uring_sqe *sqe, int write, int fd, uint8_t *buf, unsigned len,
		    uint64_t off);

/* reactor loop */
int feat_reactor_timeout(struct reactor *r, int timeout_ms);
void feat_reactor_poll(struct reactor *r);

/* stats snapshot: taken under e->lock together with the target's own counters */
struct feat_stats;
struct feat_stats *feat_stats_take(struct dpd_engine *e);
void feat_stats_free(struct feat_stats *fs);
const struct feat_stats *stats_feat(const struct dpd_stats *s); /* engine.c */

/* Provided by io_cmd.c: hand a validated read/write to the backend. */
void io_rw_submit(struct request *req);

#endif

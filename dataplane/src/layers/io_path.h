/*
 * io_path.h - the layers every read and write passes between the command set and the
 * backend: tenant QoS (admission), the offload mode's payload handling (AES-XTS, staging
 * copies) and the I/O counters of its namespace, tenant and queue.
 *
 * The command set owns the request and drives it:
 *
 *   io_req_start()        count it, QoS gate; when admitted (now or later, from
 *                         io_thread_poll) prepare the write payload and call io->go
 *   io_req_backend_done() backend finished (latency split)
 *   io_req_after_read()   decrypt / copy out of staging before data goes to the host
 *   io_req_complete()     latency and counters at the response
 *   io_req_release()      the request is freed (also when it never got a response)
 *
 * These layers know nothing of NVMe queues, PDUs or reactors: a queue is an io_queue,
 * a thread is an io_thread, a namespace is an io_ns, and they only call down (backends
 * are reached through the command set's io->go, telemetry through the counters).
 */
#ifndef DPD_IO_PATH_H
#define DPD_IO_PATH_H

#include <pthread.h>
#include <stdint.h>

#include "layers/offload.h"
#include "layers/qos.h"
#include "layers/tenant.h"
#include "layers/xts.h"
#include "telemetry/io_stats.h"

/* A namespace key shared by the I/Os using it; wiped when the last one lets go. */
struct io_key {
	int refs; /* atomic */
	struct dpd_xts_key *xts;
};

/* Drop a reference (NULL is fine); the last one frees the cipher. */
void io_key_put(struct io_key *k);

/* Counters of one queue (one connection), listed for snapshots while it is open. */
struct io_queue_stats {
	struct io_queue_stats *next, *prev;
	char subnqn[224];
	char hostnqn[224];
	char tenant[DPD_TENANT_NAME_MAX];
	uint16_t cntlid, qid;
	struct dpd_io_counters c; /* written only by the queue's thread */
};

/* Engine-wide: tenants, the offload mode, the list of open queues' counters. */
struct io_layers {
	struct dpd_tenant_registry tenants;
	int mode;                           /* atomic: effective offload mode */
	int requested_mode, fallback;
	pthread_mutex_t qlock;              /* queue-stats list: connect, close, snapshot */
	struct io_queue_stats *queues;
	int ready;
};

/* What one namespace carries for these layers. */
struct io_ns {
	struct io_key *key;                 /* atomic pointer; NULL = not encrypted */
	struct dpd_io_counter_set stats;    /* one slot per thread */
	uint32_t nsid, block_size, lba_shift;
	const char *subnqn;                 /* for log lines */
};

struct io_queue;

/* Per thread (reactor): staging buffers and the queues it polls for QoS. */
struct io_thread {
	int idx;
	struct io_layers *g;
	struct dpd_staging_pool staging;    /* NonOffload staging buffers */
	int staging_ok;
	int draining;                       /* shutting down: QoS lets everything pass */
	uint32_t qos_waiting;               /* I/Os of this thread's queues waiting for QoS */
	uint64_t qos_round;                 /* poll rounds, for qos_blocked_round */
	struct io_queue *queues;            /* open queues, for io_thread_poll */
};

/* Per queue: its tenant binding, counters and QoS wait line. */
struct io_queue {
	struct io_thread *th;
	struct io_queue *next, *prev;       /* on th->queues while open */
	int open;
	struct dpd_tenant *tenant;          /* referenced; NULL = no tenant */
	struct io_queue_stats *qs;
	struct dpd_qos_queue qos_queue;     /* this queue's I/O waiting for its tenant's tokens */
	uint64_t qos_blocked_round;         /* out of tokens in this poll round */
	uint32_t counted;                   /* its I/Os counted in flight */
};

struct io_req;
/* Admitted (err 0: submit to the backend now) or the payload could not be
 * prepared (err < 0: complete the command with an internal error). */
typedef void (*io_go_fn)(struct io_req *io, int err);

struct io_req {
	uint64_t t0_ns;            /* command arrived */
	uint64_t backend_t0_ns, backend_ns;
	uint64_t off, len;
	uint8_t *buf;
	int write;
	int counted;               /* a read/write: recorded at completion */
	int mode;                  /* offload mode this I/O runs in */
	struct io_key *key;        /* referenced while the I/O runs */
	struct io_queue *q;
	struct io_ns *ns;
	io_go_fn go;
	struct dpd_qos_waiter waiter;
};

static inline uint64_t io_now_ns(void) { return dpd_qos_now_ns(); }

/* lifecycle */
int io_layers_init(struct io_layers *g, unsigned nthreads);
void io_layers_fini(struct io_layers *g);
int io_thread_init(struct io_thread *th, struct io_layers *g, int idx, uint32_t buf_size, uint32_t max_bufs);
void io_thread_fini(struct io_thread *th);
int io_ns_init(struct io_ns *ns, unsigned nthreads);
void io_ns_fini(struct io_ns *ns);

/* queues: open binds an I/O queue (qid != 0) to its tenant and lists its counters */
void io_queue_open(struct io_queue *q, struct io_thread *th, const char *hostnqn, const char *subnqn,
		   uint16_t cntlid, uint16_t qid);
void io_queue_close(struct io_queue *q);
void io_queue_digest_error(struct io_queue *q);

/* I/O path */
void io_req_arrived(struct io_req *io);
/* Returns 1 when QoS holds the I/O (io->go runs later from io_thread_poll),
 * 0 when io->go already ran. */
int io_req_start(struct io_req *io, struct io_queue *q, struct io_ns *ns, int write, uint64_t off, uint64_t len,
		 uint8_t *buf, io_go_fn go);
void io_req_backend_done(struct io_req *io);
/* 0, or -errno when the payload could not be made plaintext for the host. */
int io_req_after_read(struct io_req *io);
void io_req_complete(struct io_req *io, int ok);
void io_req_release(struct io_req *io);

/* thread loop */
int io_thread_timeout(struct io_thread *th, int timeout_ms);
void io_thread_poll(struct io_thread *th);

#endif

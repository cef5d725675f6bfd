/* target.h - the data model shared by the target's parts: engine, reactors,
 * configuration snapshots, namespaces, controllers, queues (connections)
 * and requests. Ownership in one sentence each:
 *   - the engine owns the registry (control side) and the reactors;
 *   - a reactor owns its connections, their requests and its io_uring;
 *   - snapshots and namespaces are immutable-after-publish, refcounted;
 *   - a controller is shared by its admin queue and I/O queues (possibly on
 *     different reactors), refcounted, with its mutable state owned by the
 *     admin queue's reactor; other reactors only read atomics. */
#ifndef DPD_TARGET_H
#define DPD_TARGET_H

#include <liburing.h>
#include <pthread.h>
#include <stdint.h>

#include "dpudp.h"
#include "layers/feature_hooks.h" /* offload modes, XTS, QoS, telemetry */
#include "common/nvme.h"
#include "transport/pdu.h"

#define DPD_MAX_REACTORS 64
#define DPD_MAX_NSID 1024
#define DPD_NQN_MAX 224 /* 223 characters + NUL */
#define DPD_ADMIN_DEPTH 32
#define DPD_ADMIN_INCAPSULE 8192 /* the Linux host sends up to 8 KiB in-capsule on the admin queue */
#define DPD_KAS_UNITS_MS 100
#define DPD_TICK_MS 100
#define DPD_AERL 3 /* up to 4 outstanding Asynchronous Event Requests */

struct dpd_engine;
struct reactor;
struct conn;
struct request;

/* ------------------------------------------------------------ options */
struct dpd_options {
	int64_t reactors;
	int64_t max_kato_ms;
	int64_t max_io_queues;
	int64_t max_queue_depth;
	int64_t max_transfer_bytes;
	int64_t in_capsule_bytes;
	int64_t connect_timeout_ms;
	int64_t io_uring;
	int64_t max_connections;
	int32_t reactor_cpus[DPD_MAX_REACTORS]; /* dpd_options_set_reactor_cpus; control/reactors.c */
	int32_t nreactor_cpus;
};

/* ------------------------------------------------------------ backends */
enum bio_op { BIO_READ, BIO_WRITE, BIO_FLUSH, BIO_WRITE_ZEROES, BIO_DISCARD };

/* One backend operation. It rides in the io_uring user_data; the backend
 * calls cb exactly once, possibly before submit returns (RAM). */
struct bio {
	enum bio_op op;
	uint64_t offset, len; /* bytes */
	uint8_t *buf;
	uint64_t done;        /* bytes finished so far (short reads/writes) */
	int fallback;         /* which zeroing method we are on */
	int buffered;         /* O_DIRECT refused this one: use the buffered fd */
	struct backend *be;
	struct reactor *r;
	void (*cb)(struct bio *bio, int res); /* res: 0 or -errno */
	struct bio *next;     /* reactor backlog when the submission ring is full */
};

struct backend_ops {
	const char *name;
	/* Start bio on reactor r. Returns 0 (cb will run) or -EAGAIN when the
	 * submission ring is full (the reactor retries later). */
	int (*submit)(struct backend *be, struct bio *bio);
	/* io_uring completion for a bio this backend submitted. */
	void (*complete)(struct bio *bio, int res);
	/* Flush to stable storage synchronously (shutdown, removal). */
	int (*sync)(struct backend *be);
	void (*destroy)(struct backend *be);
};

struct backend {
	const struct backend_ops *ops;
	uint64_t size;     /* bytes */
	uint8_t *mem;      /* ram */
	int fd;            /* file: O_DIRECT when direct, else buffered */
	int fd_buffered;   /* file: fallback for I/O O_DIRECT rejects */
	int direct, is_blockdev;
	char path[4096];
};

int backend_ram_create(uint64_t size, struct backend **out);
int backend_file_create(const char *path, uint64_t size, uint32_t block_size, struct backend **out);

/* ------------------------------------------------------------ namespaces */
struct ns_counters {
	uint64_t c[DPD_STAT_NS_COUNT];
} __attribute__((aligned(64)));

struct dpd_ns {
	int refs; /* atomic: registry + snapshots + in-flight requests */
	uint32_t nsid;
	uint32_t block_size;
	uint32_t lba_shift;
	uint64_t nblocks;
	uint8_t nguid[16];
	uint8_t uuid[16];
	char subnqn[DPD_NQN_MAX];
	struct backend *be;
	/* One slot per reactor, each written only by its reactor. */
	struct ns_counters stats[DPD_MAX_REACTORS];
	struct ns_feat feat; /* feature_hooks.h */
};

void ns_get(struct dpd_ns *ns);
void ns_put(struct dpd_ns *ns);

/* ------------------------------------------------------------ snapshots */
struct subsys {
	char nqn[DPD_NQN_MAX];
	char serial[21];
	char model[41];
	int allow_any;
	int nhosts;
	char (*hosts)[DPD_NQN_MAX];
	int nns;
	struct dpd_ns **ns; /* sorted by nsid */
};

struct listen_addr {
	char addr[64];
	int port;
	int family;
};

/* What the reactors see of the configuration: built by the control thread,
 * never changed after it is published, freed when the last reactor drops it. */
struct snap {
	int refs;
	uint64_t gen; /* discovery log generation counter */
	int nsubs;
	struct subsys *subs;
	int nlisteners;
	struct listen_addr *listeners;
};

struct snap *snap_get(struct snap *s);
void snap_put(struct snap *s);
const struct subsys *snap_find(const struct snap *s, const char *nqn);
struct dpd_ns *subsys_find_ns(const struct subsys *ss, uint32_t nsid);
int subsys_host_allowed(const struct subsys *ss, const char *hostnqn);

/* ------------------------------------------------------------ controllers */
struct ctrl {
	int refs;          /* atomic */
	int dead;          /* atomic: set once, queues close when they see it */
	uint16_t cntlid;
	int discovery;
	char subnqn[DPD_NQN_MAX];
	char hostnqn[DPD_NQN_MAX];
	uint8_t hostid[16];
	uint32_t kato_ms;  /* enforced keep-alive timeout, 0 = none */
	uint64_t last_ka_ms;
	uint32_t cc, csts; /* atomics: I/O queue Connect checks CSTS.RDY */
	uint32_t nr_io_queues; /* granted by Set Features Number of Queues */
	uint32_t aec;      /* async event configuration */
	int aen_masked;    /* a notice was sent; no more until the log page is read */
	int nchanged;      /* changed namespace list, 0xFFFFFFFF entry if overflow */
	uint32_t changed[64];
	struct dpd_engine *e;
	/* Under e->ctrl_lock: which I/O queue ids are connected. */
	uint8_t qid_used[65];
};

void ctrl_put(struct ctrl *c);
void ctrl_kill(struct ctrl *c, const char *why);

/* ------------------------------------------------------------ requests */
enum req_state {
	REQ_FREE,
	REQ_RECV_DATA,  /* in-capsule or H2CData payload being received */
	REQ_WAIT_H2C,   /* R2T sent, waiting for H2CData */
	REQ_EXEC,       /* in the backend */
	REQ_AER,        /* Asynchronous Event Request parked until an event */
	REQ_SENDING,    /* C2HData and/or CapsuleResp queued for the socket */
};

/* A PDU queued for sending: header, optional payload, optional data digest. */
struct tx {
	struct tx *next;
	const uint8_t *hdr;
	uint32_t hdr_len;
	const uint8_t *data;
	uint32_t data_len;
	uint8_t ddgst[4];
	int has_ddgst;
	struct request *req;  /* freed after its response went out */
	int is_resp;
};

struct request {
	struct conn *c;
	enum req_state state;
	uint16_t idx;         /* index in the pool; the R2T transfer tag */
	uint16_t cid;
	uint8_t sqe[64];
	uint8_t *buf;         /* data buffer from the reactor pool, or NULL */
	uint32_t buf_cap;
	uint32_t xfer_len;    /* bytes the command moves */
	uint32_t incapsule_len;
	uint32_t h2c_done;    /* H2CData bytes received so far */
	int have_data;        /* host data fully received */
	uint16_t status;      /* NVMe status, preset when the capsule was bad */
	uint32_t dw0, dw1;
	struct dpd_ns *ns;    /* referenced while the command runs */
	int stat_id;          /* which DPD_STAT_NS_* op counter to bump */
	uint32_t dsm_next, dsm_count;
	struct bio bio;
	struct tx tx_data, tx_resp;
	uint8_t hdr_data[PDU_DATA_HLEN + PDU_DGST_LEN];
	uint8_t hdr_resp[PDU_RESP_HLEN + PDU_DGST_LEN];
	struct request *next; /* free list / AER list */
	struct req_feat feat; /* feature_hooks.h */
};

/* ------------------------------------------------------------ queues */
enum recv_state {
	RECV_CH,     /* waiting for the 8-byte common header */
	RECV_HDR,    /* rest of header, header digest */
	RECV_DATA,   /* payload into a request buffer (or discarded) */
	RECV_DDGST,  /* data digest */
	RECV_STOP,   /* terminated or closing: read nothing more */
};

#define CONN_RBUF 65536

/* What an epoll event points at: the first member of conns and listeners. */
enum ev_kind { EV_CONN, EV_LISTENER, EV_MSG, EV_RING };
struct ev_src {
	enum ev_kind kind;
	int fd;
};

struct conn {
	struct ev_src ev;     /* ev.fd is the socket */
	struct reactor *r;
	uint64_t id;
	uint64_t created_ms;
	char peer[64];
	struct conn *next, *prev;
	int closed;           /* socket gone; memory stays until bios drain */
	int closing;          /* close once the send queue is empty */
	int want_out;         /* EPOLLOUT registered */
	int parked;           /* waiting for a data buffer */

	/* --- receive side --- */
	enum recv_state rstate;
	uint8_t hdr[PDU_HDR_MAX];
	uint32_t hdr_have, hdr_need;
	struct pdu_ch ch;
	uint32_t data_len, data_have;
	uint8_t *data_dst;    /* NULL: discard */
	uint32_t crc;         /* running data digest */
	uint8_t ddgst[4];
	uint32_t ddgst_have;
	struct request *rx_req;
	uint8_t *rbuf;
	uint32_t rhead, rtail;

	/* --- negotiated transport --- */
	int ic_done;
	struct pdu_digests dg;
	uint32_t max_incapsule;

	/* --- NVMe queue --- */
	int connected;
	uint16_t qid, depth, sqhd;
	struct ctrl *ctrl;
	const struct subsys *ss; /* from r->snap; re-resolved on every swap */

	/* --- requests --- */
	struct request *reqs;
	uint32_t nreqs;
	struct request *free_reqs;
	uint32_t busy_reqs;
	uint32_t bios;        /* backend operations in flight */
	struct request *aers;

	/* --- send side --- */
	struct tx *tx_head, *tx_tail;
	uint64_t tx_off;      /* bytes of tx_head already sent */
	struct tx ic_tx;
	uint8_t ic_buf[PDU_IC_LEN];
	struct tx term_tx;
	uint8_t term_buf[PDU_DATA_HLEN + PDU_TERM_DATA_MAX];

	struct conn_feat feat; /* feature_hooks.h */
};

/* conn.c - queue state machine */
struct conn *conn_create(struct reactor *r, int fd, const char *peer);
void conn_on_readable(struct conn *c);
void conn_on_writable(struct conn *c);
void conn_close(struct conn *c, const char *why);
void conn_terminate(struct conn *c, uint16_t fes, uint32_t fei, const char *why);
void conn_free_if_idle(struct conn *c);
void req_complete(struct request *req, uint16_t status);
void req_send_c2h(struct request *req, uint32_t len);
int req_start_h2c(struct request *req, uint32_t len);
uint8_t *req_buffer(struct request *req, uint32_t len);
void req_release(struct request *req);
void conn_flush(struct conn *c);
void conn_update_events(struct conn *c);

/* fabrics.c / admin.c / io_cmd.c / discovery.c - command sets */
void fabrics_exec(struct request *req);
void admin_exec(struct request *req);
void io_exec(struct request *req);
void admin_ns_changed(struct conn *admin, const struct subsys *old_ss, const struct subsys *new_ss);
void admin_drop_aers(struct conn *c);
uint32_t discovery_log_build(const struct conn *c, uint8_t *buf, uint32_t cap);

/* ------------------------------------------------------------ reactors */
enum msg_type { MSG_ADD_CONN, MSG_ADD_LISTENER, MSG_DEL_LISTENER, MSG_SNAP, MSG_DRAIN, MSG_QUIT };

struct msg {
	enum msg_type type;
	int fd;
	char peer[64];
	struct snap *snap;
	uint64_t seq;
	struct msg *next;
};

struct reactor {
	int idx;
	struct dpd_engine *e;
	pthread_t thread;
	int running;
	int epfd;
	int evfd;             /* messages */
	int ring_evfd;        /* io_uring completions */
	struct io_uring ring;
	int ring_ok;
	int ring_pending;     /* SQEs prepared, not yet submitted */
	pthread_mutex_t msg_lock;
	struct msg *msg_head, *msg_tail;
	uint64_t acked;       /* atomic: last message seq handled */
	struct snap *snap;
	struct conn *conns;
	struct bio *backlog, *backlog_tail;
	int draining;
	int quit;
	uint64_t next_tick;
	/* data buffer pool */
	uint8_t **free_bufs;
	uint32_t nfree_bufs, nbufs, max_bufs, buf_size;
	/* listeners (reactor 0 only) */
	struct ev_src listeners[16];
	int nlisten;
	struct ev_src msg_src, ring_src;
	uint32_t rr;          /* round-robin target for new connections */
	uint64_t refused_log_ms; /* last "too many connections" warning */
	uint64_t stats[DPD_STAT_ENGINE_COUNT];
	struct reactor_feat feat; /* feature_hooks.h */
};

int reactor_init(struct reactor *r, struct dpd_engine *e, int idx);
void reactor_fini(struct reactor *r);
int reactor_post(struct reactor *r, struct msg *m); /* takes ownership of m */
uint8_t *reactor_buf_get(struct reactor *r);
void reactor_buf_put(struct reactor *r, uint8_t *buf);
void reactor_bio_submit(struct bio *bio);
struct io_uring_sqe *reactor_sqe(struct reactor *r);
void reactor_stat(struct reactor *r, int id, uint64_t v);
void *reactor_main(void *arg);

/* ------------------------------------------------------------ engine */
struct dpd_engine {
	struct dpd_options opt;
	uint32_t mdts_shift;      /* log2(max_transfer_bytes / 4096) */
	pthread_mutex_t lock;     /* control API calls */
	pthread_mutex_t ctrl_lock;/* controller table (Connect only) */
	int started;
	int nreactors;
	struct reactor *reactors;
	uint64_t msg_seq;
	/* registry (control side) */
	int nsubs;
	struct subsys *subs;
	int nlisteners;
	struct listen_addr *listeners;
	int *listener_fds;
	uint64_t gen;
	struct snap *cur;
	/* controllers */
	struct ctrl **ctrls;
	int nctrls, cap_ctrls;
	uint16_t next_cntlid;
	uint64_t conn_ids;    /* atomic */
	int hdgst_required, ddgst_required; /* digest policy (atomics), checked at ICReq */
	struct engine_feat feat; /* feature_hooks.h */
};

int engine_ctrl_register(struct dpd_engine *e, struct ctrl *c);
void engine_ctrl_unregister(struct dpd_engine *e, struct ctrl *c);
struct ctrl *engine_ctrl_lookup(struct dpd_engine *e, const char *subnqn, const char *hostnqn,
				uint16_t cntlid);

#endif

/* remote.h - a remote NVMe/TCP target (one subsystem) the data path reaches
 * as a host, and the nvme-tcp backend of namespaces stored on it.
 *
 * Threads and ownership:
 *   - the remote's own thread ("dpd-remote") owns the controller: TCP connect,
 *     ICReq, Fabrics Connect, CC.EN, Identify, keep-alive, and reconnecting
 *     with backoff (remote_ctrl.c, remote_admin.c). It connects one I/O queue
 *     per reactor and hands each over through an atomic slot;
 *   - each reactor owns its lane: the I/O queue it was handed, the host I/O
 *     waiting for it and its counters (backend_nvme_tcp.c). The I/O path
 *     takes no lock; lanes and the thread meet only through atomics (the
 *     controller generation, the handover slot, "reset wanted", "lost").
 *   - the control thread creates and removes remotes; a removed remote's
 *     memory lives until the engine is destroyed (reactors may still hold
 *     its lanes on their channels). */
#ifndef DPD_REMOTE_H
#define DPD_REMOTE_H

#include <pthread.h>
#include <stdint.h>

#include "backends/bdev.h"
#include "dpudp.h"
#include "telemetry/latency_hist.h"

struct hq;

#define REMOTE_NAME_MAX 64
#define REMOTE_REASON_MAX 512
/* NVMe "Host Pathing Error" (SCT 3 path related, SC 0x70) with Do Not Retry:
 * what host I/O gets once the remote has been lost for longer than
 * ctrl_loss_timeout_s. The Linux host treats SCT 3 as a path error
 * (nvme_is_path_error); without DNR its native multipath fails the command over
 * to the next path - with one path, the same one, over and over (a busy hang
 * instead of an error). With DNR it completes the I/O with an error. */
#define REMOTE_SC_HOST_PATH_ERROR 0x4370

struct remote_cfg {
	char name[REMOTE_NAME_MAX];
	char address[64];
	int port;
	char subnqn[224];
	char hostnqn[224];
	int hdgst, ddgst;
	uint32_t ctrl_loss_s;
	uint32_t max_io;  /* largest transfer this side moves (our MDTS) */
	int nlanes;       /* reactors: one I/O queue each */
};

/* A namespace stored on the remote, as declared (checked on every connect). */
struct remote_ns {
	uint32_t nsid;      /* on the remote */
	uint64_t size;      /* bytes the volume needs */
	uint32_t block_size;
	struct remote_ns *next;
};

/* One reactor's I/O queue to the remote and the host I/O on it. */
struct lane {
	struct bdev_poller poller;
	struct bdev_sock sock;
	struct remote *r;
	int idx;
	uint64_t epoch;        /* channel epoch it is attached to (0: none) */
	struct bdev_chan *ch;
	struct hq *q;          /* NULL: no queue yet / lost */
	uint32_t q_gen;        /* controller generation q belongs to */
	uint32_t io_max;       /* largest command on q (the remote's MDTS, bounded) */
	uint32_t ev_mask;      /* events q's socket is registered for */
	uint8_t (*dsm)[16];    /* Dataset Management range per command slot */
	struct bio *wait_head, *wait_tail; /* host I/O not (fully) sent yet */
	uint32_t nwait, nactive; /* waiting; sent and not completed */
	uint64_t c[DPD_REMOTE_STAT_COUNT]; /* single writer: the reactor */
	struct dpd_hist hist;  /* command sent -> completion received */
};

struct remote {
	struct remote_cfg cfg;
	pthread_t thread;
	int quit;              /* atomic: the thread stops */
	int evfd;              /* wakes the thread (remove, new namespace, lane reset) */
	/* shared with the lanes (atomics) */
	uint32_t gen;          /* controller generation; odd while one is live */
	int reset_wanted;      /* a lane lost its queue */
	int lost;              /* disconnected for longer than ctrl_loss_s: fail I/O */
	struct hq **handover;  /* per lane: a connected queue of generation gen */
	uint32_t io_max;       /* largest command: min(remote MDTS, ours); before handover */
	uint16_t ncmds;        /* slots per I/O queue */
	struct lane *lanes;
	/* the thread's controller */
	struct hq *aq;
	uint16_t cntlid;
	uint32_t incapsule;
	uint64_t next_ka_ms, next_try_ms, backoff_ms;
	uint64_t down_since_ns; /* 0 while connected */
	int ever_connected;
	/* under lock: state for snapshots, declared namespaces */
	pthread_mutex_t lock;
	int state;             /* DPD_REMOTE_* */
	char reason[REMOTE_REASON_MAX];
	char logged[REMOTE_REASON_MAX]; /* the last reason logged (the thread's) */
	uint64_t down_ns_total; /* closed disconnected periods */
	uint64_t reconnects, transport_errors;
	struct remote_ns *ns;
	int ns_dirty;          /* a namespace was added: Identify it */
	int users;             /* namespaces (backends) on it */
};

/* remote_ctrl.c: create (starting the thread) and destroy (joining it). */
int remote_create(const struct remote_cfg *cfg, struct remote **out);
void remote_stop(struct remote *r);   /* join the thread, drop the controller */
void remote_free(struct remote *r);   /* after remote_stop, once no reactor runs */
void remote_wake(struct remote *r);
uint64_t remote_now_ns(void);

/* What a snapshot shows of a remote. */
struct remote_snap {
	char name[REMOTE_NAME_MAX];
	int state;
	char reason[REMOTE_REASON_MAX];
	uint64_t c[DPD_REMOTE_STAT_COUNT];
	struct dpd_hist hist;
};
void remote_snapshot(struct remote *r, struct remote_snap *out);

/* remote_admin.c (on the remote's thread): connect the controller and every
 * lane's I/O queue; 0, or -1 with r->state/r->reason set. */
int remote_connect(struct remote *r, struct hq **queues);
/* Keep-alive on the admin queue; 0 or -1 (controller lost). */
int remote_keep_alive(struct remote *r);
/* Identify the declared namespaces (again); 0 or -1 with the reason set. */
int remote_check_namespaces(struct remote *r);
/* Set state and reason; remote_set_state also logs a reason not logged last. */
void remote_note(struct remote *r, int state, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void remote_set_state(struct remote *r, int state, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void remote_hq_free(struct hq *q);

/* backend_nvme_tcp.c: the backend of a namespace on r. */
int backend_nvme_tcp_create(struct remote *r, uint32_t remote_nsid, uint64_t size, uint32_t block_size,
			    struct backend **out);

#endif

/* subsys.h - the NVMe target's model: namespaces, subsystems, the
 * configuration snapshots the I/O threads see, controllers and the
 * controller table. Ownership in one sentence each:
 *   - snapshots and namespaces are immutable-after-publish, refcounted;
 *   - a controller is shared by its admin queue and I/O queues (possibly on
 *     different threads), refcounted, with its mutable state owned by the
 *     admin queue's thread; other threads only read atomics;
 *   - the controller table (struct nvme_tgt) is shared, under ctrl_lock,
 *     and touched only by Connect and controller teardown. */
#ifndef DPD_SUBSYS_H
#define DPD_SUBSYS_H

#include <pthread.h>
#include <stdint.h>

#include "backends/bdev.h"
#include "common/nvme.h"
#include "common/options.h"
#include "common/util.h"
#include "dpudp.h"
#include "layers/io_path.h"

#define DPD_MAX_NSID 1024
#define DPD_NQN_MAX 224 /* 223 characters + NUL */
/* Admin queue entries a host may ask for at Connect (SQSIZE + 1) and what the
 * discovery log page advertises (ASQSZ). Hosts that keep many admin commands in
 * flight (SPDK's host sizes its admin queue to its abort load) ask for more than
 * the Linux host's 32; SPDK's target accepts up to 128, Linux nvmet has no limit. */
#define DPD_ADMIN_DEPTH 128
#define DPD_ADMIN_INCAPSULE 8192 /* the Linux host sends up to 8 KiB in-capsule on the admin queue */
#define DPD_KAS_UNITS_MS 100
#define DPD_AERL 3 /* up to 4 outstanding Asynchronous Event Requests */

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
	/* One slot per thread, each written only by its thread. */
	struct ns_counters stats[DPD_MAX_REACTORS];
	struct io_ns io; /* key and I/O counters of the I/O-path layers */
};

void ns_get(struct dpd_ns *ns);
/* The last reference destroys the backend and the layers' state. */
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

/* What the I/O threads see of the configuration: built by the control thread,
 * never changed after it is published, freed when the last thread drops it. */
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
void subsys_clear(struct subsys *ss);
int subsys_copy(struct subsys *dst, const struct subsys *src);

/* ------------------------------------------------------------ target */
struct ctrl;

/* What the command sets need of the engine: its limits and the controller table. */
struct nvme_tgt {
	const struct dpd_options *opt;
	uint32_t mdts_shift;      /* log2(max_transfer_bytes / 4096) */
	int nthreads;             /* I/O threads: slots of the per-thread counters */
	pthread_mutex_t ctrl_lock;/* controller table (Connect only) */
	struct ctrl **ctrls;
	int nctrls, cap_ctrls;
	uint16_t next_cntlid;
};

/* One I/O thread's view: its snapshot, counters and channels below. Owned by
 * the thread (its reactor); queues point at it. */
struct nvme_thread {
	int idx;
	struct nvme_tgt *tgt;
	struct snap *snap;        /* current configuration; swapped by the owner */
	uint64_t *stats;          /* DPD_STAT_ENGINE_COUNT counters of this thread */
	struct bdev_chan *ch;     /* storage and data buffers */
	struct io_thread *io;     /* QoS, staging */
};

static inline void nvme_thread_stat(struct nvme_thread *th, int id, uint64_t v)
{
	stat_add(&th->stats[id], v);
}

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
	struct nvme_tgt *tgt;
	/* Under tgt->ctrl_lock: which I/O queue ids are connected. */
	uint8_t qid_used[65];
};

void ctrl_put(struct ctrl *c);
void ctrl_kill(struct ctrl *c, const char *why);
int ctrl_register(struct nvme_tgt *t, struct ctrl *c);
void ctrl_unregister(struct nvme_tgt *t, struct ctrl *c);
/* Caller holds t->ctrl_lock; returns a controller without taking a ref. */
struct ctrl *ctrl_lookup(struct nvme_tgt *t, const char *subnqn, const char *hostnqn, uint16_t cntlid);
void nvme_tgt_init(struct nvme_tgt *t);
void nvme_tgt_fini(struct nvme_tgt *t);

#endif

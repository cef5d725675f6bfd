/* reactor.h - the I/O threads. Each reactor owns its connections, their
 * requests, its channel to the backends and its share of the I/O-path
 * layers; other threads reach it only through its message queue. */
#ifndef DPD_REACTOR_H
#define DPD_REACTOR_H

#include <pthread.h>
#include <stdint.h>

#include "backends/bdev.h"
#include "dpudp.h"
#include "layers/io_path.h"
#include "nvme/subsys.h"
#include "transport/conn.h"

#define DPD_TICK_MS 100

struct reactor;

/* What the reactors share, set up by the engine before they start. */
struct transport {
	const struct dpd_options *opt;
	struct nvme_tgt *tgt;
	struct io_layers *io;
	int nreactors;
	struct reactor *reactors;
	uint64_t conn_ids;    /* atomic */
	int hdgst_required, ddgst_required; /* atomics: digest policy, checked at each ICReq */
};

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
	struct transport *tp;
	pthread_t thread;
	int running;
	int epfd;
	int evfd;             /* messages */
	pthread_mutex_t msg_lock;
	struct msg *msg_head, *msg_tail;
	uint64_t acked;       /* atomic: last message seq handled */
	struct conn *conns;
	int draining;
	int quit;
	uint64_t next_tick;
	uint32_t buf_size;    /* data buffer size: the largest PDU payload we accept */
	/* listeners (reactor 0 only) */
	struct ev_src listeners[16];
	int nlisten;
	struct ev_src msg_src, ring_src, sock_src;
	uint32_t rr;          /* round-robin target for new connections */
	uint64_t refused_log_ms; /* last "too many connections" warning */
	uint64_t stats[DPD_STAT_ENGINE_COUNT];
	/* the layers below, one share per reactor */
	struct nvme_thread nt;   /* snapshot, counters */
	struct bdev_chan ch;     /* io_uring, data buffers */
	struct io_thread io;     /* QoS line, staging buffers */
};

int reactor_init(struct reactor *r, struct transport *tp, int idx);
void reactor_fini(struct reactor *r);
int reactor_post(struct reactor *r, struct msg *m); /* takes ownership of m */
void reactor_stat(struct reactor *r, int id, uint64_t v);
void *reactor_main(void *arg);

#endif

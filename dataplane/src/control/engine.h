/* engine.h - the engine behind the public API (dpudp.h): its options, the
 * registry the control calls edit (under lock) and publish as snapshots,
 * the reactors, and the shared state of the layers below. */
#ifndef DPD_ENGINE_H
#define DPD_ENGINE_H

#include <pthread.h>
#include <stdint.h>

#include "common/options.h"
#include "dpudp.h"
#include "layers/io_path.h"
#include "nvme/subsys.h"
#include "transport/reactor.h"

struct dpd_engine {
	struct dpd_options opt;
	pthread_mutex_t lock;     /* control API calls */
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
	/* shared state of the layers below */
	struct transport tp;      /* what the reactors share */
	struct nvme_tgt tgt;      /* limits and controller table of the command sets */
	struct io_layers io;      /* tenants, offload mode, queue counters */
	/* remote NVMe/TCP targets (remotes.c); removed ones stay allocated in
	 * gone until destroy, as reactors may still hold their lanes */
	int nremotes, ngone;
	struct remote **remotes, **gone;
};

/* remotes.c: the remote of that name (under e->lock), or NULL. */
struct remote *engine_find_remote(struct dpd_engine *e, const char *name);
/* remotes.c: stop every remote's thread / free them all (engine destroy). */
void engine_remotes_stop(struct dpd_engine *e);
void engine_remotes_free(struct dpd_engine *e);
/* remotes.c: the remotes' part of a stats snapshot (under e->lock). */
struct remote_snap;
struct remote_snap *remotes_snapshot(struct dpd_engine *e, int *count);
const struct remote_snap *stats_remote(const struct dpd_stats *s, int idx);

/* registry.c: rebuild the snapshot from e->subs and hand it to every reactor. */
int engine_publish(struct dpd_engine *e);
/* registry.c: send a message to every reactor (or the first) and wait until handled. */
int engine_broadcast(struct dpd_engine *e, enum msg_type type, struct snap *s, int fd, int only_first);

/* stats.c / layers_api.c: the I/O-path part of a stats snapshot, taken under e->lock. */
struct layer_stats;
struct layer_stats *layer_stats_take(struct dpd_engine *e);
void layer_stats_free(struct layer_stats *ls);
const struct layer_stats *stats_layers(const struct dpd_stats *s);

#endif

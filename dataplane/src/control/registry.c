/* registry.c - publishing the configuration to the reactors.
 *
 * The control side edits e->subs under e->lock, then publishes: it builds a
 * new immutable snapshot, sends it to every reactor as a message and waits
 * until each has switched to it. Reactors therefore never take a lock to
 * look up a subsystem, host or namespace. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/util.h"
#include "control/engine.h"

static struct snap *snap_build(struct dpd_engine *e)
{
	struct snap *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->refs = 1;
	s->gen = e->gen;
	s->subs = calloc((size_t)DPD_MAX(e->nsubs, 1), sizeof(*s->subs));
	s->listeners = calloc((size_t)DPD_MAX(e->nlisteners, 1), sizeof(*s->listeners));
	if (!s->subs || !s->listeners) {
		snap_put(s);
		return NULL;
	}
	for (int i = 0; i < e->nsubs; i++) {
		if (subsys_copy(&s->subs[i], &e->subs[i]) < 0) {
			snap_put(s);
			return NULL;
		}
		s->nsubs++;
	}
	if (e->nlisteners)
		memcpy(s->listeners, e->listeners, sizeof(*s->listeners) * (size_t)e->nlisteners);
	s->nlisteners = e->nlisteners;
	return s;
}

/* Send a message to every reactor and wait until all have handled it. */
int engine_broadcast(struct dpd_engine *e, enum msg_type type, struct snap *s, int fd, int only_first)
{
	uint64_t seq = ++e->msg_seq;
	int n = only_first ? 1 : e->nreactors;
	for (int i = 0; i < n; i++) {
		struct msg *m = calloc(1, sizeof(*m));
		if (!m)
			return -ENOMEM;
		m->type = type;
		m->seq = seq;
		m->fd = fd;
		m->snap = s ? snap_get(s) : NULL;
		reactor_post(&e->reactors[i], m);
	}
	/* Reactors handle messages within one loop pass; 10 s means wedged. */
	for (int waited = 0; waited < 10000; waited++) {
		int done = 1;
		for (int i = 0; i < n; i++)
			if (__atomic_load_n(&e->reactors[i].acked, __ATOMIC_ACQUIRE) < seq)
				done = 0;
		if (done)
			return 0;
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
	return -ETIMEDOUT;
}

int engine_publish(struct dpd_engine *e)
{
	e->gen++;
	struct snap *s = snap_build(e);
	if (!s)
		return -ENOMEM;
	snap_put(e->cur);
	e->cur = s;
	if (!e->started)
		return 0;
	return engine_broadcast(e, MSG_SNAP, s, -1, 0);
}


/* stats.c - statistics snapshots (dpudp.h): the engine's and namespaces'
 * counters summed over the reactors, plus the I/O-path layers' part
 * (tenants, queues, latency, copies; layers_api.c), all taken under e->lock. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "backends/remote.h"
#include "control/engine.h"

struct dpd_stats {
	uint64_t engine[DPD_STAT_ENGINE_COUNT];
	int nns;
	struct stats_ns {
		char subnqn[DPD_NQN_MAX];
		uint32_t nsid;
		uint64_t c[DPD_STAT_NS_COUNT];
	} *ns;
	struct layer_stats *layers; /* tenants, queues, latency, copies */
	int nremotes;
	struct remote_snap *remotes; /* remotes.c */
};

const struct layer_stats *stats_layers(const dpd_stats *s) { return s ? s->layers : NULL; }

const struct remote_snap *stats_remote(const dpd_stats *s, int idx)
{
	return s && s->remotes && idx >= 0 && idx < s->nremotes ? &s->remotes[idx] : NULL;
}

int dpd_stats_snapshot(dpd_engine *e, dpd_stats **out)
{
	if (!e || !out)
		return set_error(-EINVAL, "engine or out pointer is NULL");
	pthread_mutex_lock(&e->lock);
	int total = 0;
	for (int i = 0; i < e->nsubs; i++)
		total += e->subs[i].nns;
	dpd_stats *s = calloc(1, sizeof(*s));
	if (s)
		s->ns = calloc((size_t)DPD_MAX(total, 1), sizeof(*s->ns));
	if (!s || !s->ns) {
		free(s);
		pthread_mutex_unlock(&e->lock);
		return set_error(-ENOMEM, "out of memory");
	}
	for (int r = 0; r < e->nreactors; r++)
		for (int k = 0; k < DPD_STAT_ENGINE_COUNT; k++)
			s->engine[k] += stat_read(&e->reactors[r].stats[k]);
	for (int i = 0; i < e->nsubs; i++)
		for (int j = 0; j < e->subs[i].nns; j++) {
			struct dpd_ns *ns = e->subs[i].ns[j];
			struct stats_ns *o = &s->ns[s->nns++];
			snprintf(o->subnqn, sizeof(o->subnqn), "%s", ns->subnqn);
			o->nsid = ns->nsid;
			for (int r = 0; r < e->nreactors; r++)
				for (int k = 0; k < DPD_STAT_NS_COUNT; k++)
					o->c[k] += stat_read(&ns->stats[r].c[k]);
			o->c[DPD_STAT_NS_SIZE_BYTES] = ns->nblocks * ns->block_size;
		}
	s->layers = layer_stats_take(e);
	s->remotes = remotes_snapshot(e, &s->nremotes);
	pthread_mutex_unlock(&e->lock);
	if (!s->layers || !s->remotes) {
		dpd_stats_destroy(s);
		return set_error(-ENOMEM, "out of memory");
	}
	*out = s;
	return 0;
}

void dpd_stats_destroy(dpd_stats *s)
{
	if (!s)
		return;
	free(s->ns);
	free(s->remotes);
	layer_stats_free(s->layers);
	free(s);
}

uint64_t dpd_stats_engine(const dpd_stats *s, int id)
{
	return (s && id >= 0 && id < DPD_STAT_ENGINE_COUNT) ? s->engine[id] : 0;
}

int dpd_stats_ns_count(const dpd_stats *s) { return s ? s->nns : 0; }

const char *dpd_stats_ns_subsystem(const dpd_stats *s, int idx)
{
	return (s && idx >= 0 && idx < s->nns) ? s->ns[idx].subnqn : NULL;
}

uint32_t dpd_stats_ns_nsid(const dpd_stats *s, int idx)
{
	return (s && idx >= 0 && idx < s->nns) ? s->ns[idx].nsid : 0;
}

uint64_t dpd_stats_ns(const dpd_stats *s, int idx, int id)
{
	if (!s || idx < 0 || idx >= s->nns || id < 0 || id >= DPD_STAT_NS_COUNT)
		return 0;
	return s->ns[idx].c[id];
}

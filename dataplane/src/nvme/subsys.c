/* subsys.c - namespaces, subsystems and snapshots (what the I/O threads
 * read), and the controllers' shared bookkeeping (the controller table).
 * Snapshots are built by control/registry.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "nvme/subsys.h"

void ns_get(struct dpd_ns *ns) { __atomic_add_fetch(&ns->refs, 1, __ATOMIC_RELAXED); }

void ns_put(struct dpd_ns *ns)
{
	if (__atomic_sub_fetch(&ns->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	io_ns_fini(&ns->io); /* wipes the key */
	ns->be->ops->destroy(ns->be);
	free(ns);
}

struct snap *snap_get(struct snap *s)
{
	__atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
	return s;
}

void subsys_clear(struct subsys *ss)
{
	for (int i = 0; i < ss->nns; i++)
		ns_put(ss->ns[i]);
	free(ss->ns);
	free(ss->hosts);
	ss->ns = NULL;
	ss->hosts = NULL;
	ss->nns = ss->nhosts = 0;
}

void snap_put(struct snap *s)
{
	if (!s || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	for (int i = 0; i < s->nsubs; i++)
		subsys_clear(&s->subs[i]);
	free(s->subs);
	free(s->listeners);
	free(s);
}

const struct subsys *snap_find(const struct snap *s, const char *nqn)
{
	if (!s)
		return NULL;
	for (int i = 0; i < s->nsubs; i++)
		if (strcmp(s->subs[i].nqn, nqn) == 0)
			return &s->subs[i];
	return NULL;
}

struct dpd_ns *subsys_find_ns(const struct subsys *ss, uint32_t nsid)
{
	int lo = 0, hi = ss->nns - 1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		uint32_t v = ss->ns[mid]->nsid;
		if (v == nsid)
			return ss->ns[mid];
		if (v < nsid)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

int subsys_host_allowed(const struct subsys *ss, const char *hostnqn)
{
	if (ss->allow_any)
		return 1;
	for (int i = 0; i < ss->nhosts; i++)
		if (strcmp(ss->hosts[i], hostnqn) == 0)
			return 1;
	return 0;
}

int subsys_copy(struct subsys *dst, const struct subsys *src)
{
	*dst = *src;
	dst->hosts = NULL;
	dst->ns = NULL;
	if (src->nhosts) {
		dst->hosts = malloc(sizeof(*dst->hosts) * (size_t)src->nhosts);
		if (!dst->hosts)
			return -ENOMEM;
		memcpy(dst->hosts, src->hosts, sizeof(*dst->hosts) * (size_t)src->nhosts);
	}
	if (src->nns) {
		dst->ns = malloc(sizeof(*dst->ns) * (size_t)src->nns);
		if (!dst->ns) {
			free(dst->hosts);
			dst->hosts = NULL;
			return -ENOMEM;
		}
		for (int i = 0; i < src->nns; i++) {
			dst->ns[i] = src->ns[i];
			ns_get(dst->ns[i]);
		}
	}
	return 0;
}

/* ------------------------------------------------------------ controllers */

void ctrl_put(struct ctrl *c)
{
	if (__atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(c);
}

void ctrl_kill(struct ctrl *c, const char *why)
{
	if (__atomic_exchange_n(&c->dead, 1, __ATOMIC_ACQ_REL))
		return;
	log_info("controller %u (host %s, subsystem %s) removed: %s", c->cntlid, c->hostnqn, c->subnqn, why);
	ctrl_unregister(c->tgt, c);
}

int ctrl_register(struct nvme_tgt *e, struct ctrl *c)
{
	int rc = -EBUSY;
	pthread_mutex_lock(&e->ctrl_lock);
	if (e->nctrls == e->cap_ctrls) {
		int cap = e->cap_ctrls ? e->cap_ctrls * 2 : 16;
		struct ctrl **n = realloc(e->ctrls, sizeof(*n) * (size_t)cap);
		if (!n) {
			rc = -ENOMEM;
			goto out;
		}
		e->ctrls = n;
		e->cap_ctrls = cap;
	}
	/* Controller ids are unique engine-wide (so also per subsystem, which
	 * the Linux host insists on); 0xFFF0 and up are reserved. */
	for (int tries = 0; tries < 0xFFEF; tries++) {
		uint16_t id = e->next_cntlid;
		e->next_cntlid = (uint16_t)(id >= 0xFFEF ? 1 : id + 1);
		int used = 0;
		for (int i = 0; i < e->nctrls && !used; i++)
			used = e->ctrls[i]->cntlid == id;
		if (!used) {
			c->cntlid = id;
			__atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
			e->ctrls[e->nctrls++] = c;
			rc = 0;
			break;
		}
	}
out:
	pthread_mutex_unlock(&e->ctrl_lock);
	return rc;
}

void ctrl_unregister(struct nvme_tgt *e, struct ctrl *c)
{
	int found = 0;
	pthread_mutex_lock(&e->ctrl_lock);
	for (int i = 0; i < e->nctrls; i++) {
		if (e->ctrls[i] == c) {
			e->ctrls[i] = e->ctrls[--e->nctrls];
			found = 1;
			break;
		}
	}
	pthread_mutex_unlock(&e->ctrl_lock);
	if (found)
		ctrl_put(c);
}

/* Caller holds e->ctrl_lock; returns a controller without taking a ref. */
struct ctrl *ctrl_lookup(struct nvme_tgt *e, const char *subnqn, const char *hostnqn, uint16_t cntlid)
{
	for (int i = 0; i < e->nctrls; i++) {
		struct ctrl *c = e->ctrls[i];
		if (c->cntlid == cntlid && strcmp(c->subnqn, subnqn) == 0 && strcmp(c->hostnqn, hostnqn) == 0 &&
		    !__atomic_load_n(&c->dead, __ATOMIC_ACQUIRE))
			return c;
	}
	return NULL;
}

void nvme_tgt_init(struct nvme_tgt *t)
{
	pthread_mutex_init(&t->ctrl_lock, NULL);
	t->next_cntlid = 1;
}

void nvme_tgt_fini(struct nvme_tgt *t)
{
	pthread_mutex_destroy(&t->ctrl_lock);
	free(t->ctrls);
	t->ctrls = NULL;
	t->nctrls = t->cap_ctrls = 0;
}

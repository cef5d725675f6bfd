/*
 * Tenants: named sets of host NQNs and namespaces on this node, each with QoS limits
 * and its own I/O counters.
 *
 * A connection is bound to a tenant once, at Fabrics Connect: the tenant listing the
 * host NQN, else the tenant owning a namespace of the subsystem being connected to.
 * The registry lock is taken only by configuration calls and at Connect, never per
 * I/O. The binding holds a reference, so a tenant removed while connections use it
 * stays valid (and stops throttling: it is marked removed) until they close. Limits
 * change live on the shared buckets (atomics), without touching connections.
 */
#ifndef DPD_TENANT_H
#define DPD_TENANT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "layers/qos.h"
#include "telemetry/io_stats.h"

#define DPD_TENANT_NAME_MAX 64
#define DPD_TENANT_NQN_MAX 224

struct dpd_tenant_ns {
	char subnqn[DPD_TENANT_NQN_MAX];
	uint32_t nsid;
};

struct dpd_tenant {
	int refs;                       /* atomic */
	int removed;                    /* atomic: no longer configured */
	char name[DPD_TENANT_NAME_MAX];
	struct dpd_qos_buckets qos;
	struct dpd_io_counter_set stats; /* one slot per data-path thread */
	/* membership: changed only under the registry lock */
	char (*hosts)[DPD_TENANT_NQN_MAX];
	int nhosts;
	struct dpd_tenant_ns *ns;
	int nns;
};

struct dpd_tenant_registry {
	pthread_mutex_t lock;
	struct dpd_tenant **t;
	int n, cap;
	unsigned nslots;
};

int dpd_tenants_init(struct dpd_tenant_registry *reg, unsigned nslots);
void dpd_tenants_fini(struct dpd_tenant_registry *reg);

/* All return 0 or a negative errno: -EINVAL (bad name/NQN/limits), -EEXIST, -ENOENT,
 * -EBUSY (host already in another tenant), -ENOMEM. */
int dpd_tenants_add(struct dpd_tenant_registry *reg, const char *name, const struct dpd_qos_limits *l);
int dpd_tenants_set_limits(struct dpd_tenant_registry *reg, const char *name, const struct dpd_qos_limits *l);
int dpd_tenants_remove(struct dpd_tenant_registry *reg, const char *name);
int dpd_tenants_host_add(struct dpd_tenant_registry *reg, const char *name, const char *hostnqn);
int dpd_tenants_host_remove(struct dpd_tenant_registry *reg, const char *name, const char *hostnqn);
int dpd_tenants_ns_add(struct dpd_tenant_registry *reg, const char *name, const char *subnqn, uint32_t nsid);
int dpd_tenants_ns_remove(struct dpd_tenant_registry *reg, const char *name, const char *subnqn, uint32_t nsid);

/* The tenant a connection from hostnqn to subnqn belongs to (referenced), or NULL. */
struct dpd_tenant *dpd_tenants_bind(struct dpd_tenant_registry *reg, const char *hostnqn, const char *subnqn);
void dpd_tenant_put(struct dpd_tenant *t);

static inline bool dpd_tenant_throttles(struct dpd_tenant *t)
{
	return t && !__atomic_load_n(&t->removed, __ATOMIC_RELAXED) && !dpd_qos_unlimited(&t->qos);
}

/* Copy of one tenant for a stats snapshot. */
struct dpd_tenant_stat {
	char name[DPD_TENANT_NAME_MAX];
	struct dpd_qos_limits limits;
	int nhosts, nns;
	struct dpd_io_counters c;
};

/* Snapshot all tenants (sorted by name). *out is malloc'ed; the caller frees it. */
int dpd_tenants_snapshot(struct dpd_tenant_registry *reg, struct dpd_tenant_stat **out, int *n);

#endif

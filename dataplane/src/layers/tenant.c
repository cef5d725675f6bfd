/* Tenant registry; see tenant.h. */
#include "layers/tenant.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int dpd_tenants_init(struct dpd_tenant_registry *reg, unsigned nslots)
{
	memset(reg, 0, sizeof(*reg));
	if (nslots == 0)
		return -EINVAL;
	reg->nslots = nslots;
	pthread_mutex_init(&reg->lock, NULL);
	return 0;
}

static void tenant_free(struct dpd_tenant *t)
{
	dpd_io_counter_set_fini(&t->stats);
	free(t->hosts);
	free(t->ns);
	free(t);
}

void dpd_tenant_put(struct dpd_tenant *t)
{
	if (t && __atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) == 0)
		tenant_free(t);
}

void dpd_tenants_fini(struct dpd_tenant_registry *reg)
{
	for (int i = 0; i < reg->n; i++) {
		__atomic_store_n(&reg->t[i]->removed, 1, __ATOMIC_RELAXED);
		dpd_tenant_put(reg->t[i]);
	}
	free(reg->t);
	pthread_mutex_destroy(&reg->lock);
	memset(reg, 0, sizeof(*reg));
}

static bool valid_name(const char *s, size_t max)
{
	return s && *s && strlen(s) < max;
}

static int find(const struct dpd_tenant_registry *reg, const char *name)
{
	for (int i = 0; i < reg->n; i++)
		if (strcmp(reg->t[i]->name, name) == 0)
			return i;
	return -1;
}

static int host_index(const struct dpd_tenant *t, const char *hostnqn)
{
	for (int i = 0; i < t->nhosts; i++)
		if (strcmp(t->hosts[i], hostnqn) == 0)
			return i;
	return -1;
}

static int ns_index(const struct dpd_tenant *t, const char *subnqn, uint32_t nsid)
{
	for (int i = 0; i < t->nns; i++)
		if (t->ns[i].nsid == nsid && strcmp(t->ns[i].subnqn, subnqn) == 0)
			return i;
	return -1;
}

int dpd_tenants_add(struct dpd_tenant_registry *reg, const char *name, const struct dpd_qos_limits *l)
{
	static const struct dpd_qos_limits unlimited;
	if (!valid_name(name, DPD_TENANT_NAME_MAX))
		return -EINVAL;
	if (!l)
		l = &unlimited;
	int rc = dpd_qos_limits_validate(l);
	if (rc)
		return rc;
	struct dpd_tenant *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	if (dpd_io_counter_set_init(&t->stats, reg->nslots)) {
		free(t);
		return -ENOMEM;
	}
	strcpy(t->name, name);
	t->refs = 1;
	dpd_qos_init(&t->qos, l, dpd_qos_now_ns());
	pthread_mutex_lock(&reg->lock);
	if (find(reg, name) >= 0) {
		rc = -EEXIST;
	} else if (reg->n == reg->cap) {
		int cap = reg->cap ? reg->cap * 2 : 8;
		struct dpd_tenant **nt = realloc(reg->t, (size_t)cap * sizeof(*nt));
		if (!nt)
			rc = -ENOMEM;
		else {
			reg->t = nt;
			reg->cap = cap;
		}
	}
	if (rc == 0)
		reg->t[reg->n++] = t;
	pthread_mutex_unlock(&reg->lock);
	if (rc)
		tenant_free(t);
	return rc;
}

int dpd_tenants_set_limits(struct dpd_tenant_registry *reg, const char *name, const struct dpd_qos_limits *l)
{
	if (!name || !l)
		return -EINVAL;
	pthread_mutex_lock(&reg->lock);
	int i = find(reg, name);
	int rc = i < 0 ? -ENOENT : dpd_qos_set_limits(&reg->t[i]->qos, l, dpd_qos_now_ns());
	pthread_mutex_unlock(&reg->lock);
	return rc;
}

int dpd_tenants_remove(struct dpd_tenant_registry *reg, const char *name)
{
	if (!name)
		return -EINVAL;
	pthread_mutex_lock(&reg->lock);
	int i = find(reg, name);
	struct dpd_tenant *t = NULL;
	if (i >= 0) {
		t = reg->t[i];
		memmove(reg->t + i, reg->t + i + 1, (size_t)(reg->n - i - 1) * sizeof(*reg->t));
		reg->n--;
	}
	pthread_mutex_unlock(&reg->lock);
	if (!t)
		return -ENOENT;
	/* Bound connections keep the object; queued I/O is released on their next drain. */
	__atomic_store_n(&t->removed, 1, __ATOMIC_RELEASE);
	dpd_tenant_put(t);
	return 0;
}

/* Where tenant t holds host hostnqn (or, with hostnqn NULL, namespace nsid of
 * subnqn), or -1. */
static int held(const struct dpd_tenant *t, const char *hostnqn, const char *subnqn, uint32_t nsid)
{
	return hostnqn ? host_index(t, hostnqn) : ns_index(t, subnqn, nsid);
}

/* Whether tenant `name` may take host hostnqn (or, with hostnqn NULL, namespace
 * nsid of subnqn); reg->lock held. Its index, or -ENOENT (no such tenant),
 * -EEXIST (it has it already), -EBUSY (another tenant has it). */
static int claim(const struct dpd_tenant_registry *reg, const char *name, const char *hostnqn,
		 const char *subnqn, uint32_t nsid)
{
	int i = find(reg, name);
	if (i < 0)
		return -ENOENT;
	for (int k = 0; k < reg->n; k++)
		if (held(reg->t[k], hostnqn, subnqn, nsid) >= 0)
			return k == i ? -EEXIST : -EBUSY;
	return i;
}

/* Tenant `name` lets go of host hostnqn (or, with hostnqn NULL, namespace nsid
 * of subnqn): 0, or -ENOENT when there is no such tenant or it does not hold it. */
static int release(struct dpd_tenant_registry *reg, const char *name, const char *hostnqn, const char *subnqn,
		   uint32_t nsid)
{
	pthread_mutex_lock(&reg->lock);
	int i = find(reg, name);
	struct dpd_tenant *t = i >= 0 ? reg->t[i] : NULL;
	int k = t ? held(t, hostnqn, subnqn, nsid) : -1;
	if (k >= 0 && hostnqn) {
		memmove(t->hosts + k, t->hosts + k + 1, (size_t)(t->nhosts - k - 1) * sizeof(*t->hosts));
		t->nhosts--;
	} else if (k >= 0) {
		memmove(t->ns + k, t->ns + k + 1, (size_t)(t->nns - k - 1) * sizeof(*t->ns));
		t->nns--;
	}
	pthread_mutex_unlock(&reg->lock);
	return k >= 0 ? 0 : -ENOENT;
}

int dpd_tenants_host_add(struct dpd_tenant_registry *reg, const char *name, const char *hostnqn)
{
	if (!name || !valid_name(hostnqn, DPD_TENANT_NQN_MAX))
		return -EINVAL;
	pthread_mutex_lock(&reg->lock);
	int rc = claim(reg, name, hostnqn, NULL, 0);
	if (rc >= 0) {
		struct dpd_tenant *t = reg->t[rc];
		void *nh = realloc(t->hosts, (size_t)(t->nhosts + 1) * sizeof(*t->hosts));
		rc = nh ? 0 : -ENOMEM;
		if (nh) {
			t->hosts = nh;
			strcpy(t->hosts[t->nhosts++], hostnqn);
		}
	}
	pthread_mutex_unlock(&reg->lock);
	return rc;
}

int dpd_tenants_host_remove(struct dpd_tenant_registry *reg, const char *name, const char *hostnqn)
{
	if (!name || !hostnqn)
		return -EINVAL;
	return release(reg, name, hostnqn, NULL, 0);
}

int dpd_tenants_ns_add(struct dpd_tenant_registry *reg, const char *name, const char *subnqn, uint32_t nsid)
{
	if (!name || !valid_name(subnqn, DPD_TENANT_NQN_MAX) || nsid == 0)
		return -EINVAL;
	pthread_mutex_lock(&reg->lock);
	int rc = claim(reg, name, NULL, subnqn, nsid);
	if (rc >= 0) {
		struct dpd_tenant *t = reg->t[rc];
		struct dpd_tenant_ns *nn = realloc(t->ns, (size_t)(t->nns + 1) * sizeof(*t->ns));
		rc = nn ? 0 : -ENOMEM;
		if (nn) {
			t->ns = nn;
			strcpy(t->ns[t->nns].subnqn, subnqn);
			t->ns[t->nns++].nsid = nsid;
		}
	}
	pthread_mutex_unlock(&reg->lock);
	return rc;
}

int dpd_tenants_ns_remove(struct dpd_tenant_registry *reg, const char *name, const char *subnqn, uint32_t nsid)
{
	if (!name || !subnqn)
		return -EINVAL;
	return release(reg, name, NULL, subnqn, nsid);
}

struct dpd_tenant *dpd_tenants_bind(struct dpd_tenant_registry *reg, const char *hostnqn, const char *subnqn)
{
	struct dpd_tenant *found = NULL;
	pthread_mutex_lock(&reg->lock);
	for (int i = 0; i < reg->n && !found; i++)
		if (hostnqn && host_index(reg->t[i], hostnqn) >= 0)
			found = reg->t[i];
	for (int i = 0; i < reg->n && !found && subnqn; i++)
		for (int k = 0; k < reg->t[i]->nns; k++)
			if (strcmp(reg->t[i]->ns[k].subnqn, subnqn) == 0) {
				found = reg->t[i];
				break;
			}
	if (found)
		__atomic_add_fetch(&found->refs, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&reg->lock);
	return found;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct dpd_tenant_stat *)a)->name, ((const struct dpd_tenant_stat *)b)->name);
}

int dpd_tenants_snapshot(struct dpd_tenant_registry *reg, struct dpd_tenant_stat **out, int *n)
{
	pthread_mutex_lock(&reg->lock);
	struct dpd_tenant_stat *s = calloc(reg->n ? (size_t)reg->n : 1, sizeof(*s));
	if (!s) {
		pthread_mutex_unlock(&reg->lock);
		return -ENOMEM;
	}
	for (int i = 0; i < reg->n; i++) {
		struct dpd_tenant *t = reg->t[i];
		strcpy(s[i].name, t->name);
		dpd_qos_get_limits(&t->qos, &s[i].limits);
		s[i].nhosts = t->nhosts;
		s[i].nns = t->nns;
		dpd_io_counter_set_snapshot(&t->stats, &s[i].c);
	}
	*n = reg->n;
	pthread_mutex_unlock(&reg->lock);
	qsort(s, (size_t)*n, sizeof(*s), by_name);
	*out = s;
	return 0;
}

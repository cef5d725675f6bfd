/* remotes.c - public API: remote NVMe/TCP targets (dpd_remote_*), the
 * remotes' part of stats snapshots. The namespaces on them are added in
 * subsystems.c like the others. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/remote.h"
#include "common/log.h"
#include "common/util.h"
#include "control/engine.h"

struct remote *engine_find_remote(struct dpd_engine *e, const char *name)
{
	for (int i = 0; name && i < e->nremotes; i++)
		if (strcmp(e->remotes[i]->cfg.name, name) == 0)
			return e->remotes[i];
	return NULL;
}

static int nqn_ok(const char *s) { return s && strncmp(s, "nqn.", 4) == 0 && strlen(s) <= 223; }

static int check_args(const char *name, const char *address, int port, const char *subnqn, const char *hostnqn,
		      int hd, int dd, uint32_t loss)
{
	unsigned char ip[16];
	if (!name || !*name || strlen(name) >= REMOTE_NAME_MAX)
		return set_error(-EINVAL, "remote name must be 1..%d bytes", REMOTE_NAME_MAX - 1);
	if (!address || strlen(address) >= 64 ||
	    (inet_pton(AF_INET, address, ip) != 1 && inet_pton(AF_INET6, address, ip) != 1))
		return set_error(-EINVAL, "remote %s: address \"%s\" is not an IPv4 or IPv6 address", name,
				 address ? address : "(null)");
	if (port < 1 || port > 65535)
		return set_error(-EINVAL, "remote %s: port %d is out of range 1..65535", name, port);
	if (!nqn_ok(subnqn))
		return set_error(-EINVAL, "remote %s: subsystem NQN \"%s\" is not a valid NQN", name,
				 subnqn ? subnqn : "(null)");
	if (!nqn_ok(hostnqn))
		return set_error(-EINVAL, "remote %s: host NQN \"%s\" is not a valid NQN", name,
				 hostnqn ? hostnqn : "(null)");
	if ((hd != 0 && hd != 1) || (dd != 0 && dd != 1))
		return set_error(-EINVAL, "remote %s: digests are 0 or 1", name);
	if (loss < 1 || loss > 86400)
		return set_error(-EINVAL, "remote %s: ctrl loss timeout %u s is out of range 1..86400", name, loss);
	return 0;
}

int dpd_remote_add(dpd_engine *e, const char *name, const char *address, int port, const char *subsystem_nqn,
		   const char *host_nqn, int header_digest, int data_digest, uint32_t ctrl_loss_timeout_s)
{
	if (!e)
		return set_error(-EINVAL, "engine is NULL");
	int rc = check_args(name, address, port, subsystem_nqn, host_nqn, header_digest, data_digest,
			    ctrl_loss_timeout_s);
	if (rc < 0)
		return rc;
	struct remote_cfg cfg = { .port = port, .hdgst = header_digest, .ddgst = data_digest,
				  .ctrl_loss_s = ctrl_loss_timeout_s };
	snprintf(cfg.name, sizeof(cfg.name), "%s", name);
	snprintf(cfg.address, sizeof(cfg.address), "%s", address);
	snprintf(cfg.subnqn, sizeof(cfg.subnqn), "%s", subsystem_nqn);
	snprintf(cfg.hostnqn, sizeof(cfg.hostnqn), "%s", host_nqn);
	pthread_mutex_lock(&e->lock);
	cfg.max_io = (uint32_t)e->opt.max_transfer_bytes;
	cfg.nlanes = e->nreactors;
	struct remote **arr = NULL, *r = NULL;
	if (engine_find_remote(e, name)) {
		rc = set_error(-EEXIST, "remote %s already exists", name);
	} else if (!(arr = realloc(e->remotes, sizeof(*arr) * (size_t)(e->nremotes + 1)))) {
		rc = set_error(-ENOMEM, "out of memory");
	} else {
		e->remotes = arr;
		rc = remote_create(&cfg, &r);
		if (rc < 0)
			set_error(rc, "remote %s: cannot start its thread: %s", name, strerror(-rc));
		else
			e->remotes[e->nremotes++] = r;
	}
	pthread_mutex_unlock(&e->lock);
	if (rc == 0)
		log_info("remote %s: %s at %s:%d as host %s%s%s, ctrl loss timeout %u s; connecting in the background",
			 name, subsystem_nqn, address, port, host_nqn, header_digest ? ", header digest" : "",
			 data_digest ? ", data digest" : "", ctrl_loss_timeout_s);
	return rc;
}

int dpd_remote_remove(dpd_engine *e, const char *name)
{
	if (!e || !name)
		return set_error(-EINVAL, "engine or name is NULL");
	int rc = 0;
	pthread_mutex_lock(&e->lock);
	struct remote *r = engine_find_remote(e, name);
	struct remote **gone = r ? realloc(e->gone, sizeof(*gone) * (size_t)(e->ngone + 1)) : NULL;
	if (!r) {
		rc = set_error(-ENOENT, "no remote %s", name);
		goto out;
	}
	if (!gone) {
		rc = set_error(-ENOMEM, "out of memory");
		goto out;
	}
	e->gone = gone;
	pthread_mutex_lock(&r->lock);
	int users = r->users;
	pthread_mutex_unlock(&r->lock);
	if (users) {
		rc = set_error(-EBUSY, "remote %s still holds %d namespace%s: remove them first", name, users,
			       users == 1 ? "" : "s");
		goto out;
	}
	int i = 0;
	while (e->remotes[i] != r)
		i++;
	memmove(&e->remotes[i], &e->remotes[i + 1], sizeof(*e->remotes) * (size_t)(e->nremotes - i - 1));
	e->nremotes--;
	e->gone[e->ngone++] = r;
	remote_stop(r);
	log_info("remote %s removed", name);
out:
	pthread_mutex_unlock(&e->lock);
	return rc;
}

void engine_remotes_stop(struct dpd_engine *e)
{
	for (int i = 0; i < e->nremotes; i++)
		remote_stop(e->remotes[i]);
}

void engine_remotes_free(struct dpd_engine *e)
{
	for (int i = 0; i < e->nremotes; i++)
		remote_free(e->remotes[i]);
	for (int i = 0; i < e->ngone; i++)
		remote_free(e->gone[i]);
	free(e->remotes);
	free(e->gone);
	e->remotes = e->gone = NULL;
	e->nremotes = e->ngone = 0;
}

struct remote_snap *remotes_snapshot(struct dpd_engine *e, int *count)
{
	struct remote_snap *out = calloc((size_t)DPD_MAX(e->nremotes, 1), sizeof(*out));
	if (!out)
		return NULL;
	for (int i = 0; i < e->nremotes; i++)
		remote_snapshot(e->remotes[i], &out[i]);
	*count = e->nremotes;
	return out;
}

int dpd_stats_remote_count(const dpd_stats *s)
{
	int n = 0;
	while (stats_remote(s, n))
		n++;
	return n;
}

const char *dpd_stats_remote_name(const dpd_stats *s, int idx)
{
	const struct remote_snap *r = stats_remote(s, idx);
	return r ? r->name : NULL;
}

int dpd_stats_remote_state(const dpd_stats *s, int idx)
{
	const struct remote_snap *r = stats_remote(s, idx);
	return r ? r->state : -1;
}

const char *dpd_stats_remote_reason(const dpd_stats *s, int idx)
{
	const struct remote_snap *r = stats_remote(s, idx);
	return r ? r->reason : NULL;
}

uint64_t dpd_stats_remote(const dpd_stats *s, int idx, int id)
{
	const struct remote_snap *r = stats_remote(s, idx);
	return r && id >= 0 && id < DPD_REMOTE_STAT_COUNT ? r->c[id] : 0;
}

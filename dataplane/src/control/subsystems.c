/* subsystems.c - the public API for subsystems, their hosts and namespaces
 * (dpudp.h). Each call edits the registry under e->lock and publishes a new
 * snapshot to the reactors before it returns. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "backends/remote.h"
#include "control/engine.h"

static struct subsys *find_subsys(struct dpd_engine *e, const char *nqn)
{
	for (int i = 0; i < e->nsubs; i++)
		if (strcmp(e->subs[i].nqn, nqn) == 0)
			return &e->subs[i];
	return NULL;
}

static int check_nqn(const char *nqn, const char *what)
{
	if (!nqn || strncmp(nqn, "nqn.", 4) != 0 || strlen(nqn) >= DPD_NQN_MAX)
		return set_error(-EINVAL, "%s \"%s\" is not an NQN (\"nqn.\" prefix, at most 223 bytes)", what,
				 nqn ? nqn : "(null)");
	return 0;
}

static int check_ascii(const char *s, size_t max, const char *what)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return set_error(-EINVAL, "%s \"%s\" must be 1..%zu characters", what, s, max);
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return set_error(-EINVAL, "%s must be printable ASCII", what);
	return 0;
}

static uint64_t fnv1a(const char *s, uint32_t extra, uint64_t seed)
{
	uint64_t h = seed;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	for (int i = 0; i < 4; i++)
		h = (h ^ ((extra >> (8 * i)) & 0xFF)) * 0x100000001b3ull;
	return h;
}

int dpd_subsystem_add(dpd_engine *e, const char *nqn, const char *serial, const char *model)
{
	int rc;
	char defserial[21];
	if (!e)
		return set_error(-EINVAL, "engine is NULL");
	if ((rc = check_nqn(nqn, "subsystem NQN")) < 0)
		return rc;
	if (strcmp(nqn, NVME_DISC_NQN) == 0)
		return set_error(-EINVAL, "%s is the discovery subsystem, which always exists", nqn);
	if (!serial) {
		/* Stable across restarts, different per subsystem. */
		snprintf(defserial, sizeof(defserial), "DPD%016llx",
			 (unsigned long long)fnv1a(nqn, 0, 0xcbf29ce484222325ull));
		serial = defserial;
	}
	if (!model)
		model = "DPU Storage Offload";
	if ((rc = check_ascii(serial, 20, "serial")) < 0 || (rc = check_ascii(model, 40, "model")) < 0)
		return rc;
	pthread_mutex_lock(&e->lock);
	if (find_subsys(e, nqn)) {
		rc = set_error(-EEXIST, "subsystem %s already exists", nqn);
		goto out;
	}
	struct subsys *n = realloc(e->subs, sizeof(*n) * (size_t)(e->nsubs + 1));
	if (!n) {
		rc = set_error(-ENOMEM, "out of memory");
		goto out;
	}
	e->subs = n;
	struct subsys *ss = &e->subs[e->nsubs++];
	memset(ss, 0, sizeof(*ss));
	snprintf(ss->nqn, sizeof(ss->nqn), "%s", nqn);
	snprintf(ss->serial, sizeof(ss->serial), "%s", serial);
	snprintf(ss->model, sizeof(ss->model), "%s", model);
	rc = engine_publish(e);
	if (rc < 0)
		set_error(rc, "reactors did not take the new configuration");
out:
	pthread_mutex_unlock(&e->lock);
	return rc;
}

int dpd_subsystem_remove(dpd_engine *e, const char *nqn)
{
	int rc = 0;
	if (!e || !nqn)
		return set_error(-EINVAL, "engine or NQN is NULL");
	pthread_mutex_lock(&e->lock);
	struct subsys *ss = find_subsys(e, nqn);
	if (!ss) {
		rc = set_error(-ENOENT, "no subsystem %s", nqn);
		goto out;
	}
	subsys_clear(ss);
	*ss = e->subs[--e->nsubs];
	rc = engine_publish(e);
	log_info("subsystem %s removed", nqn);
out:
	pthread_mutex_unlock(&e->lock);
	return rc;
}

/* Run an edit on one subsystem under the lock, then publish. */
#define WITH_SUBSYS(e, nqn, ss, body)                                               \
	do {                                                                        \
		if (!(e) || !(nqn))                                                 \
			return set_error(-EINVAL, "engine or NQN is NULL");          \
		pthread_mutex_lock(&(e)->lock);                                     \
		struct subsys *ss = find_subsys((e), (nqn));                        \
		if (!ss) {                                                          \
			rc = set_error(-ENOENT, "no subsystem %s", (nqn));           \
		} else {                                                            \
			body                                                        \
		}                                                                   \
		if (rc >= 0)                                                        \
			rc = engine_publish(e);                                     \
		pthread_mutex_unlock(&(e)->lock);                                   \
	} while (0)

int dpd_subsystem_allow_any_host(dpd_engine *e, const char *nqn, int allow)
{
	int rc = 0;
	WITH_SUBSYS(e, nqn, ss, { ss->allow_any = !!allow; });
	return rc;
}

int dpd_host_allow(dpd_engine *e, const char *nqn, const char *host_nqn)
{
	int rc = check_nqn(host_nqn, "host NQN");
	if (rc < 0)
		return rc;
	WITH_SUBSYS(e, nqn, ss, {
		for (int i = 0; i < ss->nhosts && rc == 0; i++)
			if (strcmp(ss->hosts[i], host_nqn) == 0)
				rc = set_error(-EEXIST, "host %s is already allowed on %s", host_nqn, nqn);
		if (rc == 0) {
			char(*h)[DPD_NQN_MAX] = realloc(ss->hosts, sizeof(*h) * (size_t)(ss->nhosts + 1));
			if (!h) {
				rc = set_error(-ENOMEM, "out of memory");
			} else {
				ss->hosts = h;
				snprintf(ss->hosts[ss->nhosts++], DPD_NQN_MAX, "%s", host_nqn);
			}
		}
	});
	return rc;
}

int dpd_host_disallow(dpd_engine *e, const char *nqn, const char *host_nqn)
{
	int rc = 0;
	if (!host_nqn)
		return set_error(-EINVAL, "host NQN is NULL");
	WITH_SUBSYS(e, nqn, ss, {
		int i;
		for (i = 0; i < ss->nhosts; i++)
			if (strcmp(ss->hosts[i], host_nqn) == 0)
				break;
		if (i == ss->nhosts) {
			rc = set_error(-ENOENT, "host %s is not on the allow-list of %s", host_nqn, nqn);
		} else {
			memmove(ss->hosts[i], ss->hosts[i + 1], sizeof(ss->hosts[0]) * (size_t)(ss->nhosts - i - 1));
			ss->nhosts--;
		}
	});
	return rc;
}

/* ------------------------------------------------------------ namespaces */

/* Where a namespace's blocks live: RAM, a file (path) or a remote (name). */
struct ns_where {
	const char *path;
	const char *remote;
	uint32_t remote_nsid;
};

static int ns_add(dpd_engine *e, const char *nqn, uint32_t nsid, uint64_t size, uint32_t bs,
		  const struct ns_where *w)
{
	const char *path = w->path;
	int rc = 0;
	if (!e || !nqn)
		return set_error(-EINVAL, "engine or NQN is NULL");
	if (nsid < 1 || nsid > DPD_MAX_NSID)
		return set_error(-EINVAL, "nsid %u out of range 1..%d", nsid, DPD_MAX_NSID);
	if (bs != 512 && bs != 4096)
		return set_error(-EINVAL, "blockSize %u must be 512 or 4096", bs);
	if ((!path || size) && (size == 0 || size % bs))
		return set_error(-EINVAL, "sizeBytes %llu must be a non-zero multiple of blockSize %u",
				 (unsigned long long)size, bs);
	pthread_mutex_lock(&e->lock);
	struct subsys *ss = find_subsys(e, nqn);
	if (!ss) {
		rc = set_error(-ENOENT, "no subsystem %s", nqn);
		goto out;
	}
	if (subsys_find_ns(ss, nsid)) {
		rc = set_error(-EEXIST, "namespace %u already exists in %s", nsid, nqn);
		goto out;
	}
	struct backend *be = NULL;
	if (w->remote) {
		struct remote *r = engine_find_remote(e, w->remote);
		if (!r) {
			rc = set_error(-ENOENT, "no remote %s for namespace %u of %s", w->remote, nsid, nqn);
			goto out;
		}
		rc = backend_nvme_tcp_create(r, w->remote_nsid, size, bs, &be);
	} else {
		rc = path ? backend_file_create(path, size, bs, &be) : backend_ram_create(size, &be);
	}
	if (rc < 0) {
		if (w->remote)
			set_error(rc, "namespace %u: out of memory", nsid);
		else if (path)
			set_error(rc, "cannot open %s for namespace %u: %s", path, nsid, strerror(-rc));
		else
			set_error(rc, "cannot allocate %llu bytes for namespace %u", (unsigned long long)size, nsid);
		goto out;
	}
	if (be->size % bs || be->size == 0) {
		be->ops->destroy(be);
		rc = set_error(-EINVAL, "%s: size %llu is not a multiple of blockSize %u", path ? path : "ram",
			       (unsigned long long)be->size, bs);
		goto out;
	}
	struct dpd_ns *ns = calloc(1, sizeof(*ns));
	struct dpd_ns **arr = ns ? realloc(ss->ns, sizeof(*arr) * (size_t)(ss->nns + 1)) : NULL;
	if (!arr) {
		free(ns);
		be->ops->destroy(be);
		rc = set_error(-ENOMEM, "out of memory");
		goto out;
	}
	if (io_ns_init(&ns->io, (unsigned)e->nreactors) < 0) { /* per-reactor I/O counters */
		free(ns);
		be->ops->destroy(be);
		rc = set_error(-ENOMEM, "out of memory");
		goto out;
	}
	ss->ns = arr;
	ns->refs = 1;
	ns->nsid = nsid;
	ns->block_size = bs;
	ns->lba_shift = bs == 512 ? 9 : 12;
	ns->nblocks = be->size / bs;
	ns->be = be;
	snprintf(ns->subnqn, sizeof(ns->subnqn), "%s", nqn);
	ns->io.nsid = nsid;
	ns->io.block_size = bs;
	ns->io.lba_shift = ns->lba_shift;
	ns->io.subnqn = ns->subnqn;
	/* Identifiers derived from (subsystem, nsid): stable across restarts
	 * and unique across subsystems, which the Linux host checks. */
	uint64_t h1 = fnv1a(nqn, nsid, 0xcbf29ce484222325ull), h2 = fnv1a(nqn, nsid, 0x84222325cbf29ce4ull);
	memcpy(ns->nguid, &h1, 8);
	memcpy(ns->nguid + 8, &h2, 8);
	uint64_t h3 = fnv1a(nqn, nsid ^ 0x5a5a5a5a, 0x1234567887654321ull);
	memcpy(ns->uuid, &h2, 8);
	memcpy(ns->uuid + 8, &h3, 8);
	ns->uuid[6] = (uint8_t)((ns->uuid[6] & 0x0F) | 0x50); /* name-based UUID */
	ns->uuid[8] = (uint8_t)((ns->uuid[8] & 0x3F) | 0x80);
	int pos = ss->nns;
	while (pos > 0 && ss->ns[pos - 1]->nsid > nsid) {
		ss->ns[pos] = ss->ns[pos - 1];
		pos--;
	}
	ss->ns[pos] = ns;
	ss->nns++;
	rc = engine_publish(e);
	char what[4200];
	be->ops->describe(be, what, sizeof(what));
	log_info("namespace %u of %s: %s, %llu blocks of %u bytes", nsid, nqn, what, (unsigned long long)ns->nblocks,
		 bs);
out:
	pthread_mutex_unlock(&e->lock);
	return rc;
}

int dpd_ns_add_ram(dpd_engine *e, const char *nqn, uint32_t nsid, uint64_t size_bytes, uint32_t block_size)
{
	return ns_add(e, nqn, nsid, size_bytes, block_size, &(struct ns_where){ 0 });
}

int dpd_ns_add_remote(dpd_engine *e, const char *nqn, uint32_t nsid, const char *remote, uint32_t remote_nsid,
		      uint64_t size_bytes, uint32_t block_size)
{
	if (!remote || !*remote)
		return set_error(-EINVAL, "nvme-tcp namespace needs a remote");
	if (remote_nsid == 0 || remote_nsid == 0xFFFFFFFFu)
		return set_error(-EINVAL, "remote nsid %u is out of range 1..4294967294", remote_nsid);
	return ns_add(e, nqn, nsid, size_bytes, block_size,
		      &(struct ns_where){ .remote = remote, .remote_nsid = remote_nsid });
}

int dpd_ns_add_file(dpd_engine *e, const char *nqn, uint32_t nsid, const char *path, uint64_t size_bytes,
		    uint32_t block_size)
{
	if (!path || !*path)
		return set_error(-EINVAL, "file namespace needs a path");
	return ns_add(e, nqn, nsid, size_bytes, block_size, &(struct ns_where){ .path = path });
}

int dpd_ns_remove(dpd_engine *e, const char *nqn, uint32_t nsid)
{
	int rc = 0;
	WITH_SUBSYS(e, nqn, ss, {
		int i;
		for (i = 0; i < ss->nns; i++)
			if (ss->ns[i]->nsid == nsid)
				break;
		if (i == ss->nns) {
			rc = set_error(-ENOENT, "no namespace %u in %s", nsid, nqn);
		} else {
			struct dpd_ns *ns = ss->ns[i];
			memmove(&ss->ns[i], &ss->ns[i + 1], sizeof(ss->ns[0]) * (size_t)(ss->nns - i - 1));
			ss->nns--;
			ns_put(ns); /* in-flight commands and old snapshots still hold it */
		}
	});
	return rc;
}


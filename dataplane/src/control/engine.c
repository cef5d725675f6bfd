/* engine.c - the public API (dpudp.h): options, engine lifecycle,
 * listeners, subsystems, hosts, namespaces, statistics. Control calls are
 * serialised by e->lock and reach the reactors as messages. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/crc32c.h"
#include "common/log.h"
#include "control/reactors.h"
#include "control/registry.h"
#include "common/util.h"

#define DPD_VERSION "0.1.0"

const char *dpd_version(void) { return DPD_VERSION; }

/* ------------------------------------------------------------ options */

int dpd_options_create(dpd_options **out)
{
	if (!out)
		return set_error(-EINVAL, "out pointer is NULL");
	dpd_options *o = calloc(1, sizeof(*o));
	if (!o)
		return set_error(-ENOMEM, "out of memory");
	o->reactors = 2;
	o->max_kato_ms = 120000;
	o->max_io_queues = 8;
	o->max_queue_depth = 128;
	o->max_transfer_bytes = 131072;
	o->in_capsule_bytes = 8192;
	o->connect_timeout_ms = 10000;
	o->io_uring = 1;
	o->max_connections = 4096;
	*out = o;
	return 0;
}

void dpd_options_destroy(dpd_options *opts) { free(opts); }

int dpd_options_set_int(dpd_options *o, const char *key, int64_t v)
{
	static const struct {
		const char *key;
		size_t off;
		int64_t min, max;
	} keys[] = {
		{ "reactors", offsetof(dpd_options, reactors), 1, DPD_MAX_REACTORS },
		{ "max_kato_ms", offsetof(dpd_options, max_kato_ms), 0, 3600000 },
		{ "max_io_queues", offsetof(dpd_options, max_io_queues), 1, 64 },
		{ "max_queue_depth", offsetof(dpd_options, max_queue_depth), 16, 1024 },
		{ "max_transfer_bytes", offsetof(dpd_options, max_transfer_bytes), 4096, 1 << 20 },
		{ "in_capsule_bytes", offsetof(dpd_options, in_capsule_bytes), 0, 65536 },
		{ "connect_timeout_ms", offsetof(dpd_options, connect_timeout_ms), 100, 600000 },
		{ "io_uring", offsetof(dpd_options, io_uring), 0, 1 },
		{ "max_connections", offsetof(dpd_options, max_connections), 1, 1 << 20 },
	};
	if (!o || !key)
		return set_error(-EINVAL, "options or key is NULL");
	for (size_t i = 0; i < DPD_ARRAY_SIZE(keys); i++) {
		if (strcmp(keys[i].key, key) != 0)
			continue;
		if (v < keys[i].min || v > keys[i].max)
			return set_error(-EINVAL, "option %s=%lld is out of range %lld..%lld", key, (long long)v,
					 (long long)keys[i].min, (long long)keys[i].max);
		*(int64_t *)((char *)o + keys[i].off) = v;
		return 0;
	}
	return set_error(-EINVAL, "unknown option %s", key);
}

/* ------------------------------------------------------------ engine */

int dpd_engine_create(const dpd_options *opts, dpd_engine **out)
{
	dpd_options defaults;
	if (!out)
		return set_error(-EINVAL, "out pointer is NULL");
	if (!opts) {
		dpd_options *d;
		int rc = dpd_options_create(&d);
		if (rc < 0)
			return rc;
		defaults = *d;
		dpd_options_destroy(d);
		opts = &defaults;
	}
	int64_t mtb = opts->max_transfer_bytes;
	if (mtb & (mtb - 1))
		return set_error(-EINVAL, "max_transfer_bytes=%lld is not a power of two", (long long)mtb);
	if (opts->in_capsule_bytes % 16)
		return set_error(-EINVAL, "in_capsule_bytes=%lld is not a multiple of 16", (long long)opts->in_capsule_bytes);
	int crc = reactor_cpus_check(opts);
	if (crc < 0)
		return crc;
	crc32c_hw_available(); /* pick the CRC implementation before threads start */
	struct dpd_engine *e = calloc(1, sizeof(*e));
	if (!e)
		return set_error(-ENOMEM, "out of memory");
	e->opt = *opts;
	for (e->mdts_shift = 0; (4096ll << e->mdts_shift) < mtb; e->mdts_shift++)
		;
	e->nreactors = (int)opts->reactors;
	e->reactors = calloc((size_t)e->nreactors, sizeof(*e->reactors));
	if (!e->reactors) {
		free(e);
		return set_error(-ENOMEM, "out of memory");
	}
	pthread_mutex_init(&e->lock, NULL);
	pthread_mutex_init(&e->ctrl_lock, NULL);
	e->next_cntlid = 1;
	int rc = feat_engine_init(e); /* feature_hooks.h: tenants, offload mode */
	if (rc < 0) {
		dpd_engine_destroy(e);
		return set_error(rc, "out of memory");
	}
	rc = engine_publish(e);
	if (rc < 0) {
		dpd_engine_destroy(e);
		return set_error(rc, "out of memory");
	}
	*out = e;
	return 0;
}

static void stop_reactors(struct dpd_engine *e, int n)
{
	for (int i = 0; i < n; i++) {
		struct msg *m = calloc(1, sizeof(*m));
		if (m) {
			m->type = MSG_QUIT;
			reactor_post(&e->reactors[i], m);
		} else {
			__atomic_store_n(&e->reactors[i].quit, 1, __ATOMIC_RELEASE);
		}
	}
	for (int i = 0; i < n; i++) {
		pthread_join(e->reactors[i].thread, NULL);
		reactor_fini(&e->reactors[i]);
	}
}

int dpd_engine_start(dpd_engine *e)
{
	int rc = 0, i;
	if (!e)
		return set_error(-EINVAL, "engine is NULL");
	pthread_mutex_lock(&e->lock);
	if (e->started) {
		rc = set_error(-EALREADY, "engine already started");
		goto out;
	}
	for (i = 0; i < e->nreactors; i++) {
		struct reactor *r = &e->reactors[i];
		rc = reactor_init(r, e, i);
		if (rc < 0) {
			reactor_fini(r);
			set_error(rc, "reactor %d: cannot set up epoll/io_uring: %s", i, strerror(-rc));
			break;
		}
		r->snap = snap_get(e->cur);
		if (i == 0)
			for (int k = 0; k < e->nlisteners; k++) {
				struct ev_src *l = &r->listeners[r->nlisten++];
				*l = (struct ev_src){ .kind = EV_LISTENER, .fd = e->listener_fds[k] };
				struct epoll_event ev = { .events = EPOLLIN, .data.ptr = l };
				epoll_ctl(r->epfd, EPOLL_CTL_ADD, l->fd, &ev);
			}
		r->running = 1;
		if ((rc = -pthread_create(&r->thread, NULL, reactor_main, r)) < 0) {
			reactor_fini(r);
			set_error(rc, "cannot start reactor thread %d", i);
			break;
		}
		if ((rc = reactor_place(r)) < 0) {
			i++; /* this one runs: stop it with the others */
			break;
		}
	}
	if (rc < 0) {
		stop_reactors(e, i);
		goto out;
	}
	e->started = 1;
	log_info("engine started: %d reactors%s, CRC32C %s", e->nreactors,
		 e->opt.nreactor_cpus ? " pinned to the listed CPUs" : "",
		 crc32c_hw_available() ? "SSE4.2 instruction" : "table");
out:
	pthread_mutex_unlock(&e->lock);
	return rc;
}

int dpd_engine_stop(dpd_engine *e, uint32_t timeout_ms)
{
	int rc = 0;
	if (!e)
		return set_error(-EINVAL, "engine is NULL");
	pthread_mutex_lock(&e->lock);
	if (!e->started)
		goto out;
	/* 1. stop accepting and reading new commands, let in-flight ones finish */
	engine_broadcast(e, MSG_DRAIN, NULL, -1, 0);
	uint64_t deadline = dpd_now_ms() + timeout_ms;
	for (;;) {
		int drained = 1;
		for (int i = 0; i < e->nreactors; i++)
			if (__atomic_load_n(&e->reactors[i].running, __ATOMIC_ACQUIRE) != 2)
				drained = 0;
		if (drained)
			break;
		if (dpd_now_ms() >= deadline) {
			rc = set_error(-ETIMEDOUT, "commands still in flight after %u ms; dropping them unacknowledged",
				       timeout_ms);
			log_warn("%s", dpd_last_error());
			break;
		}
		nanosleep(&(struct timespec){ .tv_nsec = 5000000 }, NULL);
	}
	/* 2. close connections and listeners */
	stop_reactors(e, e->nreactors);
	for (int k = 0; k < e->nlisteners; k++)
		close(e->listener_fds[k]);
	e->nlisteners = 0;
	e->started = 0;
	/* 3. everything acknowledged goes to stable storage */
	for (int i = 0; i < e->nsubs; i++)
		for (int k = 0; k < e->subs[i].nns; k++) {
			struct dpd_ns *ns = e->subs[i].ns[k];
			int src = ns->be->ops->sync(ns->be);
			if (src < 0) {
				log_error("flushing namespace %u of %s failed: %s", ns->nsid, ns->subnqn, strerror(-src));
				rc = set_error(src, "flushing namespace %u of %s failed", ns->nsid, ns->subnqn);
			}
		}
	engine_publish(e);
	log_info("engine stopped");
out:
	pthread_mutex_unlock(&e->lock);
	return rc;
}

void dpd_engine_destroy(dpd_engine *e)
{
	if (!e)
		return;
	dpd_engine_stop(e, 5000);
	for (int i = 0; i < e->nsubs; i++)
		subsys_clear(&e->subs[i]);
	free(e->subs);
	free(e->listeners);
	free(e->listener_fds);
	snap_put(e->cur);
	for (int i = 0; i < e->nctrls; i++)
		ctrl_put(e->ctrls[i]);
	free(e->ctrls);
	free(e->reactors);
	feat_engine_fini(e); /* feature_hooks.h */
	pthread_mutex_destroy(&e->lock);
	pthread_mutex_destroy(&e->ctrl_lock);
	free(e);
}

/* ------------------------------------------------------------ listeners */

static int parse_addr(const char *address, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, address, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		*len = sizeof(*in);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, address, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*in6);
		return AF_INET6;
	}
	return -1;
}

int dpd_listener_add(dpd_engine *e, const char *address, int port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int rc, family;

	if (!e || !address)
		return set_error(-EINVAL, "engine or address is NULL");
	if (port < 0 || port > 65535)
		return set_error(-EINVAL, "port %d out of range 0..65535", port);
	family = parse_addr(address, port, &ss, &len);
	if (family < 0)
		return set_error(-EINVAL, "listen address \"%s\" is not an IPv4 or IPv6 literal", address);
	pthread_mutex_lock(&e->lock);
	for (int i = 0; i < e->nlisteners; i++)
		if (port && e->listeners[i].port == port && strcmp(e->listeners[i].addr, address) == 0) {
			rc = set_error(-EEXIST, "already listening on %s:%d", address, port);
			goto out;
		}
	if (e->nlisteners >= 16) {
		rc = set_error(-ENOSPC, "at most 16 listeners");
		goto out;
	}
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = set_error(-errno, "socket: %s", strerror(errno));
		goto out;
	}
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 128) < 0) {
		rc = set_error(-errno, "cannot listen on %s:%d: %s", address, port, strerror(errno));
		close(fd);
		goto out;
	}
	len = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &len);
	int bound = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					    : ((struct sockaddr_in6 *)&ss)->sin6_port);
	struct listen_addr *nl = realloc(e->listeners, sizeof(*nl) * (size_t)(e->nlisteners + 1));
	int *nf = nl ? realloc(e->listener_fds, sizeof(*nf) * (size_t)(e->nlisteners + 1)) : NULL;
	if (nl)
		e->listeners = nl;
	if (!nf) {
		close(fd);
		rc = set_error(-ENOMEM, "out of memory");
		goto out;
	}
	e->listener_fds = nf;
	struct listen_addr *l = &e->listeners[e->nlisteners];
	memset(l, 0, sizeof(*l));
	snprintf(l->addr, sizeof(l->addr), "%s", address);
	l->port = bound;
	l->family = family;
	e->listener_fds[e->nlisteners++] = fd;
	if (e->started)
		engine_broadcast(e, MSG_ADD_LISTENER, NULL, fd, 1);
	engine_publish(e);
	rc = bound;
out:
	pthread_mutex_unlock(&e->lock);
	return rc;
}

int dpd_listener_remove(dpd_engine *e, const char *address, int port)
{
	int rc = 0;
	if (!e || !address)
		return set_error(-EINVAL, "engine or address is NULL");
	pthread_mutex_lock(&e->lock);
	int i;
	for (i = 0; i < e->nlisteners; i++)
		if (e->listeners[i].port == port && strcmp(e->listeners[i].addr, address) == 0)
			break;
	if (i == e->nlisteners) {
		rc = set_error(-ENOENT, "not listening on %s:%d", address, port);
		goto out;
	}
	int fd = e->listener_fds[i];
	if (e->started)
		engine_broadcast(e, MSG_DEL_LISTENER, NULL, fd, 1);
	close(fd);
	e->listeners[i] = e->listeners[e->nlisteners - 1];
	e->listener_fds[i] = e->listener_fds[e->nlisteners - 1];
	e->nlisteners--;
	engine_publish(e);
	log_info("stopped listening on %s:%d", address, port);
out:
	pthread_mutex_unlock(&e->lock);
	return rc;
}

/* ------------------------------------------------------------ subsystems */

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

static int ns_add(dpd_engine *e, const char *nqn, uint32_t nsid, uint64_t size, uint32_t bs,
		  const char *path)
{
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
	rc = path ? backend_file_create(path, size, bs, &be) : backend_ram_create(size, &be);
	if (rc < 0) {
		if (path)
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
	if (feat_ns_init(e, ns) < 0) { /* feature_hooks.h: per-reactor I/O counters */
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
	log_info("namespace %u of %s: %s%s%s%s, %llu blocks of %u bytes", nsid, nqn, be->ops->name,
		 path ? " " : "", path ? path : "", path ? (be->direct ? " (O_DIRECT)" : " (buffered)") : "",
		 (unsigned long long)ns->nblocks, bs);
out:
	pthread_mutex_unlock(&e->lock);
	return rc;
}

int dpd_ns_add_ram(dpd_engine *e, const char *nqn, uint32_t nsid, uint64_t size_bytes, uint32_t block_size)
{
	return ns_add(e, nqn, nsid, size_bytes, block_size, NULL);
}

int dpd_ns_add_file(dpd_engine *e, const char *nqn, uint32_t nsid, const char *path, uint64_t size_bytes,
		    uint32_t block_size)
{
	if (!path || !*path)
		return set_error(-EINVAL, "file namespace needs a path");
	return ns_add(e, nqn, nsid, size_bytes, block_size, path);
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

/* ------------------------------------------------------------ stats */

struct dpd_stats {
	uint64_t engine[DPD_STAT_ENGINE_COUNT];
	int nns;
	struct stats_ns {
		char subnqn[DPD_NQN_MAX];
		uint32_t nsid;
		uint64_t c[DPD_STAT_NS_COUNT];
	} *ns;
	struct feat_stats *feat; /* feature_hooks.h: tenants, queues, latency, copies */
};

const struct feat_stats *stats_feat(const dpd_stats *s) { return s ? s->feat : NULL; }

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
	s->feat = feat_stats_take(e); /* feature_hooks.h */
	pthread_mutex_unlock(&e->lock);
	if (!s->feat) {
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
	feat_stats_free(s->feat); /* feature_hooks.h */
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

/* engine.c - the public API (dpudp.h): options, engine lifecycle and
 * listeners. Control calls are serialised by e->lock and reach the reactors
 * as messages. Subsystems and namespaces: subsystems.c; statistics: stats.c;
 * offload modes, keys and tenants: layers_api.c. */
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
#include "common/util.h"
#include "control/engine.h"

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
		{ "polling", offsetof(dpd_options, polling), DPD_POLLING_SLEEP, DPD_POLLING_ADAPTIVE },
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
	struct dpd_engine *e = calloc(1, sizeof(*e));
	if (!e)
		return set_error(-ENOMEM, "out of memory");
	e->opt = *opts;
	nvme_tgt_init(&e->tgt);
	e->tgt.opt = &e->opt;
	for (e->tgt.mdts_shift = 0; (4096ll << e->tgt.mdts_shift) < mtb; e->tgt.mdts_shift++)
		;
	e->nreactors = (int)opts->reactors;
	e->tgt.nthreads = e->nreactors;
	e->reactors = calloc((size_t)e->nreactors, sizeof(*e->reactors));
	if (!e->reactors) {
		free(e);
		return set_error(-ENOMEM, "out of memory");
	}
	e->tp = (struct transport){ .opt = &e->opt, .tgt = &e->tgt, .io = &e->io, .nreactors = e->nreactors,
				    .reactors = e->reactors };
	pthread_mutex_init(&e->lock, NULL);
	int rc = io_layers_init(&e->io, (unsigned)e->nreactors); /* tenants, offload mode */
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

/* How the reactors wait (DPD_POLLING_*), for the start log line. */
static const char *polling_name(int64_t polling)
{
	switch (polling) {
	case DPD_POLLING_BUSY_POLL:
		return "busy-polling (each reactor keeps its CPU 100% busy, even idle)";
	case DPD_POLLING_ADAPTIVE:
		return "polling adaptively (each reactor spins briefly after work, then sleeps)";
	default:
		return "sleeping when idle";
	}
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
		rc = reactor_init(r, &e->tp, i);
		if (rc < 0) {
			reactor_fini(r);
			set_error(rc, "reactor %d: cannot set up epoll/io_uring: %s", i, strerror(-rc));
			break;
		}
		r->nt.snap = snap_get(e->cur);
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
	log_info("engine started: %d reactors%s, %s, CRC32C %s", e->nreactors,
		 e->opt.nreactor_cpus ? " pinned to the listed CPUs" : "",
		 polling_name(e->opt.polling),
		 crc32c_implementation());
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
	engine_remotes_stop(e); /* no thread reaches a remote after this */
	for (int i = 0; i < e->nsubs; i++)
		subsys_clear(&e->subs[i]);
	free(e->subs);
	free(e->listeners);
	free(e->listener_fds);
	snap_put(e->cur);
	for (int i = 0; i < e->tgt.nctrls; i++)
		ctrl_put(e->tgt.ctrls[i]);
	nvme_tgt_fini(&e->tgt);
	free(e->reactors);
	io_layers_fini(&e->io);
	engine_remotes_free(e); /* after the namespaces on them */
	pthread_mutex_destroy(&e->lock);
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


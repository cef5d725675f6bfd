/* reactor.c - one I/O thread: epoll for sockets, io_uring for storage.
 *
 * Why epoll + io_uring-with-eventfd rather than io_uring for everything:
 * sockets are handled readiness-style with non-blocking recv/sendmsg into
 * buffers we already own, which keeps the PDU state machine synchronous and
 * easy to follow (and to drive from tests with plain sockets); storage is
 * where asynchronous submission pays (O_DIRECT reads/writes, fsync), so that
 * goes through io_uring, whose completion eventfd is just one more epoll
 * source. Everything a reactor touches belongs to it; other threads reach
 * it only through its message queue (mutex-protected list + eventfd), which
 * carries configuration snapshots, new connections and stop requests - never
 * per-I/O traffic. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "nvme/target.h"
#include "common/util.h"

#define RING_ENTRIES 256

void reactor_stat(struct reactor *r, int id, uint64_t v) { stat_add(&r->stats[id], v); }

int reactor_init(struct reactor *r, struct dpd_engine *e, int idx)
{
	uint64_t keep[DPD_STAT_ENGINE_COUNT];
	memcpy(keep, r->stats, sizeof(keep)); /* counters survive a restart */
	memset(r, 0, sizeof(*r));
	memcpy(r->stats, keep, sizeof(keep));
	r->epfd = r->evfd = r->ring_evfd = -1;
	r->e = e;
	r->idx = idx;
	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	r->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	r->ring_evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (r->epfd < 0 || r->evfd < 0 || r->ring_evfd < 0)
		return -errno;
	/* Container runtimes' default seccomp profiles often forbid io_uring.
	 * Keep serving then: file backends fall back to synchronous I/O. */
	int rc = e->opt.io_uring ? io_uring_queue_init(RING_ENTRIES, &r->ring, 0) : -ENOSYS;
	if (rc == 0) {
		r->ring_ok = 1;
		rc = io_uring_register_eventfd(&r->ring, r->ring_evfd);
		if (rc < 0) {
			io_uring_queue_exit(&r->ring);
			r->ring_ok = 0;
		}
	}
	if (!r->ring_ok && idx == 0 && !e->opt.io_uring)
		log_info("io_uring switched off by option; file namespaces use blocking I/O on the reactor threads");
	else if (!r->ring_ok && idx == 0)
		log_warn("io_uring is not available (%s); file namespaces use blocking I/O on the reactor threads. "
			 "Allow io_uring (e.g. in the seccomp profile) for full performance",
			 strerror(-rc));
	r->msg_src = (struct ev_src){ .kind = EV_MSG, .fd = r->evfd };
	r->ring_src = (struct ev_src){ .kind = EV_RING, .fd = r->ring_evfd };
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &r->msg_src };
	epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->evfd, &ev);
	ev.data.ptr = &r->ring_src;
	epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->ring_evfd, &ev);
	r->buf_size = (uint32_t)DPD_MAX(e->opt.max_transfer_bytes, DPD_MAX(e->opt.in_capsule_bytes, 8192));
	/* Cached buffers: enough for every queue slot of a few connections;
	 * beyond that buffers are allocated per command and freed after. */
	r->max_bufs = (uint32_t)(4 * e->opt.max_queue_depth);
	r->free_bufs = calloc(r->max_bufs, sizeof(*r->free_bufs));
	if (!r->free_bufs)
		return -ENOMEM;
	return feat_reactor_init(r); /* feature_hooks.h: staging buffers */
}

void reactor_fini(struct reactor *r)
{
	/* Ring first: io_uring_queue_exit() waits for (or cancels) operations
	 * still in the kernel, so the buffers they point at can be freed. */
	if (r->ring_ok)
		io_uring_queue_exit(&r->ring);
	r->ring_ok = 0;
	while (r->conns) {
		struct conn *c = r->conns;
		conn_close(c, "engine stopped");
		for (uint32_t i = 0; i < c->nreqs; i++)
			if (c->reqs[i].state == REQ_EXEC)
				req_release(&c->reqs[i]);
		c->bios = 0;
		conn_free_if_idle(c);
	}
	r->nlisten = 0; /* the engine owns and closes listener sockets */
	while (r->msg_head) {
		struct msg *m = r->msg_head;
		r->msg_head = m->next;
		if (m->type == MSG_ADD_CONN)
			close(m->fd);
		if (m->snap)
			snap_put(m->snap);
		free(m);
	}
	r->msg_tail = NULL;
	if (r->snap)
		snap_put(r->snap);
	r->snap = NULL;
	for (uint32_t i = 0; i < r->nfree_bufs; i++)
		free(r->free_bufs[i]);
	r->nfree_bufs = 0;
	free(r->free_bufs);
	r->free_bufs = NULL;
	feat_reactor_fini(r); /* feature_hooks.h */
	if (r->epfd >= 0)
		close(r->epfd);
	if (r->evfd >= 0)
		close(r->evfd);
	if (r->ring_evfd >= 0)
		close(r->ring_evfd);
	r->epfd = r->evfd = r->ring_evfd = -1;
	pthread_mutex_destroy(&r->msg_lock);
}

int reactor_post(struct reactor *r, struct msg *m)
{
	uint64_t one = 1;
	m->next = NULL;
	pthread_mutex_lock(&r->msg_lock);
	if (r->msg_tail)
		r->msg_tail->next = m;
	else
		r->msg_head = m;
	r->msg_tail = m;
	pthread_mutex_unlock(&r->msg_lock);
	if (write(r->evfd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}

/* ------------------------------------------------------------ buffers */

uint8_t *reactor_buf_get(struct reactor *r)
{
	uint8_t *fixed = feat_buf_get(r); /* feature_hooks.h: io_uring registered buffers first */
	if (fixed)
		return fixed;
	if (r->nfree_bufs)
		return r->free_bufs[--r->nfree_bufs];
	void *p = NULL;
	/* 4 KiB alignment so O_DIRECT can use the buffer as is. */
	if (posix_memalign(&p, 4096, r->buf_size))
		return NULL;
	return p;
}

void reactor_buf_put(struct reactor *r, uint8_t *buf)
{
	if (feat_buf_put(r, buf)) /* feature_hooks.h */
		return;
	if (r->nfree_bufs < r->max_bufs)
		r->free_bufs[r->nfree_bufs++] = buf;
	else
		free(buf);
}

/* ------------------------------------------------------------ storage */

struct io_uring_sqe *reactor_sqe(struct reactor *r)
{
	if (!r->ring_ok)
		return NULL;
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);
	if (!sqe && r->ring_pending) {
		io_uring_submit(&r->ring);
		r->ring_pending = 0;
		sqe = io_uring_get_sqe(&r->ring);
	}
	if (sqe)
		r->ring_pending++;
	return sqe;
}

void reactor_bio_submit(struct bio *bio)
{
	struct reactor *r = bio->r;
	if (r->backlog || bio->be->ops->submit(bio->be, bio) == -EAGAIN) {
		bio->next = NULL;
		if (r->backlog_tail)
			r->backlog_tail->next = bio;
		else
			r->backlog = bio;
		r->backlog_tail = bio;
	}
}

static void retry_backlog(struct reactor *r)
{
	while (r->backlog) {
		struct bio *bio = r->backlog;
		if (bio->be->ops->submit(bio->be, bio) == -EAGAIN)
			return;
		r->backlog = bio->next;
		if (!r->backlog)
			r->backlog_tail = NULL;
	}
}

static void reap_ring(struct reactor *r)
{
	uint64_t v;
	struct io_uring_cqe *cqe;
	if (read(r->ring_evfd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_warn("reactor %d: reading the completion eventfd failed: %s", r->idx, strerror(errno));
	while (io_uring_peek_cqe(&r->ring, &cqe) == 0) {
		struct bio *bio = io_uring_cqe_get_data(cqe);
		int res = cqe->res;
		io_uring_cqe_seen(&r->ring, cqe);
		if (bio)
			bio->be->ops->complete(bio, res);
	}
}

/* ------------------------------------------------------------ sockets */

static void peer_name(int fd, char *out, size_t cap)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "?";
	int port = 0;
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *in = (struct sockaddr_in *)&ss;
			inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
			port = ntohs(in->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
			inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
			port = ntohs(in6->sin6_port);
		}
	}
	snprintf(out, cap, "%s:%d", host, port);
}

static void on_accept(struct reactor *r, int lfd)
{
	struct dpd_engine *e = r->e;
	for (int budget = 0; budget < 32; budget++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_warn("accept failed: %s", strerror(errno));
			return;
		}
		/* Each connection costs ~130 KiB up front: bound how many. */
		uint64_t active = 0;
		for (int i = 0; i < e->nreactors; i++)
			active += stat_read(&e->reactors[i].stats[DPD_STAT_CONNECTIONS_ACTIVE]);
		if (active >= (uint64_t)e->opt.max_connections) {
			uint64_t now = dpd_now_ms();
			if (now >= r->refused_log_ms + 1000) {
				r->refused_log_ms = now;
				log_warn("refusing a connection: %llu connections open, the limit (max_connections) is %lld",
					 (unsigned long long)active, (long long)e->opt.max_connections);
			}
			close(fd);
			continue;
		}
		struct reactor *dst = &e->reactors[r->rr++ % (uint32_t)e->nreactors];
		char peer[64];
		peer_name(fd, peer, sizeof(peer));
		if (dst == r) {
			if (!conn_create(r, fd, peer)) {
				log_error("cannot set up connection from %s: out of memory", peer);
				close(fd);
			}
			continue;
		}
		struct msg *m = calloc(1, sizeof(*m));
		if (!m) {
			close(fd);
			continue;
		}
		m->type = MSG_ADD_CONN;
		m->fd = fd;
		snprintf(m->peer, sizeof(m->peer), "%s", peer);
		reactor_post(dst, m);
	}
}

/* ------------------------------------------------------------ config */

/* A new configuration snapshot: re-resolve every queue's subsystem, drop
 * queues whose subsystem is gone or whose host lost access, and tell admin
 * queues about namespace changes. */
static void apply_snap(struct reactor *r, struct snap *s)
{
	struct snap *old = r->snap;
	r->snap = s;
	for (struct conn *c = r->conns; c; c = c->next) {
		if (c->closed || !c->ctrl || c->ctrl->discovery)
			continue;
		const struct subsys *ss = snap_find(s, c->ctrl->subnqn);
		if (!ss) {
			conn_close(c, "subsystem removed");
			continue;
		}
		if (!subsys_host_allowed(ss, c->ctrl->hostnqn)) {
			log_info("host %s is no longer allowed on subsystem %s; disconnecting its queue %u",
				 c->ctrl->hostnqn, ss->nqn, c->qid);
			conn_close(c, "host removed from the allow-list");
			continue;
		}
		const struct subsys *prev = c->ss;
		c->ss = ss;
		if (c->qid == 0 && prev)
			admin_ns_changed(c, prev, ss);
	}
	if (old)
		snap_put(old);
}

static void drain_messages(struct reactor *r)
{
	uint64_t v;
	if (read(r->evfd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_warn("reactor %d: reading the message eventfd failed: %s", r->idx, strerror(errno));
	pthread_mutex_lock(&r->msg_lock);
	struct msg *m = r->msg_head;
	r->msg_head = r->msg_tail = NULL;
	pthread_mutex_unlock(&r->msg_lock);
	while (m) {
		struct msg *next = m->next;
		switch (m->type) {
		case MSG_ADD_CONN:
			if (r->draining || !conn_create(r, m->fd, m->peer))
				close(m->fd);
			break;
		case MSG_ADD_LISTENER:
			if (r->nlisten < (int)DPD_ARRAY_SIZE(r->listeners)) {
				struct ev_src *l = &r->listeners[r->nlisten++];
				*l = (struct ev_src){ .kind = EV_LISTENER, .fd = m->fd };
				struct epoll_event ev = { .events = EPOLLIN, .data.ptr = l };
				epoll_ctl(r->epfd, EPOLL_CTL_ADD, m->fd, &ev);
			}
			break;
		case MSG_DEL_LISTENER:
			for (int i = 0; i < r->nlisten; i++) {
				if (r->listeners[i].fd != m->fd)
					continue;
				epoll_ctl(r->epfd, EPOLL_CTL_DEL, m->fd, NULL);
				/* The epoll entries point into this array; re-add after compacting. */
				for (int k = i; k + 1 < r->nlisten; k++) {
					epoll_ctl(r->epfd, EPOLL_CTL_DEL, r->listeners[k + 1].fd, NULL);
					r->listeners[k] = r->listeners[k + 1];
					struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &r->listeners[k] };
					epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->listeners[k].fd, &ev);
				}
				r->nlisten--;
				break;
			}
			break;
		case MSG_SNAP:
			apply_snap(r, m->snap);
			m->snap = NULL;
			break;
		case MSG_DRAIN:
			r->draining = 1;
			for (int i = 0; i < r->nlisten; i++)
				epoll_ctl(r->epfd, EPOLL_CTL_DEL, r->listeners[i].fd, NULL);
			for (struct conn *c = r->conns; c; c = c->next)
				conn_update_events(c);
			break;
		case MSG_QUIT:
			r->quit = 1;
			break;
		}
		__atomic_store_n(&r->acked, m->seq, __ATOMIC_RELEASE);
		free(m);
		m = next;
	}
}

/* Periodic work: keep-alive enforcement and queues of dead controllers. */
static void tick(struct reactor *r)
{
	uint64_t now = dpd_now_ms();
	for (struct conn *c = r->conns; c; c = c->next) {
		if (c->closed)
			continue;
		if (!c->ctrl) {
			/* A socket that never completes ICReq + Connect only holds resources. */
			if (now > c->created_ms + r->e->opt.connect_timeout_ms)
				conn_close(c, "no Connect within the connect timeout");
			continue;
		}
		struct ctrl *ctrl = c->ctrl;
		if (c->qid != 0) {
			if (__atomic_load_n(&ctrl->dead, __ATOMIC_ACQUIRE))
				conn_close(c, "controller went away");
			continue;
		}
		/* Half a KATO of slack for a Keep Alive delayed on a loaded host or network,
		 * like the kernel target, which checks once per KATO period. */
		uint64_t last = __atomic_load_n(&ctrl->last_ka_ms, __ATOMIC_RELAXED);
		if (ctrl->kato_ms && now > last + ctrl->kato_ms + ctrl->kato_ms / 2) {
			log_warn("controller %u (host %s, subsystem %s): no keep-alive for %u ms; tearing it down. "
				 "Check the host is alive and its network path to this target",
				 ctrl->cntlid, ctrl->hostnqn, ctrl->subnqn, ctrl->kato_ms);
			reactor_stat(r, DPD_STAT_KATO_EXPIRED, 1);
			conn_close(c, "keep-alive timeout");
		}
	}
}

static int busy(const struct reactor *r)
{
	for (const struct conn *c = r->conns; c; c = c->next) {
		if (c->bios || (!c->closed && c->tx_head))
			return 1;
	}
	return 0;
}

void *reactor_main(void *arg)
{
	struct reactor *r = arg;
	struct epoll_event evs[64];

	r->next_tick = dpd_now_ms() + DPD_TICK_MS;
	while (!r->quit) {
		uint64_t now = dpd_now_ms();
		int timeout = now >= r->next_tick ? 0 : (int)(r->next_tick - now);
		timeout = feat_reactor_timeout(r, timeout); /* feature_hooks.h: QoS timeslice */
		int n = epoll_wait(r->epfd, evs, (int)DPD_ARRAY_SIZE(evs), timeout);
		for (int i = 0; i < n; i++) {
			struct ev_src *src = evs[i].data.ptr;
			switch (src->kind) {
			case EV_MSG:
				drain_messages(r);
				break;
			case EV_RING:
				reap_ring(r);
				break;
			case EV_LISTENER:
				if (!r->draining)
					on_accept(r, src->fd);
				break;
			case EV_CONN: {
				struct conn *c = (struct conn *)src;
				if (c->closed)
					break;
				if (evs[i].events & EPOLLOUT)
					conn_on_writable(c);
				if (c->closed)
					break;
				if (r->draining) {
					if (evs[i].events & (EPOLLERR | EPOLLHUP))
						conn_close(c, "connection lost during shutdown");
					break;
				}
				if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
					conn_on_readable(c);
				break;
			}
			}
		}
		feat_reactor_poll(r); /* feature_hooks.h: start I/O that QoS now admits */
		retry_backlog(r);
		if (r->ring_ok && r->ring_pending) {
			io_uring_submit(&r->ring);
			r->ring_pending = 0;
		}
		for (struct conn *c = r->conns, *next; c; c = next) {
			next = c->next;
			if (!c->closed && c->tx_head && !c->want_out)
				conn_flush(c);
			conn_free_if_idle(c);
		}
		if (dpd_now_ms() >= r->next_tick) {
			r->next_tick = dpd_now_ms() + DPD_TICK_MS;
			tick(r);
		}
		if (r->draining && !busy(r))
			__atomic_store_n(&r->running, 2, __ATOMIC_RELEASE); /* drained */
	}
	return NULL;
}

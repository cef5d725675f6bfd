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
#include "common/util.h"
#include "transport/reactor.h"

void reactor_stat(struct reactor *r, int id, uint64_t v) { stat_add(&r->stats[id], v); }

int reactor_init(struct reactor *r, struct transport *tp, int idx)
{
	const struct dpd_options *opt = tp->opt;
	uint64_t keep[DPD_STAT_ENGINE_COUNT];
	memcpy(keep, r->stats, sizeof(keep)); /* counters survive a restart */
	memset(r, 0, sizeof(*r));
	memcpy(r->stats, keep, sizeof(keep));
	r->epfd = r->evfd = -1;
	r->ch.evfd = r->ch.sock_ep = -1;
	r->tp = tp;
	r->idx = idx;
	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	r->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (r->epfd < 0 || r->evfd < 0)
		return -errno;
	r->buf_size = (uint32_t)DPD_MAX(opt->max_transfer_bytes, DPD_MAX(opt->in_capsule_bytes, 8192));
	/* Cached buffers: enough for every queue slot of a few connections;
	 * beyond that buffers are allocated per command and freed after. */
	int rc = bdev_chan_init(&r->ch, idx, (int)opt->io_uring, r->buf_size, (uint32_t)(4 * opt->max_queue_depth));
	if (rc < 0)
		return rc;
	r->msg_src = (struct ev_src){ .kind = EV_MSG, .fd = r->evfd };
	r->ring_src = (struct ev_src){ .kind = EV_RING, .fd = r->ch.evfd };
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &r->msg_src };
	epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->evfd, &ev);
	ev.data.ptr = &r->ring_src;
	epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->ch.evfd, &ev);
	/* Backends' sockets (remote NVMe/TCP queues): the loop's bdev_chan_flush serves them. */
	r->sock_src = (struct ev_src){ .kind = EV_RING, .fd = r->ch.sock_ep };
	ev.data.ptr = &r->sock_src;
	epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->ch.sock_ep, &ev);
	/* One staging buffer per command slot the reactor may run at once is the ceiling. */
	rc = io_thread_init(&r->io, tp->io, idx, (uint32_t)DPD_MAX(opt->max_transfer_bytes, 8192),
			    (uint32_t)(64 * opt->max_queue_depth));
	if (rc)
		return rc;
	bdev_chan_register_buffers(&r->ch);
	r->nt = (struct nvme_thread){ .idx = idx, .tgt = tp->tgt, .stats = r->stats, .ch = &r->ch, .io = &r->io };
	return 0;
}

void reactor_fini(struct reactor *r)
{
	/* Channel first: it waits for (or cancels) operations still in the
	 * kernel, so the buffers they point at can be freed. */
	bdev_chan_stop(&r->ch);
	while (r->conns) {
		struct conn *c = r->conns;
		conn_close(c, "engine stopped");
		for (uint32_t i = 0; i < c->nreqs; i++) {
			enum req_state st = c->reqs[i].nr.state;
			if (st == REQ_EXEC || st == REQ_BACKEND || st == REQ_QOS_WAIT)
				req_release(&c->reqs[i]);
		}
		c->sq.bios = 0;
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
	if (r->nt.snap)
		snap_put(r->nt.snap);
	r->nt.snap = NULL;
	io_thread_fini(&r->io);
	bdev_chan_fini(&r->ch);
	if (r->epfd >= 0)
		close(r->epfd);
	if (r->evfd >= 0)
		close(r->evfd);
	r->epfd = r->evfd = -1;
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
	struct transport *e = r->tp;
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
		if (active >= (uint64_t)e->opt->max_connections) {
			uint64_t now = dpd_now_ms();
			if (now >= r->refused_log_ms + 1000) {
				r->refused_log_ms = now;
				log_warn("refusing a connection: %llu connections open, the limit (max_connections) is %lld",
					 (unsigned long long)active, (long long)e->opt->max_connections);
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
	struct snap *old = r->nt.snap;
	r->nt.snap = s;
	for (struct conn *c = r->conns; c; c = c->next) {
		if (c->closed)
			continue;
		const char *why = nvme_sq_snap_changed(&c->sq, s);
		if (why)
			conn_close(c, why);
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
			r->io.draining = 1;
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
		if (!c->sq.ctrl) {
			/* A socket that never completes ICReq + Connect only holds resources. */
			if (now > c->created_ms + r->tp->opt->connect_timeout_ms)
				conn_close(c, "no Connect within the connect timeout");
			continue;
		}
		const char *why = nvme_sq_tick(&c->sq, now);
		if (why)
			conn_close(c, why);
	}
}

static int busy(const struct reactor *r)
{
	for (const struct conn *c = r->conns; c; c = c->next) {
		if (c->sq.bios || (!c->closed && c->tx_head))
			return 1;
	}
	return 0;
}

/* Adaptive polling: how long a reactor keeps polling without blocking after
 * its last work. A host at queue depth 1 sends its next command one round
 * trip after our response (about 10-20 us on loopback or a fast NIC), so 50 us
 * covers that gap with room to spare: under steady I/O the reactor never
 * pays a wake-up, and once I/O stops it costs at most 50 us of CPU before it
 * sleeps (e.g. after each keep-alive). Linux's socket busy polling is tuned
 * in the same range (net.core.busy_poll: 50 us suggested for a few sockets). */
#define SPIN_WINDOW_NS 50000u

/* DPD_POLLING_SLEEP (default): epoll_wait blocks until a socket, a
 * completion, a message or the next tick, so an idle reactor costs next to
 * nothing. BUSY_POLL: epoll_wait never blocks and the loop spins, trading a
 * whole CPU for no wake-up latency (no scheduler round trip between a PDU's
 * arrival and its handling). ADAPTIVE: spins like BUSY_POLL while the last
 * iteration with events is less than SPIN_WINDOW_NS ago, sleeps like SLEEP
 * after that. While spinning, an iteration that found no event counts as
 * idle time, so busy time still means work. The clock is read twice per
 * iteration, each reading used for everything until the next. */
void *reactor_main(void *arg)
{
	struct reactor *r = arg;
	struct epoll_event evs[64];
	const int64_t polling = r->tp->opt->polling;
	uint64_t last_work = 0; /* end of the last iteration that had events */

	uint64_t now = dpd_now_ns(); /* loop top */
	r->next_tick = now / 1000000u + DPD_TICK_MS;
	while (!r->quit) {
		uint64_t now_ms = now / 1000000u;
		const int spin = polling == DPD_POLLING_BUSY_POLL ||
				 (polling == DPD_POLLING_ADAPTIVE && now - last_work < SPIN_WINDOW_NS);
		int timeout = spin || now_ms >= r->next_tick ? 0 : (int)(r->next_tick - now_ms);
		timeout = io_thread_timeout(&r->io, timeout); /* QoS timeslice */
		int n = epoll_wait(r->epfd, evs, (int)DPD_ARRAY_SIZE(evs), timeout);
		uint64_t woke = dpd_now_ns();
		stat_add(&r->time_ns[DPD_REACTOR_IDLE_NS], woke - now);
		for (int i = 0; i < n; i++) {
			struct ev_src *src = evs[i].data.ptr;
			switch (src->kind) {
			case EV_MSG:
				drain_messages(r);
				break;
			case EV_RING:
				bdev_chan_reap(&r->ch);
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
		io_thread_poll(&r->io); /* start I/O that QoS now admits */
		bdev_chan_flush(&r->ch);
		for (struct conn *c = r->conns, *next; c; c = next) {
			next = c->next;
			if (!c->closed && c->tx_head && !c->want_out)
				conn_flush(c);
			conn_free_if_idle(c);
		}
		if (woke / 1000000u >= r->next_tick) {
			r->next_tick = woke / 1000000u + DPD_TICK_MS;
			tick(r);
		}
		if (r->draining && !busy(r))
			__atomic_store_n(&r->running, 2, __ATOMIC_RELEASE); /* drained */
		now = dpd_now_ns();
		stat_add(&r->time_ns[n > 0 || !spin ? DPD_REACTOR_BUSY_NS : DPD_REACTOR_IDLE_NS], now - woke);
		if (n > 0)
			last_work = now;
	}
	return NULL;
}

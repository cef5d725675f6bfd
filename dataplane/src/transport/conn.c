/* conn.c - one NVMe/TCP queue (a TCP connection): its lifecycle, its command
 * slots, the send queue that turns responses into bytes, and the ops table
 * through which the command sets hand work back (nvme_tcp_ops). The receive
 * side is conn_recv.c. Runs only on the connection's reactor thread.
 *
 * A request walks enum req_state (nvme/request.h); this file moves it into
 * REQ_WAIT_H2C (R2T sent), REQ_SENDING (response queued) and REQ_FREE (the
 * response left the socket, or the queue closed). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/crc32c.h"
#include "common/log.h"
#include "common/util.h"
#include "transport/conn.h"
#include "transport/reactor.h"

static const struct nvme_transport_ops nvme_tcp_ops;

/* While the engine drains for shutdown we stop reading new commands. */
static void epoll_set(struct conn *c, int want_out)
{
	struct epoll_event ev = { .events = (c->r->draining ? 0u : EPOLLIN) | (want_out ? EPOLLOUT : 0u),
				  .data.ptr = &c->ev };
	c->want_out = want_out;
	epoll_ctl(c->r->epfd, EPOLL_CTL_MOD, c->ev.fd, &ev);
}

static void conn_free_mem(struct conn *c)
{
	free(c->reqs);
	free(c->rbuf);
	free(c);
}

struct conn *conn_create(struct reactor *r, int fd, const char *peer)
{
	const struct dpd_options *opt = r->tp->opt;
	struct conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->nreqs = (uint32_t)DPD_MAX(opt->max_queue_depth, DPD_ADMIN_DEPTH);
	c->reqs = calloc(c->nreqs, sizeof(*c->reqs));
	c->rbuf = malloc(CONN_RBUF);
	if (!c->reqs || !c->rbuf) {
		conn_free_mem(c);
		return NULL;
	}
	for (uint32_t i = c->nreqs; i-- > 0;) {
		struct request *q = &c->reqs[i];
		q->c = c;
		q->nr.sq = &c->sq;
		q->idx = (uint16_t)i;
		q->next = c->free_reqs;
		c->free_reqs = q;
	}
	c->ev.kind = EV_CONN;
	c->ev.fd = fd;
	c->r = r;
	c->id = __atomic_add_fetch(&r->tp->conn_ids, 1, __ATOMIC_RELAXED);
	c->created_ms = dpd_now_ms();
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	c->rstate = RECV_CH;
	c->sq.ops = &nvme_tcp_ops;
	c->sq.th = &r->nt;
	c->sq.peer = c->peer;
	c->sq.depth = DPD_ADMIN_DEPTH;

	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &c->ev };
	if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		conn_free_mem(c);
		return NULL;
	}
	c->next = r->conns;
	if (r->conns)
		r->conns->prev = c;
	r->conns = c;
	reactor_stat(r, DPD_STAT_CONNECTIONS_ACTIVE, 1);
	reactor_stat(r, DPD_STAT_CONNECTIONS_TOTAL, 1);
	log_debug("connection %llu from %s on reactor %d", (unsigned long long)c->id, peer, r->idx);
	return c;
}

/* ------------------------------------------------------------ requests */

struct request *req_alloc(struct conn *c)
{
	struct request *req = c->free_reqs;
	if (!req)
		return NULL;
	c->free_reqs = req->next;
	c->busy_reqs++;
	return req;
}

void req_release(struct request *req)
{
	struct conn *c = req->c;
	if (req->nr.state == REQ_FREE)
		return;
	nvme_req_cleanup(&req->nr);
	memset(&req->nr.state, 0, sizeof(req->nr) - offsetof(struct nvme_req, state));
	memset(&req->xfer_len, 0, sizeof(*req) - offsetof(struct request, xfer_len));
	req->nr.state = REQ_FREE;
	req->next = c->free_reqs;
	c->free_reqs = req;
	c->busy_reqs--;
}

/* ops->queue_response: C2HData (when the command returns data) then the
 * CapsuleResp; the request is released when the response has been sent. We
 * never set the C2HData SUCCESS flag: a CapsuleResp always follows. */
static void tcp_queue_response(struct nvme_req *nr)
{
	struct request *req = to_request(nr);
	struct conn *c = req->c;
	uint8_t cqe[16];

	if (c->closed) {
		req_release(req);
		return;
	}
	if (nr->c2h_len) {
		struct tx *t = &req->tx_data;
		t->hdr = req->hdr_data;
		t->hdr_len = (uint32_t)pdu_build_c2h_data(req->hdr_data, &c->dg, nr->cid, 0, nr->c2h_len, 1);
		t->data = nr->buf;
		t->data_len = nr->c2h_len;
		t->has_ddgst = c->dg.ddgst;
		if (c->dg.ddgst) {
			put_le32(t->ddgst, crc32c(nr->buf, nr->c2h_len));
			reactor_stat(c->r, DPD_STAT_DATA_DIGEST_BYTES, nr->c2h_len);
		}
		t->req = req;
		t->is_resp = 0;
		conn_tx_push(c, t);
	}
	nvme_build_cqe(cqe, nr->cid, c->sqhd, c->sq.qid, nr->dw0, nr->dw1, nr->status);
	req->tx_resp.hdr = req->hdr_resp;
	req->tx_resp.hdr_len = (uint32_t)pdu_build_capsule_resp(req->hdr_resp, c->dg.hdgst, cqe);
	req->tx_resp.data = NULL;
	req->tx_resp.data_len = 0;
	req->tx_resp.has_ddgst = 0;
	req->tx_resp.req = req;
	req->tx_resp.is_resp = 1;
	nr->state = REQ_SENDING;
	conn_tx_push(c, &req->tx_resp);
}

/* ops->host_data: make sure the command's host data (len bytes) is here.
 * Returns 1 when it is (in req->buf), 0 when an R2T went out (the command is
 * executed again once the data arrived), -1 when the command was completed
 * with an error. */
static int tcp_host_data(struct nvme_req *nr, uint32_t len)
{
	struct request *req = to_request(nr);
	const uint8_t *sgl = nr->sqe + SQE_DPTR;

	if (req->have_data) {
		if (req->incapsule_len != len) {
			nvme_req_complete(nr, NVME_SC_SGL_INVALID_DATA_LEN | NVME_SC_DNR);
			return -1;
		}
		return 1;
	}
	if (sgl[SGL_TYPE] != SGL_TRANSPORT_DATA_BLOCK) {
		nvme_req_complete(nr, NVME_SC_SGL_INVALID_TYPE | NVME_SC_DNR);
		return -1;
	}
	if (get_le32(sgl + SGL_LEN) != len) {
		nvme_req_complete(nr, NVME_SC_SGL_INVALID_DATA_LEN | NVME_SC_DNR);
		return -1;
	}
	if (!nvme_req_buffer(nr, len)) {
		nvme_req_complete(nr, NVME_SC_INTERNAL);
		return -1;
	}
	req->xfer_len = len;
	req->h2c_done = 0;
	nr->state = REQ_WAIT_H2C;
	req->tx_data.hdr = req->hdr_data;
	req->tx_data.hdr_len = (uint32_t)pdu_build_r2t(req->hdr_data, req->c->dg.hdgst, nr->cid, req->idx, 0, len);
	req->tx_data.data = NULL;
	req->tx_data.data_len = 0;
	req->tx_data.has_ddgst = 0;
	req->tx_data.req = req;
	req->tx_data.is_resp = 0;
	conn_tx_push(req->c, &req->tx_data);
	return 0;
}

static void tcp_release(struct nvme_req *nr) { req_release(to_request(nr)); }

/* A wildcard listener is reported with the address this host reached us on. */
static void tcp_local_addr(const struct nvme_sq *sq, char *out, size_t cap)
{
	const struct conn *c = (const struct conn *)((const char *)sq - offsetof(struct conn, sq));
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	if (c->ev.fd < 0 || getsockname(c->ev.fd, (struct sockaddr *)&ss, &len) < 0)
		return;
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, out, (socklen_t)cap);
	else if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, out, (socklen_t)cap);
}

static const struct nvme_transport_ops nvme_tcp_ops = {
	.host_data = tcp_host_data,
	.queue_response = tcp_queue_response,
	.release = tcp_release,
	.local_addr = tcp_local_addr,
};

/* ------------------------------------------------------------ send side */

void conn_tx_push(struct conn *c, struct tx *t)
{
	t->next = NULL;
	if (c->tx_tail)
		c->tx_tail->next = t;
	else
		c->tx_head = t;
	c->tx_tail = t;
}

static uint64_t tx_len(const struct tx *t)
{
	return (uint64_t)t->hdr_len + t->data_len + (t->has_ddgst ? PDU_DGST_LEN : 0);
}

static void tx_done(struct conn *c, struct tx *t)
{
	(void)c;
	if (t->is_resp && t->req)
		req_release(t->req);
}

/* iovec entries per sendmsg: a 4 KiB read's C2HData header, payload and
 * CapsuleResp take 3, so one call carries a whole queue's worth (42). */
#define CONN_TX_IOV 128

void conn_flush(struct conn *c)
{
	while (c->tx_head && !c->closed) {
		struct iovec iov[CONN_TX_IOV];
		int n = 0;
		uint64_t skip = c->tx_off;
		for (struct tx *t = c->tx_head; t && n + 3 <= (int)DPD_ARRAY_SIZE(iov); t = t->next) {
			const void *parts[3] = { t->hdr, t->data, t->ddgst };
			uint64_t lens[3] = { t->hdr_len, t->data_len, t->has_ddgst ? PDU_DGST_LEN : 0 };
			for (int k = 0; k < 3; k++) {
				if (skip >= lens[k]) {
					skip -= lens[k];
					continue;
				}
				iov[n].iov_base = (uint8_t *)parts[k] + skip;
				iov[n].iov_len = lens[k] - skip;
				skip = 0;
				n++;
			}
		}
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = (size_t)n };
		ssize_t sent = sendmsg(c->ev.fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (sent < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if (!c->want_out)
					epoll_set(c, 1);
				return;
			}
			conn_close(c, "send failed");
			return;
		}
		uint64_t left = (uint64_t)sent + c->tx_off;
		while (c->tx_head && left >= tx_len(c->tx_head)) {
			struct tx *t = c->tx_head;
			left -= tx_len(t);
			c->tx_head = t->next;
			if (!c->tx_head)
				c->tx_tail = NULL;
			tx_done(c, t);
		}
		c->tx_off = left;
	}
	if (c->closed)
		return;
	if (c->want_out)
		epoll_set(c, 0);
	if (c->closing && !c->tx_head)
		conn_close(c, "terminated");
}

void conn_on_writable(struct conn *c) { conn_flush(c); }

void conn_update_events(struct conn *c)
{
	if (!c->closed)
		epoll_set(c, c->want_out);
}

/* ------------------------------------------------------------ teardown */

void conn_terminate(struct conn *c, uint16_t fes, uint32_t fei, const char *why)
{
	if (c->closed || c->rstate == RECV_STOP)
		return;
	log_warn("connection %llu from %s: %s; sending C2HTermReq (fatal error status %u, field offset %u) and closing",
		 (unsigned long long)c->id, c->peer, why, fes, fei);
	reactor_stat(c->r, DPD_STAT_PROTOCOL_ERRORS, 1);
	c->rstate = RECV_STOP;
	c->term_tx.hdr = c->term_buf;
	c->term_tx.hdr_len = (uint32_t)pdu_build_c2h_term(c->term_buf, sizeof(c->term_buf), fes, fei,
							   c->hdr, c->hdr_have);
	c->term_tx.data_len = 0;
	c->term_tx.has_ddgst = 0;
	c->term_tx.req = NULL;
	c->term_tx.is_resp = 0;
	conn_tx_push(c, &c->term_tx);
	c->closing = 1;
}

/* Close the socket now; the memory stays until backend I/O that still
 * points into it has completed (the reactor frees idle closed conns). */
void conn_close(struct conn *c, const char *why)
{
	if (c->closed)
		return;
	if (c->sq.ctrl)
		log_info("queue %u of controller %u (host %s) closed: %s", c->sq.qid, c->sq.ctrl->cntlid,
			 c->sq.ctrl->hostnqn, why);
	else
		log_debug("connection %llu from %s closed: %s", (unsigned long long)c->id, c->peer, why);
	epoll_ctl(c->r->epfd, EPOLL_CTL_DEL, c->ev.fd, NULL);
	close(c->ev.fd);
	c->ev.fd = -1;
	c->closed = 1;
	c->sq.closed = 1;
	c->rstate = RECV_STOP;
	while (c->tx_head) {
		struct tx *t = c->tx_head;
		c->tx_head = t->next;
		tx_done(c, t);
	}
	c->tx_tail = NULL;
	nvme_sq_close(&c->sq, why); /* AERs, layers, controller */
	/* Requests in the backend or held by QoS stay until the backend calls back
	 * (or the connection is freed): their buffers may still be in use. */
	for (uint32_t i = 0; i < c->nreqs; i++) {
		enum req_state st = c->reqs[i].nr.state;
		if (st != REQ_FREE && st != REQ_EXEC && st != REQ_BACKEND && st != REQ_QOS_WAIT)
			req_release(&c->reqs[i]);
	}
	reactor_stat(c->r, DPD_STAT_CONNECTIONS_ACTIVE, (uint64_t)-1);
}

/* Free a closed connection once no backend operation refers to it. */
void conn_free_if_idle(struct conn *c)
{
	if (!c->closed || c->sq.bios)
		return;
	struct reactor *r = c->r;
	for (uint32_t i = 0; i < c->nreqs; i++)
		req_release(&c->reqs[i]);
	if (c->prev)
		c->prev->next = c->next;
	else
		r->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	conn_free_mem(c);
}

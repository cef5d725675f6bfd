/* conn.c - one NVMe/TCP queue (a TCP connection): the receive state machine
 * that turns bytes into PDUs and commands, and the send queue that turns
 * responses into bytes. Runs only on the connection's reactor thread.
 *
 * Receive states (enum recv_state):
 *   RECV_CH    waiting for the 8-byte common header; validated as soon as
 *              it is complete, before any length in it is trusted
 *   RECV_HDR   the rest of the header plus header digest (bounded: <= 132)
 *   RECV_DATA  payload into the request's buffer, or discarded when the
 *              command was already rejected (keeps the stream in sync)
 *   RECV_DDGST the 4-byte data digest
 *   RECV_STOP  terminated or closed: nothing more is read
 * A request moves FREE -> (RECV_DATA) -> (WAIT_H2C -> RECV_DATA) -> EXEC ->
 * SENDING -> FREE; it is freed only when its response has left the socket,
 * so a host can never reuse a command id we still hold. */
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
#include "nvme/target.h"
#include "common/util.h"

#define RECV_BUDGET_BYTES (1u << 20) /* per readiness event, so one busy queue cannot starve others */

static void conn_process(struct conn *c);
static void tx_push(struct conn *c, struct tx *t);

/* While the engine drains for shutdown we stop reading new commands. */
static void epoll_set(struct conn *c, int want_out)
{
	struct epoll_event ev = { .events = (c->r->draining ? 0u : EPOLLIN) | (want_out ? EPOLLOUT : 0u),
				  .data.ptr = &c->ev };
	c->want_out = want_out;
	epoll_ctl(c->r->epfd, EPOLL_CTL_MOD, c->ev.fd, &ev);
}

struct conn *conn_create(struct reactor *r, int fd, const char *peer)
{
	struct dpd_engine *e = r->e;
	struct conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->nreqs = (uint32_t)DPD_MAX(e->opt.max_queue_depth, DPD_ADMIN_DEPTH);
	c->reqs = calloc(c->nreqs, sizeof(*c->reqs));
	c->rbuf = malloc(CONN_RBUF);
	if (!c->reqs || !c->rbuf) {
		free(c->reqs);
		free(c->rbuf);
		free(c);
		return NULL;
	}
	for (uint32_t i = c->nreqs; i-- > 0;) {
		struct request *q = &c->reqs[i];
		q->c = c;
		q->idx = (uint16_t)i;
		q->next = c->free_reqs;
		c->free_reqs = q;
	}
	c->ev.kind = EV_CONN;
	c->ev.fd = fd;
	c->r = r;
	c->id = __atomic_add_fetch(&e->conn_ids, 1, __ATOMIC_RELAXED);
	c->created_ms = dpd_now_ms();
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	c->rstate = RECV_CH;
	c->depth = DPD_ADMIN_DEPTH;

	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &c->ev };
	if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		free(c->reqs);
		free(c->rbuf);
		free(c);
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

uint8_t *req_buffer(struct request *req, uint32_t len)
{
	struct reactor *r = req->c->r;
	if (len > r->buf_size)
		return NULL;
	if (!req->buf) {
		req->buf = reactor_buf_get(r);
		req->buf_cap = req->buf ? r->buf_size : 0;
	}
	return req->buf;
}

void req_release(struct request *req)
{
	struct conn *c = req->c;
	if (req->state == REQ_FREE)
		return;
	feat_req_release(req); /* feature_hooks.h */
	if (req->buf)
		reactor_buf_put(c->r, req->buf);
	if (req->ns)
		ns_put(req->ns);
	memset(&req->cid, 0, sizeof(*req) - offsetof(struct request, cid));
	req->state = REQ_FREE;
	req->next = c->free_reqs;
	c->free_reqs = req;
	c->busy_reqs--;
}

/* Queue the CapsuleResp. The request is released when it has been sent. */
void req_complete(struct request *req, uint16_t status)
{
	struct conn *c = req->c;
	uint8_t cqe[16];

	if (req->ns && status != NVME_SC_SUCCESS)
		stat_add(&req->ns->stats[c->r->idx].c[DPD_STAT_NS_ERRORS], 1);
	feat_req_complete(req, status); /* feature_hooks.h: latency, per-tenant/queue counters */
	if (c->closed) {
		req_release(req);
		return;
	}
	nvme_build_cqe(cqe, req->cid, c->sqhd, c->qid, req->dw0, req->dw1, status);
	req->tx_resp.hdr = req->hdr_resp;
	req->tx_resp.hdr_len = (uint32_t)pdu_build_capsule_resp(req->hdr_resp, c->dg.hdgst, cqe);
	req->tx_resp.data = NULL;
	req->tx_resp.data_len = 0;
	req->tx_resp.has_ddgst = 0;
	req->tx_resp.req = req;
	req->tx_resp.is_resp = 1;
	req->state = REQ_SENDING;
	tx_push(c, &req->tx_resp);
}

/* Send len bytes of req->buf to the host as one C2HData PDU, then the
 * response. We never set the SUCCESS flag: a CapsuleResp always follows. */
void req_send_c2h(struct request *req, uint32_t len)
{
	struct conn *c = req->c;
	if (c->closed) {
		req_release(req);
		return;
	}
	if (len) {
		struct tx *t = &req->tx_data;
		t->hdr = req->hdr_data;
		t->hdr_len = (uint32_t)pdu_build_c2h_data(req->hdr_data, &c->dg, req->cid, 0, len, 1);
		t->data = req->buf;
		t->data_len = len;
		t->has_ddgst = c->dg.ddgst;
		if (c->dg.ddgst)
			put_le32(t->ddgst, crc32c(req->buf, len));
		t->req = req;
		t->is_resp = 0;
		tx_push(c, t);
	}
	req_complete(req, NVME_SC_SUCCESS);
}

/* Make sure the command's host data (len bytes) is here. Returns 1 when it
 * is (in req->buf), 0 when an R2T went out (the command is executed again
 * once the data arrived), -1 when the command was completed with an error. */
int req_start_h2c(struct request *req, uint32_t len)
{
	const uint8_t *sgl = req->sqe + SQE_DPTR;

	if (req->have_data) {
		if (req->incapsule_len != len) {
			req_complete(req, NVME_SC_SGL_INVALID_DATA_LEN | NVME_SC_DNR);
			return -1;
		}
		return 1;
	}
	if (sgl[SGL_TYPE] != SGL_TRANSPORT_DATA_BLOCK) {
		req_complete(req, NVME_SC_SGL_INVALID_TYPE | NVME_SC_DNR);
		return -1;
	}
	if (get_le32(sgl + SGL_LEN) != len) {
		req_complete(req, NVME_SC_SGL_INVALID_DATA_LEN | NVME_SC_DNR);
		return -1;
	}
	if (!req_buffer(req, len)) {
		req_complete(req, NVME_SC_INTERNAL);
		return -1;
	}
	req->xfer_len = len;
	req->h2c_done = 0;
	req->state = REQ_WAIT_H2C;
	req->tx_data.hdr = req->hdr_data;
	req->tx_data.hdr_len =
		(uint32_t)pdu_build_r2t(req->hdr_data, req->c->dg.hdgst, req->cid, req->idx, 0, len);
	req->tx_data.data = NULL;
	req->tx_data.data_len = 0;
	req->tx_data.has_ddgst = 0;
	req->tx_data.req = req;
	req->tx_data.is_resp = 0;
	tx_push(req->c, &req->tx_data);
	return 0;
}

/*
 * Any command on any queue shows the host is alive, as in the kernel's own target: under
 * heavy I/O a host's Keep Alive can reach us seconds late, and tearing down a controller
 * that is busy doing I/O loses the host's path. The controller is shared by the reactors
 * serving its queues, so the shared timestamp is written at most every 100 ms.
 */
static void note_host_alive(struct ctrl *ctrl)
{
	uint64_t now = dpd_now_ms();
	if (now - __atomic_load_n(&ctrl->last_ka_ms, __ATOMIC_RELAXED) >= 100)
		__atomic_store_n(&ctrl->last_ka_ms, now, __ATOMIC_RELAXED);
}

/* A command whose capsule (and in-capsule data) has fully arrived. */
static void req_dispatch(struct request *req)
{
	struct conn *c = req->c;
	uint8_t opc = req->sqe[SQE_OPC];

	req->state = REQ_EXEC;
	if (req->status) {
		req_complete(req, req->status);
		return;
	}
	if (opc == NVME_FABRICS) {
		fabrics_exec(req);
		return;
	}
	if (!c->connected) {
		req_complete(req, NVME_SC_CMD_SEQ_ERROR | NVME_SC_DNR);
		return;
	}
	note_host_alive(c->ctrl);
	if (c->qid == 0)
		admin_exec(req);
	else
		io_exec(req);
}

/* ------------------------------------------------------------ send side */

static void tx_push(struct conn *c, struct tx *t)
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

void conn_flush(struct conn *c)
{
	while (c->tx_head && !c->closed) {
		struct iovec iov[48];
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
	tx_push(c, &c->term_tx);
	c->closing = 1;
}

/* Close the socket now; the memory stays until backend I/O that still
 * points into it has completed (the reactor frees idle closed conns). */
void conn_close(struct conn *c, const char *why)
{
	if (c->closed)
		return;
	if (c->ctrl)
		log_info("queue %u of controller %u (host %s) closed: %s", c->qid, c->ctrl->cntlid,
			 c->ctrl->hostnqn, why);
	else
		log_debug("connection %llu from %s closed: %s", (unsigned long long)c->id, c->peer, why);
	epoll_ctl(c->r->epfd, EPOLL_CTL_DEL, c->ev.fd, NULL);
	close(c->ev.fd);
	c->ev.fd = -1;
	c->closed = 1;
	c->rstate = RECV_STOP;
	while (c->tx_head) {
		struct tx *t = c->tx_head;
		c->tx_head = t->next;
		tx_done(c, t);
	}
	c->tx_tail = NULL;
	admin_drop_aers(c);
	feat_conn_closed(c); /* feature_hooks.h: QoS queue, tenant binding, queue stats */
	for (uint32_t i = 0; i < c->nreqs; i++) {
		struct request *q = &c->reqs[i];
		if (q->state != REQ_FREE && q->state != REQ_EXEC)
			req_release(q);
	}
	if (c->ctrl) {
		if (c->qid == 0) {
			reactor_stat(c->r, DPD_STAT_CONTROLLERS_ACTIVE, (uint64_t)-1);
			ctrl_kill(c->ctrl, why);
		} else {
			pthread_mutex_lock(&c->r->e->ctrl_lock);
			if (c->qid < DPD_ARRAY_SIZE(c->ctrl->qid_used))
				c->ctrl->qid_used[c->qid] = 0;
			pthread_mutex_unlock(&c->r->e->ctrl_lock);
		}
		ctrl_put(c->ctrl);
		c->ctrl = NULL;
	}
	reactor_stat(c->r, DPD_STAT_CONNECTIONS_ACTIVE, (uint64_t)-1);
}

/* Free a closed connection once no backend operation refers to it. */
void conn_free_if_idle(struct conn *c)
{
	if (!c->closed || c->bios)
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
	free(c->reqs);
	free(c->rbuf);
	free(c);
}

/* ------------------------------------------------------------ receive side */

/* The host chose digests in its ICReq; if it left out one this target requires, the
 * ICResp names the required ones (the Linux host reports the mismatch and fails the
 * connect) and the connection closes once it is sent. */
static int icreq_refused_for_digests(struct conn *c)
{
	int need_h = __atomic_load_n(&c->r->e->hdgst_required, __ATOMIC_ACQUIRE);
	int need_d = __atomic_load_n(&c->r->e->ddgst_required, __ATOMIC_ACQUIRE);
	int miss_h = need_h && !c->dg.hdgst, miss_d = need_d && !c->dg.ddgst;
	if (!miss_h && !miss_d)
		return 0;
	log_warn("connection %llu from %s refused at ICReq: this target requires %s%s%s "
		 "and the host did not ask for %s; connect with %s%s%s",
		 (unsigned long long)c->id, c->peer, need_h ? "header digest" : "", need_h && need_d ? " and " : "",
		 need_d ? "data digest" : "", miss_h && miss_d ? "either" : "it", miss_h ? "--hdr-digest" : "",
		 miss_h && miss_d ? " " : "", miss_d ? "--data-digest" : "");
	reactor_stat(c->r, DPD_STAT_CONNECT_REFUSED_DIGEST, 1);
	struct pdu_digests required = { .hdgst = c->dg.hdgst || need_h, .ddgst = c->dg.ddgst || need_d };
	c->ic_tx.hdr = c->ic_buf;
	c->ic_tx.hdr_len = (uint32_t)pdu_build_icresp(c->ic_buf, &required, c->r->buf_size);
	c->ic_tx.data_len = 0;
	c->ic_tx.has_ddgst = 0;
	c->ic_tx.req = NULL;
	c->ic_tx.is_resp = 0;
	tx_push(c, &c->ic_tx);
	c->rstate = RECV_STOP;
	c->closing = 1;
	return 1;
}

static void on_icreq(struct conn *c)
{
	struct pdu_error err;
	if (pdu_check_icreq(c->hdr, &c->dg, &err) < 0) {
		conn_terminate(c, err.fes, err.fei, "unsupported ICReq");
		return;
	}
	if (icreq_refused_for_digests(c))
		return;
	c->ic_done = 1;
	c->max_incapsule = DPD_ADMIN_INCAPSULE;
	c->ic_tx.hdr = c->ic_buf;
	c->ic_tx.hdr_len = (uint32_t)pdu_build_icresp(c->ic_buf, &c->dg, c->r->buf_size);
	c->ic_tx.data_len = 0;
	c->ic_tx.has_ddgst = 0;
	c->ic_tx.req = NULL;
	c->ic_tx.is_resp = 0;
	tx_push(c, &c->ic_tx);
	log_debug("connection %llu: ICReq ok, header digest %s, data digest %s", (unsigned long long)c->id,
		  c->dg.hdgst ? "on" : "off", c->dg.ddgst ? "on" : "off");
}

static void start_data(struct conn *c, struct request *req, uint8_t *dst)
{
	c->rx_req = req;
	c->data_dst = dst;
	c->data_have = 0;
	c->crc = 0xFFFFFFFFu;
	c->ddgst_have = 0;
	c->rstate = RECV_DATA;
}

static void on_capsule(struct conn *c)
{
	/* The pool (sized for the deepest queue we grant) is the hard bound; we
	 * do not police depth exactly, since hosts legitimately count reserved
	 * commands (Connect, Keep Alive, AERs) differently. */
	if (!c->free_reqs) {
		conn_terminate(c, FES_PDU_SEQUENCE, CH_TYPE, "host exceeded the queue depth");
		return;
	}
	struct request *req = c->free_reqs;
	c->free_reqs = req->next;
	c->busy_reqs++;
	memcpy(req->sqe, c->hdr + PDU_CH_LEN, NVME_SQE_SIZE);
	req->cid = get_le16(req->sqe + SQE_CID);
	req->state = REQ_RECV_DATA;
	if (c->depth)
		c->sqhd = (uint16_t)((c->sqhd + 1) % c->depth);

	if (c->data_len == 0) {
		req_dispatch(req);
		return;
	}
	/* In-capsule data: the SGL must describe exactly what arrived, at
	 * offset 0 (we report ICDOFF 0). Otherwise reject the command but
	 * still consume the payload so the stream stays in sync. */
	const uint8_t *sgl = req->sqe + SQE_DPTR;
	uint8_t *dst = NULL;
	if (sgl[SGL_TYPE] != SGL_DATA_BLOCK_OFFSET)
		req->status = NVME_SC_SGL_INVALID_TYPE | NVME_SC_DNR;
	else if (get_le64(sgl + SGL_ADDR) != 0)
		req->status = NVME_SC_SGL_INVALID_OFFSET | NVME_SC_DNR;
	else if (get_le32(sgl + SGL_LEN) != c->data_len)
		req->status = NVME_SC_SGL_INVALID_DATA_LEN | NVME_SC_DNR;
	else if (!(dst = req_buffer(req, c->data_len)))
		req->status = NVME_SC_INTERNAL;
	start_data(c, req, dst);
}

static void on_h2c_data(struct conn *c)
{
	uint16_t cccid = get_le16(c->hdr + DATA_CCCID);
	uint16_t ttag = get_le16(c->hdr + DATA_TTAG);
	uint32_t datao = get_le32(c->hdr + DATA_OFFSET);
	uint32_t datal = get_le32(c->hdr + DATA_LENGTH);
	struct request *req = ttag < c->nreqs ? &c->reqs[ttag] : NULL;

	if (!req || req->state != REQ_WAIT_H2C) {
		conn_terminate(c, FES_INVALID_HEADER_FIELD, DATA_TTAG, "H2CData for no outstanding R2T");
		return;
	}
	if (req->cid != cccid) {
		conn_terminate(c, FES_INVALID_HEADER_FIELD, DATA_CCCID, "H2CData command id does not match its R2T");
		return;
	}
	if (datal != c->data_len) {
		conn_terminate(c, FES_INVALID_HEADER_FIELD, DATA_LENGTH, "H2CData length disagrees with the PDU length");
		return;
	}
	if (datao != req->h2c_done || datal > req->xfer_len - req->h2c_done) {
		conn_terminate(c, FES_DATA_OUT_OF_RANGE, DATA_OFFSET, "H2CData outside what the R2T asked for");
		return;
	}
	req->state = REQ_RECV_DATA;
	start_data(c, req, req->buf + datao);
}

static void on_header(struct conn *c)
{
	if ((c->ch.type == PDU_CAPSULE_CMD || c->ch.type == PDU_H2C_DATA) && c->dg.hdgst &&
	    pdu_verify_hdgst(c->hdr, c->ch.hlen) < 0) {
		reactor_stat(c->r, DPD_STAT_HDR_DIGEST_ERRORS, 1);
		feat_digest_error(c); /* feature_hooks.h */
		conn_terminate(c, FES_HDR_DIGEST, 0, "header digest mismatch");
		return;
	}
	switch (c->ch.type) {
	case PDU_ICREQ:
		on_icreq(c);
		break;
	case PDU_H2C_TERM:
		log_warn("connection %llu from %s: host sent H2CTermReq (fatal error status %u); closing",
			 (unsigned long long)c->id, c->peer, get_le16(c->hdr + 8));
		c->rstate = RECV_STOP;
		conn_close(c, "host terminated the connection");
		return;
	case PDU_CAPSULE_CMD:
		on_capsule(c);
		break;
	case PDU_H2C_DATA:
		on_h2c_data(c);
		break;
	}
	if (c->rstate == RECV_HDR)
		c->rstate = RECV_CH;
}

static void on_data_done(struct conn *c, int digest_ok)
{
	struct request *req = c->rx_req;
	c->rx_req = NULL;
	c->rstate = RECV_CH;
	if (!digest_ok) {
		reactor_stat(c->r, DPD_STAT_DATA_DIGEST_ERRORS, 1);
		feat_digest_error(c); /* feature_hooks.h */
		log_warn("connection %llu from %s: data digest mismatch on command %u; failing it with a transient transport error so the host retries",
			 (unsigned long long)c->id, c->peer, req->cid);
		if (!req->status)
			req->status = NVME_SC_TRANSIENT_TR_ERR;
	}
	if (c->ch.type == PDU_CAPSULE_CMD) {
		req->have_data = !req->status;
		req->incapsule_len = c->data_len;
		req_dispatch(req);
		return;
	}
	/* H2CData */
	req->h2c_done += c->data_len;
	if (req->h2c_done < req->xfer_len) {
		req->state = REQ_WAIT_H2C;
		return;
	}
	req->have_data = 1;
	if (req->status) {
		req->state = REQ_EXEC;
		req_complete(req, req->status);
		return;
	}
	req->incapsule_len = req->xfer_len;
	req_dispatch(req);
}

/* Consume what is in rbuf. */
static void conn_process(struct conn *c)
{
	struct pdu_error err;
	while (c->rhead < c->rtail && c->rstate != RECV_STOP && !c->closed) {
		uint32_t avail = c->rtail - c->rhead;
		uint8_t *src = c->rbuf + c->rhead;
		uint32_t n;

		switch (c->rstate) {
		case RECV_CH:
			n = DPD_MIN(avail, PDU_CH_LEN - c->hdr_have);
			memcpy(c->hdr + c->hdr_have, src, n);
			c->hdr_have += n;
			c->rhead += n;
			if (c->hdr_have < PDU_CH_LEN)
				break;
			pdu_ch_parse(c->hdr, &c->ch);
			if (pdu_check_ch(&c->ch, !c->ic_done, &c->dg, c->max_incapsule, c->r->buf_size,
					 &c->hdr_need, &c->data_len, &err) < 0) {
				conn_terminate(c, err.fes, err.fei, "malformed PDU header");
				break;
			}
			c->rstate = RECV_HDR;
			if (c->hdr_need == c->hdr_have)
				goto header_done;
			break;
		case RECV_HDR:
			n = DPD_MIN(avail, c->hdr_need - c->hdr_have);
			memcpy(c->hdr + c->hdr_have, src, n);
			c->hdr_have += n;
			c->rhead += n;
			if (c->hdr_have < c->hdr_need)
				break;
header_done:
			on_header(c);
			if (c->rstate == RECV_CH)
				c->hdr_have = 0;
			break;
		case RECV_DATA:
			n = DPD_MIN(avail, c->data_len - c->data_have);
			if (c->data_dst)
				memcpy(c->data_dst + c->data_have, src, n);
			if (c->dg.ddgst)
				c->crc = crc32c_update(c->crc, src, n);
			c->data_have += n;
			c->rhead += n;
			if (c->data_have < c->data_len)
				break;
			if (c->dg.ddgst) {
				c->rstate = RECV_DDGST;
				break;
			}
			c->hdr_have = 0;
			on_data_done(c, 1);
			break;
		case RECV_DDGST:
			n = DPD_MIN(avail, PDU_DGST_LEN - c->ddgst_have);
			memcpy(c->ddgst + c->ddgst_have, src, n);
			c->ddgst_have += n;
			c->rhead += n;
			if (c->ddgst_have < PDU_DGST_LEN)
				break;
			c->hdr_have = 0;
			on_data_done(c, crc32c_final(c->crc) == get_le32(c->ddgst));
			break;
		case RECV_STOP:
			break;
		}
	}
	if (c->rhead == c->rtail)
		c->rhead = c->rtail = 0;
}

void conn_on_readable(struct conn *c)
{
	uint32_t got = 0;
	while (!c->closed && c->rstate != RECV_STOP && got < RECV_BUDGET_BYTES) {
		if (c->rtail == CONN_RBUF) {
			if (c->rhead == 0)
				break; /* cannot happen: process() always consumes */
			memmove(c->rbuf, c->rbuf + c->rhead, c->rtail - c->rhead);
			c->rtail -= c->rhead;
			c->rhead = 0;
		}
		ssize_t n = recv(c->ev.fd, c->rbuf + c->rtail, CONN_RBUF - c->rtail, MSG_DONTWAIT);
		if (n == 0) {
			conn_close(c, "host closed the connection");
			return;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				conn_close(c, "receive failed");
			break;
		}
		c->rtail += (uint32_t)n;
		got += (uint32_t)n;
		conn_process(c);
	}
	if (!c->closed && c->rstate == RECV_STOP && !c->closing)
		conn_close(c, "stopped");
}

/* conn_recv.c - the receive side of an NVMe/TCP queue: the state machine
 * that turns bytes into PDUs and commands. Runs only on the connection's
 * reactor thread.
 *
 * Receive states (enum recv_state):
 *   RECV_CH    waiting for the 8-byte common header; validated as soon as
 *              it is complete, before any length in it is trusted
 *   RECV_HDR   the rest of the header plus header digest (bounded: <= 132)
 *   RECV_DATA  payload into the request's buffer, or discarded when the
 *              command was already rejected (keeps the stream in sync)
 *   RECV_DDGST the 4-byte data digest
 *   RECV_STOP  terminated or closed: nothing more is read
 * Requests move FREE -> CAPSULE (in-capsule data) and WAIT_H2C -> RECV_H2C
 * (H2CData) here, then to EXEC when nvme_exec() gets them (enum req_state,
 * nvme/request.h). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "common/crc32c.h"
#include "common/log.h"
#include "common/util.h"
#include "transport/conn.h"
#include "transport/reactor.h"

#define RECV_BUDGET_BYTES (1u << 20) /* per readiness event, so one busy queue cannot starve others */
#define DIRECT_RECV_MIN 4096u        /* payload left to read for it to bypass rbuf */

/* The host chose digests in its ICReq; if it left out one this target requires
 * (dpd_engine_set_digest_policy), the ICResp names the required ones (the Linux host
 * reports the mismatch and fails the connect) and the connection closes once it is sent. */
static int icreq_refused_for_digests(struct conn *c)
{
	int need_h = __atomic_load_n(&c->r->tp->hdgst_required, __ATOMIC_ACQUIRE);
	int need_d = __atomic_load_n(&c->r->tp->ddgst_required, __ATOMIC_ACQUIRE);
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
	conn_tx_push(c, &c->ic_tx);
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
	c->sq.hdgst = (uint8_t)c->dg.hdgst;
	c->sq.ddgst = (uint8_t)c->dg.ddgst;
	c->sq.max_incapsule = DPD_ADMIN_INCAPSULE;
	c->ic_tx.hdr = c->ic_buf;
	c->ic_tx.hdr_len = (uint32_t)pdu_build_icresp(c->ic_buf, &c->dg, c->r->buf_size);
	c->ic_tx.data_len = 0;
	c->ic_tx.has_ddgst = 0;
	c->ic_tx.req = NULL;
	c->ic_tx.is_resp = 0;
	conn_tx_push(c, &c->ic_tx);
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

/* A command whose capsule and host data have arrived: to the command sets. */
static void exec_req(struct request *req)
{
	req->nr.state = REQ_EXEC;
	nvme_exec(&req->nr);
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
	struct request *req = req_alloc(c);
	struct nvme_req *nr = &req->nr;
	memcpy(nr->sqe, c->hdr + PDU_CH_LEN, NVME_SQE_SIZE);
	nr->cid = get_le16(nr->sqe + SQE_CID);
	nr->state = REQ_CAPSULE;
	if (c->sq.depth)
		c->sqhd = (uint16_t)((c->sqhd + 1) % c->sq.depth);

	if (c->data_len == 0) {
		exec_req(req);
		return;
	}
	/* In-capsule data: the SGL must describe exactly what arrived, at
	 * offset 0 (we report ICDOFF 0). Otherwise reject the command but
	 * still consume the payload so the stream stays in sync. */
	const uint8_t *sgl = nr->sqe + SQE_DPTR;
	uint8_t *dst = NULL;
	if (sgl[SGL_TYPE] != SGL_DATA_BLOCK_OFFSET)
		nr->status = NVME_SC_SGL_INVALID_TYPE | NVME_SC_DNR;
	else if (get_le64(sgl + SGL_ADDR) != 0)
		nr->status = NVME_SC_SGL_INVALID_OFFSET | NVME_SC_DNR;
	else if (get_le32(sgl + SGL_LEN) != c->data_len)
		nr->status = NVME_SC_SGL_INVALID_DATA_LEN | NVME_SC_DNR;
	else if (!(dst = nvme_req_buffer(nr, c->data_len)))
		nr->status = NVME_SC_INTERNAL;
	start_data(c, req, dst);
}

static void on_h2c_data(struct conn *c)
{
	uint16_t cccid = get_le16(c->hdr + DATA_CCCID);
	uint16_t ttag = get_le16(c->hdr + DATA_TTAG);
	uint32_t datao = get_le32(c->hdr + DATA_OFFSET);
	uint32_t datal = get_le32(c->hdr + DATA_LENGTH);
	struct request *req = ttag < c->nreqs ? &c->reqs[ttag] : NULL;

	if (!req || req->nr.state != REQ_WAIT_H2C) {
		conn_terminate(c, FES_INVALID_HEADER_FIELD, DATA_TTAG, "H2CData for no outstanding R2T");
		return;
	}
	if (req->nr.cid != cccid) {
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
	req->nr.state = REQ_RECV_H2C;
	start_data(c, req, req->nr.buf + datao);
}

static void on_header(struct conn *c)
{
	if ((c->ch.type == PDU_CAPSULE_CMD || c->ch.type == PDU_H2C_DATA) && c->dg.hdgst &&
	    pdu_verify_hdgst(c->hdr, c->ch.hlen) < 0) {
		reactor_stat(c->r, DPD_STAT_HDR_DIGEST_ERRORS, 1);
		nvme_sq_digest_error(&c->sq);
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
		nvme_sq_digest_error(&c->sq);
		log_warn("connection %llu from %s: data digest mismatch on command %u; failing it with a transient transport error so the host retries",
			 (unsigned long long)c->id, c->peer, req->nr.cid);
		if (!req->nr.status)
			req->nr.status = NVME_SC_TRANSIENT_TR_ERR;
	}
	if (c->ch.type == PDU_CAPSULE_CMD) {
		req->have_data = !req->nr.status;
		req->incapsule_len = c->data_len;
		exec_req(req);
		return;
	}
	/* H2CData */
	req->h2c_done += c->data_len;
	if (req->h2c_done < req->xfer_len) {
		req->nr.state = REQ_WAIT_H2C;
		return;
	}
	req->have_data = 1;
	req->incapsule_len = req->xfer_len;
	exec_req(req);
}

/* n more payload bytes (at src) are in place: digest them, and move on when
 * the payload is complete. */
static void data_advance(struct conn *c, const uint8_t *src, uint32_t n)
{
	if (c->dg.ddgst) {
		c->crc = crc32c_update(c->crc, src, n);
		reactor_stat(c->r, DPD_STAT_DATA_DIGEST_BYTES, n);
	}
	c->data_have += n;
	if (c->data_have < c->data_len)
		return;
	if (c->dg.ddgst) {
		c->rstate = RECV_DDGST;
		return;
	}
	c->hdr_have = 0;
	on_data_done(c, 1);
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
			if (pdu_check_ch(&c->ch, !c->ic_done, &c->dg, c->sq.max_incapsule, c->r->buf_size,
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
			c->rhead += n;
			data_advance(c, src, n);
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

/* A payload the receive buffer holds none of lands straight in the
 * request's buffer (one copy fewer), and whatever follows it in the stream
 * (the next PDUs) in rbuf, in the same call. */
static int direct_data(const struct conn *c)
{
	return c->rstate == RECV_DATA && c->data_dst && c->rhead == c->rtail &&
	       c->data_len - c->data_have >= DIRECT_RECV_MIN;
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
		struct iovec iov[2];
		int niov = 0;
		uint32_t direct = 0;
		if (direct_data(c)) {
			direct = c->data_len - c->data_have;
			iov[niov++] = (struct iovec){ .iov_base = c->data_dst + c->data_have, .iov_len = direct };
		}
		iov[niov++] = (struct iovec){ .iov_base = c->rbuf + c->rtail, .iov_len = CONN_RBUF - c->rtail };
		size_t want = direct + (CONN_RBUF - c->rtail);
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = (size_t)niov };
		ssize_t n = recvmsg(c->ev.fd, &mh, MSG_DONTWAIT);
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
		size_t total = (size_t)n;
		got += (uint32_t)n;
		if (direct) {
			uint32_t k = (uint32_t)DPD_MIN((uint64_t)n, direct);
			data_advance(c, c->data_dst + c->data_have, k);
			n -= k;
		}
		c->rtail += (uint32_t)n;
		conn_process(c);
		/* A short read drained the socket: asking again would only return
		 * EAGAIN (one wasted syscall per event); epoll reports new bytes. */
		if (total < want)
			break;
	}
	if (!c->closed && c->rstate == RECV_STOP && !c->closing)
		conn_close(c, "stopped");
}

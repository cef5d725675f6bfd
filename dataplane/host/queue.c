/* Host-side NVMe/TCP queue; see queue.h. */
#include "host/queue.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/crc32c.h"
#include "common/nvme.h"
#include "common/util.h"
#include "host/cmd.h"

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int fail(struct hq *q, const char *why)
{
	if (!q->error)
		q->error = why;
	return -1;
}

static int full_io(int fd, void *buf, size_t len, int writing, int timeout_ms)
{
	uint8_t *p = buf;
	uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
	while (len) {
		ssize_t n = writing ? send(fd, p, len, MSG_NOSIGNAL) : recv(fd, p, len, 0);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n == 0)
			return -1;
		if (errno != EAGAIN && errno != EINTR)
			return -1;
		int left = (int)(deadline - now_ms());
		if (left <= 0)
			return -1;
		struct pollfd pfd = {.fd = fd, .events = writing ? POLLOUT : POLLIN};
		poll(&pfd, 1, left);
	}
	return 0;
}

int hq_open(struct hq *q, const char *addr, int port, uint16_t qid, int hdgst, int ddgst,
			uint16_t ncmds, uint32_t max_io, const char **why)
{
	memset(q, 0, sizeof(*q));
	q->fd = -1;
	q->qid = qid;
	q->dg.hdgst = hdgst;
	q->dg.ddgst = ddgst;
	q->copy_c2h = 1;

	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
	char portstr[16];
	snprintf(portstr, sizeof(portstr), "%d", port);
	if (getaddrinfo(addr, portstr, &hints, &res) != 0 || !res) {
		*why = "resolve address";
		return -1;
	}
	q->fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int err = q->fd < 0 ? errno : 0;
	if (!err && connect(q->fd, res->ai_addr, res->ai_addrlen) != 0) {
		err = errno;
		if (err == EINPROGRESS) {
			struct pollfd pfd = {.fd = q->fd, .events = POLLOUT};
			socklen_t elen = sizeof(err);
			if (poll(&pfd, 1, 5000) <= 0)
				err = ETIMEDOUT;
			else if (getsockopt(q->fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0)
				err = errno;
		}
	}
	freeaddrinfo(res);
	if (err) {
		*why = err == ECONNREFUSED ? "connection refused" : err == ETIMEDOUT ? "TCP connect timed out"
			: err == ENETUNREACH || err == EHOSTUNREACH ? "network unreachable" : "TCP connect failed";
		hq_close(q);
		return -1;
	}
	int one = 1;
	setsockopt(q->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

	uint8_t ic[PDU_IC_LEN];
	host_build_icreq(ic, hdgst, ddgst);
	if (full_io(q->fd, ic, sizeof(ic), 1, 5000) != 0) {
		*why = "send ICReq";
		hq_close(q);
		return -1;
	}
	if (full_io(q->fd, ic, sizeof(ic), 0, 5000) != 0) {
		*why = "receive ICResp (target closed the connection or timed out)";
		hq_close(q);
		return -1;
	}
	if (host_check_icresp(ic, hdgst, ddgst, &q->maxh2cdata, why) != 0) {
		hq_close(q);
		return -1;
	}

	q->rcap = 2 * HOST_PDU_MAX;
	q->rbuf = malloc(q->rcap);
	q->ncmds = ncmds;
	q->cmds = calloc(ncmds, sizeof(*q->cmds));
	uint32_t chunks = (max_io + q->maxh2cdata - 1) / q->maxh2cdata + 1;
	q->txcap = (uint32_t)ncmds * (4 + 3 * chunks) + 16;
	q->txv = calloc(q->txcap, sizeof(*q->txv));
	if (!q->rbuf || !q->cmds || !q->txv) {
		*why = "out of memory";
		hq_close(q);
		return -1;
	}
	for (uint16_t i = 0; i < ncmds; i++) {
		struct hq_cmd *c = &q->cmds[i];
		c->cid = i;
		c->nchunks_max = chunks;
		c->h2c_hdr = calloc(chunks, sizeof(*c->h2c_hdr));
		c->h2c_ddgst = calloc(chunks, sizeof(*c->h2c_ddgst));
		if (!c->h2c_hdr || !c->h2c_ddgst) {
			*why = "out of memory";
			hq_close(q);
			return -1;
		}
	}
	return 0;
}

void hq_close(struct hq *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
	if (q->cmds)
		for (uint16_t i = 0; i < q->ncmds; i++) {
			free(q->cmds[i].h2c_hdr);
			free(q->cmds[i].h2c_ddgst);
		}
	free(q->cmds);
	free(q->rbuf);
	free(q->txv);
	q->cmds = NULL;
	q->rbuf = NULL;
	q->txv = NULL;
}

struct hq_cmd *hq_cmd_get(struct hq *q)
{
	for (uint16_t i = 0; i < q->ncmds; i++)
		if (!q->cmds[i].busy) {
			q->cmds[i].busy = 1;
			q->cmds[i].done = 0;
			q->cmds[i].received = 0;
			return &q->cmds[i];
		}
	return NULL;
}

void hq_cmd_put(struct hq *q, struct hq_cmd *cmd)
{
	(void)q;
	cmd->busy = 0;
}

static void tx_push(struct hq *q, const void *p, size_t len)
{
	if (q->txn == q->txcap) {
		/* Compact; sized for every slot's worst case, so this always makes room. */
		memmove(q->txv, q->txv + q->txh, (q->txn - q->txh) * sizeof(*q->txv));
		q->txn -= q->txh;
		q->txh = 0;
		if (q->txn == q->txcap) {
			fail(q, "send queue overflow");
			return;
		}
	}
	q->txv[q->txn++] = (struct iovec){.iov_base = (void *)p, .iov_len = len};
}

static int tx_flush(struct hq *q)
{
	while (q->txh < q->txn) {
		uint32_t cnt = q->txn - q->txh;
		if (cnt > IOV_MAX)
			cnt = IOV_MAX;
		struct msghdr mh = {.msg_iov = q->txv + q->txh, .msg_iovlen = cnt};
		ssize_t n = sendmsg(q->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			return fail(q, "send failed (target closed the connection)");
		}
		while (n > 0) {
			struct iovec *v = &q->txv[q->txh];
			if ((size_t)n >= v->iov_len) {
				n -= (ssize_t)v->iov_len;
				q->txh++;
			} else {
				v->iov_base = (uint8_t *)v->iov_base + n;
				v->iov_len -= (size_t)n;
				n = 0;
			}
		}
	}
	q->txh = q->txn = 0;
	return 0;
}

void hq_submit(struct hq *q, struct hq_cmd *cmd)
{
	int incapsule = cmd->dir == HQ_TO_CTRL && cmd->len <= q->incapsule_max;
	/* Over fabrics data is described by SGLs only: PSDT 01b on every command, as the
	 * Linux host sends it (the Linux target fails any other value with Invalid Field). */
	cmd->sqe[SQE_FLAGS] = (uint8_t)((cmd->sqe[SQE_FLAGS] & 0x3f) | 0x40);
	if (cmd->dir != HQ_NONE)
		host_sqe_sgl(cmd->sqe, cmd->len, incapsule);
	put_le16(cmd->sqe + SQE_CID, cmd->cid);
	size_t hl = host_build_capsule(cmd->cap_hdr, &q->dg, cmd->sqe, incapsule ? cmd->len : 0);
	tx_push(q, cmd->cap_hdr, hl);
	if (incapsule && cmd->len) {
		tx_push(q, cmd->buf, cmd->len);
		if (q->dg.ddgst) {
			put_le32(cmd->cap_ddgst, crc32c(cmd->buf, cmd->len));
			tx_push(q, cmd->cap_ddgst, 4);
		}
	}
}

static void complete(struct hq *q, struct hq_cmd *cmd, uint16_t status, uint32_t dw0, uint32_t dw1)
{
	cmd->done = 1;
	cmd->status = status;
	cmd->dw0 = dw0;
	cmd->dw1 = dw1;
	if (q->on_complete)
		q->on_complete(q, cmd, q->arg);
}

static struct hq_cmd *cmd_by_cid(struct hq *q, uint16_t cid)
{
	if (cid >= q->ncmds || !q->cmds[cid].busy || q->cmds[cid].done)
		return NULL;
	return &q->cmds[cid];
}

static int on_r2t(struct hq *q, const uint8_t *pdu)
{
	struct hq_cmd *cmd = cmd_by_cid(q, get_le16(pdu + DATA_CCCID));
	uint16_t ttag = get_le16(pdu + DATA_TTAG);
	uint32_t off = get_le32(pdu + DATA_OFFSET), len = get_le32(pdu + DATA_LENGTH);
	if (!cmd || cmd->dir != HQ_TO_CTRL || len == 0 || (uint64_t)off + len > cmd->len)
		return fail(q, "R2T for an unknown command or outside its data");
	uint32_t chunk = 0;
	for (uint32_t done = 0; done < len; chunk++) {
		if (chunk >= cmd->nchunks_max)
			return fail(q, "R2T needs more H2CData PDUs than expected");
		uint32_t n = DPD_MIN(len - done, q->maxh2cdata);
		size_t hl = host_build_h2c(cmd->h2c_hdr[chunk], &q->dg, cmd->cid, ttag, off + done, n,
								   done + n == len);
		tx_push(q, cmd->h2c_hdr[chunk], hl);
		tx_push(q, cmd->buf + off + done, n);
		if (q->dg.ddgst) {
			put_le32(cmd->h2c_ddgst[chunk], crc32c(cmd->buf + off + done, n));
			tx_push(q, cmd->h2c_ddgst[chunk], 4);
		}
		done += n;
	}
	return 0;
}

static int on_pdu(struct hq *q, const uint8_t *pdu, const struct pdu_ch *ch)
{
	const uint8_t *data;
	uint32_t dlen;
	const char *why = NULL;
	int rc = host_check_rx(pdu, ch, &q->dg, &data, &dlen, &why);
	if (rc == -2) {
		q->digest_errors++;
		return fail(q, why);
	}
	if (rc)
		return fail(q, why);
	switch (ch->type) {
	case PDU_CAPSULE_RESP: {
		const uint8_t *cqe = pdu + PDU_CH_LEN;
		struct hq_cmd *cmd = cmd_by_cid(q, get_le16(cqe + 12));
		if (!cmd)
			return fail(q, "CapsuleResp for an unknown command");
		complete(q, cmd, (uint16_t)(get_le16(cqe + 14) >> 1), get_le32(cqe), get_le32(cqe + 4));
		return 0;
	}
	case PDU_C2H_DATA: {
		struct hq_cmd *cmd = cmd_by_cid(q, get_le16(pdu + DATA_CCCID));
		uint32_t off = get_le32(pdu + DATA_OFFSET);
		if (!cmd || cmd->dir != HQ_FROM_CTRL || (uint64_t)off + dlen > cmd->len)
			return fail(q, "C2HData for an unknown command or outside its buffer");
		if (q->copy_c2h)
			memcpy(cmd->buf + off, data, dlen);
		cmd->received += dlen;
		if (ch->flags & PDU_F_DATA_SUCCESS) {
			if (!(ch->flags & PDU_F_DATA_LAST) || cmd->received != cmd->len)
				return fail(q, "C2HData SUCCESS before all data arrived");
			complete(q, cmd, 0, 0, 0);
		}
		return 0;
	}
	case PDU_R2T:
		return on_r2t(q, pdu);
	}
	return fail(q, "unexpected PDU");
}

static int rx_some(struct hq *q);

int hq_poll(struct hq *q, int timeout_ms)
{
	if (q->error)
		return -1;
	if (tx_flush(q))
		return -1;
	struct pollfd pfd = {.fd = q->fd, .events = POLLIN | (q->txh < q->txn ? POLLOUT : 0)};
	int pr = poll(&pfd, 1, timeout_ms);
	if (pr < 0 && errno != EINTR)
		return fail(q, "poll failed");
	if (pr <= 0)
		return 0;
	if (pfd.revents & POLLOUT && tx_flush(q))
		return -1;
	if (!(pfd.revents & (POLLIN | POLLERR | POLLHUP)))
		return 0;
	return rx_some(q);
}

int hq_pump(struct hq *q)
{
	if (q->error || tx_flush(q))
		return -1;
	return rx_some(q);
}

int hq_tx_pending(const struct hq *q) { return q->txh < q->txn; }

/* Receive what the socket holds (a few rounds at most) and process every complete
 * PDU; then send what processing queued (R2T answers). */
static int rx_some(struct hq *q)
{
	for (int rounds = 0; rounds < 4; rounds++) {
		if (q->rhead == q->rtail)
			q->rhead = q->rtail = 0;
		else if (q->rcap - q->rtail < HOST_PDU_MAX) {
			memmove(q->rbuf, q->rbuf + q->rhead, q->rtail - q->rhead);
			q->rtail -= q->rhead;
			q->rhead = 0;
		}
		ssize_t n = recv(q->fd, q->rbuf + q->rtail, q->rcap - q->rtail, MSG_DONTWAIT);
		if (n == 0)
			return fail(q, "target closed the connection");
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			return fail(q, "receive failed");
		}
		q->rtail += (uint32_t)n;
		while (q->rtail - q->rhead >= PDU_CH_LEN) {
			struct pdu_ch ch;
			pdu_ch_parse(q->rbuf + q->rhead, &ch);
			if (ch.plen < PDU_CH_LEN || ch.plen > HOST_PDU_MAX)
				return fail(q, "PDU length from target out of range");
			if (q->rtail - q->rhead < ch.plen)
				break;
			if (on_pdu(q, q->rbuf + q->rhead, &ch))
				return -1;
			q->rhead += ch.plen;
		}
		if ((size_t)n < q->rcap / 4)
			break;
	}
	return tx_flush(q);
}

int hq_exec(struct hq *q, const uint8_t sqe[64], void *buf, uint32_t len, enum hq_dir dir,
			int timeout_ms, uint16_t *status, uint32_t *dw0, uint32_t *dw1, const char **why)
{
	struct hq_cmd *cmd = hq_cmd_get(q);
	if (!cmd) {
		*why = "no free command slot";
		return -1;
	}
	memcpy(cmd->sqe, sqe, 64);
	cmd->buf = buf;
	cmd->len = len;
	cmd->dir = dir;
	hq_complete_fn saved = q->on_complete;
	q->on_complete = NULL;
	hq_submit(q, cmd);
	uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
	while (!cmd->done && !q->error && now_ms() < deadline)
		hq_poll(q, 50);
	q->on_complete = saved;
	int ok = cmd->done;
	if (ok) {
		if (status)
			*status = cmd->status;
		if (dw0)
			*dw0 = cmd->dw0;
		if (dw1)
			*dw1 = cmd->dw1;
	} else {
		*why = q->error ? q->error : "command timed out";
	}
	hq_cmd_put(q, cmd);
	return ok ? 0 : -1;
}

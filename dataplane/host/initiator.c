/* initiator.c - the blocking host driver for tests; see initiator.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/crc32c.h"
#include "common/util.h"
#include "host/cmd.h"
#include "host/initiator.h"
#include "host/pdu.h"

static int fail(struct ini *q, const char *fmt, const char *arg)
{
	snprintf(q->err, sizeof(q->err), fmt, arg);
	return -1;
}

int ini_tcp(struct ini *q, int port)
{
	memset(q, 0, sizeof(*q));
	q->fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	struct timeval tv = { .tv_sec = 5 };
	setsockopt(q->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	int one = 1;
	setsockopt(q->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(q->fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return fail(q, "connect: %s", strerror(errno));
	q->incapsule_max = 8192;
	return 0;
}

void ini_close(struct ini *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
}

int ini_send(struct ini *q, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len) {
		ssize_t n = send(q->fd, p, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return fail(q, "send: %s", strerror(errno));
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int recv_all(struct ini *q, void *buf, size_t len)
{
	uint8_t *p = buf;
	const uint64_t give_up = q->spin ? dpd_now_ns() + 5000000000ull : 0; /* the receive timeout */
	while (len) {
		ssize_t n = recv(q->fd, p, len, q->spin ? MSG_DONTWAIT : 0);
		if (n == 0)
			return fail(q, "%s", "connection closed by target");
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (q->spin && (errno == EAGAIN || errno == EWOULDBLOCK) && dpd_now_ns() < give_up)
				continue;
			return fail(q, "recv: %s", strerror(errno));
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int ini_icreq(struct ini *q, int hdgst, int ddgst)
{
	uint8_t b[PDU_IC_LEN];
	const char *why = NULL;
	host_build_icreq(b, hdgst, ddgst);
	if (ini_send(q, b, sizeof(b)) < 0 || recv_all(q, b, sizeof(b)) < 0)
		return -1;
	/* The checks the Linux host makes (nvme_tcp_init_connection). */
	if (host_check_icresp(b, hdgst, ddgst, &q->maxh2c, &why) < 0)
		return fail(q, "%s", why);
	q->hdgst = hdgst;
	q->ddgst = ddgst;
	return 0;
}

int ini_recv_pdu(struct ini *q, uint8_t *hdr, uint8_t *data, uint32_t cap, uint32_t *data_len)
{
	struct pdu_ch ch;
	if (recv_all(q, hdr, PDU_CH_LEN) < 0)
		return -1;
	pdu_ch_parse(hdr, &ch);
	/* Bound every length before reading: header, digests, padding, data. */
	if (ch.hlen < PDU_CH_LEN || ch.hlen > PDU_IC_LEN || ch.plen < ch.hlen ||
	    ch.plen > (uint64_t)cap + PDU_HDR_MAX + 2 * PDU_DGST_LEN)
		return fail(q, "%s", "bad PDU header from target");
	uint8_t *pdu = malloc(ch.plen);
	if (!pdu)
		return fail(q, "%s", "out of memory");
	memcpy(pdu, hdr, PDU_CH_LEN);
	int rc = -1;
	if (recv_all(q, pdu + PDU_CH_LEN, ch.plen - PDU_CH_LEN) < 0)
		goto out;
	const uint8_t *d = pdu + ch.hlen;
	uint32_t dlen = ch.plen - ch.hlen;
	if (ch.type != PDU_C2H_TERM) {
		struct pdu_digests dg = { .hdgst = q->hdgst, .ddgst = q->ddgst };
		const char *why = NULL;
		if (host_check_rx(pdu, &ch, &dg, &d, &dlen, &why) < 0) {
			fail(q, "%s", why);
			goto out;
		}
	}
	if (dlen > cap) {
		fail(q, "%s", "PDU data larger than the buffer");
		goto out;
	}
	memcpy(hdr, pdu, DPD_MIN(ch.plen, (uint32_t)ch.hlen + (q->hdgst ? PDU_DGST_LEN : 0)));
	if (dlen)
		memcpy(data, d, dlen);
	if (data_len)
		*data_len = dlen;
	rc = ch.type;
out:
	free(pdu);
	return rc;
}

int ini_expect_eof(struct ini *q)
{
	uint8_t b[256];
	for (int i = 0; i < 1000; i++) {
		ssize_t n = recv(q->fd, b, sizeof(b), 0);
		if (n == 0)
			return 1;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(q->err, sizeof(q->err), "recv: %s", strerror(errno));
			return errno == ECONNRESET;
		}
	}
	return 0;
}

int ini_expect_term(struct ini *q, uint32_t *fei)
{
	uint8_t hdr[140], data[256];
	for (int i = 0; i < 64; i++) {
		int t = ini_recv_pdu(q, hdr, data, sizeof(data), NULL);
		if (t < 0)
			return -1;
		if (t == PDU_C2H_TERM) {
			if (fei)
				*fei = get_le32(hdr + 10);
			return get_le16(hdr + 8);
		}
	}
	return -1;
}

void sqe_init(uint8_t sqe[64], uint8_t opc, uint32_t nsid)
{
	memset(sqe, 0, 64);
	sqe[0] = opc;
	sqe[1] = 0x40; /* PSDT: SGL */
	put_le32(sqe + 4, nsid);
	sqe[24 + 15] = 0x5A;
}

static int send_capsule(struct ini *q, uint8_t sqe[64], const void *data, uint32_t len)
{
	struct pdu_digests dg = { .hdgst = q->hdgst, .ddgst = q->ddgst };
	uint8_t b[PDU_CMD_HLEN + PDU_DGST_LEN];
	size_t hl = host_build_capsule(b, &dg, sqe, len);
	if (ini_send(q, b, hl) < 0)
		return -1;
	if (len && ini_send(q, data, len) < 0)
		return -1;
	if (len && q->ddgst) {
		uint8_t d[4];
		put_le32(d, crc32c(data, len));
		if (ini_send(q, d, 4) < 0)
			return -1;
	}
	return 0;
}

static int send_h2c(struct ini *q, uint16_t cid, uint16_t ttag, uint32_t off, const uint8_t *data,
		    uint32_t len, int last)
{
	struct pdu_digests dg = { .hdgst = q->hdgst, .ddgst = q->ddgst };
	uint8_t b[PDU_DATA_HLEN + PDU_DGST_LEN];
	size_t hl = host_build_h2c(b, &dg, cid, ttag, off, len, last);
	if (ini_send(q, b, hl) < 0 || ini_send(q, data, len) < 0)
		return -1;
	if (q->ddgst) {
		uint8_t d[4];
		put_le32(d, crc32c(data, len));
		return ini_send(q, d, 4);
	}
	return 0;
}

int ini_cmd(struct ini *q, uint8_t sqe[64], const void *wdata, uint32_t wlen, void *rdata, uint32_t rlen,
	    struct cqe *cqe)
{
	uint16_t cid = ++q->cid;
	put_le16(sqe + 2, cid);
	int incap = wlen && wlen <= q->incapsule_max;
	if (incap) {
		host_sqe_sgl(sqe, wlen, 1);
	} else if (sqe[24 + 15] == 0x5A && get_le32(sqe + 24 + 8) == 0) {
		put_le32(sqe + 24 + 8, wlen ? wlen : rlen);
	}
	if (send_capsule(q, sqe, incap ? wdata : NULL, incap ? wlen : 0) < 0)
		return -1;
	uint8_t *buf = malloc(1u << 21);
	uint8_t hdr[140];
	uint32_t got = 0, dlen;
	for (;;) {
		int t = ini_recv_pdu(q, hdr, buf, 1u << 21, &dlen);
		if (t < 0)
			break;
		if (t == PDU_R2T) {
			uint16_t ttag = get_le16(hdr + 10);
			uint32_t off = get_le32(hdr + 12), len = get_le32(hdr + 16);
			if (get_le16(hdr + 8) != cid || len == 0 || off + len > wlen) {
				fail(q, "%s", "bad R2T");
				break;
			}
			for (uint32_t done = 0; done < len;) {
				uint32_t n = DPD_MIN(len - done, q->maxh2c);
				if (send_h2c(q, cid, ttag, off + done, (const uint8_t *)wdata + off + done, n,
					     done + n == len) < 0)
					goto out;
				done += n;
			}
		} else if (t == PDU_C2H_DATA) {
			uint32_t off = get_le32(hdr + 12);
			if (get_le16(hdr + 8) != cid || off + dlen > rlen || off != got) {
				fail(q, "%s", "bad C2HData");
				break;
			}
			memcpy((uint8_t *)rdata + off, buf, dlen);
			got += dlen;
		} else if (t == PDU_CAPSULE_RESP) {
			cqe->dw0 = get_le32(hdr + 8);
			cqe->dw1 = get_le32(hdr + 12);
			cqe->sqhd = get_le16(hdr + 16);
			cqe->sqid = get_le16(hdr + 18);
			cqe->cid = get_le16(hdr + 20);
			cqe->status = get_le16(hdr + 22) >> 1;
			if (cqe->cid != cid) {
				fail(q, "%s", "response for another command");
				break;
			}
			free(buf);
			return 0;
		} else if (t == PDU_C2H_TERM) {
			fail(q, "%s", "target terminated the connection");
			break;
		} else {
			fail(q, "%s", "unexpected PDU type");
			break;
		}
	}
out:
	free(buf);
	return -1;
}

int ini_connect(struct ini *q, uint16_t qid, uint16_t sqsize, const char *subnqn, const char *hostnqn,
		uint16_t cntlid, uint32_t kato, struct cqe *cqe)
{
	uint8_t sqe[64], data[CONNECT_DATA_LEN], hostid[16];
	memset(hostid, 0x11, sizeof(hostid));
	host_sqe_connect(sqe, qid, sqsize, kato);
	host_connect_data(data, hostid, cntlid, subnqn, hostnqn);
	return ini_cmd(q, sqe, data, sizeof(data), NULL, 0, cqe);
}

int ini_prop_get(struct ini *q, uint32_t off, int size8, uint64_t *val)
{
	uint8_t sqe[64];
	struct cqe c;
	host_sqe_prop_get(sqe, off, size8);
	if (ini_cmd(q, sqe, NULL, 0, NULL, 0, &c) < 0 || c.status)
		return -1;
	*val = ((uint64_t)c.dw1 << 32) | c.dw0;
	return 0;
}

int ini_prop_set(struct ini *q, uint32_t off, uint32_t val)
{
	uint8_t sqe[64];
	struct cqe c;
	host_sqe_prop_set(sqe, off, val, 0);
	if (ini_cmd(q, sqe, NULL, 0, NULL, 0, &c) < 0 || c.status)
		return -1;
	return 0;
}

int ini_admin_up(struct ini *q, int port, int hd, int dd, const char *subnqn, const char *hostnqn, uint32_t kato)
{
	struct cqe c;
	uint64_t v = 0;
	if (ini_tcp(q, port) < 0 || ini_icreq(q, hd, dd) < 0)
		return -1;
	if (ini_connect(q, 0, 31, subnqn, hostnqn, 0xFFFF, kato, &c) < 0)
		return -1;
	if (c.status) {
		snprintf(q->err, sizeof(q->err), "admin Connect status 0x%x", c.status);
		return -1;
	}
	q->cntlid = (uint16_t)c.dw0;
	if (ini_prop_get(q, 0x0, 1, &v) < 0)
		return fail(q, "%s", "Property Get CAP failed");
	if (ini_prop_set(q, 0x14, 0x00460001) < 0)
		return fail(q, "%s", "Property Set CC failed");
	for (int i = 0; i < 100; i++) {
		if (ini_prop_get(q, 0x1C, 0, &v) < 0)
			return -1;
		if (v & 1)
			return 0;
		nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
	}
	return fail(q, "%s", "CSTS.RDY never set");
}

int ini_io_up(struct ini *q, int port, int hd, int dd, const char *subnqn, const char *hostnqn,
	      uint16_t cntlid, uint16_t qid)
{
	struct cqe c;
	if (ini_tcp(q, port) < 0 || ini_icreq(q, hd, dd) < 0)
		return -1;
	if (ini_connect(q, qid, 127, subnqn, hostnqn, cntlid, 0, &c) < 0)
		return -1;
	if (c.status) {
		snprintf(q->err, sizeof(q->err), "I/O Connect status 0x%x", c.status);
		return -1;
	}
	q->qid = qid;
	return 0;
}

int ini_rw(struct ini *q, int write, uint32_t nsid, uint64_t slba, uint32_t nlb, uint32_t bs, void *buf,
	   struct cqe *cqe)
{
	uint8_t sqe[64];
	uint32_t len = nlb * bs;
	host_sqe_rw(sqe, write, nsid, slba, nlb);
	put_le32(sqe + SQE_DPTR + SGL_LEN, len);
	return write ? ini_cmd(q, sqe, buf, len, NULL, 0, cqe) : ini_cmd(q, sqe, NULL, 0, buf, len, cqe);
}

/* initiator.h - the host library's blocking driver, for tests: one command
 * at a time over a blocking socket with a receive timeout (a broken target
 * fails a test instead of hanging it), and raw access (ini_send,
 * ini_recv_pdu) so a test can send exactly the bytes it wants, malformed ones
 * included. PDUs are built and checked by host/pdu.h, commands by host/cmd.h -
 * the same code the asynchronous driver (host/queue.h) and dpu-loadgen use -
 * as strictly as the Linux host checks them. */
#ifndef DPD_HOST_INITIATOR_H
#define DPD_HOST_INITIATOR_H

#include <stddef.h>
#include <stdint.h>

struct ini {
	int fd;
	int hdgst, ddgst;
	uint32_t maxh2c;
	uint16_t cid;
	uint16_t cntlid;
	uint16_t qid;
	uint32_t incapsule_max; /* send writes up to this in-capsule */
	int spin;               /* receive by polling the socket, never blocking in
				 * recv (a busy-polling host: no wake-up latency);
				 * still fails after the receive timeout */
	char err[256];          /* why the last call failed */
};

struct cqe {
	uint32_t dw0, dw1;
	uint16_t sqhd, sqid, cid, status; /* status without the phase bit: SCT<<8|SC|DNR(0x4000) */
};

int ini_tcp(struct ini *q, int port);
void ini_close(struct ini *q);
int ini_icreq(struct ini *q, int hdgst, int ddgst);
int ini_send(struct ini *q, const void *buf, size_t len);
/* Read one PDU: hdr gets the header (hlen bytes), data the payload.
 * Returns the PDU type, or -1 (error/EOF, see q->err). */
int ini_recv_pdu(struct ini *q, uint8_t *hdr, uint8_t *data, uint32_t cap, uint32_t *data_len);
/* 1 if the peer closed the connection (EOF) within the receive timeout. */
int ini_expect_eof(struct ini *q);
/* Read until a C2HTermReq arrives; returns its FES (fei in *fei), or -1. */
int ini_expect_term(struct ini *q, uint32_t *fei);

/* Run one command. wdata/wlen: host-to-controller data (in-capsule when
 * wlen <= q->incapsule_max, else via R2T); rdata/rlen: controller-to-host
 * buffer. Returns 0 and fills *cqe, or -1 on a transport failure. */
int ini_cmd(struct ini *q, uint8_t sqe[64], const void *wdata, uint32_t wlen, void *rdata,
	    uint32_t rlen, struct cqe *cqe);

void sqe_init(uint8_t sqe[64], uint8_t opc, uint32_t nsid);

int ini_connect(struct ini *q, uint16_t qid, uint16_t sqsize, const char *subnqn, const char *hostnqn,
		uint16_t cntlid, uint32_t kato, struct cqe *cqe);
int ini_prop_get(struct ini *q, uint32_t off, int size8, uint64_t *val);
int ini_prop_set(struct ini *q, uint32_t off, uint32_t val);
/* TCP + ICReq + Connect admin + CC.EN + wait RDY. 0 on success. */
int ini_admin_up(struct ini *q, int port, int hd, int dd, const char *subnqn, const char *hostnqn,
		 uint32_t kato);
/* TCP + ICReq + Connect I/O queue qid of controller cntlid. */
int ini_io_up(struct ini *q, int port, int hd, int dd, const char *subnqn, const char *hostnqn,
	      uint16_t cntlid, uint16_t qid);
int ini_rw(struct ini *q, int write, uint32_t nsid, uint64_t slba, uint32_t nlb, uint32_t bs, void *buf,
	   struct cqe *cqe);

#endif

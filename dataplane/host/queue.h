/*
 * One NVMe/TCP queue (one TCP connection) on the host side: connection setup
 * (ICReq/ICResp), asynchronous command submission with in-capsule or R2T-driven write
 * data, C2HData reception, and a synchronous helper for admin/fabrics commands.
 * Single-threaded: a queue is driven only by the thread that polls it.
 */
#ifndef DPD_HOST_QUEUE_H
#define DPD_HOST_QUEUE_H

#include <stdint.h>
#include <sys/uio.h>

#include "host/pdu.h"

enum hq_dir { HQ_NONE, HQ_TO_CTRL, HQ_FROM_CTRL };

struct hq_cmd {
	uint16_t cid;
	int busy;
	uint8_t sqe[64];
	uint8_t *buf;
	uint32_t len;
	enum hq_dir dir;
	uint32_t received;     /* C2HData bytes seen */
	int done;
	uint16_t status;       /* SCT<<8|SC, DNR bit included */
	uint32_t dw0, dw1;
	uint64_t start_ns;
	uint64_t slba;
	int verify;            /* loadgen: check read data against the pattern */
	void *ctx;             /* the driver's own per-command pointer */
	uint8_t cap_hdr[PDU_CMD_HLEN + PDU_DGST_LEN];
	uint8_t cap_ddgst[4];
	uint8_t (*h2c_hdr)[PDU_DATA_HLEN + PDU_DGST_LEN]; /* one per H2CData chunk */
	uint8_t (*h2c_ddgst)[4];
	uint32_t nchunks_max;
};

struct hq;
typedef void (*hq_complete_fn)(struct hq *q, struct hq_cmd *cmd, void *arg);

struct hq {
	int fd;
	uint16_t qid;
	struct pdu_digests dg;
	uint32_t maxh2cdata;
	uint32_t incapsule_max;  /* largest write sent in-capsule */
	int copy_c2h;            /* copy read data into the command buffer */
	/* receive buffer: [rhead, rtail) holds unparsed bytes */
	uint8_t *rbuf;
	uint32_t rhead, rtail, rcap;
	/* send queue of iovecs: [txh, txn) pending, first one partly sent by tx_off */
	struct iovec *txv;
	uint32_t txh, txn, txcap;
	struct hq_cmd *cmds;
	uint16_t ncmds;
	hq_complete_fn on_complete;
	void *arg;
	const char *error;       /* first fatal error; the queue is unusable after it */
	uint64_t digest_errors;
};

/* TCP connect (at most 5 s) + ICReq/ICResp. ncmds command slots, each able to move
 * max_io bytes. Returns 0 or -1 with *why describing the failed step (a refused TCP
 * connect says "connection refused"). The socket is non-blocking afterwards. */
int hq_open(struct hq *q, const char *addr, int port, uint16_t qid, int hdgst, int ddgst,
			uint16_t ncmds, uint32_t max_io, const char **why);
void hq_close(struct hq *q);

/* Queue a prepared command (cmd->sqe filled except the SGL; buf/len/dir set). */
void hq_submit(struct hq *q, struct hq_cmd *cmd);

/* Send what can be sent, wait up to timeout_ms for input, process complete PDUs
 * (calling on_complete per finished command). Returns 0, or -1 once q->error is set. */
int hq_poll(struct hq *q, int timeout_ms);

/* For a driver with its own event loop (epoll): send what the socket takes and process
 * every complete PDU received, without waiting. Returns 0, or -1 once q->error is set. */
int hq_pump(struct hq *q);
/* Whether bytes wait to be sent (the caller then watches for writability). */
int hq_tx_pending(const struct hq *q);

/* Run one command to completion (admin/fabrics). Returns 0 with the completion in
 * *cmd_out fields, or -1 (q->error or timeout in *why). */
int hq_exec(struct hq *q, const uint8_t sqe[64], void *buf, uint32_t len, enum hq_dir dir,
			int timeout_ms, uint16_t *status, uint32_t *dw0, uint32_t *dw1, const char **why);

struct hq_cmd *hq_cmd_get(struct hq *q);
void hq_cmd_put(struct hq *q, struct hq_cmd *cmd);

#endif

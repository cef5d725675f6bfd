/* conn.h - one NVMe/TCP queue (a TCP connection) and its command slots.
 * A conn embeds the NVMe submission queue it carries (struct nvme_sq) and
 * each command slot embeds its NVMe request; the command sets reach the
 * transport only through nvme_tcp_ops (queue_response, host_data, ...).
 * Everything here runs on the connection's reactor thread. */
#ifndef DPD_CONN_H
#define DPD_CONN_H

#include <stdint.h>

#include "nvme/request.h"
#include "transport/pdu.h"

struct reactor;

/* A PDU queued for sending: header, optional payload, optional data digest. */
struct tx {
	struct tx *next;
	const uint8_t *hdr;
	uint32_t hdr_len;
	const uint8_t *data;
	uint32_t data_len;
	uint8_t ddgst[4];
	int has_ddgst;
	struct request *req;  /* freed after its response went out */
	int is_resp;
};

/* One command slot. Its state is nr.state (enum req_state, nvme/request.h). */
struct request {
	struct nvme_req nr;   /* first member: the command sets see only this */
	struct conn *c;
	uint16_t idx;         /* index in the pool; the R2T transfer tag */
	uint32_t xfer_len;    /* bytes the R2T asked for */
	uint32_t incapsule_len;
	uint32_t h2c_done;    /* H2CData bytes received so far */
	int have_data;        /* host data fully received */
	struct tx tx_data, tx_resp;
	uint8_t hdr_data[PDU_DATA_HLEN + PDU_DGST_LEN];
	uint8_t hdr_resp[PDU_RESP_HLEN + PDU_DGST_LEN];
	struct request *next; /* free list */
};

static inline struct request *to_request(struct nvme_req *nr)
{
	return (struct request *)((char *)nr - offsetof(struct request, nr));
}

enum recv_state {
	RECV_CH,     /* waiting for the 8-byte common header */
	RECV_HDR,    /* rest of header, header digest */
	RECV_DATA,   /* payload into a request buffer (or discarded) */
	RECV_DDGST,  /* data digest */
	RECV_STOP,   /* terminated or closing: read nothing more */
};

#define CONN_RBUF 65536

/* What an epoll event points at: the first member of conns and listeners. */
enum ev_kind { EV_CONN, EV_LISTENER, EV_MSG, EV_RING };
struct ev_src {
	enum ev_kind kind;
	int fd;
};

struct conn {
	struct ev_src ev;     /* ev.fd is the socket */
	struct reactor *r;
	uint64_t id;
	uint64_t created_ms;
	char peer[64];
	struct conn *next, *prev;
	int closed;           /* socket gone; memory stays until bios drain */
	int closing;          /* close once the send queue is empty */
	int want_out;         /* EPOLLOUT registered */

	/* --- receive side --- */
	enum recv_state rstate;
	uint8_t hdr[PDU_HDR_MAX];
	uint32_t hdr_have, hdr_need;
	struct pdu_ch ch;
	uint32_t data_len, data_have;
	uint8_t *data_dst;    /* NULL: discard */
	uint32_t crc;         /* running data digest */
	uint8_t ddgst[4];
	uint32_t ddgst_have;
	struct request *rx_req;
	uint8_t *rbuf;
	uint32_t rhead, rtail;

	/* --- negotiated transport --- */
	int ic_done;
	struct pdu_digests dg;

	/* --- NVMe queue --- */
	struct nvme_sq sq;
	uint16_t sqhd;

	/* --- requests --- */
	struct request *reqs;
	uint32_t nreqs;
	struct request *free_reqs;
	uint32_t busy_reqs;

	/* --- send side --- */
	struct tx *tx_head, *tx_tail;
	uint64_t tx_off;      /* bytes of tx_head already sent */
	struct tx ic_tx;
	uint8_t ic_buf[PDU_IC_LEN];
	struct tx term_tx;
	uint8_t term_buf[PDU_DATA_HLEN + PDU_TERM_DATA_MAX];
};

/* conn.c - queue lifecycle and send side */
struct conn *conn_create(struct reactor *r, int fd, const char *peer);
void conn_on_writable(struct conn *c);
void conn_close(struct conn *c, const char *why);
void conn_terminate(struct conn *c, uint16_t fes, uint32_t fei, const char *why);
void conn_free_if_idle(struct conn *c);
void conn_flush(struct conn *c);
void conn_update_events(struct conn *c);
void conn_tx_push(struct conn *c, struct tx *t);
void req_release(struct request *req);
struct request *req_alloc(struct conn *c);
/* conn_recv.c - receive side: bytes to PDUs to commands */
void conn_on_readable(struct conn *c);

#endif

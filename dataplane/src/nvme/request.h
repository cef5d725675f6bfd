/* request.h - the seam between a transport and the NVMe command sets, shaped
 * like Linux nvmet's: a transport embeds a struct nvme_sq per queue and a
 * struct nvme_req per command slot, hands complete capsules to nvme_exec(),
 * and gets everything back through its ops table - the command sets never
 * call transport code by name.
 *
 * It also owns the ONE request state machine every command walks, from the
 * capsule on the wire to the response leaving the socket (modelled on SPDK's
 * spdk_nvmf_tcp_req_state). Who moves a request into each state is named in
 * the comment: "transport" (transport/conn*.c) or "nvme" (this folder).
 *
 *   FREE -> CAPSULE -> [WAIT_H2C -> RECV_H2C]* -> EXEC
 *        EXEC -> [QOS_WAIT] -> BACKEND -> EXEC -> SENDING -> FREE
 *        EXEC -> AER -> SENDING (an event fired)
 *        EXEC -> SENDING (admin and fabrics commands, errors)
 * A request is freed only when its response has left the socket, so a host
 * can never reuse a command id we still hold. */
#ifndef DPD_REQUEST_H
#define DPD_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "backends/bdev.h"
#include "layers/io_path.h"
#include "nvme/subsys.h"

enum req_state {
	/* transport: on its queue's free list; nothing refers to it. */
	REQ_FREE,
	/* transport: the command capsule arrived; its in-capsule data (if any) is
	 * still being received into req->buf. */
	REQ_CAPSULE,
	/* transport: the command set asked for host data (ops->host_data), an R2T
	 * went out; waiting for the host's H2CData. */
	REQ_WAIT_H2C,
	/* transport: an H2CData payload is being received into req->buf. */
	REQ_RECV_H2C,
	/* transport (before nvme_exec) / nvme: in the command set - checks, admin
	 * work, building the response; entered again after the host data arrived
	 * and when the backend finished. */
	REQ_EXEC,
	/* nvme: a read or write held by its tenant's QoS until tokens allow it
	 * (layers/io_path.c starts it from the thread's poll). */
	REQ_QOS_WAIT,
	/* nvme: a backend operation (struct bio) is in flight; the request (and its
	 * queue's memory) must stay until the backend calls back. */
	REQ_BACKEND,
	/* nvme: an Asynchronous Event Request parked until an event fires. */
	REQ_AER,
	/* transport: C2HData and/or CapsuleResp queued for the socket; freed once
	 * the response has been sent. */
	REQ_SENDING,
};

struct nvme_sq;
struct nvme_req;

/* What the command sets call back into, like nvmet's struct nvmet_fabrics_ops. */
struct nvme_transport_ops {
	/* Make the command's len bytes of host data available in req->buf, as its
	 * SGL describes. Returns 1 when they are there, 0 when a transfer started
	 * (nvme_exec runs the command again once it finished), -1 when the
	 * request was completed with an error status. */
	int (*host_data)(struct nvme_req *req, uint32_t len);
	/* The response is ready: req->status, dw0/dw1, and first req->c2h_len bytes
	 * of req->buf for the host. The transport sends it and then frees req
	 * (at once when the queue is closed). */
	void (*queue_response)(struct nvme_req *req);
	/* Free a request that gets no response (its queue closed while it ran). */
	void (*release)(struct nvme_req *req);
	/* The local address the host reached this queue on (for wildcard
	 * listeners in the discovery log page). */
	void (*local_addr)(const struct nvme_sq *sq, char *out, size_t cap);
};

/* One NVMe submission queue, embedded in the transport's queue. */
struct nvme_sq {
	const struct nvme_transport_ops *ops;
	struct nvme_thread *th;
	const char *peer;        /* host address, for log lines */
	int connected;
	int closed;              /* transport: socket gone, responses are dropped */
	uint16_t qid, depth;
	uint32_t max_incapsule;  /* in-capsule data accepted, set by Connect */
	uint8_t hdgst, ddgst;    /* digests the transport negotiated (ICReq) */
	struct ctrl *ctrl;
	const struct subsys *ss; /* from th->snap; re-resolved on every swap */
	uint32_t bios;           /* backend operations in flight */
	struct nvme_req *aers;   /* parked Asynchronous Event Requests */
	struct io_queue io;      /* tenant binding, QoS line, queue counters */
};

/* One command, embedded in the transport's command slot. */
struct nvme_req {
	struct nvme_sq *sq;
	enum req_state state;
	uint16_t cid;
	uint8_t sqe[64];
	uint8_t *buf;         /* data buffer from the thread's channel, or NULL */
	uint16_t status;      /* NVMe status, preset when the capsule was bad */
	uint32_t dw0, dw1;
	uint32_t c2h_len;     /* bytes of buf sent to the host before the response */
	struct dpd_ns *ns;    /* referenced while the command runs */
	int stat_id;          /* which DPD_STAT_NS_* op counter to bump */
	uint32_t dsm_next, dsm_count;
	struct bio bio;
	struct io_req io;     /* the I/O-path layers' part of a read/write */
	struct nvme_req *next_aer;
};

/* Run a command whose capsule (and any host data asked for) is here. */
void nvme_exec(struct nvme_req *req);
/* Complete with status: counters, then ops->queue_response. */
void nvme_req_complete(struct nvme_req *req, uint16_t status);
/* Complete successfully, sending len bytes of req->buf to the host first. */
void nvme_req_complete_data(struct nvme_req *req, uint32_t len);
/* A data buffer of len bytes in req->buf (NULL when len is above the
 * thread's buffer size or memory is short); freed by nvme_req_cleanup. */
uint8_t *nvme_req_buffer(struct nvme_req *req, uint32_t len);
/* Drop what the command holds (buffer, namespace, layers' state). */
void nvme_req_cleanup(struct nvme_req *req);
/* The queue is closing: drop parked AERs, unbind from the layers, leave the
 * controller (killing it when this is the admin queue). */
void nvme_sq_close(struct nvme_sq *sq, const char *why);
/* A digest error on this queue (counted against its tenant and queue). */
void nvme_sq_digest_error(struct nvme_sq *sq);
/* Keep-alive and dead-controller checks; returns a reason to close the
 * queue, or NULL. */
const char *nvme_sq_tick(struct nvme_sq *sq, uint64_t now_ms);
/* The thread switched snapshots: re-resolve the subsystem and tell the
 * admin queue about namespace changes. Returns a reason to close, or NULL. */
const char *nvme_sq_snap_changed(struct nvme_sq *sq, const struct snap *s);

/* command sets (nvme_exec dispatches) */
void fabrics_exec(struct nvme_req *req);
void admin_exec(struct nvme_req *req);
void io_exec(struct nvme_req *req);
void admin_ns_changed(struct nvme_sq *admin, const struct subsys *old_ss, const struct subsys *new_ss);
uint32_t discovery_log_build(const struct nvme_sq *sq, uint8_t *buf, uint32_t cap);

#endif

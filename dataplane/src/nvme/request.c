/* request.c - the command sets' side of the transport seam: dispatch of a
 * received command, completion (counters, then the transport's
 * queue_response), and what a queue does on the NVMe level when it closes,
 * ticks or sees a new configuration snapshot. */
#include <pthread.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "nvme/request.h"

/*
 * Any command on any queue shows the host is alive, as in the kernel's own target: under
 * heavy I/O a host's Keep Alive can reach us seconds late, and tearing down a controller
 * that is busy doing I/O loses the host's path. The controller is shared by the threads
 * serving its queues, so the shared timestamp is written at most every 100 ms.
 */
static void note_host_alive(struct ctrl *ctrl)
{
	uint64_t now = dpd_now_ms_coarse(); /* every command: the cheap clock */
	uint64_t last = __atomic_load_n(&ctrl->last_ka_ms, __ATOMIC_RELAXED);
	if (now > last && now - last >= 100)
		__atomic_store_n(&ctrl->last_ka_ms, now, __ATOMIC_RELAXED);
}

void nvme_exec(struct nvme_req *req)
{
	struct nvme_sq *sq = req->sq;
	uint8_t opc = req->sqe[SQE_OPC];

	req->state = REQ_EXEC;
	if (req->status) {
		nvme_req_complete(req, req->status);
		return;
	}
	if (opc == NVME_FABRICS) {
		fabrics_exec(req);
		return;
	}
	if (!sq->connected) {
		nvme_req_complete(req, NVME_SC_CMD_SEQ_ERROR | NVME_SC_DNR);
		return;
	}
	note_host_alive(sq->ctrl);
	if (sq->qid == 0)
		admin_exec(req);
	else
		io_exec(req);
}

void nvme_req_complete(struct nvme_req *req, uint16_t status)
{
	struct nvme_sq *sq = req->sq;
	req->status = status;
	if (req->ns && status != NVME_SC_SUCCESS)
		stat_add(&req->ns->stats[sq->th->idx].c[DPD_STAT_NS_ERRORS], 1);
	io_req_complete(&req->io, status == NVME_SC_SUCCESS); /* latency, per-tenant/queue counters */
	sq->ops->queue_response(req);
}

void nvme_req_complete_data(struct nvme_req *req, uint32_t len)
{
	if (req->sq->closed) {
		req->sq->ops->release(req);
		return;
	}
	req->c2h_len = len;
	nvme_req_complete(req, NVME_SC_SUCCESS);
}

uint8_t *nvme_req_buffer(struct nvme_req *req, uint32_t len)
{
	struct bdev_chan *ch = req->sq->th->ch;
	if (len > ch->buf_size)
		return NULL;
	if (!req->buf)
		req->buf = bdev_buf_get(ch);
	return req->buf;
}

void nvme_req_cleanup(struct nvme_req *req)
{
	io_req_release(&req->io);
	if (req->buf)
		bdev_buf_put(req->sq->th->ch, req->buf);
	req->buf = NULL;
	if (req->ns)
		ns_put(req->ns);
	req->ns = NULL;
}

/* ------------------------------------------------------------ queue events */

void nvme_sq_digest_error(struct nvme_sq *sq) { io_queue_digest_error(&sq->io); }

void nvme_sq_close(struct nvme_sq *sq, const char *why)
{
	sq->aers = NULL; /* released with the other requests */
	io_queue_close(&sq->io); /* QoS line, tenant binding, queue stats */
	struct ctrl *ctrl = sq->ctrl;
	if (!ctrl)
		return;
	if (sq->qid == 0) {
		nvme_thread_stat(sq->th, DPD_STAT_CONTROLLERS_ACTIVE, (uint64_t)-1);
		ctrl_kill(ctrl, why);
	} else {
		pthread_mutex_lock(&ctrl->tgt->ctrl_lock);
		if (sq->qid < DPD_ARRAY_SIZE(ctrl->qid_used))
			ctrl->qid_used[sq->qid] = 0;
		pthread_mutex_unlock(&ctrl->tgt->ctrl_lock);
	}
	ctrl_put(ctrl);
	sq->ctrl = NULL;
}

const char *nvme_sq_tick(struct nvme_sq *sq, uint64_t now)
{
	struct ctrl *ctrl = sq->ctrl;
	if (sq->qid != 0)
		return __atomic_load_n(&ctrl->dead, __ATOMIC_ACQUIRE) ? "controller went away" : NULL;
	/* Half a KATO of slack for a Keep Alive delayed on a loaded host or network,
	 * like the kernel target, which checks once per KATO period. */
	uint64_t last = __atomic_load_n(&ctrl->last_ka_ms, __ATOMIC_RELAXED);
	if (ctrl->kato_ms && now > last + ctrl->kato_ms + ctrl->kato_ms / 2) {
		log_warn("controller %u (host %s, subsystem %s): no keep-alive for %u ms; tearing it down. "
			 "Check the host is alive and its network path to this target",
			 ctrl->cntlid, ctrl->hostnqn, ctrl->subnqn, ctrl->kato_ms);
		nvme_thread_stat(sq->th, DPD_STAT_KATO_EXPIRED, 1);
		return "keep-alive timeout";
	}
	return NULL;
}

const char *nvme_sq_snap_changed(struct nvme_sq *sq, const struct snap *s)
{
	struct ctrl *ctrl = sq->ctrl;
	if (!ctrl || ctrl->discovery)
		return NULL;
	const struct subsys *ss = snap_find(s, ctrl->subnqn);
	if (!ss)
		return "subsystem removed";
	if (!subsys_host_allowed(ss, ctrl->hostnqn)) {
		log_info("host %s is no longer allowed on subsystem %s; disconnecting its queue %u", ctrl->hostnqn,
			 ss->nqn, sq->qid);
		return "host removed from the allow-list";
	}
	const struct subsys *prev = sq->ss;
	sq->ss = ss;
	if (sq->qid == 0 && prev)
		admin_ns_changed(sq, prev, ss);
	return NULL;
}

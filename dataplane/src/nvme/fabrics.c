/* fabrics.c - Fabrics commands: Connect (admin and I/O queues, allow-list
 * enforcement) and Property Get/Set (the controller registers). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "nvme/request.h"

/* NQN fields are 256 bytes, NUL-terminated within; never trust that. */
static int copy_nqn(char *dst, const uint8_t *field)
{
	size_t n = strnlen((const char *)field, NVME_NQN_FIELD);
	if (n == 0 || n >= DPD_NQN_MAX)
		return -1;
	memcpy(dst, field, n);
	dst[n] = '\0';
	return 0;
}

/* A connected queue joins the I/O-path layers: tenant binding (I/O queues),
 * queue counters. Discovery controllers move no data. */
static void bind_layers(struct nvme_sq *sq)
{
	if (sq->ctrl->discovery)
		return;
	io_queue_open(&sq->io, sq->th->io, sq->ctrl->hostnqn, sq->ctrl->subnqn, sq->ctrl->cntlid, sq->qid);
}

static void connect_fail(struct nvme_req *req, uint16_t status, uint32_t ipo, const char *why)
{
	log_warn("Connect from %s refused: %s", req->sq->peer, why);
	nvme_thread_stat(req->sq->th, DPD_STAT_CONNECT_REFUSED, 1);
	req->dw0 = ipo;
	nvme_req_complete(req, status | NVME_SC_DNR);
}

static void connect_admin(struct nvme_req *req, const char *subnqn, const char *hostnqn,
			  const uint8_t *data, uint16_t sqsize, uint32_t kato)
{
	struct nvme_sq *sq = req->sq;
	struct nvme_tgt *e = sq->th->tgt;
	int discovery = strcmp(subnqn, NVME_DISC_NQN) == 0;
	const struct subsys *ss = NULL;
	char why[600];

	if (get_le16(data + CONNECT_CNTLID) != 0xFFFF) {
		connect_fail(req, NVME_SC_CONNECT_INVALID_PARAM, CONNECT_IPO_DATA(CONNECT_CNTLID),
			     "admin queue Connect must ask for a dynamic controller (cntlid 0xFFFF)");
		return;
	}
	if (!discovery) {
		ss = snap_find(sq->th->snap, subnqn);
		if (!ss) {
			snprintf(why, sizeof(why), "host %s asked for subsystem %s, which does not exist here",
				 hostnqn, subnqn);
			connect_fail(req, NVME_SC_CONNECT_INVALID_PARAM, CONNECT_IPO_DATA(CONNECT_SUBNQN), why);
			return;
		}
		if (!subsys_host_allowed(ss, hostnqn)) {
			snprintf(why, sizeof(why),
				 "host %s is not allowed on subsystem %s; add it to the subsystem's hosts to permit it",
				 hostnqn, subnqn);
			connect_fail(req, NVME_SC_CONNECT_INVALID_HOST, CONNECT_IPO_DATA(CONNECT_HOSTNQN), why);
			return;
		}
	}
	if (sqsize < 1 || sqsize >= DPD_ADMIN_DEPTH) {
		snprintf(why, sizeof(why), "host %s asked for an admin queue of %u entries; 2 to %u are accepted",
			 hostnqn, sqsize + 1u, DPD_ADMIN_DEPTH);
		connect_fail(req, NVME_SC_CONNECT_INVALID_PARAM, CONNECT_IPO_SQE(SQE_CDW10 + 4), why);
		return;
	}
	struct ctrl *ctrl = calloc(1, sizeof(*ctrl));
	if (!ctrl) {
		nvme_req_complete(req, NVME_SC_INTERNAL);
		return;
	}
	ctrl->refs = 1; /* the admin queue's */
	ctrl->tgt = e;
	ctrl->discovery = discovery;
	snprintf(ctrl->subnqn, sizeof(ctrl->subnqn), "%s", subnqn);
	snprintf(ctrl->hostnqn, sizeof(ctrl->hostnqn), "%s", hostnqn);
	memcpy(ctrl->hostid, data + CONNECT_HOSTID, 16);
	uint32_t max = (uint32_t)e->opt->max_kato_ms;
	ctrl->kato_ms = kato;
	if (max && kato > max) {
		log_warn("host %s asked for a %u ms keep-alive timeout, above the configured maximum %u ms; enforcing %u ms",
			 hostnqn, kato, max, max);
		ctrl->kato_ms = max;
	}
	ctrl->last_ka_ms = dpd_now_ms();
	int rc = ctrl_register(e, ctrl);
	if (rc < 0) {
		free(ctrl);
		connect_fail(req, 0x181 /* controller busy */, 0, "no free controller id");
		return;
	}
	sq->ctrl = ctrl;
	sq->ss = ss;
	sq->qid = 0;
	sq->depth = (uint16_t)(sqsize + 1);
	sq->connected = 1;
	bind_layers(sq);
	nvme_thread_stat(sq->th, DPD_STAT_CONTROLLERS_ACTIVE, 1);
	log_info("host %s connected to %s as controller %u from %s (keep-alive %u ms, header digest %s, data digest %s)",
		 hostnqn, subnqn, ctrl->cntlid, sq->peer, ctrl->kato_ms, sq->hdgst ? "on" : "off",
		 sq->ddgst ? "on" : "off");
	req->dw0 = ctrl->cntlid;
	nvme_req_complete(req, NVME_SC_SUCCESS);
}

static void connect_io(struct nvme_req *req, const char *subnqn, const char *hostnqn,
		       const uint8_t *data, uint16_t qid, uint16_t sqsize)
{
	struct nvme_sq *sq = req->sq;
	struct nvme_tgt *e = sq->th->tgt;
	uint16_t cntlid = get_le16(data + CONNECT_CNTLID);
	const char *why = NULL;
	uint16_t status = NVME_SC_CONNECT_INVALID_PARAM;
	uint32_t ipo = 0;

	pthread_mutex_lock(&e->ctrl_lock);
	struct ctrl *ctrl = ctrl_lookup(e, subnqn, hostnqn, cntlid);
	if (!ctrl) {
		why = "I/O queue Connect names no live controller of this host and subsystem";
		ipo = CONNECT_IPO_DATA(CONNECT_CNTLID);
	} else if (ctrl->discovery) {
		why = "a discovery controller has no I/O queues";
		ipo = CONNECT_IPO_SQE(SQE_CDW10 + 2);
	} else if (!(__atomic_load_n(&ctrl->csts, __ATOMIC_ACQUIRE) & NVME_CSTS_RDY)) {
		why = "controller is not enabled (CC.EN) yet";
		status = NVME_SC_CMD_SEQ_ERROR;
	} else if (qid > __atomic_load_n(&ctrl->nr_io_queues, __ATOMIC_ACQUIRE) ||
		   qid >= DPD_ARRAY_SIZE(ctrl->qid_used) || ctrl->qid_used[qid]) {
		why = "queue id not granted or already connected";
		ipo = CONNECT_IPO_SQE(SQE_CDW10 + 2);
	} else if (sqsize < 1 || sqsize >= (uint32_t)e->opt->max_queue_depth) {
		why = "queue size above the controller's maximum (CAP.MQES)";
		ipo = CONNECT_IPO_SQE(SQE_CDW10 + 4);
	} else {
		ctrl->qid_used[qid] = 1;
		__atomic_add_fetch(&ctrl->refs, 1, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&e->ctrl_lock);
	if (why) {
		char msg[600];
		snprintf(msg, sizeof(msg), "host %s, subsystem %s, queue %u: %s", hostnqn, subnqn, qid, why);
		connect_fail(req, status, ipo, msg);
		return;
	}
	sq->ctrl = ctrl;
	sq->ss = snap_find(sq->th->snap, subnqn);
	sq->qid = qid;
	sq->depth = (uint16_t)(sqsize + 1);
	sq->max_incapsule = (uint32_t)e->opt->in_capsule_bytes;
	sq->connected = 1;
	bind_layers(sq);
	log_debug("controller %u: I/O queue %u connected (depth %u)", ctrl->cntlid, qid, sq->depth);
	req->dw0 = ctrl->cntlid;
	nvme_req_complete(req, NVME_SC_SUCCESS);
}

static void fabrics_connect(struct nvme_req *req)
{
	struct nvme_sq *sq = req->sq;
	char subnqn[DPD_NQN_MAX], hostnqn[DPD_NQN_MAX];

	if (sq->connected) {
		nvme_req_complete(req, NVME_SC_CMD_SEQ_ERROR | NVME_SC_DNR);
		return;
	}
	if (get_le16(req->sqe + SQE_CDW10) != 0) { /* record format */
		connect_fail(req, NVME_SC_CONNECT_FORMAT, 0, "unsupported Connect record format");
		return;
	}
	int rc = req->sq->ops->host_data(req, CONNECT_DATA_LEN);
	if (rc <= 0)
		return;
	const uint8_t *data = req->buf;
	uint16_t qid = get_le16(req->sqe + SQE_CDW10 + 2);
	uint16_t sqsize = get_le16(req->sqe + SQE_CDW10 + 4);
	uint32_t kato = get_le32(req->sqe + SQE_CDW12);
	if (copy_nqn(subnqn, data + CONNECT_SUBNQN) < 0) {
		connect_fail(req, NVME_SC_CONNECT_INVALID_PARAM, CONNECT_IPO_DATA(CONNECT_SUBNQN),
			     "subsystem NQN empty or too long");
		return;
	}
	if (copy_nqn(hostnqn, data + CONNECT_HOSTNQN) < 0) {
		connect_fail(req, NVME_SC_CONNECT_INVALID_PARAM, CONNECT_IPO_DATA(CONNECT_HOSTNQN),
			     "host NQN empty or too long");
		return;
	}
	if (qid == 0)
		connect_admin(req, subnqn, hostnqn, data, sqsize, kato);
	else
		connect_io(req, subnqn, hostnqn, data, qid, sqsize);
}

static uint64_t cap_value(const struct nvme_tgt *e)
{
	uint64_t mqes = (uint64_t)e->opt->max_queue_depth - 1;
	return mqes | (1ull << 16)  /* CQR: contiguous queues required */
	       | (30ull << 24)      /* TO: 15 s ready timeout, in 500 ms units */
	       | (1ull << 37);      /* CSS: NVM command set; MPSMIN = MPSMAX = 0 (4 KiB) */
}

static void prop_get(struct nvme_req *req)
{
	struct nvme_sq *sq = req->sq;
	struct ctrl *ctrl = sq->ctrl;
	uint32_t off = get_le32(req->sqe + SQE_CDW11);
	int size8 = req->sqe[SQE_CDW10] & 1;
	uint64_t v;

	switch (off) {
	case NVME_REG_CAP:
		v = cap_value(sq->th->tgt);
		break;
	case NVME_REG_VS:
		v = 0x00010300; /* 1.3: namespace identification descriptors supported */
		break;
	case NVME_REG_CC:
		v = ctrl->cc;
		break;
	case NVME_REG_CSTS:
		v = __atomic_load_n(&ctrl->csts, __ATOMIC_ACQUIRE);
		break;
	default:
		nvme_req_complete(req, NVME_SC_INVALID_FIELD | NVME_SC_DNR);
		return;
	}
	if (!size8 && off == NVME_REG_CAP) {
		nvme_req_complete(req, NVME_SC_INVALID_FIELD | NVME_SC_DNR);
		return;
	}
	req->dw0 = (uint32_t)v;
	req->dw1 = (uint32_t)(v >> 32);
	nvme_req_complete(req, NVME_SC_SUCCESS);
}

static void prop_set(struct nvme_req *req)
{
	struct nvme_sq *sq = req->sq;
	struct ctrl *ctrl = sq->ctrl;
	uint32_t off = get_le32(req->sqe + SQE_CDW11);
	uint32_t v = get_le32(req->sqe + SQE_CDW12);

	if (off != NVME_REG_CC) {
		nvme_req_complete(req, NVME_SC_INVALID_FIELD | NVME_SC_DNR);
		return;
	}
	uint32_t old = ctrl->cc, csts = __atomic_load_n(&ctrl->csts, __ATOMIC_ACQUIRE);
	ctrl->cc = v;
	if ((v & NVME_CC_EN) && !(old & NVME_CC_EN)) {
		uint32_t iosqes = (v >> 16) & 0xF, iocqes = (v >> 20) & 0xF;
		if (!ctrl->discovery && (iosqes != 6 || iocqes != 4)) {
			log_warn("controller %u: CC enables with queue entry sizes %u/%u (need 6/4); fatal status set",
				 ctrl->cntlid, iosqes, iocqes);
			csts |= NVME_CSTS_CFS;
		} else {
			csts |= NVME_CSTS_RDY;
		}
	} else if (!(v & NVME_CC_EN) && (old & NVME_CC_EN)) {
		/* Controller reset: I/O queues go away; the host reconnects them. */
		csts &= ~(NVME_CSTS_RDY | NVME_CSTS_CFS);
		__atomic_store_n(&ctrl->nr_io_queues, 0, __ATOMIC_RELEASE);
	}
	if ((v & NVME_CC_SHN_MASK) && !(old & NVME_CC_SHN_MASK)) {
		/* Normal shutdown: everything we acknowledged is already in the
		 * backend; durability was the host's Flush to ask for. */
		csts |= NVME_CSTS_SHST_CMPLT;
	} else if (!(v & NVME_CC_SHN_MASK)) {
		csts &= ~(0x3u << 2);
	}
	__atomic_store_n(&ctrl->csts, csts, __ATOMIC_RELEASE);
	nvme_req_complete(req, NVME_SC_SUCCESS);
}

void fabrics_exec(struct nvme_req *req)
{
	struct nvme_sq *sq = req->sq;
	uint8_t fctype = req->sqe[SQE_FCTYPE];

	if (fctype == NVMF_CONNECT) {
		fabrics_connect(req);
		return;
	}
	if (!sq->connected) {
		nvme_req_complete(req, NVME_SC_CMD_SEQ_ERROR | NVME_SC_DNR);
		return;
	}
	if (sq->qid != 0) { /* properties live on the admin queue */
		nvme_req_complete(req, NVME_SC_INVALID_OPCODE | NVME_SC_DNR);
		return;
	}
	switch (fctype) {
	case NVMF_PROP_GET:
		prop_get(req);
		break;
	case NVMF_PROP_SET:
		prop_set(req);
		break;
	default:
		nvme_req_complete(req, NVME_SC_INVALID_OPCODE | NVME_SC_DNR);
		break;
	}
}

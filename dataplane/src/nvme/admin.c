/* admin.c - admin command set: Identify, Get/Set Features, Get Log Page,
 * Keep Alive, Asynchronous Event Request, Abort. Runs on the admin queue's
 * reactor, which owns the controller's mutable state. */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "nvme/request.h"

#define IDENTIFY_LEN 4096
#define AEN_NS_ATTR_BIT (1u << 8)
#define VERSION_STRING "0.1.0"

/* Most admin data is small; the C2H transfer length is the host's SGL length,
 * which must not be smaller than what the command returns (we send at most
 * what the host described, never more). */
static uint8_t *c2h_buffer(struct nvme_req *req, uint32_t len, uint32_t *xfer)
{
	const uint8_t *sgl = req->sqe + SQE_DPTR;
	uint32_t sgl_len = get_le32(sgl + SGL_LEN);
	if (sgl[SGL_TYPE] != SGL_TRANSPORT_DATA_BLOCK) {
		nvme_req_complete(req, NVME_SC_SGL_INVALID_TYPE | NVME_SC_DNR);
		return NULL;
	}
	if (sgl_len < len) {
		nvme_req_complete(req, NVME_SC_SGL_INVALID_DATA_LEN | NVME_SC_DNR);
		return NULL;
	}
	uint8_t *buf = nvme_req_buffer(req, len);
	if (!buf) {
		nvme_req_complete(req, NVME_SC_INTERNAL);
		return NULL;
	}
	memset(buf, 0, len);
	*xfer = len;
	return buf;
}

static void identify_ctrl(struct nvme_req *req, uint8_t *d)
{
	struct nvme_sq *sq = req->sq;
	struct ctrl *ctrl = sq->ctrl;
	struct nvme_tgt *e = sq->th->tgt;
	const struct subsys *ss = sq->ss;

	put_le16(d + 0, 0x1b36); /* PCI vendor id: unassigned-device range, as software targets use */
	put_le16(d + 2, 0x1b36);
	put_padded(d + 4, 20, ss ? ss->serial : "discovery");
	put_padded(d + 24, 40, ss ? ss->model : "DPU NVMe/TCP discovery controller");
	put_padded(d + 64, 8, VERSION_STRING);
	d[72] = 6;                           /* RAB */
	d[76] = ctrl->discovery ? 0 : 0x2;   /* CMIC: may have several controllers */
	d[77] = (uint8_t)e->mdts_shift;      /* MDTS, in 4 KiB units as a power of two */
	put_le16(d + 78, ctrl->cntlid);
	put_le32(d + 80, 0x00010300);        /* VER 1.3 */
	put_le32(d + 92, ctrl->discovery ? 0 : AEN_NS_ATTR_BIT); /* OAES */
	d[111] = ctrl->discovery ? 2 : 1;    /* CNTRLTYPE: I/O or discovery */
	d[258] = 3;                          /* ACL */
	d[259] = DPD_AERL;                   /* AERL */
	d[260] = 0x3;                        /* FRMW: slot 1 read-only, one slot */
	d[261] = 0x4;                        /* LPA: extended data for Get Log Page */
	put_le16(d + 320, 1);                /* KAS: keep-alive granularity 100 ms */
	put_le32(d + 540, 0);                /* MNAN */
	memcpy(d + 768, ctrl->subnqn, strlen(ctrl->subnqn));
	put_le32(d + 536, 0x1 | (1u << 20)); /* SGLS: SGLs, offsets in in-capsule data */
	put_le16(d + 514, (uint16_t)e->opt->max_queue_depth); /* MAXCMD */
	if (!ctrl->discovery) {
		d[512] = 0x66; /* SQES */
		d[513] = 0x44; /* CQES */
		put_le32(d + 516, DPD_MAX_NSID); /* NN */
		put_le16(d + 520, (1u << 2) | (1u << 3)); /* ONCS: DSM, Write Zeroes */
		/* VWC present; Flush with NSID FFFFFFFFh not supported. */
		d[525] = 0x1 | (0x2 << 1);
		put_le32(d + 1792, (uint32_t)((NVME_SQE_SIZE + e->opt->in_capsule_bytes) / 16)); /* IOCCSZ */
		put_le32(d + 1796, NVME_CQE_SIZE / 16);                                    /* IORCSZ */
	}
	put_le16(d + 1800, 0); /* ICDOFF */
	d[1802] = 0;           /* CTRATTR: dynamic controller model */
	d[1803] = 1;           /* MSDBD */
}

static void identify_ns(struct dpd_ns *ns, uint8_t *d)
{
	put_le64(d + 0, ns->nblocks);  /* NSZE */
	put_le64(d + 8, ns->nblocks);  /* NCAP */
	put_le64(d + 16, ns->nblocks); /* NUSE */
	d[24] = 0;                     /* NSFEAT */
	d[25] = 0;                     /* NLBAF: one format */
	d[26] = 0;                     /* FLBAS */
	d[30] = 1;                     /* NMIC: may be shared by several controllers */
	d[33] = 0x1;                   /* DLFEAT: deallocated blocks read as zeroes */
	memcpy(d + 104, ns->nguid, 16);
	put_le16(d + 128, 0);          /* LBAF0: no metadata */
	d[130] = (uint8_t)ns->lba_shift;
}

static void identify_ns_descs(struct dpd_ns *ns, uint8_t *d)
{
	d[0] = 0x2; /* NGUID */
	d[1] = 16;
	memcpy(d + 4, ns->nguid, 16);
	d[20] = 0x3; /* UUID */
	d[21] = 16;
	memcpy(d + 24, ns->uuid, 16);
	d[40] = 0x4; /* CSI: NVM */
	d[41] = 1;
	d[44] = 0;
}

static void admin_identify(struct nvme_req *req)
{
	struct nvme_sq *sq = req->sq;
	uint8_t cns = req->sqe[SQE_CDW10];
	uint32_t nsid = get_le32(req->sqe + SQE_NSID);
	uint32_t xfer;
	struct dpd_ns *ns = NULL;

	if (sq->ctrl->discovery && cns != 0x01) {
		nvme_req_complete(req, NVME_SC_INVALID_FIELD | NVME_SC_DNR);
		return;
	}
	if (cns == 0x00 || cns == 0x03) {
		ns = sq->ss ? subsys_find_ns(sq->ss, nsid) : NULL;
		if (!ns) {
			nvme_req_complete(req, NVME_SC_INVALID_NS | NVME_SC_DNR);
			return;
		}
	} else if (cns != 0x01 && cns != 0x02) {
		nvme_req_complete(req, NVME_SC_INVALID_FIELD | NVME_SC_DNR);
		return;
	}
	uint8_t *d = c2h_buffer(req, IDENTIFY_LEN, &xfer);
	if (!d)
		return;
	switch (cns) {
	case 0x00:
		identify_ns(ns, d);
		break;
	case 0x01:
		identify_ctrl(req, d);
		break;
	case 0x02: {
		/* Active namespace list: ids above nsid, ascending, up to 1024. */
		if (nsid >= 0xFFFFFFFE) {
			nvme_req_complete(req, NVME_SC_INVALID_NS | NVME_SC_DNR);
			return;
		}
		int n = 0;
		for (int i = 0; sq->ss && i < sq->ss->nns && n < 1024; i++)
			if (sq->ss->ns[i]->nsid > nsid)
				put_le32(d + 4 * n++, sq->ss->ns[i]->nsid);
		break;
	}
	case 0x03:
		identify_ns_descs(ns, d);
		break;
	}
	nvme_req_complete_data(req, xfer);
}

static void admin_set_features(struct nvme_req *req)
{
	struct ctrl *ctrl = req->sq->ctrl;
	struct nvme_tgt *e = req->sq->th->tgt;
	uint8_t fid = req->sqe[SQE_CDW10];
	uint32_t v = get_le32(req->sqe + SQE_CDW11);

	if (get_le32(req->sqe + SQE_CDW10) & (1u << 31)) { /* SV: nothing is saveable */
		nvme_req_complete(req, 0x10D | NVME_SC_DNR);
		return;
	}
	switch (fid) {
	case NVME_FEAT_NUM_QUEUES: {
		if (ctrl->discovery || (v & 0xFFFF) == 0xFFFF || (v >> 16) == 0xFFFF) {
			nvme_req_complete(req, NVME_SC_INVALID_FIELD | NVME_SC_DNR);
			return;
		}
		uint32_t max = (uint32_t)e->opt->max_io_queues;
		uint32_t nsq = DPD_MIN((v & 0xFFFF) + 1, max), ncq = DPD_MIN((v >> 16) + 1, max);
		uint32_t n = DPD_MIN(nsq, ncq);
		__atomic_store_n(&ctrl->nr_io_queues, n, __ATOMIC_RELEASE);
		req->dw0 = ((n - 1) << 16) | (n - 1);
		break;
	}
	case NVME_FEAT_KATO: {
		uint32_t max = (uint32_t)e->opt->max_kato_ms;
		ctrl->kato_ms = (max && v > max) ? max : v;
		__atomic_store_n(&ctrl->last_ka_ms, dpd_now_ms(), __ATOMIC_RELAXED);
		break;
	}
	case NVME_FEAT_ASYNC_EVENT:
		ctrl->aec = v & AEN_NS_ATTR_BIT;
		break;
	default:
		nvme_req_complete(req, NVME_SC_INVALID_FIELD | NVME_SC_DNR);
		return;
	}
	nvme_req_complete(req, NVME_SC_SUCCESS);
}

static void admin_get_features(struct nvme_req *req)
{
	struct ctrl *ctrl = req->sq->ctrl;
	struct nvme_tgt *e = req->sq->th->tgt;
	uint8_t fid = req->sqe[SQE_CDW10];
	uint8_t sel = (req->sqe[SQE_CDW10 + 1] >> 0) & 0x7;

	switch (fid) {
	case NVME_FEAT_NUM_QUEUES: {
		uint32_t n = __atomic_load_n(&ctrl->nr_io_queues, __ATOMIC_ACQUIRE);
		if (!n || sel == 1 || sel == 2)
			n = (uint32_t)e->opt->max_io_queues;
		req->dw0 = ((n - 1) << 16) | (n - 1);
		break;
	}
	case NVME_FEAT_KATO:
		req->dw0 = ctrl->kato_ms;
		break;
	case NVME_FEAT_ASYNC_EVENT:
		req->dw0 = ctrl->aec;
		break;
	default:
		nvme_req_complete(req, NVME_SC_INVALID_FIELD | NVME_SC_DNR);
		return;
	}
	nvme_req_complete(req, NVME_SC_SUCCESS);
}

static void smart_log(struct nvme_req *req, uint8_t *d)
{
	const struct subsys *ss = req->sq->ss;
	struct nvme_tgt *e = req->sq->th->tgt;
	uint64_t rd = 0, wr = 0, rops = 0, wops = 0;

	for (int i = 0; ss && i < ss->nns; i++) {
		for (int r = 0; r < e->nthreads; r++) {
			const uint64_t *cn = ss->ns[i]->stats[r].c;
			rd += stat_read(&cn[DPD_STAT_NS_READ_BYTES]);
			wr += stat_read(&cn[DPD_STAT_NS_WRITE_BYTES]);
			rops += stat_read(&cn[DPD_STAT_NS_READ_OPS]);
			wops += stat_read(&cn[DPD_STAT_NS_WRITE_OPS]);
		}
	}
	/* No sensor: temperature left 0 K rather than invented. */
	d[3] = 100; /* available spare % */
	d[4] = 10;  /* spare threshold % */
	/* Data units are thousands of 512-byte units, rounded up. */
	put_le64(d + 32, (rd / 512 + 999) / 1000);
	put_le64(d + 48, (wr / 512 + 999) / 1000);
	put_le64(d + 64, rops);
	put_le64(d + 80, wops);
}

static void admin_get_log_page(struct nvme_req *req)
{
	struct nvme_sq *sq = req->sq;
	struct ctrl *ctrl = sq->ctrl;
	uint32_t cdw10 = get_le32(req->sqe + SQE_CDW10), cdw11 = get_le32(req->sqe + SQE_CDW11);
	uint8_t lid = cdw10 & 0xFF;
	uint64_t numd = (((uint64_t)(cdw11 & 0xFFFF) << 16) | (cdw10 >> 16)) + 1;
	uint64_t len = numd * 4;
	uint64_t off = get_le64(req->sqe + SQE_CDW12);
	uint32_t cap = sq->th->ch->buf_size, full, xfer;

	if (len > cap || (off & 3)) {
		nvme_req_complete(req, NVME_SC_INVALID_FIELD | NVME_SC_DNR);
		return;
	}
	uint8_t *tmp = calloc(1, cap);
	if (!tmp) {
		nvme_req_complete(req, NVME_SC_INTERNAL);
		return;
	}
	if (lid == NVME_LOG_DISC && ctrl->discovery) {
		full = discovery_log_build(sq, tmp, cap);
	} else if (lid == NVME_LOG_SMART && !ctrl->discovery) {
		smart_log(req, tmp);
		full = 512;
	} else if (lid == NVME_LOG_CHANGED_NS && !ctrl->discovery) {
		for (int i = 0; i < ctrl->nchanged; i++)
			put_le32(tmp + 4 * i, ctrl->changed[i]);
		full = 4096;
		if (!(cdw10 & (1u << 15))) { /* RAE clear: reading clears and re-arms */
			ctrl->nchanged = 0;
			ctrl->aen_masked = 0;
		}
	} else {
		free(tmp);
		nvme_req_complete(req, NVME_SC_INVALID_LOG_PAGE | NVME_SC_DNR);
		return;
	}
	if (off > full) {
		free(tmp);
		nvme_req_complete(req, NVME_SC_INVALID_FIELD | NVME_SC_DNR);
		return;
	}
	uint8_t *d = c2h_buffer(req, (uint32_t)len, &xfer);
	if (d)
		memcpy(d, tmp + off, DPD_MIN(len, full - off));
	free(tmp);
	if (d)
		nvme_req_complete_data(req, xfer);
}

/* ------------------------------------------------------------ async events */

static void aer_fire(struct nvme_sq *sq, uint32_t dw0)
{
	struct nvme_req *req = sq->aers;
	if (!req)
		return;
	sq->aers = req->next_aer;
	req->dw0 = dw0;
	nvme_req_complete(req, NVME_SC_SUCCESS);
}

void admin_ns_changed(struct nvme_sq *sq, const struct subsys *old_ss, const struct subsys *new_ss)
{
	struct ctrl *ctrl = sq->ctrl;
	int changed = 0;
	int i = 0, j = 0;
	/* Both lists are sorted by nsid: walk them together. */
	while (i < old_ss->nns || j < new_ss->nns) {
		struct dpd_ns *a = i < old_ss->nns ? old_ss->ns[i] : NULL;
		struct dpd_ns *b = j < new_ss->nns ? new_ss->ns[j] : NULL;
		uint32_t id;
		if (a && b && a->nsid == b->nsid) {
			i++, j++;
			if (a == b)
				continue;
			id = a->nsid;
		} else if (a && (!b || a->nsid < b->nsid)) {
			id = a->nsid;
			i++;
		} else {
			id = b->nsid;
			j++;
		}
		changed = 1;
		if (ctrl->nchanged < (int)DPD_ARRAY_SIZE(ctrl->changed) - 1)
			ctrl->changed[ctrl->nchanged++] = id;
		else if (ctrl->nchanged == (int)DPD_ARRAY_SIZE(ctrl->changed) - 1) {
			ctrl->changed[0] = 0xFFFFFFFF; /* more than the list holds */
			ctrl->nchanged = 1;
		}
	}
	if (changed && (ctrl->aec & AEN_NS_ATTR_BIT) && !ctrl->aen_masked && sq->aers) {
		ctrl->aen_masked = 1;
		/* Notice, namespace attribute changed, log page 04h. */
		aer_fire(sq, (NVME_LOG_CHANGED_NS << 16) | (0x00 << 8) | 0x02);
	}
}

void admin_exec(struct nvme_req *req)
{
	struct nvme_sq *sq = req->sq;
	struct ctrl *ctrl = sq->ctrl;

	/* Any admin command shows the host is alive. */
	__atomic_store_n(&ctrl->last_ka_ms, dpd_now_ms(), __ATOMIC_RELAXED);
	switch (req->sqe[SQE_OPC]) {
	case NVME_ADM_IDENTIFY:
		admin_identify(req);
		break;
	case NVME_ADM_SET_FEATURES:
		admin_set_features(req);
		break;
	case NVME_ADM_GET_FEATURES:
		admin_get_features(req);
		break;
	case NVME_ADM_GET_LOG_PAGE:
		admin_get_log_page(req);
		break;
	case NVME_ADM_KEEP_ALIVE:
		nvme_req_complete(req, NVME_SC_SUCCESS);
		break;
	case NVME_ADM_ABORT:
		/* Commands here finish quickly or wait for the host's own data;
		 * report "not aborted" (DW0 bit 0) as the spec allows. */
		req->dw0 = 1;
		nvme_req_complete(req, NVME_SC_SUCCESS);
		break;
	case NVME_ADM_ASYNC_EVENT: {
		int n = 0;
		for (struct nvme_req *a = sq->aers; a; a = a->next_aer)
			n++;
		if (n > DPD_AERL) {
			nvme_req_complete(req, NVME_SC_ASYNC_LIMIT | NVME_SC_DNR);
			break;
		}
		/* Parked until an event; completes only then (or never). */
		req->state = REQ_AER;
		req->next_aer = sq->aers;
		sq->aers = req;
		if (ctrl->nchanged && (ctrl->aec & AEN_NS_ATTR_BIT) && !ctrl->aen_masked) {
			ctrl->aen_masked = 1;
			aer_fire(sq, (NVME_LOG_CHANGED_NS << 16) | 0x02);
		}
		break;
	}
	default:
		nvme_req_complete(req, NVME_SC_INVALID_OPCODE | NVME_SC_DNR);
		break;
	}
}

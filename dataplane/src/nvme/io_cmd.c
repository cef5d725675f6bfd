/* io_cmd.c - NVM command set on I/O queues: Read, Write, Flush, Write
 * Zeroes, Dataset Management (deallocate). Every field from the host is
 * checked against the namespace and MDTS before a byte moves. */
#include <errno.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "nvme/request.h"

#define DSM_RANGE_LEN 16
#define DSM_ATTR_DEALLOCATE (1u << 2)

static uint16_t errno_status(const struct bio *bio, int res)
{
	enum bio_op op = bio->op;
	(void)res;
	if (bio->nvme_status)
		return bio->nvme_status; /* the remote's own status, or a path error */
	if (op == BIO_READ)
		return NVME_SC_READ_ERROR;
	if (op == BIO_WRITE || op == BIO_WRITE_ZEROES)
		return NVME_SC_WRITE_FAULT;
	return NVME_SC_INTERNAL;
}

static void io_count(struct nvme_req *req)
{
	uint64_t *cn = req->ns->stats[req->sq->th->idx].c;
	stat_add(&cn[req->stat_id], 1);
	if (req->stat_id == DPD_STAT_NS_READ_OPS)
		stat_add(&cn[DPD_STAT_NS_READ_BYTES], req->bio.len);
	else if (req->stat_id == DPD_STAT_NS_WRITE_OPS)
		stat_add(&cn[DPD_STAT_NS_WRITE_BYTES], req->bio.len);
}

static void dsm_next(struct nvme_req *req);

static void bio_done(struct bio *bio, int res)
{
	struct nvme_req *req = (struct nvme_req *)((char *)bio - offsetof(struct nvme_req, bio));
	struct nvme_sq *sq = req->sq;

	sq->bios--;
	req->state = REQ_EXEC;
	io_req_backend_done(&req->io);
	if (sq->closed) {
		sq->ops->release(req);
		return;
	}
	if (res < 0) {
		log_warn("namespace %u of %s: %s of %llu bytes at offset %llu failed: %s", req->ns->nsid,
			 req->ns->subnqn,
			 bio->op == BIO_READ ? "read" : bio->op == BIO_WRITE ? "write" : bio->op == BIO_FLUSH ? "flush" : "zeroing",
			 (unsigned long long)bio->len, (unsigned long long)bio->offset, strerror(-res));
		nvme_req_complete(req, errno_status(bio, res));
		return;
	}
	if (req->sqe[SQE_OPC] == NVME_IO_DSM && req->dsm_next < req->dsm_count) {
		dsm_next(req);
		return;
	}
	io_count(req);
	if (bio->op == BIO_READ) {
		if (io_req_after_read(&req->io) < 0) { /* decrypt, staging copies */
			nvme_req_complete(req, NVME_SC_INTERNAL);
			return;
		}
		nvme_req_complete_data(req, (uint32_t)bio->len);
	} else
		nvme_req_complete(req, NVME_SC_SUCCESS);
}

static void submit(struct nvme_req *req, enum bio_op op, uint64_t offset, uint64_t len)
{
	struct bio *bio = &req->bio;
	bio->op = op;
	bio->offset = offset;
	bio->len = len;
	bio->buf = req->buf;
	bio->done = 0;
	bio->fallback = 0;
	bio->buffered = 0;
	bio->nvme_status = 0;
	bio->be = req->ns->be;
	bio->ch = req->sq->th->ch;
	bio->stats = dpd_io_counter_slot(&req->ns->io.stats, (unsigned)req->sq->th->idx);
	bio->cb = bio_done;
	req->sq->bios++;
	req->state = REQ_BACKEND;
	bdev_submit(bio);
}

/* Validate SLBA/NLB of a read/write/zeroes command; returns 0 or a status. */
static uint16_t check_range(const struct nvme_req *req, uint64_t *off, uint64_t *len)
{
	struct dpd_ns *ns = req->ns;
	uint64_t slba = get_le64(req->sqe + SQE_CDW10);
	uint64_t nlb = (uint64_t)(get_le16(req->sqe + SQE_CDW12)) + 1;
	if (slba >= ns->nblocks || nlb > ns->nblocks - slba)
		return NVME_SC_LBA_RANGE | NVME_SC_DNR;
	*off = slba << ns->lba_shift;
	*len = nlb << ns->lba_shift;
	return 0;
}

/* io_path.h: a read/write that passed QoS and payload preparation. */
static void rw_go(struct io_req *io, int err)
{
	struct nvme_req *req = (struct nvme_req *)((char *)io - offsetof(struct nvme_req, io));
	if (err) {
		nvme_req_complete(req, NVME_SC_INTERNAL);
		return;
	}
	submit(req, io->write ? BIO_WRITE : BIO_READ, io->off, io->len);
}

/* Through the I/O-path layers (QoS, payload), then to the backend. */
static void rw_start(struct nvme_req *req, int write, uint64_t off, uint64_t len)
{
	if (io_req_start(&req->io, &req->sq->io, &req->ns->io, write, off, len, req->buf, rw_go))
		req->state = REQ_QOS_WAIT;
}

static void io_rw(struct nvme_req *req, int write)
{
	io_req_arrived(&req->io); /* latency clock starts at the first look */
	struct nvme_tgt *e = req->sq->th->tgt;
	uint64_t off, len;
	uint16_t st = check_range(req, &off, &len);
	if (st) {
		nvme_req_complete(req, st);
		return;
	}
	if (len > (uint64_t)e->opt->max_transfer_bytes) {
		nvme_req_complete(req, NVME_SC_INVALID_FIELD | NVME_SC_DNR);
		return;
	}
	req->stat_id = write ? DPD_STAT_NS_WRITE_OPS : DPD_STAT_NS_READ_OPS;
	if (write) {
		int rc = req->sq->ops->host_data(req, (uint32_t)len);
		if (rc <= 0)
			return; /* R2T sent (we come back here) or failed */
		rw_start(req, 1, off, len);
		return;
	}
	const uint8_t *sgl = req->sqe + SQE_DPTR;
	if (sgl[SGL_TYPE] != SGL_TRANSPORT_DATA_BLOCK) {
		nvme_req_complete(req, NVME_SC_SGL_INVALID_TYPE | NVME_SC_DNR);
		return;
	}
	if (get_le32(sgl + SGL_LEN) != len) {
		nvme_req_complete(req, NVME_SC_SGL_INVALID_DATA_LEN | NVME_SC_DNR);
		return;
	}
	if (!nvme_req_buffer(req, (uint32_t)len)) {
		nvme_req_complete(req, NVME_SC_INTERNAL);
		return;
	}
	rw_start(req, 0, off, len);
}

static void dsm_next(struct nvme_req *req)
{
	struct dpd_ns *ns = req->ns;
	const uint8_t *r = req->buf + DSM_RANGE_LEN * req->dsm_next++;
	uint64_t nlb = get_le32(r + 4), slba = get_le64(r + 8);
	if (nlb == 0) { /* empty range: nothing to do, but keep the chain going */
		if (req->dsm_next < req->dsm_count) {
			dsm_next(req);
			return;
		}
		io_count(req);
		nvme_req_complete(req, NVME_SC_SUCCESS);
		return;
	}
	submit(req, BIO_DISCARD, slba << ns->lba_shift, nlb << ns->lba_shift);
}

static void io_dsm(struct nvme_req *req)
{
	uint32_t nr = (get_le32(req->sqe + SQE_CDW10) & 0xFF) + 1;
	uint32_t attr = get_le32(req->sqe + SQE_CDW11);
	int rc = req->sq->ops->host_data(req, nr * DSM_RANGE_LEN);
	if (rc <= 0)
		return;
	req->stat_id = DPD_STAT_NS_OTHER_OPS;
	if (!(attr & DSM_ATTR_DEALLOCATE)) { /* only hints: nothing to do */
		nvme_req_complete(req, NVME_SC_SUCCESS);
		return;
	}
	/* Check every range before touching any. */
	for (uint32_t i = 0; i < nr; i++) {
		const uint8_t *r = req->buf + DSM_RANGE_LEN * i;
		uint64_t nlb = get_le32(r + 4), slba = get_le64(r + 8);
		if (nlb && (slba >= req->ns->nblocks || nlb > req->ns->nblocks - slba)) {
			nvme_req_complete(req, NVME_SC_LBA_RANGE | NVME_SC_DNR);
			return;
		}
	}
	req->dsm_next = 0;
	req->dsm_count = nr;
	dsm_next(req);
}

void io_exec(struct nvme_req *req)
{
	struct nvme_sq *sq = req->sq;
	uint8_t opc = req->sqe[SQE_OPC];
	uint32_t nsid = get_le32(req->sqe + SQE_NSID);

	if (!req->ns) {
		struct dpd_ns *ns = sq->ss ? subsys_find_ns(sq->ss, nsid) : NULL;
		if (!ns) {
			nvme_req_complete(req, NVME_SC_INVALID_NS | NVME_SC_DNR);
			return;
		}
		ns_get(ns);
		req->ns = ns;
	}
	switch (opc) {
	case NVME_IO_READ:
		io_rw(req, 0);
		break;
	case NVME_IO_WRITE:
		io_rw(req, 1);
		break;
	case NVME_IO_FLUSH:
		req->stat_id = DPD_STAT_NS_FLUSH_OPS;
		submit(req, BIO_FLUSH, 0, 0);
		break;
	case NVME_IO_WRITE_ZEROES: {
		uint64_t off, len;
		uint16_t st = check_range(req, &off, &len);
		if (st) {
			nvme_req_complete(req, st);
			return;
		}
		req->stat_id = DPD_STAT_NS_OTHER_OPS;
		submit(req, BIO_WRITE_ZEROES, off, len);
		break;
	}
	case NVME_IO_DSM:
		io_dsm(req);
		break;
	default:
		nvme_req_complete(req, NVME_SC_INVALID_OPCODE | NVME_SC_DNR);
		break;
	}
}

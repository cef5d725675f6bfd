/* remote_admin.c - the admin side of a remote, run on the remote's thread
 * with the host library's blocking helpers: TCP + ICReq, Fabrics Connect as
 * our host NQN, CC.EN and CSTS.RDY, Identify Controller (MDTS, in-capsule
 * size) and Identify Namespace for every declared namespace, one I/O queue
 * per reactor, and keep-alive. Every value read from the remote is bounded
 * before use; every refusal becomes a reason saying what a person must do. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/remote.h"
#include "common/nvme.h"
#include "common/util.h"
#include "host/cmd.h"
#include "host/queue.h"

#define ADMIN_TIMEOUT_MS 5000
#define KATO_MS 5000
#define ADMIN_SLOTS 4
#define IO_SLOTS_MAX 127

void remote_hq_free(struct hq *q)
{
	hq_close(q);
	free(q);
}

/* "64 MiB" when whole MiB, else bytes. */
static void fmt_size(char *out, size_t cap, uint64_t b)
{
	if (b && b % (1u << 20) == 0)
		snprintf(out, cap, "%llu MiB", (unsigned long long)(b >> 20));
	else
		snprintf(out, cap, "%llu bytes", (unsigned long long)b);
}

static int admin(struct remote *r, struct hq *q, const uint8_t sqe[64], void *buf, uint32_t len, enum hq_dir dir,
		 uint16_t *status, uint32_t *dw0, uint32_t *dw1, const char *step)
{
	const char *why = NULL;
	if (hq_exec(q, sqe, buf, len, dir, ADMIN_TIMEOUT_MS, status, dw0, dw1, &why) == 0)
		return 0;
	remote_note(r, DPD_REMOTE_CONNECTING, "remote %s:%d: %s: %s", r->cfg.address, r->cfg.port, step,
		    why ? why : "failed");
	return -1;
}

/* Fabrics Connect of queue qid; the controller id in *cntlid. */
static int fabrics_connect(struct remote *r, struct hq *q, uint16_t qid, uint16_t sqsize, uint16_t *cntlid)
{
	uint8_t sqe[64], data[CONNECT_DATA_LEN], hostid[16];
	uint16_t status = 0;
	uint32_t dw0 = 0;
	host_hostid_from_nqn(r->cfg.hostnqn, hostid);
	host_sqe_connect(sqe, qid, sqsize, qid ? 0 : KATO_MS);
	host_connect_data(data, hostid, qid ? r->cntlid : 0xFFFF, r->cfg.subnqn, r->cfg.hostnqn);
	if (admin(r, q, sqe, data, sizeof(data), HQ_TO_CTRL, &status, &dw0, NULL, "Fabrics Connect") < 0)
		return -1;
	uint16_t sc = status & 0x7ff;
	if (sc == NVME_SC_CONNECT_INVALID_HOST) {
		remote_note(r, DPD_REMOTE_FAILED,
			    "remote %s:%d refused host %s for subsystem %s (Connect status 0x%03x): allow this host "
			    "on the remote target",
			    r->cfg.address, r->cfg.port, r->cfg.hostnqn, r->cfg.subnqn, sc);
		return -1;
	}
	if (sc == NVME_SC_CONNECT_INVALID_PARAM && dw0 == CONNECT_IPO_DATA(CONNECT_SUBNQN)) {
		remote_note(r, DPD_REMOTE_FAILED,
			    "remote subsystem %s unknown at %s:%d (Connect status 0x%03x): check the remote's "
			    "subsystemNqn",
			    r->cfg.subnqn, r->cfg.address, r->cfg.port, sc);
		return -1;
	}
	if (sc) {
		remote_note(r, DPD_REMOTE_FAILED, "remote %s:%d refused Connect of queue %u to %s (status 0x%03x, %s)",
			    r->cfg.address, r->cfg.port, qid, r->cfg.subnqn, sc, host_connect_refusal(status));
		return -1;
	}
	*cntlid = (uint16_t)dw0;
	return 0;
}

static int prop(struct remote *r, int set, uint32_t off, uint64_t val, int size8, uint64_t *out)
{
	uint8_t sqe[64];
	uint16_t status = 0;
	uint32_t dw0 = 0, dw1 = 0;
	if (set)
		host_sqe_prop_set(sqe, off, val, size8);
	else
		host_sqe_prop_get(sqe, off, size8);
	if (admin(r, r->aq, sqe, NULL, 0, HQ_NONE, &status, &dw0, &dw1, set ? "Property Set" : "Property Get") < 0)
		return -1;
	if (status & 0x7ff) {
		remote_note(r, DPD_REMOTE_FAILED, "remote %s:%d: Property %s of 0x%x failed (status 0x%03x)",
			    r->cfg.address, r->cfg.port, set ? "Set" : "Get", off, status & 0x7ff);
		return -1;
	}
	if (out)
		*out = (uint64_t)dw0 | (uint64_t)dw1 << 32;
	return 0;
}

static int identify(struct remote *r, uint32_t nsid, uint32_t cns, uint8_t *id, uint16_t *status)
{
	uint8_t sqe[64] = { 0 };
	sqe[SQE_OPC] = NVME_ADM_IDENTIFY;
	put_le32(sqe + SQE_NSID, nsid);
	put_le32(sqe + SQE_CDW10, cns);
	memset(id, 0, 4096);
	return admin(r, r->aq, sqe, id, 4096, HQ_FROM_CTRL, status, NULL, NULL, "Identify");
}

/* Enable the controller and learn its limits. */
static int enable(struct remote *r, uint16_t *mqes)
{
	uint64_t cap = 0, csts = 0;
	if (prop(r, 0, NVME_REG_CAP, 0, 1, &cap) < 0 ||
	    prop(r, 1, NVME_REG_CC, NVME_CC_EN | (6u << 16) | (4u << 20), 0, NULL) < 0)
		return -1;
	*mqes = (uint16_t)(cap & 0xffff);
	/* CAP.TO is in 500 ms units; bounded to 10 s so a bad value cannot park us. */
	uint64_t deadline = dpd_now_ms() + DPD_MIN(((cap >> 24) & 0xff) * 500 + 500, 10000);
	for (;;) {
		if (prop(r, 0, NVME_REG_CSTS, 0, 0, &csts) < 0)
			return -1;
		if (csts & NVME_CSTS_RDY)
			break;
		if (dpd_now_ms() > deadline) {
			remote_note(r, DPD_REMOTE_CONNECTING, "remote %s:%d: controller did not become ready (CSTS.RDY)",
				    r->cfg.address, r->cfg.port);
			return -1;
		}
		usleep(10000);
	}
	uint8_t *id = malloc(4096);
	uint16_t status = 0;
	if (!id || identify(r, 0, 1, id, &status) < 0) {
		free(id);
		return -1;
	}
	if (status & 0x7ff) {
		free(id);
		remote_note(r, DPD_REMOTE_FAILED, "remote %s:%d: Identify Controller failed (status 0x%03x)",
			    r->cfg.address, r->cfg.port, status & 0x7ff);
		return -1;
	}
	/* MDTS in units of the minimum page (CAP.MPSMIN, 4 KiB << n); 0: no limit. */
	uint32_t mps = 4096u << DPD_MIN((unsigned)((cap >> 48) & 0xf), 4u);
	uint8_t mdts = id[77];
	uint64_t max = mdts ? (uint64_t)mps << DPD_MIN(mdts, 20) : r->cfg.max_io;
	uint32_t io_max = (uint32_t)DPD_MAX(DPD_MIN(max, (uint64_t)r->cfg.max_io), 4096u);
	__atomic_store_n(&r->io_max, io_max, __ATOMIC_RELAXED);
	/* IOCCSZ: I/O command capsule size in 16-byte units, the 64-byte SQE included. */
	uint32_t ioccsz = get_le32(id + 1792);
	r->incapsule = ioccsz >= 4 ? (uint32_t)DPD_MIN((uint64_t)ioccsz * 16 - 64, 65536u) : 0;
	free(id);
	return 0;
}

static int check_ns(struct remote *r, const struct remote_ns *n, uint8_t *id)
{
	uint16_t status = 0;
	if (identify(r, n->nsid, 0, id, &status) < 0)
		return -1;
	uint64_t nsze = get_le64(id);
	uint8_t nlbaf = id[25], flbas = id[26] & 0xf;
	if ((status & 0x7ff) || nsze == 0) {
		remote_note(r, DPD_REMOTE_FAILED,
			    "remote namespace %u does not exist on %s at %s:%d: create it on the remote target or fix "
			    "remoteNsid",
			    n->nsid, r->cfg.subnqn, r->cfg.address, r->cfg.port);
		return -1;
	}
	uint8_t lbads = flbas <= nlbaf ? id[128 + 4 * flbas + 2] : 0;
	uint16_t ms = flbas <= nlbaf ? get_le16(id + 128 + 4 * flbas) : 0;
	if (lbads < 9 || lbads > 16 || ms) {
		remote_note(r, DPD_REMOTE_FAILED, "remote namespace %u has an unusable LBA format (LBADS %u, metadata %u)",
			    n->nsid, lbads, ms);
		return -1;
	}
	if ((1u << lbads) != n->block_size) {
		remote_note(r, DPD_REMOTE_FAILED, "remote namespace %u has %u-byte blocks, the volume declares %u",
			    n->nsid, 1u << lbads, n->block_size);
		return -1;
	}
	if (nsze > (UINT64_MAX >> lbads) || (nsze << lbads) < n->size) {
		char have[32], need[32];
		fmt_size(have, sizeof(have), nsze > (UINT64_MAX >> lbads) ? UINT64_MAX : nsze << lbads);
		fmt_size(need, sizeof(need), n->size);
		remote_note(r, DPD_REMOTE_FAILED, "remote namespace %u holds %s, volume needs %s", n->nsid, have, need);
		return -1;
	}
	return 0;
}

int remote_check_namespaces(struct remote *r)
{
	uint8_t *id = malloc(4096);
	if (!id)
		return -1;
	int rc = 0;
	/* The list only grows at its head while we walk (under the lock, briefly). */
	pthread_mutex_lock(&r->lock);
	struct remote_ns *n = r->ns;
	int count = 0;
	for (struct remote_ns *k = r->ns; k; k = k->next)
		count++;
	struct remote_ns *copy = calloc((size_t)DPD_MAX(count, 1), sizeof(*copy));
	for (int i = 0; copy && n; n = n->next)
		copy[i++] = *n;
	pthread_mutex_unlock(&r->lock);
	if (!copy) {
		free(id);
		return -1;
	}
	for (int i = 0; i < count && rc == 0; i++)
		rc = check_ns(r, &copy[i], id);
	free(copy);
	free(id);
	return rc;
}

static struct hq *open_queue(struct remote *r, uint16_t qid, uint16_t slots, uint32_t max_io)
{
	struct hq *q = calloc(1, sizeof(*q));
	const char *why = "out of memory";
	if (!q || hq_open(q, r->cfg.address, r->cfg.port, qid, r->cfg.hdgst, r->cfg.ddgst, slots, max_io, &why) < 0) {
		free(q);
		if (why && strcmp(why, "connection refused") == 0)
			remote_note(r, DPD_REMOTE_CONNECTING, "remote %s:%d: connection refused (target down?)",
				    r->cfg.address, r->cfg.port);
		else
			remote_note(r, DPD_REMOTE_CONNECTING, "remote %s:%d: %s", r->cfg.address, r->cfg.port, why);
		return NULL;
	}
	return q;
}

/* Set Features Number of Queues: one I/O queue per reactor. */
static int set_queue_count(struct remote *r)
{
	uint8_t sqe[64] = { 0 };
	uint16_t status = 0;
	uint32_t dw0 = 0, n = (uint32_t)r->cfg.nlanes - 1;
	sqe[SQE_OPC] = NVME_ADM_SET_FEATURES;
	put_le32(sqe + SQE_CDW10, NVME_FEAT_NUM_QUEUES);
	put_le32(sqe + SQE_CDW11, n | n << 16);
	if (admin(r, r->aq, sqe, NULL, 0, HQ_NONE, &status, &dw0, NULL, "Set Features (Number of Queues)") < 0)
		return -1;
	uint32_t granted = DPD_MIN(dw0 & 0xffff, dw0 >> 16) + 1;
	if ((status & 0x7ff) || granted < (uint32_t)r->cfg.nlanes) {
		remote_note(r, DPD_REMOTE_FAILED,
			    "remote %s:%d grants %u I/O queues, this data path needs %d (one per reactor): allow more "
			    "queues on the remote target or run fewer reactors",
			    r->cfg.address, r->cfg.port, (status & 0x7ff) ? 0 : granted, r->cfg.nlanes);
		return -1;
	}
	return 0;
}

int remote_connect(struct remote *r, struct hq **queues)
{
	uint16_t mqes = 0, cntlid = 0;
	r->aq = open_queue(r, 0, ADMIN_SLOTS, CONNECT_DATA_LEN + 4096);
	if (!r->aq)
		return -1;
	r->aq->incapsule_max = CONNECT_DATA_LEN; /* the Connect data always travels in-capsule */
	if (fabrics_connect(r, r->aq, 0, 31, &cntlid) < 0)
		goto fail;
	r->cntlid = cntlid;
	if (enable(r, &mqes) < 0 || remote_check_namespaces(r) < 0)
		goto fail;
	if (set_queue_count(r) < 0)
		goto fail;
	/* MQES is 0-based; a queue of N entries holds N - 1 commands. */
	r->ncmds = (uint16_t)DPD_MAX(DPD_MIN(mqes, IO_SLOTS_MAX), 1);
	for (int i = 0; i < r->cfg.nlanes; i++) {
		queues[i] = open_queue(r, (uint16_t)(i + 1), r->ncmds, r->io_max);
		if (!queues[i])
			goto fail;
		queues[i]->incapsule_max = CONNECT_DATA_LEN;
		if (fabrics_connect(r, queues[i], (uint16_t)(i + 1), r->ncmds, &cntlid) < 0)
			goto fail;
		queues[i]->incapsule_max = DPD_MIN(r->incapsule, r->io_max);
	}
	return 0;
fail:
	for (int i = 0; i < r->cfg.nlanes; i++)
		if (queues[i]) {
			remote_hq_free(queues[i]);
			queues[i] = NULL;
		}
	if (r->aq)
		remote_hq_free(r->aq);
	r->aq = NULL;
	return -1;
}

int remote_keep_alive(struct remote *r)
{
	uint8_t sqe[64] = { 0 };
	uint16_t status = 0;
	sqe[SQE_OPC] = NVME_ADM_KEEP_ALIVE;
	if (!r->aq || admin(r, r->aq, sqe, NULL, 0, HQ_NONE, &status, NULL, NULL, "Keep Alive") < 0)
		return -1;
	return (status & 0x7ff) ? -1 : 0;
}

/* Engine options a host can see: an engine started with a queue depth, an
 * in-capsule data size and a maximum transfer size that all differ from the
 * defaults (128 entries, 8 KiB, 128 KiB), checked the way an NVMe/TCP host
 * meets them - CAP.MQES and the I/O queue Connect limit, Identify Controller
 * MDTS and IOCCSZ, and the commands refused beyond them. Every check would
 * fail if the engine kept its default for that option. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/nvme_tcp.h"
#include "common/util.h"
#include "fixture.h"
#include "host/cmd.h"
#include "host/pdu.h"

#define SUBNQN "nqn.2024-01.dev.dpu:engine-options"
#define HOSTNQN "nqn.2014-08.org.nvmexpress:uuid:31313131-4242-5353-6464-757575757575"
#define QUEUE_DEPTH 64      /* default 128 */
#define IN_CAPSULE 4096     /* default 8192 */
#define MAX_TRANSFER 65536  /* default 131072 */
#define BLOCK 512
#define DNR 0x4000

static const struct fx_target TARGET = {
	.subnqn = SUBNQN, .hostnqn = HOSTNQN, .ram_bytes = 1 << 20, .block = BLOCK,
};

/* fx_engine_up with this file's options instead of the defaults. */
static dpd_engine *engine_up(int *port)
{
	dpd_options *o = NULL;
	dpd_engine *e = NULL;
	int rc = dpd_options_create(&o);
	rc |= dpd_options_set_int(o, "reactors", 1);
	rc |= dpd_options_set_int(o, "max_queue_depth", QUEUE_DEPTH);
	rc |= dpd_options_set_int(o, "in_capsule_bytes", IN_CAPSULE);
	rc |= dpd_options_set_int(o, "max_transfer_bytes", MAX_TRANSFER);
	if (rc == 0)
		rc = dpd_engine_create(o, &e);
	dpd_options_destroy(o);
	if (rc) {
		fprintf(stderr, "engine create failed: %s\n", dpd_last_error());
		return NULL;
	}
	rc = dpd_subsystem_add(e, TARGET.subnqn, NULL, NULL);
	rc |= dpd_host_allow(e, TARGET.subnqn, TARGET.hostnqn);
	rc |= dpd_ns_add_ram(e, TARGET.subnqn, 1, TARGET.ram_bytes, TARGET.block);
	rc |= dpd_engine_start(e);
	*port = dpd_listener_add(e, "127.0.0.1", 0);
	if (rc || *port <= 0) {
		fprintf(stderr, "engine setup failed: %s\n", dpd_last_error());
		dpd_engine_destroy(e);
		return NULL;
	}
	return e;
}

/* I/O queue qid of the admin queue's controller with sqsize + 1 entries.
 * Returns the Connect status (IATTR/IPO in c->dw0), or -1. */
static int io_connect(struct ini *q, int port, const struct ini *a, uint16_t qid, uint16_t sqsize, struct cqe *c)
{
	if (ini_tcp(q, port) < 0 || ini_icreq(q, 0, 0) < 0 ||
	    ini_connect(q, qid, sqsize, SUBNQN, HOSTNQN, a->cntlid, 0, c) < 0)
		return -1;
	q->qid = qid;
	return c->status;
}

/* The admin queue, one I/O queue granted and connected with the largest
 * queue the engine accepts (fx_host_up asks for 128 entries, above it).
 * 0, or -1 with the reason in a->err or q->err. */
static int host_up(int port, struct ini *a, struct ini *q)
{
	struct cqe c;
	q->fd = -1;
	if (ini_admin_up(a, port, 0, 0, SUBNQN, HOSTNQN, 0) < 0)
		return -1;
	if (fx_set_queues(a, 1, NULL) < 0) {
		snprintf(a->err, sizeof(a->err), "Set Features Number of Queues failed");
		return -1;
	}
	return io_connect(q, port, a, 1, QUEUE_DEPTH - 1, &c) == 0 ? 0 : -1;
}

static int identify_ctrl(struct ini *a, uint8_t id[4096])
{
	uint8_t sqe[64];
	struct cqe c;
	sqe_init(sqe, 0x06, 0);
	sqe[40] = 0x01; /* CNS: controller */
	return ini_cmd(a, sqe, NULL, 0, id, 4096, &c) == 0 && c.status == 0 ? 0 : -1;
}

static void test_cap_mqes_is_queue_depth_minus_one(void)
{
	int port;
	dpd_engine *e = engine_up(&port);
	REQUIRE(e != NULL);
	struct ini a;
	uint64_t cap = 0;
	int rc = ini_admin_up(&a, port, 0, 0, SUBNQN, HOSTNQN, 0);
	CHECK_MSG(rc == 0, "%s", a.err);
	if (rc == 0) {
		CHECK(ini_prop_get(&a, 0x00, 1, &cap) == 0); /* CAP, 8 bytes */
		CHECK_EQ_U64(cap & 0xFFFF, QUEUE_DEPTH - 1);  /* MQES is 0-based */
	}
	ini_close(&a);
	dpd_engine_destroy(e);
}

/* A host sizes its I/O queues from CAP.MQES: one entry more is refused
 * naming SQSIZE, exactly MQES + 1 entries is accepted. */
static void test_io_queue_connect_limited_to_queue_depth(void)
{
	int port;
	dpd_engine *e = engine_up(&port);
	REQUIRE(e != NULL);
	struct ini a, q;
	struct cqe c;
	q.fd = -1;
	int rc = ini_admin_up(&a, port, 0, 0, SUBNQN, HOSTNQN, 0);
	CHECK_MSG(rc == 0, "%s", a.err);
	if (rc == 0 && fx_set_queues(&a, 1, NULL) == 0) {
		rc = io_connect(&q, port, &a, 1, QUEUE_DEPTH, &c); /* QUEUE_DEPTH + 1 entries */
		CHECK_MSG(rc == (0x182 | DNR), "status 0x%x %s", rc, q.err); /* Connect Invalid Parameters */
		CHECK_MSG(c.dw0 == 44, "IATTR/IPO 0x%x, want the SQE's SQSIZE (byte 44)", c.dw0);
		ini_close(&q);
		rc = io_connect(&q, port, &a, 1, QUEUE_DEPTH - 1, &c);
		CHECK_MSG(rc == 0, "status 0x%x %s", rc, q.err);
	} else {
		CHECK_MSG(0, "admin queue or Set Features Number of Queues failed: %s", a.err);
	}
	ini_close(&q);
	ini_close(&a);
	dpd_engine_destroy(e);
}

/* MDTS counts in pages of CAP.MPSMIN as a power of two; IOCCSZ counts the
 * whole command capsule (64-byte SQE + in-capsule data) in 16-byte units,
 * which is how the Linux host derives the in-capsule data it may send. */
static void test_identify_reports_mdts_and_ioccsz(void)
{
	int port;
	dpd_engine *e = engine_up(&port);
	REQUIRE(e != NULL);
	struct ini a;
	uint64_t cap = 0;
	uint8_t *id = calloc(1, 4096);
	int rc = ini_admin_up(&a, port, 0, 0, SUBNQN, HOSTNQN, 0);
	CHECK_MSG(rc == 0, "%s", a.err);
	if (rc == 0 && ini_prop_get(&a, 0x00, 1, &cap) == 0 && identify_ctrl(&a, id) == 0) {
		uint64_t page = 4096ull << ((cap >> 48) & 0xF);
		CHECK_MSG(id[77] != 0, "MDTS 0 means no limit");
		CHECK_EQ_U64(page << id[77], MAX_TRANSFER);
		CHECK_EQ_U64(get_le32(id + 1792), (64 + IN_CAPSULE) / 16);
		CHECK_EQ_U64(get_le32(id + 1792) * 16 - 64, IN_CAPSULE);
		CHECK_EQ_U64(get_le16(id + 514), QUEUE_DEPTH); /* MAXCMD */
	} else {
		CHECK_MSG(0, "admin bring-up, CAP or Identify failed: %s", a.err);
	}
	free(id);
	ini_close(&a);
	dpd_engine_destroy(e);
}

/* A write of exactly MDTS moves its data; one block more is refused before
 * any data moves, with Invalid Field in Command (the status the Linux target
 * uses too); the same for a read. */
static void test_transfer_above_mdts_refused(void)
{
	int port;
	dpd_engine *e = engine_up(&port);
	REQUIRE(e != NULL);
	struct ini a, q;
	struct cqe c;
	uint8_t *buf = malloc(2 * MAX_TRANSFER), *back = malloc(2 * MAX_TRANSFER);
	memset(buf, 0xA5, 2 * MAX_TRANSFER);
	int rc = host_up(port, &a, &q);
	CHECK_MSG(rc == 0, "host bring-up: %s %s", a.err, q.err);
	if (rc == 0) {
		CHECK(ini_rw(&q, 1, 1, 0, MAX_TRANSFER / BLOCK, BLOCK, buf, &c) == 0);
		CHECK_MSG(c.status == 0, "write of MDTS bytes: status 0x%x", c.status);
		CHECK(ini_rw(&q, 0, 1, 0, MAX_TRANSFER / BLOCK, BLOCK, back, &c) == 0 && c.status == 0);
		CHECK(memcmp(buf, back, MAX_TRANSFER) == 0);
		CHECK(ini_rw(&q, 1, 1, 0, MAX_TRANSFER / BLOCK + 1, BLOCK, buf, &c) == 0);
		CHECK_MSG(c.status == (0x002 | DNR), "write above MDTS: status 0x%x", c.status);
		CHECK(ini_rw(&q, 1, 1, 0, 2 * MAX_TRANSFER / BLOCK, BLOCK, buf, &c) == 0);
		CHECK_MSG(c.status == (0x002 | DNR), "write of the default MDTS: status 0x%x", c.status);
		CHECK(ini_rw(&q, 0, 1, 0, 2 * MAX_TRANSFER / BLOCK, BLOCK, back, &c) == 0);
		CHECK_MSG(c.status == (0x002 | DNR), "read of the default MDTS: status 0x%x", c.status);
	}
	free(buf);
	free(back);
	ini_close(&q);
	ini_close(&a);
	dpd_engine_destroy(e);
}

/* A host keeping to IOCCSZ writes up to 4 KiB in-capsule and more through
 * R2T; a capsule carrying more data than IOCCSZ allows is a fatal transport
 * error: C2HTermReq "data transfer limit exceeded" pointing at PLEN. */
static void test_in_capsule_data_limited_to_option(void)
{
	int port;
	dpd_engine *e = engine_up(&port);
	REQUIRE(e != NULL);
	struct ini a, q;
	struct cqe c;
	uint8_t buf[2 * IN_CAPSULE];
	memset(buf, 0x3C, sizeof(buf));
	int rc = host_up(port, &a, &q);
	CHECK_MSG(rc == 0, "host bring-up: %s %s", a.err, q.err);
	if (rc == 0) {
		q.incapsule_max = IN_CAPSULE;
		CHECK(ini_rw(&q, 1, 1, 0, IN_CAPSULE / BLOCK, BLOCK, buf, &c) == 0 && c.status == 0);
		CHECK(ini_rw(&q, 1, 1, 0, 2 * IN_CAPSULE / BLOCK, BLOCK, buf, &c) == 0 && c.status == 0);
		/* The default in-capsule size, sent in-capsule anyway. */
		uint8_t sqe[64];
		host_sqe_rw(sqe, 1, 1, 0, 2 * IN_CAPSULE / BLOCK);
		host_sqe_sgl(sqe, 2 * IN_CAPSULE, 1);
		struct pdu_digests dg = { 0 };
		uint8_t hdr[PDU_CMD_HLEN + PDU_DGST_LEN];
		size_t hl = host_build_capsule(hdr, &dg, sqe, 2 * IN_CAPSULE);
		CHECK(ini_send(&q, hdr, hl) == 0 && ini_send(&q, buf, sizeof(buf)) == 0);
		uint32_t fei = 0;
		int fes = ini_expect_term(&q, &fei);
		CHECK_MSG(fes == FES_DATA_LIMIT_EXCEEDED, "FES %d (%s)", fes, q.err);
		CHECK_MSG(fei == CH_PLEN, "FEI %u, want PLEN's offset", fei);
		CHECK(ini_expect_eof(&q));
	}
	ini_close(&q);
	ini_close(&a);
	dpd_engine_destroy(e);
}

int main(void)
{
	dpd_log_set_level(getenv("DPD_DEBUG") ? DPD_LOG_DEBUG : DPD_LOG_ERROR);
	RUN(test_cap_mqes_is_queue_depth_minus_one);
	RUN(test_io_queue_connect_limited_to_queue_depth);
	RUN(test_identify_reports_mdts_and_ioccsz);
	RUN(test_transfer_above_mdts_refused);
	RUN(test_in_capsule_data_limited_to_option);
	TEST_EXIT();
}

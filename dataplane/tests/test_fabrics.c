/* Fabrics Connect limits as a host sees them: how large an admin queue a host
 * may ask for (and keep full), what is refused and how, and that the discovery
 * log page advertises the same admin queue size. A real engine over loopback
 * TCP, driven by the test initiator. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "common/util.h"
#include "fixture.h"

#define SUBNQN "nqn.2024-01.dev.dpu:fabrics"
#define HOSTNQN "nqn.2014-08.org.nvmexpress:uuid:12121212-3434-5656-7878-909090909090"
#define DISCNQN "nqn.2014-08.org.nvmexpress.discovery"
#define ADMIN_ENTRIES 128 /* what SPDK's host asks for under abort load; SPDK's target limit */

static const struct fx_target TARGET = {
	.subnqn = SUBNQN, .hostnqn = HOSTNQN, .ram_bytes = 1 << 20, .block = 512,
};

/* Connect (admin), Property Set CC.EN, wait for CSTS.RDY with an admin queue of
 * `entries` entries (SQSIZE = entries - 1). Returns the Connect status. */
static int admin_connect(struct ini *q, int port, uint16_t entries, struct cqe *c)
{
	if (ini_tcp(q, port) < 0 || ini_icreq(q, 0, 0) < 0)
		return -1;
	if (ini_connect(q, 0, (uint16_t)(entries - 1), SUBNQN, HOSTNQN, 0xFFFF, 0, c) < 0)
		return -1;
	return c->status;
}

/* A host that keeps its whole admin queue busy: 127 Keep Alive commands sent
 * back to back before reading any response (a queue of N entries holds N - 1). */
static void test_admin_queue_of_128_entries_connects_and_fills(void)
{
	int port;
	dpd_engine *e = fx_engine_up(&TARGET, &port);
	REQUIRE(e != NULL);
	struct ini a;
	struct cqe c;
	CHECK_MSG(admin_connect(&a, port, ADMIN_ENTRIES, &c) == 0, "status 0x%x %s", c.status, a.err);
	uint64_t v = 0;
	CHECK(ini_prop_set(&a, 0x14, 0x00460001) == 0);
	for (int i = 0; i < 100 && !(v & 1); i++) {
		CHECK(ini_prop_get(&a, 0x1C, 0, &v) == 0);
		usleep(10000);
	}
	CHECK(v & 1);
	const int n = ADMIN_ENTRIES - 1;
	for (int i = 0; i < n; i++) {
		uint8_t pdu[8 + 64] = { 0x04, 0, 72, 0, 72, 0, 0, 0 };
		pdu[8] = 0x18; /* Keep Alive */
		put_le16(pdu + 8 + 2, (uint16_t)(1000 + i));
		CHECK(ini_send(&a, pdu, sizeof(pdu)) == 0);
	}
	int ok = 0;
	for (int i = 0; i < n; i++) {
		uint8_t hdr[140], data[256];
		int t = ini_recv_pdu(&a, hdr, data, sizeof(data), NULL);
		if (t != 0x05)
			break;
		uint16_t cid = get_le16(hdr + 8 + 12), status = get_le16(hdr + 8 + 14) >> 1;
		ok += cid >= 1000 && cid < 1000 + n && status == 0;
	}
	CHECK_MSG(ok == n, "%d of %d Keep Alive commands completed successfully (%s)", ok, n, a.err);
	ini_close(&a);
	dpd_engine_destroy(e);
}

static void test_admin_queue_of_129_entries_refused_naming_sqsize(void)
{
	int port;
	dpd_engine *e = fx_engine_up(&TARGET, &port);
	REQUIRE(e != NULL);
	struct ini a;
	struct cqe c;
	CHECK(admin_connect(&a, port, ADMIN_ENTRIES + 1, &c) >= 0);
	CHECK_MSG(c.status == (0x182 | 0x4000), "status 0x%x", c.status); /* Connect Invalid Parameters, DNR */
	CHECK_MSG(c.dw0 == 44, "IATTR/IPO 0x%x, want the SQE's SQSIZE (byte 44)", c.dw0);
	ini_close(&a);
	/* SQSIZE 0 (a one-entry queue) is as invalid as for I/O queues. */
	CHECK(admin_connect(&a, port, 1, &c) >= 0 && c.status == (0x182 | 0x4000) && c.dw0 == 44);
	ini_close(&a);
	CHECK(admin_connect(&a, port, 2, &c) == 0);
	ini_close(&a);
	dpd_engine_destroy(e);
}

static void test_discovery_log_advertises_admin_queue_size(void)
{
	int port;
	dpd_engine *e = fx_engine_up(&TARGET, &port);
	REQUIRE(e != NULL);
	struct ini a;
	struct cqe c;
	uint8_t *log = calloc(1, 4096), sqe[64];
	int rc = ini_admin_up(&a, port, 0, 0, DISCNQN, HOSTNQN, 0);
	CHECK_MSG(rc == 0, "%s", a.err);
	if (rc == 0) {
		sqe_init(sqe, 0x02, 0);
		put_le32(sqe + 40, 0x70 | ((4096 / 4 - 1) << 16));
		CHECK(ini_cmd(&a, sqe, NULL, 0, log, 4096, &c) == 0 && c.status == 0);
		CHECK(get_le64(log + 8) == 1);
		CHECK_MSG(get_le16(log + 1024 + 8) == ADMIN_ENTRIES, "ASQSZ %u", get_le16(log + 1024 + 8));
	}
	free(log);
	ini_close(&a);
	dpd_engine_destroy(e);
}

int main(void)
{
	dpd_log_set_level(getenv("DPD_DEBUG") ? DPD_LOG_DEBUG : DPD_LOG_ERROR);
	RUN(test_admin_queue_of_128_entries_connects_and_fills);
	RUN(test_admin_queue_of_129_entries_refused_naming_sqsize);
	RUN(test_discovery_log_advertises_admin_queue_size);
	TEST_EXIT();
}

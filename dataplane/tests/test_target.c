/* End-to-end tests of the target in-process: a real engine with real
 * reactors, io_uring and loopback TCP, driven by the test initiator the
 * way the Linux host drives it. Covers the admin and I/O queue state
 * machines, data transfer both ways (in-capsule, R2T/H2CData, C2HData),
 * digests, the allow-list, discovery, keep-alive and graceful stop. */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "common/crc32c.h"
#include "common/util.h"
#include "fixture.h"

#define SUBNQN "nqn.2024-01.dev.dpu:test"
#define OTHERNQN "nqn.2024-01.dev.dpu:other"
#define HOSTNQN "nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555"
#define BADHOST "nqn.2014-08.org.nvmexpress:uuid:99999999-2222-3333-4444-555555555555"

static char g_file[64];

/* SUBNQN: RAM namespace 1, file namespace 2 (g_file); OTHERNQN allows nobody. */
static int more_setup(dpd_engine *e)
{
	fx_image_path(g_file, sizeof(g_file), "/tmp", "test");
	int rc = dpd_ns_add_file(e, SUBNQN, 2, g_file, 16ull << 20, 4096);
	rc |= dpd_subsystem_add(e, OTHERNQN, NULL, NULL);
	return rc | dpd_ns_add_ram(e, OTHERNQN, 1, 1 << 20, 512);
}

static const struct fx_target TARGET = {
	.reactors = 2, .subnqn = SUBNQN, .serial = "SN-TEST-1", .hostnqn = HOSTNQN,
	.ram_bytes = 64ull << 20, .block = 512, .more = more_setup,
};

static dpd_engine *engine_up(int *port)
{
	return fx_engine_up(&TARGET, port);
}

static void engine_down(dpd_engine *e)
{
	dpd_engine_destroy(e);
	unlink(g_file);
}

static uint64_t stat_ns(dpd_engine *e, const char *nqn, uint32_t nsid, int id)
{
	dpd_stats *s;
	uint64_t v = (uint64_t)-1;
	if (dpd_stats_snapshot(e, &s) < 0)
		return v;
	for (int i = 0; i < dpd_stats_ns_count(s); i++)
		if (strcmp(dpd_stats_ns_subsystem(s, i), nqn) == 0 && dpd_stats_ns_nsid(s, i) == nsid)
			v = dpd_stats_ns(s, i, id);
	dpd_stats_destroy(s);
	return v;
}

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

static int identify(struct ini *a, uint8_t cns, uint32_t nsid, uint8_t *out, struct cqe *c)
{
	uint8_t sqe[64];
	sqe_init(sqe, 0x06, nsid);
	sqe[40] = cns;
	return ini_cmd(a, sqe, NULL, 0, out, 4096, c);
}

/* The whole host bring-up plus mixed I/O on two queues, with and without
 * digests: what the kernel does on `nvme connect` and then dd/cmp. */
static void io_session(int hd, int dd)
{
	int port;
	dpd_engine *e = engine_up(&port);
	REQUIRE(e != NULL);
	struct ini a, q1, q2;
	struct cqe c;
	uint8_t id[4096];
	int rc = ini_admin_up(&a, port, hd, dd, SUBNQN, HOSTNQN, 5000);
	CHECK_MSG(rc == 0, "%s", a.err);
	if (rc)
		goto out;

	CHECK(identify(&a, 0x01, 0, id, &c) == 0 && c.status == 0);
	CHECK(get_le16(id + 78) == a.cntlid);        /* CNTLID matches Connect */
	CHECK(strcmp((char *)id + 768, SUBNQN) == 0); /* SUBNQN */
	CHECK(get_le16(id + 320) != 0);               /* KAS */
	CHECK((get_le32(id + 536) & 3) != 0);         /* SGLS */
	CHECK(get_le16(id + 514) != 0);               /* MAXCMD */
	CHECK(get_le32(id + 1792) >= 4 && get_le32(id + 1796) >= 1);
	CHECK(get_le16(id + 1800) == 0);              /* ICDOFF */
	CHECK(id[77] == 5);                           /* MDTS 128 KiB */
	CHECK(memcmp(id + 4, "SN-TEST-1 ", 10) == 0);
	CHECK(get_le32(id + 516) >= 2);               /* NN */

	uint32_t granted = 0;
	CHECK(fx_set_queues(&a, 2, &granted) == 0 && granted == 0x00010001);

	/* Namespace scan exactly as the host does it: list, descriptors, ns. */
	CHECK(identify(&a, 0x02, 0, id, &c) == 0 && c.status == 0);
	CHECK(get_le32(id) == 1 && get_le32(id + 4) == 2 && get_le32(id + 8) == 0);
	CHECK(identify(&a, 0x03, 1, id, &c) == 0 && c.status == 0);
	CHECK(id[0] == 2 && id[1] == 16 && id[20] == 3 && id[21] == 16);
	CHECK(identify(&a, 0x00, 1, id, &c) == 0 && c.status == 0);
	CHECK(get_le64(id) == (64ull << 20) / 512 && id[130] == 9);
	CHECK(identify(&a, 0x00, 2, id, &c) == 0 && c.status == 0);
	CHECK(get_le64(id) == (16ull << 20) / 4096 && id[130] == 12);
	CHECK(identify(&a, 0x00, 7, id, &c) == 0 && c.status == (0x00B | 0x4000));

	rc = ini_io_up(&q1, port, hd, dd, SUBNQN, HOSTNQN, a.cntlid, 1);
	CHECK_MSG(rc == 0, "q1: %s", q1.err);
	rc |= ini_io_up(&q2, port, hd, dd, SUBNQN, HOSTNQN, a.cntlid, 2);
	CHECK_MSG(rc == 0, "q2: %s", q2.err);
	if (rc)
		goto out_a;

	/* Mixed sizes: in-capsule (<= 8 KiB) and R2T (larger), on both queues,
	 * both namespaces; then read everything back and compare. */
	static const uint32_t sizes[] = { 512, 4096, 8192, 12288, 65536, 131072, 1024, 16384 };
	uint8_t *w = malloc(1 << 17), *r = malloc(1 << 17);
	uint64_t lba512 = 0, lba4k = 0;
	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < DPD_ARRAY_SIZE(sizes); i++) {
			struct ini *q = (i & 1) ? &q2 : &q1;
			uint32_t nsid = (sizes[i] % 4096 == 0 && (i & 2)) ? 2 : 1;
			uint32_t bs = nsid == 2 ? 4096 : 512;
			uint64_t *lba = nsid == 2 ? &lba4k : &lba512;
			uint32_t nlb = sizes[i] / bs;
			fill(w, sizes[i], (uint32_t)(i * 7 + 1 + round * 100));
			rc = ini_rw(q, 1, nsid, *lba, nlb, bs, w, &c);
			CHECK_MSG(rc == 0 && c.status == 0, "write %u: %s status 0x%x", sizes[i], q->err, c.status);
			memset(r, 0, sizes[i]);
			rc = ini_rw(round ? &q1 : &q2, 0, nsid, *lba, nlb, bs, r, &c);
			CHECK_MSG(rc == 0 && c.status == 0, "read %u: status 0x%x", sizes[i], c.status);
			CHECK_MSG(memcmp(w, r, sizes[i]) == 0, "data mismatch at size %u nsid %u", sizes[i], nsid);
			*lba += nlb;
		}
	}
	/* Flush on the file namespace goes to the backend. */
	uint8_t sqe[64];
	sqe_init(sqe, 0x00, 2);
	CHECK(ini_cmd(&q1, sqe, NULL, 0, NULL, 0, &c) == 0 && c.status == 0);
	CHECK(stat_ns(e, SUBNQN, 2, DPD_STAT_NS_FLUSH_OPS) == 1);

	/* Write Zeroes and Deallocate read back as zeroes. */
	fill(w, 8192, 99);
	CHECK(ini_rw(&q1, 1, 1, 1000, 16, 512, w, &c) == 0 && c.status == 0);
	sqe_init(sqe, 0x08, 1);
	put_le64(sqe + 40, 1000);
	put_le16(sqe + 48, 7);
	CHECK(ini_cmd(&q1, sqe, NULL, 0, NULL, 0, &c) == 0 && c.status == 0);
	CHECK(ini_rw(&q2, 0, 1, 1000, 16, 512, r, &c) == 0 && c.status == 0);
	uint8_t zero[4096] = { 0 };
	CHECK(memcmp(r, zero, 4096) == 0 && memcmp(r + 4096, w + 4096, 4096) == 0);
	uint8_t range[16] = { 0 };
	put_le32(range + 4, 8);
	put_le64(range + 8, 1008);
	sqe_init(sqe, 0x09, 1);
	put_le32(sqe + 44, 1u << 2);
	CHECK(ini_cmd(&q2, sqe, range, 16, NULL, 0, &c) == 0 && c.status == 0);
	CHECK(ini_rw(&q1, 0, 1, 1000, 16, 512, r, &c) == 0 && c.status == 0);
	CHECK(memcmp(r + 4096, zero, 4096) == 0);

	/* Keep Alive and the SMART log work on the admin queue. */
	sqe_init(sqe, 0x18, 0);
	CHECK(ini_cmd(&a, sqe, NULL, 0, NULL, 0, &c) == 0 && c.status == 0);
	sqe_init(sqe, 0x02, 0xFFFFFFFF);
	put_le32(sqe + 40, 0x02 | ((512 / 4 - 1) << 16));
	CHECK(ini_cmd(&a, sqe, NULL, 0, id, 512, &c) == 0 && c.status == 0);
	CHECK(get_le64(id + 80) > 0); /* host write commands */

	CHECK(stat_ns(e, SUBNQN, 1, DPD_STAT_NS_WRITE_OPS) >= 10);
	CHECK(stat_ns(e, SUBNQN, 1, DPD_STAT_NS_READ_BYTES) > 0);
	CHECK(fx_stat_engine(e, DPD_STAT_CONTROLLERS_ACTIVE) == 1);
	CHECK(fx_stat_engine(e, DPD_STAT_CONNECTIONS_ACTIVE) == 3);
	free(w);
	free(r);
	ini_close(&q1);
	ini_close(&q2);
out_a:
	ini_close(&a);
out:
	engine_down(e);
}

static void test_io_no_digests(void) { io_session(0, 0); }
static void test_io_header_and_data_digests(void) { io_session(1, 1); }
static void test_io_header_digest_only(void) { io_session(1, 0); }

/* What the host sees for a host NQN that is not on the allow-list, and the
 * log line an operator sees. */
static void test_allow_list_refuses_unknown_host(void)
{
	int port;
	dpd_engine *e = engine_up(&port);
	REQUIRE(e != NULL);
	fx_log_capture();
	struct ini a;
	struct cqe c;
	CHECK(ini_tcp(&a, port) == 0 && ini_icreq(&a, 0, 0) == 0);
	CHECK(ini_connect(&a, 0, 31, SUBNQN, BADHOST, 0xFFFF, 5000, &c) == 0);
	CHECK(c.status == (0x184 | 0x4000));           /* Connect Invalid Host, DNR */
	CHECK(c.dw0 == ((1u << 16) | 512));            /* IATTR data, IPO hostnqn */
	CHECK(fx_log_has(BADHOST) && fx_log_has("not allowed on subsystem " SUBNQN));
	ini_close(&a);

	/* Unknown subsystem: Connect Invalid Parameters on subnqn. */
	CHECK(ini_tcp(&a, port) == 0 && ini_icreq(&a, 0, 0) == 0);
	CHECK(ini_connect(&a, 0, 31, "nqn.2024-01.dev.dpu:nope", HOSTNQN, 0xFFFF, 5000, &c) == 0);
	CHECK(c.status == (0x182 | 0x4000) && c.dw0 == ((1u << 16) | 256));
	ini_close(&a);

	/* Allowing it live makes the same Connect work; disallowing drops it. */
	CHECK(dpd_host_allow(e, SUBNQN, BADHOST) == 0);
	CHECK(ini_admin_up(&a, port, 0, 0, SUBNQN, BADHOST, 5000) == 0);
	CHECK(dpd_host_disallow(e, SUBNQN, BADHOST) == 0);
	CHECK(ini_expect_eof(&a));
	ini_close(&a);
	CHECK(fx_stat_engine(e, DPD_STAT_CONNECT_REFUSED) == 2);
	fx_log_release();
	engine_down(e);
}

static void test_discovery_lists_allowed_subsystems(void)
{
	int port;
	dpd_engine *e = engine_up(&port);
	REQUIRE(e != NULL);
	struct ini a;
	struct cqe c;
	uint8_t *log = calloc(1, 8192), sqe[64];
	int rc = ini_admin_up(&a, port, 0, 0, "nqn.2014-08.org.nvmexpress.discovery", HOSTNQN, 0);
	CHECK_MSG(rc == 0, "%s", a.err);
	if (rc == 0) {
		uint8_t id[4096];
		CHECK(identify(&a, 0x01, 0, id, &c) == 0 && c.status == 0 && id[111] == 2);
		sqe_init(sqe, 0x02, 0);
		put_le32(sqe + 40, 0x70 | ((8192 / 4 - 1) << 16));
		CHECK(ini_cmd(&a, sqe, NULL, 0, log, 8192, &c) == 0 && c.status == 0);
		/* Only SUBNQN allows HOSTNQN; OTHERNQN allows nobody. */
		CHECK(get_le64(log + 8) == 1);
		CHECK(log[1024] == 3 && log[1024 + 1] == 1 && log[1024 + 2] == 2);
		CHECK(strcmp((char *)log + 1024 + 256, SUBNQN) == 0);
		CHECK(strcmp((char *)log + 1024 + 512, "127.0.0.1") == 0);
		CHECK(atoi((char *)log + 1024 + 32) == port);
		/* After allow-any on the other subsystem the log grows. */
		CHECK(dpd_subsystem_allow_any_host(e, OTHERNQN, 1) == 0);
		CHECK(ini_cmd(&a, sqe, NULL, 0, log, 8192, &c) == 0 && c.status == 0);
		CHECK(get_le64(log + 8) == 2);
		/* A discovery controller has no I/O queues. */
		struct ini q;
		CHECK(ini_tcp(&q, port) == 0 && ini_icreq(&q, 0, 0) == 0);
		CHECK(ini_connect(&q, 1, 31, "nqn.2014-08.org.nvmexpress.discovery", HOSTNQN, a.cntlid, 0, &c) == 0);
		CHECK((c.status & 0xFFF) == 0x182);
		ini_close(&q);
	}
	free(log);
	ini_close(&a);
	engine_down(e);
}

/* Keep-alive: a controller whose host goes quiet is torn down. */
static void test_keep_alive_timeout_enforced(void)
{
	int port;
	dpd_engine *e = engine_up(&port);
	REQUIRE(e != NULL);
	struct ini a, q;
	CHECK(fx_host_up(&TARGET, port, 0, 0, 300, &a, &q) == 0);
	/* No keep-alive for > 300 ms: both the admin and the I/O queue go. */
	CHECK_MSG(ini_expect_eof(&a), "%s", a.err);
	CHECK_MSG(ini_expect_eof(&q), "%s", q.err);
	CHECK(fx_stat_engine(e, DPD_STAT_KATO_EXPIRED) == 1);
	ini_close(&a);
	ini_close(&q);
	engine_down(e);
}

/* A host that keeps sending Keep Alive stays connected past the timeout. */
static void test_keep_alive_honoured(void)
{
	int port;
	dpd_engine *e = engine_up(&port);
	REQUIRE(e != NULL);
	struct ini a;
	struct cqe c;
	uint8_t sqe[64];
	CHECK(ini_admin_up(&a, port, 0, 0, SUBNQN, HOSTNQN, 400) == 0);
	for (int i = 0; i < 8; i++) {
		nanosleep(&(struct timespec){ .tv_nsec = 100000000 }, NULL);
		sqe_init(sqe, 0x18, 0);
		CHECK(ini_cmd(&a, sqe, NULL, 0, NULL, 0, &c) == 0 && c.status == 0);
	}
	CHECK(fx_stat_engine(e, DPD_STAT_KATO_EXPIRED) == 0);
	ini_close(&a);
	engine_down(e);
}

/* I/O on any queue shows the host is alive: a host busy with I/O whose Keep Alive is
 * late (a loaded host) keeps its controller, as with the kernel's own target. */
static void test_io_traffic_keeps_controller_alive(void)
{
	int port;
	dpd_engine *e = engine_up(&port);
	REQUIRE(e != NULL);
	struct ini a, q;
	struct cqe c;
	uint8_t *buf = malloc(4096), sqe[64];
	CHECK(fx_host_up(&TARGET, port, 0, 0, 300, &a, &q) == 0);
	/* 1.5 s of reads every 100 ms and no Keep Alive: five times the 300 ms KATO. */
	for (int i = 0; i < 15; i++) {
		nanosleep(&(struct timespec){ .tv_nsec = 100000000 }, NULL);
		CHECK(ini_rw(&q, 0, 1, (uint64_t)i, 8, 512, buf, &c) == 0 && c.status == 0);
	}
	CHECK(fx_stat_engine(e, DPD_STAT_KATO_EXPIRED) == 0);
	sqe_init(sqe, 0x18, 0);
	CHECK(ini_cmd(&a, sqe, NULL, 0, NULL, 0, &c) == 0 && c.status == 0);
	free(buf);
	ini_close(&a);
	ini_close(&q);
	engine_down(e);
}

/* Graceful stop flushes: data acknowledged by the file namespace is in the
 * file afterwards (read back with plain pread, not through the target). */
static void test_file_backend_durable_after_flush_and_stop(void)
{
	int port;
	dpd_engine *e = engine_up(&port);
	REQUIRE(e != NULL);
	struct ini a, q;
	struct cqe c;
	uint8_t *w = malloc(65536), *r = malloc(65536), sqe[64];
	CHECK(fx_host_up(&TARGET, port, 1, 1, 5000, &a, &q) == 0);
	fill(w, 65536, 4242);
	CHECK(ini_rw(&q, 1, 2, 100, 16, 4096, w, &c) == 0 && c.status == 0);
	sqe_init(sqe, 0x00, 2);
	CHECK(ini_cmd(&q, sqe, NULL, 0, NULL, 0, &c) == 0 && c.status == 0);
	int fd = open(g_file, O_RDONLY);
	CHECK(fd >= 0 && pread(fd, r, 65536, 100 * 4096) == 65536 && memcmp(w, r, 65536) == 0);
	/* Out-of-range LBA on the file namespace is refused, nothing written. */
	CHECK(ini_rw(&q, 1, 2, 4095, 2, 4096, w, &c) == 0 && c.status == (0x080 | 0x4000));
	CHECK(dpd_engine_stop(e, 2000) == 0);
	CHECK(ini_expect_eof(&q));
	CHECK(fd >= 0 && pread(fd, r, 65536, 100 * 4096) == 65536 && memcmp(w, r, 65536) == 0);
	if (fd >= 0)
		close(fd);
	struct stat st;
	CHECK(stat(g_file, &st) == 0 && st.st_size == 16 << 20);
	free(w);
	free(r);
	ini_close(&a);
	ini_close(&q);
	engine_down(e);
}

/* Removing a namespace live: I/O to it fails with Invalid Namespace, an
 * armed controller gets a namespace-changed notice and the changed list. */
static void test_namespace_hot_remove_notifies(void)
{
	int port;
	dpd_engine *e = engine_up(&port);
	REQUIRE(e != NULL);
	struct ini a, q;
	struct cqe c;
	uint8_t sqe[64], buf[4096];
	uint32_t g;
	CHECK(ini_admin_up(&a, port, 0, 0, SUBNQN, HOSTNQN, 5000) == 0);
	CHECK(fx_set_queues(&a, 1, &g) == 0);
	sqe_init(sqe, 0x09, 0);
	sqe[40] = 0x0B;
	put_le32(sqe + 44, 1u << 8);
	CHECK(ini_cmd(&a, sqe, NULL, 0, NULL, 0, &c) == 0 && c.status == 0);
	CHECK(ini_io_up(&q, port, 0, 0, SUBNQN, HOSTNQN, a.cntlid, 1) == 0);
	/* Park an AER (no response yet), then remove namespace 2. */
	sqe_init(sqe, 0x0C, 0);
	put_le16(sqe + 2, 900);
	uint8_t pdu[72] = { 0x04, 0, 72, 0 };
	put_le32(pdu + 4, 72);
	memcpy(pdu + 8, sqe, 64);
	CHECK(ini_send(&a, pdu, 72) == 0);
	CHECK(dpd_ns_remove(e, SUBNQN, 2) == 0);
	uint8_t hdr[140];
	uint32_t dl;
	CHECK(ini_recv_pdu(&a, hdr, buf, sizeof(buf), &dl) == 0x05);
	CHECK(get_le16(hdr + 20) == 900 && get_le32(hdr + 8) == ((0x04u << 16) | 0x02));
	sqe_init(sqe, 0x02, 0xFFFFFFFF);
	put_le32(sqe + 40, 0x04 | ((4096 / 4 - 1) << 16));
	CHECK(ini_cmd(&a, sqe, NULL, 0, buf, 4096, &c) == 0 && c.status == 0);
	CHECK(get_le32(buf) == 2 && get_le32(buf + 4) == 0);
	CHECK(ini_rw(&q, 0, 2, 0, 1, 4096, buf, &c) == 0 && c.status == (0x00B | 0x4000));
	CHECK(ini_rw(&q, 0, 1, 0, 8, 512, buf, &c) == 0 && c.status == 0);
	ini_close(&a);
	ini_close(&q);
	engine_down(e);
}

/* Disconnect and reconnect (what the e2e does) gets a fresh controller. */
static void test_reconnect(void)
{
	int port;
	dpd_engine *e = engine_up(&port);
	REQUIRE(e != NULL);
	uint16_t first = 0;
	for (int i = 0; i < 3; i++) {
		struct ini a, q;
		struct cqe c;
		uint8_t buf[512];
		CHECK(fx_host_up(&TARGET, port, 1, 1, 5000, &a, &q) == 0);
		CHECK(ini_rw(&q, 0, 1, 0, 1, 512, buf, &c) == 0 && c.status == 0);
		if (i == 0)
			first = a.cntlid;
		else
			CHECK(a.cntlid != first);
		/* Orderly shutdown as the host does on disconnect. */
		uint64_t v = 0;
		CHECK(ini_prop_set(&a, 0x14, 0x00464001) == 0);
		CHECK(ini_prop_get(&a, 0x1C, 0, &v) == 0 && (v & 0xC) == 0x8);
		ini_close(&q);
		ini_close(&a);
	}
	for (int i = 0; i < 100 && fx_stat_engine(e, DPD_STAT_CONNECTIONS_ACTIVE) != 0; i++)
		nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
	CHECK(fx_stat_engine(e, DPD_STAT_CONNECTIONS_ACTIVE) == 0);
	CHECK(fx_stat_engine(e, DPD_STAT_CONTROLLERS_ACTIVE) == 0);
	engine_down(e);
}

/* A host keeps many commands in flight (as the kernel does): 96 reads of
 * 128 KiB sent back to back on one queue, far more than the socket buffers
 * hold, so responses queue up and go out as the socket drains. Every
 * command completes exactly once with the right data. */
static void test_pipelined_reads_fill_the_socket(void)
{
	int port;
	dpd_engine *e = engine_up(&port);
	REQUIRE(e != NULL);
	struct ini a, q;
	struct cqe c;
	enum { N = 96, LEN = 131072 };
	uint8_t *img = malloc((size_t)N * LEN), *buf = malloc(LEN + 64);
	CHECK(fx_host_up(&TARGET, port, 1, 1, 5000, &a, &q) == 0);
	fill(img, (size_t)N * LEN, 777);
	for (int i = 0; i < N; i++)
		CHECK(ini_rw(&q, 1, 2, (uint64_t)i * (LEN / 4096), LEN / 4096, 4096, img + (size_t)i * LEN, &c) == 0 &&
		      c.status == 0);
	for (int i = 0; i < N; i++) {
		uint8_t sqe[64], pdu[76 + 0];
		sqe_init(sqe, 0x02, 2);
		put_le16(sqe + 2, (uint16_t)(5000 + i));
		put_le64(sqe + 40, (uint64_t)i * (LEN / 4096));
		put_le16(sqe + 48, LEN / 4096 - 1);
		put_le32(sqe + 24 + 8, LEN);
		memset(pdu, 0, sizeof(pdu));
		pdu[0] = 0x04;
		pdu[1] = 0x01;
		pdu[2] = 72;
		put_le32(pdu + 4, 76);
		memcpy(pdu + 8, sqe, 64);
		put_le32(pdu + 72, crc32c(pdu, 72));
		CHECK(ini_send(&q, pdu, sizeof(pdu)) == 0);
	}
	int done[N] = { 0 }, got_data[N] = { 0 }, bad = 0;
	uint8_t hdr[140];
	uint32_t dl;
	for (int n = 0; n < 2 * N && !bad; n++) {
		int t = ini_recv_pdu(&q, hdr, buf, LEN + 64, &dl);
		int i = (int)get_le16(hdr + (t == 0x05 ? 20 : 8)) - 5000;
		if (t < 0 || i < 0 || i >= N) {
			bad = 1;
			break;
		}
		if (t == 0x07) {
			got_data[i]++;
			if (dl != LEN || memcmp(buf, img + (size_t)i * LEN, LEN) != 0)
				bad = 2;
		} else if (t == 0x05) {
			done[i]++;
			if ((get_le16(hdr + 22) >> 1) != 0 || got_data[i] != 1)
				bad = 3;
		} else {
			bad = 4;
		}
	}
	CHECK_MSG(!bad, "bad %d: %s", bad, q.err);
	for (int i = 0; i < N; i++)
		CHECK(done[i] == 1 && got_data[i] == 1);
	free(img);
	free(buf);
	ini_close(&q);
	ini_close(&a);
	engine_down(e);
}

/* A namespace added while a host is connected, on tmpfs (no ZERO_RANGE;
 * no O_DIRECT before Linux 6.6): it shows up in the active list and serves
 * I/O, zeroing through the fallbacks. */
static void test_hot_add_namespace_on_tmpfs(void)
{
	int port;
	dpd_engine *e = engine_up(&port);
	REQUIRE(e != NULL);
	char path[64];
	fx_image_path(path, sizeof(path), "/dev/shm", "test");
	struct ini a, q;
	struct cqe c;
	uint8_t id[4096], w[16384], r[16384], sqe[64];
	CHECK(fx_host_up(&TARGET, port, 0, 1, 5000, &a, &q) == 0);
	fx_log_capture();
	dpd_log_set_level(DPD_LOG_INFO);
	CHECK(dpd_ns_add_file(e, SUBNQN, 3, path, 1 << 20, 512) == 0);
	dpd_log_set_level(DPD_LOG_WARN);
	fx_log_release();
	/* tmpfs takes O_DIRECT on recent kernels only; either way it is logged. */
	CHECK(fx_log_has(path) && (fx_log_has("(buffered)") || fx_log_has("(O_DIRECT)")));
	CHECK(identify(&a, 0x02, 0, id, &c) == 0 && c.status == 0);
	CHECK(get_le32(id) == 1 && get_le32(id + 4) == 2 && get_le32(id + 8) == 3);
	fill(w, sizeof(w), 31337);
	CHECK(ini_rw(&q, 1, 3, 2000, 32, 512, w, &c) == 0 && c.status == 0);
	CHECK(ini_rw(&q, 0, 3, 2000, 32, 512, r, &c) == 0 && c.status == 0 && memcmp(w, r, sizeof(w)) == 0);
	sqe_init(sqe, 0x08, 3);
	put_le64(sqe + 40, 2008);
	put_le16(sqe + 48, 7);
	CHECK(ini_cmd(&q, sqe, NULL, 0, NULL, 0, &c) == 0 && c.status == 0);
	CHECK(ini_rw(&q, 0, 3, 2000, 32, 512, r, &c) == 0 && c.status == 0);
	uint8_t zero[4096] = { 0 };
	CHECK(memcmp(r, w, 4096) == 0 && memcmp(r + 4096, zero, 4096) == 0 && memcmp(r + 8192, w + 8192, 8192) == 0);
	sqe_init(sqe, 0x00, 3);
	CHECK(ini_cmd(&q, sqe, NULL, 0, NULL, 0, &c) == 0 && c.status == 0);
	ini_close(&q);
	ini_close(&a);
	engine_down(e);
	unlink(path);
}

/* Without io_uring (a seccomp profile may forbid it) file namespaces still
 * work, through blocking calls; a socket that never sends Connect is
 * closed after the connect timeout; connections beyond the limit are shut. */
static void test_without_io_uring_and_connect_timeout(void)
{
	dpd_engine *e = NULL;
	dpd_options *o = NULL;
	char path[64];
	fx_image_path(path, sizeof(path), "/tmp", "test-sync");
	CHECK(dpd_options_create(&o) == 0 && dpd_options_set_int(o, "io_uring", 0) == 0 &&
	      dpd_options_set_int(o, "connect_timeout_ms", 300) == 0 &&
	      dpd_options_set_int(o, "max_connections", 3) == 0 && dpd_engine_create(o, &e) == 0);
	dpd_options_destroy(o);
	if (!e)
		return;
	CHECK(dpd_subsystem_add(e, SUBNQN, NULL, NULL) == 0 && dpd_subsystem_allow_any_host(e, SUBNQN, 1) == 0);
	CHECK(dpd_ns_add_file(e, SUBNQN, 1, path, 1 << 20, 512) == 0);
	dpd_log_set_level(DPD_LOG_ERROR);
	CHECK(dpd_engine_start(e) == 0);
	dpd_log_set_level(DPD_LOG_WARN);
	int port = dpd_listener_add(e, "127.0.0.1", 0);
	struct ini a, q, idle;
	struct cqe c;
	uint8_t w[65536], r[65536], sqe[64];
	CHECK(ini_tcp(&idle, port) == 0); /* says nothing at all */
	CHECK(fx_host_up(&TARGET, port, 1, 1, 5000, &a, &q) == 0);
	fill(w, sizeof(w), 5);
	CHECK(ini_rw(&q, 1, 1, 7, 128, 512, w, &c) == 0 && c.status == 0);
	CHECK(ini_rw(&q, 0, 1, 7, 128, 512, r, &c) == 0 && c.status == 0 && memcmp(w, r, sizeof(w)) == 0);
	sqe_init(sqe, 0x08, 1);
	put_le64(sqe + 40, 7);
	put_le16(sqe + 48, 7);
	CHECK(ini_cmd(&q, sqe, NULL, 0, NULL, 0, &c) == 0 && c.status == 0);
	sqe_init(sqe, 0x00, 1);
	CHECK(ini_cmd(&q, sqe, NULL, 0, NULL, 0, &c) == 0 && c.status == 0);
	CHECK(ini_rw(&q, 0, 1, 7, 16, 512, r, &c) == 0 && c.status == 0);
	uint8_t zero[4096] = { 0 };
	CHECK(memcmp(r, zero, 4096) == 0 && memcmp(r + 4096, w + 4096, 4096) == 0);
	/* A fourth connection is over the limit of 3: closed at once. */
	struct ini extra;
	CHECK(ini_tcp(&extra, port) == 0 && ini_expect_eof(&extra));
	ini_close(&extra);
	CHECK(ini_expect_eof(&idle)); /* closed by the connect timeout */
	ini_close(&idle);
	ini_close(&q);
	ini_close(&a);
	dpd_engine_destroy(e);
	unlink(path);
}

static void test_api_rejects_bad_arguments(void)
{
	dpd_engine *e = NULL;
	CHECK(dpd_engine_create(NULL, &e) == 0);
	CHECK(dpd_subsystem_add(e, "not-an-nqn", NULL, NULL) == -EINVAL && strstr(dpd_last_error(), "not-an-nqn"));
	CHECK(dpd_subsystem_add(e, SUBNQN, NULL, NULL) == 0);
	CHECK(dpd_subsystem_add(e, SUBNQN, NULL, NULL) == -EEXIST);
	CHECK(dpd_ns_add_ram(e, SUBNQN, 1, 1000, 512) == -EINVAL && strstr(dpd_last_error(), "multiple"));
	CHECK(dpd_ns_add_ram(e, SUBNQN, 1, 4096, 1024) == -EINVAL && strstr(dpd_last_error(), "blockSize"));
	CHECK(dpd_ns_add_ram(e, SUBNQN, 0, 4096, 512) == -EINVAL);
	CHECK(dpd_ns_add_ram(e, SUBNQN, 1, 4096, 512) == 0);
	CHECK(dpd_ns_add_ram(e, SUBNQN, 1, 4096, 512) == -EEXIST);
	CHECK(dpd_ns_add_file(e, SUBNQN, 3, "/nonexistent-dir/x.img", 4096, 512) == -ENOENT);
	CHECK(dpd_ns_remove(e, SUBNQN, 9) == -ENOENT);
	CHECK(dpd_host_disallow(e, SUBNQN, HOSTNQN) == -ENOENT);
	CHECK(dpd_listener_add(e, "300.1.1.1", 4420) == -EINVAL);
	CHECK(dpd_subsystem_remove(e, SUBNQN) == 0);
	CHECK(dpd_subsystem_remove(e, SUBNQN) == -ENOENT);
	dpd_options *o;
	CHECK(dpd_options_create(&o) == 0);
	CHECK(dpd_options_set_int(o, "reactors", 0) == -EINVAL);
	CHECK(dpd_options_set_int(o, "bogus", 1) == -EINVAL && strstr(dpd_last_error(), "bogus"));
	CHECK(dpd_options_set_int(o, "max_transfer_bytes", 100000) == 0);
	dpd_engine *e2 = NULL;
	CHECK(dpd_engine_create(o, &e2) == -EINVAL && strstr(dpd_last_error(), "power of two"));
	dpd_options_destroy(o);
	dpd_engine_destroy(e);
	struct io_uring ring;
	int have_uring = io_uring_queue_init(2, &ring, 0) == 0;
	if (have_uring)
		io_uring_queue_exit(&ring);
	int caps = dpd_capabilities(NULL, 0);
	CHECK(caps >= 0 && !!(caps & DPD_CAP_IO_URING) == have_uring);
	CHECK(dpd_capabilities(NULL, 16) == -EINVAL);
}

int main(void)
{
	dpd_log_set_level(getenv("DPD_DEBUG") ? DPD_LOG_DEBUG : DPD_LOG_WARN);
	RUN(test_io_no_digests);
	RUN(test_io_header_and_data_digests);
	RUN(test_io_header_digest_only);
	RUN(test_allow_list_refuses_unknown_host);
	RUN(test_discovery_lists_allowed_subsystems);
	RUN(test_keep_alive_timeout_enforced);
	RUN(test_keep_alive_honoured);
	RUN(test_io_traffic_keeps_controller_alive);
	RUN(test_file_backend_durable_after_flush_and_stop);
	RUN(test_namespace_hot_remove_notifies);
	RUN(test_reconnect);
	RUN(test_pipelined_reads_fill_the_socket);
	RUN(test_hot_add_namespace_on_tmpfs);
	RUN(test_without_io_uring_and_connect_timeout);
	RUN(test_api_rejects_bad_arguments);
	TEST_EXIT();
}

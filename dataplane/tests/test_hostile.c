/* Malformed and hostile input against a running target. Each case runs on
 * its own connection and asserts what the spec prescribes: a C2HTermReq
 * with the right fatal error status and the connection closed, or an error
 * status on the command with the connection still usable. A second,
 * well-behaved host keeps doing verified I/O across all of it: only the
 * offending connection is affected and the target never goes down. */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "common/crc32c.h"
#include "common/util.h"
#include "fixture.h"
#include "transport/pdu.h"

#define SUBNQN "nqn.2024-01.dev.dpu:hostile"
#define HOSTNQN "nqn.2014-08.org.nvmexpress:uuid:aaaaaaaa-2222-3333-4444-555555555555"
#define DNR 0x4000

static dpd_engine *g_e;
static int g_port;
static struct ini g_admin, g_io; /* the well-behaved host */
static uint32_t g_seq;

static uint64_t stat_engine(int id)
{
	return fx_stat_engine(g_e, id);
}

/* The good host writes a fresh pattern and reads it back. */
static int good_host_still_works(void)
{
	uint8_t w[4096], r[4096];
	struct cqe c;
	g_seq++;
	for (size_t i = 0; i < sizeof(w); i++)
		w[i] = (uint8_t)(i * 31 + g_seq);
	if (ini_rw(&g_io, 1, 1, 64, 8, 512, w, &c) < 0 || c.status)
		return 0;
	if (ini_rw(&g_io, 0, 1, 64, 8, 512, r, &c) < 0 || c.status)
		return 0;
	return memcmp(w, r, sizeof(w)) == 0;
}

/* Connection that finished ICReq (and Connect to an I/O queue if io). */
static int open_conn(struct ini *q, int hd, int dd, int io)
{
	if (io)
		return ini_io_up(q, g_port, hd, dd, SUBNQN, HOSTNQN, g_admin.cntlid, (uint16_t)io);
	if (ini_tcp(q, g_port) < 0)
		return -1;
	return ini_icreq(q, hd, dd);
}

static void capsule_hdr(uint8_t *b, uint8_t flags, uint32_t plen, uint8_t pdo, const uint8_t sqe[64])
{
	memset(b, 0, 72);
	b[0] = PDU_CAPSULE_CMD;
	b[1] = flags;
	b[2] = 72;
	b[3] = pdo;
	put_le32(b + 4, plen);
	memcpy(b + 8, sqe, 64);
}

/* Send raw bytes and expect a C2HTermReq with fes (and fei unless ~0),
 * then the connection closing. */
static void expect_termination(struct ini *q, const void *bytes, size_t len, int fes, uint32_t fei)
{
	uint32_t got_fei = 0;
	CHECK(ini_send(q, bytes, len) == 0);
	int got = ini_expect_term(q, &got_fei);
	CHECK_MSG(got == fes, "fes %d, expected %d (%s)", got, fes, q->err);
	if (fei != ~0u)
		CHECK_MSG(got_fei == fei, "fei %u, expected %u", got_fei, fei);
	CHECK(ini_expect_eof(q));
	ini_close(q);
	CHECK(good_host_still_works());
}

static void test_capsule_before_icreq(void)
{
	struct ini q;
	uint8_t sqe[64], b[72];
	CHECK(ini_tcp(&q, g_port) == 0);
	sqe_init(sqe, 0x06, 0);
	capsule_hdr(b, 0, 72, 0, sqe);
	expect_termination(&q, b, sizeof(b), FES_PDU_SEQUENCE, CH_TYPE);
}

static void test_second_icreq(void)
{
	struct ini q;
	uint8_t b[128] = { PDU_ICREQ, 0, 128, 0 };
	put_le32(b + 4, 128);
	CHECK(open_conn(&q, 0, 0, 0) == 0);
	expect_termination(&q, b, sizeof(b), FES_PDU_SEQUENCE, CH_TYPE);
}

static void test_icreq_bad_pfv_and_hpda(void)
{
	struct ini q;
	uint8_t b[128] = { PDU_ICREQ, 0, 128, 0 };
	put_le32(b + 4, 128);
	put_le16(b + 8, 1);
	CHECK(ini_tcp(&q, g_port) == 0);
	expect_termination(&q, b, sizeof(b), FES_UNSUPPORTED_PARAM, IC_PFV);
	put_le16(b + 8, 0);
	b[10] = 3;
	CHECK(ini_tcp(&q, g_port) == 0);
	expect_termination(&q, b, sizeof(b), FES_UNSUPPORTED_PARAM, IC_HPDA);
	uint8_t short_ic[8] = { PDU_ICREQ, 0, 128, 0, 64, 0, 0, 0 }; /* plen 64 */
	CHECK(ini_tcp(&q, g_port) == 0);
	expect_termination(&q, short_ic, sizeof(short_ic), FES_INVALID_HEADER_FIELD, CH_PLEN);
}

static void test_unknown_and_wrong_direction_types(void)
{
	static const uint8_t types[] = { 0x0F, 0xFF, PDU_R2T, PDU_C2H_DATA, PDU_CAPSULE_RESP, PDU_ICRESP };
	for (size_t i = 0; i < sizeof(types); i++) {
		struct ini q;
		uint8_t b[24] = { types[i], 0, 24, 0, 24, 0, 0, 0 };
		CHECK(open_conn(&q, 0, 0, 0) == 0);
		expect_termination(&q, b, sizeof(b), FES_INVALID_HEADER_FIELD, CH_TYPE);
	}
}

static void test_inconsistent_lengths(void)
{
	struct ini q;
	uint8_t sqe[64], b[72 + 16];
	sqe_init(sqe, 0x06, 0);
	/* hlen that is not the CapsuleCmd's 72 */
	CHECK(open_conn(&q, 0, 0, 0) == 0);
	capsule_hdr(b, 0, 72, 0, sqe);
	b[2] = 70;
	expect_termination(&q, b, 72, FES_INVALID_HEADER_FIELD, CH_HLEN);
	/* plen shorter than the header */
	CHECK(open_conn(&q, 0, 0, 0) == 0);
	capsule_hdr(b, 0, 40, 0, sqe);
	expect_termination(&q, b, 72, FES_INVALID_HEADER_FIELD, CH_PLEN);
	/* data present but PDO pointing elsewhere */
	CHECK(open_conn(&q, 0, 0, 0) == 0);
	capsule_hdr(b, 0, 72 + 16, 80, sqe);
	expect_termination(&q, b, sizeof(b), FES_INVALID_HEADER_FIELD, CH_PDO);
	/* in-capsule data larger than the queue accepts: a 1 GiB plen is
	 * refused from the header alone, nothing is allocated for it */
	CHECK(open_conn(&q, 0, 0, 0) == 0);
	capsule_hdr(b, 0, 1u << 30, 72, sqe);
	expect_termination(&q, b, 72, FES_DATA_LIMIT_EXCEEDED, CH_PLEN);
	/* H2CData without payload */
	CHECK(open_conn(&q, 0, 0, 1) == 0);
	uint8_t h[24] = { PDU_H2C_DATA, 0, 24, 0, 24, 0, 0, 0 };
	expect_termination(&q, h, sizeof(h), FES_INVALID_HEADER_FIELD, CH_PLEN);
}

static void test_header_digest_errors(void)
{
	struct ini q;
	uint8_t sqe[64], b[76];
	uint64_t before = stat_engine(DPD_STAT_HDR_DIGEST_ERRORS);
	sqe_init(sqe, 0x18, 0);
	CHECK(open_conn(&q, 1, 0, 0) == 0);
	capsule_hdr(b, PDU_F_HDGST, 76, 0, sqe);
	put_le32(b + 72, crc32c(b, 72) ^ 1);
	expect_termination(&q, b, sizeof(b), FES_HDR_DIGEST, ~0u);
	CHECK(stat_engine(DPD_STAT_HDR_DIGEST_ERRORS) == before + 1);
	/* digest negotiated but the PDU does not carry one */
	CHECK(open_conn(&q, 1, 0, 0) == 0);
	capsule_hdr(b, 0, 72, 0, sqe);
	expect_termination(&q, b, 72, FES_INVALID_HEADER_FIELD, CH_FLAGS);
}

/* A corrupted write payload fails that command (the host retries it) and
 * nothing of it reaches the namespace; the connection keeps working. */
static void test_data_digest_error_fails_command_only(void)
{
	struct ini q;
	struct cqe c;
	uint8_t sqe[64], b[72 + 512 + 4], data[512], r[512];
	uint64_t before = stat_engine(DPD_STAT_DATA_DIGEST_ERRORS);
	CHECK(open_conn(&q, 0, 1, 1) == 0);
	memset(data, 0x11, sizeof(data));
	CHECK(ini_rw(&q, 1, 1, 500, 1, 512, data, &c) == 0 && c.status == 0);
	sqe_init(sqe, 0x01, 1);
	put_le16(sqe + 2, 77);
	put_le64(sqe + 40, 500);
	sqe[24 + 15] = 0x01;
	put_le32(sqe + 24 + 8, 512);
	capsule_hdr(b, PDU_F_DDGST, sizeof(b), 72, sqe);
	memset(b + 72, 0x22, 512);
	put_le32(b + 72 + 512, crc32c(b + 72, 512) ^ 0x80);
	CHECK(ini_send(&q, b, sizeof(b)) == 0);
	uint8_t hdr[140], buf[64];
	uint32_t dl;
	CHECK(ini_recv_pdu(&q, hdr, buf, sizeof(buf), &dl) == PDU_CAPSULE_RESP);
	CHECK(get_le16(hdr + 20) == 77 && (get_le16(hdr + 22) >> 1) == 0x022); /* transient transport error */
	CHECK(ini_rw(&q, 0, 1, 500, 1, 512, r, &c) == 0 && c.status == 0);
	CHECK(memcmp(r, data, 512) == 0);
	CHECK(stat_engine(DPD_STAT_DATA_DIGEST_ERRORS) == before + 1);
	ini_close(&q);
	CHECK(good_host_still_works());
}

/* H2CData the target did not ask for, or beyond what it asked for. */
static void test_h2c_data_out_of_bounds(void)
{
	struct ini q;
	uint8_t sqe[64], b[72];
	uint8_t h[24 + 8192];
	for (int kase = 0; kase < 4; kase++) {
		CHECK(open_conn(&q, 0, 0, 1) == 0);
		memset(h, 0, sizeof(h));
		if (kase == 0) { /* no R2T outstanding at all */
			h[0] = PDU_H2C_DATA;
			h[2] = 24;
			h[3] = 24;
			put_le32(h + 4, 24 + 512);
			put_le32(h + 16, 512);
			expect_termination(&q, h, 24 + 512, FES_INVALID_HEADER_FIELD, DATA_TTAG);
			continue;
		}
		/* A 16 KiB write: the target answers with an R2T for 16 KiB. */
		sqe_init(sqe, 0x01, 1);
		put_le16(sqe + 2, 5);
		put_le16(sqe + 48, 31);
		put_le32(sqe + 24 + 8, 16384);
		capsule_hdr(b, 0, 72, 0, sqe);
		CHECK(ini_send(&q, b, 72) == 0);
		uint8_t r2t[140], tmp[16];
		uint32_t dl;
		CHECK(ini_recv_pdu(&q, r2t, tmp, sizeof(tmp), &dl) == PDU_R2T);
		CHECK(get_le32(r2t + 16) == 16384);
		h[0] = PDU_H2C_DATA;
		h[2] = 24;
		h[3] = 24;
		put_le16(h + 8, 5);
		put_le16(h + 10, get_le16(r2t + 10));
		uint32_t off = 0, len = 4096;
		uint16_t fes = FES_DATA_OUT_OF_RANGE;
		uint32_t fei = DATA_OFFSET;
		if (kase == 1) { /* beyond the end of the transfer */
			off = 16384 - 2048;
		} else if (kase == 2) { /* skipping ahead (data not in order) */
			off = 4096;
		} else { /* command id not the one the R2T was for */
			put_le16(h + 8, 6);
			fes = FES_INVALID_HEADER_FIELD;
			fei = DATA_CCCID;
		}
		put_le32(h + 4, 24 + len);
		put_le32(h + 12, off);
		put_le32(h + 16, len);
		expect_termination(&q, h, 24 + len, fes, fei);
	}
}

/* Command-level errors: status on the command, connection stays up. */
static void test_command_errors_keep_connection(void)
{
	struct ini q, a;
	struct cqe c;
	uint8_t sqe[64], buf[8192];
	CHECK(open_conn(&q, 1, 1, 2) == 0);
	/* LBA range beyond the namespace, including one that would wrap */
	CHECK(ini_rw(&q, 0, 1, (8u << 20) / 512, 1, 512, buf, &c) == 0 && c.status == (0x080 | DNR));
	CHECK(ini_rw(&q, 0, 1, (8u << 20) / 512 - 1, 2, 512, buf, &c) == 0 && c.status == (0x080 | DNR));
	sqe_init(sqe, 0x02, 1);
	put_le64(sqe + 40, ~0ull);
	put_le32(sqe + 24 + 8, 512);
	CHECK(ini_cmd(&q, sqe, NULL, 0, buf, 512, &c) == 0 && c.status == (0x080 | DNR));
	/* unknown namespace, unknown opcode */
	CHECK(ini_rw(&q, 0, 9, 0, 1, 512, buf, &c) == 0 && c.status == (0x00B | DNR));
	sqe_init(sqe, 0x7E, 1);
	CHECK(ini_cmd(&q, sqe, NULL, 0, NULL, 0, &c) == 0 && c.status == (0x001 | DNR));
	/* read whose SGL length disagrees with NLB, and one above MDTS */
	sqe_init(sqe, 0x02, 1);
	put_le16(sqe + 48, 7);
	put_le32(sqe + 24 + 8, 512);
	CHECK(ini_cmd(&q, sqe, NULL, 0, buf, 4096, &c) == 0 && c.status == (0x00F | DNR));
	sqe_init(sqe, 0x02, 1);
	put_le16(sqe + 48, 511); /* 256 KiB > 128 KiB MDTS */
	put_le32(sqe + 24 + 8, 262144);
	CHECK(ini_cmd(&q, sqe, NULL, 0, buf, 0, &c) == 0 && c.status == (0x002 | DNR));
	/* in-capsule write whose SGL describes more than the capsule holds */
	uint8_t b[72 + 4 + 512 + 4];
	sqe_init(sqe, 0x01, 1);
	put_le16(sqe + 2, 33);
	sqe[24 + 15] = 0x01;
	put_le32(sqe + 24 + 8, 1024);
	capsule_hdr(b, PDU_F_HDGST | PDU_F_DDGST, sizeof(b), 76, sqe);
	put_le32(b + 72, crc32c(b, 72));
	memset(b + 76, 0x5A, 512);
	put_le32(b + 76 + 512, crc32c(b + 76, 512));
	CHECK(ini_send(&q, b, sizeof(b)) == 0);
	uint8_t hdr[140];
	uint32_t dl;
	CHECK(ini_recv_pdu(&q, hdr, buf, sizeof(buf), &dl) == PDU_CAPSULE_RESP);
	CHECK(get_le16(hdr + 20) == 33 && (get_le16(hdr + 22) >> 1) == (0x00F | DNR));
	/* still fine */
	CHECK(ini_rw(&q, 0, 1, 0, 1, 512, buf, &c) == 0 && c.status == 0);
	ini_close(&q);

	/* Admin side: commands before Connect, bad Connect data, limits. */
	CHECK(open_conn(&a, 0, 0, 0) == 0);
	sqe_init(sqe, 0x06, 0);
	sqe[40] = 1;
	CHECK(ini_cmd(&a, sqe, NULL, 0, buf, 4096, &c) == 0 && c.status == (0x00C | DNR));
	uint8_t data[1024];
	memset(data, 'x', sizeof(data)); /* NQNs without a terminating NUL */
	sqe_init(sqe, 0x7F, 0);
	sqe[4] = 0x01;
	put_le16(sqe + 44, 31);
	CHECK(ini_cmd(&a, sqe, data, sizeof(data), NULL, 0, &c) == 0 && c.status == (0x182 | DNR));
	CHECK(c.dw0 == ((1u << 16) | 256));
	/* I/O queue Connect naming a controller that does not exist */
	CHECK(ini_connect(&a, 1, 127, SUBNQN, HOSTNQN, 0x7777, 0, &c) == 0 && c.status == (0x182 | DNR));
	ini_close(&a);

	/* On the good admin queue: Identify with a too-small buffer, unknown
	 * CNS, unknown log page, oversized log page, the AER limit. */
	sqe_init(sqe, 0x06, 0);
	sqe[40] = 1;
	put_le32(sqe + 24 + 8, 512);
	CHECK(ini_cmd(&g_admin, sqe, NULL, 0, buf, 512, &c) == 0 && c.status == (0x00F | DNR));
	sqe_init(sqe, 0x06, 0);
	sqe[40] = 0x55;
	CHECK(ini_cmd(&g_admin, sqe, NULL, 0, buf, 4096, &c) == 0 && c.status == (0x002 | DNR));
	sqe_init(sqe, 0x02, 0);
	put_le32(sqe + 40, 0xC0 | (127u << 16));
	CHECK(ini_cmd(&g_admin, sqe, NULL, 0, buf, 512, &c) == 0 && c.status == (0x109 | DNR));
	sqe_init(sqe, 0x02, 0);
	put_le32(sqe + 40, 0x02 | (0xFFFFu << 16));
	put_le32(sqe + 44, 0xFFFF);
	CHECK(ini_cmd(&g_admin, sqe, NULL, 0, buf, 512, &c) == 0 && c.status == (0x002 | DNR));
	for (int i = 0; i < 4; i++) { /* AERL+1 = 4 may be outstanding */
		uint8_t p[76];
		sqe_init(sqe, 0x0C, 0);
		put_le16(sqe + 2, (uint16_t)(1000 + i));
		capsule_hdr(p, PDU_F_HDGST, 76, 0, sqe); /* the good host uses header digests */
		put_le32(p + 72, crc32c(p, 72));
		CHECK(ini_send(&g_admin, p, 76) == 0);
	}
	sqe_init(sqe, 0x0C, 0);
	CHECK(ini_cmd(&g_admin, sqe, NULL, 0, NULL, 0, &c) == 0 && c.status == (0x105 | DNR));
	CHECK(good_host_still_works());
}

/* Random bytes after a valid ICReq: every connection ends (terminated or
 * closed), the target stays up and the good host is unaffected. */
static void test_random_garbage(void)
{
	uint8_t junk[4096];
	uint32_t seed = 12345;
	uint64_t before = stat_engine(DPD_STAT_PROTOCOL_ERRORS);
	for (int i = 0; i < 40; i++) {
		struct ini q;
		CHECK(open_conn(&q, i & 1, (i >> 1) & 1, 0) == 0);
		size_t n = 64 + (size_t)(i * 97) % (sizeof(junk) - 64);
		for (size_t k = 0; k < n; k++) {
			seed = seed * 1664525u + 1013904223u;
			junk[k] = (uint8_t)(seed >> 24);
		}
		if (i % 3 == 0) { /* a plausible header with garbage behind it */
			junk[0] = PDU_CAPSULE_CMD;
			junk[2] = 72;
		}
		ini_send(&q, junk, n);
		shutdown(q.fd, SHUT_WR);
		CHECK(ini_expect_eof(&q));
		ini_close(&q);
	}
	CHECK(stat_engine(DPD_STAT_PROTOCOL_ERRORS) > before);
	CHECK(good_host_still_works());
}

/* Well-framed capsules with random command contents (opcodes, namespace
 * ids, LBAs, SGLs, CDWs): every one gets handled without harming the
 * process, and the queue still answers a proper command afterwards. */
static int drain_until(struct ini *q, uint16_t cid, uint16_t *status)
{
	uint8_t hdr[140];
	static uint8_t buf[1 << 18];
	uint32_t dl;
	for (int i = 0; i < 1000; i++) {
		int t = ini_recv_pdu(q, hdr, buf, sizeof(buf), &dl);
		if (t < 0)
			return -1;
		if (t == PDU_CAPSULE_RESP && get_le16(hdr + 20) == cid) {
			*status = get_le16(hdr + 22) >> 1;
			return 0;
		}
	}
	return -1;
}

static void test_random_commands(void)
{
	uint32_t seed = 4711;
	for (int round = 0; round < 4; round++) {
		struct ini a, q;
		struct cqe c;
		uint8_t sqe[64], pdu[76];
		int rc = ini_admin_up(&a, g_port, round & 1, 0, SUBNQN, HOSTNQN, 0);
		CHECK_MSG(rc == 0, "%s", a.err);
		sqe_init(sqe, 0x09, 0);
		sqe[40] = 0x07;
		CHECK(ini_cmd(&a, sqe, NULL, 0, NULL, 0, &c) == 0 && c.status == 0);
		rc = ini_io_up(&q, g_port, round & 1, 0, SUBNQN, HOSTNQN, a.cntlid, 1);
		CHECK_MSG(rc == 0, "%s", q.err);
		if (rc)
			break;
		for (int k = 0; k < 2; k++) {
			struct ini *x = k ? &q : &a;
			for (int i = 0; i < 100; i++) {
				for (int b = 0; b < 64; b++) {
					seed = seed * 1664525u + 1013904223u;
					sqe[b] = (uint8_t)(seed >> 24);
				}
				if (k == 0 && (sqe[0] == 0x7F || sqe[0] == 0x0C))
					sqe[0] = 0x06; /* keep CC and the AER slots out of it */
				if (i % 4 == 0) /* mostly valid SGLs, sometimes anything */
					sqe[24 + 15] = 0x5A;
				put_le16(sqe + 2, (uint16_t)(100 + i));
				uint32_t hd = x->hdgst ? 4 : 0;
				memset(pdu, 0, sizeof(pdu));
				pdu[0] = PDU_CAPSULE_CMD;
				pdu[1] = x->hdgst ? PDU_F_HDGST : 0;
				pdu[2] = 72;
				put_le32(pdu + 4, 72 + hd);
				memcpy(pdu + 8, sqe, 64);
				if (hd)
					put_le32(pdu + 72, crc32c(pdu, 72));
				CHECK(ini_send(x, pdu, 72 + hd) == 0);
			}
			sqe_init(sqe, k ? 0x02 : 0x18, k ? 1 : 0);
			if (k)
				put_le32(sqe + 24 + 8, 512);
			put_le16(sqe + 2, 999);
			uint32_t hd = x->hdgst ? 4 : 0;
			pdu[0] = PDU_CAPSULE_CMD;
			pdu[1] = x->hdgst ? PDU_F_HDGST : 0;
			pdu[2] = 72;
			pdu[3] = 0;
			put_le32(pdu + 4, 72 + hd);
			memcpy(pdu + 8, sqe, 64);
			if (hd)
				put_le32(pdu + 72, crc32c(pdu, 72));
			CHECK(ini_send(x, pdu, 72 + hd) == 0);
			uint16_t st = 0xFFFF;
			CHECK_MSG(drain_until(x, 999, &st) == 0 && st == 0, "queue %d: %s status 0x%x", k, x->err, st);
		}
		ini_close(&q);
		ini_close(&a);
	}
	CHECK(good_host_still_works());
}

int main(void)
{
	static const struct fx_target target = {
		.subnqn = SUBNQN, .hostnqn = HOSTNQN, .ram_bytes = 8u << 20, .block = 512,
	};
	dpd_log_set_level(getenv("DPD_DEBUG") ? DPD_LOG_DEBUG : DPD_LOG_ERROR);
	g_e = fx_engine_up(&target, &g_port);
	if (!g_e) {
		printf("FAIL setup: %s\n", dpd_last_error());
		return 1;
	}
	if (ini_admin_up(&g_admin, g_port, 1, 1, SUBNQN, HOSTNQN, 0) < 0) {
		printf("FAIL setup admin: %s\n", g_admin.err);
		return 1;
	}
	if (fx_set_queues(&g_admin, 4, NULL) < 0 ||
	    ini_io_up(&g_io, g_port, 1, 1, SUBNQN, HOSTNQN, g_admin.cntlid, 3) < 0) {
		printf("FAIL setup io: %s\n", g_io.err);
		return 1;
	}
	RUN(test_capsule_before_icreq);
	RUN(test_second_icreq);
	RUN(test_icreq_bad_pfv_and_hpda);
	RUN(test_unknown_and_wrong_direction_types);
	RUN(test_inconsistent_lengths);
	RUN(test_header_digest_errors);
	RUN(test_data_digest_error_fails_command_only);
	RUN(test_h2c_data_out_of_bounds);
	RUN(test_command_errors_keep_connection);
	RUN(test_random_garbage);
	RUN(test_random_commands);
	ini_close(&g_io);
	ini_close(&g_admin);
	dpd_engine_destroy(g_e);
	TEST_EXIT();
}

/* test_remote.c - the remote NVMe/TCP backend in a real chain, all in this
 * process: the test initiator (host/) -> engine A (the DPU) -> its nvme-tcp
 * backend -> engine B (the remote target, a RAM or file namespace), over
 * loopback TCP. What a host and an operator would notice: data lands on the
 * remote intact (or only as ciphertext with XTS), commands larger than the
 * remote's MDTS and in-capsule size work, Flush/Write Zeroes/DSM reach the
 * remote, a restarted remote costs no host error, a remote gone past the
 * ctrl-loss timeout gives a path error (not a hang) and recovers, refusals
 * are reported with what to do, and a remote speaking garbage loses only its
 * own connection. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "common/nvme.h"
#include "common/util.h"
#include "fixture.h"

#define SUB_A "nqn.2024-01.dev.dpu:test.dpu"
#define SUB_B "nqn.2024-01.dev.dpu:test.storage"
#define HOST "nqn.2014-08.org.nvmexpress:uuid:00000000-0000-4000-8000-00000000000a"
#define HOST_A "nqn.2014-08.org.nvmexpress:uuid:00000000-0000-4000-8000-0000000000d1"
#define BS 512u
#define NS_BYTES (16u << 20)
#define B_MDTS 16384 /* remote's largest transfer: host commands above it are split */
#define B_BLOCKS (B_MDTS / BS)
#define B_INCAPSULE 4096 /* remote's in-capsule size: larger writes go by R2T */

static uint64_t now_ms(void) { return dpd_now_ms(); }

/* ---- engine B: the remote target ---- */
struct remote_b {
	const char *hostnqn; /* allowed host (NULL: none) */
	const char *file;    /* file namespace (survives a restart), or NULL: RAM */
	uint64_t bytes;
	int port;            /* 0: any free port */
};

static dpd_engine *b_up(struct remote_b *b)
{
	dpd_engine *e = NULL;
	dpd_options *o = NULL;
	dpd_options_create(&o);
	dpd_options_set_int(o, "reactors", 1);
	dpd_options_set_int(o, "max_transfer_bytes", B_MDTS);
	dpd_options_set_int(o, "in_capsule_bytes", B_INCAPSULE);
	int rc = dpd_engine_create(o, &e);
	dpd_options_destroy(o);
	if (rc < 0)
		return NULL;
	rc = dpd_subsystem_add(e, SUB_B, NULL, NULL);
	if (b->hostnqn)
		rc |= dpd_host_allow(e, SUB_B, b->hostnqn);
	rc |= b->file ? dpd_ns_add_file(e, SUB_B, 1, b->file, b->bytes, BS) : dpd_ns_add_ram(e, SUB_B, 1, b->bytes, BS);
	rc |= dpd_engine_start(e);
	int port = dpd_listener_add(e, "127.0.0.1", b->port);
	if (rc || port <= 0) {
		fprintf(stderr, "remote engine set-up failed: %s\n", dpd_last_error());
		dpd_engine_destroy(e);
		return NULL;
	}
	b->port = port;
	return e;
}

/* ---- engine A: the DPU, namespace 1 on the remote, namespace 2 in RAM ---- */
struct dpu_a {
	int b_port;
	const char *subnqn; /* of the remote (SUB_B unless testing a wrong one) */
	int hd, dd;
	uint32_t loss_s;
	uint64_t bytes;     /* declared size of namespace 1 */
};

static dpd_engine *a_up(const struct dpu_a *a, int *port)
{
	dpd_engine *e = NULL;
	dpd_options *o = NULL;
	dpd_options_create(&o);
	dpd_options_set_int(o, "reactors", 2);
	int rc = dpd_engine_create(o, &e);
	dpd_options_destroy(o);
	if (rc < 0)
		return NULL;
	rc = dpd_subsystem_add(e, SUB_A, NULL, NULL);
	rc |= dpd_host_allow(e, SUB_A, HOST);
	rc |= dpd_remote_add(e, "store", "127.0.0.1", a->b_port, a->subnqn ? a->subnqn : SUB_B, HOST_A, a->hd, a->dd,
			     a->loss_s ? a->loss_s : 600);
	rc |= dpd_ns_add_remote(e, SUB_A, 1, "store", 1, a->bytes ? a->bytes : NS_BYTES, BS);
	rc |= dpd_ns_add_ram(e, SUB_A, 2, 1u << 20, BS);
	rc |= dpd_engine_start(e);
	*port = dpd_listener_add(e, "127.0.0.1", 0);
	if (rc || *port <= 0) {
		fprintf(stderr, "DPU engine set-up failed: %s\n", dpd_last_error());
		dpd_engine_destroy(e);
		return NULL;
	}
	return e;
}

/* Wait (bounded) until remote "store" of e is in state; its reason in why. */
static int wait_state(dpd_engine *e, int state, const char *reason_part, char *why, size_t cap, int ms)
{
	uint64_t end = now_ms() + (uint64_t)ms;
	for (;;) {
		dpd_stats *s = NULL;
		int st = -1;
		why[0] = '\0';
		if (dpd_stats_snapshot(e, &s) == 0 && dpd_stats_remote_count(s) == 1) {
			st = dpd_stats_remote_state(s, 0);
			snprintf(why, cap, "%s", dpd_stats_remote_reason(s, 0));
		}
		dpd_stats_destroy(s);
		if (st == state && (!reason_part || strstr(why, reason_part)))
			return 1;
		if (now_ms() > end)
			return 0;
		usleep(20000);
	}
}

static uint64_t remote_stat(dpd_engine *e, int id)
{
	dpd_stats *s = NULL;
	uint64_t v = 0;
	if (dpd_stats_snapshot(e, &s) == 0)
		v = dpd_stats_remote(s, 0, id);
	dpd_stats_destroy(s);
	return v;
}

static const struct fx_target HOST_TO_A = { .subnqn = SUB_A, .hostnqn = HOST };
static const struct fx_target A_TO_B = { .subnqn = SUB_B, .hostnqn = HOST_A };

static int host_up(int port, int hd, int dd, struct ini *a, struct ini *q, const struct fx_target *t)
{
	int rc = fx_host_up(t, port, hd, dd, 30000, a, q);
	struct timeval tv = { .tv_sec = 30 }; /* a write waits while the remote reconnects */
	if (q->fd >= 0)
		setsockopt(q->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return rc;
}

/* Read n blocks in commands the target takes (B: at most its MDTS). */
static int read_blocks(struct ini *q, uint64_t lba, uint32_t n, uint8_t *buf, uint32_t max)
{
	struct cqe c;
	for (uint32_t done = 0; done < n;) {
		uint32_t k = DPD_MIN(n - done, max);
		if (ini_rw(q, 0, 1, lba + done, k, BS, buf + (size_t)done * BS, &c) < 0 || c.status)
			return -1;
		done += k;
	}
	return 0;
}

static void fill(uint8_t *p, size_t n, uint64_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)((seed * 131 + i * 7 + (i >> 9)) ^ (seed >> 3));
}

/* Block counts in a mix: one block, in-capsule, above the remote's in-capsule
 * size, exactly its MDTS, several times its MDTS, our own MDTS. */
static const uint32_t MIX[] = { 1, 8, 16, 32, 33, 96, 256 };

static int write_mix(struct ini *q, uint64_t base, uint64_t seed)
{
	uint8_t *buf = malloc(256 * BS);
	struct cqe c;
	int bad = 0;
	uint64_t lba = base;
	for (size_t i = 0; i < DPD_ARRAY_SIZE(MIX); i++) {
		fill(buf, MIX[i] * BS, seed + i);
		if (ini_rw(q, 1, 1, lba, MIX[i], BS, buf, &c) < 0 || c.status) {
			fprintf(stderr, "  write of %u blocks at %llu: %s status 0x%x\n", MIX[i], (unsigned long long)lba,
				q->err, c.status);
			bad++;
		}
		lba += MIX[i];
	}
	free(buf);
	return bad;
}

/* Read the mix back from q in commands of at most max blocks and compare;
 * 0 when equal. */
static int verify_mix(struct ini *q, uint64_t base, uint64_t seed, uint32_t max)
{
	uint8_t *buf = malloc(256 * BS), *want = malloc(256 * BS);
	int bad = 0;
	uint64_t lba = base;
	for (size_t i = 0; i < DPD_ARRAY_SIZE(MIX); i++) {
		fill(want, MIX[i] * BS, seed + i);
		memset(buf, 0xEE, MIX[i] * BS);
		if (read_blocks(q, lba, MIX[i], buf, max) < 0 || memcmp(buf, want, MIX[i] * BS))
			bad++;
		lba += MIX[i];
	}
	free(buf);
	free(want);
	return bad;
}

struct chain {
	struct remote_b b;
	dpd_engine *eb, *ea;
	int a_port;
	struct ini ha, hq;
};

static int chain_up(struct chain *ch, int hd, int dd)
{
	memset(ch, 0, sizeof(*ch));
	ch->hq.fd = ch->ha.fd = -1;
	ch->b = (struct remote_b){ .hostnqn = HOST_A, .bytes = NS_BYTES };
	ch->eb = b_up(&ch->b);
	if (!ch->eb)
		return -1;
	struct dpu_a a = { .b_port = ch->b.port, .hd = hd, .dd = dd };
	ch->ea = a_up(&a, &ch->a_port);
	char why[512];
	if (!ch->ea || !wait_state(ch->ea, DPD_REMOTE_CONNECTED, NULL, why, sizeof(why), 20000)) {
		fprintf(stderr, "  remote not connected: %s\n", why);
		return -1;
	}
	return host_up(ch->a_port, hd, dd, &ch->ha, &ch->hq, &HOST_TO_A);
}

static void chain_down(struct chain *ch)
{
	ini_close(&ch->hq);
	ini_close(&ch->ha);
	dpd_engine_destroy(ch->ea);
	dpd_engine_destroy(ch->eb);
}

static void mixed_sizes_land_on_the_remote_intact(void)
{
	struct chain ch;
	REQUIRE(chain_up(&ch, 0, 0) == 0);
	CHECK(write_mix(&ch.hq, 100, 1) == 0);
	CHECK(verify_mix(&ch.hq, 100, 1, 256) == 0);
	/* Read the remote itself, as a host of B. */
	struct ini ba, bq;
	CHECK(host_up(ch.b.port, 0, 0, &ba, &bq, &A_TO_B) == 0);
	CHECK(verify_mix(&bq, 100, 1, B_BLOCKS) == 0);
	ini_close(&bq);
	ini_close(&ba);
	dpd_stats *s = NULL;
	CHECK(dpd_stats_snapshot(ch.ea, &s) == 0);
	uint64_t blocks = 0;
	for (size_t i = 0; i < DPD_ARRAY_SIZE(MIX); i++)
		blocks += MIX[i];
	CHECK_EQ_U64(dpd_stats_remote(s, 0, DPD_REMOTE_STAT_WRITE_OPS), DPD_ARRAY_SIZE(MIX));
	CHECK_EQ_U64(dpd_stats_remote(s, 0, DPD_REMOTE_STAT_WRITE_BYTES), blocks * BS);
	CHECK_EQ_U64(dpd_stats_remote(s, 0, DPD_REMOTE_STAT_READ_BYTES), blocks * BS);
	/* Split at the remote's MDTS: more round trips than host commands. */
	uint64_t trips = 0;
	for (int b = 0; b < dpd_stats_hist_buckets(); b++)
		trips += dpd_stats_hist_bucket(s, DPD_KIND_REMOTE, 0, DPD_HIST_BACKEND, b);
	CHECK(trips > 2 * DPD_ARRAY_SIZE(MIX));
	CHECK(dpd_stats_latency_ns(s, DPD_KIND_REMOTE, 0, DPD_HIST_BACKEND, 50) > 0);
	CHECK_EQ_U64(dpd_stats_remote(s, 0, DPD_REMOTE_STAT_RECONNECTS), 0);
	CHECK(strcmp(dpd_stats_remote_name(s, 0), "store") == 0);
	CHECK(strcmp(dpd_stats_remote_reason(s, 0), "") == 0);
	dpd_stats_destroy(s);
	chain_down(&ch);
}

static void digests_on_both_hops(void)
{
	struct chain ch;
	REQUIRE(chain_up(&ch, 1, 1) == 0);
	CHECK(write_mix(&ch.hq, 0, 9) == 0);
	CHECK(verify_mix(&ch.hq, 0, 9, 256) == 0);
	CHECK_EQ_U64(fx_stat_engine(ch.eb, DPD_STAT_DATA_DIGEST_ERRORS), 0);
	CHECK_EQ_U64(fx_stat_engine(ch.ea, DPD_STAT_DATA_DIGEST_ERRORS), 0);
	chain_down(&ch);
}

/* AES-256-XTS of one block with tweak = LBA (little-endian), the reference. */
static int xts_decrypt(const uint8_t key[64], uint64_t lba, const uint8_t *in, uint8_t *out)
{
	uint8_t iv[16] = { 0 };
	memcpy(iv, &lba, 8);
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, ok = c && EVP_DecryptInit_ex(c, EVP_aes_256_xts(), NULL, key, iv) == 1 &&
			EVP_DecryptUpdate(c, out, &n, in, BS) == 1 && n == (int)BS;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

static void xts_leaves_only_ciphertext_on_the_remote(void)
{
	struct chain ch;
	REQUIRE(chain_up(&ch, 0, 0) == 0);
	uint8_t key[64];
	for (int i = 0; i < 64; i++)
		key[i] = (uint8_t)(i * 7 + 1);
	CHECK(dpd_ns_set_key(ch.ea, SUB_A, 1, key, 64) == 0);
	CHECK(write_mix(&ch.hq, 500, 3) == 0);
	CHECK(verify_mix(&ch.hq, 500, 3, 256) == 0);
	struct ini ba, bq;
	CHECK(host_up(ch.b.port, 0, 0, &ba, &bq, &A_TO_B) == 0);
	uint8_t *plain = malloc(256 * BS), *disk = malloc(256 * BS), blk[BS];
	uint64_t lba = 500;
	int leaked = 0, wrong = 0;
	for (size_t i = 0; i < DPD_ARRAY_SIZE(MIX); i++) {
		fill(plain, MIX[i] * BS, 3 + i);
		CHECK(read_blocks(&bq, lba, MIX[i], disk, B_BLOCKS) == 0);
		for (uint32_t k = 0; k < MIX[i]; k++) {
			leaked += memcmp(disk + k * BS, plain + k * BS, BS) == 0;
			wrong += xts_decrypt(key, lba + k, disk + k * BS, blk) < 0 || memcmp(blk, plain + k * BS, BS);
		}
		lba += MIX[i];
	}
	CHECK_MSG(leaked == 0, "%d plaintext blocks on the remote", leaked);
	CHECK_MSG(wrong == 0, "%d blocks do not decrypt to what the host wrote", wrong);
	free(plain);
	free(disk);
	ini_close(&bq);
	ini_close(&ba);
	chain_down(&ch);
}

static int io_cmd(struct ini *q, uint8_t opc, uint32_t cdw10, uint32_t cdw11, uint32_t cdw12, const void *data,
		  uint32_t len)
{
	uint8_t sqe[64];
	struct cqe c;
	sqe_init(sqe, opc, 1);
	put_le32(sqe + SQE_CDW10, cdw10);
	put_le32(sqe + SQE_CDW11, cdw11);
	put_le32(sqe + SQE_CDW12, cdw12);
	if (len) {
		sqe[SQE_FLAGS] = 0x40;
		sqe[SQE_DPTR + SGL_TYPE] = SGL_TRANSPORT_DATA_BLOCK;
		put_le32(sqe + SQE_DPTR + SGL_LEN, len);
	}
	return ini_cmd(q, sqe, data, len, NULL, 0, &c) < 0 ? -1 : c.status;
}

static int remote_blocks_zero(struct ini *bq, uint64_t lba, uint32_t n)
{
	uint8_t *buf = malloc(n * BS);
	int zero = read_blocks(bq, lba, n, buf, B_BLOCKS) == 0;
	for (uint32_t i = 0; zero && i < n * BS; i++)
		zero = buf[i] == 0;
	free(buf);
	return zero;
}

static void flush_write_zeroes_and_deallocate_reach_the_remote(void)
{
	struct chain ch;
	REQUIRE(chain_up(&ch, 0, 0) == 0);
	CHECK(write_mix(&ch.hq, 0, 5) == 0);
	CHECK(io_cmd(&ch.hq, NVME_IO_WRITE_ZEROES, 8, 0, 40 - 1, NULL, 0) == 0); /* LBAs 8..47 */
	uint8_t range[16] = { 0 };
	put_le32(range + 4, 16);
	put_le64(range + 8, 100);
	CHECK(io_cmd(&ch.hq, NVME_IO_DSM, 0, 1u << 2, 0, range, sizeof(range)) == 0); /* LBAs 100..115 */
	CHECK(io_cmd(&ch.hq, NVME_IO_FLUSH, 0, 0, 0, NULL, 0) == 0);
	struct ini ba, bq;
	CHECK(host_up(ch.b.port, 0, 0, &ba, &bq, &A_TO_B) == 0);
	CHECK(remote_blocks_zero(&bq, 8, 40));
	CHECK(remote_blocks_zero(&bq, 100, 16));
	CHECK(!remote_blocks_zero(&bq, 0, 8)); /* untouched data is still there */
	ini_close(&bq);
	ini_close(&ba);
	dpd_stats *s = NULL;
	CHECK(dpd_stats_snapshot(ch.eb, &s) == 0);
	CHECK_EQ_U64(dpd_stats_ns(s, 0, DPD_STAT_NS_FLUSH_OPS), 1);
	CHECK(dpd_stats_ns(s, 0, DPD_STAT_NS_OTHER_OPS) >= 2);
	dpd_stats_destroy(s);
	CHECK_EQ_U64(remote_stat(ch.ea, DPD_REMOTE_STAT_OTHER_OPS), 3);
	chain_down(&ch);
}

/* ---- faults ---- */
struct restart {
	struct remote_b *b;
	dpd_engine *e;
	int delay_ms;
};

static void *restart_later(void *arg)
{
	struct restart *r = arg;
	usleep((useconds_t)r->delay_ms * 1000);
	r->e = b_up(r->b);
	return NULL;
}

static void remote_restart_costs_the_host_no_error(void)
{
	char file[256], why[512];
	fx_image_path(file, sizeof(file), "/tmp", "remote-restart");
	struct remote_b b = { .hostnqn = HOST_A, .file = file, .bytes = NS_BYTES };
	dpd_engine *eb = b_up(&b);
	REQUIRE(eb != NULL);
	struct dpu_a a = { .b_port = b.port };
	int a_port;
	dpd_engine *ea = a_up(&a, &a_port);
	REQUIRE(ea != NULL);
	CHECK(wait_state(ea, DPD_REMOTE_CONNECTED, NULL, why, sizeof(why), 20000));
	struct ini ha, hq;
	CHECK(host_up(a_port, 0, 0, &ha, &hq, &HOST_TO_A) == 0);
	CHECK(write_mix(&hq, 0, 11) == 0);
	/* The remote goes away; it is back one second later, on the same port. */
	dpd_engine_destroy(eb);
	struct restart rs = { .b = &b, .delay_ms = 1000 };
	pthread_t t;
	pthread_create(&t, NULL, restart_later, &rs);
	CHECK_MSG(write_mix(&hq, 1000, 12) == 0, "host writes failed while the remote restarted");
	pthread_join(t, NULL);
	REQUIRE(rs.e != NULL);
	CHECK(verify_mix(&hq, 0, 11, 256) == 0);
	CHECK(verify_mix(&hq, 1000, 12, 256) == 0);
	CHECK(remote_stat(ea, DPD_REMOTE_STAT_RECONNECTS) >= 1);
	CHECK(remote_stat(ea, DPD_REMOTE_STAT_DISCONNECTED_NS) > 0);
	CHECK_EQ_U64(remote_stat(ea, DPD_REMOTE_STAT_ERRORS_PATH), 0);
	ini_close(&hq);
	ini_close(&ha);
	dpd_engine_destroy(ea);
	/* What the host wrote is on the remote's file. */
	struct ini ba, bq;
	CHECK(host_up(b.port, 0, 0, &ba, &bq, &A_TO_B) == 0);
	CHECK(verify_mix(&bq, 1000, 12, B_BLOCKS) == 0);
	ini_close(&bq);
	ini_close(&ba);
	dpd_engine_destroy(rs.e);
	unlink(file);
}

static void remote_gone_past_ctrl_loss_gives_a_path_error_then_recovers(void)
{
	char why[512];
	struct remote_b b = { .hostnqn = HOST_A, .bytes = NS_BYTES };
	dpd_engine *eb = b_up(&b);
	REQUIRE(eb != NULL);
	struct dpu_a a = { .b_port = b.port, .loss_s = 2 };
	int a_port;
	dpd_engine *ea = a_up(&a, &a_port);
	REQUIRE(ea != NULL);
	CHECK(wait_state(ea, DPD_REMOTE_CONNECTED, NULL, why, sizeof(why), 20000));
	struct ini ha, hq;
	CHECK(host_up(a_port, 0, 0, &ha, &hq, &HOST_TO_A) == 0);
	CHECK(write_mix(&hq, 0, 21) == 0);
	dpd_engine_destroy(eb);
	uint8_t buf[8 * BS];
	struct cqe c = { 0 };
	fill(buf, sizeof(buf), 1);
	uint64_t t0 = now_ms();
	CHECK(ini_rw(&hq, 1, 1, 0, 8, BS, buf, &c) == 0); /* answered, not hung */
	CHECK_MSG((c.status & 0x7ff) == 0x370, "status 0x%x, want the path error 0x370", c.status);
	CHECK(now_ms() - t0 >= 1000); /* it waited for the remote first */
	CHECK(wait_state(ea, DPD_REMOTE_CONNECTING, "connection refused (target down?), retrying in", why,
			 sizeof(why), 10000));
	CHECK(remote_stat(ea, DPD_REMOTE_STAT_ERRORS_PATH) >= 1);
	/* The remote returns (empty: RAM): the namespace works again by itself. */
	b.hostnqn = HOST_A;
	eb = b_up(&b);
	REQUIRE(eb != NULL);
	CHECK(wait_state(ea, DPD_REMOTE_CONNECTED, NULL, why, sizeof(why), 20000));
	CHECK(write_mix(&hq, 0, 22) == 0);
	CHECK(verify_mix(&hq, 0, 22, 256) == 0);
	ini_close(&hq);
	ini_close(&ha);
	dpd_engine_destroy(ea);
	dpd_engine_destroy(eb);
}

/* A remote that refuses us or does not fit: FAILED, with what to do. */
static void refusals_are_reported_with_what_to_do(void)
{
	char why[512], want[512];
	struct remote_b b = { .hostnqn = "nqn.2014-08.org.nvmexpress:uuid:00000000-0000-4000-8000-0000000000ff",
			      .bytes = NS_BYTES };
	dpd_engine *eb = b_up(&b);
	REQUIRE(eb != NULL);
	int port;
	struct dpu_a a = { .b_port = b.port };
	dpd_engine *ea = a_up(&a, &port);
	REQUIRE(ea != NULL);
	snprintf(want, sizeof(want), "remote 127.0.0.1:%d refused host %s for subsystem %s (Connect status 0x184): "
		 "allow this host on the remote target", b.port, HOST_A, SUB_B);
	CHECK_MSG(wait_state(ea, DPD_REMOTE_FAILED, want, why, sizeof(why), 20000), "reason: %s", why);
	/* Allowed now: it connects by itself. */
	CHECK(dpd_host_allow(eb, SUB_B, HOST_A) == 0);
	CHECK_MSG(wait_state(ea, DPD_REMOTE_CONNECTED, NULL, why, sizeof(why), 20000), "reason: %s", why);
	dpd_engine_destroy(ea);

	a.subnqn = "nqn.2024-01.dev.dpu:test.nowhere";
	ea = a_up(&a, &port);
	REQUIRE(ea != NULL);
	snprintf(want, sizeof(want), "remote subsystem nqn.2024-01.dev.dpu:test.nowhere unknown at 127.0.0.1:%d", b.port);
	CHECK_MSG(wait_state(ea, DPD_REMOTE_FAILED, want, why, sizeof(why), 20000), "reason: %s", why);
	dpd_engine_destroy(ea);

	a.subnqn = NULL;
	a.bytes = 2 * NS_BYTES;
	ea = a_up(&a, &port);
	REQUIRE(ea != NULL);
	CHECK_MSG(wait_state(ea, DPD_REMOTE_FAILED, "remote namespace 1 holds 16 MiB, volume needs 32 MiB", why,
			     sizeof(why), 20000),
		  "reason: %s", why);
	CHECK(dpd_remote_remove(ea, "store") == -EBUSY);
	CHECK(dpd_ns_remove(ea, SUB_A, 1) == 0);
	dpd_engine_destroy(ea);
	dpd_engine_destroy(eb);
}

/* ---- a fake remote that answers ICReq with garbage ---- */
struct fake {
	int lfd, port;
	int closed_by_us, accepted_again;
};

static void *fake_remote(void *arg)
{
	struct fake *f = arg;
	struct timeval tv = { .tv_sec = 20 };
	int c = accept(f->lfd, NULL, NULL);
	if (c < 0)
		return NULL;
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	uint8_t buf[256];
	if (recv(c, buf, 128, MSG_WAITALL) == 128) {
		uint8_t junk[128] = { 0x7f, 0, 128, 0, 0xff, 0xff, 0xff, 0x7f }; /* unknown type, plen 2 GiB */
		send(c, junk, sizeof(junk), MSG_NOSIGNAL);
	}
	while (recv(c, buf, sizeof(buf), 0) > 0)
		;
	f->closed_by_us = 1; /* EOF: the DPU closed this connection */
	close(c);
	setsockopt(f->lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	c = accept(f->lfd, NULL, NULL);
	if (c >= 0) {
		f->accepted_again = 1; /* and tries again */
		close(c);
	}
	return NULL;
}

static void malformed_pdu_from_the_remote_closes_only_that_connection(void)
{
	struct fake f = { 0 };
	f.lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	REQUIRE(bind(f.lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(f.lfd, 4) == 0);
	getsockname(f.lfd, (struct sockaddr *)&sa, &sl);
	f.port = ntohs(sa.sin_port);
	pthread_t t;
	pthread_create(&t, NULL, fake_remote, &f);
	int port;
	struct dpu_a a = { .b_port = f.port };
	dpd_engine *ea = a_up(&a, &port);
	REQUIRE(ea != NULL);
	pthread_join(t, NULL);
	CHECK(f.closed_by_us);
	CHECK(f.accepted_again);
	/* The DPU's own namespace keeps working for its host meanwhile. */
	struct ini ha, hq;
	CHECK(host_up(port, 0, 0, &ha, &hq, &HOST_TO_A) == 0);
	uint8_t w[4 * BS], r[4 * BS];
	struct cqe c;
	fill(w, sizeof(w), 77);
	CHECK(ini_rw(&hq, 1, 2, 0, 4, BS, w, &c) == 0 && c.status == 0);
	CHECK(ini_rw(&hq, 0, 2, 0, 4, BS, r, &c) == 0 && c.status == 0 && memcmp(w, r, sizeof(w)) == 0);
	char why[512];
	CHECK_MSG(wait_state(ea, DPD_REMOTE_CONNECTING, "ICResp", why, sizeof(why), 10000), "reason: %s", why);
	ini_close(&hq);
	ini_close(&ha);
	dpd_engine_destroy(ea);
	close(f.lfd);
}

/* ---- a proxy between A and B that can slip one malformed PDU into B's
 * stream at a PDU boundary (so it is always seen as malformed, never as
 * changed data) ---- */
#define PROXY_MAX 16
struct proxy {
	int lfd, port, to_port;
	int inject, injected; /* atomics */
	int stop;
	int a[PROXY_MAX], b[PROXY_MAX]; /* A side, B side; -1: free */
	uint32_t left[PROXY_MAX];        /* bytes of the current PDU from B still to pass */
	uint8_t hdr[PROXY_MAX][8];
	int nhdr[PROXY_MAX];
};

static int send_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* B -> A: pass bytes, and at a PDU boundary inject the malformed header when asked. */
static int b_to_a(struct proxy *x, int i, const uint8_t *p, size_t n)
{
	static const uint8_t bad[8] = { 0x7f, 0, 8, 0, 8, 0, 0, 0 }; /* no such PDU type */
	while (n) {
		if (x->left[i]) {
			size_t k = DPD_MIN(n, (size_t)x->left[i]);
			if (send_all(x->a[i], p, k) < 0)
				return -1;
			x->left[i] -= (uint32_t)k;
			p += k;
			n -= k;
			continue;
		}
		x->hdr[i][x->nhdr[i]++] = *p++;
		n--;
		if (x->nhdr[i] < 8)
			continue;
		x->nhdr[i] = 0;
		if (__atomic_exchange_n(&x->inject, 0, __ATOMIC_ACQ_REL)) {
			__atomic_store_n(&x->injected, 1, __ATOMIC_RELEASE);
			if (send_all(x->a[i], bad, sizeof(bad)) < 0)
				return -1;
		}
		if (send_all(x->a[i], x->hdr[i], 8) < 0)
			return -1;
		x->left[i] = get_le32(x->hdr[i] + 4) - 8;
	}
	return 0;
}

static void proxy_close(struct proxy *x, int i)
{
	close(x->a[i]);
	close(x->b[i]);
	x->a[i] = x->b[i] = -1;
}

static void *proxy_main(void *arg)
{
	struct proxy *x = arg;
	uint8_t buf[65536];
	while (!__atomic_load_n(&x->stop, __ATOMIC_ACQUIRE)) {
		struct pollfd pf[1 + 2 * PROXY_MAX];
		int n = 0;
		pf[n++] = (struct pollfd){ .fd = x->lfd, .events = POLLIN };
		for (int i = 0; i < PROXY_MAX; i++) {
			pf[n++] = (struct pollfd){ .fd = x->a[i], .events = POLLIN };
			pf[n++] = (struct pollfd){ .fd = x->b[i], .events = POLLIN };
		}
		if (poll(pf, (nfds_t)n, 50) <= 0)
			continue;
		if (pf[0].revents & POLLIN) {
			int c = accept(x->lfd, NULL, NULL), i = 0;
			while (i < PROXY_MAX && x->a[i] >= 0)
				i++;
			struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)x->to_port) };
			inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
			int t = socket(AF_INET, SOCK_STREAM, 0);
			if (c >= 0 && i < PROXY_MAX && t >= 0 && connect(t, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
				x->a[i] = c;
				x->b[i] = t;
				x->left[i] = 0;
				x->nhdr[i] = 0;
			} else {
				if (c >= 0)
					close(c);
				if (t >= 0)
					close(t);
			}
		}
		for (int i = 0; i < PROXY_MAX; i++) {
			struct pollfd *pa = &pf[1 + 2 * i], *pb = &pf[2 + 2 * i];
			if (x->a[i] < 0)
				continue;
			if (pa->revents) {
				ssize_t k = recv(x->a[i], buf, sizeof(buf), 0);
				if (k <= 0 || send_all(x->b[i], buf, (size_t)k) < 0) {
					proxy_close(x, i);
					continue;
				}
			}
			if (pb->revents) {
				ssize_t k = recv(x->b[i], buf, sizeof(buf), 0);
				if (k <= 0 || b_to_a(x, i, buf, (size_t)k) < 0)
					proxy_close(x, i);
			}
		}
	}
	for (int i = 0; i < PROXY_MAX; i++)
		if (x->a[i] >= 0)
			proxy_close(x, i);
	return NULL;
}

static void malformed_pdu_on_a_live_queue_costs_the_host_nothing(void)
{
	char why[512];
	struct remote_b b = { .hostnqn = HOST_A, .bytes = NS_BYTES };
	dpd_engine *eb = b_up(&b);
	REQUIRE(eb != NULL);
	struct proxy x = { .to_port = b.port };
	for (int i = 0; i < PROXY_MAX; i++)
		x.a[i] = x.b[i] = -1;
	x.lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	REQUIRE(bind(x.lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(x.lfd, 8) == 0);
	getsockname(x.lfd, (struct sockaddr *)&sa, &sl);
	x.port = ntohs(sa.sin_port);
	pthread_t t;
	pthread_create(&t, NULL, proxy_main, &x);
	struct dpu_a a = { .b_port = x.port };
	int port;
	dpd_engine *ea = a_up(&a, &port);
	REQUIRE(ea != NULL);
	CHECK(wait_state(ea, DPD_REMOTE_CONNECTED, NULL, why, sizeof(why), 20000));
	struct ini ha, hq;
	CHECK(host_up(port, 0, 0, &ha, &hq, &HOST_TO_A) == 0);
	CHECK(write_mix(&hq, 0, 41) == 0);
	__atomic_store_n(&x.inject, 1, __ATOMIC_RELEASE); /* the next PDU from B gets a bad one before it */
	CHECK_MSG(write_mix(&hq, 3000, 42) == 0, "host writes failed after a malformed PDU from the remote");
	CHECK(__atomic_load_n(&x.injected, __ATOMIC_ACQUIRE));
	CHECK(verify_mix(&hq, 0, 41, 256) == 0);
	CHECK(verify_mix(&hq, 3000, 42, 256) == 0);
	CHECK(remote_stat(ea, DPD_REMOTE_STAT_ERRORS_TRANSPORT) >= 1);
	CHECK(remote_stat(ea, DPD_REMOTE_STAT_RECONNECTS) >= 1);
	struct ini ba, bq;
	CHECK(host_up(b.port, 0, 0, &ba, &bq, &A_TO_B) == 0);
	CHECK(verify_mix(&bq, 3000, 42, B_BLOCKS) == 0);
	ini_close(&bq);
	ini_close(&ba);
	ini_close(&hq);
	ini_close(&ha);
	dpd_engine_destroy(ea);
	__atomic_store_n(&x.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	close(x.lfd);
	dpd_engine_destroy(eb);
}

static int ns_index(dpd_stats *s, uint32_t nsid)
{
	for (int i = 0; i < dpd_stats_ns_count(s); i++)
		if (dpd_stats_ns_nsid(s, i) == nsid && strcmp(dpd_stats_ns_subsystem(s, i), SUB_A) == 0)
			return i;
	return -1;
}

/* QoS and the offload modes act before forwarding, as for local backends. */
static void qos_and_offload_modes_apply_before_forwarding(void)
{
	char why[512];
	struct remote_b b = { .hostnqn = HOST_A, .bytes = NS_BYTES };
	dpd_engine *eb = b_up(&b);
	REQUIRE(eb != NULL);
	struct dpu_a a = { .b_port = b.port };
	int port;
	dpd_engine *ea = a_up(&a, &port);
	REQUIRE(ea != NULL);
	CHECK(dpd_tenant_add(ea, "blue") == 0);
	CHECK(dpd_tenant_set_limits(ea, "blue", 0, 200, 0, 0, 0, 0, 1, 0) == 0);
	CHECK(dpd_tenant_ns_add(ea, "blue", SUB_A, 1) == 0);
	CHECK(dpd_engine_set_offload_mode(ea, DPD_OFFLOAD_NON_OFFLOAD, DPD_OFFLOAD_FALLBACK_FAIL) ==
	      DPD_OFFLOAD_NON_OFFLOAD);
	CHECK(wait_state(ea, DPD_REMOTE_CONNECTED, NULL, why, sizeof(why), 20000));
	struct ini ha, hq;
	CHECK(host_up(port, 0, 0, &ha, &hq, &HOST_TO_A) == 0);
	CHECK(write_mix(&hq, 0, 31) == 0);
	CHECK(verify_mix(&hq, 0, 31, 256) == 0);
	dpd_stats *s = NULL;
	CHECK(dpd_stats_snapshot(ea, &s) == 0);
	int ns = ns_index(s, 1);
	REQUIRE(ns >= 0);
	uint64_t ios = dpd_stats_io(s, DPD_KIND_NS, ns, DPD_IO_READ_OPS) + dpd_stats_io(s, DPD_KIND_NS, ns, DPD_IO_WRITE_OPS);
	CHECK_EQ_U64(ios, 2 * DPD_ARRAY_SIZE(MIX));
	CHECK_EQ_U64(dpd_stats_io(s, DPD_KIND_NS, ns, DPD_IO_PAYLOAD_COPIES), 2 * ios);
	CHECK(dpd_stats_io(s, DPD_KIND_TENANT, 0, DPD_IO_THROTTLED) > 0);
	CHECK_EQ_U64(dpd_stats_remote(s, 0, DPD_REMOTE_STAT_WRITE_OPS), DPD_ARRAY_SIZE(MIX));
	dpd_stats_destroy(s);
	/* ZeroCopy: the host's buffer goes to the remote socket as is. */
	CHECK(dpd_engine_set_offload_mode(ea, DPD_OFFLOAD_ZERO_COPY, DPD_OFFLOAD_FALLBACK_FAIL) == DPD_OFFLOAD_ZERO_COPY);
	CHECK(write_mix(&hq, 4000, 32) == 0);
	CHECK(verify_mix(&hq, 4000, 32, 256) == 0);
	CHECK(dpd_stats_snapshot(ea, &s) == 0);
	ns = ns_index(s, 1);
	REQUIRE(ns >= 0);
	CHECK_EQ_U64(dpd_stats_io(s, DPD_KIND_NS, ns, DPD_IO_PAYLOAD_COPIES), 2 * ios); /* none more */
	dpd_stats_destroy(s);
	ini_close(&hq);
	ini_close(&ha);
	dpd_engine_destroy(ea);
	dpd_engine_destroy(eb);
}

static void api_refuses_bad_arguments(void)
{
	dpd_engine *e = NULL;
	REQUIRE(dpd_engine_create(NULL, &e) == 0);
	CHECK(dpd_remote_add(e, "r", "storage.example", 4420, SUB_B, HOST_A, 0, 0, 600) == -EINVAL);
	CHECK(strstr(dpd_last_error(), "not an IPv4 or IPv6 address") != NULL);
	CHECK(dpd_remote_add(e, "r", "10.0.0.5", 0, SUB_B, HOST_A, 0, 0, 600) == -EINVAL);
	CHECK(dpd_remote_add(e, "r", "10.0.0.5", 4420, "storage", HOST_A, 0, 0, 600) == -EINVAL);
	CHECK(dpd_remote_add(e, "r", "10.0.0.5", 4420, SUB_B, HOST_A, 0, 0, 0) == -EINVAL);
	CHECK(dpd_remote_add(e, "r", "127.0.0.1", 9, SUB_B, HOST_A, 0, 0, 600) == 0);
	CHECK(dpd_remote_add(e, "r", "127.0.0.1", 9, SUB_B, HOST_A, 0, 0, 600) == -EEXIST);
	CHECK(dpd_subsystem_add(e, SUB_A, NULL, NULL) == 0);
	CHECK(dpd_ns_add_remote(e, SUB_A, 1, "nope", 1, NS_BYTES, BS) == -ENOENT);
	CHECK(dpd_ns_add_remote(e, SUB_A, 1, "r", 1, NS_BYTES, BS) == 0);
	CHECK(dpd_remote_remove(e, "r") == -EBUSY);
	CHECK(dpd_ns_remove(e, SUB_A, 1) == 0);
	CHECK(dpd_remote_remove(e, "r") == 0);
	CHECK(dpd_remote_remove(e, "r") == -ENOENT);
	dpd_engine_destroy(e);
}

int main(void)
{
	RUN(api_refuses_bad_arguments);
	RUN(mixed_sizes_land_on_the_remote_intact);
	RUN(digests_on_both_hops);
	RUN(xts_leaves_only_ciphertext_on_the_remote);
	RUN(flush_write_zeroes_and_deallocate_reach_the_remote);
	RUN(qos_and_offload_modes_apply_before_forwarding);
	RUN(remote_restart_costs_the_host_no_error);
	RUN(remote_gone_past_ctrl_loss_gives_a_path_error_then_recovers);
	RUN(refusals_are_reported_with_what_to_do);
	RUN(malformed_pdu_from_the_remote_closes_only_that_connection);
	RUN(malformed_pdu_on_a_live_queue_costs_the_host_nothing);
	TEST_EXIT();
}

/* The public API of offload modes, keys, tenants and telemetry, exercised through a
 * real engine on loopback with the test initiator: what the agent will see. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "common/util.h"
#include "fixture.h"

#define SUBNQN "nqn.2024-01.dev.dpu:feature-api"
#define HOSTNQN "nqn.2014-08.org.nvmexpress:uuid:aaaaaaaa-1111-2222-3333-444444444444"
#define BS 4096

static char g_file[64];

/* Namespace 2 on a file, and tenant "blue" holding the host. */
static int more_setup(dpd_engine *e)
{
	fx_image_path(g_file, sizeof(g_file), "/tmp", "layers-api");
	int rc = dpd_ns_add_file(e, SUBNQN, 2, g_file, 8ull << 20, BS);
	rc |= dpd_tenant_add(e, "blue");
	return rc | dpd_tenant_host_add(e, "blue", HOSTNQN);
}

static const struct fx_target TARGET = {
	.reactors = 2, .subnqn = SUBNQN, .hostnqn = HOSTNQN, .ram_bytes = 8ull << 20, .block = BS,
	.more = more_setup,
};

static void engine_down(dpd_engine *e)
{
	dpd_engine_destroy(e);
	unlink(g_file);
}

static int ns_index(const dpd_stats *s, uint32_t nsid)
{
	for (int i = 0; i < dpd_stats_ns_count(s); i++)
		if (dpd_stats_ns_nsid(s, i) == nsid && strcmp(dpd_stats_ns_subsystem(s, i), SUBNQN) == 0)
			return i;
	return -1;
}

static uint64_t hist_total(const dpd_stats *s, int kind, int idx, int hist)
{
	uint64_t n = 0;
	for (int b = 0; b < dpd_stats_hist_buckets(); b++)
		n += dpd_stats_hist_bucket(s, kind, idx, hist, b);
	return n;
}

static void fill(uint8_t *buf, uint64_t lba)
{
	for (int i = 0; i < 2 * BS; i++)
		buf[i] = (uint8_t)(lba * 13 + (uint64_t)i * 7 + 1);
}

/* NonOffload + AES-XTS on the file namespace: data round-trips, the file holds
 * ciphertext, and one snapshot shows the same I/O per namespace, tenant and queue. */
static void telemetry_counts_real_io_per_namespace_tenant_and_queue(void)
{
	int port;
	dpd_engine *e = fx_engine_up(&TARGET, &port);
	REQUIRE(e != NULL);
	uint8_t key[64];
	for (int i = 0; i < 64; i++)
		key[i] = (uint8_t)(i * 5 + 3);
	CHECK(dpd_engine_set_offload_mode(e, DPD_OFFLOAD_NON_OFFLOAD, DPD_OFFLOAD_FALLBACK_FAIL) ==
	      DPD_OFFLOAD_NON_OFFLOAD);
	CHECK(dpd_ns_set_key(e, SUBNQN, 2, key, 64) == 0);
	struct ini a, q;
	CHECK(fx_host_up(&TARGET, port, 0, 0, 5000, &a, &q) == 0);
	uint8_t wbuf[2 * BS], rbuf[2 * BS];
	struct cqe c;
	for (uint64_t i = 0; i < 20; i++) {
		fill(wbuf, i * 2);
		CHECK(ini_rw(&q, 1, 2, i * 2, 2, BS, wbuf, &c) == 0 && c.status == 0);
	}
	for (uint64_t i = 0; i < 20; i++) {
		memset(rbuf, 0, sizeof(rbuf));
		fill(wbuf, i * 2);
		CHECK(ini_rw(&q, 0, 2, i * 2, 2, BS, rbuf, &c) == 0 && c.status == 0);
		CHECK(memcmp(rbuf, wbuf, sizeof(rbuf)) == 0);
	}
	/* The backing file holds ciphertext, not what the host wrote. */
	int fd = open(g_file, O_RDONLY);
	uint8_t disk[2 * BS];
	CHECK(fd >= 0 && pread(fd, disk, sizeof(disk), 0) == (ssize_t)sizeof(disk));
	fill(wbuf, 0);
	CHECK(memcmp(disk, wbuf, sizeof(disk)) != 0);
	if (fd >= 0)
		close(fd);

	dpd_stats *s = NULL;
	CHECK(dpd_stats_snapshot(e, &s) == 0);
	int ns = ns_index(s, 2);
	CHECK(ns >= 0);
	CHECK_EQ_U64(dpd_stats_io(s, DPD_KIND_NS, ns, DPD_IO_WRITE_OPS), 20);
	CHECK_EQ_U64(dpd_stats_io(s, DPD_KIND_NS, ns, DPD_IO_READ_OPS), 20);
	CHECK_EQ_U64(dpd_stats_io(s, DPD_KIND_NS, ns, DPD_IO_READ_BYTES), 20 * 2 * BS);
	CHECK_EQ_U64(dpd_stats_io(s, DPD_KIND_NS, ns, DPD_IO_PAYLOAD_COPIES), 2 * 40);
	CHECK_EQ_U64(dpd_stats_io(s, DPD_KIND_NS, ns, DPD_IO_COPIED_BYTES), 2 * 40 * 2 * BS);
	CHECK_EQ_U64(dpd_stats_io(s, DPD_KIND_NS, ns, DPD_IO_INFLIGHT), 0);
	/* Every byte written was encrypted, every byte read decrypted; namespace 1 has no key. */
	CHECK_EQ_U64(dpd_stats_io(s, DPD_KIND_NS, ns, DPD_IO_XTS_BYTES), 40 * 2 * BS);
	CHECK_EQ_U64(dpd_stats_io(s, DPD_KIND_TENANT, 0, DPD_IO_XTS_BYTES), 40 * 2 * BS);
	CHECK_EQ_U64(dpd_stats_io(s, DPD_KIND_NS, ns_index(s, 1), DPD_IO_XTS_BYTES), 0);
	CHECK_EQ_U64(hist_total(s, DPD_KIND_NS, ns, DPD_HIST_E2E), 40);
	CHECK_EQ_U64(hist_total(s, DPD_KIND_NS, ns, DPD_HIST_BACKEND), 40);
	uint64_t p50 = dpd_stats_latency_ns(s, DPD_KIND_NS, ns, DPD_HIST_E2E, 50);
	CHECK(p50 > 0 && p50 <= dpd_stats_latency_ns(s, DPD_KIND_NS, ns, DPD_HIST_E2E, 99.9));
	CHECK(dpd_stats_latency_ns(s, DPD_KIND_NS, ns, DPD_HIST_BACKEND, 50) <= dpd_stats_latency_ns(s, DPD_KIND_NS, ns, DPD_HIST_E2E, 99.9));
	/* The node aggregate is every namespace summed, histograms included; it has one object. */
	uint64_t ops = 0, e2e = 0;
	for (int i = 0; i < dpd_stats_ns_count(s); i++) {
		ops += dpd_stats_io(s, DPD_KIND_NS, i, DPD_IO_READ_OPS) + dpd_stats_io(s, DPD_KIND_NS, i, DPD_IO_WRITE_OPS);
		e2e += hist_total(s, DPD_KIND_NS, i, DPD_HIST_E2E);
	}
	CHECK_EQ_U64(ops, 40);
	CHECK_EQ_U64(dpd_stats_io(s, DPD_KIND_NODE, 0, DPD_IO_READ_OPS) + dpd_stats_io(s, DPD_KIND_NODE, 0, DPD_IO_WRITE_OPS), ops);
	CHECK_EQ_U64(dpd_stats_io(s, DPD_KIND_NODE, 0, DPD_IO_XTS_BYTES), 40 * 2 * BS);
	CHECK_EQ_U64(hist_total(s, DPD_KIND_NODE, 0, DPD_HIST_E2E), e2e);
	CHECK_EQ_U64(hist_total(s, DPD_KIND_NODE, 0, DPD_HIST_BACKEND), 40);
	CHECK_EQ_U64(dpd_stats_hist_sum_ns(s, DPD_KIND_NODE, 0, DPD_HIST_E2E), dpd_stats_hist_sum_ns(s, DPD_KIND_NS, ns, DPD_HIST_E2E));
	CHECK_EQ_U64(dpd_stats_io(s, DPD_KIND_NODE, 1, DPD_IO_READ_OPS), 0); /* out of range */
	/* Both reactors account their time; the one serving the queue was busy for some of it. */
	CHECK(dpd_stats_reactor_count(s) == 2);
	uint64_t busy = 0;
	for (int r = 0; r < dpd_stats_reactor_count(s); r++) {
		CHECK(dpd_stats_reactor(s, r, DPD_REACTOR_IDLE_NS) > 0);
		busy += dpd_stats_reactor(s, r, DPD_REACTOR_BUSY_NS);
	}
	CHECK(busy > 0);
	CHECK_EQ_U64(dpd_stats_reactor(s, 2, DPD_REACTOR_BUSY_NS), 0); /* out of range */
	CHECK_EQ_U64(fx_stat_engine(e, DPD_STAT_DATA_DIGEST_BYTES), 0); /* no digests asked for */
	CHECK(dpd_stats_tenant_count(s) == 1 && strcmp(dpd_stats_tenant_name(s, 0), "blue") == 0);
	CHECK_EQ_U64(dpd_stats_io(s, DPD_KIND_TENANT, 0, DPD_IO_WRITE_OPS), 20);
	CHECK_EQ_U64(dpd_stats_io(s, DPD_KIND_TENANT, 0, DPD_IO_CONNECTIONS), 1); /* its I/O queue */
	int ioq = -1;
	for (int i = 0; i < dpd_stats_queue_count(s); i++)
		if ((dpd_stats_queue_id(s, i) & 0xffff) == 1)
			ioq = i;
	CHECK(ioq >= 0 && dpd_stats_queue_count(s) == 2); /* admin + I/O queue */
	if (ioq >= 0) {
		CHECK(strcmp(dpd_stats_queue_tenant(s, ioq), "blue") == 0);
		CHECK(strcmp(dpd_stats_queue_host(s, ioq), HOSTNQN) == 0);
		CHECK_EQ_U64(dpd_stats_io(s, DPD_KIND_QUEUE, ioq, DPD_IO_READ_OPS), 20);
	}
	dpd_stats_destroy(s);
	ini_close(&q);
	ini_close(&a);
	engine_down(e);
}

/* A write limit makes I/O wait (counted) but never fail; lifting it live stops that. */
static void live_limits_throttle_without_failing(void)
{
	int port;
	dpd_engine *e = fx_engine_up(&TARGET, &port);
	REQUIRE(e != NULL);
	/* 20/s: a token every 50 ms, far above a write's round trip even on a loaded machine
	 * (at 100/s a 10 ms round trip under load let a third of the writes through unthrottled). */
	CHECK(dpd_tenant_set_limits(e, "blue", 0, 20, 0, 0, 0, 0, 1, 0) == 0);
	CHECK(dpd_tenant_set_limits(e, "nobody", 0, 0, 0, 0, 0, 0, 0, 0) == -ENOENT);
	struct ini a, q;
	CHECK(fx_host_up(&TARGET, port, 0, 0, 5000, &a, &q) == 0);
	uint8_t buf[2 * BS] = {0};
	struct cqe c;
	for (int i = 0; i < 12; i++)
		CHECK(ini_rw(&q, 1, 1, (uint64_t)i * 2, 2, BS, buf, &c) == 0 && c.status == 0);
	dpd_stats *s = NULL;
	CHECK(dpd_stats_snapshot(e, &s) == 0);
	uint64_t throttled = dpd_stats_io(s, DPD_KIND_TENANT, 0, DPD_IO_THROTTLED);
	CHECK_MSG(throttled >= 8, "%llu of 12 writes throttled", (unsigned long long)throttled); /* burst of one */
	CHECK(dpd_stats_io(s, DPD_KIND_TENANT, 0, DPD_IO_THROTTLED_NS) > 0);
	CHECK_EQ_U64(dpd_stats_io(s, DPD_KIND_TENANT, 0, DPD_IO_ERRORS), 0);
	CHECK_EQ_U64(dpd_stats_tenant_limit(s, 0, 1), 20);
	dpd_stats_destroy(s);
	CHECK(dpd_tenant_set_limits(e, "blue", 0, 0, 0, 0, 0, 0, 0, 0) == 0);
	for (int i = 0; i < 30; i++)
		CHECK(ini_rw(&q, 1, 1, (uint64_t)i * 2, 2, BS, buf, &c) == 0 && c.status == 0);
	CHECK(dpd_stats_snapshot(e, &s) == 0);
	CHECK_EQ_U64(dpd_stats_io(s, DPD_KIND_TENANT, 0, DPD_IO_THROTTLED), throttled);
	CHECK_EQ_U64(dpd_stats_io(s, DPD_KIND_TENANT, 0, DPD_IO_WRITE_OPS), 42);
	dpd_stats_destroy(s);
	ini_close(&q);
	ini_close(&a);
	engine_down(e);
}

/* Clearing a key stops decryption (the host then sees the stored ciphertext); bad keys
 * and unknown namespaces are refused with the right errno. */
static void key_set_and_clear(void)
{
	int port;
	dpd_engine *e = fx_engine_up(&TARGET, &port);
	REQUIRE(e != NULL);
	uint8_t key[64], same[64];
	for (int i = 0; i < 64; i++)
		key[i] = (uint8_t)(i * 11 + 1);
	memset(same, 7, sizeof(same));
	CHECK(dpd_ns_set_key(e, SUBNQN, 1, same, 64) == -EINVAL);
	CHECK(dpd_ns_set_key(e, SUBNQN, 1, key, 32) == -EINVAL);
	CHECK(dpd_ns_set_key(e, SUBNQN, 9, key, 64) == -ENOENT);
	CHECK(dpd_ns_set_key(e, SUBNQN, 1, key, 64) == 0);
	struct ini a, q;
	CHECK(fx_host_up(&TARGET, port, 0, 0, 5000, &a, &q) == 0);
	uint8_t w[2 * BS], r[2 * BS];
	fill(w, 4);
	struct cqe c;
	CHECK(ini_rw(&q, 1, 1, 4, 2, BS, w, &c) == 0 && c.status == 0);
	CHECK(ini_rw(&q, 0, 1, 4, 2, BS, r, &c) == 0 && c.status == 0 && memcmp(r, w, sizeof(w)) == 0);
	CHECK(dpd_ns_clear_key(e, SUBNQN, 1) == 0);
	CHECK(ini_rw(&q, 0, 1, 4, 2, BS, r, &c) == 0 && c.status == 0 && memcmp(r, w, sizeof(w)) != 0);
	CHECK(dpd_ns_set_key(e, SUBNQN, 1, key, 64) == 0);
	CHECK(ini_rw(&q, 0, 1, 4, 2, BS, r, &c) == 0 && c.status == 0 && memcmp(r, w, sizeof(w)) == 0);
	ini_close(&q);
	ini_close(&a);
	engine_down(e);
}

static void offload_mode_without_provider(void)
{
	int port;
	dpd_engine *e = fx_engine_up(&TARGET, &port);
	REQUIRE(e != NULL);
	char providers[128];
	CHECK(dpd_capabilities(providers, sizeof(providers)) >= 0 && providers[0] == '\0');
	CHECK(dpd_engine_offload_mode(e) == DPD_OFFLOAD_ZERO_COPY);
	CHECK(dpd_engine_set_offload_mode(e, DPD_OFFLOAD_NON_OFFLOAD, DPD_OFFLOAD_FALLBACK_FAIL) == DPD_OFFLOAD_NON_OFFLOAD);
	CHECK(dpd_engine_set_offload_mode(e, DPD_OFFLOAD_FULL_OFFLOAD, DPD_OFFLOAD_FALLBACK_FAIL) == -ENOTSUP);
	CHECK(dpd_engine_offload_mode(e) == DPD_OFFLOAD_NON_OFFLOAD); /* unchanged */
	CHECK(strstr(dpd_last_error(), "unavailable") != NULL);
	CHECK(dpd_engine_set_offload_mode(e, DPD_OFFLOAD_FULL_OFFLOAD, DPD_OFFLOAD_FALLBACK_DEGRADE) == DPD_OFFLOAD_ZERO_COPY);
	CHECK(dpd_engine_set_offload_mode(e, 9, DPD_OFFLOAD_FALLBACK_DEGRADE) == -EINVAL);
	engine_down(e);
}

/* With data digests on, every payload byte sent or received is covered by a CRC32C the data
 * path computed: the digest work the Data path dashboard shows. */
static void data_digest_bytes_counted(void)
{
	int port;
	dpd_engine *e = fx_engine_up(&TARGET, &port);
	REQUIRE(e != NULL);
	struct ini a, q;
	CHECK(fx_host_up(&TARGET, port, 1, 1, 5000, &a, &q) == 0);
	uint8_t wbuf[2 * BS], rbuf[2 * BS];
	struct cqe c;
	uint64_t before = fx_stat_engine(e, DPD_STAT_DATA_DIGEST_BYTES); /* set-up's admin commands */
	fill(wbuf, 7);
	CHECK(ini_rw(&q, 1, 1, 7, 2, BS, wbuf, &c) == 0 && c.status == 0);
	CHECK(ini_rw(&q, 0, 1, 7, 2, BS, rbuf, &c) == 0 && c.status == 0);
	CHECK(memcmp(rbuf, wbuf, sizeof(rbuf)) == 0);
	CHECK_EQ_U64(fx_stat_engine(e, DPD_STAT_DATA_DIGEST_BYTES) - before, 2 * 2 * BS);
	ini_close(&q);
	ini_close(&a);
	engine_down(e);
}

int main(void)
{
	RUN(telemetry_counts_real_io_per_namespace_tenant_and_queue);
	RUN(live_limits_throttle_without_failing);
	RUN(data_digest_bytes_counted);
	RUN(key_set_and_clear);
	RUN(offload_mode_without_provider);
	TEST_EXIT();
}

/* Digests as a requirement (dpd_engine_set_digest_policy): the host chooses digests in
 * its ICReq, so a target that requires one refuses an ICReq without it - the ICResp
 * names what is required (the Linux host reports the mismatch and its connect fails),
 * the connection closes, the operator sees a log line and a counter. A policy change
 * applies to new connections; established ones keep what they negotiated. Real engine,
 * real loopback TCP, driven by the test initiator. */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "fixture.h"
#include "common/util.h"

#define SUBNQN "nqn.2024-01.dev.dpu:digest-policy"
#define HOSTNQN "nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-00000000d1d1"

static const struct fx_target TARGET = {
	.reactors = 2, .subnqn = SUBNQN, .hostnqn = HOSTNQN, .ram_bytes = 8ull << 20, .block = 512,
};

static dpd_engine *engine_up(int *port)
{
	dpd_engine *e = fx_engine_up(&TARGET, port);
	if (e)
		fx_log_capture();
	return e;
}

static void engine_down(dpd_engine *e)
{
	fx_log_release();
	dpd_engine_destroy(e);
}

static uint64_t refused_for_digest(dpd_engine *e)
{
	return fx_stat_engine(e, DPD_STAT_CONNECT_REFUSED_DIGEST);
}

/* Send an ICReq asking for the given digests; return the ICResp's digest byte, or -1. */
static int icresp_digests(struct ini *q, int port, int hdgst, int ddgst)
{
	uint8_t b[128] = { 0 };
	b[0] = 0x00; /* ICReq */
	b[2] = 128;
	put_le32(b + 4, 128);
	b[11] = (uint8_t)((hdgst ? 1 : 0) | (ddgst ? 2 : 0));
	if (ini_tcp(q, port) < 0 || ini_send(q, b, sizeof(b)) < 0)
		return -1;
	size_t have = 0;
	while (have < sizeof(b)) {
		ssize_t n = recv(q->fd, b + have, sizeof(b) - have, 0);
		if (n < 0 && errno == EINTR)
			continue; /* with SO_RCVTIMEO set, an interrupted recv says EINTR: retry, as the host library does */
		if (n <= 0)
			return -1;
		have += (size_t)n;
	}
	return b[0] == 0x01 ? b[11] : -1;
}

/* One verified write and read on an I/O queue: the connection still serves. */
static int io_works(struct ini *io)
{
	uint8_t w[4096], r[4096];
	struct cqe c;
	for (size_t i = 0; i < sizeof(w); i++)
		w[i] = (uint8_t)(i * 7 + 3);
	if (ini_rw(io, 1, 1, 8, 8, 512, w, &c) < 0 || c.status)
		return 0;
	memset(r, 0, sizeof(r));
	if (ini_rw(io, 0, 1, 8, 8, 512, r, &c) < 0 || c.status)
		return 0;
	return memcmp(w, r, sizeof(w)) == 0;
}

static void test_header_digest_required_refuses_a_host_without_it(void)
{
	int port;
	dpd_engine *e = engine_up(&port);
	REQUIRE(e != NULL);
	CHECK(dpd_engine_set_digest_policy(e, 1, 0) == 0);

	struct ini a;
	CHECK(icresp_digests(&a, port, 0, 0) == 1); /* ICResp: header digest required */
	CHECK(ini_expect_eof(&a));
	ini_close(&a);
	CHECK(ini_admin_up(&a, port, 0, 0, SUBNQN, HOSTNQN, 5000) < 0);
	CHECK_MSG(strstr(a.err, "digest") != NULL, "initiator said: %s", a.err);
	ini_close(&a);
	CHECK(refused_for_digest(e) == 2);
	CHECK(fx_log_has("refused at ICReq: this target requires header digest and the host did not ask for it; "
		      "connect with --hdr-digest"));

	/* Asking for it (and for a data digest on top) connects and does I/O. */
	struct ini adm, io;
	CHECK(ini_admin_up(&adm, port, 1, 0, SUBNQN, HOSTNQN, 5000) == 0 && fx_set_queues(&adm, 1, NULL) == 0);
	CHECK(ini_io_up(&io, port, 1, 1, SUBNQN, HOSTNQN, adm.cntlid, 1) == 0);
	CHECK(io_works(&io));
	CHECK(refused_for_digest(e) == 2);
	ini_close(&io);
	ini_close(&adm);
	engine_down(e);
}

static void test_data_digest_required(void)
{
	int port;
	dpd_engine *e = engine_up(&port);
	REQUIRE(e != NULL);
	CHECK(dpd_engine_set_digest_policy(e, 0, 1) == 0);
	struct ini a;
	CHECK(icresp_digests(&a, port, 1, 0) == 3); /* keeps the host's header digest, adds data */
	CHECK(ini_expect_eof(&a));
	ini_close(&a);
	CHECK(fx_log_has("requires data digest and the host did not ask for it; connect with --data-digest"));
	CHECK(ini_admin_up(&a, port, 0, 1, SUBNQN, HOSTNQN, 5000) == 0);
	ini_close(&a);
	CHECK(dpd_engine_set_digest_policy(e, 1, 1) == 0);
	CHECK(icresp_digests(&a, port, 0, 0) == 3);
	ini_close(&a);
	CHECK(fx_log_has("requires header digest and data digest and the host did not ask for either; "
		      "connect with --hdr-digest --data-digest"));
	CHECK(refused_for_digest(e) == 2);
	engine_down(e);
}

/* Live: connections made before a change keep their (digest-less) transport and go on
 * serving; connections made after it follow the new policy, both ways. */
static void test_policy_change_applies_to_new_connections_only(void)
{
	int port;
	dpd_engine *e = engine_up(&port);
	REQUIRE(e != NULL);
	struct ini adm, io, late;
	CHECK(fx_host_up(&TARGET, port, 0, 0, 5000, &adm, &io) == 0);

	CHECK(dpd_engine_set_digest_policy(e, 1, 0) == 0);
	CHECK(io_works(&io));
	CHECK(ini_admin_up(&late, port, 0, 0, SUBNQN, HOSTNQN, 5000) < 0);
	ini_close(&late);
	CHECK(refused_for_digest(e) == 1);

	CHECK(dpd_engine_set_digest_policy(e, 0, 0) == 0);
	CHECK(ini_admin_up(&late, port, 0, 0, SUBNQN, HOSTNQN, 5000) == 0);
	ini_close(&late);
	CHECK(io_works(&io));
	ini_close(&io);
	ini_close(&adm);
	engine_down(e);
}

static void test_policy_rejects_bad_arguments(void)
{
	dpd_engine *e = NULL;
	CHECK(dpd_engine_set_digest_policy(NULL, 1, 1) == -EINVAL);
	CHECK(dpd_engine_create(NULL, &e) == 0);
	CHECK(dpd_engine_set_digest_policy(e, 2, 0) == -EINVAL && strstr(dpd_last_error(), "0 (optional) or 1"));
	CHECK(dpd_engine_set_digest_policy(e, 0, -1) == -EINVAL);
	dpd_engine_destroy(e);
}

int main(void)
{
	dpd_log_set_level(getenv("DPD_DEBUG") ? DPD_LOG_DEBUG : DPD_LOG_WARN);
	RUN(test_header_digest_required_refuses_a_host_without_it);
	RUN(test_data_digest_required);
	RUN(test_policy_change_applies_to_new_connections_only);
	RUN(test_policy_rejects_bad_arguments);
	TEST_EXIT();
}

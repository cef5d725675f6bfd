/*
 * dpu-loadgen: an NVMe/TCP initiator that drives I/O against a target at a fixed queue
 * depth and reports throughput and latency. It connects exactly like the Linux host
 * (ICReq, admin Connect, Property Get/Set, Identify, Set Features Number of Queues,
 * I/O queue Connects), runs the workload, then shuts the controller down cleanly.
 * Exit status: 0 all I/O succeeded, 1 some I/O failed, 2 usage or connection error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "telemetry/latency_hist.h"
#include "common/nvme.h"
#include "common/util.h"
#include "host/cmd.h"
#include "host/queue.h"
#include "workload.h"

#define ADMIN_TIMEOUT_MS 5000
#define KATO_MS 10000
#define KEEP_ALIVE_EVERY_MS 2000
#define DRAIN_TIMEOUT_MS 15000

struct options {
	const char *address, *subnqn, *hostnqn, *json;
	int port, queues, qd, header_digest, data_digest, verify, interval_ms;
	uint32_t nsid, bs;
	enum wl_pattern pattern;
	int read_percent;
	double duration_s;
	uint64_t ops, seed, size_bytes;
};

struct worker {
	int idx;
	pthread_t thread;
	struct hq q;
	struct wl_gen gen;
	uint8_t *bufs;
	uint64_t ops_budget;   /* 0 = until the deadline */
	uint64_t issued, inflight;
	/* read by the main thread while running */
	_Atomic uint64_t ops, read_ops, write_ops, bytes, errors, mismatches;
	struct dpd_hist hist;
	const char *fatal;
};

static struct options g_opt;
static struct wl_region g_region;
static _Atomic int g_stop;
static uint64_t g_deadline_ns;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void usage(void)
{
	fprintf(stderr,
			"usage: dpu-loadgen --address ADDR --port PORT --nqn SUBSYS_NQN [--hostnqn HOST_NQN]\n"
			"       [--nsid 1] [--queues 1] [--qd 32] [--bs 4096]\n"
			"       [--rw randread|randwrite|randrw|read|write] [--read-percent 70]\n"
			"       [--duration-s 10 | --ops N] [--header-digest] [--data-digest] [--verify]\n"
			"       [--seed N] [--interval-ms 1000] [--size BYTES] [--json FILE|-]\n");
}

static _Noreturn void die_usage(const char *what)
{
	fprintf(stderr, "dpu-loadgen: %s\n", what);
	usage();
	exit(2);
}

static _Noreturn void die_step(const char *step, const char *why)
{
	fprintf(stderr, "dpu-loadgen: %s: %s\n", step, why);
	exit(2);
}

static uint64_t parse_u64(const char *s, const char *name)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *end || *s == '-') {
		char msg[128];
		snprintf(msg, sizeof(msg), "--%s: not a non-negative integer: '%s'", name, s);
		die_usage(msg);
	}
	return v;
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"address", 1, 0, 'a'},   {"port", 1, 0, 'p'},        {"nqn", 1, 0, 'n'},
		{"hostnqn", 1, 0, 'H'},   {"nsid", 1, 0, 'N'},        {"queues", 1, 0, 'Q'},
		{"qd", 1, 0, 'q'},        {"bs", 1, 0, 'b'},          {"rw", 1, 0, 'w'},
		{"read-percent", 1, 0, 'r'}, {"duration-s", 1, 0, 'd'}, {"ops", 1, 0, 'o'},
		{"header-digest", 0, 0, 'h'}, {"data-digest", 0, 0, 'D'}, {"verify", 0, 0, 'v'},
		{"seed", 1, 0, 's'},      {"interval-ms", 1, 0, 'i'}, {"json", 1, 0, 'j'},
		{"size", 1, 0, 'S'},      {"help", 0, 0, '?'},        {0, 0, 0, 0}};
	struct options *o = &g_opt;
	*o = (struct options){.port = 4420, .queues = 1, .qd = 32, .nsid = 1, .bs = 4096,
						  .pattern = WL_RANDREAD, .read_percent = 70, .seed = 1,
						  .interval_ms = 1000, .hostnqn = "nqn.2024-01.dev.dpu:loadgen"};
	int have_duration = 0, c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': o->address = optarg; break;
		case 'p': o->port = (int)parse_u64(optarg, "port"); break;
		case 'n': o->subnqn = optarg; break;
		case 'H': o->hostnqn = optarg; break;
		case 'N': o->nsid = (uint32_t)parse_u64(optarg, "nsid"); break;
		case 'Q': o->queues = (int)parse_u64(optarg, "queues"); break;
		case 'q': o->qd = (int)parse_u64(optarg, "qd"); break;
		case 'b': o->bs = (uint32_t)parse_u64(optarg, "bs"); break;
		case 'w':
			if (wl_parse_pattern(optarg, &o->pattern))
				die_usage("--rw must be randread, randwrite, randrw, read or write");
			break;
		case 'r': o->read_percent = (int)parse_u64(optarg, "read-percent"); break;
		case 'd': {
			char *end;
			o->duration_s = strtod(optarg, &end);
			if (*end || !(o->duration_s > 0))
				die_usage("--duration-s must be a positive number");
			have_duration = 1;
			break;
		}
		case 'o': o->ops = parse_u64(optarg, "ops"); break;
		case 'h': o->header_digest = 1; break;
		case 'D': o->data_digest = 1; break;
		case 'v': o->verify = 1; break;
		case 's': o->seed = parse_u64(optarg, "seed"); break;
		case 'i': o->interval_ms = (int)parse_u64(optarg, "interval-ms"); break;
		case 'j': o->json = optarg; break;
		case 'S': o->size_bytes = parse_u64(optarg, "size"); break;
		default: usage(); exit(2);
		}
	}
	if (optind < argc)
		die_usage("unexpected argument");
	if (!o->address || !o->subnqn)
		die_usage("--address and --nqn are required");
	if (o->port <= 0 || o->port > 65535)
		die_usage("--port must be 1..65535");
	if (o->queues < 1 || o->queues > 64)
		die_usage("--queues must be 1..64");
	if (o->qd < 1 || o->qd > 1024)
		die_usage("--qd must be 1..1024");
	if (o->bs < 512 || o->bs % 512 || o->bs > (1u << 20))
		die_usage("--bs must be a multiple of 512 up to 1 MiB");
	if (o->read_percent > 100)
		die_usage("--read-percent must be 0..100");
	if (o->interval_ms < 10)
		die_usage("--interval-ms must be at least 10");
	if (have_duration && o->ops)
		die_usage("give either --duration-s or --ops, not both");
	if (!have_duration && !o->ops)
		o->duration_s = 10;
}

/* ------------------------------------------------------------ admin setup */

struct ctrl_info {
	uint16_t cntlid, mqes;
	uint32_t incapsule_max, max_transfer;
	uint64_t ns_blocks;
	uint32_t ns_block_size;
	uint8_t hostid[16];
};

/* Fabrics Connect on queue q. Returns the controller id. */
static uint16_t fabrics_connect(struct hq *q, uint16_t qid, uint16_t sqsize, uint32_t kato,
								uint16_t cntlid, const uint8_t hostid[16], const char *step)
{
	uint8_t sqe[64], data[CONNECT_DATA_LEN];
	host_sqe_connect(sqe, qid, sqsize, kato);
	host_connect_data(data, hostid, cntlid, g_opt.subnqn, g_opt.hostnqn);
	uint16_t status;
	uint32_t dw0;
	const char *why;
	if (hq_exec(q, sqe, data, sizeof(data), HQ_TO_CTRL, ADMIN_TIMEOUT_MS, &status, &dw0, NULL, &why))
		die_step(step, why);
	if (status) {
		char msg[160];
		snprintf(msg, sizeof(msg), "%s (status 0x%03x)", host_connect_refusal(status), status & 0x7ff);
		die_step(step, msg);
	}
	return (uint16_t)dw0;
}

static uint64_t prop_get(struct hq *q, uint32_t off, int size8, const char *step)
{
	uint8_t sqe[64];
	host_sqe_prop_get(sqe, off, size8);
	uint16_t status;
	uint32_t dw0, dw1;
	const char *why;
	if (hq_exec(q, sqe, NULL, 0, HQ_NONE, ADMIN_TIMEOUT_MS, &status, &dw0, &dw1, &why))
		die_step(step, why);
	if (status)
		die_step(step, "Property Get failed");
	return (uint64_t)dw0 | ((uint64_t)dw1 << 32);
}

static void prop_set(struct hq *q, uint32_t off, uint32_t value, const char *step)
{
	uint8_t sqe[64];
	host_sqe_prop_set(sqe, off, value, 0);
	uint16_t status;
	const char *why;
	if (hq_exec(q, sqe, NULL, 0, HQ_NONE, ADMIN_TIMEOUT_MS, &status, NULL, NULL, &why))
		die_step(step, why);
	if (status)
		die_step(step, "Property Set failed");
}

static uint16_t admin_cmd(struct hq *q, uint8_t opc, uint32_t nsid, uint32_t cdw10, uint32_t cdw11,
						  void *buf, uint32_t len, uint32_t *dw0, const char **why)
{
	uint8_t sqe[64] = {0};
	sqe[SQE_OPC] = opc;
	put_le32(sqe + SQE_NSID, nsid);
	put_le32(sqe + SQE_CDW10, cdw10);
	put_le32(sqe + SQE_CDW11, cdw11);
	uint16_t status = 0xffff;
	if (hq_exec(q, sqe, buf, len, len ? HQ_FROM_CTRL : HQ_NONE, ADMIN_TIMEOUT_MS, &status, dw0, NULL, why))
		return 0xffff;
	return status;
}

static void admin_setup(struct hq *aq, struct ctrl_info *ci)
{
	const char *why;
	if (hq_open(aq, g_opt.address, g_opt.port, 0, g_opt.header_digest, g_opt.data_digest, 4,
				CONNECT_DATA_LEN + 4096, &why))
		die_step("admin queue", why);
	aq->incapsule_max = CONNECT_DATA_LEN; /* the Connect data is always in-capsule */
	host_hostid_from_nqn(g_opt.hostnqn, ci->hostid);
	ci->cntlid = fabrics_connect(aq, 0, 31, KATO_MS, 0xFFFF, ci->hostid, "admin connect");

	uint64_t cap = prop_get(aq, NVME_REG_CAP, 1, "property get CAP");
	ci->mqes = (uint16_t)(cap & 0xffff);
	uint64_t ready_ms = ((cap >> 24) & 0xff) * 500 + 1000;
	prop_set(aq, NVME_REG_CC, NVME_CC_EN | (6u << 16) | (4u << 20), "property set CC.EN");
	uint64_t deadline = now_ns() + ready_ms * 1000000ull;
	while (!(prop_get(aq, NVME_REG_CSTS, 0, "property get CSTS") & NVME_CSTS_RDY)) {
		if (now_ns() > deadline)
			die_step("controller enable", "CSTS.RDY did not become 1");
		usleep(10000);
	}
	prop_get(aq, NVME_REG_VS, 0, "property get VS");

	uint8_t *id = calloc(1, 4096);
	if (admin_cmd(aq, NVME_ADM_IDENTIFY, 0, 1, 0, id, 4096, NULL, &why))
		die_step("identify controller", "failed");
	uint8_t mdts = id[77];
	uint32_t ioccsz = get_le32(id + 1792);
	ci->max_transfer = mdts ? (4096u << mdts) : (1u << 20);
	if (ci->max_transfer > (1u << 20))
		ci->max_transfer = 1u << 20;
	ci->incapsule_max = ioccsz >= 4 ? ioccsz * 16 - 64 : 0;

	uint32_t dw0 = 0;
	uint32_t nq = (uint32_t)g_opt.queues - 1;
	if (admin_cmd(aq, NVME_ADM_SET_FEATURES, 0, NVME_FEAT_NUM_QUEUES, nq | (nq << 16), NULL, 0, &dw0, &why))
		die_step("set features number of queues", "failed");
	if ((dw0 & 0xffff) < nq || (dw0 >> 16) < nq) {
		char msg[96];
		snprintf(msg, sizeof(msg), "target granted %u I/O queues, %d requested",
				 DPD_MIN(dw0 & 0xffff, dw0 >> 16) + 1, g_opt.queues);
		die_step("set features number of queues", msg);
	}

	memset(id, 0, 4096);
	if (admin_cmd(aq, NVME_ADM_IDENTIFY, g_opt.nsid, 0, 0, id, 4096, NULL, &why))
		die_step("identify namespace", "failed (no such namespace?)");
	ci->ns_blocks = get_le64(id);
	uint8_t lbaf = id[26] & 0xf;
	ci->ns_block_size = 1u << id[128 + 4 * lbaf + 2];
	free(id);
	if (ci->ns_blocks == 0)
		die_step("identify namespace", "namespace is not active (size 0)");
}

static void admin_keep_alive(struct hq *aq)
{
	const char *why;
	if (admin_cmd(aq, NVME_ADM_KEEP_ALIVE, 0, 0, 0, NULL, 0, NULL, &why))
		fprintf(stderr, "dpu-loadgen: keep alive failed\n");
}

static void admin_shutdown(struct hq *aq)
{
	uint64_t cc = prop_get(aq, NVME_REG_CC, 0, "property get CC");
	prop_set(aq, NVME_REG_CC, (uint32_t)((cc & ~NVME_CC_SHN_MASK) | (1u << 14)), "property set CC.SHN");
	for (int i = 0; i < 100; i++) {
		if ((prop_get(aq, NVME_REG_CSTS, 0, "property get CSTS") & (3u << 2)) == NVME_CSTS_SHST_CMPLT)
			return;
		usleep(10000);
	}
	fprintf(stderr, "dpu-loadgen: controller shutdown did not complete\n");
}

/* ------------------------------------------------------------ I/O workers */

static void on_io_complete(struct hq *q, struct hq_cmd *cmd, void *arg)
{
	struct worker *w = arg;
	uint64_t lat = now_ns() - cmd->start_ns;
	int is_write = cmd->dir == HQ_TO_CTRL;
	bool ok = cmd->status == 0;
	if (ok && !is_write && cmd->verify) {
		if (wl_check(&g_region, cmd->buf, cmd->slba, g_opt.seed) != 0) {
			ok = false;
			atomic_fetch_add(&w->mismatches, 1);
			if (atomic_load(&w->mismatches) <= 3)
				fprintf(stderr, "dpu-loadgen: verify mismatch at lba %" PRIu64 "\n", cmd->slba);
		}
	}
	if (ok && is_write)
		wl_mark_written(&g_region, cmd->slba);
	if (!ok)
		atomic_fetch_add(&w->errors, 1);
	if (cmd->status && atomic_load(&w->errors) <= 3)
		fprintf(stderr, "dpu-loadgen: %s at lba %" PRIu64 " failed: status 0x%03x\n",
				is_write ? "write" : "read", cmd->slba, cmd->status);
	dpd_hist_record(&w->hist, lat);
	atomic_fetch_add(is_write ? &w->write_ops : &w->read_ops, 1);
	atomic_fetch_add(&w->bytes, cmd->len);
	atomic_fetch_add(&w->ops, 1);
	w->inflight--;
	hq_cmd_put(q, cmd);
}

static bool may_issue(struct worker *w)
{
	if (atomic_load_explicit(&g_stop, memory_order_relaxed))
		return false;
	if (w->ops_budget)
		return w->issued < w->ops_budget;
	return now_ns() < g_deadline_ns;
}

static void issue(struct worker *w)
{
	struct hq_cmd *cmd = hq_cmd_get(&w->q);
	bool is_write;
	uint64_t slba = wl_next(&w->gen, &is_write);
	cmd->buf = w->bufs + (size_t)cmd->cid * g_opt.bs;
	cmd->len = g_opt.bs;
	cmd->dir = is_write ? HQ_TO_CTRL : HQ_FROM_CTRL;
	cmd->slba = slba;
	/* Decided at issue: a block whose first write completes later may hold older data now. */
	cmd->verify = !is_write && g_opt.verify && wl_should_verify(&g_region, g_opt.pattern, slba);
	if (is_write && g_opt.verify)
		wl_fill(&g_region, cmd->buf, slba, g_opt.seed);
	host_sqe_rw(cmd->sqe, is_write, g_opt.nsid, slba, g_region.lbas_per_io);
	cmd->start_ns = now_ns();
	hq_submit(&w->q, cmd);
	w->issued++;
	w->inflight++;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	w->q.on_complete = on_io_complete;
	w->q.arg = w;
	w->q.copy_c2h = g_opt.verify; /* without verification nobody looks at read data */
	for (;;) {
		while (w->inflight < (uint64_t)g_opt.qd && may_issue(w))
			issue(w);
		if (w->inflight == 0 && !may_issue(w))
			break;
		if (hq_poll(&w->q, 5)) {
			w->fatal = w->q.error;
			break;
		}
		if (!may_issue(w) && now_ns() > g_deadline_ns + DRAIN_TIMEOUT_MS * 1000000ull) {
			w->fatal = "I/O did not complete within the drain timeout";
			break;
		}
	}
	if (w->fatal) {
		/* Whatever was in flight is lost: count it as failed. */
		atomic_fetch_add(&w->errors, w->inflight);
		w->inflight = 0;
	}
	return NULL;
}

/* ------------------------------------------------------------ reporting */

struct interval {
	double t;
	uint64_t ops, bytes, errors;
	double p50_us, p99_us; /* latency of the I/Os completed in this interval */
};

/* Latency percentiles of what completed since the previous call: the merged
 * cumulative histogram minus the one from last time. */
static void interval_latency(struct worker *ws, int n, struct interval *out)
{
	static struct dpd_hist cum, prev, diff;
	memset(&cum, 0, sizeof(cum));
	for (int i = 0; i < n; i++)
		dpd_hist_merge(&cum, &ws[i].hist);
	memset(&diff, 0, sizeof(diff));
	for (unsigned b = 0; b < DPD_HIST_BUCKETS; b++)
		diff.buckets[b] = cum.buckets[b] - prev.buckets[b];
	out->p50_us = dpd_hist_percentile(&diff, 50) / 1000.0;
	out->p99_us = dpd_hist_percentile(&diff, 99) / 1000.0;
	prev = cum;
}

static void totals(struct worker *ws, int n, uint64_t *ops, uint64_t *bytes, uint64_t *errors)
{
	*ops = *bytes = *errors = 0;
	for (int i = 0; i < n; i++) {
		*ops += atomic_load(&ws[i].ops);
		*bytes += atomic_load(&ws[i].bytes);
		*errors += atomic_load(&ws[i].errors);
	}
}

static void write_json(FILE *f, struct worker *ws, int n, double seconds, const struct interval *iv,
					   int niv, const char *fatal)
{
	uint64_t ops, bytes, errors, rops = 0, wops = 0, mism = 0;
	totals(ws, n, &ops, &bytes, &errors);
	static struct dpd_hist h;
	memset(&h, 0, sizeof(h));
	for (int i = 0; i < n; i++) {
		rops += atomic_load(&ws[i].read_ops);
		wops += atomic_load(&ws[i].write_ops);
		mism += atomic_load(&ws[i].mismatches);
		dpd_hist_merge(&h, &ws[i].hist);
	}
	double us = 1000.0;
	fprintf(f,
			"{\"ops\":%" PRIu64 ",\"readOps\":%" PRIu64 ",\"writeOps\":%" PRIu64 ",\"bytes\":%" PRIu64
			",\"errors\":%" PRIu64 ",\"verifyMismatches\":%" PRIu64 ",\"seconds\":%.6f,\"iops\":%.1f,"
			"\"bytesPerSecond\":%.1f,\"latencyUs\":{\"p50\":%.1f,\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f,"
			"\"mean\":%.1f},\"config\":{\"rw\":\"%s\",\"bs\":%u,\"qd\":%d,\"queues\":%d,\"headerDigest\":%s,"
			"\"dataDigest\":%s,\"hostnqn\":\"%s\"},",
			ops, rops, wops, bytes, errors, mism, seconds, seconds > 0 ? ops / seconds : 0,
			seconds > 0 ? bytes / seconds : 0, dpd_hist_percentile(&h, 50) / us,
			dpd_hist_percentile(&h, 99) / us, dpd_hist_percentile(&h, 99.9) / us, h.max_ns / us,
			h.count ? (double)h.sum_ns / h.count / us : 0, wl_pattern_name(g_opt.pattern), g_opt.bs,
			g_opt.qd, g_opt.queues, g_opt.header_digest ? "true" : "false",
			g_opt.data_digest ? "true" : "false", g_opt.hostnqn);
	if (fatal)
		fprintf(f, "\"fatal\":\"%s\",", fatal);
	fprintf(f, "\"intervals\":[");
	for (int i = 0; i < niv; i++)
		fprintf(f,
				"%s{\"t\":%.3f,\"ops\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"errors\":%" PRIu64
				",\"latencyUs\":{\"p50\":%.1f,\"p99\":%.1f}}",
				i ? "," : "", iv[i].t, iv[i].ops, iv[i].bytes, iv[i].errors, iv[i].p50_us, iv[i].p99_us);
	fprintf(f, "]}\n");
}

int main(int argc, char **argv)
{
	parse_args(argc, argv);
	struct hq aq;
	struct ctrl_info ci = {0};
	admin_setup(&aq, &ci);

	if (g_opt.bs % ci.ns_block_size)
		die_step("workload", "--bs is not a multiple of the namespace block size");
	if (g_opt.bs > ci.max_transfer)
		die_step("workload", "--bs exceeds the controller's maximum transfer size (MDTS)");
	uint64_t ns_bytes = ci.ns_blocks * ci.ns_block_size;
	uint64_t region = g_opt.size_bytes ? g_opt.size_bytes : ns_bytes;
	if (region > ns_bytes || region < g_opt.bs)
		die_step("workload", "--size must be between --bs and the namespace size");
	if (wl_region_init(&g_region, ci.ns_block_size, g_opt.bs, region, g_opt.verify))
		die_step("workload", "out of memory");
	if ((uint32_t)g_opt.qd > ci.mqes) {
		fprintf(stderr, "dpu-loadgen: --qd %d above the controller's limit, using %u\n", g_opt.qd, ci.mqes);
		g_opt.qd = ci.mqes;
	}

	int nq = g_opt.queues;
	struct worker *ws = calloc((size_t)nq, sizeof(*ws));
	for (int i = 0; i < nq; i++) {
		struct worker *w = &ws[i];
		const char *why;
		w->idx = i;
		if (hq_open(&w->q, g_opt.address, g_opt.port, (uint16_t)(i + 1), g_opt.header_digest,
					g_opt.data_digest, (uint16_t)(g_opt.qd + 1), g_opt.bs, &why))
			die_step("I/O queue", why);
		w->q.incapsule_max = DPD_MIN(ci.incapsule_max, 1u << 20);
		fabrics_connect(&w->q, (uint16_t)(i + 1), (uint16_t)g_opt.qd, 0, ci.cntlid, ci.hostid,
						"I/O queue connect");
		w->bufs = aligned_alloc(4096, (size_t)(g_opt.qd + 1) * g_opt.bs);
		if (!w->bufs)
			die_step("workload", "out of memory");
		for (size_t k = 0; k < (size_t)(g_opt.qd + 1) * g_opt.bs; k++)
			w->bufs[k] = (uint8_t)(k * 131 + 7);
		wl_gen_init(&w->gen, &g_region, g_opt.pattern, g_opt.read_percent, g_opt.seed + 7919u * (uint64_t)i,
					i, nq);
		if (g_opt.ops)
			w->ops_budget = g_opt.ops / (uint64_t)nq + ((uint64_t)i < g_opt.ops % (uint64_t)nq);
	}

	uint64_t start = now_ns();
	g_deadline_ns = g_opt.ops ? UINT64_MAX / 2 : start + (uint64_t)(g_opt.duration_s * 1e9);
	for (int i = 0; i < nq; i++) {
		if (g_opt.ops && ws[i].ops_budget == 0)
			continue;
		pthread_create(&ws[i].thread, NULL, worker_main, &ws[i]);
	}

	size_t cap_iv = 1024, niv = 0;
	struct interval *iv = malloc(cap_iv * sizeof(*iv));
	uint64_t last_ops = 0, last_bytes = 0, last_err = 0, last_ka = start;
	uint64_t next = start + (uint64_t)g_opt.interval_ms * 1000000ull;
	for (;;) {
		bool running = false;
		for (int i = 0; i < nq; i++)
			if (ws[i].thread && !ws[i].fatal && (ws[i].inflight || may_issue(&ws[i])))
				running = true;
		uint64_t t = now_ns();
		if (!running || t >= next) {
			uint64_t ops, bytes, errors;
			totals(ws, nq, &ops, &bytes, &errors);
			double dt = (double)(t - (next - (uint64_t)g_opt.interval_ms * 1000000ull)) / 1e9;
			if (dt > 0.001 && (ops > last_ops || running)) {
				if (niv == cap_iv)
					iv = realloc(iv, (cap_iv *= 2) * sizeof(*iv));
				iv[niv] = (struct interval){(double)(t - start) / 1e9, ops - last_ops, bytes - last_bytes,
											errors - last_err, 0, 0};
				interval_latency(ws, nq, &iv[niv++]);
				fprintf(stderr, "t=%.0fs iops=%.0f MB/s=%.1f errors=%" PRIu64 "\n", (double)(t - start) / 1e9,
						(ops - last_ops) / dt, (bytes - last_bytes) / dt / 1e6, errors);
			}
			last_ops = ops;
			last_bytes = bytes;
			last_err = errors;
			next = t + (uint64_t)g_opt.interval_ms * 1000000ull;
		}
		if (!running)
			break;
		if (t - last_ka > KEEP_ALIVE_EVERY_MS * 1000000ull) {
			admin_keep_alive(&aq);
			last_ka = t;
		}
		usleep(2000);
	}
	const char *fatal = NULL;
	for (int i = 0; i < nq; i++) {
		if (ws[i].thread)
			pthread_join(ws[i].thread, NULL);
		if (ws[i].fatal && !fatal)
			fatal = ws[i].fatal;
	}
	double seconds = (double)(now_ns() - start) / 1e9;
	/* Use the issue window, not the drain tail, for the rate when running by duration. */
	if (!g_opt.ops && seconds > g_opt.duration_s)
		seconds = g_opt.duration_s;

	for (int i = 0; i < nq; i++)
		hq_close(&ws[i].q);
	if (!fatal)
		admin_shutdown(&aq);
	hq_close(&aq);

	uint64_t ops, bytes, errors;
	totals(ws, nq, &ops, &bytes, &errors);
	if (g_opt.json) {
		FILE *f = strcmp(g_opt.json, "-") == 0 ? stdout : fopen(g_opt.json, "w");
		if (!f) {
			fprintf(stderr, "dpu-loadgen: cannot write %s: %s\n", g_opt.json, strerror(errno));
			return 2; /* the process ends here; nothing to keep */
		}
		write_json(f, ws, nq, seconds, iv, (int)niv, fatal);
		if (f != stdout)
			fclose(f);
	}
	fprintf(stderr, "done: ops=%" PRIu64 " iops=%.0f MB/s=%.1f errors=%" PRIu64 "%s%s\n", ops,
			ops / seconds, bytes / seconds / 1e6, errors, fatal ? " fatal: " : "", fatal ? fatal : "");
	for (int i = 0; i < nq; i++)
		free(ws[i].bufs);
	free(ws);
	free(iv);
	free(g_region.written);
	return (errors || fatal) ? 1 : 0;
}

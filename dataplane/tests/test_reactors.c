/* The number of reactors and where they run: "reactors" gives that many I/O threads,
 * visible to anyone who lists the process's threads (named dpd-reactor-<i>), reported
 * by dpd_engine_reactor_count(); a CPU list pins them, and a CPU outside the process's
 * CPU set is refused with its name. Busy-polling reactors serve I/O without ever
 * going to sleep; sleeping ones (the default) give their CPU back when idle;
 * adaptive ones do not sleep between a host's back-to-back commands but do
 * once the host goes quiet. */
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "dpudp.h"
#include "fixture.h"

/* The open /proc status file of thread tid when it is one of the engine's
 * reactors (named "dpd-reactor-<n>"), else NULL. */
static FILE *reactor_status(const char *tid)
{
	char path[300], comm[32] = "";
	snprintf(path, sizeof(path), "/proc/self/task/%s/comm", tid);
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	int named = fgets(comm, sizeof(comm), f) && strncmp(comm, "dpd-reactor-", 12) == 0;
	fclose(f);
	if (!named)
		return NULL;
	snprintf(path, sizeof(path), "/proc/self/task/%s/status", tid);
	return fopen(path, "re");
}

/* The value of one "Key:" line of a status file, spaces and newline trimmed
 * (into out), or NULL when the file has no such line. */
static char *status_value(FILE *f, const char *key, char *out, size_t cap)
{
	char line[256];
	size_t klen = strlen(key);
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, klen) == 0) {
			char *v = line + klen;
			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = '\0';
			snprintf(out, cap, "%s", v);
			return out;
		}
	return NULL;
}

/* Number of this process's threads named "dpd-reactor-<n>"; with cpus non-NULL
 * the "Cpus_allowed_list" of each is appended to it (";"-separated). */
static int reactor_threads(char *cpus, size_t cap)
{
	DIR *d = opendir("/proc/self/task");
	if (!d)
		return -1;
	int n = 0;
	struct dirent *de;
	if (cpus)
		cpus[0] = '\0';
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		FILE *f = reactor_status(de->d_name);
		if (!f)
			continue;
		n++;
		char v[128];
		if (cpus && status_value(f, "Cpus_allowed_list:", v, sizeof(v)))
			snprintf(cpus + strlen(cpus), cap - strlen(cpus), "%s;", v);
		fclose(f);
	}
	closedir(d);
	return n;
}

/* Voluntary context switches of the first dpd-reactor- thread (each one a sleep:
 * epoll_wait blocking, a futex wait), or -1 when there is none. */
static long reactor_sleeps(void)
{
	DIR *d = opendir("/proc/self/task");
	long v = -1;
	struct dirent *de;
	while (d && v < 0 && (de = readdir(d)) != NULL) {
		FILE *f = de->d_name[0] == '.' ? NULL : reactor_status(de->d_name);
		char value[64];
		if (f && status_value(f, "voluntary_ctxt_switches:", value, sizeof(value)))
			v = strtol(value, NULL, 10);
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
	return v;
}

#define POLL_NQN "nqn.2024-01.dev.dpu:poll"
#define POLL_HOST "nqn.2014-08.org.nvmexpress:uuid:22222222-2222-3333-4444-555555555555"

/* How often one reactor went to sleep: while a host ran I/O back to back, and
 * then while the host's connection stayed open with no I/O. */
struct sleeps {
	long during_io, idle;
};

#define IO_COMMANDS 200
/* What the host spends on each result before its next command, on the CPU as an
 * application would: enough for a reactor that does not keep polling after its
 * response to finish its loop and block (a sleeping reactor then sleeps once per
 * read, as one with a spin window of 1 ns was seen to), far inside the 50 us an
 * adaptive one keeps polling. */
#define THINK_NS 5000u

static void think(uint64_t ns)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		clock_gettime(CLOCK_MONOTONIC, &t);
	while ((uint64_t)(t.tv_sec - t0.tv_sec) * 1000000000u + (uint64_t)(t.tv_nsec - t0.tv_nsec) < ns);
}

/* One reactor serving a RAM namespace with the given "polling": a host writes
 * and reads back 32 KiB; then, polling its socket (so its own wake-ups do not
 * stretch the gap between our response and its next command), it reads
 * IO_COMMANDS blocks, each read sent THINK_NS after the previous one completed
 * (queue depth 1) - the sleeps counted; then the connection stays open and
 * idle for longer than a few reactor ticks - the sleeps counted again. */
static struct sleeps count_sleeps(int polling)
{
	const struct fx_target t = { .reactors = 1, .polling = polling, .subnqn = POLL_NQN,
				     .hostnqn = POLL_HOST, .ram_bytes = 1 << 20, .block = 512 };
	int port;
	struct sleeps slept = { -1, -1 };
	dpd_engine *e = fx_engine_up(&t, &port);
	CHECK(e != NULL);
	if (!e)
		return slept;
	struct ini a, q;
	int up = fx_host_up(&t, port, 0, 0, 0, &a, &q);
	CHECK_MSG(up == 0, "host up: %s %s", a.err, q.err);
	if (up == 0) {
		uint8_t w[8192], r[8192];
		struct cqe c;
		for (size_t i = 0; i < sizeof(w); i++)
			w[i] = (uint8_t)(i * 7 + polling);
		for (int round = 0; round < 4; round++) {
			memset(r, 0, sizeof(r));
			CHECK(ini_rw(&q, 1, 1, (uint64_t)round * 16, 16, 512, w, &c) == 0 && c.status == 0);
			CHECK(ini_rw(&q, 0, 1, (uint64_t)round * 16, 16, 512, r, &c) == 0 && c.status == 0);
			CHECK(memcmp(w, r, sizeof(w)) == 0);
		}
		q.spin = 1;
		long before = reactor_sleeps();
		for (int i = 0; i < IO_COMMANDS; i++) {
			think(THINK_NS);
			CHECK(ini_rw(&q, 0, 1, (uint64_t)(i % 64), 1, 512, r, &c) == 0 && c.status == 0);
			CHECK(memcmp(r, w + (i % 16) * 512, 512) == 0);
		}
		long after = reactor_sleeps();
		usleep(500 * 1000); /* five reactor ticks */
		long idle = reactor_sleeps();
		CHECK(before >= 0 && after >= 0 && idle >= 0);
		slept.during_io = after - before;
		slept.idle = idle - after;
	}
	ini_close(&q);
	ini_close(&a);
	dpd_engine_destroy(e);
	return slept;
}

static void test_busy_poll_reactor_serves_io_and_never_sleeps(void)
{
	struct sleeps slept = count_sleeps(DPD_POLLING_BUSY_POLL);
	CHECK_MSG(slept.idle == 0, "a busy-polling reactor slept %ld times while idle", slept.idle);
}

static void test_sleeping_reactor_sleeps_when_idle(void)
{
	struct sleeps slept = count_sleeps(DPD_POLLING_SLEEP);
	CHECK_MSG(slept.idle > 0, "a sleeping reactor slept %ld times in 500 ms idle", slept.idle);
}

/* Sanitizers slow the host and the reactor several times over: a host's next
 * command then comes later than the spin window, which the optimized build of
 * this test (build/tests-opt, run by make check too) does not suffer from. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

/* Adaptive: the same I/O as a sleeping reactor with far fewer sleeps (it keeps
 * polling between a response and the host's next command), and asleep once idle.
 * A sleeping reactor blocks about once per command here; an adaptive one only
 * when the host's next command comes later than the spin window, which a
 * loaded machine makes happen now and then, hence the best of three tries. */
static void test_adaptive_reactor_spins_under_io_and_sleeps_when_idle(void)
{
	struct sleeps sleeping = count_sleeps(DPD_POLLING_SLEEP);
	struct sleeps adaptive = { -1, -1 };
	for (int attempt = 0; attempt < 3; attempt++) {
		struct sleeps s = count_sleeps(DPD_POLLING_ADAPTIVE);
		if (adaptive.during_io < 0 || (s.during_io >= 0 && s.during_io < adaptive.during_io))
			adaptive = s;
		fprintf(stderr, "  sleeps during %d reads: sleeping reactor %ld, adaptive %ld (then %ld in 500 ms idle)\n",
			IO_COMMANDS, sleeping.during_io, s.during_io, s.idle);
		if (SANITIZED || (adaptive.during_io >= 0 && adaptive.during_io * 2 < sleeping.during_io))
			break;
	}
	CHECK_MSG(adaptive.idle > 0, "an adaptive reactor slept %ld times in 500 ms idle", adaptive.idle);
	if (SANITIZED) {
		fprintf(stderr, "  sleeps during I/O compared in the optimized build only\n");
		return;
	}
	CHECK_MSG(sleeping.during_io >= IO_COMMANDS / 2, "a sleeping reactor slept only %ld times in %d reads",
		  sleeping.during_io, IO_COMMANDS);
	CHECK_MSG(adaptive.during_io >= 0 && adaptive.during_io * 2 < sleeping.during_io,
		  "an adaptive reactor slept %ld times in %d reads, a sleeping one %ld", adaptive.during_io,
		  IO_COMMANDS, sleeping.during_io);
}

static void test_polling_option_range(void)
{
	dpd_options *o;
	CHECK(dpd_options_create(&o) == 0);
	CHECK(dpd_options_set_int(o, "polling", DPD_POLLING_ADAPTIVE) == 0);
	CHECK(dpd_options_set_int(o, "polling", 3) == -EINVAL && strstr(dpd_last_error(), "polling=3 is out of range 0..2"));
	CHECK(dpd_options_set_int(o, "polling", -1) == -EINVAL);
	CHECK(dpd_options_set_int(o, "busy_poll", 1) == -EINVAL && strstr(dpd_last_error(), "unknown option busy_poll"));
	dpd_options_destroy(o);
}

static dpd_engine *engine_with(int reactors, const int32_t *cpus, uint32_t ncpus, int *rc)
{
	dpd_options *o = NULL;
	dpd_engine *e = NULL;
	*rc = dpd_options_create(&o);
	if (*rc == 0)
		*rc = dpd_options_set_int(o, "reactors", reactors);
	if (*rc == 0 && cpus)
		*rc = dpd_options_set_reactor_cpus(o, cpus, ncpus);
	if (*rc == 0)
		*rc = dpd_engine_create(o, &e);
	dpd_options_destroy(o);
	return e;
}

static void test_three_reactors_are_three_named_threads(void)
{
	int rc;
	dpd_engine *e = engine_with(3, NULL, 0, &rc);
	CHECK(e != NULL);
	if (!e)
		return;
	CHECK(dpd_engine_reactor_count(e) == 0);
	CHECK(reactor_threads(NULL, 0) == 0);
	CHECK(dpd_engine_start(e) == 0);
	CHECK(dpd_engine_reactor_count(e) == 3);
	CHECK_MSG(reactor_threads(NULL, 0) == 3, "%d reactor threads", reactor_threads(NULL, 0));
	CHECK(dpd_engine_stop(e, 1000) == 0);
	CHECK(dpd_engine_reactor_count(e) == 0);
	CHECK(reactor_threads(NULL, 0) == 0);
	dpd_engine_destroy(e);
	CHECK(dpd_engine_reactor_count(NULL) == -EINVAL);
}

/* The first CPU this process may use: the only one every machine offers. */
static int first_allowed_cpu(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return -1;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			return c;
	return -1;
}

static void test_cpu_list_pins_every_reactor(void)
{
	int32_t cpu = first_allowed_cpu();
	CHECK(cpu >= 0);
	int rc;
	dpd_engine *e = engine_with(2, &cpu, 1, &rc);
	CHECK(e != NULL);
	if (!e)
		return;
	CHECK(dpd_engine_start(e) == 0);
	char cpus[256], want[64];
	CHECK(reactor_threads(cpus, sizeof(cpus)) == 2);
	snprintf(want, sizeof(want), "%d;%d;", cpu, cpu);
	CHECK_MSG(strcmp(cpus, want) == 0, "reactor CPUs %s, wanted %s", cpus, want);
	dpd_engine_destroy(e);
}

static void test_bad_cpu_lists_are_refused_with_the_cpu(void)
{
	int rc;
	int32_t outside = 1023; /* no test machine gives this process CPU 1023 */
	CHECK(engine_with(1, &outside, 1, &rc) == NULL);
	CHECK(rc == -EINVAL && strstr(dpd_last_error(), "CPU 1023 is not in this process's CPU set"));
	int32_t twice[2] = { 0, 0 };
	CHECK(engine_with(1, twice, 2, &rc) == NULL && rc == -EINVAL && strstr(dpd_last_error(), "twice"));
	int32_t negative = -1;
	CHECK(engine_with(1, &negative, 1, &rc) == NULL && rc == -EINVAL && strstr(dpd_last_error(), "out of range"));
	dpd_options *o;
	CHECK(dpd_options_create(&o) == 0);
	CHECK(dpd_options_set_reactor_cpus(o, NULL, 1) == -EINVAL);
	CHECK(dpd_options_set_reactor_cpus(o, NULL, 0) == 0);
	dpd_options_destroy(o);
}

int main(void)
{
	dpd_log_set_level(getenv("DPD_DEBUG") ? DPD_LOG_DEBUG : DPD_LOG_WARN);
	RUN(test_three_reactors_are_three_named_threads);
	RUN(test_cpu_list_pins_every_reactor);
	RUN(test_bad_cpu_lists_are_refused_with_the_cpu);
	RUN(test_busy_poll_reactor_serves_io_and_never_sleeps);
	RUN(test_sleeping_reactor_sleeps_when_idle);
	RUN(test_adaptive_reactor_spins_under_io_and_sleeps_when_idle);
	RUN(test_polling_option_range);
	TEST_EXIT();
}

/*
 * dpu-bench-limits: the ceilings the data path is measured against, on this machine,
 * in the same run as the benchmark: raw io_uring on the same backing file, single-core
 * memcpy, AES-256-XTS (our EVP wrapper, 4 KiB data units), CRC32C (the target's code)
 * and loopback TCP. Prints one JSON object.
 *
 * usage: dpu-bench-limits FILE SECONDS_PER_MEASUREMENT
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/crc32c.h"
#include "telemetry/latency_hist.h"
#include "layers/xts.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t now_ns(void) { return (uint64_t)(now_s() * 1e9); }

/* CPU time of this thread: single-core rates are bytes per CPU-second, so time the
 * thread spent waiting for a CPU on a busy machine does not lower them. */
static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------ io_uring */

struct uring_result {
	double iops, bytes_per_s, p50_us, p99_us, p999_us;
};

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Keep qd operations of bs bytes in flight on fd for secs seconds (random or sequential). */
static int uring_run(int fd, uint64_t size, int write, int random, uint32_t bs, int qd, double secs,
		     struct uring_result *out)
{
	struct io_uring ring;
	if (io_uring_queue_init((unsigned)qd * 2, &ring, 0) < 0)
		return -1;
	uint8_t *bufs = aligned_alloc(4096, (size_t)bs * (size_t)qd);
	memset(bufs, 0x5a, (size_t)bs * (size_t)qd);
	uint64_t *start = calloc((size_t)qd, sizeof(*start));
	static struct dpd_hist h;
	memset(&h, 0, sizeof(h));
	uint64_t units = size / bs, seq = 0, rng = 88172645463325252ull, ops = 0;
	double t0 = now_s(), end = t0 + secs;
	int inflight = 0;
	for (int i = 0; i < qd; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
		uint64_t off = (random ? rng_next(&rng) % units : seq++ % units) * bs;
		if (write)
			io_uring_prep_write(sqe, fd, bufs + (size_t)i * bs, bs, off);
		else
			io_uring_prep_read(sqe, fd, bufs + (size_t)i * bs, bs, off);
		io_uring_sqe_set_data64(sqe, (uint64_t)i);
		start[i] = now_ns();
		inflight++;
	}
	io_uring_submit(&ring);
	while (inflight) {
		struct io_uring_cqe *cqe;
		if (io_uring_wait_cqe(&ring, &cqe) < 0)
			break;
		int i = (int)io_uring_cqe_get_data64(cqe);
		int res = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
		inflight--;
		if (res != (int)bs) {
			fprintf(stderr, "io_uring %s failed: %s\n", write ? "write" : "read", strerror(res < 0 ? -res : EIO));
			free(bufs);
			free(start);
			io_uring_queue_exit(&ring);
			return -1;
		}
		dpd_hist_record(&h, now_ns() - start[i]);
		ops++;
		if (now_s() < end) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
			uint64_t off = (random ? rng_next(&rng) % units : seq++ % units) * bs;
			if (write)
				io_uring_prep_write(sqe, fd, bufs + (size_t)i * bs, bs, off);
			else
				io_uring_prep_read(sqe, fd, bufs + (size_t)i * bs, bs, off);
			io_uring_sqe_set_data64(sqe, (uint64_t)i);
			start[i] = now_ns();
			inflight++;
			io_uring_submit(&ring);
		}
	}
	double el = now_s() - t0;
	out->iops = ops / el;
	out->bytes_per_s = ops * (double)bs / el;
	out->p50_us = dpd_hist_percentile(&h, 50) / 1e3;
	out->p99_us = dpd_hist_percentile(&h, 99) / 1e3;
	out->p999_us = dpd_hist_percentile(&h, 99.9) / 1e3;
	free(bufs);
	free(start);
	io_uring_queue_exit(&ring);
	return 0;
}

/* ------------------------------------------------------------ CPU limits */

static double memcpy_rate(double secs)
{
	size_t n = 128 << 10; /* a 128 KiB payload, like the staging copies */
	uint8_t *a = aligned_alloc(4096, n), *b = aligned_alloc(4096, n);
	memset(a, 1, n);
	memset(b, 2, n);
	double t0 = cpu_s(), el;
	uint64_t bytes = 0;
	do {
		for (int i = 0; i < 64; i++) {
			memcpy(b, a, n);
			a[i] = b[n - 1 - i];
			bytes += n;
		}
	} while ((el = cpu_s() - t0) < secs);
	free(a);
	free(b);
	return bytes / el;
}

static double xts_rate(double secs)
{
	uint8_t key[64];
	for (int i = 0; i < 64; i++)
		key[i] = (uint8_t)(i * 7 + 1);
	struct dpd_xts_key *k;
	if (dpd_xts_key_new(key, &k))
		return 0;
	size_t n = 128 << 10;
	uint8_t *buf = aligned_alloc(4096, n);
	memset(buf, 3, n);
	double t0 = cpu_s(), el;
	uint64_t bytes = 0, lba = 0;
	do {
		for (int i = 0; i < 16; i++) {
			dpd_xts_encrypt(k, lba, 4096, buf, buf, n / 4096);
			lba += n / 4096;
			bytes += n;
		}
	} while ((el = cpu_s() - t0) < secs);
	dpd_xts_key_free(k);
	free(buf);
	return bytes / el;
}

static double crc_rate(double secs)
{
	size_t n = 128 << 10;
	uint8_t *buf = aligned_alloc(4096, n);
	memset(buf, 4, n);
	volatile uint32_t sink = 0;
	double t0 = cpu_s(), el;
	uint64_t bytes = 0;
	do {
		for (int i = 0; i < 64; i++) {
			sink ^= crc32c(buf, n);
			bytes += n;
		}
	} while ((el = cpu_s() - t0) < secs);
	free(buf);
	(void)sink;
	return bytes / el;
}

/* ------------------------------------------------------------ loopback TCP */

struct tcp_sink {
	int fd;
	uint64_t bytes;
};

static void *tcp_reader(void *p)
{
	struct tcp_sink *s = p;
	size_t n = 1 << 20;
	uint8_t *buf = malloc(n);
	ssize_t r;
	while ((r = recv(s->fd, buf, n, 0)) > 0)
		s->bytes += (uint64_t)r;
	free(buf);
	return NULL;
}

static double tcp_rate(double secs)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1) || getsockname(l, (struct sockaddr *)&a, &al))
		return 0;
	int c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(c, (struct sockaddr *)&a, sizeof(a)))
		return 0;
	struct tcp_sink s = { .fd = accept(l, NULL, NULL) };
	pthread_t th;
	pthread_create(&th, NULL, tcp_reader, &s);
	size_t n = 1 << 20;
	uint8_t *buf = malloc(n);
	memset(buf, 5, n);
	double t0 = now_s(), el;
	uint64_t sent = 0;
	while ((el = now_s() - t0) < secs) {
		ssize_t w = send(c, buf, n, MSG_NOSIGNAL);
		if (w <= 0)
			break;
		sent += (uint64_t)w;
	}
	shutdown(c, SHUT_WR);
	pthread_join(th, NULL);
	el = now_s() - t0;
	close(c);
	close(s.fd);
	close(l);
	free(buf);
	return s.bytes / el;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: dpu-bench-limits FILE SECONDS_PER_MEASUREMENT\n");
		return 2;
	}
	double secs = atof(argv[2]);
	int direct = 1;
	int fd = open(argv[1], O_RDWR | O_DIRECT);
	if (fd < 0) {
		direct = 0;
		fd = open(argv[1], O_RDWR);
	}
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "dpu-bench-limits: cannot open %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	printf("{\"file\":\"%s\",\"oDirect\":%s,\"uring\":[", argv[1], direct ? "true" : "false");
	static const struct { const char *name; int write, random; uint32_t bs; } w[] = {
		{ "randread", 0, 1, 4096 }, { "randwrite", 1, 1, 4096 }, { "read", 0, 0, 131072 }, { "write", 1, 0, 131072 },
	};
	int first = 1;
	for (unsigned i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		for (int qd = 1; qd <= 32; qd *= 32) {
			struct uring_result r;
			if (uring_run(fd, (uint64_t)st.st_size, w[i].write, w[i].random, w[i].bs, qd, secs, &r))
				return 1;
			printf("%s{\"rw\":\"%s\",\"bs\":%u,\"qd\":%d,\"iops\":%.1f,\"bytesPerSecond\":%.1f,"
			       "\"latencyUs\":{\"p50\":%.1f,\"p99\":%.1f,\"p999\":%.1f}}",
			       first ? "" : ",", w[i].name, w[i].bs, qd, r.iops, r.bytes_per_s, r.p50_us, r.p99_us, r.p999_us);
			first = 0;
		}
	close(fd);
	printf("],\"memcpyBytesPerSecond\":%.1f,\"aesXts256BytesPerSecond\":%.1f,\"crc32cBytesPerSecond\":%.1f,"
	       "\"crc32cImplementation\":\"%s\",\"loopbackTcpBytesPerSecond\":%.1f}\n",
	       memcpy_rate(secs), xts_rate(secs), crc_rate(secs), crc32c_implementation(),
	       tcp_rate(secs));
	return 0;
}

/* The standalone binary against its contract: starts from a config file,
 * prints "listening on ADDR:PORT", serves a host, refuses a host that is
 * not allowed, exits 0 on SIGTERM with the file namespace flushed, and
 * exits non-zero naming the field of a bad config. Runs build/dpu-target
 * (the optimised build, as users run it) as a child process. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "common/util.h"
#include "host/initiator.h"

#define SUBNQN "nqn.2024-01.dev.dpu:bin"
#define HOSTNQN "nqn.2014-08.org.nvmexpress:uuid:bbbbbbbb-2222-3333-4444-555555555555"

static const char *bin(void)
{
	const char *b = getenv("DPU_TARGET_BIN");
	return b ? b : "build/dpu-target";
}

/* Start the target with config text; returns pid, fills the stderr pipe. */
static pid_t spawn(const char *cfg_path, int *errfd)
{
	int p[2];
	if (pipe(p) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 2);
		close(p[0]);
		close(p[1]);
		execl(bin(), bin(), "--config", cfg_path, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	*errfd = p[0];
	return pid;
}

/* Read the child's stderr until needle shows up (or 10 s / EOF). */
static int read_until(int fd, char *buf, size_t cap, const char *needle)
{
	size_t len = strlen(buf);
	for (int i = 0; i < 1000; i++) {
		if (strstr(buf, needle))
			return 1;
		struct timeval tv = { 0, 10000 };
		fd_set s;
		FD_ZERO(&s);
		FD_SET(fd, &s);
		if (select(fd + 1, &s, NULL, NULL, &tv) <= 0)
			continue;
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			return strstr(buf, needle) != NULL;
		len += (size_t)n;
		buf[len] = '\0';
	}
	return strstr(buf, needle) != NULL;
}

static int wait_exit(pid_t pid)
{
	int st;
	for (int i = 0; i < 1500; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_serves_and_stops_cleanly(void)
{
	char cfg[128], img[128], json[2048], log[16384] = "";
	snprintf(cfg, sizeof(cfg), "/tmp/dpd-bin-%d.json", (int)getpid());
	snprintf(img, sizeof(img), "/tmp/dpd-bin-%d.img", (int)getpid());
	unlink(img);
	snprintf(json, sizeof(json),
		 "{ \"listen\": { \"address\": \"127.0.0.1\", \"port\": 0 }, \"reactors\": 2,"
		 "  \"subsystems\": [ { \"nqn\": \"%s\", \"hosts\": [\"%s\"], \"namespaces\": ["
		 "    { \"nsid\": 1, \"backend\": \"file\", \"path\": \"%s\", \"sizeBytes\": 8388608, \"blockSize\": 4096 } ] } ] }",
		 SUBNQN, HOSTNQN, img);
	write_file(cfg, json);
	int errfd;
	pid_t pid = spawn(cfg, &errfd);
	CHECK(pid > 0);
	CHECK_MSG(read_until(errfd, log, sizeof(log), "dpu-target: listening on 127.0.0.1:"), "log: %s", log);
	char *p = strstr(log, "listening on 127.0.0.1:");
	int port = p ? atoi(p + strlen("listening on 127.0.0.1:")) : 0;
	CHECK(port > 0);

	struct ini a, q, bad;
	struct cqe c;
	uint8_t w[65536], r[65536], sqe[64];
	for (size_t i = 0; i < sizeof(w); i++)
		w[i] = (uint8_t)(i * 7 + 3);
	int rc = ini_admin_up(&a, port, 1, 1, SUBNQN, HOSTNQN, 5000);
	CHECK_MSG(rc == 0, "%s", a.err);
	sqe_init(sqe, 0x09, 0);
	sqe[40] = 0x07;
	CHECK(ini_cmd(&a, sqe, NULL, 0, NULL, 0, &c) == 0 && c.status == 0);
	CHECK(ini_io_up(&q, port, 1, 1, SUBNQN, HOSTNQN, a.cntlid, 1) == 0);
	CHECK(ini_rw(&q, 1, 1, 10, 16, 4096, w, &c) == 0 && c.status == 0);
	CHECK(ini_rw(&q, 0, 1, 10, 16, 4096, r, &c) == 0 && c.status == 0 && memcmp(w, r, sizeof(w)) == 0);

	/* A host that is not on the list: refused, and the log says who and where. */
	CHECK(ini_tcp(&bad, port) == 0 && ini_icreq(&bad, 0, 0) == 0);
	CHECK(ini_connect(&bad, 0, 31, SUBNQN, "nqn.2014-08.org.nvmexpress:uuid:bad", 0xFFFF, 5000, &c) == 0);
	CHECK(c.status == (0x184 | 0x4000));
	CHECK_MSG(read_until(errfd, log, sizeof(log), "host nqn.2014-08.org.nvmexpress:uuid:bad is not allowed on subsystem " SUBNQN),
		  "log: %s", log);
	ini_close(&bad);

	CHECK(kill(pid, SIGTERM) == 0);
	CHECK(wait_exit(pid) == 0);
	CHECK(read_until(errfd, log, sizeof(log), "dpu-target: stopped"));
	CHECK(ini_expect_eof(&q));
	int fd = open(img, O_RDONLY);
	CHECK(fd >= 0 && pread(fd, r, sizeof(r), 10 * 4096) == (ssize_t)sizeof(r) && memcmp(w, r, sizeof(w)) == 0);
	if (fd >= 0)
		close(fd);
	close(errfd);
	ini_close(&a);
	ini_close(&q);
	unlink(cfg);
	unlink(img);
}

static void test_bad_config_exits_nonzero(void)
{
	char cfg[128], log[4096] = "";
	snprintf(cfg, sizeof(cfg), "/tmp/dpd-bin-bad-%d.json", (int)getpid());
	write_file(cfg, "{ \"listen\": { \"address\": \"127.0.0.1\", \"port\": 0 },"
			" \"subsystems\": [ { \"nqn\": \"nqn.2024-01.dev.dpu:b\", \"namespaces\": ["
			" { \"nsid\": 1, \"backend\": \"ram\", \"sizeBytes\": 4096, \"blockSize\": 1000 } ] } ] }");
	int errfd;
	pid_t pid = spawn(cfg, &errfd);
	CHECK(wait_exit(pid) == 1);
	read_until(errfd, log, sizeof(log), "blockSize");
	CHECK_MSG(strstr(log, "subsystems[0].namespaces[0].blockSize") && strstr(log, "512 or 4096"), "log: %s", log);
	close(errfd);
	unlink(cfg);
}

int main(void)
{
	if (access(bin(), X_OK) != 0) {
		printf("FAIL binary: %s not built (make all)\n", bin());
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	RUN(test_serves_and_stops_cleanly);
	RUN(test_bad_config_exits_nonzero);
	TEST_EXIT();
}

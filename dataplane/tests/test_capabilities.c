/* What a node can do, decided once in C (dpd_capabilities) from the proc and sys trees
 * under the system root - here fake trees standing in for nodes - and the offload mode
 * decided from the same providers: a provider that is found but that this build cannot
 * hand the I/O path to (none of the built-in ones has a driver yet) is reported, and
 * FullOffload still falls back, saying why. */
#include <errno.h>
#include <liburing.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "dpudp.h"

static char g_root[64];

static void put(const char *rel, const char *content)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", g_root, rel);
	for (char *p = path + strlen(g_root) + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0755);
			*p = '/';
		}
	if (!content) {
		mkdir(path, 0755);
		return;
	}
	FILE *f = fopen(path, "we");
	if (f) {
		fputs(content, f);
		fclose(f);
	}
}

static void fresh_root(void)
{
	snprintf(g_root, sizeof(g_root), "/tmp/dpd-caps-XXXXXX");
	if (!mkdtemp(g_root))
		g_root[0] = '\0';
}

static void drop_root(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", g_root);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", g_root);
	dpd_set_system_root("/");
}

static int process_has_io_uring(void)
{
	struct io_uring ring;
	if (io_uring_queue_init(2, &ring, 0) < 0)
		return 0;
	io_uring_queue_exit(&ring);
	return 1;
}

/* FullOffload with fallback Fail: what the engine makes of the providers reported. */
static int full_offload_strict(void)
{
	dpd_engine *e = NULL;
	if (dpd_engine_create(NULL, &e) < 0)
		return -1000;
	int rc = dpd_engine_set_offload_mode(e, DPD_OFFLOAD_FULL_OFFLOAD, DPD_OFFLOAD_FALLBACK_FAIL);
	dpd_engine_destroy(e);
	return rc;
}

static void test_x86_node_with_aes_sse42_and_a_bluefield(void)
{
	fresh_root();
	put("proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu sse4_2 aes avx2\n\nprocessor\t: 1\n");
	put("proc/sys/kernel/osrelease", "6.1.0-27-amd64\n");
	put("sys/bus/pci/devices/0000:03:00.0/vendor", "0x15b3\n");
	put("sys/bus/pci/devices/0000:03:00.0/device", "0xa2dc\n");
	put("sys/bus/pci/devices/0000:00:1f.0/vendor", "0x8086\n");
	put("sys/bus/pci/devices/0000:00:1f.0/device", "0x7a04\n");
	CHECK(dpd_set_system_root(g_root) == 0);

	char providers[128];
	int caps = dpd_capabilities(providers, sizeof(providers));
	CHECK(caps >= 0);
	CHECK(caps & DPD_CAP_AES_NI);
	CHECK(!(caps & DPD_CAP_VAES));
#if defined(__x86_64__)
	CHECK(caps & DPD_CAP_CRC32C);
#endif
	CHECK(!!(caps & DPD_CAP_IO_URING) == process_has_io_uring());
	CHECK_MSG(strcmp(providers, "nvidia-bluefield") == 0, "providers \"%s\"", providers);
	CHECK(full_offload_strict() == -ENOTSUP);
	CHECK_MSG(strstr(dpd_last_error(), " found, but this build has no driver") != NULL, "%s", dpd_last_error());
	char tiny[8];
	CHECK(dpd_capabilities(tiny, sizeof(tiny)) == -ERANGE && tiny[0] == '\0');
	drop_root();
}

static void test_arm_node_with_io_uring_switched_off_and_kernel_nvmet(void)
{
	fresh_root();
	put("proc/cpuinfo", "processor\t: 0\nFeatures\t: fp asimd aes pmull sha1 crc32\n");
	put("proc/sys/kernel/io_uring_disabled", "2\n");
	put("sys/module/nvmet_tcp", NULL);
	CHECK(dpd_set_system_root(g_root) == 0);

	char providers[128];
	int caps = dpd_capabilities(providers, sizeof(providers));
	CHECK(caps >= 0 && (caps & DPD_CAP_AES_NI));
	/* An Arm "crc32" feature counts only in an Arm build (ISA-L's aarch64 path). */
#if defined(__aarch64__)
	CHECK(caps & DPD_CAP_CRC32C);
#else
	CHECK(!(caps & DPD_CAP_CRC32C));
#endif
	CHECK(!(caps & DPD_CAP_IO_URING));
	CHECK(strcmp(providers, "kernel-nvmet-tcp") == 0);
	CHECK(full_offload_strict() == -ENOTSUP);
	CHECK_MSG(strstr(dpd_last_error(), " found, but this build has no driver") != NULL, "%s", dpd_last_error());
	drop_root();
}

static void test_plain_old_node_degrades(void)
{
	fresh_root();
	put("proc/cpuinfo", "flags\t\t: fpu\n");
	put("proc/sys/kernel/osrelease", "4.19.0-26-amd64\n");
	CHECK(dpd_set_system_root(g_root) == 0);

	char providers[128];
	int caps = dpd_capabilities(providers, sizeof(providers));
	CHECK(caps == 0);
	CHECK(providers[0] == '\0');
	CHECK(full_offload_strict() == -ENOTSUP);
	drop_root();
}

static void test_system_root_must_be_a_directory(void)
{
	CHECK(dpd_set_system_root("/nonexistent-root") == -ENOTDIR && strstr(dpd_last_error(), "/nonexistent-root"));
	CHECK(dpd_set_system_root("") == -EINVAL);
	CHECK(dpd_set_system_root(NULL) == -EINVAL);
	CHECK(dpd_capabilities(NULL, 0) >= 0);
}

int main(void)
{
	dpd_log_set_level(getenv("DPD_DEBUG") ? DPD_LOG_DEBUG : DPD_LOG_WARN);
	RUN(test_x86_node_with_aes_sse42_and_a_bluefield);
	RUN(test_arm_node_with_io_uring_switched_off_and_kernel_nvmet);
	RUN(test_plain_old_node_degrades);
	RUN(test_system_root_must_be_a_directory);
	TEST_EXIT();
}

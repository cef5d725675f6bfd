/* capabilities.c - dpd_set_system_root() and dpd_capabilities(): the one place that
 * decides what this node can do for the data path (see dpudp.h). */
#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/sysroot.h"
#include "layers/offload.h"

int dpd_set_system_root(const char *root)
{
	int rc = sysroot_set(root);
	if (rc == -EINVAL)
		return set_error(rc, "system root must be a non-empty path of at most 4095 bytes");
	if (rc < 0)
		return set_error(rc, "system root %s is not a directory", root);
	log_info("probing the node under %s", root);
	return 0;
}

/* Is word one of the blank-separated words of list? */
static int has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = strstr(list, word); p; p = strstr(p + 1, word))
		if ((p == list || p[-1] == ' ' || p[-1] == '\t') && (p[n] == '\0' || p[n] == ' ' || p[n] == '\t' ||
								    p[n] == '\n'))
			return 1;
	return 0;
}

/* CPU instruction bits from the first "flags" (x86) or "Features" (arm64) line of cpuinfo. */
static int cpu_caps(void)
{
	char path[4352], line[8192];
	int caps = 0;
	if (!sysroot_path(path, sizeof(path), "proc/cpuinfo"))
		return 0;
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5) != 0 && strncmp(line, "Features", 8) != 0)
			continue;
		const char *colon = strchr(line, ':');
		if (!colon)
			continue;
		if (has_word(colon + 1, "aes"))
			caps |= DPD_CAP_AES_NI;
		if (has_word(colon + 1, "vaes"))
			caps |= DPD_CAP_VAES;
		/* common/crc32c.c (ISA-L) computes CRC32C with the CPU's crc32
		 * instruction where the CPU this build runs on has it: SSE4.2 on
		 * x86, the CRC extension on Arm; without it ISA-L uses tables. */
#if defined(__x86_64__)
		if (has_word(colon + 1, "sse4_2"))
			caps |= DPD_CAP_CRC32C;
#elif defined(__aarch64__)
		if (has_word(colon + 1, "crc32"))
			caps |= DPD_CAP_CRC32C;
#endif
		break;
	}
	fclose(f);
	return caps;
}

static int io_uring_usable(void)
{
	char value[64];
	if (sysroot_read_line("proc/sys/kernel/io_uring_disabled", value, sizeof(value)) && strcmp(value, "2") == 0)
		return 0;
	int major, minor;
	if (sysroot_read_line("proc/sys/kernel/osrelease", value, sizeof(value)) &&
	    sscanf(value, "%d.%d", &major, &minor) == 2 && (major < 5 || (major == 5 && minor < 1)))
		return 0;
	struct io_uring ring;
	if (io_uring_queue_init(2, &ring, 0) < 0)
		return 0; /* seccomp, io_uring_disabled=1 without the group, or no kernel support */
	io_uring_queue_exit(&ring);
	return 1;
}

int dpd_capabilities(char *providers, uint32_t providers_len)
{
	if (!providers && providers_len)
		return set_error(-EINVAL, "providers is NULL but providers_len is %u", providers_len);
	int caps = cpu_caps();
	if (io_uring_usable())
		caps |= DPD_CAP_IO_URING;
	if (!providers_len)
		return caps;
	const struct dpd_offload_provider *found[16];
	int n = dpd_offload_present_providers(found, (int)(sizeof(found) / sizeof(found[0])));
	size_t used = 0;
	providers[0] = '\0';
	for (int i = 0; i < n; i++) {
		int len = snprintf(providers + used, providers_len - used, "%s%s", i ? "," : "", found[i]->name);
		if (len < 0 || (size_t)len >= providers_len - used) {
			providers[0] = '\0';
			return set_error(-ERANGE, "%u bytes are too few for the offload provider names", providers_len);
		}
		used += (size_t)len;
	}
	return caps;
}

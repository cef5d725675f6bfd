/* sysroot.c - the process-wide root of the proc and sys trees the probes read.
 * Set rarely (agent start, tests), read by probes on control threads: a mutex
 * keeps a reader from seeing half a path. */
#include "common/sysroot.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define ROOT_MAX 4096

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static char g_root[ROOT_MAX] = "/";

int sysroot_set(const char *root)
{
	struct stat st;
	if (!root || !*root || strlen(root) >= ROOT_MAX)
		return -EINVAL;
	if (stat(root, &st) < 0 || !S_ISDIR(st.st_mode))
		return -ENOTDIR;
	pthread_mutex_lock(&g_lock);
	snprintf(g_root, sizeof(g_root), "%s", root);
	pthread_mutex_unlock(&g_lock);
	return 0;
}

bool sysroot_path(char *out, size_t cap, const char *rel)
{
	pthread_mutex_lock(&g_lock);
	size_t n = strlen(g_root);
	const char *sep = n && g_root[n - 1] == '/' ? "" : "/";
	int len = snprintf(out, cap, "%s%s%s", g_root, sep, rel);
	pthread_mutex_unlock(&g_lock);
	return len >= 0 && (size_t)len < cap;
}

bool sysroot_read_line(const char *rel, char *out, size_t cap)
{
	char path[ROOT_MAX + 256];
	if (!sysroot_path(path, sizeof(path), rel))
		return false;
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	bool ok = fgets(out, (int)cap, f) != NULL;
	fclose(f);
	if (!ok)
		return false;
	size_t n = strlen(out);
	while (n && (out[n - 1] == '\n' || out[n - 1] == ' ' || out[n - 1] == '\t'))
		out[--n] = '\0';
	return true;
}

bool sysroot_is_dir(const char *rel)
{
	char path[ROOT_MAX + 256];
	struct stat st;
	return sysroot_path(path, sizeof(path), rel) && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

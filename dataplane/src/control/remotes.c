/* remotes.c - public API: remote NVMe/TCP targets and namespaces on them. */
#include <errno.h>

#include "common/log.h"
#include "control/engine.h"

int dpd_remote_add(dpd_engine *e, const char *name, const char *address, int port, const char *subsystem_nqn,
		   const char *host_nqn, int header_digest, int data_digest, uint32_t ctrl_loss_timeout_s)
{
	(void)e, (void)name, (void)address, (void)port, (void)subsystem_nqn, (void)host_nqn, (void)header_digest,
		(void)data_digest, (void)ctrl_loss_timeout_s;
	return set_error(-ENOTSUP, "remote backends are not available in this build yet");
}

int dpd_remote_remove(dpd_engine *e, const char *name)
{
	(void)e, (void)name;
	return set_error(-ENOENT, "no remote %s", name ? name : "(null)");
}

int dpd_ns_add_remote(dpd_engine *e, const char *nqn, uint32_t nsid, const char *remote, uint32_t remote_nsid,
		      uint64_t size_bytes, uint32_t block_size)
{
	(void)e, (void)nqn, (void)nsid, (void)remote, (void)remote_nsid, (void)size_bytes, (void)block_size;
	return set_error(-ENOTSUP, "remote backends are not available in this build yet");
}

int dpd_stats_remote_count(const dpd_stats *s)
{
	(void)s;
	return 0;
}
const char *dpd_stats_remote_name(const dpd_stats *s, int idx)
{
	(void)s, (void)idx;
	return NULL;
}
int dpd_stats_remote_state(const dpd_stats *s, int idx)
{
	(void)s, (void)idx;
	return -1;
}
const char *dpd_stats_remote_reason(const dpd_stats *s, int idx)
{
	(void)s, (void)idx;
	return NULL;
}
uint64_t dpd_stats_remote(const dpd_stats *s, int idx, int id)
{
	(void)s, (void)idx, (void)id;
	return 0;
}

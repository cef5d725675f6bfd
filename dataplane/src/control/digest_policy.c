/* digest_policy.c - which NVMe/TCP digests this target requires (dpudp.h,
 * dpd_engine_set_digest_policy). The host chooses digests in its ICReq; the transport
 * (transport/conn_recv.c, on_icreq) refuses a connection that does not choose a required
 * one. The policy is two atomics read at every ICReq, so a change applies to new
 * connections only and established ones keep what they negotiated. */
#include <errno.h>

#include "common/log.h"
#include "control/engine.h"

int dpd_engine_set_digest_policy(dpd_engine *e, int header_required, int data_required)
{
	if (!e)
		return set_error(-EINVAL, "engine is NULL");
	if ((header_required != 0 && header_required != 1) || (data_required != 0 && data_required != 1))
		return set_error(-EINVAL, "digest policy values must be 0 (optional) or 1 (required), not %d/%d",
				 header_required, data_required);
	__atomic_store_n(&e->tp.hdgst_required, header_required, __ATOMIC_RELEASE);
	__atomic_store_n(&e->tp.ddgst_required, data_required, __ATOMIC_RELEASE);
	log_info("digests for new connections: header %s, data %s", header_required ? "required" : "optional",
		 data_required ? "required" : "optional");
	return 0;
}
